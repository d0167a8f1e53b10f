"""The outbox from the outbox sender's side: claiming, settling, cancelling, snoozing.

Against real databases, like ``tests/test_storage.py``: SQLite always, PostgreSQL when
``TEST_DATABASE_URL`` is set (see ``tests/storage_fixtures.py``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import pytest
from sqlalchemy import Connection, event, insert, select, text
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.orm import Session

from storage import (
    Database,
    OutboxItem,
    OutboxKind,
    OutboxMessage,
    Repository,
    User,
    normalize_url,
)

if TYPE_CHECKING:
    from tests.storage_fixtures import DatabaseTarget, FakeClock

pytest_plugins = ["tests.storage_fixtures"]

LEASE = timedelta(minutes=5)


async def new_user(db: Database, channel_user_id: str = "1001", language: str = "nl") -> int:
    return await db.run(
        lambda repo: repo.get_or_create_user("telegram", channel_user_id, language).id
    )


async def schedule(
    db: Database,
    user_id: int,
    key: str,
    due_at: datetime,
    kind: OutboxKind = "reminder",
    lane: str = "bulk",
    payload: dict[str, Any] | None = None,
) -> int:
    """Schedule one message; returns its id."""
    assert await db.run(
        lambda repo: repo.outbox.schedule(user_id, kind, due_at, payload or {}, key, lane=lane)
    )
    query = select(OutboxMessage.id).where(OutboxMessage.idempotency_key == key)
    return await db.run_connection(lambda connection: connection.execute(query).scalar_one())


async def claim(
    db: Database,
    now: datetime,
    claimer: str = "a",
    limit: int = 50,
    lane: str | None = None,
) -> list[OutboxItem]:
    return await db.run(lambda repo: repo.outbox.claim_due(now, limit, claimer, LEASE, lane))


async def row(db: Database, item_id: int) -> Any:
    query = select(OutboxMessage).where(OutboxMessage.id == item_id)
    return await db.run_connection(lambda connection: connection.execute(query).one())


def ids(items: Sequence[OutboxItem]) -> list[int]:
    return [item.id for item in items]


# claiming


async def test_claim_returns_only_due_rows_oldest_first_up_to_limit(
    db: Database, clock: FakeClock
) -> None:
    now = clock.now
    user_id = await new_user(db, "1001", "en")
    later = await schedule(db, user_id, "later", now + timedelta(minutes=1))
    hour_ago = await schedule(db, user_id, "1h", now - timedelta(hours=1), payload={"n": 1})
    three_ago = await schedule(db, user_id, "3h", now - timedelta(hours=3), kind="nudge")
    two_ago = await schedule(db, user_id, "2h", now - timedelta(hours=2))
    just_now = await schedule(db, user_id, "now", now)
    same_time = await schedule(db, user_id, "now too", now)  # a tie: by id

    first = await claim(db, now, limit=3)
    assert ids(first) == [three_ago, two_ago, hour_ago]
    assert first[0] == OutboxItem(
        id=three_ago,
        user_id=user_id,
        channel="telegram",
        channel_user_id="1001",
        language="en",
        kind="nudge",
        lane="bulk",
        payload={},
        attempts=1,
        due_at=now - timedelta(hours=3),
    )
    assert first[2].payload == {"n": 1}
    assert ids(await claim(db, now)) == [just_now, same_time]
    assert await claim(db, now) == []

    claimed = await row(db, hour_ago)
    assert (claimed.status, claimed.claimed_by, claimed.claimed_at, claimed.attempts) == (
        "claimed",
        "a",
        now,
        1,
    )
    assert (await row(db, later)).status == "pending"
    assert ids(await claim(db, now + timedelta(minutes=1))) == [later]


async def test_claim_keeps_to_its_lane(db: Database, clock: FakeClock) -> None:
    user_id = await new_user(db)
    bulk = await schedule(db, user_id, "bulk", clock.now)
    fast = await schedule(db, user_id, "fast", clock.now, lane="fast")
    assert ids(await claim(db, clock.now, lane="fast")) == [fast]
    assert ids(await claim(db, clock.now, lane="fast")) == []
    assert ids(await claim(db, clock.now)) == [bulk]


async def test_claim_limit_and_lease_are_checked(db: Database, clock: FakeClock) -> None:
    user_id = await new_user(db)
    await schedule(db, user_id, "k", clock.now)
    assert await claim(db, clock.now, limit=0) == []
    with pytest.raises(ValueError, match="lease"):
        await db.run(lambda repo: repo.outbox.claim_due(clock.now, 5, "a", timedelta(0)))
    assert len(await claim(db, clock.now, limit=1)) == 1


async def test_a_claim_is_claimed_again_only_after_its_lease(
    db: Database, clock: FakeClock
) -> None:
    now = clock.now
    user_id = await new_user(db)
    item_id = await schedule(db, user_id, "k", now - timedelta(minutes=1))
    newer = await schedule(db, user_id, "newer", now)
    assert [(i.id, i.attempts) for i in await claim(db, now, "a", limit=1)] == [(item_id, 1)]

    # Claimer "a" dies before sending. Within its lease nobody else gets the row...
    almost = now + LEASE - timedelta(seconds=1)
    assert ids(await claim(db, almost, "b")) == [newer]
    assert await db.run(lambda repo: repo.outbox.mark_sent(newer, "b", almost))
    # ... then the next claimer does, ahead of newer rows, with one attempt more.
    expired = now + LEASE
    (again,) = await claim(db, expired, "c")
    assert (again.id, again.attempts) == (item_id, 2)
    reclaimed = await row(db, item_id)
    assert (reclaimed.claimed_by, reclaimed.claimed_at) == ("c", expired)

    # "a" comes back too late: the row is no longer its to settle.
    assert not await db.run(lambda repo: repo.outbox.mark_sent(item_id, "a", expired))
    assert await db.run(lambda repo: repo.outbox.mark_sent(item_id, "c", expired))
    assert await claim(db, expired + LEASE * 10, "d") == []  # sent rows never come back


async def test_mark_sent_only_by_the_claimer(db: Database, clock: FakeClock) -> None:
    user_id = await new_user(db)
    item_id = await schedule(db, user_id, "k", clock.now)
    assert not await db.run(lambda repo: repo.outbox.mark_sent(item_id, "a", clock.now))  # pending
    await claim(db, clock.now, "a")
    sent_at = clock.advance(seconds=2)
    assert not await db.run(lambda repo: repo.outbox.mark_sent(item_id, "b", sent_at))
    assert (await row(db, item_id)).status == "claimed"
    assert await db.run(lambda repo: repo.outbox.mark_sent(item_id, "a", sent_at))
    assert not await db.run(lambda repo: repo.outbox.mark_sent(item_id, "a", sent_at))  # once
    sent = await row(db, item_id)
    assert (sent.status, sent.sent_at, sent.claimed_by) == ("sent", sent_at, "a")


async def test_release_puts_the_message_back_for_later(db: Database, clock: FakeClock) -> None:
    now = clock.now
    user_id = await new_user(db)
    item_id = await schedule(db, user_id, "k", now)
    await claim(db, now, "a")
    retry_at = now + timedelta(seconds=30)
    assert not await db.run(lambda repo: repo.outbox.release(item_id, "b", retry_at, "429"))
    assert await db.run(lambda repo: repo.outbox.release(item_id, "a", retry_at, "429"))
    released = await row(db, item_id)
    assert (released.status, released.due_at, released.claimed_by, released.claimed_at) == (
        "pending",
        retry_at,
        None,
        None,
    )
    assert (released.last_error, released.attempts) == ("429", 1)
    assert not await db.run(lambda repo: repo.outbox.release(item_id, "a", retry_at))  # not claimed

    assert await claim(db, retry_at - timedelta(seconds=1), "a") == []
    (again,) = await claim(db, retry_at, "a")
    assert again.attempts == 2
    backoff = retry_at + timedelta(minutes=1)
    long_error = "ConnectionError: " + "x" * 400
    assert await db.run(lambda repo: repo.outbox.release(item_id, "a", backoff, long_error))
    assert (await row(db, item_id)).last_error == long_error[:255]
    (third,) = await claim(db, backoff, "a")
    assert await db.run(lambda repo: repo.outbox.release(item_id, "a", backoff))  # no error given
    assert (await row(db, item_id)).last_error == long_error[:255]  # the last one stays
    assert third.attempts == 3


async def test_mark_failed_and_skip_record_the_reason(db: Database, clock: FakeClock) -> None:
    user_id = await new_user(db)
    failing = await schedule(db, user_id, "f", clock.now)
    late = await schedule(db, user_id, "s", clock.now)
    await claim(db, clock.now, "a")
    assert not await db.run(lambda repo: repo.outbox.mark_failed(failing, "b", "nope"))
    assert not await db.run(lambda repo: repo.outbox.skip(late, "b", "nope"))
    assert await db.run(
        lambda repo: repo.outbox.mark_failed(failing, "a", "refused: chat not found")
    )
    assert await db.run(lambda repo: repo.outbox.skip(late, "a", "overdue by 2 days"))
    assert not await db.run(lambda repo: repo.outbox.skip(late, "a", "again"))
    failed, skipped = await row(db, failing), await row(db, late)
    assert (failed.status, failed.last_error) == ("failed", "refused: chat not found")
    assert (skipped.status, skipped.last_error) == ("skipped", "overdue by 2 days")
    assert await claim(db, clock.now + LEASE * 10, "c") == []


# the user's side: cancel, snooze, block


async def test_cancel_pending(db: Database, clock: FakeClock) -> None:
    now = clock.now
    user_id, other_id = await new_user(db, "1001"), await new_user(db, "2002")
    in_flight = await schedule(db, user_id, "r0", now)
    await claim(db, now, "a")
    for key in ("r1", "r2"):
        await schedule(db, user_id, key, now + timedelta(days=1))
    nudge = await schedule(db, user_id, "n1", now + timedelta(days=1), kind="nudge")
    others = await schedule(db, other_id, "o1", now + timedelta(days=1))

    assert await db.run(lambda repo: repo.outbox.cancel_pending(user_id, "reminder")) == 2
    assert [m.id for m in await db.run(lambda repo: repo.outbox.pending_for(user_id))] == [nudge]
    assert await db.run(lambda repo: repo.outbox.cancel_pending(user_id)) == 1
    assert await db.run(lambda repo: repo.outbox.cancel_pending(user_id)) == 0
    assert await db.run(lambda repo: repo.outbox.pending_for(user_id)) == []
    assert (await row(db, in_flight)).status == "claimed"  # being sent: left alone
    assert (await row(db, others)).status == "pending"
    assert await db.run(lambda repo: repo.outbox.mark_sent(in_flight, "a", now))
    assert ids(await claim(db, now + timedelta(days=2), "b")) == [others]


async def test_reschedule_pending(db: Database, clock: FakeClock) -> None:
    now = clock.now
    user_id, other_id = await new_user(db, "1001"), await new_user(db, "2002")
    in_flight = await schedule(db, user_id, "r0", now)
    await claim(db, now, "a")
    first = await schedule(db, user_id, "r1", now + timedelta(hours=1))
    second = await schedule(db, user_id, "r2", now + timedelta(hours=2))
    nudge = await schedule(db, user_id, "n1", now + timedelta(hours=1), kind="nudge")
    others = await schedule(db, other_id, "o1", now + timedelta(hours=1))
    snoozed = now + timedelta(days=3)

    assert (
        await db.run(lambda repo: repo.outbox.reschedule_pending(user_id, "reminder", snoozed)) == 2
    )
    due = {i: (await row(db, i)).due_at for i in (in_flight, first, second, nudge, others)}
    assert due == {
        in_flight: now,
        first: snoozed,
        second: snoozed,
        nudge: now + timedelta(hours=1),
        others: now + timedelta(hours=1),
    }
    assert await db.run(lambda repo: repo.outbox.mark_sent(in_flight, "a", now))
    assert ids(await claim(db, now + timedelta(days=1), "b")) == [nudge, others]
    assert await db.run(
        lambda repo: (
            repo.outbox.mark_sent(nudge, "b", now) and repo.outbox.mark_sent(others, "b", now)
        )
    )
    assert ids(await claim(db, snoozed, "b")) == [first, second]


async def test_set_blocked(db: Database) -> None:
    user_id, other_id = await new_user(db, "1001"), await new_user(db, "2002")

    async def blocked() -> dict[int, bool]:
        query = select(User.id, User.blocked)
        rows = await db.run_connection(lambda connection: connection.execute(query).all())
        return {r.id: r.blocked for r in rows}

    await db.run(lambda repo: repo.set_blocked(user_id, True))
    assert await blocked() == {user_id: True, other_id: False}
    await db.run(lambda repo: repo.set_blocked(user_id, False))
    assert await blocked() == {user_id: False, other_id: False}


async def test_count_by_status(db: Database, clock: FakeClock) -> None:
    empty = await db.run(lambda repo: repo.outbox.count_by_status())
    assert empty == dict.fromkeys(
        ("pending", "claimed", "sent", "failed", "skipped", "cancelled"), 0
    )
    user_id = await new_user(db)
    for key in ("a", "b", "c", "d"):
        await schedule(db, user_id, key, clock.now)
    later = await schedule(db, user_id, "later", clock.now + timedelta(days=1))
    first, second, *_ = await claim(db, clock.now, limit=3)
    await db.run(lambda repo: repo.outbox.mark_sent(first.id, "a", clock.now))
    await db.run(lambda repo: repo.outbox.mark_failed(second.id, "a", "no"))
    await db.run(lambda repo: repo.outbox.cancel_pending(user_id, "reminder"))
    counts = await db.run(lambda repo: repo.outbox.count_by_status())
    assert counts == {
        "pending": 0,
        "claimed": 1,
        "sent": 1,
        "failed": 1,
        "skipped": 0,
        "cancelled": 2,
    }
    assert (await row(db, later)).status == "cancelled"


# concurrency


async def test_two_claimers_never_get_the_same_row(
    db: Database, make_database: Callable[[], Database], clock: FakeClock
) -> None:
    """200 due rows, claimed in batches of 7 by two claimers, each with a database handle
    of its own. PostgreSQL: their units run concurrently (SKIP LOCKED); SQLite: a unit
    runs whole, so the claims alternate."""
    now = clock.now
    user_ids = [await new_user(db, str(1000 + n)) for n in range(10)]

    def fill(repo: Repository) -> None:
        for n in range(200):
            due = now - timedelta(seconds=n % 13)
            repo.outbox.schedule(user_ids[n % 10], "reminder", due, {"n": n}, f"k{n}")

    await db.run(fill)
    other = make_database()
    claimed: dict[str, list[int]] = {"a": [], "b": []}

    async def drain(handle: Database, claimer: str) -> None:
        while batch := await claim(handle, now, claimer, limit=7):
            assert len(batch) <= 7
            claimed[claimer] += ids(batch)
            await asyncio.sleep(0)  # let the other claimer in

    await asyncio.gather(drain(db, "a"), drain(other, "b"))
    every = claimed["a"] + claimed["b"]
    assert len(every) == len(set(every)) == 200
    assert claimed["a"] and claimed["b"]
    counts = await db.run(lambda repo: repo.outbox.count_by_status())
    assert (counts["claimed"], counts["pending"]) == (200, 0)


async def test_a_claim_passes_over_rows_another_claim_holds(
    db: Database, database_target: DatabaseTarget, clock: FakeClock
) -> None:
    """PostgreSQL: a claim whose transaction is still open holds its rows locked; a second
    claim takes the next rows instead of waiting, and the first claim's rows come back
    when it rolls back."""
    if database_target.dialect != "postgresql":
        pytest.skip("row locks are PostgreSQL's; SQLite's units are serialised")
    now = clock.now
    user_id = await new_user(db)
    for n in range(20):
        await schedule(db, user_id, f"k{n}", now - timedelta(minutes=20 - n))
    everything = [i.id for i in await db.run(lambda repo: repo.outbox.pending_for(user_id))]
    engine = create_async_engine(
        normalize_url(database_target.url), connect_args=database_target.connect_args
    )

    def claim_in_open_transaction(connection: Connection) -> list[int]:
        with Session(bind=connection) as session:
            return ids(Repository(session, clock).outbox.claim_due(now, 7, "slow", LEASE))

    try:
        async with engine.connect() as connection:
            transaction = await connection.begin()
            held = await connection.run_sync(claim_in_open_transaction)
            assert held == everything[:7]
            passed = await asyncio.wait_for(claim(db, now, "fast", limit=7), timeout=5)
            assert ids(passed) == everything[7:14]
            await transaction.rollback()
    finally:
        await engine.dispose()
    assert ids(await claim(db, now, "next", limit=10)) == everything[:7] + everything[14:17]


# the index


async def test_claim_walks_the_status_due_at_index(
    db: Database, database_target: DatabaseTarget, clock: FakeClock
) -> None:
    """With many rows pending but few due, the claim reads the index, not the table."""
    now = clock.now
    user_id = await new_user(db)
    rows = [
        {
            "user_id": user_id,
            "kind": "reminder",
            "lane": "bulk",
            "due_at": now + timedelta(minutes=n - 10),  # the first 10 are due
            "payload": {},
            "idempotency_key": f"k{n}",
            "status": "pending",
            "attempts": 0,
            "created_at": now,
        }
        for n in range(5000)
    ]
    await db.run_connection(lambda connection: connection.execute(insert(OutboxMessage), rows))
    await db.run_connection(lambda connection: connection.execute(text("ANALYZE")))

    statements: list[tuple[str, Any]] = []

    def capture(*args: Any) -> None:
        statements.append((args[2], args[3]))

    event.listen(db.sync_engine, "before_cursor_execute", capture)
    try:
        assert len(await claim(db, now, limit=5)) == 5
    finally:
        event.remove(db.sync_engine, "before_cursor_execute", capture)
    explain = "EXPLAIN QUERY PLAN " if database_target.dialect == "sqlite" else "EXPLAIN "
    plans = []
    for statement, parameters in statements:
        if "FROM outbox" not in statement:
            continue  # BEGIN, and SQLite's UPDATE by id

        def plan(connection: Connection, sql: str = statement, p: Any = parameters) -> str:
            result = connection.exec_driver_sql(explain + sql, p)
            return "\n".join(str(r[-1]) for r in result)

        plans.append(await db.run_connection(plan))
    # SQLite: one SELECT for stale claims, one for due rows; PostgreSQL: one UPDATE.
    assert len(plans) == (2 if database_target.dialect == "sqlite" else 1)
    for text_plan in plans:
        assert "ix_outbox_status_due_at" in text_plan
        assert "SCAN outbox" not in text_plan and "Seq Scan on outbox" not in text_plan
