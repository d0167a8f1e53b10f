"""Sharing Telegram's overall message budget between replies and bulk traffic.

Telegram allows a bot about 30 messages per second overall. Replies to people chatting
go out at once and are only *counted* here; bulk messages — the outbox sender's nudges and
broadcasts, and the live session's rounds pushed to every participant — are paced, each
kind by a :class:`Pacer` of its own: at most ``rate`` per second, and never while replies
and bulk together already used the overall budget in the last second. So a broadcast and
a live round share what replies leave over, and a reply never waits for either.

Telegram's limit is per bot, not per process: when ``k`` processes send for one bot, each
takes an equal share (:meth:`Pacer.share`, which sets it for every pacer of the budget),
bulk at ``rate ÷ k`` within ``30 ÷ k``.

Telegram also allows about one message a second to each chat, after a short burst.
:class:`ChatPace` keeps to that (:func:`pace_of`: one per bot token in this process): a
message to a chat that had its burst waits its turn, rather than meeting a 429. A reply
waiting so gives its update slot back meanwhile (:class:`UpdateSlot`), so other users'
updates do not wait for it.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import deque
from collections.abc import AsyncIterator, Callable
from contextvars import ContextVar
from datetime import timedelta

from telegram.error import RetryAfter

OVERALL_PER_SECOND = 30
WINDOW = 1.0
PER_CHAT_PER_SECOND = 1.0
PER_CHAT_BURST = 3.0
"""Messages a chat may get at once before they go at ``PER_CHAT_PER_SECOND``: the short
burst Telegram lets pass (and the fake Bot API models)."""


def retry_after_seconds(exc: BaseException) -> float:
    """The pause in seconds Telegram asked for with a 429; 0 for any other error."""
    if not isinstance(exc, RetryAfter):
        return 0.0
    wait = exc.retry_after
    return wait.total_seconds() if isinstance(wait, timedelta) else float(wait)


class SendBudget:
    """The messages sent in the last second, by anyone in this process.

    ``limit`` is the bot's overall budget; ``overall`` this process's share of it.
    """

    def __init__(
        self,
        overall: int = OVERALL_PER_SECOND,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.limit = overall
        self.overall = overall
        self.parts = 1
        """How many processes share the bot's budget (as the outbox sender last heard)."""
        self._clock = clock
        self._sent: deque[float] = deque()

    def share(self, parts: int) -> None:
        """Keep to one of ``parts`` equal shares of the limit (at least one message a
        second); what was sent stays counted."""
        self.parts = parts
        self.overall = max(1, self.limit // parts)

    def note(self) -> None:
        """A message went out (a reply, or bulk after :meth:`Pacer.wait`). What is older
        than the window is dropped here too: replies are noted while no bulk asks
        :meth:`used`, and the record would otherwise grow by one per reply."""
        now = self._clock()
        self._forget_before(now - WINDOW)
        self._sent.append(now)

    def used(self) -> int:
        """Messages sent within the last second."""
        self._forget_before(self._clock() - WINDOW)
        return len(self._sent)

    def _forget_before(self, horizon: float) -> None:
        while self._sent and self._sent[0] <= horizon:
            self._sent.popleft()

    def free_in(self) -> float:
        """Seconds until one more message fits in the overall budget (0: now)."""
        if self.used() < self.overall:
            return 0.0
        return max(0.0, self._sent[0] + WINDOW - self._clock())


class Pacer:
    """Bulk sending at ``rate`` per second within a :class:`SendBudget`."""

    def __init__(
        self, budget: SendBudget, rate: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        if rate <= 0:
            raise ValueError(f"the rate must be positive, not {rate}")
        self.budget = budget
        self.rate = rate
        self._clock = clock
        self._next = 0.0

    @property
    def interval(self) -> float:
        """Seconds between two bulk messages: ``rate`` per second, divided among the
        processes that share the budget."""
        return self.budget.parts / self.rate

    def share(self, parts: int) -> None:
        """``parts`` processes send for the bot: bulk at ``rate ÷ parts`` within that
        share of the budget, for every pacer of the budget. The next slot and a pause
        stay as they were."""
        if parts < 1:
            raise ValueError(f"the parts must be at least 1, not {parts}")
        self.budget.share(parts)

    async def wait(self) -> None:
        """Wait for the next bulk slot; counts the message as sent."""
        while True:
            now = self._clock()
            delay = max(self._next - now, self.budget.free_in())
            if delay <= 0:
                break
            await asyncio.sleep(delay)
        now = self._clock()
        # Catch up after idle time, but never burst more than one slot ahead.
        self._next = max(self._next, now - self.interval) + self.interval
        self.budget.note()

    def pause(self, seconds: float) -> None:
        """Telegram said 429: no bulk message before ``seconds`` from now."""
        self._next = max(self._next, self._clock() + seconds)


class UpdateSlot:
    """One of the update processor's concurrent slots, held by the task handling an update
    (the processor took it before the handler started, and gives it back after).

    :meth:`given_back` lets go of it while that task only waits (a reply paced for its
    chat), so that another user's update may run meanwhile; the slot is held again when
    the handler goes on, even if it was cancelled meanwhile.
    """

    def __init__(self, semaphore: asyncio.Semaphore) -> None:
        self._semaphore = semaphore
        self._task = asyncio.current_task()
        self._held = True

    def done(self) -> None:
        """The handler is done: nothing gives the slot back through this any more."""
        self._task = None

    @contextlib.asynccontextmanager
    async def given_back(self) -> AsyncIterator[None]:
        """Without the slot while inside; a task that is not the holder (one started from
        the handler, which inherits its context) leaves it alone."""
        if not self._held or self._task is None or asyncio.current_task() is not self._task:
            yield
            return
        self._held = False
        self._semaphore.release()
        try:
            yield
        finally:
            cancelled = False
            while not self._held:
                try:
                    await self._semaphore.acquire()
                    self._held = True
                except asyncio.CancelledError:
                    cancelled = True
            if cancelled:
                raise asyncio.CancelledError


CURRENT_SLOT: ContextVar[UpdateSlot | None] = ContextVar("update_slot", default=None)
"""The slot of the update being handled in this context (set by the update processor)."""


class ChatPace:
    """About one message a second to each chat, with the short bursts Telegram lets pass:
    a token bucket per chat of ``burst`` messages, refilled at ``rate`` a second.

    A sender takes the chat's next turn (:meth:`reserve`) before sending, so that several
    senders to one chat queue up in order, and says when Telegram answered
    (:meth:`answered`). Telegram counted the message somewhere between the two; the bucket
    counts it at the answer, so that it never thinks a chat has more room than Telegram
    does.
    """

    def __init__(
        self,
        rate: float | None = PER_CHAT_PER_SECOND,
        burst: float = PER_CHAT_BURST,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.paced = rate is not None
        """False (``rate`` None, ``CHAT_RATE=off``): every chat's turn is now, for a Bot
        API server without a per-chat limit."""
        self.rate = rate if rate is not None else 1.0
        self.burst = burst
        self._clock = clock
        self._buckets: dict[int, list[float]] = {}
        """chat → [tokens, when last refilled]; tokens below 0 are turns already taken."""

    def _bucket(self, chat_id: int) -> list[float]:
        now = self._clock()
        bucket = self._buckets.get(chat_id)
        if bucket is None:
            if len(self._buckets) > 1000:
                self._forget()
            bucket = self._buckets[chat_id] = [self.burst, now]
        else:
            bucket[0] = min(self.burst, bucket[0] + (now - bucket[1]) * self.rate)
            bucket[1] = now
        return bucket

    def free_in(self, chat_id: int) -> float:
        """Seconds until a message to ``chat_id`` may go (0: now)."""
        if not self.paced:
            return 0.0
        tokens = self._bucket(chat_id)[0]
        return 0.0 if tokens >= 1 else (1 - tokens) / self.rate

    def reserve(self, chat_id: int) -> float:
        """Take the chat's next turn; returns the seconds to wait for it."""
        if not self.paced:
            return 0.0
        bucket = self._bucket(chat_id)
        bucket[0] -= 1
        return max(0.0, -bucket[0] / self.rate)

    def answered(self, chat_id: int, since: float) -> None:
        """Telegram answered (or refused) a message to ``chat_id`` sent at ``since``: the
        refill while it was under way did not happen for Telegram (at most one turn)."""
        if not self.paced:
            return
        bucket = self._bucket(chat_id)
        bucket[0] -= min(1.0, max(0.0, bucket[1] - since) * self.rate)

    async def wait(self, chat_id: int) -> float:
        """Wait for the chat's next turn, without the update's slot meanwhile; returns
        when the message may go (the ``since`` of :meth:`answered`)."""
        delay = self.reserve(chat_id)
        if delay > 0:
            slot = CURRENT_SLOT.get()
            async with slot.given_back() if slot is not None else contextlib.nullcontext():
                await asyncio.sleep(delay)
        return self._clock()

    def _forget(self) -> None:
        now = self._clock()
        full = [
            chat
            for chat, (tokens, stamp) in self._buckets.items()
            if tokens + (now - stamp) * self.rate >= self.burst
        ]
        for chat in full:
            del self._buckets[chat]


_PACES: dict[str, ChatPace] = {}


def pace_of(token: str) -> ChatPace:
    """The per-chat pace of the bot with ``token``: every sender in this process shares it
    (replies, the outbox, live screens), as Telegram counts per bot."""
    pace = _PACES.get(token)
    if pace is None:
        pace = _PACES[token] = ChatPace()
    return pace


def set_chat_rate(token: str, rate: float | None) -> ChatPace:
    """Pace the bot with ``token`` at ``rate`` messages a second per chat (``CHAT_RATE``;
    None: not per chat); called at start-up, before anything is sent."""
    pace = pace_of(token)
    pace.paced = rate is not None
    pace.rate = rate if rate is not None else 1.0
    return pace
