"""The storage layer against real databases: SQLite always, PostgreSQL when
``TEST_DATABASE_URL`` is set (see ``tests/storage_fixtures.py``)."""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.operations import Operations
from alembic.runtime.migration import MigrationContext
from sqlalchemy import (
    Connection,
    String,
    delete,
    event,
    func,
    insert,
    inspect,
    select,
    text,
    update,
)
from sqlalchemy.exc import IntegrityError, StatementError

from storage import (
    AuditEntry,
    ConcurrentUpdate,
    Conversation,
    ConversationRecord,
    Database,
    DatabaseUnavailable,
    OutboxMessage,
    Reflection,
    SchemaBehind,
    StorageError,
    User,
    normalize_url,
)
from storage.migrate import (
    alembic_config,
    current_revision,
    ensure_schema,
    head_revision,
    upgrade,
    upgrade_url,
)
from storage.models import Base

if TYPE_CHECKING:
    from tests.storage_fixtures import DatabaseTarget, FakeClock

pytest_plugins = ["tests.storage_fixtures"]

TABLES = {"users", "conversations", "advice_given", "reflections", "outbox", "audit"}


def due(**delta: float) -> datetime:
    """A due time for the outbox, some time after the fake clock's start."""
    return datetime(2026, 3, 4, 9, 0, tzinfo=UTC) + timedelta(**delta)


async def count(db: Database, model: type[Base]) -> int:
    async with db.connection() as connection:
        return (await connection.execute(select(func.count()).select_from(model))).scalar_one()


async def table_names(db: Database) -> set[str]:
    async with db.connection() as connection:
        return set(await connection.run_sync(lambda sync: inspect(sync).get_table_names()))


async def new_user(db: Database, channel_user_id: str = "1001") -> int:
    async with db.unit() as repo:
        return (await repo.get_or_create_user("telegram", channel_user_id, "nl")).id


# URLs


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("sqlite:///data/netwerkwijzer.sqlite3", "sqlite+aiosqlite:///data/netwerkwijzer.sqlite3"),
        ("sqlite:////var/lib/bot/nw.sqlite3", "sqlite+aiosqlite:////var/lib/bot/nw.sqlite3"),
        ("sqlite+aiosqlite:///data/nw.sqlite3", "sqlite+aiosqlite:///data/nw.sqlite3"),
        (
            "postgres://bot:s3cret@db.example:5432/nw",
            "postgresql+asyncpg://bot:s3cret@db.example:5432/nw",
        ),
        ("postgresql://bot@db.example/nw", "postgresql+asyncpg://bot@db.example/nw"),
        ("postgresql+psycopg2://bot:pw@db.example/nw", "postgresql+asyncpg://bot:pw@db.example/nw"),
        ("postgresql+asyncpg://bot@db.example/nw", "postgresql+asyncpg://bot@db.example/nw"),
        ("POSTGRES://bot:p%40ss@db.example/nw", "postgresql+asyncpg://bot:p%40ss@db.example/nw"),
        (
            "postgres://bot:pw@db.example/nw?sslmode=require",
            "postgresql+asyncpg://bot:pw@db.example/nw?ssl=require",
        ),
    ],
)
def test_normalize_url_chooses_the_async_driver(given: str, expected: str) -> None:
    assert normalize_url(given) == expected


@pytest.mark.parametrize(
    "url",
    [
        "mysql://bot:hunter2@db.example/nw",
        "sqlite+pysqlite:///data/nw.sqlite3",
        "postgresql+psycopg://bot:hunter2@db.example/nw",
        "data/netwerkwijzer.sqlite3",
        "",
    ],
)
def test_normalize_url_rejects_other_databases(url: str) -> None:
    with pytest.raises(StorageError, match="postgresql\\+asyncpg://") as caught:
        normalize_url(url)
    assert "hunter2" not in str(caught.value)


# engine and connections


async def test_sqlite_file_gets_its_directory_and_pragmas(tmp_path: Path) -> None:
    path = tmp_path / "new" / "dir" / "nw.sqlite3"
    db = Database(f"sqlite:///{path}")
    try:
        assert db.is_sqlite
        async with db.connection() as connection:
            pragmas = {
                name: (await connection.exec_driver_sql(f"PRAGMA {name}")).scalar_one()
                for name in ("journal_mode", "foreign_keys", "busy_timeout", "synchronous")
            }
    finally:
        await db.dispose()
    assert path.exists()
    assert pragmas == {
        "journal_mode": "wal",
        "foreign_keys": 1,
        "busy_timeout": 5000,
        "synchronous": 1,
    }


async def test_unreachable_server_is_database_unavailable() -> None:
    db = Database("postgresql://bot:hunter2@127.0.0.1:1/nw")
    try:
        assert not db.is_sqlite
        with pytest.raises(DatabaseUnavailable) as caught:
            async with db.unit():
                pass
    finally:
        await db.dispose()
    assert "hunter2" not in str(caught.value)
    assert "127.0.0.1:1" in str(caught.value)


# migrations


async def test_upgrade_creates_every_table(db: Database) -> None:
    assert await table_names(db) == TABLES | {"alembic_version"}
    assert set(Base.metadata.tables) == TABLES
    assert await current_revision(db) == head_revision()


async def test_upgrade_twice_is_harmless(db: Database) -> None:
    await upgrade(db)
    assert await current_revision(db) == head_revision()


async def test_downgrade_removes_every_table(db: Database) -> None:
    def downgrade(connection: Connection) -> None:
        config = alembic_config()
        config.attributes["connection"] = connection
        command.downgrade(config, "base")

    async with db.connection(schema_change=True) as connection:
        await connection.run_sync(downgrade)
    assert await table_names(db) == {"alembic_version"}
    assert await current_revision(db) is None


async def test_rebuilding_a_table_keeps_the_rows_that_point_at_it(db: Database) -> None:
    """SQLite rebuilds a table to alter a column; with foreign keys enforced, dropping the
    old ``users`` table would cascade-delete every conversation."""
    user_id = await new_user(db)
    async with db.unit() as repo:
        await repo.save_conversation(user_id, "intake", 1, {}, {}, expected_version=None)

    def widen_roles(connection: Connection) -> None:
        operations = Operations(MigrationContext.configure(connection))
        with operations.batch_alter_table("users") as batch:
            batch.alter_column("roles", existing_type=String(64), type_=String(128))

    async with db.connection(schema_change=True) as connection:
        await connection.run_sync(widen_roles)
    assert await count(db, Conversation) == 1
    with pytest.raises(IntegrityError):  # enforced again after the schema change
        async with db.unit() as repo:
            await repo.save_conversation(user_id + 1, "intake", 1, {}, {}, expected_version=None)


async def test_schema_change_leaving_broken_foreign_keys_is_rolled_back(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path}/nw.sqlite3")
    try:
        await upgrade(db)
        with pytest.raises(StorageError, match="broken foreign keys in conversations"):
            async with db.connection(schema_change=True) as connection:
                await connection.execute(
                    insert(Conversation).values(
                        user_id=404, state="orphan", flow_version=1, answers={}, data={}, version=1
                    )
                )
        assert await count(db, Conversation) == 0
    finally:
        await db.dispose()


async def test_models_and_migrations_agree(db: Database) -> None:
    def differences(connection: Connection) -> list[Any]:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "compare_server_default": True}
        )
        return list(compare_metadata(context, Base.metadata))

    async with db.connection() as connection:
        assert await connection.run_sync(differences) == []


async def test_ensure_schema_without_auto_upgrade_names_the_command(empty_db: Database) -> None:
    with pytest.raises(SchemaBehind) as caught:
        await ensure_schema(empty_db, auto_upgrade=False)
    assert caught.value.current is None
    assert caught.value.expected == head_revision()
    assert "python -m bot db upgrade" in str(caught.value)
    assert head_revision() in str(caught.value)
    assert await table_names(empty_db) == set()


async def test_ensure_schema_with_auto_upgrade_upgrades(empty_db: Database) -> None:
    await ensure_schema(empty_db, auto_upgrade=True)
    assert await current_revision(empty_db) == head_revision()
    await ensure_schema(empty_db, auto_upgrade=False)  # current now: nothing to do


async def test_ensure_schema_refuses_an_unknown_revision(db: Database) -> None:
    async with db.connection() as connection:
        await connection.execute(text("UPDATE alembic_version SET version_num = 'f00dcafe'"))
    with pytest.raises(StorageError, match="f00dcafe") as caught:
        await ensure_schema(db, auto_upgrade=True)
    assert not isinstance(caught.value, SchemaBehind)


def test_upgrade_url_for_the_command_line(tmp_path: Path) -> None:
    path = tmp_path / "data" / "nw.sqlite3"
    upgrade_url(f"sqlite:///{path}")
    with contextlib.closing(sqlite3.connect(path)) as connection:
        (revision,) = connection.execute("SELECT version_num FROM alembic_version").fetchone()
    assert revision == head_revision()


# users


async def test_get_or_create_user_is_idempotent(db: Database, clock: FakeClock) -> None:
    async with db.unit() as repo:
        created = await repo.get_or_create_user("telegram", "1001", "en")
    later = clock.advance(hours=2)
    async with db.unit() as repo:
        again = await repo.get_or_create_user("telegram", "1001", "nl")
        other_channel = await repo.get_or_create_user("console", "1001", "nl")
    assert again.id == created.id != other_channel.id
    assert again.language == "en"  # the language of first contact stays
    assert again.created_at == created.created_at == later - timedelta(hours=2)
    assert again.last_seen_at == later
    assert (again.consent, again.roles, again.blocked) == (None, "", False)
    assert await count(db, User) == 2


async def test_set_language(db: Database) -> None:
    user_id = await new_user(db)
    async with db.unit() as repo:
        await repo.set_language(user_id, "en")
    async with db.unit() as repo:
        assert (await repo.get_or_create_user("telegram", "1001", "nl")).language == "en"


async def test_concurrent_units_create_one_user(db: Database) -> None:
    ids = await asyncio.gather(*(new_user(db, "2002") for _ in range(5)))
    assert len(set(ids)) == 1
    assert await count(db, User) == 1


async def wait_until_blocked(db: Database, target: DatabaseTarget) -> None:
    """Until another unit waits: PostgreSQL shows its insert waiting for the winner's row
    lock; SQLite shows nothing (the unit waits in BEGIN IMMEDIATE), so give it a moment."""
    if target.dialect == "sqlite":
        await asyncio.sleep(0.2)
        return
    waiting = text(
        "SELECT count(*) FROM pg_stat_activity"
        " WHERE wait_event_type = 'Lock' AND query LIKE 'INSERT INTO users%'"
    )
    for _ in range(200):
        async with db.connection() as connection:
            if (await connection.execute(waiting)).scalar_one():
                return
        await asyncio.sleep(0.025)
    raise AssertionError("the second unit never waited for the first")


async def test_loser_of_a_creation_race_gets_the_winners_user(
    db: Database, database_target: DatabaseTarget
) -> None:
    savepoint_rollbacks: list[str] = []
    event.listen(
        db.engine.sync_engine,
        "rollback_savepoint",
        lambda _conn, name, _context: savepoint_rollbacks.append(name),
    )
    async with db.unit() as repo:
        winner = await repo.get_or_create_user("telegram", "3003", "nl")
        loser = asyncio.create_task(new_user(db, "3003"))
        await wait_until_blocked(db, database_target)
        assert not loser.done()
    assert await loser == winner.id
    assert await count(db, User) == 1
    # On PostgreSQL the loser's insert failed inside its savepoint; SQLite serialises.
    assert len(savepoint_rollbacks) == (1 if database_target.dialect == "postgresql" else 0)


async def test_deleting_a_user_cascades(db: Database) -> None:
    user_id = await new_user(db)
    async with db.unit() as repo:
        await repo.save_conversation(user_id, "intake", 1, {}, {}, expected_version=None)
        await repo.record_advice(user_id, {"size": "groot"}, ["inclusief_vs_efficient"], "k1")
        await repo.add_reflection(user_id, "advice", "Morgen bellen.")
        await repo.schedule(user_id, "nudge", due(days=2), {}, "nudge:1")
        await repo.audit(user_id, "role.grant", "user:1", {"role": "coordinator"})
    async with db.sessions() as session, session.begin():
        await session.execute(delete(User).where(User.id == user_id))
    for model in (Conversation, Reflection, OutboxMessage):
        assert await count(db, model) == 0
    async with db.sessions() as session:
        entry = (await session.execute(select(AuditEntry))).scalar_one()
    assert entry.actor_user_id is None  # the audit trail outlives its actor


# conversations and the unit of work


async def test_conversation_insert_update_and_conflict(db: Database) -> None:
    user_id = await new_user(db)
    async with db.unit() as repo:
        assert await repo.load_conversation(user_id) is None
        first = await repo.save_conversation(
            user_id, "intake.size", 3, {"size": "groot"}, {"step": 1}, expected_version=None
        )
    async with db.unit() as repo:
        loaded = await repo.load_conversation(user_id)
        assert loaded == ConversationRecord("intake.size", 3, {"size": "groot"}, {"step": 1}, 1)
        second = await repo.save_conversation(
            user_id, "advice", 3, {"size": "groot", "mandate": "geen"}, {}, expected_version=1
        )
    assert (first, second) == (1, 2)
    async with db.unit() as repo:
        with pytest.raises(ConcurrentUpdate):
            await repo.save_conversation(user_id, "stale", 3, {}, {}, expected_version=1)
        with pytest.raises(ConcurrentUpdate):
            await repo.save_conversation(user_id, "stale", 3, {}, {}, expected_version=None)
        # A failed save leaves the transaction usable and the row untouched.
        record = await repo.load_conversation(user_id)
    assert record == ConversationRecord("advice", 3, {"size": "groot", "mandate": "geen"}, {}, 2)


async def test_unit_of_work_rolls_back_everything_on_error(db: Database) -> None:
    with pytest.raises(RuntimeError, match="handler failed"):
        async with db.unit() as repo:
            user = await repo.get_or_create_user("telegram", "4004", "nl")
            await repo.save_conversation(user.id, "intake", 1, {}, {}, expected_version=None)
            await repo.schedule(user.id, "reminder", due(days=1), {}, "reminder:4004")
            raise RuntimeError("handler failed")
    for model in (User, Conversation, OutboxMessage):
        assert await count(db, model) == 0


# advice, reflections, outbox, audit


async def test_latest_advice(db: Database, clock: FakeClock) -> None:
    user_id = await new_user(db)
    async with db.unit() as repo:
        assert await repo.latest_advice(user_id) is None
        await repo.record_advice(user_id, {"size": "klein"}, ["inclusief_vs_efficient"], "k1")
        clock.advance(minutes=5)
        await repo.record_advice(
            user_id,
            {"size": "zeer_groot"},
            ["autonoom_vs_integraal", "eigenheid_vs_uniformiteit"],
            "k2",
        )
    async with db.unit() as repo:
        latest = await repo.latest_advice(user_id)
    assert latest is not None
    assert latest.profile == {"size": "zeer_groot"}
    assert latest.dilemmas == ["autonoom_vs_integraal", "eigenheid_vs_uniformiteit"]
    assert latest.knowledge_version == "k2"


async def test_reflections_can_only_be_deleted_by_their_author(db: Database) -> None:
    author, other = await new_user(db, "5005"), await new_user(db, "6006")
    async with db.unit() as repo:
        first = await repo.add_reflection(author, "inclusief_vs_efficient", "Wie mist er?")
        second = await repo.add_reflection(author, "advice", "Mandaat bespreken.")
        assert not await repo.delete_reflection(other, first)
    async with db.unit() as repo:
        assert [r.id for r in await repo.list_reflections(author)] == [first, second]
        assert await repo.delete_reflection(author, first)
        assert not await repo.delete_reflection(author, first)
    async with db.unit() as repo:
        remaining = await repo.list_reflections(author)
        assert await repo.list_reflections(other) == []
    assert [(r.id, r.subject, r.text) for r in remaining] == [
        (second, "advice", "Mandaat bespreken.")
    ]


async def test_schedule_is_idempotent(db: Database) -> None:
    user_id = await new_user(db)
    async with db.unit() as repo:
        assert await repo.schedule(user_id, "nudge", due(days=2), {"n": 1}, "nudge:a:1")
        assert not await repo.schedule(user_id, "nudge", due(days=3), {"n": 2}, "nudge:a:1")
    async with db.unit() as repo:
        assert not await repo.schedule(user_id, "nudge", due(days=4), {}, "nudge:a:1")
        assert await repo.schedule(
            user_id, "broadcast", due(hours=1), {}, "broadcast:7:1", lane="bulk"
        )
        pending = await repo.pending_for(user_id)
    assert await count(db, OutboxMessage) == 2
    assert [(m.idempotency_key, m.payload) for m in pending] == [
        ("broadcast:7:1", {}),
        ("nudge:a:1", {"n": 1}),
    ]
    assert all((m.status, m.attempts, m.lane) == ("pending", 0, "bulk") for m in pending)


async def test_pending_for_skips_messages_no_longer_pending(db: Database) -> None:
    user_id = await new_user(db)
    async with db.unit() as repo:
        await repo.schedule(user_id, "reminder", due(days=1), {}, "r:1")
        await repo.schedule(user_id, "reminder", due(days=2), {}, "r:2")
    async with db.sessions() as session, session.begin():
        await session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.idempotency_key == "r:1")
            .values(status="sent")
        )
    async with db.unit() as repo:
        assert [m.idempotency_key for m in await repo.pending_for(user_id)] == ["r:2"]


async def test_audit(db: Database, clock: FakeClock) -> None:
    actor = await new_user(db)
    async with db.unit() as repo:
        await repo.audit(actor, "broadcast.send", "cohort:wk-2026", {"recipients": 12})
        await repo.audit(None, "outbox.expire", "outbox:3")
    async with db.sessions() as session:
        entries = (await session.execute(select(AuditEntry).order_by(AuditEntry.id))).scalars()
        rows = [(e.actor_user_id, e.action, e.subject, e.detail, e.at) for e in entries]
    assert rows == [
        (actor, "broadcast.send", "cohort:wk-2026", {"recipients": 12}, clock.now),
        (None, "outbox.expire", "outbox:3", {}, clock.now),
    ]


# time


async def test_timestamps_come_back_aware_in_utc(db: Database, clock: FakeClock) -> None:
    amsterdam = ZoneInfo("Europe/Amsterdam")
    clock.now = datetime(2026, 7, 1, 14, 0, tzinfo=amsterdam)  # 12:00 UTC
    due = datetime(2026, 7, 3, 9, 0, tzinfo=amsterdam)
    user_id = await new_user(db)
    async with db.unit() as repo:
        await repo.schedule(user_id, "nudge", due, {}, "nudge:tz")
        await repo.add_reflection(user_id, "advice", "tijd")
    async with db.unit() as repo:
        (message,) = await repo.pending_for(user_id)
        (reflection,) = await repo.list_reflections(user_id)
    async with db.sessions() as session:
        user = (await session.execute(select(User))).scalar_one()
    stamps = [message.due_at, message.created_at, reflection.created_at, user.created_at]
    assert all(stamp.tzinfo is UTC for stamp in stamps)
    assert message.due_at == due and message.due_at.hour == 7
    assert reflection.created_at == clock.now and reflection.created_at.hour == 12


async def test_naive_datetimes_are_refused(db: Database) -> None:
    user_id = await new_user(db)
    with pytest.raises(StatementError, match="naive datetime"):
        async with db.unit() as repo:
            await repo.schedule(user_id, "nudge", datetime(2026, 7, 3, 9, 0), {}, "nudge:naive")
