"""The database: URL normalisation, the engines, and the unit of work.

``await db.run(work)`` is one unit of work: ``work(repo)`` — a plain function, given a
synchronous :class:`~storage.repository.Repository` — runs in one transaction, which is
committed when ``work`` returns and rolled back when it raises. ``await
db.run_connection(work)`` does the same with a bare :class:`sqlalchemy.Connection`, for
migrations and tests.

SQLite is the embedded database. We use the standard ``sqlite3`` driver
(``sqlite+pysqlite``) synchronously and run each whole unit *inline*, on the event
loop's thread. A unit is ~1.5 ms of Python that needs the GIL on whichever thread it
runs, and in WAL mode with ``synchronous=NORMAL`` a commit does not fsync (only the
automatic checkpoint does, once per ~4 MB of WAL). Measured in the bot over HTTP on 2
cores: on a worker thread, GIL hand-offs with the loop (5 ms switch interval) made each
unit cost 4–5 ms and the bot peaked at ~72 updates/s; inline it reached ~93 updates/s,
and p95 latency at 50 updates/s fell from 23 to 12 ms. A sync unit never yields to the
loop, so units are serialised, as SQLite's one writer wants, and a unit that has started
always reaches its COMMIT or ROLLBACK. The one way left to block the loop is waiting for
a write lock held by *another process* (a CLI command, a second bot), so
``busy_timeout`` is short: 2 s, then :class:`~storage.errors.DatabaseUnavailable`.
PostgreSQL keeps the async driver (asyncpg) and many concurrent units; the same sync
``work`` runs there through SQLAlchemy's ``run_sync``, its queries awaited.

On SQLite every transaction starts with ``BEGIN IMMEDIATE``: a unit takes the write lock
up front and waits for it (``busy_timeout``) instead of failing halfway when it reads
first and then tries to write. Schema changes run with foreign-key enforcement off, as
SQLite prescribes for rebuilding a table (which Alembic's batch mode does): with it on,
dropping the old ``users`` table would cascade-delete every row that points at it.

Connections that die (a PostgreSQL restart or failover, a proxy's idle timeout): the pool
pings a PostgreSQL connection before handing it out (``pool_pre_ping``), so one that died
between units is replaced, and when the server is down the unit fails with
:class:`~storage.errors.DatabaseUnavailable`. A connection lost *during* a unit, before
its COMMIT, took its transaction with it: nothing was written, so the unit runs once
more, from scratch, on a new connection. A connection lost during the COMMIT is
different: the commit may have happened, so the unit is not run again and fails with
``DatabaseUnavailable`` (so does a unit that loses its connection a second time). "Lost"
is SQLAlchemy's verdict on the driver's error (``DBAPIError.connection_invalidated``:
asyncpg's connection is closed, sqlite3's "closed database"); any other error is the
unit's own and passes through. SQLite gets no pre-ping: a connection to a file does not
drop, and the ping would be one more statement in every unit of the hot path.
"""

from __future__ import annotations

import inspect
import logging
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping
from contextlib import asynccontextmanager, contextmanager
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import ConnectionPoolEntry, Pool, QueuePool, StaticPool

from storage.errors import DatabaseUnavailable, StorageError
from storage.models import Clock, utc_now
from storage.repository import Repository

if TYPE_CHECKING:  # SQLAlchemy's asyncio layer is for PostgreSQL only: loaded when used
    from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

T = TypeVar("T")

log = logging.getLogger(__name__)

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
    "PRAGMA busy_timeout=2000",  # blocks the event loop: keep it short
    "PRAGMA foreign_keys=ON",
    "PRAGMA synchronous=NORMAL",
    # Deleted content is overwritten with zeros, not just unlinked: after an erasure the
    # text is gone from the file, whatever SQLite's build default (see after_erasure).
    "PRAGMA secure_delete=ON",
    # SQLite's own page cache, per connection: 512 KiB instead of its 2 MiB. The bot's
    # reads are a few rows by key; the pages it no longer holds are a read from the
    # operating system's cache away (``python -m bench telegram``: 1 MB less resident
    # memory after the run, no fewer calls per second).
    "PRAGMA cache_size=-512",
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
    inline on the event loop (see the module docstring). Raise :class:`StorageError` for
    any other kind of URL.
    """
    return _parse(url).render_as_string(hide_password=False)


def _is_memory(url: URL) -> bool:
    return url.database in (None, "", ":memory:") or url.query.get("mode") == "memory"


class Database:
    """One database: ``run()`` and ``run_connection()`` each do one unit of work.

    ``connect_args`` go to the driver (tests use them to give each test its own
    PostgreSQL schema); ``clock`` stamps every time the repository writes. ``sync_engine``
    is the synchronous engine underneath, for event listeners; work goes through ``run``.

    On SQLite a database belongs to the thread that uses it (the event loop's): its
    connections are opened, used and closed there only.
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
        self._sync_sessions: sessionmaker[Session] | None = None
        self._async_engine: AsyncEngine | None = None
        self._async_sessions: async_sessionmaker[AsyncSession] | None = None
        self.file: Path | None = None
        """The SQLite database file (None: PostgreSQL, or SQLite in memory)."""
        if self.is_sqlite:
            memory = _is_memory(parsed)
            if not memory and parsed.database:
                self.file = Path(parsed.database).expanduser()
                self.file.parent.mkdir(parents=True, exist_ok=True)
            # The pool: units run inline on the event loop, one after the other, so at
            # most one connection is ever checked out, and it is only ever touched
            # (opened, used, closed by dispose()) on the loop's thread. A :memory:
            # database lives in its connection, so it gets StaticPool: that one
            # connection, kept. A file gets QueuePool, SQLAlchemy's own choice for files,
            # which replaces a connection that broke. Not SingletonThreadPool: it keys
            # connections by thread, which buys nothing with one thread and is documented
            # as a tool for test suites. sqlite3's check_same_thread stays on (SQLAlchemy
            # turns it off for files unless told): nothing shares a connection between
            # threads, so any use off the loop's thread fails loudly instead of racing.
            poolclass: type[Pool] = StaticPool if memory else QueuePool
            self.sync_engine: Engine = create_engine(
                parsed,
                connect_args={"check_same_thread": True, **args},
                poolclass=poolclass,
                # Every unit ends in COMMIT or ROLLBACK: the pool need not roll back again.
                pool_reset_on_return=None,
                # Errors name the statement, never its parameters (what users wrote).
                hide_parameters=True,
            )
            _configure_sqlite(self.sync_engine, wal=not memory)
            self._sync_sessions = sessionmaker(self.sync_engine, expire_on_commit=False)
        else:
            from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

            # pool_pre_ping: a connection that died while pooled (server restart) is
            # replaced at checkout instead of failing the unit's first statement.
            self._async_engine = create_async_engine(
                parsed,
                connect_args=args,
                pool_pre_ping=True,
                pool_size=5,
                max_overflow=5,
                hide_parameters=True,
            )
            self.sync_engine = self._async_engine.sync_engine
            self._async_sessions = async_sessionmaker(self._async_engine, expire_on_commit=False)

    async def run(self, work: Callable[[Repository], T]) -> T:
        """One unit of work: ``work(repo)`` in one transaction; its result is returned.

        Commits when ``work`` returns, rolls back (and re-raises) when it raises. ``work``
        is a plain function: it must not await, and must not keep ``repo`` (or its
        session) beyond the call. It may be called a second time, in a new transaction,
        when the connection was lost before the commit (see the module docstring), so it
        must not do anything outside the database that cannot be done twice. On SQLite
        the whole unit runs inline, without yielding to the event loop: other units
        wait, and a cancellation of the awaiting task takes effect after the commit, at
        its next ``await``.
        """
        self._check_open()
        if self._sync_sessions is not None:
            return await self._retried(partial(self._run_inline, work))
        return await self._retried(partial(self._run_async, work))

    async def run_connection(
        self, work: Callable[[Connection], T], *, schema_change: bool = False
    ) -> T:
        """``work(connection)`` with a sync connection in one transaction, like :meth:`run`.

        ``schema_change=True`` is for migrations: on SQLite, foreign keys are not enforced
        during the transaction and are checked (``PRAGMA foreign_key_check``) before the
        commit instead.
        """
        self._check_open()
        if self._sync_sessions is not None:
            return await self._retried(partial(self._run_connection_inline, work, schema_change))
        return await self._retried(partial(self._run_connection_async, work))

    async def after_erasure(self) -> None:
        """Make erased data unreadable in the files, not only in the tables (SQLite).

        With ``secure_delete`` the pages are zeroed, but the write-ahead log still holds
        the pages as they were before, until a checkpoint moves them into the main file
        and later writes happen to reuse the log. A ``wal_checkpoint(TRUNCATE)`` right
        after the erasure copies the log into the (zeroed) main file and empties the log
        file. It needs no other connection to be reading; one that is (another process)
        leaves the log for the next erasure or the automatic checkpoint: logged.
        PostgreSQL: nothing here; its dead rows stay in the data files until VACUUM
        (autovacuum) reclaims them, and in WAL archives and backups (docs/operations.md).
        """
        self._check_open()
        if not self.is_sqlite:
            return
        try:
            raw = self.sync_engine.raw_connection()
            try:
                cursor = raw.cursor()
                try:
                    cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
                    busy = cursor.fetchone()
                finally:
                    cursor.close()
            finally:
                raw.close()
        except (DBAPIError, sqlite3.Error) as error:  # the erasure itself was committed
            log.warning("checkpoint after an erasure failed: %s", type(error).__name__)
            return
        if busy is not None and busy[0]:
            log.warning("checkpoint after an erasure was blocked by another reader")

    async def dispose(self) -> None:
        """Close every pooled connection; call when stopping.

        Safe to call twice. The database is closed for good: any unit of work asked for
        afterwards raises :class:`StorageError`.
        """
        if self._closed:
            return
        self._closed = True
        if self._async_engine is not None:
            await self._async_engine.dispose()
        else:
            self.sync_engine.dispose()  # on the loop's thread, which opened the connections

    # SQLite: inline, on the event loop's thread (async only to share _retried: these
    # never await, so a unit still runs whole without yielding to the loop)

    async def _run_inline(self, work: Callable[[Repository], T]) -> T:
        with self._sync_transaction() as session:
            return self._call(session, work)

    async def _run_connection_inline(
        self, work: Callable[[Connection], T], schema_change: bool
    ) -> T:
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
        with self._sync_sessions() as session, session.begin() as transaction:
            with self._reaching():
                session.connection(execution_options=options)
            yield session
            with self._committing():
                transaction.commit()

    # PostgreSQL: on the event loop

    async def _run_async(self, work: Callable[[Repository], T]) -> T:
        async with self._async_transaction() as session:
            return await session.run_sync(self._call, work)

    async def _run_connection_async(self, work: Callable[[Connection], T]) -> T:
        async with self._async_transaction() as session:
            connection = await session.connection()
            return await connection.run_sync(work)

    @asynccontextmanager
    async def _async_transaction(self) -> AsyncIterator[AsyncSession]:
        assert self._async_sessions is not None
        async with self._async_sessions() as session, session.begin() as transaction:
            with self._reaching():
                await session.connection()
            yield session
            with self._committing():
                await transaction.commit()

    # both

    async def _retried(self, unit: Callable[[], Awaitable[T]]) -> T:
        """``unit()``, run once more if it lost its connection before the commit.

        Safe because such a unit wrote nothing: its transaction died with the connection.
        A loss during the commit never reaches here as a ``DBAPIError`` (see
        :meth:`_committing`).
        """
        try:
            return await unit()
        except DBAPIError as error:
            if not error.connection_invalidated:
                raise
            log.warning(
                "lost the connection to the database at %s (%s); running the unit of work again",
                self.url,
                _driver_message(error),
            )
        try:
            return await unit()
        except DBAPIError as error:
            if not error.connection_invalidated:
                raise
            raise DatabaseUnavailable(
                f"lost the connection to the database at {self.url} twice in one unit of "
                f"work; nothing was written: {_driver_message(error)}"
            ) from error

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

    @contextmanager
    def _committing(self) -> Iterator[None]:
        """A connection lost during COMMIT: whether it committed is unknown, so the unit
        must not run again; it becomes :class:`DatabaseUnavailable`."""
        try:
            yield
        except DBAPIError as error:
            if not error.connection_invalidated:
                raise
            raise DatabaseUnavailable(
                f"lost the connection to the database at {self.url} during COMMIT: the unit "
                f"of work may or may not have been written: {_driver_message(error)}"
            ) from error


def _driver_message(error: DBAPIError) -> str:
    """The driver's own message, without the SQL and parameters SQLAlchemy adds (they may
    hold what users wrote, which never goes into the log)."""
    return str(error.orig) or type(error.orig).__name__


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
