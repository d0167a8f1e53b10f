"""The repository: every query the bot makes, named for what it does.

A :class:`Repository` is synchronous and lives inside one unit of work: ``await
db.run(work)`` calls ``work(repo)`` in one transaction and commits when ``work`` returns,
or rolls everything back when it raises. The repository itself never commits. Times come
from the repository's clock, so tests can set them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import bindparam, delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.sql.dml import Insert

from storage.audiences import AudienceStore
from storage.broadcasts import BroadcastStore
from storage.cohorts import CohortStore
from storage.dispatchers import DispatcherStore
from storage.errors import ConcurrentUpdate
from storage.held_updates import HeldUpdateStore
from storage.insight import InsightStore
from storage.live import LiveStore
from storage.models import (
    AdviceGiven,
    AuditEntry,
    Base,
    Clock,
    Conversation,
    Reflection,
    User,
    utc_now,
)
from storage.outbox import OutboxStore, open_prompt_query
from storage.pending_starts import PendingStartStore
from storage.privacy import PrivacyStore
from storage.snapshots import SnapshotStore
from storage.sql import insert_unless_exists
from storage.stewardship import StewardshipStore
from storage.web import WebStore


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
    roles: frozenset[str] = frozenset()
    open_prompt: int | None = None
    """The prompt their typed text may answer (:func:`storage.outbox.open_prompt_query`)."""


# The statements of every event (the visit, for typed text with the prompt it may answer;
# the save), built once: building one (and its cache key) costs more than running it.
_VISIT = (
    select(
        User.id,
        User.language,
        User.last_seen_at,
        User.blocked,
        User.consent,
        User.roles,
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
_VISIT_TYPED = _VISIT.add_columns(
    open_prompt_query(User.id, Conversation.updated_at).scalar_subquery().label("open_prompt")
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

    def visit(
        self, channel: str, channel_user_id: str, language: str = "nl", *, typed: bool = False
    ) -> Visit:
        """The user (created on first contact) and their conversation, in one query; with
        ``typed`` (an event of typed text) the prompt it may answer too, by an indexed look
        at the user's outbox rows rather than a query of its own.

        The hot path of every event: one SELECT for a known user; ``last_seen_at`` is
        written only when it is more than :data:`LAST_SEEN_PRECISION` old. A user marked
        as having blocked the bot who writes again has evidently unblocked it.
        """
        now = self._clock()
        params = {"channel": channel, "channel_user_id": channel_user_id}
        row = self._session.execute(_VISIT_TYPED if typed else _VISIT, params).one_or_none()
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
        roles = frozenset(r for r in row.roles.split(",") if r) if row.roles else frozenset()
        prompt = row.open_prompt if typed else None
        return Visit(row.id, row.language, record, row.consent, roles, prompt)

    def _user_by_channel_id(self, channel: str, channel_user_id: str) -> User | None:
        query = select(User).where(User.channel == channel, User.channel_user_id == channel_user_id)
        return (self._session.execute(query)).scalar_one_or_none()

    def set_consent(self, user_id: int, consent: bool) -> None:
        """Record the user's answer to the privacy statement."""
        self._session.execute(update(User).where(User.id == user_id).values(consent=consent))

    @property
    def outbox(self) -> OutboxStore:
        """What the bot sends on its own: scheduling and the outbox sender's claims."""
        return OutboxStore(self._session, self._clock)

    @property
    def broadcasts(self) -> BroadcastStore:
        """Coordinators' broadcasts and their delivery (see :mod:`storage.broadcasts`)."""
        return BroadcastStore(self._session, self._clock)

    @property
    def insight(self) -> InsightStore:
        """Anonymous aggregates of a coordinator's cohorts (see :mod:`storage.insight`)."""
        return InsightStore(self._session, self._clock)

    @property
    def audiences(self) -> AudienceStore:
        """Members per cohort, and which cohorts' figures may be shown (storage.audiences)."""
        return AudienceStore(self._session)

    @property
    def stewardship(self) -> StewardshipStore:
        """Invitations and cohort ownership (see :mod:`storage.stewardship`)."""
        return StewardshipStore(self._session, self._clock)

    @property
    def cohorts(self) -> CohortStore:
        """Cohorts, members, coordinators and nudge settings (see :mod:`storage.cohorts`)."""
        return CohortStore(self._session, self._clock)

    @property
    def dispatchers(self) -> DispatcherStore:
        """The running outbox dispatchers' heartbeats (see :mod:`storage.dispatchers`)."""
        return DispatcherStore(self._session, self._clock)

    @property
    def web(self) -> WebStore:
        """Dashboard login links and sessions (see :mod:`storage.web`)."""
        return WebStore(self._session, self._clock)

    @property
    def live(self) -> LiveStore:
        """Live workshop sessions and their votes (see :mod:`storage.live`)."""
        return LiveStore(self._session, self._clock)

    @property
    def pending_starts(self) -> PendingStartStore:
        """Deep links waiting for consent (see :mod:`storage.pending_starts`)."""
        return PendingStartStore(self._session, self._clock)

    @property
    def held_updates(self) -> HeldUpdateStore:
        """Updates the poller holds until handled (see :mod:`storage.held_updates`)."""
        return HeldUpdateStore(self._session, self._clock)

    @property
    def snapshots(self) -> SnapshotStore:
        """The points of users' timelines (see :mod:`storage.snapshots`)."""
        return SnapshotStore(self._session, self._clock)

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

    def add_reflection(
        self, user_id: int, subject: str, text: str, outbox_id: int | None = None
    ) -> int:
        """Keep a reflection on ``subject`` (a dilemma id, "advice", or a follow-up prompt);
        ``outbox_id`` is the nudge or broadcast it answers. Returns its id."""
        reflection = Reflection(
            user_id=user_id,
            subject=subject,
            text=text,
            outbox_id=outbox_id,
            created_at=self._clock(),
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

    def set_blocked(self, user_id: int, blocked: bool) -> None:
        """Remember whether the user blocked the bot (Telegram answered 403), or unblocked it.

        The outbox is left alone: cancel the user's pending messages with
        ``repo.outbox.cancel_pending`` when they blocked the bot.
        """
        self._session.execute(update(User).where(User.id == user_id).values(blocked=blocked))

    def set_blocked_by_channel(self, channel: str, channel_user_id: str, blocked: bool) -> bool:
        """The user blocked the bot in their chat (Telegram's ``my_chat_member``: kicked),
        or started it again: marked, and when blocked their pending messages cancelled.
        False for someone the bot keeps nothing about (no row is made for them)."""
        user_id = self._session.scalar(
            select(User.id).where(User.channel == channel, User.channel_user_id == channel_user_id)
        )
        if user_id is None:
            return False
        self.set_blocked(user_id, blocked)
        if blocked:
            self.outbox.cancel_pending(user_id)
        return True

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
        return insert_unless_exists(self._session, model, unique_column)
