"""The tables, as SQLAlchemy 2 typed declarative models, portable to SQLite and PostgreSQL.

Every timestamp is an aware datetime in UTC, in and out (:class:`UTCDateTime`), so that
SQLite — which keeps no time zone — compares and returns the same values as PostgreSQL.
Constraint names follow :data:`NAMING_CONVENTION`, which keeps migrations deterministic.
Any change here needs a migration in ``storage/migrations/versions/``; a test compares the
two.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

OUTBOX_STATUSES = ("pending", "claimed", "sent", "failed", "skipped", "cancelled")


Clock = Callable[[], datetime]
"""Where the repository gets the time: injected by tests."""


def utc_now() -> datetime:
    """The current time, aware, in UTC: the default clock."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """An aware datetime stored in UTC; naive datetimes are refused, not guessed."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.utcoffset() is None:
            raise ValueError(f"naive datetime {value.isoformat()}: store aware datetimes")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:  # SQLite returns the UTC wall time we stored
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UTCDateTime(),
        dict[str, Any]: JSON(),
        list[str]: JSON(),
    }


def _user_fk(ondelete: str) -> ForeignKey:
    return ForeignKey("users.id", ondelete=ondelete)


class User(Base):
    """Someone who talks to the bot on one channel."""

    __tablename__ = "users"
    __table_args__ = (UniqueConstraint("channel", "channel_user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))  # "telegram" | "console"
    channel_user_id: Mapped[str] = mapped_column(String(64))
    language: Mapped[str] = mapped_column(String(8), default="nl", server_default="nl")
    created_at: Mapped[datetime] = mapped_column(default=utc_now)
    last_seen_at: Mapped[datetime] = mapped_column(default=utc_now)
    consent: Mapped[bool | None] = mapped_column(default=None)  # None: not asked yet
    # text("''"): Alembic reads a plain "" back from SQLite as a difference.
    roles: Mapped[str] = mapped_column(String(64), default="", server_default=text("''"))
    blocked: Mapped[bool] = mapped_column(default=False, server_default=false())
    # Follow-up nudges: the member's window (None: the knowledge base's default), their
    # time zone (None: their cohort's), and whether they asked for no nudges at all.
    nudge_window: Mapped[str | None] = mapped_column(String(32))
    timezone: Mapped[str | None] = mapped_column(String(64))
    nudges_off: Mapped[bool] = mapped_column(default=False, server_default=false())
    # What the chat's menu button was last set to open (the Mini App's URL); None:
    # Telegram's default, or never set.
    menu_button: Mapped[str | None] = mapped_column(String(300))

    @property
    def role_names(self) -> frozenset[str]:
        """The roles as a set: ``"admin,coordinator"`` → ``{"admin", "coordinator"}``."""
        return frozenset(role.strip() for role in self.roles.split(",") if role.strip())


class Conversation(Base):
    """Where a user is in the conversation; ``version`` guards against lost updates."""

    __tablename__ = "conversations"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(_user_fk("CASCADE"), unique=True)
    flow: Mapped[str] = mapped_column(String(32), default="advisor", server_default="advisor")
    state: Mapped[str] = mapped_column(String(64))
    flow_version: Mapped[int]
    answers: Mapped[dict[str, Any]] = mapped_column(default=dict)
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    version: Mapped[int] = mapped_column()
    updated_at: Mapped[datetime] = mapped_column(default=utc_now)

    # The ORM bumps ``version`` on every flush and refuses stale writes.
    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class AdviceGiven(Base):
    """The advice a user received: the profile it was for and the dilemmas shown."""

    __tablename__ = "advice_given"
    __table_args__ = (Index("ix_advice_given_user_id_created_at", "user_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(_user_fk("CASCADE"))
    profile: Mapped[dict[str, Any]] = mapped_column(default=dict)
    dilemmas: Mapped[list[str]] = mapped_column(default=list)
    knowledge_version: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(default=utc_now)


class Reflection(Base):
    """A note a user wrote about a dilemma (its id) or about their advice ("advice")."""

    __tablename__ = "reflections"
    __table_args__ = (Index("ix_reflections_user_id_created_at", "user_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(_user_fk("CASCADE"))
    subject: Mapped[str] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utc_now)
    # The nudge or broadcast this reflection answers, if any.
    outbox_id: Mapped[int | None] = mapped_column(
        ForeignKey("outbox.id", ondelete="SET NULL"), index=True
    )
    # Shared anonymously with the coordinator who asked (answers to broadcasts only).
    shared: Mapped[bool] = mapped_column(default=False, server_default=false())


class OutboxMessage(Base):
    """A message to send later (reminder, nudge, broadcast), sent at most once.

    ``status`` moves pending → claimed → sent | failed | skipped, or pending → cancelled;
    ``idempotency_key`` makes scheduling the same message twice a no-op.
    """

    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_status_due_at", "status", "due_at"),
        CheckConstraint(
            "status IN (" + ", ".join(f"'{status}'" for status in OUTBOX_STATUSES) + ")",
            name="status",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(_user_fk("CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # "reminder" | "nudge" | "broadcast"
    lane: Mapped[str] = mapped_column(String(8), default="bulk", server_default="bulk")
    due_at: Mapped[datetime]
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    idempotency_key: Mapped[str] = mapped_column(String(128), unique=True)
    status: Mapped[str] = mapped_column(String(16), default="pending", server_default="pending")
    attempts: Mapped[int] = mapped_column(default=0, server_default="0")
    claimed_at: Mapped[datetime | None]
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    sent_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(default=utc_now)
    broadcast_id: Mapped[int | None] = mapped_column(
        ForeignKey("broadcasts.id", ondelete="CASCADE"), index=True
    )


class AuditEntry(Base):
    """Who did what to whom: role changes, broadcasts, deletions."""

    __tablename__ = "audit"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utc_now)
    actor_user_id: Mapped[int | None] = mapped_column(_user_fk("SET NULL"), index=True)
    action: Mapped[str] = mapped_column(String(64))
    subject: Mapped[str] = mapped_column(String(128))
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)


class Cohort(Base):
    """The participants of one workshop, joined through the cohort's deep-link ``code``."""

    __tablename__ = "cohorts"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    workshop_at: Mapped[datetime]
    timezone: Mapped[str] = mapped_column(String(64))
    plan: Mapped[str] = mapped_column(String(64))
    owner_user_id: Mapped[int | None] = mapped_column(_user_fk("SET NULL"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utc_now)
    closed_at: Mapped[datetime | None]


class Membership(Base):
    """A member of a cohort: joined once, whatever the number of times they use the link."""

    __tablename__ = "memberships"
    __table_args__ = (UniqueConstraint("cohort_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(_user_fk("CASCADE"), index=True)
    joined_at: Mapped[datetime] = mapped_column(default=utc_now)


class CoordinatorInvite(Base):
    """A one-time deep link by which an admin appoints a coordinator."""

    __tablename__ = "coordinator_invites"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    created_by: Mapped[int | None] = mapped_column(_user_fk("SET NULL"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utc_now)
    used_by: Mapped[int | None] = mapped_column(_user_fk("SET NULL"), index=True)
    used_at: Mapped[datetime | None]


BROADCAST_STATUSES = ("sending", "done", "cancelled")


class Broadcast(Base):
    """A coordinator's message to their members; its deliveries are outbox rows."""

    __tablename__ = "broadcasts"

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_user_id: Mapped[int | None] = mapped_column(_user_fk("SET NULL"), index=True)
    text: Mapped[str] = mapped_column(Text)
    audience: Mapped[dict[str, Any]] = mapped_column(default=dict)
    total: Mapped[int] = mapped_column(default=0)
    status: Mapped[str] = mapped_column(String(16), default="sending", server_default="sending")
    progress_message_id: Mapped[int | None]
    progress_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utc_now)
    finished_at: Mapped[datetime | None]


class DispatcherHeartbeat(Base):
    """An outbox dispatcher (its claimer name) and when it last said it was running.

    The dispatchers seen lately share the bot's message budget equally; a row not renewed
    for long belongs to a process that died and is deleted by the others.
    """

    __tablename__ = "dispatchers"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    seen_at: Mapped[datetime]


class WebLogin(Base):
    """A one-time login link of the dashboard: only its token's SHA-256 is kept."""

    __tablename__ = "web_logins"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(_user_fk("CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utc_now)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]


class WebSession(Base):
    """A dashboard session a login link was exchanged for: only its token's SHA-256."""

    __tablename__ = "web_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(_user_fk("CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utc_now)
    expires_at: Mapped[datetime]


class WebAttempt(Base):
    """A login attempt on the dashboard (a login link, or an API call without valid
    credentials), kept for a minute so that every process counts them together. Only a
    keyed hash of the client's address is kept (:mod:`storage.keys`)."""

    __tablename__ = "web_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_hash: Mapped[str] = mapped_column(String(64), index=True)
    at: Mapped[datetime] = mapped_column(index=True)


class PendingStart(Base):
    """A deep link opened before the privacy question was answered (its cohort code), for
    a day: agreeing then joins that cohort, after a restart too. Only a keyed hash of the
    chat is kept (see :mod:`storage.pending_starts`)."""

    __tablename__ = "pending_starts"

    id: Mapped[int] = mapped_column(primary_key=True)
    chat_hash: Mapped[str] = mapped_column(String(64), index=True)
    payload: Mapped[str] = mapped_column(String(64))
    expires_at: Mapped[datetime] = mapped_column(index=True)


class InstallationKey(Base):
    """A secret of this installation, made once and shared by every process through the
    database: the key of the hashes that stand for a chat or an address (see
    :mod:`storage.keys`). Nothing about a person."""

    __tablename__ = "installation_keys"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    secret: Mapped[str] = mapped_column(String(64))  # hex
    created_at: Mapped[datetime]


class HeldUpdate(Base):
    """A Telegram update the poller has fetched and keeps here until it is handled, so
    that Telegram may forget it (its offset moves on) while it waits behind others of
    the same user. The raw JSON as Telegram sent it (names, texts); deleted once handled."""

    __tablename__ = "held_updates"

    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    user_id: Mapped[int | None] = mapped_column(_user_fk("CASCADE"), index=True)
    """Whose update it is, when the bot knows them already: exported and erased with them."""
    body: Mapped[str] = mapped_column(Text)
    held_at: Mapped[datetime] = mapped_column(default=utc_now)


class Snapshot(Base):
    """The answers and the advice at the end of one day's intake (or edit, or re-check):
    the points of the user's timeline. A second one on the same local day replaces it;
    the state it replaced first (the day's first one) stays in ``before_answers`` and
    ``before_dilemmas`` (None while the day saw one state only)."""

    __tablename__ = "snapshots"
    __table_args__ = (Index("ix_snapshots_user_id_taken_at", "user_id", "taken_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(_user_fk("CASCADE"))
    answers: Mapped[dict[str, Any]] = mapped_column(default=dict)
    dilemmas: Mapped[list[str]] = mapped_column(default=list)
    knowledge_version: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(16))  # "intake" | "recheck"
    taken_at: Mapped[datetime] = mapped_column(default=utc_now)
    before_answers: Mapped[dict[str, Any] | None]
    before_dilemmas: Mapped[list[str] | None]


class LiveSession(Base):
    """A live workshop session: the room votes on dilemmas, round by round. ``code`` is
    the projector page's secret and the join link's payload; it works until
    ``expires_at``. ``round`` 0 is the lobby; ``open``: the current round takes votes."""

    __tablename__ = "live_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"))
    owner_user_id: Mapped[int | None] = mapped_column(_user_fk("SET NULL"), index=True)
    dilemmas: Mapped[list[str]] = mapped_column(default=list)
    round: Mapped[int] = mapped_column(default=0)
    open: Mapped[bool] = mapped_column(default=False)
    control_message: Mapped[int | None] = mapped_column(BigInteger)
    """The facilitator's control message in their chat (edited as rounds move on)."""
    facilitator_key: Mapped[str | None] = mapped_column(String(64))
    """The secret of the facilitator's link: the projector page with it moves the session
    on (None: a session from before there were keys)."""
    started_at: Mapped[datetime] = mapped_column(default=utc_now)
    ended_at: Mapped[datetime | None]
    expires_at: Mapped[datetime]


class LiveVote(Base):
    """One participant's place in one round: ``position`` 0–4 from the first pole to the
    second (None: not placed), ``strong``: "plays strongly with us". Never shown per
    person: the room sees counts from ``INSIGHT_MIN_GROUP`` voters on."""

    __tablename__ = "live_votes"
    __table_args__ = (UniqueConstraint("session_id", "round", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("live_sessions.id", ondelete="CASCADE"))
    round: Mapped[int]
    dilemma: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[int] = mapped_column(_user_fk("CASCADE"), index=True)
    position: Mapped[int | None]
    strong: Mapped[bool] = mapped_column(default=False)
    at: Mapped[datetime] = mapped_column(default=utc_now)


class LiveScreen(Base):
    """The participant's one live message (edited in place as rounds move on)."""

    __tablename__ = "live_screens"
    __table_args__ = (UniqueConstraint("session_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("live_sessions.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(_user_fk("CASCADE"), index=True)
    message_id: Mapped[int] = mapped_column(BigInteger)
