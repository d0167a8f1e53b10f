"""The consent buttons each user was last shown, and the language they chose, in this
process's memory only.

Before a user agrees nothing is stored about them; what the consent question must not
forget (a cohort code from a deep link, a language chosen with ``/taal``) rides on its
buttons. Someone who types "ja" instead of tapping "Akkoord" presses no button, so the
service hands the flow the buttons it last showed them (:attr:`flows.events.Event.offered`),
and typing does what tapping does. A language chosen with ``/taal`` is remembered too
(:class:`GateLanguages`), so that ``/help``, browsing and every later text are in it. The
memory is bounded in size and time, is never written anywhere, and forgets a user once
they answered.
"""

from __future__ import annotations

from collections import OrderedDict
from datetime import datetime, timedelta

from flows.events import ForgetMe, Outcome, SetLanguage

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


class GateLanguages:
    """(channel, channel user id) → the language chosen before consent was answered;
    forgotten once it is (the choice is then stored, or erased with ``/vergeet``)."""

    def __init__(self, keep: timedelta = KEEP, most: int = MOST) -> None:
        self.keep = keep
        self.most = most
        self._chosen: OrderedDict[tuple[str, str], tuple[datetime, str]] = OrderedDict()

    def get(self, key: tuple[str, str], now: datetime) -> str | None:
        chosen = self._chosen.get(key)
        if chosen is None:
            return None
        until, lang = chosen
        if now > until:
            del self._chosen[key]
            return None
        return lang

    def note(self, key: tuple[str, str], outcome: Outcome, now: datetime) -> None:
        """Remember a language chosen in ``outcome`` while consent is open."""
        effects = outcome.effects
        if outcome.state.consent is not None or any(isinstance(e, ForgetMe) for e in effects):
            self._chosen.pop(key, None)
        elif any(isinstance(effect, SetLanguage) for effect in effects):
            self._chosen[key] = (now + self.keep, outcome.state.lang)
            self._chosen.move_to_end(key)
            while len(self._chosen) > self.most:
                self._chosen.popitem(last=False)

    def __len__(self) -> int:
        return len(self._chosen)
