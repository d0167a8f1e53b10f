"""Broadcasts: a coordinator's message to members of their cohorts, delivered through the
outbox (one row per recipient, idempotency key ``broadcast:<id>:<user>``, lane ``bulk``).

Every method runs inside the caller's unit of work (see :mod:`storage.repository`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from storage.models import (
    Broadcast,
    Clock,
    Cohort,
    Membership,
    OutboxMessage,
    Reflection,
    User,
)
from storage.sql import latest_advice_shown

BLOCKED_REASON = "the user has blocked the bot"
"""``outbox.last_error`` of a message Telegram refused because the user blocked the bot."""


@dataclass(frozen=True, slots=True)
class BroadcastInfo:
    id: int
    owner_user_id: int | None
    text: str
    total: int
    status: str
    progress_message_id: int | None
    progress_at: datetime | None
    created_at: datetime
    audience: dict[str, Any]

    @property
    def template(self) -> str | None:
        """The ready-made question it sends (translated per member), if not a typed text."""
        template = self.audience.get("template")
        return template if isinstance(template, str) else None


@dataclass(frozen=True, slots=True)
class Delivery:
    """Where a broadcast stands: its outbox rows by status, and the answers to it."""

    total: int
    sent: int
    pending: int
    blocked: int
    failed: int
    cancelled: int
    answered: int

    @property
    def finished(self) -> bool:
        return self.pending == 0


_INFO = select(
    Broadcast.id,
    Broadcast.owner_user_id,
    Broadcast.text,
    Broadcast.total,
    Broadcast.status,
    Broadcast.progress_message_id,
    Broadcast.progress_at,
    Broadcast.created_at,
    Broadcast.audience,
)


class BroadcastStore:
    """Broadcast queries inside one unit of work."""

    def __init__(self, session: Session, clock: Clock) -> None:
        self._session = session
        self._clock = clock

    def recipients(
        self, owner_user_id: int, cohort_ids: Sequence[int] | None, dilemma: str | None
    ) -> list[int]:
        """Members of the owner's cohorts (``cohort_ids`` of them, or all): those who agreed
        to the privacy statement, did not switch nudges off and have not blocked the bot;
        with ``dilemma``, only
        those whose latest advice showed it. Each member once, by user id."""
        query = (
            select(Membership.user_id)
            .join(Cohort, Cohort.id == Membership.cohort_id)
            .join(User, User.id == Membership.user_id)
            .where(
                Cohort.owner_user_id == owner_user_id,
                User.consent.is_(True),
                User.nudges_off.is_(False),
                User.blocked.is_(False),
            )
            .distinct()
        )
        if cohort_ids is not None:
            query = query.where(Cohort.id.in_(list(cohort_ids)))
        members = sorted(self._session.scalars(query))
        if dilemma is None or not members:
            return members
        advised = latest_advice_shown(self._session, members)
        return [m for m in members if dilemma in advised.get(m, ())]

    def create(
        self, owner_user_id: int, text: str, audience: dict[str, Any], recipients: Sequence[int]
    ) -> int:
        """The broadcast and one pending outbox row per recipient, due now; its id."""
        now = self._clock()
        broadcast = Broadcast(
            owner_user_id=owner_user_id,
            text=text,
            audience=audience,
            total=len(recipients),
            status="sending",
            created_at=now,
        )
        self._session.add(broadcast)
        self._session.flush()
        if recipients:
            self._session.execute(
                insert(OutboxMessage),
                [
                    {
                        "user_id": user_id,
                        "kind": "broadcast",
                        "lane": "bulk",
                        "due_at": now,
                        "payload": {"broadcast": broadcast.id},
                        "idempotency_key": f"broadcast:{broadcast.id}:{user_id}",
                        "status": "pending",
                        "attempts": 0,
                        "created_at": now,
                        "broadcast_id": broadcast.id,
                    }
                    for user_id in recipients
                ],
            )
        return broadcast.id

    def get(self, broadcast_id: int) -> BroadcastInfo | None:
        row = self._session.execute(_INFO.where(Broadcast.id == broadcast_id)).one_or_none()
        return BroadcastInfo(*row) if row is not None else None

    def owned_by(self, owner_user_id: int | None, limit: int = 5) -> list[BroadcastInfo]:
        """The owner's (None: everyone's) latest broadcasts, newest first."""
        query = _INFO.order_by(Broadcast.created_at.desc(), Broadcast.id.desc()).limit(limit)
        if owner_user_id is not None:
            query = query.where(Broadcast.owner_user_id == owner_user_id)
        return [BroadcastInfo(*row) for row in self._session.execute(query)]

    def sending(self) -> list[BroadcastInfo]:
        """Broadcasts still being delivered (their progress is still reported)."""
        query = _INFO.where(Broadcast.status == "sending").order_by(Broadcast.id)
        return [BroadcastInfo(*row) for row in self._session.execute(query)]

    def delivery(self, broadcast_id: int) -> Delivery:
        query = (
            select(OutboxMessage.status, OutboxMessage.last_error, func.count())
            .where(OutboxMessage.broadcast_id == broadcast_id)
            .group_by(OutboxMessage.status, OutboxMessage.last_error)
        )
        counts = {"sent": 0, "pending": 0, "blocked": 0, "failed": 0, "cancelled": 0}
        total = 0
        for status, error, number in self._session.execute(query):
            total += number
            if status in ("pending", "claimed"):
                counts["pending"] += number
            elif status == "failed" and error == BLOCKED_REASON:
                counts["blocked"] += number
            elif status in ("failed", "skipped"):
                counts["failed"] += number
            else:
                counts[status] += number
        answered = self._session.scalar(
            select(func.count(func.distinct(Reflection.outbox_id)))
            .join(OutboxMessage, OutboxMessage.id == Reflection.outbox_id)
            .where(OutboxMessage.broadcast_id == broadcast_id)
        )
        return Delivery(total=total, answered=int(answered or 0), **counts)

    def shared_answers(self, broadcast_id: int) -> list[str]:
        """The texts members chose to share with the coordinator (no names), sorted by their
        text (the order of sharing would hint at who shared)."""
        query = (
            select(Reflection.text)
            .join(OutboxMessage, OutboxMessage.id == Reflection.outbox_id)
            .where(OutboxMessage.broadcast_id == broadcast_id, Reflection.shared.is_(True))
        )
        return sorted(self._session.scalars(query), key=lambda text: (text.casefold(), text))

    def set_progress(self, broadcast_id: int, message_id: int | None, at: datetime) -> None:
        values: dict[str, Any] = {"progress_at": at}
        if message_id is not None:
            values["progress_message_id"] = message_id
        self._session.execute(update(Broadcast).where(Broadcast.id == broadcast_id).values(values))

    def finish(self, broadcast_id: int, status: str) -> bool:
        """Mark a sending broadcast done or cancelled; False if it was not sending."""
        statement = (
            update(Broadcast)
            .where(Broadcast.id == broadcast_id, Broadcast.status == "sending")
            .values(status=status, finished_at=self._clock())
            .returning(Broadcast.id)
        )
        return self._session.execute(statement).scalar_one_or_none() is not None

    def cancel(self, broadcast_id: int) -> int:
        """Cancel the deliveries not yet made; how many."""
        statement = (
            update(OutboxMessage)
            .where(
                OutboxMessage.broadcast_id == broadcast_id,
                OutboxMessage.status == "pending",
            )
            .values(status="cancelled")
            .returning(OutboxMessage.id)
        )
        return len(self._session.execute(statement).all())

    def owner_contact(self, broadcast_id: int) -> tuple[str, str, str] | None:
        """(channel, channel user id, language) of the broadcast's coordinator."""
        query = (
            select(User.channel, User.channel_user_id, User.language)
            .join(Broadcast, Broadcast.owner_user_id == User.id)
            .where(Broadcast.id == broadcast_id)
        )
        row = self._session.execute(query).one_or_none()
        return (row.channel, row.channel_user_id, row.language) if row is not None else None

    def share(
        self, user_id: int, reflection_id: int, redact: Callable[[str], str] | None = None
    ) -> bool:
        """Share one of the user's own answers to a broadcast; False if there is none such.
        ``redact`` gives the text as it may be shared (a name replaced): it is kept so."""
        answers = select(OutboxMessage.id).where(OutboxMessage.broadcast_id.is_not(None))
        found = self._session.scalars(
            select(Reflection).where(
                Reflection.id == reflection_id,
                Reflection.user_id == user_id,
                Reflection.outbox_id.in_(answers),
            )
        ).first()
        if found is None:
            return False
        found.shared = True
        if redact is not None:
            found.text = redact(found.text)
        self._session.flush()
        return True
