"""The databases the benchmarks start from: a fresh schema filled in one transaction, and
the users they fill it with (and whom the fake Bot API then knows)."""

from __future__ import annotations

import tempfile
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import Connection, insert

from storage import Database, User
from storage.migrate import upgrade

if TYPE_CHECKING:
    from fakebotapi import FakeBotAPI


async def prepare(url: str, fill: Callable[[Connection], None]) -> None:
    """The database at ``url`` with the current schema and what ``fill`` inserts."""
    db = Database(url)
    try:
        await upgrade(db)
        await db.run_connection(fill)
    finally:
        await db.dispose()


@asynccontextmanager
async def filled_with_api(
    name: str, fill: Callable[[Connection], None], users: int, first_user: int
) -> AsyncIterator[tuple[str, FakeBotAPI]]:
    """A SQLite database ``name`` in a temporary folder, filled by ``fill`` (see
    :func:`prepare`), and a fake Bot API that knows the Telegram users ``first_user`` to
    ``first_user + users - 1``: the URL and the API."""
    from fakebotapi import FakeBotAPI

    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/{name}"
        await prepare(url, fill)
        async with FakeBotAPI() as api:
            for i in range(users):
                api.add_user(first_user + i)
            yield url, api


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
