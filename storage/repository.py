"""The repository: every query the bot makes, named for what it does.

A :class:`Repository` is synchronous and lives inside one unit of work: ``await
db.run(work)`` calls ``work(repo)`` in one transaction and commits when ``work`` returns,
or rolls everything back when it raises. The repository itself never commits. Times come
from the repository's clock, so tests can set them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any, Literal, TypeVarTuple

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    bindparam,
    delete,
    func,
    select,
    union_all,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.sql.dml import Insert

from storage.errors import ConcurrentUpdate
from storage.models import (
    OUTBOX_STATUSES,
    AdviceGiven,
    AuditEntry,
    Base,
    Conversation,
    OutboxMessage,
    Reflection,
    User,
    utc_now,
)
from storage.privacy import PrivacyStore

Clock = Callable[[], datetime]
OutboxKind = Literal["reminder", "nudge", "broadcast"]
_Ts = TypeVarTuple("_Ts")


@dataclass(frozen=True, slots=True)
class ConversationRecord:
    """A user's stored conversation, as plain values; pass ``version`` back when saving."""

    state: str
    flow_version: int
    answers: dict[str, Any]
    data: dict[str, Any]
    version: int


LAST_SEEN_PRECISION = timedelta(minutes=5)
"""``last_seen_at`` is refreshed at most this often: no extra write for every event."""


@dataclass(frozen=True, slots=True)
class Visit:
    """Who sent an event, and their conversation so far: what handling one event needs."""

    user_id: int
    language: str
    conversation: ConversationRecord | None
    consent: bool | None = None
    """None: not asked yet; False: declined (nothing is stored about them)."""


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


# The two statements of every event, built once: building a statement (and its cache
# key) costs more than SQLite takes to run it.
_VISIT = (
    select(
        User.id,
        User.language,
        User.last_seen_at,
        User.blocked,
        User.consent,
        Conversation.state,
        Conversation.flow_version,
        Conversation.answers,
        Conversation.data,
        Conversation.version,
    )
    .outerjoin(Conversation, Conversation.user_id == User.id)
    .where(
        User.channel == bindparam("channel"),
        User.channel_user_id == bindparam("channel_user_id"),
    )
)
_SAVE = (
    update(Conversation)
    .where(
        Conversation.user_id == bindparam("match_user_id"),
        Conversation.version == bindparam("expected_version"),
    )
    .values(
        version=bindparam("new_version"),
        state=bindparam("state"),
        flow_version=bindparam("flow_version"),
        answers=bindparam("answers"),
        data=bindparam("data"),
        updated_at=bindparam("updated_at"),
    )
    .returning(Conversation.version)
)


class Repository:
    """Queries and changes within one (sync) session; the unit of work owns the transaction.

    Use it only inside the ``work`` given to :meth:`storage.Database.run`: the session
    belongs to that unit.
    """

    def __init__(self, session: Session, clock: Clock = utc_now) -> None:
        self._session = session
        self._clock = clock

    # users

    def get_or_create_user(self, channel: str, channel_user_id: str, language: str = "nl") -> User:
        """The user for this channel id, created with ``language`` on first contact.

        Marks the user as seen now. Two units racing to create the same user both get the
        one row: the loser's insert fails inside a savepoint and it reads the winner's.
        """
        now = self._clock()
        user = self._user_by_channel_id(channel, channel_user_id)
        if user is None:
            user = User(
                channel=channel,
                channel_user_id=channel_user_id,
                language=language,
                created_at=now,
                last_seen_at=now,
            )
            try:
                with self._session.begin_nested():
                    self._session.add(user)
            except IntegrityError:
                user = self._user_by_channel_id(channel, channel_user_id)
                if user is None:
                    raise
            else:
                return user
        if now - user.last_seen_at > LAST_SEEN_PRECISION:
            user.last_seen_at = now
        return user

    def visit(self, channel: str, channel_user_id: str, language: str = "nl") -> Visit:
        """The user (created on first contact) and their conversation, in one query.

        The hot path of every event: one SELECT for a known user; ``last_seen_at`` is
        written only when it is more than :data:`LAST_SEEN_PRECISION` old. A user marked
        as having blocked the bot who writes again has evidently unblocked it.
        """
        now = self._clock()
        params = {"channel": channel, "channel_user_id": channel_user_id}
        row = self._session.execute(_VISIT, params).one_or_none()
        if row is None:
            user = self.get_or_create_user(channel, channel_user_id, language)
            return Visit(user.id, user.language, self.load_conversation(user.id), user.consent)
        changes: dict[str, Any] = {}
        if now - row.last_seen_at > LAST_SEEN_PRECISION:
            changes["last_seen_at"] = now
        if row.blocked:
            changes["blocked"] = False
        if changes:
            self._session.execute(update(User).where(User.id == row.id).values(**changes))
        record = None
        if row.version is not None:
            record = ConversationRecord(
                state=row.state,
                flow_version=row.flow_version,
                answers=dict(row.answers),
                data=dict(row.data),
                version=row.version,
            )
        return Visit(row.id, row.language, record, row.consent)

    def _user_by_channel_id(self, channel: str, channel_user_id: str) -> User | None:
        query = select(User).where(User.channel == channel, User.channel_user_id == channel_user_id)
        return (self._session.execute(query)).scalar_one_or_none()

    def set_consent(self, user_id: int, consent: bool) -> None:
        """Record the user's answer to the privacy statement."""
        self._session.execute(update(User).where(User.id == user_id).values(consent=consent))

    @property
    def privacy(self) -> PrivacyStore:
        """Export and erasure of everything about a user (see :mod:`storage.privacy`)."""
        return PrivacyStore(self._session)

    def set_language(self, user_id: int, lang: str) -> None:
        """Remember the language the user chose."""
        self._session.execute(update(User).where(User.id == user_id).values(language=lang))

    # conversations

    def load_conversation(self, user_id: int) -> ConversationRecord | None:
        """The user's conversation, or None before their first event."""
        query = select(
            Conversation.state,
            Conversation.flow_version,
            Conversation.answers,
            Conversation.data,
            Conversation.version,
        ).where(Conversation.user_id == user_id)
        row = (self._session.execute(query)).one_or_none()
        if row is None:
            return None
        return ConversationRecord(
            state=row.state,
            flow_version=row.flow_version,
            answers=dict(row.answers),
            data=dict(row.data),
            version=row.version,
        )

    def save_conversation(
        self,
        user_id: int,
        state: str,
        flow_version: int,
        answers: Mapping[str, Any],
        data: Mapping[str, Any],
        expected_version: int | None,
    ) -> int:
        """Store the conversation and return its new version.

        ``expected_version`` is the version that was loaded (None: there was none). When
        another unit saved in between, nothing is written and :class:`ConcurrentUpdate`
        is raised, so the caller can handle the event again on fresh state.
        """
        values = {
            "state": state,
            "flow_version": flow_version,
            "answers": dict(answers),
            "data": dict(data),
            "updated_at": self._clock(),
        }
        if expected_version is None:
            insert = self._insert_unless_exists(Conversation, "user_id")
            statement = insert.values(user_id=user_id, version=1, **values).returning(
                Conversation.version
            )
            version = self._session.execute(statement).scalar_one_or_none()
        else:
            params = {
                "match_user_id": user_id,
                "expected_version": expected_version,
                "new_version": expected_version + 1,
                **values,
            }
            version = self._session.execute(_SAVE, params).scalar_one_or_none()
        if version is None:
            raise ConcurrentUpdate(
                f"conversation of user {user_id} is no longer at version {expected_version}"
            )
        return version

    # advice and reflections

    def record_advice(
        self,
        user_id: int,
        profile: Mapping[str, Any],
        dilemmas: Sequence[str],
        knowledge_version: str,
    ) -> int:
        """Remember which dilemmas were advised for which profile; returns the row id."""
        advice = AdviceGiven(
            user_id=user_id,
            profile=dict(profile),
            dilemmas=list(dilemmas),
            knowledge_version=knowledge_version,
            created_at=self._clock(),
        )
        return self._add(advice)

    def latest_advice(self, user_id: int) -> AdviceGiven | None:
        """The most recent advice the user received, or None."""
        query = (
            select(AdviceGiven)
            .where(AdviceGiven.user_id == user_id)
            .order_by(AdviceGiven.created_at.desc(), AdviceGiven.id.desc())
            .limit(1)
        )
        return (self._session.execute(query)).scalar_one_or_none()

    def add_reflection(self, user_id: int, subject: str, text: str) -> int:
        """Keep a reflection on ``subject`` (a dilemma id or "advice"); returns its id."""
        reflection = Reflection(
            user_id=user_id, subject=subject, text=text, created_at=self._clock()
        )
        return self._add(reflection)

    def list_reflections(self, user_id: int) -> list[Reflection]:
        """The user's reflections, oldest first."""
        query = (
            select(Reflection)
            .where(Reflection.user_id == user_id)
            .order_by(Reflection.created_at, Reflection.id)
        )
        return list((self._session.execute(query)).scalars())

    def delete_reflection(self, user_id: int, reflection_id: int) -> bool:
        """Delete one of the user's own reflections; False when it is not theirs or gone."""
        statement = (
            delete(Reflection)
            .where(Reflection.id == reflection_id, Reflection.user_id == user_id)
            .returning(Reflection.id)
        )
        return (self._session.execute(statement)).scalar_one_or_none() is not None

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
            self._insert_unless_exists(OutboxMessage, "idempotency_key")
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

    def pending_for(self, user_id: int) -> list[OutboxMessage]:
        """The user's messages that still wait to be sent, soonest first."""
        query = (
            select(OutboxMessage)
            .where(OutboxMessage.user_id == user_id, OutboxMessage.status == "pending")
            .order_by(OutboxMessage.due_at, OutboxMessage.id)
        )
        return list((self._session.execute(query)).scalars())

    # outbox: the dispatcher's side
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
        if self._is_postgresql():
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

    def cancel_pending(self, user_id: int, kind: str | None = None) -> int:
        """Cancel the user's pending messages (of ``kind`` only, if given); how many.

        Messages already claimed are being sent and stay as they are.
        """
        statement = (
            update(OutboxMessage)
            .where(OutboxMessage.user_id == user_id, OutboxMessage.status == "pending")
            .values(status="cancelled")
            .returning(OutboxMessage.id)
        )
        if kind is not None:
            statement = statement.where(OutboxMessage.kind == kind)
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

    def set_blocked(self, user_id: int, blocked: bool) -> None:
        """Remember whether the user blocked the bot (Telegram answered 403), or unblocked it.

        The outbox is left alone: cancel the user's pending messages with
        :meth:`cancel_pending` when they blocked the bot.
        """
        self._session.execute(update(User).where(User.id == user_id).values(blocked=blocked))

    def count_by_status(self) -> dict[str, int]:
        """How many outbox messages there are in each status (every status, 0 included)."""
        query = select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
        counts = dict.fromkeys(OUTBOX_STATUSES, 0)
        for status, number in self._session.execute(query):
            counts[status] = number
        return counts

    # audit

    def audit(
        self,
        actor_user_id: int | None,
        action: str,
        subject: str,
        detail: Mapping[str, Any] | None = None,
    ) -> None:
        """Record who did what to whom (``actor_user_id`` None: the system)."""
        entry = AuditEntry(
            actor_user_id=actor_user_id,
            action=action,
            subject=subject,
            detail=dict(detail or {}),
            at=self._clock(),
        )
        self._add(entry)

    # helpers

    def _add(self, row: AdviceGiven | Reflection | AuditEntry) -> int:
        self._session.add(row)
        self._session.flush()
        return row.id

    def _is_postgresql(self) -> bool:
        return self._session.get_bind().dialect.name == "postgresql"

    def _insert_unless_exists(self, model: type[Base], unique_column: str) -> Insert:
        """INSERT … ON CONFLICT (unique_column) DO NOTHING, in this database's dialect."""
        if self._is_postgresql():
            return postgresql.insert(model).on_conflict_do_nothing(index_elements=[unique_column])
        return sqlite.insert(model).on_conflict_do_nothing(index_elements=[unique_column])
