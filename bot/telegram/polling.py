"""Polling Telegram for updates, acknowledging an update only once it has been handled.

Telegram keeps every update until a ``getUpdates`` call asks for a higher ``offset``.
PTB's own updater asks for the next offset as soon as it has *fetched* a batch, so an
update whose handling failed, or that was still waiting when the process died, is gone.
This poller moves the offset only past updates that are done: handled, or given up on
after the user was told. An update that failed for want of the database is handled again
after a pause (its retries are counted by the channel), and the offset waits for it; a
process that dies meanwhile leaves it to the next one, which gets it from Telegram again.

Updates fetched again because the offset waits (those above a waiting one) are known and
not handled twice; after a restart the conversation itself recognises them (it keeps the
ids of each user's recent updates). Per-user order and the cap on concurrent updates come
from the application's update processor, as in webhook mode.

Stopping: no more fetching, updates being handled finish (up to ``STOP_GRACE``), one
waiting for its next try gets it at once, and a last ``getUpdates`` confirms what is done.
``getUpdates`` failing (5xx, 429, 409 from a second poller, no network) is retried after
a pause that doubles up to ``BACKOFF_MAX`` (at least what a 429 asks for).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from telegram import Update
from telegram.error import InvalidToken, NetworkError, RetryAfter, TelegramError, TimedOut

log = logging.getLogger(__name__)

LONG_POLL_SECONDS = 10
REFETCH_BOUND = 16
"""Updates in hand (fetched, not done) above which the poller does not ask Telegram again.
Every ``getUpdates`` brings those back, since the offset waits for them; asking while
many are in hand costs only parsing, and new updates would wait for the update processor
(8 at a time) anyway. Measured (bench, 100 busy users): without this bound the bot spent
nearly four times the CPU per Bot API call."""
QUIET_TIMEOUTS = 2
"""Long polls in a row that may time out before polling counts as failing (logged, with a
pause): one cut short now and then is normal, a row of them is a network problem."""
IDLE_WAIT = 1.0
"""Seconds to wait for progress when Telegram hands back only updates already known."""
BACKOFF_START = 1.0
BACKOFF_MAX = 30.0
STOP_GRACE = 15.0
"""Seconds that updates being handled get to finish when the bot stops."""


def _level(exc: Exception) -> int:
    """How loudly a failed ``getUpdates`` is logged: a network hiccup is a warning."""
    if isinstance(exc, InvalidToken):
        return logging.CRITICAL
    return logging.WARNING if isinstance(exc, NetworkError) else logging.ERROR


def _retry_after(exc: Exception) -> float:
    """The pause Telegram asked for with a 429; 0 for other errors."""
    if not isinstance(exc, RetryAfter):
        return 0.0
    wait = exc.retry_after
    return wait.total_seconds() if isinstance(wait, timedelta) else float(wait)


class Poller:
    """Fetches updates with ``getUpdates`` and hands each to the application once."""

    def __init__(
        self,
        application: Any,
        failed: set[int],
        retry_delay: Callable[[int], float],
        *,
        process: Callable[[Update], Awaitable[None]] | None = None,
        long_poll: int = LONG_POLL_SECONDS,
    ) -> None:
        self.application = application
        self.process = process or self._process
        """Hands one update to the application (by default through its update processor)."""
        self.failed = failed
        """Shared with the channel: ids of updates whose handling failed and that should be
        handled again (the channel decides, counting attempts)."""
        self.retry_delay = retry_delay
        self.long_poll = long_poll
        self._next: int | None = None
        """One above the highest update id fetched so far."""
        self._acknowledged: int | None = None
        self._waiting: set[int] = set()
        self._known: set[int] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self._progress = asyncio.Event()
        self._stopping = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    @property
    def offset(self) -> int | None:
        """What to confirm: everything below the oldest update not done yet."""
        if self._waiting:
            return min(self._waiting)
        return self._next

    def start(self) -> None:
        self._task = asyncio.create_task(self.run(), name="poller")

    async def run(self) -> None:
        backoff = BACKOFF_START
        failing: str | None = None  # the kind of error polling fails with, while it does
        timeouts = 0
        while not self._stopping.is_set():
            if len(self._waiting) > REFETCH_BOUND:
                await self._wait_for_progress(IDLE_WAIT)
                continue
            offset = self.offset
            self._progress.clear()  # from here on: did anything finish meanwhile?
            try:
                updates = await self.application.bot.get_updates(
                    offset=offset, timeout=self.long_poll, allowed_updates=Update.ALL_TYPES
                )
            except Exception as exc:
                if isinstance(exc, TimedOut) and timeouts < QUIET_TIMEOUTS:
                    timeouts += 1  # a long poll cut short: simply ask again
                    continue
                if type(exc).__name__ != failing:
                    failing = type(exc).__name__
                    log.log(
                        _level(exc),
                        "polling failed (%s); trying again",
                        failing,
                        exc_info=not isinstance(exc, TelegramError),
                    )
                await self._sleep(max(backoff, _retry_after(exc)))
                backoff = min(backoff * 2, BACKOFF_MAX)
                continue
            timeouts = 0
            if failing:
                log.info("polling works again")
                failing, backoff = None, BACKOFF_START
            self._acknowledged = offset
            if offset is not None and any(u.update_id < offset for u in updates):
                self._renumbered(updates)
            fresh = [u for u in updates if self._is_new(u.update_id)]
            for update in fresh:
                self._take(update)
            if updates and not fresh:
                # Only updates in hand came back: asking again at once would bring them
                # back again. Wait until one is done (or was, since the ask).
                await self._wait_for_progress(IDLE_WAIT, clear=False)

    def _renumbered(self, updates: list[Update]) -> None:
        """Telegram returned ids below the offset asked for: after a week without updates
        it starts its numbering afresh, possibly lower. Count from the new numbers (what
        is still in hand keeps being handled, but no longer holds the offset)."""
        log.warning("Telegram numbers its updates afresh; the poller follows")
        self._waiting.clear()
        self._known.clear()
        self._next = None

    def _is_new(self, update_id: int) -> bool:
        """Not seen before. An update below the offset was done while the ``getUpdates``
        that brought it back (asked with an older offset) was on its way."""
        offset = self.offset
        return update_id not in self._known and (offset is None or update_id >= offset)

    def _take(self, update: Update) -> None:
        update_id = update.update_id
        self._known.add(update_id)
        self._waiting.add(update_id)
        self._next = max(self._next or 0, update_id + 1)
        task = asyncio.create_task(self._handle(update), name=f"update-{update_id}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _handle(self, update: Update) -> None:
        update_id = update.update_id
        attempt = 0
        try:
            while True:
                await self.process(update)
                if update_id not in self.failed:
                    break
                self.failed.discard(update_id)
                if self._stopping.is_set():
                    # Not confirmed: Telegram hands it to the next start.
                    return
                attempt += 1
                # Stopping cuts the pause short: one more try before the process goes.
                await self._sleep(self.retry_delay(attempt))
        except Exception:
            log.exception("update %s could not be handled", update_id)
        self._done(update_id)

    async def _process(self, update: Update) -> None:
        app = self.application
        await app.update_processor.process_update(update, app.process_update(update))

    def _done(self, update_id: int) -> None:
        self._waiting.discard(update_id)
        offset = self.offset
        if offset is not None:
            self._known = {known for known in self._known if known >= offset}
        self._progress.set()

    async def _wait_for_progress(self, seconds: float, *, clear: bool = True) -> None:
        if clear:
            self._progress.clear()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._progress.wait(), timeout=seconds)

    async def _sleep(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopping.wait(), timeout=seconds)

    async def stop(self) -> None:
        """Stop fetching, confirm what is done, let updates in hand finish (up to
        ``STOP_GRACE``), and confirm again."""
        self._stopping.set()
        if self._task is not None:
            self._task.cancel()
            await asyncio.wait([self._task])  # its own end, not a cancellation of ours
        await self._confirm()  # a platform may not wait for the grace period
        if self._tasks:
            _, late = await asyncio.wait(set(self._tasks), timeout=STOP_GRACE)
            for task in late:
                task.cancel()
            if late:
                await asyncio.wait(late)
        await self._confirm()

    async def _confirm(self) -> None:
        """Tell Telegram which updates are done: everything below the offset."""
        offset = self.offset
        if offset is None or offset == self._acknowledged:
            return
        try:
            await self.application.bot.get_updates(offset=offset, timeout=0, limit=1)
            self._acknowledged = offset
        except TelegramError as exc:
            log.warning(
                "could not confirm the last updates (%s); they come again at the next start",
                type(exc).__name__,
            )
