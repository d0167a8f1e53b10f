"""Database fixtures: a fresh database per test, on SQLite and — when the environment
variable ``TEST_DATABASE_URL`` names a PostgreSQL server — on PostgreSQL too.

Each PostgreSQL test gets a schema of its own (``search_path`` set per connection), which
is dropped afterwards, so tests never see each other's tables or ``alembic_version``.
Every :class:`~storage.Database` made here is disposed at teardown.

Use from a test module with ``pytest_plugins = ["tests.storage_fixtures"]``.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection, text

from storage import Database
from storage.migrate import upgrade

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "").strip()
START = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


class FakeClock:
    """A clock that stands still until a test moves it."""

    def __init__(self, now: datetime = START) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


@dataclass(frozen=True)
class DatabaseTarget:
    """Where a test's database lives, and how to connect to it."""

    dialect: str  # "sqlite" | "postgresql"
    url: str
    connect_args: dict[str, Any] = field(default_factory=dict)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture(
    params=[
        "sqlite",
        pytest.param(
            "postgresql",
            marks=pytest.mark.skipif(
                not TEST_DATABASE_URL, reason="set TEST_DATABASE_URL to test on PostgreSQL"
            ),
        ),
    ]
)
async def database_target(
    request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[DatabaseTarget]:
    """A SQLite file in a directory that does not exist yet, or a fresh PostgreSQL schema."""
    if request.param == "sqlite":
        yield DatabaseTarget("sqlite", f"sqlite:///{tmp_path}/data/netwerkwijzer.sqlite3")
        return
    schema = f"test_{uuid.uuid4().hex}"
    admin = Database(TEST_DATABASE_URL)

    def execute(statement: str) -> Callable[[Connection], None]:
        return lambda connection: connection.execute(text(statement)).close()

    try:
        await admin.run_connection(execute(f'CREATE SCHEMA "{schema}"'))
        yield DatabaseTarget(
            "postgresql", TEST_DATABASE_URL, {"server_settings": {"search_path": schema}}
        )
    finally:
        await admin.run_connection(execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        await admin.dispose()


@pytest.fixture
async def make_database(
    database_target: DatabaseTarget, clock: FakeClock
) -> AsyncIterator[Callable[[], Database]]:
    """Open more handles on the test's database (each one disposed at teardown)."""
    opened: list[Database] = []

    def make() -> Database:
        db = Database(database_target.url, clock=clock, connect_args=database_target.connect_args)
        opened.append(db)
        return db

    yield make
    for db in opened:
        await db.dispose()


@pytest.fixture
def empty_db(make_database: Callable[[], Database]) -> Database:
    """The test's database, without any tables."""
    return make_database()


@pytest.fixture
async def db(empty_db: Database) -> Database:
    """The test's database, migrated to the newest schema."""
    await upgrade(empty_db)
    return empty_db
