"""The outbox dispatcher against the fake Bot API: due rows delivered once, in time,
with 429, 403, 5xx, downtime and crashes handled."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from telegram import Bot

from bot.dispatcher import Dispatcher, DispatchSettings
from knowledge.store import KnowledgeStore
from storage import Database, Repository
from storage.migrate import upgrade
from tests.fakebotapi import FakeBotAPI

START = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
FAST = DispatchSettings(per_second=1000.0, idle_interval=0.01, backoff=timedelta(seconds=30))


class Clock:
    """Time that only moves when a test says so."""

    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def api() -> AsyncIterator[FakeBotAPI]:
    async with FakeBotAPI() as server:
        yield server
        assert not server.internal_errors


@pytest.fixture
async def telegram_bot(api: FakeBotAPI) -> AsyncIterator[Bot]:
    bot = api.make_bot()
    await bot.initialize()
    yield bot
    await bot.shutdown()


@pytest.fixture
async def database(tmp_path: Path, clock: Clock) -> AsyncIterator[Database]:
    db = Database(f"sqlite:///{tmp_path / 'outbox.sqlite3'}", clock=clock)
    await upgrade(db)
    yield db
    await db.dispose()


@pytest.fixture(scope="module")
def knowledge_store() -> Iterator[KnowledgeStore]:
    yield KnowledgeStore()


def dispatcher(
    db: Database, store: KnowledgeStore, bot: Bot, clock: Clock, name: str = "a"
) -> Dispatcher:
    return Dispatcher(db, store, bot, clock, FAST, claimer=name)


async def remind(
    db: Database, user: int, due: datetime, subject: str = "inclusief_vs_efficient"
) -> None:
    def schedule(repo: Repository) -> None:
        account = repo.get_or_create_user("telegram", str(user), "nl")
        repo.outbox.schedule(
            account.id, "reminder", due, {"subject": subject}, f"reminder:{user}:{subject}"
        )

    await db.run(schedule)


async def statuses(db: Database) -> dict[str, int]:
    return await db.run(lambda repo: repo.outbox.count_by_status())


async def test_a_due_reminder_is_sent_once_and_not_before(
    api: FakeBotAPI,
    telegram_bot: Bot,
    database: Database,
    knowledge_store: KnowledgeStore,
    clock: Clock,
) -> None:
    api.add_user(101)
    await remind(database, 101, START + timedelta(days=7))
    worker = dispatcher(database, knowledge_store, telegram_bot, clock)
    assert await worker.drain_once() == 0
    clock.now = START + timedelta(days=7, minutes=1)
    assert await worker.drain_once() == 1
    assert await worker.drain_once() == 0
    sent = api.sent_to(101)
    assert len(sent) == 1 and "Inclusief versus efficiënt" in (sent[0].plain_text or "")
    assert sent[0].buttons[0]["callback_data"] == "1:b:show:inclusief_vs_efficient"
    assert (await statuses(database)).get("sent") == 1


async def test_blocked_user_is_marked_and_gets_nothing_more(
    api: FakeBotAPI,
    telegram_bot: Bot,
    database: Database,
    knowledge_store: KnowledgeStore,
    clock: Clock,
) -> None:
    api.add_user(102)
    api.block(102)
    await remind(database, 102, START, subject="advice")
    await remind(database, 102, START + timedelta(days=3), subject="stabiliseren_vs_uitbreiden")
    worker = dispatcher(database, knowledge_store, telegram_bot, clock)
    await worker.drain_once()
    clock.now = START + timedelta(days=4)
    assert await worker.drain_once() == 0
    assert api.sent_to(102) == []
    counts = await statuses(database)
    assert counts.get("failed") == 1 and counts.get("cancelled") == 1
    blocked = await database.run(
        lambda repo: repo.get_or_create_user("telegram", "102", "nl").blocked
    )
    assert blocked


async def test_429_pauses_and_delivers_later(
    api: FakeBotAPI,
    telegram_bot: Bot,
    database: Database,
    knowledge_store: KnowledgeStore,
    clock: Clock,
) -> None:
    api.add_user(103)
    await remind(database, 103, START)
    api.fail_next("sendMessage", status=429, retry_after=1)
    worker = dispatcher(database, knowledge_store, telegram_bot, clock)
    await worker.drain_once()
    assert api.sent_to(103) == [] and (await statuses(database)).get("pending") == 1
    assert await worker.drain_once() == 0  # not due again before retry_after
    clock.now = START + timedelta(seconds=2)
    assert await worker.drain_once() == 1
    assert len(api.sent_to(103)) == 1


async def test_network_errors_back_off_then_fail_with_a_reason(
    api: FakeBotAPI,
    telegram_bot: Bot,
    database: Database,
    knowledge_store: KnowledgeStore,
    clock: Clock,
) -> None:
    api.add_user(104)
    await remind(database, 104, START)
    api.fail_next("sendMessage", status=502, times=10)
    worker = dispatcher(database, knowledge_store, telegram_bot, clock)
    for _ in range(6):
        await worker.drain_once()
        clock.now += timedelta(hours=2)
    counts = await statuses(database)
    assert counts.get("failed") == 1 and api.sent_to(104) == []


async def test_overdue_after_downtime_is_skipped(
    api: FakeBotAPI,
    telegram_bot: Bot,
    database: Database,
    knowledge_store: KnowledgeStore,
    clock: Clock,
) -> None:
    api.add_user(105)
    await remind(database, 105, START)
    await remind(database, 105, START + timedelta(days=2, hours=12), subject="advice")
    clock.now = START + timedelta(days=3)
    await dispatcher(database, knowledge_store, telegram_bot, clock).drain_once()
    counts = await statuses(database)
    assert counts.get("skipped") == 1 and counts.get("sent") == 1
    assert len(api.sent_to(105)) == 1


async def test_a_claim_left_by_a_crash_is_delivered_once_after_the_lease(
    api: FakeBotAPI,
    telegram_bot: Bot,
    database: Database,
    knowledge_store: KnowledgeStore,
    clock: Clock,
) -> None:
    api.add_user(106)
    await remind(database, 106, START)
    crashed = await database.run(
        lambda repo: repo.outbox.claim_due(START, 10, "crashed-process", FAST.lease)
    )
    assert len(crashed) == 1
    worker = dispatcher(database, knowledge_store, telegram_bot, clock, name="b")
    assert await worker.drain_once() == 0  # still leased to the crashed process
    clock.now = START + FAST.lease + timedelta(seconds=1)
    assert await worker.drain_once() == 1
    assert await worker.drain_once() == 0
    assert len(api.sent_to(106)) == 1


async def test_two_dispatchers_deliver_every_row_exactly_once(
    api: FakeBotAPI,
    telegram_bot: Bot,
    database: Database,
    knowledge_store: KnowledgeStore,
    clock: Clock,
) -> None:
    users = list(range(200, 260))
    for user in users:
        api.add_user(user)
        await remind(database, user, START)
    first = dispatcher(database, knowledge_store, telegram_bot, clock, name="one")
    second = dispatcher(database, knowledge_store, telegram_bot, clock, name="two")

    async def drain(worker: Dispatcher) -> None:
        while await worker.drain_once():
            pass

    await asyncio.gather(drain(first), drain(second))
    assert all(len(api.sent_to(user)) == 1 for user in users)
    assert (await statuses(database)).get("sent") == len(users)
