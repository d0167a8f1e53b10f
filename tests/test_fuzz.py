"""Fuzzing the conversation (tracker issue 8): from every state of the advisor flow, random
text, random and forged callback data, random commands, and the buttons on offer.

Whatever arrives, nothing crashes, every reply can be sent to Telegram, and what is kept is
a valid state of its flow. Two layers: the pure core (``AdvisorFlow.handle``) from every
state, and the service (``Advisor.handle``) over a real database with a few users
interleaved, read back through the repository after every event.

The starting points are reached honestly: a breadth-first walk from fresh conversations (a
member, a coordinator, an admin) over the buttons on offer, the buttons of what the service
sends (cohort lists, nudges, broadcast audiences), a few commands and typed lines finds
short ways to every state. A few more are planted as the service would load them: a user
who declined (only that choice is kept), conversations stored by an older flow version,
and coordinators whose role was revoked in the middle of a cohort or broadcast dialogue.

Every event carries an update id, as Telegram's do, and some are delivered twice.

The bugs it found are fixed; the cases that showed them are kept as tests at the end.
"""

from __future__ import annotations

import copy
import dataclasses
import itertools
import json
import os
import re
import string
from collections import deque
from collections.abc import Hashable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import partial
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Connection, select

from bot.app.advisor import Advisor
from bot.telegram.channel import CHANNEL, COMMANDS, ROLE_COMMANDS
from bot.telegram.render import TELEGRAM_LIMIT, keyboard, split_spans, to_html
from flows.actions import MAX_ACTION_BYTES, parse_action
from flows.advice.dialogue import ADVICE_ACTIONS, MAX_REFLECTION
from flows.advice.reminder import reminder
from flows.advisor import AdvisorFlow
from flows.broadcasts import screens as broadcast_screens
from flows.broadcasts.dialogue import MAX_BROADCAST
from flows.cohorts import screens as followup_screens
from flows.cohorts.dialogue import (
    ADMIN,
    ADMIN_COMMANDS,
    BROADCAST_HEADS,
    COHORT_COMMANDS,
    COORDINATOR,
    COORDINATOR_COMMANDS,
    MAX_ANSWER,
    MAX_COHORT_NAME,
    NUDGE_COMMANDS,
    START_PAYLOAD,
    zone_named,
)
from flows.commands import parse_command
from flows.definition import (
    ADVICE,
    ADVICE_TAG,
    BROADCAST_STATES,
    BROWSE_TAG,
    COHORT_STATES,
    COHORT_TAG,
    DECLINED,
    FLOW_VERSION,
    NEW,
    NUDGE_TAG,
    PRIVACY_TAG,
)
from flows.events import (
    AnswerPrompt,
    Appoint,
    BroadcastHistory,
    BroadcastReport,
    CancelBroadcast,
    CloseCohort,
    CohortLink,
    CreateCohort,
    CreateInvite,
    Draft,
    Event,
    ExportData,
    ForgetMe,
    JoinCohort,
    ListCohorts,
    ListCoordinators,
    ListReflections,
    Outcome,
    RedeemInvite,
    RescheduleCohort,
    Revoke,
    SaveAdvice,
    SaveReflection,
    ScheduleReminder,
    SetConsent,
    SetLanguage,
    SetNudges,
    ShowAudience,
    ShowInsight,
    ShowNudgeSettings,
    ShowPreview,
    Snooze,
    StartBroadcast,
    StoredState,
)
from flows.privacy.dialogue import (
    GATE_STATES,
    PRIVACY_COMMANDS,
    STATELESS_COMMANDS,
)
from flows.privacy.screens import privacy_screen, reflections_screen
from flows.replies import Reply, Span
from flows.screens import Say
from knowledge.loader import BUNDLED_DIR
from knowledge.model import LANGUAGES
from knowledge.store import KnowledgeStore
from storage import Database, Repository
from storage.models import User

if TYPE_CHECKING:
    from tests.storage_fixtures import FakeClock

pytest_plugins = ["tests.storage_fixtures"]

STORE = KnowledgeStore()
KNOWLEDGE = STORE.current
FLOW = AdvisorFlow(KNOWLEDGE)
STATE_NAMES = tuple(spec.name for spec in FLOW.definition.states)
OPTIONS = {q.id: frozenset(o.id for o in q.options) for q in KNOWLEDGE.intake}
DILEMMAS = frozenset(d.id for d in KNOWLEDGE.dilemmas)
SUBJECTS = DILEMMAS | {"advice"}
"""What reminders and reflections may be about."""
PLANS = frozenset(p.id for p in KNOWLEDGE.plans)
WINDOWS = frozenset(w.id for w in KNOWLEDGE.windows)
STALE = frozenset(Say(KNOWLEDGE, lang).label("stale") for lang in LANGUAGES)
DUPLICATE = frozenset(Say(KNOWLEDGE, lang).label("duplicate") for lang in LANGUAGES)
SMALL_LIMIT = 300
"""Replies are also split below this many characters, to put the splitting to work."""
MAX_ID = 2**63 - 1
"""Ids go into 64-bit integer columns."""

BEFORE_CONSENT = (SetConsent, SetLanguage, ForgetMe)
"""The only effects an outcome without consent may carry (the service keeps none of them
but the choice)."""
DISPLAY_ONLY = (
    ExportData,
    ListReflections,
    ListCohorts,
    CohortLink,
    ListCoordinators,
    ShowNudgeSettings,
    ShowAudience,
    ShowPreview,
    BroadcastHistory,
    BroadcastReport,
    ShowInsight,
)
"""Effects that only show something: the one kind a screen shown again may ask for."""
COORDINATORS_ONLY = (
    ListCohorts,
    CohortLink,
    CloseCohort,
    RescheduleCohort,
    CreateCohort,
    ShowAudience,
    ShowPreview,
    StartBroadcast,
    BroadcastHistory,
    BroadcastReport,
    CancelBroadcast,
    ShowInsight,
)
ADMINS_ONLY = (ListCoordinators, CreateInvite, Appoint, Revoke)
DIALOGUES = (*COHORT_STATES, *BROADCAST_STATES)
"""The coordinators' side dialogues."""
ROLE_SETS: tuple[frozenset[str], ...] = (frozenset(), frozenset({COORDINATOR}), frozenset({ADMIN}))

COMMAND_NAMES = sorted(
    {
        *COMMANDS,
        *(name for names in ROLE_COMMANDS.values() for name in names),
        *PRIVACY_COMMANDS,
        *STATELESS_COMMANDS,
        *COHORT_COMMANDS,
        *COORDINATOR_COMMANDS,
        *ADMIN_COMMANDS,
        *NUDGE_COMMANDS,
        # What flows/conversation.py answers to besides the menu's names.
        *("opnieuw", "restart", "terug", "back", "hulp", "language", "lang"),
    }
)
WALK_COMMANDS = ("start", "advies", "profiel", "broadcast")
WALK_TEXTS = ("Werkplaats jeugdhulp", "12-12-2026 14:00", "Europe/Amsterdam")
"""What the walk types besides pressing buttons: a cohort's name (or a broadcast), a date
and a time zone."""
VARIANTS = 2
"""Starting points kept per state: the first ways there found, until every state is."""
WALK_LIMIT = 3000
"""Conversations the walk expands at most (every state is found within a few hundred)."""

# The same examples on every run (CI must not turn red by chance); FUZZ_EXAMPLES=200 (say)
# explores anew, with that many examples per starting point.
EXPLORE = int(os.environ.get("FUZZ_EXAMPLES", "0"))
# Building Hypothesis's table of characters on a fresh machine is slow (as in test_guard.py).
CORE_SETTINGS = settings(
    max_examples=EXPLORE or 15,
    deadline=None,
    derandomize=not EXPLORE,
    suppress_health_check=[HealthCheck.too_slow],
)
SERVICE_SETTINGS = settings(
    max_examples=EXPLORE * 4 or 50,
    deadline=None,
    derandomize=not EXPLORE,
    # One database serves every example; each example has users of its own.
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


def _service_buttons() -> tuple[str, ...]:
    """The buttons of what the service sends besides the flow's screens: cohort lists and
    confirmations, the coordinators, nudges and their settings, reminders, reflections,
    broadcasts being composed and sent."""
    say = Say(KNOWLEDGE, LANGUAGES[0])
    cohort = followup_screens.CohortSummary(
        1, "Werkplaats", datetime(2026, 12, 12, 14), "Europe/Amsterdam", min(PLANS), 3, False
    )
    coordinator = followup_screens.CoordinatorSummary(2, 1, date(2026, 12, 1), ("Werkplaats",))
    screens = [
        followup_screens.cohort_list(say, [cohort]),
        followup_screens.close_confirm(say, cohort),
        followup_screens.coordinators_screen(say, [coordinator]),
        followup_screens.revoke_confirm(say, coordinator),
        followup_screens.nudge(say, None, 1),
        followup_screens.nudge_settings(
            say, KNOWLEDGE.windows, None, False, "Europe/Amsterdam", None
        ),
        reminder(say, min(DILEMMAS)),
        reflections_screen(say, [(1, "Advies", "Een reflectie")]),
        privacy_screen(say, True),
        broadcast_screens.audience(say, [(1, "Werkplaats", 3)], None, None),
        broadcast_screens.preview_summary(say, 3, "Werkplaats", None),
        broadcast_screens.progress(say, 1, 1, 3),
        broadcast_screens.report(
            say, 1, total=3, sent=3, blocked=0, failed=0, cancelled=0, answered=1
        ),
        broadcast_screens.history(say, [(1, "gisteren", "Wat")]),
        broadcast_screens.share_offer(say, 1),
        broadcast_screens.message(say, [Span("Wat")], 1),
    ]
    return tuple(dict.fromkeys(a for reply in screens for a in reply.actions))


SERVICE_BUTTONS = _service_buttons()


# -- starting points ----------------------------------------------------------------------


@dataclass(frozen=True)
class Start:
    """A conversation to fuzz from: reached by ``path`` from a fresh one, or ``planted``."""

    name: str
    state: StoredState
    path: tuple[Event, ...] = ()
    planted: bool = False
    offered: tuple[str, ...] = ()

    def __repr__(self) -> str:
        how = "planted" if self.planted else " → ".join(e.name or e.text for e in self.path)
        roles = ",".join(sorted(self.state.roles))
        return f"Start({self.name} [{roles}]: {how or 'fresh'})"


def offered_actions(outcome: Outcome) -> tuple[str, ...]:
    return tuple(a for reply in outcome.replies for a in reply.actions)


def _condition_keys() -> frozenset[str]:
    """The intake questions some ``ask_if`` depends on: their answers decide which
    questions come (``bestuurlijke_subgroep`` only after subgroups), so the walk tells
    conversations apart by them too."""
    raw = yaml.safe_load((BUNDLED_DIR / "content" / "intake.yaml").read_text("utf-8"))
    keys: set[str] = set()

    def collect(node: object, in_condition: bool) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if in_condition:
                    keys.add(str(key))
                collect(value, in_condition or key == "ask_if")
        elif isinstance(node, list):
            for item in node:
                collect(item, in_condition)

    collect(raw, False)
    return frozenset(keys)


CONDITION_KEYS = _condition_keys()


def shape(state: StoredState) -> Hashable:
    """What tells conversations apart for the walk: state, consent, roles, what a cohort
    being created has so far, and the answers that conditional questions depend on (not
    other answers or data, or the walk never ends)."""
    draft = state.data.get("cohort")
    drafted = tuple(sorted(draft)) if isinstance(draft, dict) else None
    conditions = tuple(sorted((k, str(v)) for k, v in state.answers.items() if k in CONDITION_KEYS))
    return state.state, state.consent, state.roles, drafted, conditions


def walk() -> tuple[dict[str, list[Start]], set[str]]:
    """Breadth first from fresh conversations of each role, until every state is reached;
    up to :data:`VARIANTS` conversations of different shapes in each, and every action id
    that was on offer."""
    found: dict[str, list[Start]] = {name: [] for name in STATE_NAMES}
    actions = set(SERVICE_BUTTONS)
    queue = deque(Start(NEW, StoredState(roles=roles)) for roles in ROLE_SETS)
    seen = {shape(start.state) for start in queue}
    for _ in range(WALK_LIMIT):
        if not queue or all(found.values()):
            break
        start = queue.popleft()
        if len(found[start.name]) < VARIANTS:
            found[start.name].append(start)
        events = [Event("command", name=c) for c in WALK_COMMANDS]
        events += [Event("action", a) for a in (*start.offered, *SERVICE_BUTTONS)]
        events += [Event("text", t) for t in WALK_TEXTS]
        for event in events:
            outcome = FLOW.handle(start.state, event)
            actions.update(offered_actions(outcome))
            if shape(outcome.state) not in seen:
                seen.add(shape(outcome.state))
                path = (*start.path, event)
                offered = offered_actions(outcome)
                queue.append(Start(outcome.state.state, outcome.state, path, offered=offered))
    return found, actions


WALKED, ACTIONS = walk()


def _planted() -> list[Start]:
    old_answers = {"size": "zeer_groot", "mandate": "beperkt", "gone": "x", "subgroups": "no"}
    starts = [
        # A user who declined: the service keeps only that choice, so this is what it loads.
        Start(NEW, StoredState(consent=False), planted=True),
        Start(NEW, StoredState(lang="en", consent=False), planted=True),
        # Stored by an older flow version: a state that is gone, answers that no longer count.
        Start("q_gone", StoredState("q_gone", 0, "nl", True, {"size": "groot"}), planted=True),
        Start(ADVICE, StoredState(ADVICE, 0, "en", True, old_answers, {"x": 1}), planted=True),
    ]
    # Coordinators whose role an admin revoked in the middle of a dialogue.
    for name in DIALOGUES:
        for start in WALKED[name][:1]:
            revoked = dataclasses.replace(start.state, roles=frozenset())
            starts.append(Start(name, revoked, planted=True))
    return starts


STARTS = [start for variants in WALKED.values() for start in variants] + _planted()


def start_id(start: Start) -> str:
    kind = "planted" if start.planted else "walked"
    consent = {None: "unasked", False: "declined", True: "agreed"}[start.state.consent]
    roles = "+".join(sorted(start.state.roles)) or "member"
    return f"{start.name}-{kind}-{consent}-{roles}-{STARTS.index(start)}"


def replay(roles: frozenset[str], path: tuple[Event, ...]) -> StoredState:
    state = StoredState(roles=roles)
    for event in path:
        state = FLOW.handle(state, event).state
    return state


def test_the_walk_reaches_every_state() -> None:
    assert [name for name, variants in WALKED.items() if not variants] == []
    for name, variants in WALKED.items():
        for start in variants:
            assert start.state.state == name
            assert replay(start.state.roles, start.path) == start.state


def test_the_starts_cover_every_consent_and_role() -> None:
    covered = {(s.state.state, s.state.consent) for s in STARTS}
    gate = {(NEW, None), ("consent", None), (DECLINED, False), (NEW, False)}
    assert gate <= covered
    assert {(n, True) for n in STATE_NAMES if n not in GATE_STATES} <= covered
    assert any(s.state.flow_version != FLOW_VERSION for s in STARTS)
    assert {s.state.roles for s in STARTS} == set(ROLE_SETS)


# -- what users send ----------------------------------------------------------------------


@dataclass(frozen=True)
class PressOffered:
    """Press a button of the latest replies (``index`` modulo how many), or, when they have
    none, of the latest replies that had any (then perhaps expired)."""

    index: int


@dataclass(frozen=True)
class PressForged(PressOffered):
    """Press such a button with one part of its action id (version, tag, choice; one past
    the end: an extra part) replaced: forged, but right for the state it was shown in."""

    part: int
    replacement: str


@dataclass(frozen=True)
class Again:
    """The last update delivered again (the channel retried it), with its update id."""


Step = Event | PressOffered | Again


def _phrases() -> list[str]:
    """Text the bot understands: option labels, words and numbers, skip and back words,
    dilemma keywords, workshop dates, time zones."""
    phrases: set[str] = {
        *WALK_TEXTS,
        *("2026-12-12 14.00", "12/12/2026", "31-02-2026", "99-99-9999 99:99", "1-1-26"),
        *("31-12-9999 23:59", "0001-01-01 00:00", "12-12-2026 25:61"),
        *("america/new york", "UTC", "Etc/GMT+12", "Pacific/Kiritimati", "Mars/Olympus"),
    }
    for question in KNOWLEDGE.intake:
        for option in question.options:
            phrases.update(option.label.get(lang) for lang in LANGUAGES)
            for words in option.words.values():
                phrases.update(words)
            phrases.update(str(n) for n in option.range or ())
    for key in ("words_skip", "words_back", "words_help", "words_stop"):
        for lang in LANGUAGES:
            phrases.update(w.strip() for w in KNOWLEDGE.message(key, lang).split(","))
    for dilemma in KNOWLEDGE.dilemmas:
        for words in dilemma.keywords.values():
            phrases.update(words)
    return sorted(p for p in phrases if p)


EMOJI = st.characters(min_codepoint=0x1F300, max_codepoint=0x1FAFF)
ODD = st.sampled_from(["\x00", "\x1b", "\u200b", "\u200d", "\u202e", "\ufeff", "\n", "\t", " "])


def _exactly(length: int) -> st.SearchStrategy[str]:
    """Text of exactly ``length`` characters: a short random unit, repeated."""
    unit = st.text(st.characters(codec="utf-8") | EMOJI, min_size=1, max_size=12)
    return unit.map(lambda u: (u * (length // len(u) + 1))[:length])


phrases = st.sampled_from(_phrases())
client_data = st.sampled_from(sorted({test.text for test in KNOWLEDGE.guard.tests}))
"""The guard's own examples: client data, and text that only looks like it."""
long_lengths = [MAX_COHORT_NAME + 1, MAX_REFLECTION, MAX_REFLECTION + 1, 4096, 4097, 6000]
TEXT_KINDS: dict[str, st.SearchStrategy[str]] = {
    "random": st.text(max_size=60),
    "odd": st.text(st.characters(codec="utf-8") | EMOJI | ODD, max_size=60),
    "phrase": phrases,
    "phrase and noise": st.tuples(phrases, st.text(max_size=20)).map(" ".join),
    "client data": client_data,
    "noise and client data": st.tuples(st.text(max_size=20), client_data).map(" ".join),
    "number": st.integers(-5, 100_000).map(str),
    "long": st.sampled_from(long_lengths).flatmap(_exactly),
}
texts = st.sampled_from(sorted(TEXT_KINDS)).flatmap(TEXT_KINDS.__getitem__)
"""What a user types, as Telegram delivers it (valid UTF-8)."""
core_texts = texts | st.text(st.characters(codec=None), max_size=30)
"""In the core also lone surrogates: anything a ``str`` can hold."""

OFFERED = [parsed for a in sorted(ACTIONS) if (parsed := parse_action(a)) is not None]
"""Every action id the walk was offered, parsed."""
REAL_TAGS = sorted({ADVICE_TAG, BROWSE_TAG, PRIVACY_TAG, COHORT_TAG, NUDGE_TAG, *OPTIONS})
REAL_HEADS = sorted(
    {
        *(parsed.choice[0] for parsed in OFFERED),
        *(o for options in OPTIONS.values() for o in options),
        *("_back", "_skip"),
        *ADVICE_ACTIONS,
        *("levels", "level", "resume", "lang"),
        *("consent", "export", "reflections", "forget", "keep", "delref"),
        *("new", "cancel", "plan", "zone", "create", "redate", "link", "close", "closeyes"),
        *("invite", "revoke", "revokeyes", "revokeno"),
        *("reply", "later", "week", "stop", "off", "window", "share"),
        *BROADCAST_HEADS,
    }
)
REAL_ARGS = sorted(
    {
        *(arg for parsed in OFFERED for arg in parsed.choice[1:]),
        *DILEMMAS,
        *(lv.id for lv in KNOWLEDGE.levels),
        *OPTIONS,
        *LANGUAGES,
        *PLANS,
        *WINDOWS,
        *("yes", "no", "1", "0", "inv_x"),
    }
)
digits = st.text(st.characters(categories=["Nd", "No"]), min_size=1, max_size=3)
numbers = st.integers(-1, 10**55).map(str)
versions = st.sampled_from([str(FLOW_VERSION), "0", str(FLOW_VERSION + 1), "01", ""]) | digits
forged = st.builds(
    lambda version, tag, head, rest: ":".join((version, tag, head, *rest)),
    versions,
    st.sampled_from(REAL_TAGS) | st.text(max_size=6),
    st.sampled_from(REAL_HEADS) | st.text(max_size=8),
    st.lists(st.sampled_from(REAL_ARGS) | st.text(max_size=8) | digits | numbers, max_size=2),
)
"""Well-formed ids: right and wrong versions, real tags and choices in any state."""
callback_data = st.one_of(
    forged,
    st.sampled_from(SERVICE_BUTTONS),
    st.text(max_size=70),
    st.binary(max_size=64).map(lambda b: b.decode("utf-8", "replace")),
    st.binary(max_size=64).map(lambda b: b.decode("latin-1")),
)

command_names = st.one_of(
    st.sampled_from(COMMAND_NAMES),
    st.sampled_from(COMMAND_NAMES).map(str.upper),
    st.text(max_size=12),
)
payloads = st.one_of(
    st.from_regex(START_PAYLOAD, fullmatch=True),
    st.text(st.sampled_from(string.ascii_letters + string.digits + "_-"), min_size=30, max_size=64),
    st.text(max_size=8).map("inv_{}".format),
)
"""Deep-link payloads: cohort codes and invites, short and long, and anything else."""
arguments = st.sampled_from(["", "en", "nl", "EN", "de", "1000001"]) | payloads | texts
commands = st.builds(lambda n, a: Event("command", text=a, name=n), command_names, arguments)
commands |= payloads.map(lambda p: Event("command", text=p, name="start"))
"""Commands; also ``/start <payload>``, as a deep link (or a user) sends it."""
command_lines = st.builds(
    lambda name, bot, a: parse_command(f"/{name}{bot} {a}"),
    command_names,
    st.sampled_from(["", "@netwerkwijzer_bot"]),
    arguments,
)
"""Commands as the channels make them from a typed ``/name@bot args`` line."""


replacements = st.one_of(
    st.sampled_from(["0", str(FLOW_VERSION + 1), "01", "", *REAL_TAGS, *REAL_HEADS, *REAL_ARGS]),
    st.text(max_size=6),
    digits,
    numbers,
)


def steps(text: st.SearchStrategy[str]) -> st.SearchStrategy[Step]:
    """One thing a user does. The kind is sampled first: ``one_of`` would seldom press."""
    kinds: dict[str, st.SearchStrategy[Step]] = {
        "press": st.builds(PressOffered, st.integers(0, 20)),
        "forge": st.builds(PressForged, st.integers(0, 20), st.integers(0, 4), replacements),
        "type": text.map(lambda t: Event("text", t)),
        "callback": callback_data.map(lambda d: Event("action", d)),
        "command": commands,
        "command line": command_lines,
        "again": st.just(Again()),
    }
    # Typing counts three times: the side dialogues and notes do the most with text.
    return st.sampled_from([*sorted(kinds), "type", "type"]).flatmap(kinds.__getitem__)


# -- the properties -----------------------------------------------------------------------


def check_split(reply: Reply, limit: int) -> None:
    """Split below ``limit`` characters: something to send, nothing lost, valid HTML."""
    chunks = split_spans(reply.spans, limit)
    assert chunks or reply.attachment is not None, f"a reply with nothing to send: {reply}"
    for chunk in chunks:
        assert 0 < len("".join(s.text for s in chunk)) <= limit
        assert to_html(chunk)
    sent = "".join(s.text for chunk in chunks for s in chunk)
    assert re.sub(r"\s", "", sent) == re.sub(r"\s", "", reply.plain), "text lost in splitting"


def check_reply(reply: Reply) -> None:
    """Telegram can send it: chunks of at most 4096 characters with nothing lost, HTML, an
    inline keyboard with labels, callback data of at most 64 bytes that parses back."""
    # No reply comes near Telegram's limit yet: a small one makes the splitting work too.
    for limit in (TELEGRAM_LIMIT, SMALL_LIMIT):
        check_split(reply, limit)
    assert (keyboard(reply.buttons) is None) == (not reply.buttons)
    for row in reply.buttons:
        assert row, "an empty row of buttons"
        for button in row:
            assert button.label.strip(), f"a button without a label: {button}"
            assert len(button.action.encode("utf-8")) <= MAX_ACTION_BYTES, button.action
            parsed = parse_action(button.action)
            assert parsed is not None and parsed.version == FLOW_VERSION, button.action
    if reply.attachment is not None:
        assert reply.attachment.data
        if reply.attachment.name.endswith(".json"):
            json.loads(reply.attachment.data)


def check_answers(answers: dict[str, str]) -> None:
    for question_id, option_id in answers.items():
        assert option_id in OPTIONS.get(question_id, ()), f"answer {question_id}={option_id}"


def check_state(state: StoredState) -> None:
    """A valid state of the advisor flow, that the database can keep as it is."""
    assert state.state in STATE_NAMES, state.state
    assert state.flow_version == FLOW_VERSION
    assert state.lang in LANGUAGES
    check_answers(state.answers)
    # Until the user agrees the conversation stays at the privacy gate; afterwards it
    # never returns there (erasure starts over, without consent).
    assert (state.consent is True) == (state.state not in GATE_STATES), (
        state.state,
        state.consent,
    )
    question = FLOW.questions.get(state.state)
    if question is not None:
        profile = FLOW.engine.effective_profile(state.answers)
        assert question.ask_if(profile), f"{state.state} asked, but not for {state.answers}"
    for kept in (state.answers, state.data):
        assert json.loads(json.dumps(kept)) == kept, "not stored as it is"


def check_text_kept(text: str, limit: int) -> None:
    assert 0 < len(text) <= limit and text == text.strip()
    assert not FLOW.guard.scan(text), "client data kept"


def check_workshop(workshop: str, zone: str) -> None:
    """A wall-clock time in a real zone, that can be placed in UTC."""
    assert zone_named(zone) == zone, zone
    datetime.fromisoformat(workshop).replace(tzinfo=ZoneInfo(zone)).astimezone(UTC)


def integers(value: object) -> Iterator[int]:
    """Every integer in a value made of dicts, lists and tuples (booleans are not ids)."""
    if isinstance(value, int) and not isinstance(value, bool):
        yield value
    elif isinstance(value, dict):
        yield from itertools.chain.from_iterable(map(integers, value.values()))
    elif isinstance(value, list | tuple):
        yield from itertools.chain.from_iterable(map(integers, value))


def check_draft(draft: Draft) -> None:
    """A broadcast: a clean text or a known question, known cohorts and dilemma."""
    assert (draft.text is None) != (draft.template is None), draft
    if draft.text is not None:
        check_text_kept(draft.text, MAX_BROADCAST)
    assert draft.template is None or draft.template in KNOWLEDGE.questions
    assert draft.dilemma is None or draft.dilemma in DILEMMAS
    assert draft.cohorts is None or draft.cohorts


def check_effects(outcome: Outcome) -> None:
    """Effects name only what exists, keep no client data, wait for consent and need the
    roles they are for (the roles the flow was given: it passes them on)."""
    roles = outcome.state.roles
    for effect in outcome.effects:
        if outcome.state.consent is not True:
            assert isinstance(effect, BEFORE_CONSENT), f"{effect} without consent"
        if isinstance(effect, COORDINATORS_ONLY):
            assert roles & {COORDINATOR, ADMIN}, f"{effect} for {set(roles)}"
        if isinstance(effect, ADMINS_ONLY):
            assert ADMIN in roles, f"{effect} for {set(roles)}"
        for number in integers(dataclasses.asdict(effect)):
            assert 0 <= number <= MAX_ID, f"{effect}: an id beyond 64 bits"
        if isinstance(effect, ShowAudience | ShowPreview | StartBroadcast):
            check_draft(effect.draft)
        elif isinstance(effect, SetLanguage):
            assert effect.lang in LANGUAGES
        elif isinstance(effect, ScheduleReminder):
            assert effect.days > 0 and effect.subject in SUBJECTS, effect
        elif isinstance(effect, SaveReflection):
            assert effect.subject in SUBJECTS, effect
            check_text_kept(effect.text, MAX_REFLECTION)
        elif isinstance(effect, AnswerPrompt):
            check_text_kept(effect.text, MAX_ANSWER)
        elif isinstance(effect, SaveAdvice):
            check_answers(effect.profile)
            assert set(effect.dilemmas) <= DILEMMAS
        elif isinstance(effect, CreateCohort):
            assert 0 < len(effect.name) <= MAX_COHORT_NAME and effect.plan in PLANS
            check_workshop(effect.workshop, effect.timezone)
        elif isinstance(effect, RescheduleCohort):
            check_workshop(effect.workshop, "UTC")
        elif isinstance(effect, JoinCohort | RedeemInvite):
            assert START_PAYLOAD.fullmatch(dataclasses.astuple(effect)[0]), effect
        elif isinstance(effect, SetNudges):
            assert effect.window is None or effect.window in WINDOWS
        elif isinstance(effect, Snooze):
            assert effect.until in ("day", "week")


def changes_nothing(before: StoredState, outcome: Outcome) -> None:
    """Only shows something: no effect but one that shows, the same answers and state (but
    a conversation at the gate may be shown the privacy statement)."""
    after = outcome.state
    assert all(isinstance(e, DISPLAY_ONLY) for e in outcome.effects), outcome.effects
    assert after.consent == before.consent
    if before.flow_version == FLOW_VERSION:
        assert after.answers == before.answers
        assert after.state == before.state or before.state in GATE_STATES
        for draft in ("cohort", "broadcast"):
            assert after.data.get(draft) == before.data.get(draft, after.data.get(draft))


def answered(outcome: Outcome) -> bool:
    """Something for the user: a reply here, or one the service makes of an effect (a
    list of cohorts, a broadcast's preview with its count)."""
    return bool(outcome.replies or outcome.effects or outcome.deferred or outcome.notice)


def check_outcome(before: StoredState, event: Event, outcome: Outcome, *, fresh: bool) -> None:
    """Everything that holds after one event, whatever it was; ``fresh``: the event pressed
    a button of the replies just before."""
    after = outcome.state
    check_state(after)
    check_effects(outcome)
    for reply in outcome.replies:
        check_reply(reply)
    if outcome.duplicate:
        assert outcome.notice in DUPLICATE and not outcome.replies and not outcome.effects
        assert (after.state, after.answers) == (before.state, before.answers)
    if event.update_id and before.data.get("update") == event.update_id:
        changes_nothing(before, outcome)  # handled before: it is only shown again
        assert answered(outcome), "shown again"
        return
    if event.kind in ("command", "text"):
        assert answered(outcome), f"{event} got no answer at all"
    if before.state in DIALOGUES and not before.roles & {COORDINATOR, ADMIN}:
        # A coordinator whose role was taken away mid-dialogue: any event brings them
        # back to where they were (and does nothing else).
        assert after.state not in DIALOGUES and not outcome.effects
        return
    if event.kind != "action":
        return
    parsed = parse_action(event.text)
    if parsed is None or parsed.version != FLOW_VERSION:
        assert outcome.notice in STALE | DUPLICATE, f"{event.text!r} was accepted"
    if outcome.notice in STALE:
        changes_nothing(before, outcome)  # an expired or forged button
    if fresh:
        assert outcome.notice not in STALE | DUPLICATE, f"a button just shown: {event.text}"


class Chat:
    """One user's side: the buttons the bot offered last and the ones before, the last
    update and its id."""

    def __init__(self) -> None:
        self.offered: tuple[str, ...] = ()
        self.earlier: tuple[str, ...] = ()
        self.last = Event("command", name="start")
        self.updates = itertools.count(1)

    def event(self, step: Step) -> tuple[Event, bool]:
        """The event for ``step``, and whether it presses a button just offered."""
        if isinstance(step, Again):
            return self.last, False
        event, fresh = self._event(step)
        self.last = dataclasses.replace(event, update_id=next(self.updates))
        return self.last, fresh

    def _event(self, step: Event | PressOffered) -> tuple[Event, bool]:
        if isinstance(step, Event):
            return step, False
        buttons = self.offered or self.earlier
        if not buttons:
            return Event("command", name="start"), False
        pressed = buttons[step.index % len(buttons)]
        if isinstance(step, PressForged):
            parts = pressed.split(":")
            parts[step.part : step.part + 1] = [step.replacement]
            forged = ":".join(parts)
            return Event("action", forged), bool(self.offered) and forged == pressed
        return Event("action", pressed), bool(self.offered)

    def saw(self, outcome: Outcome) -> None:
        if self.offered:
            self.earlier = self.offered
        self.offered = offered_actions(outcome)


# -- layer 1: the core --------------------------------------------------------------------


@pytest.mark.parametrize("start", STARTS, ids=start_id)
@CORE_SETTINGS
@given(sequence=st.lists(steps(core_texts), min_size=1, max_size=12))
def test_the_core_survives_anything_from_every_state(start: Start, sequence: list[Step]) -> None:
    chat = Chat()
    state = StoredState(roles=start.state.roles)
    for event in start.path:
        outcome = FLOW.handle(state, event)
        chat.saw(outcome)
        state = outcome.state
    if start.planted:
        state = copy.deepcopy(start.state)
    assert state == start.state, "the starting point was not reached"
    for step in sequence:
        event, fresh = chat.event(step)
        given_state = copy.deepcopy(state)
        outcome = FLOW.handle(state, event)
        assert state == given_state, "handle() changed the state it was given"
        assert outcome.state.roles == state.roles, "roles are not the flow's to change"
        check_outcome(state, event, outcome, fresh=fresh)
        chat.saw(outcome)
        state = outcome.state


# -- layer 2: the service over a database -------------------------------------------------

USER_NUMBERS = itertools.count(1_000_001)
"""Every example gets users of its own (numeric, like Telegram's) in the test's database."""


def own_a_cohort(repo: Repository, key: str, when: datetime) -> None:
    """A coordinator who agreed, with a cohort of their own."""
    user = repo.get_or_create_user(CHANNEL, key, LANGUAGES[0])
    repo.cohorts.create(user.id, f"fuzz{key}", "Werkplaats", when, "Europe/Amsterdam", min(PLANS))


def plant(repo: Repository, key: str, state: StoredState) -> None:
    """Store ``state`` as the service would have, for a user who never wrote before."""
    user = repo.get_or_create_user(CHANNEL, key, state.lang)
    if state.consent is not None:
        repo.set_consent(user.id, state.consent)
    if state.consent:
        repo.save_conversation(
            user.id, state.state, state.flow_version, state.answers, state.data, None
        )


async def check_stored(db: Database, key: str, outcome: Outcome) -> None:
    """The database holds what the service documents: nothing before consent, only the
    choice after declining, and after agreeing the conversation of the outcome."""
    state = outcome.state
    query = select(User.id, User.consent, User.language).where(
        User.channel == CHANNEL, User.channel_user_id == key
    )

    def user_row(connection: Connection) -> Any:
        return connection.execute(query).one_or_none()

    user = await db.run_connection(user_row)
    if state.consent is None:
        assert user is None, "a user kept without consent"
        return
    assert user is not None and user.consent is state.consent
    record, export = await db.run(
        lambda repo: (repo.load_conversation(user.id), repo.privacy.export(user.id))
    )
    if state.consent is False:
        kept = sorted(table for table, rows in export.items() if rows and table != "users")
        assert kept == [], "kept about a user who declined"
        return
    assert record is not None, "no conversation kept after consent"
    stored = StoredState(
        record.state,
        record.flow_version,
        user.language,
        True,
        record.answers,
        record.data,
        state.roles,
        channel=state.channel,
    )
    check_state(stored)
    assert stored == state, "the stored conversation is not the outcome's"


def as_loaded(state: StoredState) -> StoredState:
    """The conversation as the service loads it: without consent, nothing was kept."""
    if state.consent is True:
        return state
    return StoredState(lang=state.lang, consent=state.consent, roles=state.roles)


users = st.integers(0, 2)
language_codes = st.sampled_from([None, "nl", "en", "en-GB", "de", ""])


@SERVICE_SETTINGS
@given(
    starts=st.lists(st.sampled_from(STARTS), min_size=3, max_size=3),
    codes=st.lists(language_codes, min_size=3, max_size=3),
    sequence=st.lists(st.tuples(users, steps(texts)), min_size=1, max_size=24),
)
async def test_the_service_keeps_only_valid_states(
    db: Database,
    clock: FakeClock,
    starts: list[Start],
    codes: list[str | None],
    sequence: list[tuple[int, Step]],
) -> None:
    keys = [str(next(USER_NUMBERS)) for _ in starts]
    # Roles come from the database or ADMIN_IDS; an admin may do all a coordinator may.
    admins = {(CHANNEL, key) for key, start in zip(keys, starts, strict=True) if start.state.roles}
    advisor = Advisor(db, STORE, clock, admins=admins)
    chats = [Chat() for _ in starts]
    states: list[StoredState] = []
    for key, start, code, chat in zip(keys, starts, codes, chats, strict=True):
        if start.planted:
            await db.run(partial(plant, key=key, state=start.state))
            roles = frozenset({ADMIN}) if (CHANNEL, key) in admins else frozenset()
            states.append(dataclasses.replace(start.state, roles=roles))
            continue
        state = StoredState()
        owns = False
        for event in start.path:
            outcome = await advisor.handle(CHANNEL, key, event, code)
            chat.saw(outcome)
            state = outcome.state
            if start.state.roles and state.consent and not owns:
                # The pure walk composes broadcasts; the service asks for a message only
                # of someone with a cohort to send it to (kept only after consent).
                await db.run(partial(own_a_cohort, key=key, when=clock()))
                owns = True
        assert state.consent == start.state.consent, key
        # Before consent nothing is kept: the service resumes such a user at the gate.
        assert state.state == start.name if state.consent else state.state in GATE_STATES
        states.append(state)
    for who, step in sequence:
        key, chat = keys[who], chats[who]
        event, fresh = chat.event(step)
        outcome = await advisor.handle(CHANNEL, key, event, codes[who])
        check_outcome(as_loaded(states[who]), event, outcome, fresh=fresh)
        await check_stored(db, key, outcome)
        chat.saw(outcome)
        states[who] = outcome.state


# -- bugs the fuzzing found (all fixed): the cases that showed them ------------------------


def consented(state: str = ADVICE, roles: frozenset[str] = frozenset()) -> StoredState:
    return StoredState(state, FLOW_VERSION, "nl", True, roles=roles)


async def drive(advisor: Advisor, key: str, *events: Event) -> Outcome:
    outcomes = [await advisor.handle(CHANNEL, key, event) for event in events]
    return outcomes[-1]


@pytest.mark.parametrize("data", ["²:a:why", "1:p:delref:²", "1:c:link:⓵", "1:n:later:²"])
def test_fixed_digits_that_int_refuses(data: str) -> None:
    """``str.isdigit`` holds for superscripts and circled digits, which ``int`` refuses:
    flows/actions.py ``parse_action`` (the version), flows/privacy.py ``privacy_action``
    (``delref``) and flows/cohorts.py ``cohort_action`` and ``nudge_action`` (ids) raise
    ValueError on such forged callback data."""
    outcome = FLOW.handle(consented(roles=frozenset({ADMIN})), Event("action", data))
    assert outcome.notice in STALE


@pytest.mark.parametrize("data", ["1:p:delref:", "1:n:later:", "1:c:link:"])
async def test_fixed_ids_beyond_64_bits(db: Database, data: str) -> None:
    """flows/privacy.py and flows/cohorts.py take any run of digits for an id (reflection,
    outbox row, cohort); bot/service.py and bot/followup.py hand it to the database, which
    cannot hold it."""
    advisor = Advisor(db, STORE, admins={(CHANNEL, "7")})
    start = (Event("command", name="start"), Event("action", "1:p:consent:yes"))
    outcome = await drive(advisor, "7", *start, Event("action", data + "9" * 20))
    assert outcome.replies or outcome.notice


async def test_fixed_year_9999(db: Database) -> None:
    """flows/cohorts.py ``parse_workshop`` takes any four-digit year; bot/followup.py
    ``_CreateCohort`` cannot place 31-12-9999 23:59 west of UTC in UTC (nor plan nudges
    weeks after a workshop late in 9999)."""
    advisor = Advisor(db, STORE, admins={(CHANNEL, "7")})
    events = [Event("command", name="start"), Event("action", "1:p:consent:yes")]
    events += [Event("action", "1:c:new"), Event("text", "Werkplaats")]
    events += [Event("text", "31-12-9999 23:59"), Event("action", f"1:c:plan:{min(PLANS)}")]
    events += [Event("action", "1:c:zone"), Event("text", "Etc/GMT+12")]
    outcome = await drive(advisor, "7", *events, Event("action", "1:c:create"))
    assert outcome.replies


def test_fixed_a_start_payload_beyond_64_bytes() -> None:
    """flows/privacy.py ``_agree`` puts any ``/start`` argument of up to 40 *characters* on
    the agree button; "/start " and 40 × "é" makes 96 bytes of callback data, so Telegram
    refuses the whole privacy statement. (A payload with ":" is also cut at the first ":".)"""
    outcome = FLOW.handle(StoredState(), Event("command", text="é" * 40, name="start"))
    assert all(len(a.encode("utf-8")) <= MAX_ACTION_BYTES for a in offered_actions(outcome))


def test_fixed_a_reminder_about_nothing() -> None:
    """flows/conversation.py ``advice_action`` schedules a reminder about whatever a forged
    ``1:a:remind:<subject>`` names (an outbox row, delivered a week later)."""
    outcome = FLOW.handle(consented(), Event("action", "1:a:remind:bestaat_niet"))
    assert outcome.notice in STALE
    assert not [e for e in outcome.effects if isinstance(e, ScheduleReminder)]


def test_fixed_a_revoked_coordinator_stays_in_the_dialogue() -> None:
    """flows/cohorts.py ``cohort_action`` refuses every button once the role is gone,
    "Annuleren" too, while typed text carries the dialogue on (``cohort_typed``,
    ``broadcast_typed``) and its screens ask the service for coordinators' things
    (``BroadcastHistory``, ``ShowAudience``): a coordinator revoked in the middle of
    creating a cohort or a broadcast is stuck in it, with a cancel button that expired."""
    state = consented("cohort_name")
    state.data.update(cohort={}, resume="q_size")
    outcome = FLOW.handle(state, Event("action", "1:c:cancel"))
    assert outcome.notice not in STALE and outcome.state.state == "q_size"


def test_fixed_agreeing_after_declining_shows_the_statement_again() -> None:
    """flows/privacy.py ``answer_consent`` fires ``begin`` (declined → consent), whose screen
    is the privacy statement, before ``agree``: the user gets the statement again, with
    "Dank u" in front of it and buttons that have expired already, then the question."""
    state = StoredState()
    for data in ("1:p:consent:no", "1:p:consent:yes"):
        outcome = FLOW.handle(state, Event("action", data))
        state = outcome.state
    assert [r.meta["screen"] for r in outcome.replies] == ["question"]


def test_fixed_a_fresh_button_taken_for_a_double_tap() -> None:
    """flows/conversation.py ``press`` takes a press of the last action in the same state
    for a double tap when only presses came in between; but an expired button (or "Terug"
    on the first question) shows the screen again, and pressing the same button on that
    new message gets "Al ontvangen." and nothing else."""
    state = StoredState()
    for event in (
        Event("command", name="start"),
        Event("action", "1:p:consent:no"),
        Event("action", "1:b:levels"),  # the levels, then
        Event("action", "0:b:levels"),  # an old button: expired, the declined screen again
        Event("action", "1:b:levels"),  # its "Dilemma's bekijken"
    ):
        outcome = FLOW.handle(state, event)
        state = outcome.state
    assert [r.meta["screen"] for r in outcome.replies] == ["levels"]
