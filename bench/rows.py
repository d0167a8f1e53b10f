"""The databases the benchmarks start from: a fresh schema filled in one transaction, and
the users they fill it with."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import Connection, insert

from storage import Database, User
from storage.migrate import upgrade


async def prepare(url: str, fill: Callable[[Connection], None]) -> None:
    """The database at ``url`` with the current schema and what ``fill`` inserts."""
    db = Database(url)
    try:
        await upgrade(db)
        await db.run_connection(fill)
    finally:
        await db.dispose()


def insert_users(connection: Connection, count: int, first: int, now: datetime) -> None:
    """``count`` Telegram users (ids from ``first`` on) who agreed to the privacy
    statement; their row ids are 1 to ``count`` in a fresh database."""
    connection.execute(
        insert(User),
        [
            {
                "channel": "telegram",
                "channel_user_id": str(first + i),
                "language": "nl",
                "created_at": now,
                "last_seen_at": now,
                "consent": True,
            }
            for i in range(count)
        ],
    )
