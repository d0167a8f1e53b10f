"""The consent buttons each user was last shown, in this process's memory only.

Before a user agrees nothing is stored about them; what the consent question must not
forget (a cohort code from a deep link, a language chosen with ``/taal``) rides on its
buttons. Someone who types "ja" instead of tapping "Akkoord" presses no button, so the
service hands the flow the buttons it last showed them (:attr:`flows.events.Event.offered`),
and typing does what tapping does. The memory is bounded in size and time, is never
written anywhere, and forgets a user once they answered.
"""

from __future__ import annotations

from collections import OrderedDict
from datetime import datetime, timedelta

from flows.events import Outcome

GATE_SCREENS = ("consent",)
"""The screens whose buttons answer the consent question (typed, only while unanswered)."""
KEEP = timedelta(hours=24)
"""How long a consent question stays answerable by typing."""
MOST = 10_000
"""Users remembered at most; the oldest are forgotten first."""


class ConsentButtons:
    """(channel, channel user id) → the actions of the consent question last shown."""

    def __init__(self, keep: timedelta = KEEP, most: int = MOST) -> None:
        self.keep = keep
        self.most = most
        self._shown: OrderedDict[tuple[str, str], tuple[datetime, tuple[str, ...]]] = OrderedDict()

    def offered(self, key: tuple[str, str], now: datetime) -> tuple[str, ...]:
        """The buttons of the consent question last shown to ``key``, if still fresh."""
        shown = self._shown.get(key)
        if shown is None:
            return ()
        until, actions = shown
        if now > until:
            del self._shown[key]
            return ()
        return actions

    def note(self, key: tuple[str, str], outcome: Outcome, now: datetime) -> None:
        """Remember the consent question ``outcome`` shows; forget it once answered."""
        if outcome.state.consent is not None:
            self._shown.pop(key, None)
            return
        actions = tuple(
            data
            for reply in outcome.replies
            if reply.meta.get("screen") in GATE_SCREENS
            for data in reply.actions
        )
        if not actions:
            return
        self._shown[key] = (now + self.keep, actions)
        self._shown.move_to_end(key)
        while len(self._shown) > self.most:
            self._shown.popitem(last=False)

    def __len__(self) -> int:
        return len(self._shown)
