"""The database: URL normalisation, the async engine, and the unit of work.

``async with db.unit() as repo:`` is one transaction per handled event: it commits when
the block ends and rolls everything back when it raises.

On SQLite every transaction starts with ``BEGIN IMMEDIATE``: units of work take the
write lock up front, one at a time, and wait for it (``busy_timeout``) instead of failing
halfway when two of them read first and then both try to write. Schema changes run with
foreign-key enforcement off, as SQLite prescribes for rebuilding a table (which Alembic's
batch mode does): with it on, dropping the old ``users`` table would cascade-delete every
row that points at it.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Iterator, Mapping
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.pool import ConnectionPoolEntry

from storage.errors import DatabaseUnavailable, StorageError
from storage.models import utc_now
from storage.repository import Clock, Repository

SQLITE_DRIVER = "sqlite+aiosqlite"
POSTGRESQL_DRIVER = "postgresql+asyncpg"
_DRIVERS = {
    "sqlite": SQLITE_DRIVER,
    SQLITE_DRIVER: SQLITE_DRIVER,
    "postgres": POSTGRESQL_DRIVER,
    "postgresql": POSTGRESQL_DRIVER,
    "postgresql+psycopg2": POSTGRESQL_DRIVER,
    POSTGRESQL_DRIVER: POSTGRESQL_DRIVER,
}
ACCEPTED_FORMS = (
    "sqlite:///relative/path.sqlite3, sqlite:////absolute/path.sqlite3, "
    "sqlite+aiosqlite:///…, postgres://…, postgresql://…, postgresql+psycopg2://… "
    "or postgresql+asyncpg://…"
)
_FOREIGN_KEYS_OFF = "netwerkwijzer_sqlite_foreign_keys_off"
SQLITE_PRAGMAS = (
    "PRAGMA busy_timeout=5000",
    "PRAGMA foreign_keys=ON",
    "PRAGMA synchronous=NORMAL",
)


def _parse(url: str) -> URL:
    scheme, separator, _rest = url.partition("://")
    driver = _DRIVERS.get(scheme.lower()) if separator else None
    if driver is None:
        # Only the scheme is quoted back: the rest may hold a password.
        found = f"scheme {scheme!r}" if separator else "URL without a scheme"
        raise StorageError(f"unsupported database {found}: use {ACCEPTED_FORMS}")
    try:
        parsed = make_url(url)
    except ArgumentError as error:
        raise StorageError(f"cannot parse the database URL: use {ACCEPTED_FORMS}") from error
    parsed = parsed.set(drivername=driver)
    if driver == POSTGRESQL_DRIVER and "sslmode" in parsed.query:
        # libpq's sslmode (as hosting platforms hand it out) is asyncpg's ssl.
        query = dict(parsed.query)
        query["ssl"] = query.pop("sslmode")
        parsed = parsed.set(query=query)
    return parsed


def normalize_url(url: str) -> str:
    """The URL with the async driver we use: aiosqlite for SQLite, asyncpg for PostgreSQL.

    >>> normalize_url("postgres://bot@db.example/netwerk")
    'postgresql+asyncpg://bot@db.example/netwerk'

    Raise :class:`StorageError` for any other kind of URL.
    """
    return _parse(url).render_as_string(hide_password=False)


def _is_memory(url: URL) -> bool:
    return url.database in (None, "", ":memory:") or url.query.get("mode") == "memory"


class Database:
    """One engine and its sessions; ``unit()`` opens a unit of work.

    ``connect_args`` go to the driver (tests use them to give each test its own
    PostgreSQL schema); ``clock`` stamps every time the repository writes.
    """

    def __init__(
        self,
        url: str,
        *,
        clock: Clock = utc_now,
        connect_args: Mapping[str, Any] | None = None,
    ) -> None:
        parsed = _parse(url)
        self.url = parsed.render_as_string(hide_password=True)
        self.is_sqlite = parsed.drivername == SQLITE_DRIVER
        self.clock = clock
        args = dict(connect_args or {})
        if self.is_sqlite:
            memory = _is_memory(parsed)
            if not memory and parsed.database:
                Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
            # Every unit ends in COMMIT or ROLLBACK, so the pool need not roll back again.
            self.engine: AsyncEngine = create_async_engine(
                parsed, connect_args=args, pool_reset_on_return=None
            )
            _configure_sqlite(self.engine, wal=not memory)
        else:
            self.engine = create_async_engine(
                parsed, connect_args=args, pool_pre_ping=True, pool_size=5, max_overflow=5
            )
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False)
        # SQLite has one writer at a time; units of this process queue here, on the event
        # loop, instead of in SQLite's busy handler, which sleeps in growing steps.
        self._sqlite_turn = asyncio.Lock() if self.is_sqlite else None

    @asynccontextmanager
    async def unit(self) -> AsyncIterator[Repository]:
        """One transaction: commit when the block ends, roll back when it raises."""
        async with self._transaction() as session:
            yield Repository(session, clock=self.clock)

    @asynccontextmanager
    async def connection(self, *, schema_change: bool = False) -> AsyncIterator[AsyncConnection]:
        """A connection in one transaction (committed when the block ends).

        ``schema_change=True`` is for migrations: on SQLite, foreign keys are not enforced
        during the transaction and are checked (``PRAGMA foreign_key_check``) before the
        commit instead.
        """
        options = {_FOREIGN_KEYS_OFF: True} if schema_change and self.is_sqlite else {}
        async with self._transaction(options) as session:
            connection = await session.connection()
            yield connection
            if options:
                await _check_foreign_keys(connection)

    @asynccontextmanager
    async def _transaction(
        self, options: Mapping[str, Any] | None = None
    ) -> AsyncIterator[AsyncSession]:
        async with contextlib.AsyncExitStack() as stack:
            if self._sqlite_turn is not None:
                await stack.enter_async_context(self._sqlite_turn)
            session = await stack.enter_async_context(self.sessions())
            await stack.enter_async_context(session.begin())
            with self._reaching():
                await session.connection(execution_options=dict(options or {}))
            yield session

    @contextmanager
    def _reaching(self) -> Iterator[None]:
        """Turn a failure to connect (or to begin) into :class:`DatabaseUnavailable`."""
        try:
            yield
        except (OSError, DBAPIError) as error:
            raise DatabaseUnavailable(f"cannot use the database at {self.url}: {error}") from error

    async def dispose(self) -> None:
        """Close every pooled connection; call once when the program stops."""
        await self.engine.dispose()


async def _check_foreign_keys(connection: AsyncConnection) -> None:
    violations = (await connection.exec_driver_sql("PRAGMA foreign_key_check")).all()
    if violations:
        tables = sorted({str(row[0]) for row in violations})
        raise StorageError(f"schema change left broken foreign keys in {', '.join(tables)}")


def _configure_sqlite(engine: AsyncEngine, *, wal: bool) -> None:
    """Pragmas on every new connection, and our own BEGIN (see the module docstring)."""
    pragmas = (*SQLITE_PRAGMAS, "PRAGMA journal_mode=WAL") if wal else SQLITE_PRAGMAS

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
        # Let SQLAlchemy, not the sqlite3 module, decide where transactions begin.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            for pragma in pragmas:
                cursor.execute(pragma)
        finally:
            cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Connection) -> None:
        # The pragma only works outside a transaction, so it is set (or reset) just
        # before BEGIN; ``info`` remembers the setting of each pooled connection.
        off = bool(connection.get_execution_options().get(_FOREIGN_KEYS_OFF))
        info = connection.connection.info
        if info.get(_FOREIGN_KEYS_OFF, False) != off:
            connection.exec_driver_sql(f"PRAGMA foreign_keys={'OFF' if off else 'ON'}")
            info[_FOREIGN_KEYS_OFF] = off
        connection.exec_driver_sql("BEGIN IMMEDIATE")
