"""The outbox: what the bot sends on its own (reminders, later nudges and broadcasts).

A message moves pending → claimed → sent | failed | skipped, or back to pending (release),
or pending → cancelled. Claims are atomic (``FOR UPDATE SKIP LOCKED`` on PostgreSQL; the
unit's write lock on SQLite) and leased, so a process that dies after claiming gives its
messages back when the lease expires.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any, Literal, TypeVarTuple

from sqlalchemy import (
    ColumnElement,
    ColumnExpressionArgument,
    Select,
    and_,
    func,
    select,
    union_all,
    update,
)
from sqlalchemy.orm import Session

from storage.models import OUTBOX_STATUSES, Clock, OutboxMessage, Reflection, User
from storage.sql import insert_unless_exists, is_postgresql

OutboxKind = Literal["reminder", "nudge", "broadcast", "recheck", "reply"]
_Ts = TypeVarTuple("_Ts")


def open_prompt_query(
    user_id: int | ColumnExpressionArgument[int], moved: ColumnExpressionArgument[datetime]
) -> Select[int]:
    """The follow-up prompt (a nudge or a broadcast) that is the newest thing the user
    saw: sent to ``user_id`` after ``moved`` (when their conversation last moved) and not
    answered yet; its id. Text the user types now may well be the answer to it. Read with
    the visit of an event of typed text, by the outbox's index on its user, rather than
    as a query of its own (:meth:`storage.repository.Repository.visit`)."""
    answered = select(Reflection.id).where(Reflection.outbox_id == OutboxMessage.id)
    return (
        select(OutboxMessage.id)
        .where(
            OutboxMessage.user_id == user_id,
            OutboxMessage.kind.in_(("nudge", "broadcast")),
            OutboxMessage.status == "sent",
            OutboxMessage.sent_at > moved,
            ~answered.exists(),
        )
        .order_by(OutboxMessage.sent_at.desc(), OutboxMessage.id.desc())
        .limit(1)
    )


@dataclass(frozen=True, slots=True)
class OutboxItem:
    """A claimed outbox message with what sending it needs: whom, where, in which language.

    ``attempts`` counts the claims so far, this one included (1 on the first try).
    """

    id: int
    user_id: int
    channel: str
    channel_user_id: str
    language: str
    kind: str
    lane: str
    payload: dict[str, Any]
    attempts: int
    due_at: datetime


ERROR_LENGTH = 255
"""``outbox.last_error`` keeps at most this many characters of a reason."""

_ITEM_COLUMNS = (
    OutboxMessage.id,
    OutboxMessage.user_id,
    User.channel,
    User.channel_user_id,
    User.language,
    OutboxMessage.kind,
    OutboxMessage.lane,
    OutboxMessage.payload,
    OutboxMessage.attempts,
    OutboxMessage.due_at,
)
"""What :meth:`Repository.claim_due` reads: the fields of :class:`OutboxItem`, in order."""


def _claimable(
    query: Select[*_Ts], condition: ColumnElement[bool], limit: int, lane: str | None
) -> Select[*_Ts]:
    """The oldest ``limit`` rows meeting ``condition``, locked unless another claim has
    them (PostgreSQL; SQLite renders no ``FOR UPDATE``, and needs none)."""
    query = query.where(condition)
    if lane is not None:
        query = query.where(OutboxMessage.lane == lane)
    return (
        query.order_by(OutboxMessage.due_at, OutboxMessage.id)
        .limit(limit)
        .with_for_update(of=OutboxMessage, skip_locked=True)
    )


def _due_order(item: OutboxItem) -> tuple[datetime, int]:
    return item.due_at, item.id


class OutboxStore:
    """Outbox queries inside the caller's unit of work."""

    def __init__(self, session: Session, clock: Clock) -> None:
        self._session = session
        self._clock = clock

    # outbox

    def schedule(
        self,
        user_id: int,
        kind: OutboxKind,
        due_at: datetime,
        payload: Mapping[str, Any],
        idempotency_key: str,
        lane: str = "bulk",
    ) -> bool:
        """Put a message in the outbox; False (and nothing new) when the key was used."""
        statement = (
            insert_unless_exists(self._session, OutboxMessage, "idempotency_key")
            .values(
                user_id=user_id,
                kind=kind,
                lane=lane,
                due_at=due_at,
                payload=dict(payload),
                idempotency_key=idempotency_key,
                status="pending",
                attempts=0,
                created_at=self._clock(),
            )
            .returning(OutboxMessage.id)
        )
        return (self._session.execute(statement)).scalar_one_or_none() is not None

    def plan(
        self,
        user_id: int,
        kind: OutboxKind,
        planned: Sequence[tuple[str, datetime, Mapping[str, Any]]],
    ) -> int:
        """Schedule each planned ``(idempotency key, due, payload)``; how many are new.

        A key used before keeps its one row: pending or cancelled, it becomes pending at
        the new due time (a new window, nudges switched on again, a re-planned workshop);
        claimed, sent, failed or skipped, it stays as it is. So planning twice, or after a
        restart, never makes a second message.
        """
        new = 0
        for key, due_at, payload in planned:
            if self.schedule(user_id, kind, due_at, payload, key):
                new += 1
                continue
            self._session.execute(
                update(OutboxMessage)
                .where(
                    OutboxMessage.idempotency_key == key,
                    OutboxMessage.user_id == user_id,
                    OutboxMessage.status.in_(("pending", "cancelled")),
                )
                .values(status="pending", due_at=due_at)
            )
        return new

    def cancel_keys(self, user_id: int, keys: Sequence[str]) -> int:
        """Cancel the user's pending messages with these idempotency keys; how many."""
        if not keys:
            return 0
        statement = (
            update(OutboxMessage)
            .where(
                OutboxMessage.user_id == user_id,
                OutboxMessage.idempotency_key.in_(list(keys)),
                OutboxMessage.status == "pending",
            )
            .values(status="cancelled")
            .returning(OutboxMessage.id)
        )
        return len(self._session.execute(statement).all())

    def get(self, user_id: int, item_id: int) -> OutboxMessage | None:
        """One of the user's own outbox messages, or None (someone else's, or gone)."""
        query = select(OutboxMessage).where(
            OutboxMessage.id == item_id, OutboxMessage.user_id == user_id
        )
        return self._session.execute(query).scalar_one_or_none()

    def pending_for(self, user_id: int) -> list[OutboxMessage]:
        """The user's messages that still wait to be sent, soonest first."""
        query = (
            select(OutboxMessage)
            .where(OutboxMessage.user_id == user_id, OutboxMessage.status == "pending")
            .order_by(OutboxMessage.due_at, OutboxMessage.id)
        )
        return list((self._session.execute(query)).scalars())

    # outbox: the outbox sender's side
    #
    # A message moves pending → claimed → sent | failed | skipped, or back to pending
    # (release), or pending → cancelled. Every change to a claimed message names its
    # claimer and happens only while that claimer still holds it: after its lease expired
    # and another process claimed it again, the late one's mark_sent (or other) is a no-op
    # that returns False.

    def claim_due(
        self,
        now: datetime,
        limit: int,
        claimer: str,
        lease: timedelta,
        lane: str | None = None,
    ) -> list[OutboxItem]:
        """Claim up to ``limit`` messages to send now, oldest due first, for ``claimer``.

        Claimable: pending and due (``due_at <= now``), or claimed so long ago that the
        lease ran out (``claimed_at <= now - lease``: its claimer died before it could
        send). Each gets ``status='claimed'``, ``claimed_at=now``, ``claimed_by=claimer``
        and one more attempt. ``lane`` limits the claim to that lane.

        Never the same message to two claimers. PostgreSQL: one statement, an UPDATE …
        RETURNING of rows selected ``FOR UPDATE SKIP LOCKED`` (a concurrent claim passes
        over them instead of waiting, and a row it changed meanwhile is re-checked and
        dropped). SQLite: the unit holds the write lock from its ``BEGIN IMMEDIATE``, so
        select and update cannot be interleaved.

        The pending and the stale rows are found by two walks of the ``(status, due_at)``
        index, in order, each stopping after ``limit`` rows, so a claim costs the same
        however many messages are pending or overdue (one query with an OR of both would
        sort every due row, each time); the oldest ``limit`` of both are the oldest of
        their union.
        """
        if lease <= timedelta(0):
            raise ValueError(f"the lease must be positive, not {lease}")
        if limit <= 0:
            return []
        pending = and_(OutboxMessage.status == "pending", OutboxMessage.due_at <= now)
        stale = and_(OutboxMessage.status == "claimed", OutboxMessage.claimed_at <= now - lease)
        claim = {
            "status": "claimed",
            "claimed_at": now,
            "claimed_by": claimer,
            "attempts": OutboxMessage.attempts + 1,
        }
        if is_postgresql(self._session):
            candidates = [
                _claimable(
                    select(OutboxMessage.id, OutboxMessage.due_at), condition, limit, lane
                ).cte(name)
                for name, condition in (("stale", stale), ("pending", pending))
            ]
            both = union_all(*(select(c.c.id, c.c.due_at) for c in candidates)).subquery()
            chosen = select(both.c.id).order_by(both.c.due_at, both.c.id).limit(limit).cte()
            statement = (
                update(OutboxMessage)
                .where(OutboxMessage.id == chosen.c.id, User.id == OutboxMessage.user_id)
                .values(claim)
                .returning(*_ITEM_COLUMNS)
            )
            claimed = [OutboxItem(*row) for row in self._session.execute(statement)]
        else:
            columns = select(*_ITEM_COLUMNS).join(User, User.id == OutboxMessage.user_id)
            rows = [
                *self._session.execute(_claimable(columns, stale, limit, lane)),
                *self._session.execute(_claimable(columns, pending, limit, lane)),
            ]
            found = sorted((OutboxItem(*row) for row in rows), key=_due_order)[:limit]
            if found:
                ids = [item.id for item in found]
                self._session.execute(
                    update(OutboxMessage).where(OutboxMessage.id.in_(ids)).values(claim)
                )
            claimed = [replace(item, attempts=item.attempts + 1) for item in found]
        return sorted(claimed, key=_due_order)

    def mark_sent(self, item_id: int, claimer: str, now: datetime) -> bool:
        """Record that the message went out; False when ``claimer`` no longer holds it."""
        return self._settle(item_id, claimer, status="sent", sent_at=now)

    def release(
        self, item_id: int, claimer: str, due_at: datetime, error: str | None = None
    ) -> bool:
        """Give the message back, pending again at ``due_at`` (a 429's retry_after, backoff).

        ``error``, when given, is kept as its last error. The attempt still counts. False
        when ``claimer`` no longer holds the message.
        """
        values: dict[str, Any] = {
            "status": "pending",
            "due_at": due_at,
            "claimed_at": None,
            "claimed_by": None,
        }
        if error is not None:
            values["last_error"] = error[:ERROR_LENGTH]
        return self._settle(item_id, claimer, **values)

    def mark_failed(self, item_id: int, claimer: str, reason: str) -> bool:
        """Give up on the message for ``reason``; False when ``claimer`` no longer holds it."""
        return self._settle(item_id, claimer, status="failed", last_error=reason[:ERROR_LENGTH])

    def skip(self, item_id: int, claimer: str, reason: str) -> bool:
        """Do not send the message after all (e.g. far too late after downtime), for
        ``reason``; False when ``claimer`` no longer holds it."""
        return self._settle(item_id, claimer, status="skipped", last_error=reason[:ERROR_LENGTH])

    def note(self, item_id: int, text: str) -> None:
        """Keep a remark about a message (why it counts as sent) as its last error."""
        self._session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == item_id)
            .values(last_error=text[:ERROR_LENGTH])
        )

    def _settle(self, item_id: int, claimer: str, **values: Any) -> bool:
        statement = (
            update(OutboxMessage)
            .where(
                OutboxMessage.id == item_id,
                OutboxMessage.status == "claimed",
                OutboxMessage.claimed_by == claimer,
            )
            .values(**values)
            .returning(OutboxMessage.id)
        )
        return self._session.execute(statement).scalar_one_or_none() is not None

    def cancel_pending(self, user_id: int, *kinds: str) -> int:
        """Cancel the user's pending messages (of those ``kinds`` only, if given); how many.

        Messages already claimed are being sent and stay as they are.
        """
        statement = (
            update(OutboxMessage)
            .where(OutboxMessage.user_id == user_id, OutboxMessage.status == "pending")
            .values(status="cancelled")
            .returning(OutboxMessage.id)
        )
        if kinds:
            statement = statement.where(OutboxMessage.kind.in_(kinds))
        return len(self._session.execute(statement).all())

    def reschedule_pending(self, user_id: int, kind: str, new_due_at: datetime) -> int:
        """Move the user's pending messages of ``kind`` to ``new_due_at`` (snooze); how many."""
        statement = (
            update(OutboxMessage)
            .where(
                OutboxMessage.user_id == user_id,
                OutboxMessage.kind == kind,
                OutboxMessage.status == "pending",
            )
            .values(due_at=new_due_at)
            .returning(OutboxMessage.id)
        )
        return len(self._session.execute(statement).all())

    def count_by_status(self) -> dict[str, int]:
        """How many outbox messages there are in each status (every status, 0 included)."""
        query = select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
        counts = dict.fromkeys(OUTBOX_STATUSES, 0)
        for status, number in self._session.execute(query):
            counts[status] = number
        return counts
