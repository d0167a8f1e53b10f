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
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Callable
from datetime import timedelta

from telegram.error import RetryAfter

OVERALL_PER_SECOND = 30
WINDOW = 1.0


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
