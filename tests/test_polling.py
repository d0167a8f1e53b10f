"""The poller's bookkeeping against a scripted Bot API (no HTTP): which offsets it asks
for, what it hands to the application, and when. Over HTTP it is tested in
tests/test_telegram.py and tests/test_multiprocess.py."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable
from typing import Any

import pytest
from telegram import Update
from telegram.error import TimedOut

from bot.telegram import polling
from bot.telegram.polling import Poller


class Telegram:
    """``getUpdates`` as Telegram answers it: the updates not yet confirmed (an offset
    confirms those below it), at once if there are any, else when one arrives. A scripted
    answer (a list of ids, then pending like the others, or an exception) goes before
    that, one per ask."""

    def __init__(self) -> None:
        self.asked: list[int | None] = []
        self.confirmed: list[int | None] = []
        """Offsets of the asks without a long poll (the poller confirming)."""
        self.pending: list[int] = []
        self.script: list[list[int] | Exception] = []
        self._changed = asyncio.Event()

    def send(self, *update_ids: int) -> None:
        self.pending += update_ids
        self._changed.set()

    def add(self, *answers: list[int] | Exception) -> None:
        self.script += answers
        self._changed.set()

    async def do_api_request(self, endpoint: str, api_kwargs: dict[str, Any], **_: Any) -> Any:
        """``getUpdates`` as raw JSON, the way the poller asks for it."""
        assert endpoint.lower() == "getupdates"
        return [update.to_dict() for update in await self.get_updates(**api_kwargs)]

    async def get_updates(self, offset: int | None = None, **params: Any) -> list[Update]:
        timeout = params.get("timeout", 0)
        (self.asked if timeout else self.confirmed).append(offset)
        if offset is not None:
            self.pending = [u for u in self.pending if u >= offset]
        while True:
            if self.script:
                answer = self.script.pop(0)
                if isinstance(answer, Exception):
                    raise answer
                self.pending += [u for u in answer if u not in self.pending]
                return [Update(u) for u in answer]
            if self.pending or not timeout:
                return [Update(u) for u in self.pending]
            self._changed.clear()
            await self._changed.wait()


class Processor:
    async def process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        await coroutine


class App:
    """What the poller uses of a PTB application; ``fail`` holds ids that fail once
    (put in ``failed`` as the channel would), ``hold`` ids whose handling waits."""

    def __init__(self) -> None:
        self.bot = Telegram()
        self.update_processor = Processor()
        self.handled: list[int] = []
        self.asks_before: list[int] = []
        """For each handling: how many times the poller had asked for updates."""
        self.failed: set[int] = set()
        self.fail: set[int] = set()
        self.hold: dict[int, asyncio.Event] = {}

    async def process_update(self, update: Update) -> None:
        self.handled.append(update.update_id)
        self.asks_before.append(len(self.bot.asked))
        if update.update_id in self.hold:
            await self.hold[update.update_id].wait()
        if update.update_id in self.fail:
            self.fail.discard(update.update_id)
            self.failed.add(update.update_id)


async def until(condition: Any) -> None:
    """Poll ``condition`` (plain state of the stubs) for up to five seconds."""
    for _ in range(500):
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("condition not met within 5 s")


@pytest.fixture
def app() -> App:
    return App()


@pytest.fixture
async def poller(app: App) -> Any:
    running = Poller(app, app.failed, lambda attempt: 0.5 * attempt)
    running.start()
    yield running
    await running.stop()


async def test_a_failed_update_holds_the_offset_and_is_tried_again(
    app: App, poller: Poller
) -> None:
    app.fail.add(1)
    app.bot.send(1, 2, 3)
    await until(lambda: app.handled.count(1) == 2)
    again = [n for u, n in zip(app.handled, app.asks_before, strict=True) if u == 1][1]
    asked_meanwhile = app.bot.asked[1:again]
    assert asked_meanwhile and set(asked_meanwhile) == {1}, "the offset waited for 1"
    # Telegram handed 2 and 3 out again with each ask: they were handled once.
    assert app.handled.count(2) == app.handled.count(3) == 1
    await until(lambda: app.bot.asked[-1] == 4)
    assert app.bot.pending == [], "all three confirmed"


async def test_numbering_afresh_is_followed(
    app: App, poller: Poller, caplog: pytest.LogCaptureFixture
) -> None:
    app.bot.send(500, 501)
    await until(lambda: app.handled == [500, 501])
    await until(lambda: app.bot.asked[-1] == 502)
    with caplog.at_level(logging.WARNING):
        app.bot.add([7])  # a week without updates: Telegram counts from a new number
        await until(lambda: 7 in app.handled)
    await until(lambda: app.bot.asked[-1] == 8)
    app.bot.send(8)
    await until(lambda: 8 in app.handled)
    assert app.handled == [500, 501, 7, 8]
    assert "afresh" in caplog.text


async def test_long_polls_timing_out_in_a_row_count_as_failing(
    app: App, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(polling, "BACKOFF_START", 0.01)
    poller = Poller(app, app.failed, lambda attempt: 0.1)
    with caplog.at_level(logging.INFO):
        poller.start()
        app.bot.add(TimedOut(), TimedOut())
        app.bot.send(1)
        await until(lambda: app.handled == [1])
        assert "polling failed" not in caplog.text, "one or two cut short: normal"
        app.bot.add(TimedOut(), TimedOut(), TimedOut(), TimedOut())
        app.bot.send(2)
        await until(lambda: app.handled == [1, 2])
        await poller.stop()
    assert caplog.text.count("polling failed (TimedOut)") == 1
    assert "polling works again" in caplog.text


async def test_stopping_confirms_what_is_done_before_waiting_for_the_rest(
    app: App, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A platform may kill the process before the grace period is over: what is done by
    the time it is asked to stop is confirmed first."""
    monkeypatch.setattr(polling, "STOP_GRACE", 0.3)
    monkeypatch.setattr(polling, "REFETCH_BOUND", 0)  # no ask while anything is in hand
    poller = Poller(app, app.failed, lambda attempt: 0.1)
    poller.start()
    app.hold[2] = asyncio.Event()
    app.bot.send(1, 2)
    await until(lambda: app.handled == [1, 2] and poller.offset == 2)
    assert app.bot.asked == [None], "1 is done, and not yet confirmed"
    stopping = asyncio.create_task(poller.stop())
    await until(lambda: app.bot.confirmed == [2])
    assert not stopping.done(), "1 confirmed before the wait for 2"
    await stopping
    assert app.bot.confirmed == [2] and app.bot.pending == [2], "2 left for the next start"


async def test_updates_fetched_again_after_they_were_done_are_not_kept(
    app: App, poller: Poller
) -> None:
    """While 1 is in hand, 2 and 3 come back with every ask after they were done: their
    bodies are not kept again (nothing would forget them: one per update, for good)."""
    app.hold[1] = asyncio.Event()
    app.bot.send(1, 2, 3)
    await until(lambda: sorted(app.handled) == [1, 2, 3])
    asks = len(app.bot.asked)
    app.bot.send(4)  # one more ask, which brings 2 and 3 back, done
    await until(lambda: 4 in app.handled and len(app.bot.asked) > asks + 1)
    app.hold[1].set()
    await until(lambda: app.bot.asked[-1] == 5)
    assert poller._bodies == {}
