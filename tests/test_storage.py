"""The storage layer against real databases: SQLite always, PostgreSQL when
``TEST_DATABASE_URL`` is set (see ``tests/storage_fixtures.py``)."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import sqlite3
import threading
import time
from collections.abc import Callable
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
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.orm import Session

from storage import (
    AuditEntry,
    ConcurrentUpdate,
    Conversation,
    ConversationRecord,
    Database,
    DatabaseUnavailable,
    OutboxMessage,
    Reflection,
    Repository,
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

TABLES = {
    "users",
    "conversations",
    "advice_given",
    "reflections",
    "outbox",
    "audit",
    "cohorts",
    "memberships",
    "coordinator_invites",
    "broadcasts",
    "dispatchers",
    "web_logins",
    "live_sessions",
    "live_votes",
    "live_screens",
    "web_sessions",
    "held_updates",
    "snapshots",
    "web_attempts",
    "pending_starts",
    "installation_keys",
}


def due(**delta: float) -> datetime:
    """A due time for the outbox, some time after the fake clock's start."""
    return datetime(2026, 3, 4, 9, 0, tzinfo=UTC) + timedelta(**delta)


async def count(db: Database, model: type[Base]) -> int:
    query = select(func.count()).select_from(model)
    return await db.run_connection(lambda connection: connection.execute(query).scalar_one())


async def table_names(db: Database) -> set[str]:
    return await db.run_connection(lambda connection: set(inspect(connection).get_table_names()))


async def new_user(db: Database, channel_user_id: str = "1001") -> int:
    return await db.run(lambda repo: repo.get_or_create_user("telegram", channel_user_id, "nl").id)


def execute(statement: Any) -> Callable[[Connection], None]:
    """Work for ``run_connection``: one statement, its result discarded."""
    return lambda connection: connection.execute(statement).close()


# URLs


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("sqlite:///data/netwerkwijzer.sqlite3", "sqlite+pysqlite:///data/netwerkwijzer.sqlite3"),
        ("sqlite:////var/lib/bot/nw.sqlite3", "sqlite+pysqlite:////var/lib/bot/nw.sqlite3"),
        ("sqlite+aiosqlite:///data/nw.sqlite3", "sqlite+pysqlite:///data/nw.sqlite3"),
        ("sqlite+pysqlite:///data/nw.sqlite3", "sqlite+pysqlite:///data/nw.sqlite3"),
        ("sqlite://", "sqlite+pysqlite://"),
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
def test_normalize_url_chooses_our_driver(given: str, expected: str) -> None:
    assert normalize_url(given) == expected
    assert normalize_url(expected) == expected


@pytest.mark.parametrize(
    "url",
    [
        "mysql://bot:hunter2@db.example/nw",
        "sqlite+pysqlcipher:///data/nw.sqlite3",
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
        pragmas = await db.run_connection(
            lambda connection: {
                name: connection.exec_driver_sql(f"PRAGMA {name}").scalar_one()
                for name in ("journal_mode", "foreign_keys", "busy_timeout", "synchronous")
            }
        )
    finally:
        await db.dispose()
    assert path.exists()
    assert pragmas == {
        "journal_mode": "wal",
        "foreign_keys": 1,
        "busy_timeout": 2000,
        "synchronous": 1,
    }


async def test_unreachable_server_is_database_unavailable() -> None:
    db = Database("postgresql://bot:hunter2@127.0.0.1:1/nw")
    try:
        assert not db.is_sqlite
        with pytest.raises(DatabaseUnavailable) as caught:
            await db.run(lambda repo: None)
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

    await db.run_connection(downgrade, schema_change=True)
    assert await table_names(db) == {"alembic_version"}
    assert await current_revision(db) is None


async def test_rebuilding_a_table_keeps_the_rows_that_point_at_it(db: Database) -> None:
    """SQLite rebuilds a table to alter a column; with foreign keys enforced, dropping the
    old ``users`` table would cascade-delete every conversation."""
    user_id = await new_user(db)
    await db.run(
        lambda repo: repo.save_conversation(user_id, "intake", 1, {}, {}, expected_version=None)
    )

    def widen_roles(connection: Connection) -> None:
        operations = Operations(MigrationContext.configure(connection))
        with operations.batch_alter_table("users") as batch:
            batch.alter_column("roles", existing_type=String(64), type_=String(128))

    await db.run_connection(widen_roles, schema_change=True)
    assert await count(db, Conversation) == 1
    with pytest.raises(IntegrityError):  # enforced again after the schema change
        await db.run(
            lambda repo: repo.save_conversation(
                user_id + 1, "intake", 1, {}, {}, expected_version=None
            )
        )


async def test_schema_change_leaving_broken_foreign_keys_is_rolled_back(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path}/nw.sqlite3")
    try:
        await upgrade(db)
        orphan = insert(Conversation).values(
            user_id=404, state="orphan", flow_version=1, answers={}, data={}, version=1
        )
        with pytest.raises(StorageError, match="broken foreign keys in conversations"):
            await db.run_connection(execute(orphan), schema_change=True)
        assert await count(db, Conversation) == 0
    finally:
        await db.dispose()


async def test_models_and_migrations_agree(db: Database) -> None:
    def differences(connection: Connection) -> list[Any]:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "compare_server_default": True}
        )
        return list(compare_metadata(context, Base.metadata))

    assert await db.run_connection(differences) == []


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
    await db.run_connection(execute(text("UPDATE alembic_version SET version_num = 'f00dcafe'")))
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
    created = await db.run(lambda repo: repo.get_or_create_user("telegram", "1001", "en"))
    later = clock.advance(hours=2)

    def again_and_other(repo: Repository) -> tuple[User, User]:
        return (
            repo.get_or_create_user("telegram", "1001", "nl"),
            repo.get_or_create_user("console", "1001", "nl"),
        )

    again, other_channel = await db.run(again_and_other)
    assert again.id == created.id != other_channel.id
    assert again.language == "en"  # the language of first contact stays
    assert again.created_at == created.created_at == later - timedelta(hours=2)
    assert again.last_seen_at == later
    assert (again.consent, again.roles, again.blocked) == (None, "", False)
    assert await count(db, User) == 2


async def test_set_language(db: Database) -> None:
    user_id = await new_user(db)
    await db.run(lambda repo: repo.set_language(user_id, "en"))
    user = await db.run(lambda repo: repo.get_or_create_user("telegram", "1001", "nl"))
    assert user.language == "en"


async def test_concurrent_units_create_one_user(db: Database) -> None:
    ids = await asyncio.gather(*(new_user(db, "2002") for _ in range(5)))
    assert len(set(ids)) == 1
    assert await count(db, User) == 1


async def wait_until_blocked(db: Database) -> None:
    """Until another unit waits: PostgreSQL shows its insert waiting for the winner's row
    lock."""
    waiting = text(
        "SELECT count(*) FROM pg_stat_activity"
        " WHERE wait_event_type = 'Lock' AND query LIKE 'INSERT INTO users%'"
    )
    for _ in range(200):
        if await db.run_connection(lambda connection: connection.execute(waiting).scalar_one()):
            return
        await asyncio.sleep(0.025)
    raise AssertionError("the second unit never waited for the first")


async def test_loser_of_a_creation_race_gets_the_winners_user(
    db: Database, database_target: DatabaseTarget, clock: FakeClock
) -> None:
    savepoint_rollbacks: list[str] = []
    event.listen(
        db.sync_engine,
        "rollback_savepoint",
        lambda _conn, name, _context: savepoint_rollbacks.append(name),
    )
    if database_target.dialect == "sqlite":
        # Units run whole, inline on the event loop: the loser starts after the winner ends.
        winner = asyncio.create_task(new_user(db, "3003"))
        loser = asyncio.create_task(new_user(db, "3003"))
        winner_id = await winner
    else:
        # A real race: the winner's transaction (on an engine of its own) stays open
        # until the loser's insert waits for its row lock.
        engine = create_async_engine(
            normalize_url(database_target.url), connect_args=database_target.connect_args
        )

        def win_in_open_transaction(connection: Connection) -> int:
            with Session(bind=connection) as session:
                return Repository(session, clock).get_or_create_user("telegram", "3003", "nl").id

        try:
            async with engine.connect() as connection, connection.begin():
                winner_id = await connection.run_sync(win_in_open_transaction)
                loser = asyncio.create_task(new_user(db, "3003"))
                await wait_until_blocked(db)
                assert not loser.done()
        finally:
            await engine.dispose()
    assert await loser == winner_id
    assert await count(db, User) == 1
    # On PostgreSQL the loser's insert failed inside its savepoint; SQLite serialises.
    assert len(savepoint_rollbacks) == (1 if database_target.dialect == "postgresql" else 0)


async def test_deleting_a_user_cascades(db: Database) -> None:
    user_id = await new_user(db)

    def fill(repo: Repository) -> None:
        repo.save_conversation(user_id, "intake", 1, {}, {}, expected_version=None)
        repo.record_advice(user_id, {"size": "groot"}, ["inclusief_vs_efficient"], "k1")
        repo.add_reflection(user_id, "advice", "Morgen bellen.")
        repo.outbox.schedule(user_id, "nudge", due(days=2), {}, "nudge:1")
        repo.audit(user_id, "role.grant", "user:1", {"role": "coordinator"})

    await db.run(fill)
    await db.run_connection(execute(delete(User).where(User.id == user_id)))
    for model in (Conversation, Reflection, OutboxMessage):
        assert await count(db, model) == 0
    entry = await db.run_connection(lambda connection: connection.execute(select(AuditEntry)).one())
    assert entry.actor_user_id is None  # the audit trail outlives its actor


# conversations and the unit of work


async def test_conversation_insert_update_and_conflict(db: Database) -> None:
    user_id = await new_user(db)

    def first_save(repo: Repository) -> int:
        assert repo.load_conversation(user_id) is None
        return repo.save_conversation(
            user_id, "intake.size", 3, {"size": "groot"}, {"step": 1}, expected_version=None
        )

    def second_save(repo: Repository) -> int:
        loaded = repo.load_conversation(user_id)
        assert loaded == ConversationRecord("intake.size", 3, {"size": "groot"}, {"step": 1}, 1)
        return repo.save_conversation(
            user_id, "advice", 3, {"size": "groot", "mandate": "geen"}, {}, expected_version=1
        )

    def stale_saves(repo: Repository) -> ConversationRecord | None:
        with pytest.raises(ConcurrentUpdate):
            repo.save_conversation(user_id, "stale", 3, {}, {}, expected_version=1)
        with pytest.raises(ConcurrentUpdate):
            repo.save_conversation(user_id, "stale", 3, {}, {}, expected_version=None)
        # A failed save leaves the transaction usable and the row untouched.
        return repo.load_conversation(user_id)

    first = await db.run(first_save)
    second = await db.run(second_save)
    assert (first, second) == (1, 2)
    record = await db.run(stale_saves)
    assert record == ConversationRecord("advice", 3, {"size": "groot", "mandate": "geen"}, {}, 2)


async def test_unit_of_work_rolls_back_everything_on_error(db: Database) -> None:
    def handler(repo: Repository) -> None:
        user = repo.get_or_create_user("telegram", "4004", "nl")
        repo.save_conversation(user.id, "intake", 1, {}, {}, expected_version=None)
        repo.outbox.schedule(user.id, "reminder", due(days=1), {}, "reminder:4004")
        raise RuntimeError("handler failed")

    with pytest.raises(RuntimeError, match="handler failed"):
        await db.run(handler)
    for model in (User, Conversation, OutboxMessage):
        assert await count(db, model) == 0


async def test_async_work_is_refused_and_rolled_back(db: Database) -> None:
    """A leftover ``async def`` would otherwise commit nothing and return a coroutine."""

    async def handler(repo: Repository) -> None:
        repo.get_or_create_user("telegram", "4005", "nl")

    def create_then_hand_back_a_coroutine(repo: Repository) -> object:
        repo.get_or_create_user("telegram", "4006", "nl")
        return handler(repo)

    with pytest.raises(TypeError, match="plain function"):
        await db.run(handler)  # type: ignore[unused-coroutine]
    with pytest.raises(TypeError, match="plain function"):
        await db.run(create_then_hand_back_a_coroutine)
    assert await count(db, User) == 0


async def test_units_run_on_the_event_loop(db: Database, database_target: DatabaseTarget) -> None:
    """Both dialects run the work on the event loop's thread. On SQLite a unit runs whole
    without yielding, so concurrent units never interleave (each commits before the next
    begins) and no thread is started; PostgreSQL's units may overlap, each awaiting asyncpg."""
    threads: set[threading.Thread] = set()
    events: list[str] = []
    for name in ("begin", "commit"):
        event.listen(db.sync_engine, name, lambda _c, name=name: events.append(name))
    threads_before = set(threading.enumerate())
    numbers = itertools.count()

    def record(repo: Repository) -> None:
        threads.add(threading.current_thread())
        repo.get_or_create_user("telegram", str(next(numbers)), "nl")  # a read and a write

    await asyncio.gather(*(db.run(record) for _ in range(5)))
    await db.run_connection(lambda connection: threads.add(threading.current_thread()))
    assert threads == {threading.current_thread()}
    assert await count(db, User) == 5
    if database_target.dialect == "sqlite":
        assert events[:10] == ["begin", "commit"] * 5
        assert set(threading.enumerate()) == threads_before


async def test_cancelling_sqlite_units(tmp_path: Path) -> None:
    """A unit is all or nothing under cancellation: cancelled before it starts, it never
    runs; once started it runs to its commit, and the cancellation lands after it, at the
    task's next await."""
    db = Database(f"sqlite:///{tmp_path}/nw.sqlite3")
    ran: list[str] = []

    def never(repo: Repository) -> None:
        ran.append("never")

    def cancel_own_task_then_write(repo: Repository) -> None:
        task = asyncio.current_task()
        assert task is not None  # inline: the work runs inside the awaiting task
        task.cancel()
        repo.get_or_create_user("telegram", "7007", "nl")
        ran.append("unit")

    async def handle() -> None:
        await db.run(cancel_own_task_then_write)
        ran.append("after the unit")
        await asyncio.sleep(0)
        ran.append("never")

    try:
        await upgrade(db)
        cancelled_early = asyncio.create_task(db.run(never))
        cancelled_early.cancel()
        handling = asyncio.create_task(handle())
        for task in (cancelled_early, handling):
            with pytest.raises(asyncio.CancelledError):
                await task
        assert ran == ["unit", "after the unit"]
        assert await count(db, User) == 1
    finally:
        await db.dispose()


async def test_another_process_holding_the_lock_is_database_unavailable(
    tmp_path: Path,
) -> None:
    """The one wait that blocks the event loop: a write lock held by another process
    (here another connection). It lasts ``busy_timeout`` (2 s), then the unit fails."""
    path = tmp_path / "nw.sqlite3"
    db = Database(f"sqlite:///{path}")
    other = sqlite3.connect(path, isolation_level=None)
    try:
        await upgrade(db)
        other.execute("BEGIN IMMEDIATE")
        started = time.monotonic()
        with pytest.raises(DatabaseUnavailable, match="locked"):
            await db.run(lambda repo: repo.get_or_create_user("telegram", "8008", "nl"))
        assert time.monotonic() - started >= 1.5
        other.execute("ROLLBACK")
        await new_user(db, "8008")  # free again
    finally:
        other.close()
        await db.dispose()


async def test_dispose_closes_the_database_for_good(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path}/nw.sqlite3")
    await upgrade(db)
    driver_connection = await db.run_connection(
        lambda connection: connection.connection.dbapi_connection
    )
    assert driver_connection is not None
    await db.dispose()
    await db.dispose()  # harmless
    with pytest.raises(sqlite3.ProgrammingError, match="closed"):
        driver_connection.execute("SELECT 1")
    with pytest.raises(StorageError, match="closed"):
        await db.run(lambda repo: None)
    with pytest.raises(StorageError, match="closed"):
        await db.run_connection(lambda connection: None)


@pytest.mark.parametrize("url", ["sqlite://", "sqlite:///:memory:", "sqlite+aiosqlite://"])
async def test_in_memory_database_lives_across_units(url: str, clock: FakeClock) -> None:
    db = Database(url, clock=clock)
    try:
        assert db.is_sqlite
        await upgrade(db)
        created = await db.run(lambda repo: repo.get_or_create_user("console", "m", "en"))
        visit = await db.run(lambda repo: repo.visit("console", "m", "nl"))
        assert (visit.user_id, visit.language, visit.conversation) == (created.id, "en", None)
        assert await count(db, User) == 1
    finally:
        await db.dispose()


# advice, reflections, outbox, audit


async def test_latest_advice(db: Database, clock: FakeClock) -> None:
    user_id = await new_user(db)

    def advise_twice(repo: Repository) -> None:
        assert repo.latest_advice(user_id) is None
        repo.record_advice(user_id, {"size": "klein"}, ["inclusief_vs_efficient"], "k1")
        clock.advance(minutes=5)
        repo.record_advice(
            user_id,
            {"size": "zeer_groot"},
            ["autonoom_vs_integraal", "eigenheid_vs_uniformiteit"],
            "k2",
        )

    await db.run(advise_twice)
    latest = await db.run(lambda repo: repo.latest_advice(user_id))
    assert latest is not None
    assert latest.profile == {"size": "zeer_groot"}
    assert latest.dilemmas == ["autonoom_vs_integraal", "eigenheid_vs_uniformiteit"]
    assert latest.knowledge_version == "k2"


async def test_reflections_can_only_be_deleted_by_their_author(db: Database) -> None:
    author, other = await new_user(db, "5005"), await new_user(db, "6006")

    def write(repo: Repository) -> tuple[int, int]:
        first = repo.add_reflection(author, "inclusief_vs_efficient", "Wie mist er?")
        second = repo.add_reflection(author, "advice", "Mandaat bespreken.")
        assert not repo.delete_reflection(other, first)
        return first, second

    first, second = await db.run(write)

    def delete_first(repo: Repository) -> None:
        assert [r.id for r in repo.list_reflections(author)] == [first, second]
        assert repo.delete_reflection(author, first)
        assert not repo.delete_reflection(author, first)

    await db.run(delete_first)

    def remaining_of_author(repo: Repository) -> list[Reflection]:
        remaining = repo.list_reflections(author)
        assert repo.list_reflections(other) == []
        return remaining

    remaining = await db.run(remaining_of_author)
    assert [(r.id, r.subject, r.text) for r in remaining] == [
        (second, "advice", "Mandaat bespreken.")
    ]


async def test_schedule_is_idempotent(db: Database) -> None:
    user_id = await new_user(db)

    def schedule_twice(repo: Repository) -> None:
        assert repo.outbox.schedule(user_id, "nudge", due(days=2), {"n": 1}, "nudge:a:1")
        assert not repo.outbox.schedule(user_id, "nudge", due(days=3), {"n": 2}, "nudge:a:1")

    def schedule_again(repo: Repository) -> list[OutboxMessage]:
        assert not repo.outbox.schedule(user_id, "nudge", due(days=4), {}, "nudge:a:1")
        assert repo.outbox.schedule(
            user_id, "broadcast", due(hours=1), {}, "broadcast:7:1", lane="bulk"
        )
        return repo.outbox.pending_for(user_id)

    await db.run(schedule_twice)
    pending = await db.run(schedule_again)
    assert await count(db, OutboxMessage) == 2
    assert [(m.idempotency_key, m.payload) for m in pending] == [
        ("broadcast:7:1", {}),
        ("nudge:a:1", {"n": 1}),
    ]
    assert all((m.status, m.attempts, m.lane) == ("pending", 0, "bulk") for m in pending)


async def test_pending_for_skips_messages_no_longer_pending(db: Database) -> None:
    user_id = await new_user(db)

    def schedule_two(repo: Repository) -> None:
        repo.outbox.schedule(user_id, "reminder", due(days=1), {}, "r:1")
        repo.outbox.schedule(user_id, "reminder", due(days=2), {}, "r:2")

    await db.run(schedule_two)
    await db.run_connection(
        execute(
            update(OutboxMessage)
            .where(OutboxMessage.idempotency_key == "r:1")
            .values(status="sent")
        )
    )
    pending = await db.run(lambda repo: repo.outbox.pending_for(user_id))
    assert [m.idempotency_key for m in pending] == ["r:2"]


async def test_audit(db: Database, clock: FakeClock) -> None:
    actor = await new_user(db)

    def audit_two(repo: Repository) -> None:
        repo.audit(actor, "broadcast.send", "cohort:wk-2026", {"recipients": 12})
        repo.audit(None, "outbox.expire", "outbox:3")

    await db.run(audit_two)
    entries = await db.run_connection(
        lambda connection: connection.execute(select(AuditEntry).order_by(AuditEntry.id)).all()
    )
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

    def schedule_and_reflect(repo: Repository) -> None:
        repo.outbox.schedule(user_id, "nudge", due, {}, "nudge:tz")
        repo.add_reflection(user_id, "advice", "tijd")

    def read_back(repo: Repository) -> tuple[OutboxMessage, Reflection]:
        (message,) = repo.outbox.pending_for(user_id)
        (reflection,) = repo.list_reflections(user_id)
        return message, reflection

    await db.run(schedule_and_reflect)
    message, reflection = await db.run(read_back)
    user = await db.run_connection(lambda connection: connection.execute(select(User)).one())
    stamps = [message.due_at, message.created_at, reflection.created_at, user.created_at]
    assert all(stamp.tzinfo is UTC for stamp in stamps)
    assert message.due_at == due and message.due_at.hour == 7
    assert reflection.created_at == clock.now and reflection.created_at.hour == 12


async def test_naive_datetimes_are_refused(db: Database) -> None:
    user_id = await new_user(db)
    naive = datetime(2026, 7, 3, 9, 0)
    with pytest.raises(StatementError, match="naive datetime"):
        await db.run(lambda repo: repo.outbox.schedule(user_id, "nudge", naive, {}, "nudge:naive"))
