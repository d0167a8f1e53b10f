"""The outbox sender against the fake Bot API: due rows delivered once, in time,
with 429, 403, 5xx, downtime and crashes handled."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import time
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from telegram import Bot

from bot.telegram.outbox_sender import OutboxSender, SenderSettings
from fakebotapi import FakeBotAPI
from knowledge.store import KnowledgeStore
from storage import Database, DispatcherHeartbeat, Repository, User
from storage.migrate import upgrade
from tests.followup_helpers import People

START = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
FAST = SenderSettings(per_second=1000.0, idle_interval=0.01, backoff=timedelta(seconds=30))


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


@dataclass
class Rig:
    """The fake Bot API, a bot on it, a migrated database and the clock, for one test."""

    api: FakeBotAPI
    bot: Bot
    db: Database
    store: KnowledgeStore
    clock: Clock

    def worker(self, name: str = "a") -> OutboxSender:
        return OutboxSender(self.db, self.store, self.bot, self.clock, FAST, claimer=name)

    async def remind(
        self, user: int, due: datetime, subject: str = "inclusief_vs_efficient"
    ) -> None:
        def schedule(repo: Repository) -> None:
            account = repo.get_or_create_user("telegram", str(user), "nl")
            repo.outbox.schedule(
                account.id, "reminder", due, {"subject": subject}, f"reminder:{user}:{subject}"
            )

        await self.db.run(schedule)

    async def statuses(self) -> dict[str, int]:
        return await self.db.run(lambda repo: repo.outbox.count_by_status())


@pytest.fixture
def rig(
    api: FakeBotAPI,
    telegram_bot: Bot,
    database: Database,
    knowledge_store: KnowledgeStore,
    clock: Clock,
) -> Rig:
    return Rig(api, telegram_bot, database, knowledge_store, clock)


async def test_a_due_reminder_is_sent_once_and_not_before(rig: Rig) -> None:
    rig.api.add_user(101)
    await rig.remind(101, START + timedelta(days=7))
    worker = rig.worker()
    assert await worker.drain_once() == 0
    rig.clock.now = START + timedelta(days=7, minutes=1)
    assert await worker.drain_once() == 1
    assert await worker.drain_once() == 0
    sent = rig.api.sent_to(101)
    assert len(sent) == 1 and "Inclusief versus efficiënt" in (sent[0].plain_text or "")
    assert sent[0].buttons[0]["callback_data"] == "1:b:show:inclusief_vs_efficient"
    assert (await rig.statuses()).get("sent") == 1


async def test_blocked_user_is_marked_and_gets_nothing_more(rig: Rig) -> None:
    rig.api.add_user(102)
    rig.api.block(102)
    await rig.remind(102, START, subject="advice")
    await rig.remind(102, START + timedelta(days=3), subject="stabiliseren_vs_uitbreiden")
    worker = rig.worker()
    await worker.drain_once()
    rig.clock.now = START + timedelta(days=4)
    assert await worker.drain_once() == 0
    assert rig.api.sent_to(102) == []
    counts = await rig.statuses()
    assert counts.get("failed") == 1 and counts.get("cancelled") == 1
    blocked = await rig.db.run(
        lambda repo: repo.get_or_create_user("telegram", "102", "nl").blocked
    )
    assert blocked


async def test_429_pauses_and_delivers_later(rig: Rig) -> None:
    rig.api.add_user(103)
    await rig.remind(103, START)
    rig.api.fail_next("sendMessage", status=429, retry_after=1)
    worker = rig.worker()
    await worker.drain_once()
    assert rig.api.sent_to(103) == [] and (await rig.statuses()).get("pending") == 1
    assert await worker.drain_once() == 0  # not due again before retry_after
    rig.clock.now = START + timedelta(seconds=2)
    assert await worker.drain_once() == 1
    assert len(rig.api.sent_to(103)) == 1


async def test_network_errors_back_off_then_fail_with_a_reason(rig: Rig) -> None:
    rig.api.add_user(104)
    await rig.remind(104, START)
    rig.api.fail_next("sendMessage", status=502, times=10)
    worker = rig.worker()
    for _ in range(6):
        await worker.drain_once()
        rig.clock.now += timedelta(hours=2)
    counts = await rig.statuses()
    assert counts.get("failed") == 1 and rig.api.sent_to(104) == []


async def test_overdue_after_downtime_is_skipped(rig: Rig) -> None:
    rig.api.add_user(105)
    await rig.remind(105, START)
    await rig.remind(105, START + timedelta(days=2, hours=12), subject="advice")
    rig.clock.now = START + timedelta(days=3)
    await rig.worker().drain_once()
    counts = await rig.statuses()
    assert counts.get("skipped") == 1 and counts.get("sent") == 1
    assert len(rig.api.sent_to(105)) == 1


async def test_a_claim_left_by_a_crash_is_delivered_once_after_the_lease(rig: Rig) -> None:
    rig.api.add_user(106)
    await rig.remind(106, START)
    crashed = await rig.db.run(
        lambda repo: repo.outbox.claim_due(START, 10, "crashed-process", FAST.lease)
    )
    assert len(crashed) == 1
    worker = rig.worker("b")
    assert await worker.drain_once() == 0  # still leased to the crashed process
    rig.clock.now = START + FAST.lease + timedelta(seconds=1)
    assert await worker.drain_once() == 1
    assert await worker.drain_once() == 0
    assert len(rig.api.sent_to(106)) == 1


async def test_two_dispatchers_deliver_every_row_exactly_once(rig: Rig) -> None:
    users = list(range(200, 260))
    for user in users:
        rig.api.add_user(user)
        await rig.remind(user, START)
    first = rig.worker("one")
    second = rig.worker("two")

    async def drain(worker: OutboxSender) -> None:
        while await worker.drain_once():
            pass

    await asyncio.gather(drain(first), drain(second))
    assert all(len(rig.api.sent_to(user)) == 1 for user in users)
    assert (await rig.statuses()).get("sent") == len(users)


# -- follow-up nudges ---------------------------------------------------------------------


async def member_with_nudges(rig: Rig, member: int, *, advice: bool = False) -> People:
    """A coordinator's cohort (workshop Tuesday 24 November 09:00 UTC) that ``member`` joined."""
    people = People(rig.db, rig.clock, rig.store)
    await people.coordinator("5")
    _, code = await people.create_cohort("5", "Workshop", "24-11-2026 10:00")
    rig.api.add_user(member)
    await people.join_bot(str(member), code)
    if advice:
        await people.send(str(member), "/advies")
    return people


async def test_a_nudge_goes_out_once_at_its_time_with_its_buttons(rig: Rig) -> None:
    people = await member_with_nudges(rig, 201, advice=True)
    first = (await people.nudges("201"))[0]
    assert first.due_at == datetime(2026, 11, 26, 9, 0, tzinfo=UTC)  # Thursday 10:00 local
    worker = rig.worker()
    rig.clock.now = first.due_at - timedelta(minutes=1)
    assert await worker.drain_once() == 0
    rig.clock.now = first.due_at
    assert await worker.drain_once() == 1
    assert await worker.drain_once() == 0
    sent = rig.api.sent_to(201)
    assert len(sent) == 1
    text = sent[0].plain_text or ""
    assert "Reflectievraag na de workshop" in text
    # Personal, and true: the dilemma is the top of the member's advice (no live vote),
    # and no count of days that a weekend or a holiday would make wrong.
    assert "Bovenaan uw advies staat het dilemma" in text
    assert "dagen geleden" not in text and "in de workshop" not in text
    assert [b["callback_data"] for b in sent[0].buttons] == [
        f"1:n:reply:{first.id}",
        f"1:n:later:{first.id}",
        f"1:n:week:{first.id}",
        "1:n:stop",
    ]


async def test_without_advice_the_nudge_is_not_personalised(rig: Rig) -> None:
    people = await member_with_nudges(rig, 202)
    rig.clock.now = (await people.nudges("202"))[0].due_at
    assert await rig.worker().drain_once() == 1
    text = rig.api.sent_to(202)[0].plain_text or ""
    assert "Reflectievraag na de workshop" in text and "Bovenaan uw advies" not in text


async def test_a_nudge_claimed_by_a_process_that_died_goes_out_once(rig: Rig) -> None:
    people = await member_with_nudges(rig, 203)
    first = (await people.nudges("203"))[0]
    rig.clock.now = first.due_at
    lease = FAST.lease
    # Process "a" claims the nudge and dies before sending it.
    claimed = await rig.db.run(lambda repo: repo.outbox.claim_due(first.due_at, 10, "a", lease))
    assert [item.id for item in claimed] == [first.id]
    other = rig.worker("b")
    assert await other.drain_once() == 0, "claimed: nobody else may send it"
    rig.clock.now = first.due_at + lease + timedelta(seconds=1)
    assert await other.drain_once() == 1
    assert await other.drain_once() == 0
    assert len(rig.api.sent_to(203)) == 1


async def test_two_dispatchers_deliver_each_nudge_once(rig: Rig) -> None:
    members = [211, 212, 213, 214]
    people = await member_with_nudges(rig, members[0])
    owner = await people.user_id("5")
    code = (await rig.db.run(lambda repo: repo.cohorts.owned_by(owner)))[0].code
    for member in members[1:]:
        rig.api.add_user(member)
        await people.join_bot(str(member), code)
    rig.clock.now = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
    a, b = rig.worker("a"), rig.worker("b")
    await asyncio.gather(a.drain_once(), b.drain_once(), a.drain_once(), b.drain_once())
    assert [len(rig.api.sent_to(m)) for m in members] == [1, 1, 1, 1]


async def test_a_member_who_blocked_the_bot_gets_nothing_more(rig: Rig) -> None:
    people = await member_with_nudges(rig, 204)
    steps = await people.nudges("204")
    assert len(steps) == 3
    rig.api.block(204)
    worker = rig.worker()
    rig.clock.now = steps[0].due_at
    assert await worker.drain_once() == 1
    assert await people.nudges("204") == [], "the later steps are cancelled"
    rig.clock.now = steps[-1].due_at + timedelta(days=1)
    assert await worker.drain_once() == 0
    assert rig.api.sent_to(204) == []
    member = await people.user_id("204")
    user = await rig.db.run(lambda repo: repo._session.get(User, member))
    assert user is not None and user.blocked


async def test_a_send_that_times_out_is_not_sent_again(rig: Rig) -> None:
    rig.api.add_user(105)
    await rig.remind(105, START)
    impatient = rig.api.make_bot(request=rig.api.httpx_request(read_timeout=0.3, write_timeout=0.3))
    async with impatient:
        worker = OutboxSender(rig.db, rig.store, impatient, rig.clock, FAST, claimer="t")
        rig.api.delay_next("sendMessage", 1.0)
        assert await worker.drain_once() == 1
        rig.clock.now = START + timedelta(hours=1)
        assert await worker.drain_once() == 0, "not claimed again"
        await rig.api.wait_for(lambda a: len(a.sent_to(105)) == 1, timeout=3)
        await asyncio.sleep(0.5)
    assert len(rig.api.sent_to(105)) == 1
    assert (await rig.statuses())["sent"] == 1


async def test_a_slow_batch_gives_back_what_it_has_not_sent_before_its_lease_runs_out(
    rig: Rig,
) -> None:
    for user in (106, 107):
        rig.api.add_user(user)
        await rig.remind(user, START)
    settings = dataclasses.replace(FAST, lease=timedelta(seconds=1))
    worker = OutboxSender(rig.db, rig.store, rig.bot, rig.clock, settings, claimer="slow")
    rig.api.delay_next("sendMessage", 0.7)
    assert await worker.drain_once() == 2
    statuses = await rig.statuses()
    assert statuses["sent"] == 1 and statuses["pending"] == 1 and statuses["claimed"] == 0
    assert await rig.worker("other").drain_once() == 1, "claimable at once, no lease wait"
    assert [len(rig.api.sent_to(u)) for u in (106, 107)] == [1, 1]


# -- sharing the bot's budget -------------------------------------------------------------

SHARED = dataclasses.replace(FAST, per_second=28.0, heartbeat=timedelta(seconds=0.2))
ALIVE = 3 * SHARED.heartbeat
"""The liveness window of :data:`SHARED`: three heartbeats."""
NOWHERE = "postgresql://bot@127.0.0.1:1/nw"
"""A database nobody answers at: every unit of work fails as the database being away."""


def sharing(rig: Rig, name: str) -> OutboxSender:
    return OutboxSender(rig.db, rig.store, rig.bot, rig.clock, SHARED, claimer=name)


def share_of(worker: OutboxSender) -> tuple[float, int]:
    """Bulk messages per second and the overall budget the outbox sender keeps to."""
    return round(1 / worker.pacer.interval, 6), worker.pacer.budget.overall


async def registered(db: Database) -> set[str]:
    query = select(DispatcherHeartbeat.name)
    return await db.run_connection(lambda connection: set(connection.execute(query).scalars()))


async def until(condition: Callable[[], bool]) -> None:
    """Wait (up to five seconds) until ``condition()`` holds."""
    for _ in range(500):
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("never happened")


async def test_two_dispatchers_each_take_half_and_one_that_stops_gives_it_back(rig: Rig) -> None:
    first, second = sharing(rig, "one"), sharing(rig, "two")
    running = [asyncio.create_task(first.run()), asyncio.create_task(second.run())]
    try:
        await until(lambda: first.shares == second.shares == 2)
        assert share_of(first) == share_of(second) == (14.0, 15)
        second.stop()
        await running[1]
        assert await registered(rig.db) == {"one"}, "the stopped one deleted its row"
        stopped = time.monotonic()
        await until(lambda: first.shares == 1)
        assert time.monotonic() - stopped <= 2 * SHARED.heartbeat.total_seconds()
        assert share_of(first) == (28.0, 30)
    finally:
        for worker in (first, second):
            worker.stop()
        await asyncio.gather(*running)
    assert await registered(rig.db) == set()


async def test_a_dispatcher_that_died_is_no_longer_counted_after_the_window(rig: Rig) -> None:
    first, died = sharing(rig, "one"), sharing(rig, "died")
    assert await first.heartbeat() == 1
    assert await died.heartbeat() == 2
    assert await first.heartbeat() == 2 and share_of(first) == (14.0, 15)
    rig.clock.now += ALIVE
    assert await first.heartbeat() == 2, "within the window: maybe only slow"
    rig.clock.now += timedelta(seconds=0.1)
    assert await first.heartbeat() == 1
    assert share_of(first) == (28.0, 30)


async def test_a_dispatcher_joining_others_holds_its_bulk_until_they_noticed(rig: Rig) -> None:
    first, joiner = sharing(rig, "one"), sharing(rig, "two")
    await first.heartbeat()
    started = time.monotonic()
    await first.pacer.wait()
    assert time.monotonic() - started < SHARED.heartbeat.total_seconds(), "alone: sends at once"
    await joiner.heartbeat()
    started = time.monotonic()
    await joiner.pacer.wait()
    assert time.monotonic() - started >= SHARED.heartbeat.total_seconds()


async def test_a_failed_heartbeat_keeps_the_share_and_warns_once(
    rig: Rig, caplog: pytest.LogCaptureFixture
) -> None:
    first, other = sharing(rig, "one"), sharing(rig, "two")
    await first.heartbeat()
    assert await other.heartbeat() == 2
    assert await first.heartbeat() == 2
    await rig.db.run(lambda repo: repo.dispatchers.leave("two"))
    away = Database(NOWHERE)
    try:
        first.db = away
        with caplog.at_level(logging.INFO, logger="bot.telegram.outbox_sender"):
            assert await first.heartbeat() == 2
            assert await first.heartbeat() == 2
            assert share_of(first) == (14.0, 15)
            warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
            assert len(warnings) == 1 and "heartbeat failed" in warnings[0].getMessage()
            first.db = rig.db
            assert await first.heartbeat() == 1, "the other left meanwhile"
        assert share_of(first) == (28.0, 30)
        assert "heartbeat works again" in caplog.text
    finally:
        await away.dispose()


async def test_the_dispatcher_runs_on_while_the_database_is_away(
    rig: Rig, caplog: pytest.LogCaptureFixture
) -> None:
    away = Database(NOWHERE)
    worker = OutboxSender(away, rig.store, rig.bot, rig.clock, SHARED, claimer="one")
    try:
        running = asyncio.create_task(worker.run())
        await asyncio.sleep(3 * SHARED.heartbeat.total_seconds())
        assert not running.done()
        worker.stop()
        await running  # returns: neither the heartbeats nor leaving raised
    finally:
        await away.dispose()
    assert worker.shares == 1
    assert sum("heartbeat failed" in r.getMessage() for r in caplog.records) == 1
