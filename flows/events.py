"""What goes into the core (events, stored state) and what comes out (outcome, effects)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, TypedDict

from flows.cohorts.effects import ListCoordinators, StewardshipEffect
from flows.handout.effects import HandoutEffect
from flows.links import Link
from flows.live.effects import OpenLive
from flows.replies import Reply
from flows.timeline.effects import TimelineEffect
from knowledge.model import DEFAULT_LANGUAGE

EventKind = Literal["text", "action", "command"]


@dataclass(frozen=True, slots=True)
class Event:
    """One thing a user did: typed ``text``, pressed an ``action``, or sent a ``command``.

    For a command, ``name`` is the command without slash and ``text`` its arguments
    (``/start <payload>`` gives name ``start`` and the payload as text).
    """

    kind: EventKind
    text: str = ""
    name: str = ""
    update_id: int = 0
    """The channel's id of the update (Telegram's ``update_id``; 0: none). An update handled
    again changes nothing: the user's latest (redelivered after a failure that may have been
    committed anyway) shows the current screen, an earlier one shows nothing."""
    at: datetime | None = None
    """When the service received the event (aware); None: the flow reads the clock. Typed
    dates such as "morgen" are read from it."""
    pending_start: str | None = None
    """Before consent: the deep-link payload (cohort code) of a ``/start`` received earlier,
    as the service keeps it (:mod:`storage.pending_starts`); the consent buttons carry it,
    and typing "ja" agrees with it, also after a restart. ``joining``: the workshop of that
    link or of this ``/start``'s (open, closed, without coordinator, or none), of which the
    consent question says what agreeing does; None: no workshop link was looked up."""
    joining: Link | None = None
    offered: tuple[str, ...] = ()
    """Typed text before consent: the actions of the buttons on the consent question last
    shown, as the service remembers them (in memory: nothing is stored before consent):
    typing "ja" presses that very "Akkoord", with the cohort code and language on it."""
    without_cohorts: bool = False
    """The user may broadcast but owns no cohort, as the service knows it (the flow does
    not know the cohorts): a broadcast would reach nobody."""
    open_prompt: int = 0
    """Typed text: the outbox id of an unanswered nudge or broadcast that is the newest
    message the user got (0: none); the text may answer it rather than the question."""


class ConversationData(TypedDict, total=False):
    """What a conversation keeps between events besides its state and answers (stored as
    JSON). Values may come from an older flow version: read them defensively."""

    update: int
    """The id of the user's latest update; ``earlier_updates`` the ones before it."""
    earlier_updates: list[int]
    typed_reply: dict[str, Any]
    """Typed text that may answer a prompt: ``{"to": outbox id, "text": (redacted)}``."""
    last_action: str
    """The last button pressed, and in which state (a double tap changes nothing)."""
    last_state: str
    editing: bool
    """An answer is being changed from the advice."""
    failures: int
    """Typed answers to the current question that matched no option."""
    dilemma: str
    """The dilemma shown in detail (or a note is about)."""
    page: str
    """Which page of that dilemma: ``main``, ``questions``, ``reasons`` or ``refs``."""
    redacted_note: str
    """A note with client data replaced, waiting for the user's choice."""
    question_turn: int
    """Which reflection question ``/vraag`` shows next."""
    asked_question: list[str]
    """The reflection question just asked, and the state it was asked in."""
    pending_reflection: list[str]
    """A typed answer to it, waiting to be kept: subject and text."""
    advised: dict[str, str]
    """The profile of the advice shown last."""
    resume: str
    """Where a side dialogue returns to."""
    reply_to: int
    """The outbox id of the nudge or broadcast being answered."""
    cohort: dict[str, Any]
    """A cohort being created or re-dated (name, when, plan, zone, redate)."""
    broadcast: dict[str, Any]
    """A broadcast being composed (see :class:`Draft`)."""
    handout: dict[str, Any]
    """The handout being chosen: ticked reflection ids and a name."""
    recheck: list[str]
    """The top dilemmas before a re-check, while it runs."""
    skipped: list[str]
    """The intake questions the user was asked and skipped (not those never asked)."""
    in_passing: list[str]
    """Questions answered in passing at another one, not yet at their own."""
    browsing: bool
    """The last screen was browsing the dilemmas (``/terug`` leaves it, intake unmoved)."""


UPDATE_MEMORY = ("update", "earlier_updates")
"""Keys of :attr:`StoredState.data` that outlive a restart, a forget and a new flow
version: the ids of the user's recent updates, so that one fetched again is not handled
twice."""

REMEMBERED_UPDATES = 100
"""Update ids kept per user before the latest: a poller that restarts fetches again the
updates above one it could not handle yet (Telegram hands out up to 100 at a time), and
these must not be handled twice."""


def fresh_data(data: ConversationData) -> ConversationData:
    """``data`` emptied, except for the update memory."""
    fresh = ConversationData()
    if "update" in data:
        fresh["update"] = data["update"]
    if "earlier_updates" in data:
        fresh["earlier_updates"] = data["earlier_updates"]
    return fresh


def remember_update(data: ConversationData, update_id: int) -> Literal["new", "latest", "earlier"]:
    """Whether the update was handled before: the user's ``latest`` (its reply may have
    been lost), an ``earlier`` one (fetched again after a restart, with later ones handled
    since), or ``new``, which is then remembered in ``data``. Ids are compared, not
    ordered: Telegram may start its ids afresh."""
    latest = data.get("update")
    earlier = list(data.get("earlier_updates", ()))
    if update_id == latest:
        return "latest"
    if update_id in earlier:
        return "earlier"
    if isinstance(latest, int):
        data["earlier_updates"] = [*earlier, latest][-REMEMBERED_UPDATES:]
    data["update"] = update_id
    return "new"


@dataclass
class StoredState:
    """The part of a conversation that is persisted between events."""

    state: str = "new"
    flow_version: int = 0
    lang: str = DEFAULT_LANGUAGE
    consent: bool | None = None
    """None: not asked yet; False: declined, so nothing about the user is stored."""
    answers: dict[str, str] = field(default_factory=dict)
    data: ConversationData = field(default_factory=ConversationData)
    roles: frozenset[str] = frozenset()
    """"admin" (from ADMIN_IDS) and "coordinator" (appointed); not changed by the flow."""
    channel: str | None = field(default=None, compare=False)
    """The channel of the event ("telegram", "console"; None: any); not stored."""


@dataclass(frozen=True, slots=True)
class SaveAdvice:
    """Record the advice shown: profile snapshot and the dilemmas in order."""

    profile: dict[str, str]
    dilemmas: tuple[str, ...]
    kind: str = "intake"
    """The timeline's name for how it came about: "intake" (or an edit), "recheck"."""


@dataclass(frozen=True, slots=True)
class SaveReflection:
    """Keep a reflection the user wrote about a dilemma or question."""

    subject: str
    text: str


@dataclass(frozen=True, slots=True)
class ScheduleReminder:
    """Remind the user of their advice after ``days`` days."""

    days: int
    subject: str


@dataclass(frozen=True, slots=True)
class SetLanguage:
    lang: str


@dataclass(frozen=True, slots=True)
class SetConsent:
    consent: bool


@dataclass(frozen=True, slots=True)
class ExportData:
    """Send the user everything stored about them, as a document."""


@dataclass(frozen=True, slots=True)
class ForgetMe:
    """Delete everything about the user; nothing of this event is stored either."""


@dataclass(frozen=True, slots=True)
class ListReflections:
    """Show the user's reflections, each with a button to delete it."""


@dataclass(frozen=True, slots=True)
class DeleteReflection:
    reflection_id: int


@dataclass(frozen=True, slots=True)
class JoinCohort:
    """Join the cohort of this deep-link code and plan its nudges."""

    code: str


@dataclass(frozen=True, slots=True)
class RedeemInvite:
    """Become a coordinator through a one-time invite link."""

    token: str


@dataclass(frozen=True, slots=True)
class CreateCohort:
    """A new cohort of the coordinator: ``workshop`` is ISO wall-clock time in ``timezone``."""

    name: str
    workshop: str
    plan: str
    timezone: str


@dataclass(frozen=True, slots=True)
class ListCohorts:
    """Show the coordinator's own cohorts."""


@dataclass(frozen=True, slots=True)
class CohortLink:
    """Show a cohort's deep link and QR code again (only to its coordinator)."""

    cohort_id: int


@dataclass(frozen=True, slots=True)
class CloseCohort:
    """Close a cohort to new members; unconfirmed, ask first."""

    cohort_id: int
    confirmed: bool


@dataclass(frozen=True, slots=True)
class RescheduleCohort:
    """Move the workshop (ISO wall-clock time in the cohort's zone); re-plan the nudges."""

    cohort_id: int
    workshop: str


@dataclass(frozen=True, slots=True)
class CreateInvite:
    """Make a one-time coordinator invite link (admins)."""


@dataclass(frozen=True, slots=True)
class Appoint:
    """Make the user with this Telegram id a coordinator (admins)."""

    channel_user_id: str


@dataclass(frozen=True, slots=True)
class Revoke:
    """Take the coordinator role away from this user (admins); unconfirmed, ask first."""

    user_id: int
    confirmed: bool


@dataclass(frozen=True, slots=True)
class ShowNudgeSettings:
    """Show when nudges may arrive, and the choices."""


@dataclass(frozen=True, slots=True)
class SetNudges:
    """Nudges in this window (None: the default), or ``off``: no nudges or reminders."""

    window: str | None
    off: bool


@dataclass(frozen=True, slots=True)
class Snooze:
    """Send this nudge again: the next working day ("day") or next week ("week")."""

    outbox_id: int
    until: str


@dataclass(frozen=True, slots=True)
class AnswerPrompt:
    """Keep the answer to a nudge or broadcast (its outbox id) as the user's reflection."""

    outbox_id: int
    text: str


@dataclass(frozen=True, slots=True)
class Draft:
    """A broadcast being composed: typed ``text`` or a ``template`` (question id), the
    ``cohorts`` it goes to (None: all of the coordinator's) and an optional ``dilemma``
    filter (only members whose latest advice showed it)."""

    text: str | None
    template: str | None
    cohorts: tuple[int, ...] | None
    dilemma: str | None


@dataclass(frozen=True, slots=True)
class ShowAudience:
    """Show the coordinator's cohorts to choose from, marking the draft's choice."""

    draft: Draft


@dataclass(frozen=True, slots=True)
class ShowPreview:
    """Show the broadcast exactly as members get it, and to how many it goes."""

    draft: Draft


@dataclass(frozen=True, slots=True)
class StartBroadcast:
    draft: Draft


@dataclass(frozen=True, slots=True)
class BroadcastHistory:
    """The coordinator's latest broadcasts, each with a button for its report."""


@dataclass(frozen=True, slots=True)
class BroadcastReport:
    broadcast_id: int


@dataclass(frozen=True, slots=True)
class CancelBroadcast:
    broadcast_id: int


@dataclass(frozen=True, slots=True)
class ShareAnswer:
    """Share one's own answer to a broadcast, without name, with its coordinator."""

    reflection_id: int


@dataclass(frozen=True, slots=True)
class ShowInsight:
    """Anonymous aggregates of the coordinator's cohorts."""


FollowUpEffect = (
    JoinCohort
    | RedeemInvite
    | CreateCohort
    | ListCohorts
    | CohortLink
    | CloseCohort
    | RescheduleCohort
    | ListCoordinators
    | CreateInvite
    | Appoint
    | Revoke
    | ShowNudgeSettings
    | SetNudges
    | Snooze
    | AnswerPrompt
    | ShowAudience
    | ShowPreview
    | StartBroadcast
    | BroadcastHistory
    | BroadcastReport
    | CancelBroadcast
    | ShareAnswer
    | ShowInsight
    | StewardshipEffect
)
"""Effects about cohorts, roles and nudges: applied by ``bot.app.followup``."""

Effect = (
    SaveAdvice
    | SaveReflection
    | ScheduleReminder
    | SetLanguage
    | SetConsent
    | ExportData
    | ForgetMe
    | ListReflections
    | DeleteReflection
    | FollowUpEffect
    | HandoutEffect
    | TimelineEffect
    | OpenLive
)


@dataclass
class Outcome:
    """The result of handling one event.

    ``notice`` is a short line for the channel to flash (Telegram's callback answer);
    ``chosen`` is the label of the pressed answer, for the channel to mark the question
    message with; ``replies`` are new messages; ``effects`` are for storage.
    """

    state: StoredState
    replies: list[Reply] = field(default_factory=list)
    effects: list[Effect] = field(default_factory=list)
    notice: str | None = None
    chosen: str | None = None
    duplicate: bool = False
    edit: bool = False
    """The first reply replaces the message whose button was pressed (a toggle), rather
    than coming as a new message."""
    deferred: list[Callable[[], list[Reply]]] = field(default_factory=list)
    """Replies too slow to build inside the unit of work (a chart): built afterwards, off
    the event loop, and added after the others (set by the service)."""
    menus: dict[str, frozenset[str]] = field(default_factory=dict)
    """Users (channel ids) whose roles changed, with their roles now: their command menu
    should change (set by the service)."""
    live_session: int | None = None
    """A live session running for a cohort the user just joined: the channel shows them
    its current round now, not from the next one on (set by the service)."""
