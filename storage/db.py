"""The database: URL normalisation, the engines, and the unit of work.

``await db.run(work)`` is one unit of work: ``work(repo)`` — a plain function, given a
synchronous :class:`~storage.repository.Repository` — runs in one transaction, which is
committed when ``work`` returns and rolled back when it raises. ``await
db.run_connection(work)`` does the same with a bare :class:`sqlalchemy.Connection`, for
migrations and tests.

SQLite is the embedded database, and it has one writer at a time. Run asynchronously (as
aiosqlite does), every statement, fetch, BEGIN and COMMIT is a hop to the driver's thread
and back, ~12 per unit of work; on a busy event loop each hop waits for a loop iteration,
so a unit held the write lock for ~20 ms and the bot topped out at ~50 updates/s. So on
SQLite we use the standard ``sqlite3`` driver (``sqlite+pysqlite``) synchronously and run
each *whole* unit of work on one dedicated thread: the event loop stays free, a unit costs
one hop (~1.5 ms in all), and units are serialised by that thread itself, as SQLite's one
writer wants, instead of queueing in its busy handler. PostgreSQL keeps the async driver
(asyncpg) and many concurrent units; the same sync ``work`` runs there through
SQLAlchemy's ``run_sync``, on the event loop.

On SQLite every transaction starts with ``BEGIN IMMEDIATE``: a unit takes the write lock
up front and waits for it (``busy_timeout``, e.g. behind another process) instead of
failing halfway when it reads first and then tries to write. Schema changes run with
foreign-key enforcement off, as SQLite prescribes for rebuilding a table (which Alembic's
batch mode does): with it on, dropping the old ``users`` table would cascade-delete every
row that points at it.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import ConnectionPoolEntry, Pool, QueuePool, StaticPool

from storage.errors import DatabaseUnavailable, StorageError
from storage.models import utc_now
from storage.repository import Clock, Repository

T = TypeVar("T")

SQLITE_DRIVER = "sqlite+pysqlite"
POSTGRESQL_DRIVER = "postgresql+asyncpg"
_DRIVERS = {
    "sqlite": SQLITE_DRIVER,
    "sqlite+aiosqlite": SQLITE_DRIVER,
    SQLITE_DRIVER: SQLITE_DRIVER,
    "postgres": POSTGRESQL_DRIVER,
    "postgresql": POSTGRESQL_DRIVER,
    "postgresql+psycopg2": POSTGRESQL_DRIVER,
    POSTGRESQL_DRIVER: POSTGRESQL_DRIVER,
}
ACCEPTED_FORMS = (
    "sqlite:///relative/path.sqlite3, sqlite:////absolute/path.sqlite3, "
    "sqlite+aiosqlite:///…, sqlite+pysqlite:///…, postgres://…, postgresql://…, "
    "postgresql+psycopg2://… or postgresql+asyncpg://…"
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
    """The URL with the driver we use: pysqlite for SQLite, asyncpg for PostgreSQL.

    >>> normalize_url("sqlite+aiosqlite:///data/nw.sqlite3")
    'sqlite+pysqlite:///data/nw.sqlite3'
    >>> normalize_url("postgres://bot@db.example/netwerk")
    'postgresql+asyncpg://bot@db.example/netwerk'

    SQLite gets the synchronous standard-library driver because whole units of work run
    in one thread of their own (see the module docstring). Raise :class:`StorageError`
    for any other kind of URL.
    """
    return _parse(url).render_as_string(hide_password=False)


def _is_memory(url: URL) -> bool:
    return url.database in (None, "", ":memory:") or url.query.get("mode") == "memory"


class Database:
    """One database: ``run()`` and ``run_connection()`` each do one unit of work.

    ``connect_args`` go to the driver (tests use them to give each test its own
    PostgreSQL schema); ``clock`` stamps every time the repository writes. ``sync_engine``
    is the synchronous engine underneath, for event listeners; work goes through ``run``.
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
        self._closed = False
        self._executor: ThreadPoolExecutor | None = None
        self._sync_sessions: sessionmaker[Session] | None = None
        self._async_engine: AsyncEngine | None = None
        self._async_sessions: async_sessionmaker[AsyncSession] | None = None
        if self.is_sqlite:
            memory = _is_memory(parsed)
            if not memory and parsed.database:
                Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
            # The pool: every unit runs on the one database thread, one after the other,
            # so at most one connection is ever checked out, and it is only ever touched
            # (opened, used, closed by dispose()) on that thread. A :memory: database
            # lives in its connection, so it gets StaticPool: that one connection, kept.
            # A file gets QueuePool, SQLAlchemy's own choice for files, which replaces a
            # connection that broke. Not SingletonThreadPool: it keys connections by
            # thread, which buys nothing with one thread and is documented as a tool for
            # test suites. sqlite3's check_same_thread stays on (SQLAlchemy turns it off
            # for files unless told): nothing needs to share the connection between
            # threads, so any use off the database thread fails loudly instead of racing.
            poolclass: type[Pool] = StaticPool if memory else QueuePool
            self.sync_engine: Engine = create_engine(
                parsed,
                connect_args={"check_same_thread": True, **args},
                poolclass=poolclass,
                # Every unit ends in COMMIT or ROLLBACK: the pool need not roll back again.
                pool_reset_on_return=None,
            )
            _configure_sqlite(self.sync_engine, wal=not memory)
            self._sync_sessions = sessionmaker(self.sync_engine, expire_on_commit=False)
        else:
            self._async_engine = create_async_engine(
                parsed, connect_args=args, pool_pre_ping=True, pool_size=5, max_overflow=5
            )
            self.sync_engine = self._async_engine.sync_engine
            self._async_sessions = async_sessionmaker(self._async_engine, expire_on_commit=False)

    async def run(self, work: Callable[[Repository], T]) -> T:
        """One unit of work: ``work(repo)`` in one transaction; its result is returned.

        Commits when ``work`` returns, rolls back (and re-raises) when it raises. ``work``
        is a plain function: it must not await, and must not keep ``repo`` (or its
        session) beyond the call. On SQLite it runs on the database thread; a unit that
        has started there runs to its end even when the awaiting task is cancelled, one
        still waiting its turn is dropped.
        """
        if self._sync_sessions is not None:
            return await self._in_thread(self._run_in_thread, work)
        self._check_open()
        async with self._async_transaction() as session:
            return await session.run_sync(self._call, work)

    async def run_connection(
        self, work: Callable[[Connection], T], *, schema_change: bool = False
    ) -> T:
        """``work(connection)`` with a sync connection in one transaction, like :meth:`run`.

        ``schema_change=True`` is for migrations: on SQLite, foreign keys are not enforced
        during the transaction and are checked (``PRAGMA foreign_key_check``) before the
        commit instead.
        """
        if self._sync_sessions is not None:
            return await self._in_thread(self._connection_in_thread, work, schema_change)
        self._check_open()
        async with self._async_transaction() as session:
            connection = await session.connection()
            return await connection.run_sync(work)

    async def dispose(self) -> None:
        """Close every pooled connection and stop the SQLite thread; call when stopping.

        Safe to call twice. The database is closed for good: units of work queued before
        still run, any asked for afterwards raise :class:`StorageError`.
        """
        if self._closed:
            return
        self._closed = True
        if self._async_engine is not None:
            await self._async_engine.dispose()
            return
        executor, self._executor = self._executor, None
        if executor is None:
            return  # never used: no thread, so no connection either
        try:
            # Queued behind every unit asked for so far, on the thread that opened the
            # connection (check_same_thread).
            await asyncio.get_running_loop().run_in_executor(executor, self.sync_engine.dispose)
        finally:
            executor.shutdown(wait=False)  # nothing can be queued behind: the thread ends

    # SQLite: the database thread

    async def _in_thread(self, function: Callable[..., T], *args: Any) -> T:
        self._check_open()
        if self._executor is None:
            self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sqlite")
        return await asyncio.get_running_loop().run_in_executor(self._executor, function, *args)

    def _run_in_thread(self, work: Callable[[Repository], T]) -> T:
        with self._sync_transaction() as session:
            return self._call(session, work)

    def _connection_in_thread(self, work: Callable[[Connection], T], schema_change: bool) -> T:
        options = {_FOREIGN_KEYS_OFF: True} if schema_change else None
        with self._sync_transaction(options) as session:
            connection = session.connection()
            result = work(connection)
            if schema_change:
                _check_foreign_keys(connection)
            return result

    @contextmanager
    def _sync_transaction(self, options: Mapping[str, Any] | None = None) -> Iterator[Session]:
        assert self._sync_sessions is not None
        with self._sync_sessions() as session, session.begin():
            with self._reaching():
                session.connection(execution_options=options)
            yield session

    # PostgreSQL: on the event loop

    @asynccontextmanager
    async def _async_transaction(self) -> AsyncIterator[AsyncSession]:
        assert self._async_sessions is not None
        async with self._async_sessions() as session, session.begin():
            with self._reaching():
                await session.connection()
            yield session

    # both

    def _call(self, session: Session, work: Callable[[Repository], T]) -> T:
        result = work(Repository(session, clock=self.clock))
        if inspect.isawaitable(result):
            if inspect.iscoroutine(result):
                result.close()  # never awaited, and never to be warned about
            raise TypeError(
                f"{work!r} returned an awaitable: the work of a unit is a plain function "
                "(the repository is synchronous); nothing was written"
            )
        return result

    def _check_open(self) -> None:
        if self._closed:
            raise StorageError(f"the database at {self.url} was closed (dispose() was called)")

    @contextmanager
    def _reaching(self) -> Iterator[None]:
        """Turn a failure to connect (or to begin) into :class:`DatabaseUnavailable`."""
        try:
            yield
        except (OSError, DBAPIError) as error:
            raise DatabaseUnavailable(f"cannot use the database at {self.url}: {error}") from error


def _check_foreign_keys(connection: Connection) -> None:
    violations = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
    if violations:
        tables = sorted({str(row[0]) for row in violations})
        raise StorageError(f"schema change left broken foreign keys in {', '.join(tables)}")


def _configure_sqlite(engine: Engine, *, wal: bool) -> None:
    """Pragmas on every new connection, and our own BEGIN (see the module docstring)."""
    pragmas = (*SQLITE_PRAGMAS, "PRAGMA journal_mode=WAL") if wal else SQLITE_PRAGMAS

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
        # Let SQLAlchemy, not the sqlite3 module, decide where transactions begin.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            for pragma in pragmas:
                cursor.execute(pragma)
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        # The pragma only works outside a transaction, so it is set (or reset) just
        # before BEGIN; ``info`` remembers the setting of each pooled connection.
        off = bool(connection.get_execution_options().get(_FOREIGN_KEYS_OFF))
        info = connection.connection.info
        if info.get(_FOREIGN_KEYS_OFF, False) != off:
            connection.exec_driver_sql(f"PRAGMA foreign_keys={'OFF' if off else 'ON'}")
            info[_FOREIGN_KEYS_OFF] = off
        connection.exec_driver_sql("BEGIN IMMEDIATE")
