"""The message budget shared by replies and bulk traffic, with a fake monotonic clock."""

from __future__ import annotations

import asyncio
import heapq
from collections.abc import Coroutine
from typing import Any

import pytest

from bot.telegram.ratelimit import Pacer, SendBudget


class Ticks:
    """A monotonic clock that ``asyncio.sleep`` (patched) moves forward."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def ticks(monkeypatch: pytest.MonkeyPatch) -> Ticks:
    clock = Ticks()
    real_sleep = asyncio.sleep

    async def sleep(seconds: float) -> None:
        clock.now += seconds
        await real_sleep(0)

    monkeypatch.setattr("bot.telegram.ratelimit.asyncio.sleep", sleep)
    return clock


async def test_bulk_keeps_its_own_rate(ticks: Ticks) -> None:
    pacer = Pacer(SendBudget(30, ticks), 28, ticks)
    start = ticks.now
    for _ in range(56):
        await pacer.wait()
    assert 1.9 < ticks.now - start <= 2.0, "56 messages at 28/s take two seconds"


async def test_replies_take_their_share_and_bulk_fills_the_rest(ticks: Ticks) -> None:
    budget = SendBudget(30, ticks)
    pacer = Pacer(budget, 28, ticks)
    sent_at: list[float] = []
    for second in range(3):
        for _ in range(10):  # ten replies at the start of every second
            budget.note()
        while ticks.now < 100.0 + second + 1:
            await pacer.wait()
            if ticks.now < 100.0 + second + 1:
                sent_at.append(ticks.now)
    for second in range(3):
        in_second = [t for t in sent_at if 100.0 + second <= t < 101.0 + second]
        assert len(in_second) <= 20, "replies and bulk together stay within 30 a second"
    assert budget.used() <= 30


def test_replies_alone_keep_only_the_last_second(ticks: Ticks) -> None:
    budget = SendBudget(30, ticks)
    for _ in range(10_000):  # ten replies a second for 1,000 s, no bulk asking
        budget.note()
        ticks.now += 0.1
    # The record is what is counted: the window's, not one entry per reply ever sent.
    assert len(budget._sent) <= 11
    assert budget.used() == 10


async def test_a_429_pauses_bulk(ticks: Ticks) -> None:
    pacer = Pacer(SendBudget(30, ticks), 28, ticks)
    await pacer.wait()
    pacer.pause(5)
    before = ticks.now
    await pacer.wait()
    assert ticks.now - before >= 5


def test_a_rate_must_be_positive() -> None:
    with pytest.raises(ValueError, match="positive"):
        Pacer(SendBudget(), 0)


async def test_a_share_slows_bulk_and_narrows_the_budget(ticks: Ticks) -> None:
    budget = SendBudget(30, ticks)
    pacer = Pacer(budget, 28, ticks)
    pacer.share(2)
    assert (pacer.interval, budget.overall) == (2 / 28, 15)
    start = ticks.now
    for _ in range(29):
        await pacer.wait()
    assert 1.9 < ticks.now - start <= 2.0, "29 messages at 14/s take two seconds, as 56 at 28"
    pacer.share(1)
    assert (pacer.interval, budget.overall) == (1 / 28, 30)
    pacer.share(4)
    assert budget.overall == 7, "never more than the whole: 4 × 7 ≤ 30"
    pacer.share(31)
    assert budget.overall == 1, "one message a second, however many share"


async def test_a_new_share_keeps_what_was_sent_and_a_pause(ticks: Ticks) -> None:
    budget = SendBudget(30, ticks)
    pacer = Pacer(budget, 28, ticks)
    for _ in range(15):  # replies, in the second before the share changes
        budget.note()
    pacer.share(2)
    assert budget.free_in() > 0, "the replies already used this process's 15"
    before = ticks.now
    await pacer.wait()
    assert ticks.now - before == pytest.approx(1.0), "bulk waits for the replies to age"
    pacer.pause(5)
    pacer.share(1)
    before = ticks.now
    await pacer.wait()
    assert ticks.now - before >= 5, "a 429's pause outlives the new share"


def test_parts_must_be_at_least_one() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        Pacer(SendBudget(), 28).share(0)


class VirtualTime(Ticks):
    """A clock for several tasks at once: a sleeping task wakes when the earliest sleep
    of all is due (so concurrent sleeps overlap, as on a real clock)."""

    def __init__(self) -> None:
        super().__init__()
        self._due: list[tuple[float, int, asyncio.Future[None]]] = []
        self._seq = 0

    async def sleep(self, seconds: float) -> None:
        woken: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._seq += 1
        heapq.heappush(self._due, (self.now + max(0.0, seconds), self._seq, woken))
        await woken

    async def run(self, *work: Coroutine[Any, Any, None]) -> None:
        tasks = [asyncio.create_task(w) for w in work]
        while not all(t.done() for t in tasks):
            for _ in range(5):  # let the woken task run on to its next sleep
                await REAL_SLEEP(0)
            if self._due:
                due, _, woken = heapq.heappop(self._due)
                self.now = max(self.now, due)
                woken.set_result(None)
        for task in tasks:
            task.result()


REAL_SLEEP = asyncio.sleep


@pytest.fixture
def virtual(monkeypatch: pytest.MonkeyPatch) -> VirtualTime:
    clock = VirtualTime()
    monkeypatch.setattr("bot.telegram.ratelimit.asyncio.sleep", clock.sleep)
    return clock


async def test_a_broadcast_and_a_live_round_share_the_budget_with_replies(
    virtual: VirtualTime,
) -> None:
    budget = SendBudget(30, virtual)
    broadcast, live = Pacer(budget, 28, virtual), Pacer(budget, 25, virtual)
    sent: list[tuple[float, str]] = []

    async def bulk(pacer: Pacer, kind: str, count: int) -> None:
        for _ in range(count):
            await pacer.wait()
            sent.append((virtual.now, kind))

    async def replies() -> None:
        for _ in range(40):  # one every 0.1 s, counted, never waiting
            budget.note()
            sent.append((virtual.now, "reply"))
            await virtual.sleep(0.1)

    await virtual.run(bulk(broadcast, "broadcast", 60), bulk(live, "live", 60), replies())
    times = sorted(t for t, _ in sent)
    # A bulk message goes only while everything sent in the second up to it, itself
    # included, stays within Telegram's 30 (a reply is never held back).
    for at, kind in sent:
        if kind != "reply":
            window = sum(1 for t in times if at - 1.0 < t <= at)
            assert window <= 30, f"{window} messages in the second up to {kind} at {at}"
    assert times[-1] - times[0] >= 160 / 30 - 1, "160 messages at 30 a second: over 4 s"
    # Each kind gets its turn: neither bulk kind starves the other.
    first_second = [kind for t, kind in sent if t < times[0] + 1.0]
    assert {"broadcast", "live", "reply"} <= set(first_second)


async def test_a_share_slows_every_pacer_of_the_budget(ticks: Ticks) -> None:
    budget = SendBudget(30, ticks)
    broadcast, live = Pacer(budget, 28, ticks), Pacer(budget, 25, ticks)
    broadcast.share(2)  # the outbox sender heard of a second process
    assert (live.interval, budget.overall) == (2 / 25, 15)
