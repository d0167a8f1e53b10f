"""The outbox with 100,000 pending nudges (1,000 due): the median time of one claim of the
next due batch (50 rows), on SQLite and, when ``BENCH_DATABASE_URL`` names one, on
PostgreSQL. Each claim is rolled back, so every round sees the same rows."""

from __future__ import annotations

import asyncio
import contextlib
import os
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection, insert

from bench.report import Figure
from bench.rows import insert_users
from storage import Database, OutboxMessage, Repository
from storage.migrate import upgrade

NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
LEASE = timedelta(minutes=5)
ROWS, DUE, USERS, BATCH = 100_000, 1_000, 10_000, 50


class _Rollback(Exception):
    """Raised at the end of a measured unit so the claim is undone."""


def fill(
    connection: Connection,
    *,
    due: int = DUE,
    first_user: int = 0,
    later: Callable[[int], datetime] = lambda i: NOW + timedelta(minutes=i),
) -> None:
    """``USERS`` users (Telegram ids from ``first_user`` on, privacy statement agreed) and
    ``ROWS`` pending nudges for them: ``due`` of them due by ``NOW``, row ``i`` of the
    rest due at ``later(i)``."""
    insert_users(connection, USERS, first_user, NOW)
    connection.execute(
        insert(OutboxMessage),
        [
            {
                "user_id": 1 + i % USERS,
                "kind": "nudge",
                "due_at": NOW - timedelta(seconds=due - i) if i < due else later(i),
                "payload": {"cohort": 1, "plan": "standaard", "step": "na_twee_weken"},
                "idempotency_key": f"bench:{i}",
                "status": "pending",
                "created_at": NOW,
            }
            for i in range(ROWS)
        ],
    )


async def _claims(db: Database, rounds: int) -> list[float]:
    await upgrade(db)
    await db.run_connection(fill)
    await db.run_connection(lambda c: c.exec_driver_sql("ANALYZE").close())
    timings: list[float] = []

    def claim(repo: Repository) -> None:
        started = time.perf_counter()
        items = repo.outbox.claim_due(NOW, BATCH, "bench", LEASE)
        timings.append(time.perf_counter() - started)
        assert len(items) == BATCH
        raise _Rollback

    for _ in range(rounds):
        with contextlib.suppress(_Rollback):
            await db.run(claim)
    return timings


async def _run(url: str, rounds: int) -> float:
    """On PostgreSQL everything happens in a schema of its own, dropped afterwards."""
    admin = Database(url)
    schema = None
    if not admin.is_sqlite:
        schema = f"bench_{uuid.uuid4().hex[:12]}"
        create = f"CREATE SCHEMA {schema}"
        await admin.run_connection(lambda c: c.exec_driver_sql(create).close())
    args = {"server_settings": {"search_path": schema}} if schema else None
    db = Database(url, connect_args=args)
    try:
        return statistics.median(await _claims(db, rounds)) * 1e3
    finally:
        await db.dispose()
        if schema:
            drop = f"DROP SCHEMA {schema} CASCADE"
            await admin.run_connection(lambda c: c.exec_driver_sql(drop).close())
        await admin.dispose()


def claim_next_batch(rounds: int = 200) -> list[Figure]:
    """Median claim time on SQLite (and PostgreSQL when BENCH_DATABASE_URL is set)."""
    figures = []
    with tempfile.TemporaryDirectory() as tmp:
        sqlite_ms = asyncio.run(_run(f"sqlite:///{tmp}/outbox.sqlite3", rounds))
    note = f"{ROWS:,} pending, {DUE:,} due, batch {BATCH}"
    figures.append(Figure("outbox claim, SQLite (median)", sqlite_ms, "ms", 10, note))
    url = os.environ.get("BENCH_DATABASE_URL")
    if url:
        pg_ms = asyncio.run(_run(url, rounds))
        figures.append(Figure("outbox claim, PostgreSQL (median)", pg_ms, "ms", 10, note))
    return figures
