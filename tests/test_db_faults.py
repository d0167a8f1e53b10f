"""Lost database connections: pre-ping between units, one retry of a unit that lost its
connection before COMMIT, never a retry of one that lost it during COMMIT.

Connections end for real. On PostgreSQL a backend is terminated (``pg_terminate_backend``,
what a restart does to every backend): by the unit itself just before a statement, by a
deferred trigger inside COMMIT, or from another connection between units and while a
unit waits on the server. Those from another connection run on PostgreSQL only and
terminate only this test's connections (by ``application_name``), never those of other
tests sharing the server. On SQLite the driver's connection is closed under the unit.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import uuid
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import pytest
from sqlalchemy import Connection, event, func, insert, select, text
from sqlalchemy.exc import IntegrityError

from storage import (
    AuditEntry,
    Conversation,
    Database,
    DatabaseUnavailable,
    OutboxMessage,
    Reflection,
    Repository,
    User,
)
from storage.migrate import current_revision, head_revision, upgrade
from storage.models import Base

if TYPE_CHECKING:
    from tests.storage_fixtures import DatabaseTarget, FakeClock

pytest_plugins = ["tests.storage_fixtures"]

REFLECTION = "Mandaat bespreken met de wethouder."
ON_POSTGRESQL = bool(os.environ.get("TEST_DATABASE_URL", "").strip())
"""As in tests/storage_fixtures.py, which is not imported here: importing it before pytest
loads it as a plugin would keep pytest from rewriting its asserts (a warning, an error)."""


def postgresql_only(test: Callable[..., Any]) -> Callable[..., Any]:
    """Run ``test`` on PostgreSQL only; skipped without ``TEST_DATABASE_URL``."""
    test = pytest.mark.parametrize("database_target", ["postgresql"], indirect=True)(test)
    return pytest.mark.skipif(
        not ON_POSTGRESQL, reason="set TEST_DATABASE_URL to test on PostgreSQL"
    )(test)


def lose_connection(connection: Connection, *_: Any) -> None:
    """End the connection under the unit using it, as a server restart would: the next
    statement on it fails. PostgreSQL's backend terminates itself; SQLite's driver
    connection is closed."""
    driver_connection = connection.connection.dbapi_connection
    assert driver_connection is not None
    if connection.dialect.name == "postgresql":
        with contextlib.suppress(connection.dialect.loaded_dbapi.Error):
            driver_connection.cursor().execute("SELECT pg_terminate_backend(pg_backend_pid())")
    else:
        driver_connection.close()


class ConnectionLoss:
    """Loses the connection just before a statement starting with ``prefix`` runs (which
    then fails, as it would after a restart), in the first ``times`` units that run one."""

    def __init__(self, db: Database, prefix: str, times: int = 1) -> None:
        self.prefix = prefix
        self.left = times
        event.listen(db.sync_engine, "before_cursor_execute", self._before_execute)

    def _before_execute(self, connection: Connection, *args: Any) -> None:
        statement: str = args[1]
        if self.left and statement.lstrip().startswith(self.prefix):
            self.left -= 1
            lose_connection(connection)


class Reflect:
    """The work of a real event (the user, their reflection, an audit line); counts how
    often it ran."""

    def __init__(self) -> None:
        self.attempts = 0

    def __call__(self, repo: Repository) -> int:
        self.attempts += 1
        user = repo.get_or_create_user("telegram", "1001", "nl")
        repo.add_reflection(user.id, "advice", REFLECTION)
        repo.audit(user.id, "reflection.add", f"user:{user.id}")
        return user.id


async def count(db: Database, model: type[Base]) -> int:
    query = select(func.count()).select_from(model)
    return await db.run_connection(lambda connection: connection.execute(query).scalar_one())


# both databases: the connection lost inside the unit


async def test_unit_that_lost_its_connection_runs_again_once(
    db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    ConnectionLoss(db, "INSERT INTO reflections")
    reflect = Reflect()
    with caplog.at_level(logging.WARNING, logger="storage.db"):
        user_id = await db.run(reflect)
    assert reflect.attempts == 2
    assert (await count(db, User), await count(db, Reflection)) == (1, 1)
    reflections = await db.run(lambda repo: repo.list_reflections(user_id))
    assert [r.text for r in reflections] == [REFLECTION]
    assert "running the unit of work again" in caplog.text
    assert REFLECTION not in caplog.text  # the log never holds what users wrote


async def test_losing_the_connection_twice_is_database_unavailable(db: Database) -> None:
    ConnectionLoss(db, "INSERT INTO reflections", times=2)
    reflect = Reflect()
    with pytest.raises(DatabaseUnavailable, match="twice") as caught:
        await db.run(reflect)
    assert reflect.attempts == 2
    assert REFLECTION not in str(caught.value)
    assert (await count(db, User), await count(db, Reflection)) == (0, 0)
    await db.run(reflect)  # the next unit gets a working connection
    assert (await count(db, User), await count(db, Reflection)) == (1, 1)


LOSE_CONNECTION_AT_COMMIT = (
    "CREATE SEQUENCE commits_to_fail",
    # A deferred trigger runs inside COMMIT: the first commit with a new reflection
    # terminates its own backend there (a sequence, not a table, counts: it survives the
    # rollback of the dying transaction).
    """CREATE FUNCTION lose_connection() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF nextval('commits_to_fail') = 1 THEN
            PERFORM pg_terminate_backend(pg_backend_pid());
        END IF;
        RETURN NULL;
    END $$""",
    """CREATE CONSTRAINT TRIGGER lose_connection_at_commit AFTER INSERT ON reflections
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION lose_connection()""",
)


async def test_connection_lost_during_commit_is_not_run_again(
    db: Database, database_target: DatabaseTarget
) -> None:
    """Whether a COMMIT whose connection broke went through cannot be known: running the
    unit again could apply it twice."""
    if database_target.dialect == "postgresql":
        for statement in LOSE_CONNECTION_AT_COMMIT:
            await db.run_connection(lambda connection, s=statement: connection.execute(text(s)))
    else:
        event.listen(db.sync_engine, "commit", lose_connection, once=True)
    reflect = Reflect()
    with pytest.raises(DatabaseUnavailable, match="during COMMIT") as caught:
        await db.run(reflect)
    assert reflect.attempts == 1
    assert REFLECTION not in str(caught.value)
    assert await count(db, Reflection) == 0  # here the connection went before the commit
    await db.run(reflect)
    assert await count(db, Reflection) == 1


async def test_other_errors_are_not_run_again(db: Database) -> None:
    attempts: list[int] = []

    def orphan_conversation(repo: Repository) -> None:
        attempts.append(1)
        repo.save_conversation(404, "intake", 1, {}, {}, expected_version=None)

    with pytest.raises(IntegrityError):
        await db.run(orphan_conversation)
    assert len(attempts) == 1
    assert await count(db, Conversation) == 0


async def test_migration_that_lost_its_connection_runs_again(empty_db: Database) -> None:
    """``python -m bot db upgrade`` while the server restarts: the migration's transaction
    is lost whole (DDL is transactional on both databases) and runs again from the start."""
    loss = ConnectionLoss(empty_db, "CREATE TABLE conversations")
    await upgrade(empty_db)
    assert loss.left == 0
    assert await current_revision(empty_db) == head_revision()
    assert await count(empty_db, Conversation) == 0


# PostgreSQL: connections killed from outside, as a restart does


@pytest.fixture
def backend_name() -> str:
    """The ``application_name`` of this test's connections in ``pg_stat_activity``."""
    return f"nw-faults-{uuid.uuid4().hex[:12]}"


@pytest.fixture
async def named_db(
    database_target: DatabaseTarget, clock: FakeClock, backend_name: str
) -> AsyncIterator[Database]:
    """The test's PostgreSQL database, migrated, its connections named ``backend_name``."""
    settings = {**database_target.connect_args["server_settings"], "application_name": backend_name}
    db = Database(database_target.url, clock=clock, connect_args={"server_settings": settings})
    try:
        await upgrade(db)
        yield db
    finally:
        await db.dispose()


async def terminate_backends(admin: Database, name: str, *, sleeping: bool = False) -> int:
    """Terminate the backends named ``name`` (only those in ``pg_sleep`` if ``sleeping``),
    each waited for until it has exited; how many."""
    condition = "application_name = :name AND pid <> pg_backend_pid()"
    if sleeping:
        condition += " AND state = 'active' AND query LIKE '%pg_sleep%'"
    statement = text(
        f"SELECT count(*) FILTER (WHERE pg_terminate_backend(pid, 5000))"
        f" FROM pg_stat_activity WHERE {condition}"
    )
    return int(
        await admin.run_connection(
            lambda connection: connection.execute(statement, {"name": name}).scalar_one()
        )
    )


def backend_pid(connection: Connection) -> int:
    return int(connection.exec_driver_sql("SELECT pg_backend_pid()").scalar_one())


@postgresql_only
async def test_connections_killed_between_units_are_replaced_before_the_next(
    named_db: Database, backend_name: str, make_database: Callable[[], Database]
) -> None:
    """Pre-ping: the next unit gets a live connection and runs once, without a retry."""
    reflect = Reflect()
    await named_db.run(reflect)
    before = await named_db.run_connection(backend_pid)
    assert await terminate_backends(make_database(), backend_name) >= 1

    await named_db.run(reflect)
    assert reflect.attempts == 2  # one each: the dead connection never reached the unit
    assert await named_db.run_connection(backend_pid) != before
    assert (await count(named_db, User), await count(named_db, Reflection)) == (1, 2)


@postgresql_only
async def test_unit_killed_while_waiting_on_the_server_runs_again_once(
    named_db: Database, backend_name: str, make_database: Callable[[], Database]
) -> None:
    """Killed from another connection mid-unit, after its first write: applied once."""
    attempts: list[int] = []

    def write_then_wait(connection: Connection) -> None:
        attempts.append(1)
        connection.execute(
            insert(AuditEntry).values(
                at=datetime(2026, 3, 2, tzinfo=UTC), action="test.write", subject="s", detail={}
            )
        )
        if len(attempts) == 1:
            connection.execute(select(func.pg_sleep(30)))

    unit = asyncio.create_task(named_db.run_connection(write_then_wait))
    admin = make_database()
    for _ in range(400):
        if await terminate_backends(admin, backend_name, sleeping=True):
            break
        await asyncio.sleep(0.025)
    else:
        unit.cancel()
        raise AssertionError("the unit never reached its pg_sleep")
    await asyncio.wait_for(unit, timeout=10)
    assert len(attempts) == 2
    assert await count(named_db, AuditEntry) == 1


async def test_database_errors_never_show_what_users_wrote(db: Database) -> None:
    secret = "mevrouw Jansen belde over haar zoon"

    def duplicate(repo: Repository) -> None:
        user = repo.get_or_create_user("telegram", "1", "nl")
        repo.outbox.schedule(user.id, "reminder", datetime.now(UTC), {"t": secret}, "same-key")
        repo._session.execute(
            insert(OutboxMessage).values(
                user_id=user.id,
                kind="reminder",
                due_at=datetime.now(UTC),
                payload={"t": secret},
                idempotency_key="same-key",
                status="pending",
                attempts=0,
                created_at=datetime.now(UTC),
            )
        )

    with pytest.raises(IntegrityError) as caught:
        await db.run(duplicate)
    assert secret not in str(caught.value)
