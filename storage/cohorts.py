"""Cohorts, their members, coordinators and the members' nudge settings.

Every method runs inside the caller's unit of work (see :mod:`storage.repository`).
Codes and tokens are made by the caller; this module only stores and finds them.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, literal, select, update
from sqlalchemy.orm import Session

from storage.models import AuditEntry, Clock, Cohort, CoordinatorInvite, Membership, User
from storage.sql import insert_unless_exists

COORDINATOR = "coordinator"


@dataclass(frozen=True, slots=True)
class CohortInfo:
    """A cohort as the bot shows and plans it."""

    id: int
    code: str
    name: str
    workshop_at: datetime
    timezone: str
    plan: str
    owner_user_id: int | None
    closed: bool
    members: int = 0


@dataclass(frozen=True, slots=True)
class NudgeSettings:
    """A member's choices: window id (None: the default), time zone (None: the cohort's)."""

    window: str | None
    timezone: str | None
    off: bool


@dataclass(frozen=True, slots=True)
class Coordinator:
    user_id: int
    channel: str
    channel_user_id: str


_MEMBERS = (
    select(func.count())
    .where(Membership.cohort_id == Cohort.id)
    .correlate(Cohort)
    .scalar_subquery()
    .label("members")
)
_INFO = select(
    Cohort.id,
    Cohort.code,
    Cohort.name,
    Cohort.workshop_at,
    Cohort.timezone,
    Cohort.plan,
    Cohort.owner_user_id,
    Cohort.closed_at.is_not(None).label("closed"),
    _MEMBERS,
)


def _info(row: object) -> CohortInfo:
    return CohortInfo(*row)  # type: ignore[misc]


class CohortStore:
    """Cohort, membership, role and nudge-setting queries inside one unit of work."""

    def __init__(self, session: Session, clock: Clock) -> None:
        self._session = session
        self._clock = clock

    # cohorts

    def create(
        self,
        owner_user_id: int,
        code: str,
        name: str,
        workshop_at: datetime,
        timezone: str,
        plan: str,
    ) -> CohortInfo:
        cohort = Cohort(
            code=code,
            name=name,
            workshop_at=workshop_at,
            timezone=timezone,
            plan=plan,
            owner_user_id=owner_user_id,
            created_at=self._clock(),
        )
        self._session.add(cohort)
        self._session.flush()
        return CohortInfo(
            cohort.id, code, name, workshop_at, timezone, plan, owner_user_id, closed=False
        )

    def owned_by(self, owner_user_id: int | None) -> list[CohortInfo]:
        """The owner's cohorts (None: everyone's) with their member counts, the latest
        workshop first."""
        query = _INFO.order_by(Cohort.workshop_at.desc(), Cohort.id.desc())
        if owner_user_id is not None:
            query = query.where(Cohort.owner_user_id == owner_user_id)
        return [_info(row) for row in self._session.execute(query)]

    def get(self, cohort_id: int) -> CohortInfo | None:
        row = self._session.execute(_INFO.where(Cohort.id == cohort_id)).one_or_none()
        return _info(row) if row is not None else None

    def owns_any(self, owner_user_id: int) -> bool:
        """Whether the user owns a cohort (open or closed)."""
        query = select(Cohort.id).where(Cohort.owner_user_id == owner_user_id).limit(1)
        return self._session.execute(query).first() is not None

    def by_code(self, code: str) -> CohortInfo | None:
        row = self._session.execute(_INFO.where(Cohort.code == code)).one_or_none()
        return _info(row) if row is not None else None

    def close(self, cohort_id: int, owner_user_id: int) -> bool:
        """Close one of the owner's open cohorts to new members; False if not theirs or closed."""
        statement = (
            update(Cohort)
            .where(
                Cohort.id == cohort_id,
                Cohort.owner_user_id == owner_user_id,
                Cohort.closed_at.is_(None),
            )
            .values(closed_at=self._clock())
            .returning(Cohort.id)
        )
        return self._session.execute(statement).scalar_one_or_none() is not None

    def reschedule(self, cohort_id: int, owner_user_id: int, workshop_at: datetime) -> bool:
        """Move the workshop of one of the owner's cohorts; False if it is not theirs."""
        statement = (
            update(Cohort)
            .where(Cohort.id == cohort_id, Cohort.owner_user_id == owner_user_id)
            .values(workshop_at=workshop_at)
            .returning(Cohort.id)
        )
        return self._session.execute(statement).scalar_one_or_none() is not None

    # members

    def members(self, cohort_id: int) -> list[int]:
        """The user ids of the cohort's members, in order of joining."""
        query = (
            select(Membership.user_id)
            .where(Membership.cohort_id == cohort_id)
            .order_by(Membership.joined_at, Membership.id)
        )
        return list(self._session.scalars(query))

    def nudged_members(self, cohort_id: int) -> list[int]:
        """The members who get nudges: nudges on, and the bot not blocked; in order of
        joining."""
        query = (
            select(Membership.user_id)
            .join(User, User.id == Membership.user_id)
            .where(
                Membership.cohort_id == cohort_id,
                User.nudges_off.is_(False),
                User.blocked.is_(False),
            )
            .order_by(Membership.joined_at, Membership.id)
        )
        return list(self._session.scalars(query))

    def join(self, cohort_id: int, user_id: int) -> bool:
        """Make the user a member; False (and nothing changes) when they already were."""
        statement = (
            insert_unless_exists(self._session, Membership, ("cohort_id", "user_id"))
            .values(cohort_id=cohort_id, user_id=user_id, joined_at=self._clock())
            .returning(Membership.id)
        )
        return self._session.execute(statement).scalar_one_or_none() is not None

    def is_member(self, cohort_id: int, user_id: int) -> bool:
        query = select(Membership.id).where(
            Membership.cohort_id == cohort_id, Membership.user_id == user_id
        )
        return self._session.execute(query).first() is not None

    def memberships(self, user_id: int) -> list[CohortInfo]:
        """The cohorts the user is a member of (open or closed), oldest membership first."""
        query = (
            _INFO.join(Membership, Membership.cohort_id == Cohort.id)
            .where(Membership.user_id == user_id)
            .order_by(Membership.joined_at, Membership.id)
        )
        return [_info(row) for row in self._session.execute(query)]

    # roles

    def consented_user(self, channel: str, channel_user_id: str) -> int | None:
        """The id of the user with this channel id who agreed to the privacy statement."""
        query = select(User.id).where(
            User.channel == channel,
            User.channel_user_id == channel_user_id,
            User.consent.is_(True),
        )
        return self._session.execute(query).scalar_one_or_none()

    def channel_id_of(self, user_id: int) -> str | None:
        query = select(User.channel_user_id).where(User.id == user_id)
        return self._session.execute(query).scalar_one_or_none()

    def roles(self, user_id: int) -> frozenset[str]:
        user = self._session.get(User, user_id)
        return user.role_names if user is not None else frozenset()

    def set_role(self, user_id: int, role: str, granted: bool) -> bool:
        """Grant or revoke ``role``; False when nothing changed."""
        user = self._session.get(User, user_id)
        if user is None or (role in user.role_names) == granted:
            return False
        names = user.role_names | {role} if granted else user.role_names - {role}
        user.roles = ",".join(sorted(names))
        return True

    def coordinators(self) -> list[Coordinator]:
        query = (
            select(User.id, User.channel, User.channel_user_id)
            .where((literal(",") + User.roles + literal(",")).contains(f",{COORDINATOR},"))
            .order_by(User.id)
        )
        return [Coordinator(*row) for row in self._session.execute(query)]

    def coordinators_since(self, user_ids: Collection[int]) -> dict[int, datetime]:
        """When each of these users last became coordinator (the audit's latest
        ``role.granted``; without one, when they first used the bot)."""
        subjects = {f"user:{user_id}": user_id for user_id in user_ids}
        since = {
            user_id: created
            for user_id, created in self._session.execute(
                select(User.id, User.created_at).where(User.id.in_(list(user_ids)))
            )
        }
        granted = (
            select(AuditEntry.subject, func.max(AuditEntry.at))
            .where(AuditEntry.action == "role.granted", AuditEntry.subject.in_(list(subjects)))
            .group_by(AuditEntry.subject)
        )
        for subject, at in self._session.execute(granted):
            since[subjects[subject]] = at
        return since

    def add_invite(self, token: str, created_by: int) -> None:
        self._session.add(
            CoordinatorInvite(token=token, created_by=created_by, created_at=self._clock())
        )
        self._session.flush()

    def redeem_invite(self, token: str, user_id: int) -> int | None:
        """Use a one-time invite; the id of the admin who made it (0 if forgotten), or None
        when the token is unknown or was used already."""
        statement = (
            update(CoordinatorInvite)
            .where(CoordinatorInvite.token == token, CoordinatorInvite.used_at.is_(None))
            .values(used_by=user_id, used_at=self._clock())
            .returning(CoordinatorInvite.created_by)
        )
        row = self._session.execute(statement).one_or_none()
        if row is None:
            return None
        return row.created_by or 0

    # nudge settings

    def nudge_settings(self, user_id: int) -> NudgeSettings:
        query = select(User.nudge_window, User.timezone, User.nudges_off).where(User.id == user_id)
        row = self._session.execute(query).one_or_none()
        if row is None:
            return NudgeSettings(None, None, off=False)
        return NudgeSettings(row.nudge_window, row.timezone, bool(row.nudges_off))

    def set_nudges(self, user_id: int, window: str | None, off: bool) -> None:
        """Choose a window (None: the default) and switch nudges on, or switch them off."""
        values: dict[str, object] = {"nudges_off": off}
        if not off:
            values["nudge_window"] = window
        self._session.execute(update(User).where(User.id == user_id).values(values))
