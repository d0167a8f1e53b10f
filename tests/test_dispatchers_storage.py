"""The dispatchers' heartbeats: renewed, counted within the liveness window, forgotten
long after, deleted on leaving. SQLite always, PostgreSQL when ``TEST_DATABASE_URL`` is
set (see ``tests/storage_fixtures.py``)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import select

from storage import Database, DispatcherHeartbeat
from storage.migrate import upgrade

if TYPE_CHECKING:
    from tests.storage_fixtures import FakeClock

pytest_plugins = ["tests.storage_fixtures"]

ALIVE = timedelta(seconds=15)
FORGET = timedelta(minutes=5)


async def beat(db: Database, name: str) -> int:
    return await db.run(lambda repo: repo.dispatchers.heartbeat(name, ALIVE, FORGET))


async def rows(db: Database) -> dict[str, datetime]:
    query = select(DispatcherHeartbeat.name, DispatcherHeartbeat.seen_at)
    return await db.run_connection(lambda c: {name: at for name, at in c.execute(query)})


async def test_each_dispatcher_counts_itself_and_the_others(db: Database, clock: FakeClock) -> None:
    assert await beat(db, "web.1:11") == 1
    assert await beat(db, "web.2:22") == 2
    clock.advance(seconds=5)
    assert await beat(db, "web.1:11") == 2
    assert await rows(db) == {"web.1:11": clock(), "web.2:22": clock() - timedelta(seconds=5)}


async def test_one_not_seen_within_the_window_is_not_counted(
    db: Database, clock: FakeClock
) -> None:
    await beat(db, "web.1:11")
    await beat(db, "web.2:22")
    clock.advance(seconds=15)
    assert await beat(db, "web.1:11") == 2, "exactly the window old: still running"
    clock.advance(seconds=1)
    assert await beat(db, "web.1:11") == 1
    assert set(await rows(db)) == {"web.1:11", "web.2:22"}, "not yet forgotten"
    assert await beat(db, "web.2:22") == 2, "back again"


async def test_one_not_seen_for_long_is_forgotten(db: Database, clock: FakeClock) -> None:
    await beat(db, "web.1:11")
    await beat(db, "web.2:22")
    clock.advance(minutes=5)
    await beat(db, "web.1:11")
    assert set(await rows(db)) == {"web.1:11", "web.2:22"}, "exactly FORGET old: kept"
    clock.advance(seconds=1)
    assert await beat(db, "web.1:11") == 1
    assert await rows(db) == {"web.1:11": clock()}


async def test_leaving_deletes_only_the_own_row(db: Database) -> None:
    await beat(db, "web.1:11")
    await beat(db, "web.2:22")
    await db.run(lambda repo: repo.dispatchers.leave("web.2:22"))
    assert set(await rows(db)) == {"web.1:11"}
    assert await beat(db, "web.1:11") == 1
    await db.run(lambda repo: repo.dispatchers.leave("web.9:99"))  # never there: no error
    assert set(await rows(db)) == {"web.1:11"}


async def test_concurrent_heartbeats_of_several_processes(
    make_database: Callable[[], Database], clock: FakeClock
) -> None:
    """Two handles (processes), each beating for several names at once, some the same."""
    first, second = make_database(), make_database()
    await upgrade(first)
    names = [f"web.{n}:{n}" for n in range(5)]
    counts = await asyncio.gather(
        *(beat(first, name) for name in names), *(beat(second, name) for name in names)
    )
    assert all(1 <= count <= len(names) for count in counts)
    assert max(counts) == len(names)
    assert await rows(second) == dict.fromkeys(names, clock())
    assert await beat(first, names[0]) == len(names)
