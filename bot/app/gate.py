"""What the consent question must not forget before a user answers it: the buttons each
user was last shown and the language they chose (this process's memory), and the deep
link they opened (the database, so that a restart forgets it not).

Before a user agrees nothing is stored about them but this: what the consent question
must not forget (a cohort code from a deep link, a language chosen with ``/taal``) rides
on its buttons. Someone who types "ja" instead of tapping "Akkoord" presses no button, so
the service hands the flow the buttons it last showed them
(:attr:`flows.events.Event.offered`), and typing does what tapping does. A language
chosen with ``/taal`` is remembered too (:class:`GateLanguages`), so that ``/help``,
browsing and every later text are in it. That memory is bounded in size and time, is
never written anywhere, and forgets a user once they answered. The cohort code of a deep
link is kept in :mod:`storage.pending_starts` (a hash of the chat, for a day, dropped at
the answer or ``/vergeet``): after a restart, or a ``/taal`` that showed the question
again, "ja" still joins the cohort (:attr:`flows.events.Event.pending_start`).
"""

from __future__ import annotations

from collections import OrderedDict
from datetime import datetime, timedelta
from typing import Generic, TypeVar

from bot.app.stewardship import Stewardship
from flows.actions import INVITE_PREFIX, parse_action
from flows.commands import find
from flows.definition import PRIVACY_TAG
from flows.events import Event, ForgetMe, Outcome, SetLanguage
from flows.links import WorkshopLink
from storage import Repository

FORGET = "vergeet"
GATE_SCREENS = ("consent",)
"""The screens whose buttons answer the consent question (typed, only while unanswered)."""
KEEP = timedelta(hours=24)
"""How long a consent question stays answerable by typing."""
K = TypeVar("K")
V = TypeVar("V")
MOST = 10_000
"""Users remembered at most; the oldest are forgotten first."""


class Expiring(Generic[K, V]):
    """A bounded map whose entries expire: at most ``most`` keys, each for ``keep``; the
    oldest noted are forgotten first."""

    def __init__(self, keep: timedelta, most: int) -> None:
        self.keep = keep
        self.most = most
        self._entries: OrderedDict[K, tuple[datetime, V]] = OrderedDict()

    def get(self, key: K, now: datetime) -> V | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        until, value = entry
        if now > until:
            del self._entries[key]
            return None
        return value

    def put(self, key: K, value: V, now: datetime) -> None:
        self._entries[key] = (now + self.keep, value)
        self._entries.move_to_end(key)
        while len(self._entries) > self.most:
            self._entries.popitem(last=False)

    def pop(self, key: K) -> None:
        self._entries.pop(key, None)

    def __len__(self) -> int:
        return len(self._entries)


class ConsentButtons(Expiring[tuple[str, str], tuple[str, ...]]):
    """(channel, channel user id) → the actions of the consent question last shown."""

    def __init__(self, keep: timedelta = KEEP, most: int = MOST) -> None:
        super().__init__(keep, most)

    def offered(self, key: tuple[str, str], now: datetime) -> tuple[str, ...]:
        """The buttons of the consent question last shown to ``key``, if still fresh."""
        return self.get(key, now) or ()

    def note(self, key: tuple[str, str], outcome: Outcome, now: datetime) -> None:
        """Remember the consent question ``outcome`` shows; forget it once answered."""
        if outcome.state.consent is not None:
            self.pop(key)
            return
        actions = tuple(
            data
            for reply in outcome.replies
            if reply.meta.get("screen") in GATE_SCREENS
            for data in reply.actions
        )
        if actions:
            self.put(key, actions, now)


class GateLanguages(Expiring[tuple[str, str], str]):
    """(channel, channel user id) → the language chosen before consent was answered;
    forgotten once it is (the choice is then stored, or erased with ``/vergeet``)."""

    def __init__(self, keep: timedelta = KEEP, most: int = MOST) -> None:
        super().__init__(keep, most)

    def note(self, key: tuple[str, str], outcome: Outcome, now: datetime) -> None:
        """Remember a language chosen in ``outcome`` while consent is open."""
        effects = outcome.effects
        if outcome.state.consent is not None or any(isinstance(e, ForgetMe) for e in effects):
            self.pop(key)
        elif any(isinstance(effect, SetLanguage) for effect in effects):
            self.put(key, outcome.state.lang, now)


def carried_payload(outcome: Outcome) -> str | None:
    """The deep-link payload the consent question in ``outcome`` carries on "Akkoord"."""
    for reply in outcome.replies:
        if reply.meta.get("screen") not in GATE_SCREENS:
            continue
        for data in reply.actions:
            parsed = parse_action(data)
            if parsed is None or parsed.tag != PRIVACY_TAG or len(parsed.choice) < 3:
                continue
            if parsed.choice[0] == "consent" and parsed.choice[1].startswith("yes"):
                return parsed.choice[2]
    return None


def workshop_joined(
    repo: Repository,
    stewardship: Stewardship,
    event: Event,
    pending: str | None,
    user_id: int | None,
) -> WorkshopLink | None:
    """The workshop link the consent question is about, for it to say what agreeing does:
    the code of this event's ``/start <code>``, else the one kept for the chat. None for
    no code and for a coordinator invitation (no workshop link)."""
    command = find(event.name) if event.kind == "command" else None
    opened = event.text.strip() if command is not None and command.name == "start" else ""
    code = opened or pending
    if not code or code.startswith(INVITE_PREFIX):
        return None
    return stewardship.workshop_link(repo, code, user_id)


def note_pending_start(
    repo: Repository,
    channel: str,
    user_key: str,
    event: Event,
    outcome: Outcome,
    pending: str | None,
) -> None:
    """Keep the deep link a consent question carries, for the answer to come (typed "ja"
    after a restart joins too); forget it once the question is answered or the user asks
    to be forgotten. Only for users who have not agreed (yet)."""
    command = find(event.name) if event.kind == "command" else None
    answered = outcome.state.consent is not None or (command is not None and command.name == FORGET)
    if answered or any(isinstance(effect, ForgetMe) for effect in outcome.effects):
        if pending is not None:
            repo.pending_starts.drop(channel, user_key)
        return
    carried = carried_payload(outcome)
    if carried is not None and carried != pending:
        repo.pending_starts.keep(channel, user_key, carried)
