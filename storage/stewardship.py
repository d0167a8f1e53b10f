"""Looking after cohorts and coordinator invitations: invitations that expire, can be
listed and revoked, and stop working once their issuer is no admin any more; every
cohort for admins, cohorts without an owner, adopting one.

Every method runs inside the caller's unit of work (see :mod:`storage.repository`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from storage.cohorts import _INFO, CohortInfo, _info
from storage.models import Clock, Cohort, CoordinatorInvite, User

INVITE_VALID = timedelta(days=7)
"""How long a coordinator invitation works, by default."""


@dataclass(frozen=True, slots=True)
class Invite:
    """An open invitation: not used, not expired."""

    id: int
    created_by: int | None
    created_at: datetime
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class Redeemable:
    """An unused invitation found by its token: who issued it and whether it expired."""

    id: int
    created_by: int | None
    expired: bool


class StewardshipStore:
    """Invitations and cohort ownership inside one unit of work."""

    def __init__(self, session: Session, clock: Clock) -> None:
        self._session = session
        self._clock = clock

    # invitations

    def open_invites(self, valid: timedelta = INVITE_VALID) -> list[Invite]:
        """Invitations not used and not expired, the newest first."""
        since = self._clock() - valid
        query = (
            select(CoordinatorInvite.id, CoordinatorInvite.created_by, CoordinatorInvite.created_at)
            .where(CoordinatorInvite.used_at.is_(None), CoordinatorInvite.created_at >= since)
            .order_by(CoordinatorInvite.created_at.desc(), CoordinatorInvite.id.desc())
        )
        return [Invite(i, by, at, at + valid) for i, by, at in self._session.execute(query)]

    def find_invite(self, token: str, valid: timedelta = INVITE_VALID) -> Redeemable | None:
        """The unused invitation with this token, or None (unknown or used)."""
        query = select(
            CoordinatorInvite.id, CoordinatorInvite.created_by, CoordinatorInvite.created_at
        ).where(CoordinatorInvite.token == token, CoordinatorInvite.used_at.is_(None))
        row = self._session.execute(query).one_or_none()
        if row is None:
            return None
        return Redeemable(row.id, row.created_by, row.created_at < self._clock() - valid)

    def use_invite(self, invite_id: int, user_id: int) -> bool:
        """Mark an unused invitation used by ``user_id``; False when it was used already."""
        statement = (
            update(CoordinatorInvite)
            .where(CoordinatorInvite.id == invite_id, CoordinatorInvite.used_at.is_(None))
            .values(used_by=user_id, used_at=self._clock())
            .returning(CoordinatorInvite.id)
        )
        return self._session.execute(statement).scalar_one_or_none() is not None

    def revoke_invite(self, invite_id: int) -> bool:
        """Delete an unused invitation; False when there is none such (the audit keeps
        that it existed)."""
        statement = (
            delete(CoordinatorInvite)
            .where(CoordinatorInvite.id == invite_id, CoordinatorInvite.used_at.is_(None))
            .returning(CoordinatorInvite.id)
        )
        return self._session.execute(statement).scalar_one_or_none() is not None

    def channel_of(self, user_id: int) -> tuple[str, str] | None:
        """(channel, channel user id) of a user, None when they are gone."""
        row = self._session.execute(
            select(User.channel, User.channel_user_id).where(User.id == user_id)
        ).one_or_none()
        return (row.channel, row.channel_user_id) if row is not None else None

    # cohorts

    def every_cohort(self) -> list[CohortInfo]:
        """Every cohort (admins), the latest workshop first."""
        query = _INFO.order_by(Cohort.workshop_at.desc(), Cohort.id.desc())
        return [_info(row) for row in self._session.execute(query)]

    def adopt(self, cohort_id: int, user_id: int) -> bool:
        """Make ``user_id`` the cohort's owner; False when there is no such cohort."""
        statement = (
            update(Cohort)
            .where(Cohort.id == cohort_id)
            .values(owner_user_id=user_id)
            .returning(Cohort.id)
        )
        return self._session.execute(statement).scalar_one_or_none() is not None

    def close_any(self, cohort_id: int) -> bool:
        """Close any open cohort to new members (admins); False if none such."""
        statement = (
            update(Cohort)
            .where(Cohort.id == cohort_id, Cohort.closed_at.is_(None))
            .values(closed_at=self._clock())
            .returning(Cohort.id)
        )
        return self._session.execute(statement).scalar_one_or_none() is not None
