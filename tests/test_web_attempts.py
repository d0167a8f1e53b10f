"""The dashboard's login attempts are counted in the database (issue 18): two processes
of the bot — here two separate handles on one database, each with its own engine and
connections — share one limit, on SQLite and on PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from storage import Database
from storage.models import WebAttempt

pytest_plugins = ["tests.storage_fixtures"]

PER_CLIENT, OVERALL = 4, 10


async def attempt(db: Database, clock: Any, client: str) -> bool:
    now = clock()
    return await db.run(
        lambda repo: repo.web.attempt(client, now, timedelta(minutes=1), PER_CLIENT, OVERALL)
    )


async def test_two_processes_share_one_limit_per_address(
    db: Database, make_database: Callable[[], Database], clock: Any
) -> None:
    other = make_database()  # the second process
    first = [await attempt(db, clock, "203.0.113.7") for _ in range(2)]
    second = [await attempt(other, clock, "203.0.113.7") for _ in range(2)]
    assert first + second == [True] * 4
    # The fifth is refused by either process, and a refused attempt is not counted.
    assert not await attempt(db, clock, "203.0.113.7")
    assert not await attempt(other, clock, "203.0.113.7")
    assert await attempt(other, clock, "198.51.100.2"), "another address has its own limit"
    clock.advance(seconds=61)
    assert await attempt(db, clock, "203.0.113.7"), "a minute later: allowed again"


async def test_the_overall_cap_holds_across_processes_and_addresses(
    db: Database, make_database: Callable[[], Database], clock: Any
) -> None:
    other = make_database()
    allowed = [await attempt(db if n % 2 else other, clock, f"192.0.2.{n}") for n in range(OVERALL)]
    assert allowed == [True] * OVERALL
    assert not await attempt(db, clock, "192.0.2.200")
    assert not await attempt(other, clock, "192.0.2.201")


async def test_only_a_hash_of_the_address_is_kept_and_only_for_the_window(
    db: Database, clock: Any
) -> None:
    await attempt(db, clock, "203.0.113.7")
    stored = await db.run(lambda repo: repo._session.scalars(select(WebAttempt.client_hash)).all())
    assert len(stored) == 1 and "203.0.113.7" not in stored[0] and len(stored[0]) == 64
    clock.advance(minutes=2)
    await attempt(db, clock, "198.51.100.2")
    left = await db.run(lambda repo: repo._session.scalars(select(WebAttempt.client_hash)).all())
    assert len(left) == 1 and left != stored, "the old attempt is forgotten"
