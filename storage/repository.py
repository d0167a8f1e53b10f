"""The repository: every query the bot makes, named for what it does.

A :class:`Repository` is synchronous and lives inside one unit of work: ``await
db.run(work)`` calls ``work(repo)`` in one transaction (on SQLite in the database's own
thread) and commits when ``work`` returns, or rolls everything back when it raises. The
repository itself never commits. Times come from the repository's clock, so tests can set
them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from sqlalchemy import delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.sql.dml import Insert, ReturningInsert, ReturningUpdate

from storage.errors import ConcurrentUpdate
from storage.models import (
    AdviceGiven,
    AuditEntry,
    Base,
    Conversation,
    OutboxMessage,
    Reflection,
    User,
    utc_now,
)

Clock = Callable[[], datetime]
OutboxKind = Literal["reminder", "nudge", "broadcast"]


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


class Repository:
    """Queries and changes within one (sync) session; the unit of work owns the transaction.

    Use it only inside the ``work`` given to :meth:`storage.Database.run`: the session
    belongs to that unit (and, on SQLite, to the database thread).
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
        written only when it is more than :data:`LAST_SEEN_PRECISION` old.
        """
        now = self._clock()
        query = (
            select(
                User.id,
                User.language,
                User.last_seen_at,
                Conversation.state,
                Conversation.flow_version,
                Conversation.answers,
                Conversation.data,
                Conversation.version,
            )
            .outerjoin(Conversation, Conversation.user_id == User.id)
            .where(User.channel == channel, User.channel_user_id == channel_user_id)
        )
        row = (self._session.execute(query)).one_or_none()
        if row is None:
            user = self.get_or_create_user(channel, channel_user_id, language)
            return Visit(user.id, user.language, self.load_conversation(user.id))
        if now - row.last_seen_at > LAST_SEEN_PRECISION:
            self._session.execute(update(User).where(User.id == row.id).values(last_seen_at=now))
        record = None
        if row.version is not None:
            record = ConversationRecord(
                state=row.state,
                flow_version=row.flow_version,
                answers=dict(row.answers),
                data=dict(row.data),
                version=row.version,
            )
        return Visit(row.id, row.language, record)

    def _user_by_channel_id(self, channel: str, channel_user_id: str) -> User | None:
        query = select(User).where(User.channel == channel, User.channel_user_id == channel_user_id)
        return (self._session.execute(query)).scalar_one_or_none()

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
        statement: ReturningInsert[int] | ReturningUpdate[int]
        if expected_version is None:
            insert = self._insert_unless_exists(Conversation, "user_id")
            statement = insert.values(user_id=user_id, version=1, **values).returning(
                Conversation.version
            )
        else:
            statement = (
                update(Conversation)
                .where(Conversation.user_id == user_id, Conversation.version == expected_version)
                .values(version=expected_version + 1, **values)
                .returning(Conversation.version)
            )
        version = (self._session.execute(statement)).scalar_one_or_none()
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

    def _insert_unless_exists(self, model: type[Base], unique_column: str) -> Insert:
        """INSERT … ON CONFLICT (unique_column) DO NOTHING, in this database's dialect."""
        if self._session.get_bind().dialect.name == "postgresql":
            return postgresql.insert(model).on_conflict_do_nothing(index_elements=[unique_column])
        return sqlite.insert(model).on_conflict_do_nothing(index_elements=[unique_column])
