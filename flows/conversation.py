"""The advisor conversation: (stored state, event) → (new state, replies, effects).

:class:`flows.advisor.AdvisorFlow` is built once per knowledge base and serves every user;
each event gets a short-lived :class:`Conversation` (the machine's model) that routes the
event to the feature registered for it (:class:`flows.feature.Registry`), fires triggers
and collects what the screens say. The features see it as their
:class:`flows.feature.Context`; what each of them does lives in ``flows/<feature>/``.
"""

from __future__ import annotations

import copy
import unicodedata
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, Protocol

from transitions import Machine

from flows import screens
from flows.actions import parse_action
from flows.advice.screens import BROWSING_SCREENS
from flows.commands import Command, find, is_coordinator
from flows.definition import (
    ADVICE,
    BROADCAST_STATES,
    COHORT_STATES,
    COHORT_TAG,
    FLOW_VERSION,
    GATE_STATES,
    NEW,
    SIDE_STATES,
    FlowDefinition,
    question_state,
)
from flows.events import (
    ConversationData,
    Effect,
    Event,
    Outcome,
    StoredState,
    fresh_data,
    remember_update,
)
from flows.feature import CommandHandler, Registry
from flows.links import WorkshopLink
from flows.machine import fire
from flows.replies import SCREEN_LIMIT, Reply, Screen, Span, last, led
from flows.screens import Say
from flows.way_back import back_to_the_question
from knowledge.engine import Advice, Engine
from knowledge.guard import Guard
from knowledge.model import LANGUAGES, IntakeQuestion, Knowledge

MAX_TEXT = 4096
"""Longer messages are refused politely (Telegram cannot send more either)."""


def clean_text(text: str) -> str:
    """Drop control and invisible format characters (keeping line breaks); trim."""
    kept = (c for c in text if c in "\n\t" or unicodedata.category(c) not in ("Cc", "Cf", "Cs"))
    return "".join(kept).strip()


class Flow(Protocol):
    """What a conversation needs of its flow: :class:`flows.advisor.AdvisorFlow`."""

    knowledge: Knowledge
    default_timezone: str
    engine: Engine
    definition: FlowDefinition
    machine: Machine
    state_names: frozenset[str]
    questions: dict[str, IntakeQuestion]
    guard: Guard
    registry: Registry
    """Which feature answers which command, button, state and typed text."""


class Conversation:
    """The model of one event's run through the machine."""

    def __init__(self, flow: Flow, stored: StoredState) -> None:
        self.flow = flow
        self.registry = flow.registry
        self.knowledge = flow.knowledge
        self.lang = stored.lang if stored.lang in LANGUAGES else LANGUAGES[0]
        self.stored_lang = self.lang
        self.answers: dict[str, str] = dict(stored.answers)
        self.data: ConversationData = copy.deepcopy(stored.data)
        self.state = stored.state
        self.consent = stored.consent
        self.roles = stored.roles
        self.channel = stored.channel
        self.default_timezone = flow.default_timezone
        self.start_payload_pending: str | None = None
        self.joining: WorkshopLink | None = None
        self.offered: tuple[str, ...] = ()
        self.now = datetime.now(UTC)
        self.without_cohorts = False
        self.open_prompt = 0
        self.quiet_question = False
        self.replies: list[Reply] = []
        self.effects: list[Effect] = []
        self.notice: str | None = None
        self.chosen: str | None = None
        self.duplicate = False
        self.lead: list[Span] = []
        self._advice: Advice | None = None
        self._profile: dict[str, str] | None = None
        if stored.flow_version != FLOW_VERSION or stored.state not in flow.state_names:
            self._migrate(stored)

    # -- state helpers -------------------------------------------------------------------

    def _migrate(self, stored: StoredState) -> None:
        """A conversation from another flow version resumes at a state that still exists."""
        self.data = fresh_data(self.data)
        if stored.state == NEW:
            self.state = NEW
            return
        self.answers = self.flow.engine.effective_profile(self.answers)
        self._profile = None
        pending = [q for q in self.asked() if q.id not in self.answers]
        self.state = question_state(pending[0].id) if pending else ADVICE

    @property
    def say(self) -> Say:
        return Say(self.knowledge, self.lang)

    @property
    def guard(self) -> Guard:
        return self.flow.guard

    @property
    def editing(self) -> bool:
        return bool(self.data.get("editing"))

    @property
    def at_gate(self) -> bool:
        """Whether the conversation waits for consent (or was declined)."""
        return self.state in GATE_STATES or self.consent is not True

    def asks(self, question_id: str) -> bool:
        """Whether this question applies, given the answers so far."""
        question = self.knowledge.intake_question(question_id)
        if question is None:
            return False
        return question.ask_if(self.flow_profile())

    def flow_profile(self) -> dict[str, str]:
        """The answers that count (known values of questions that apply)."""
        if self._profile is None:
            self._profile = self.flow.engine.effective_profile(self.answers)
        return self._profile

    def asked(self) -> list[IntakeQuestion]:
        """The questions that apply to this user, in order."""
        return [q for q in self.knowledge.intake if self.asks(q.id)]

    def skipped(self) -> list[str]:
        """The questions the user was asked and skipped (read defensively: stored JSON)."""
        stored = self.data.get("skipped")
        return [q for q in stored if isinstance(q, str)] if isinstance(stored, list) else []

    def advice(self) -> Advice:
        if self._advice is None:
            self._advice = self.flow.engine.advise(self.answers)
        return self._advice

    def answers_changed(self) -> None:
        self._advice = self._profile = None

    def current_question(self) -> IntakeQuestion | None:
        return self.flow.questions.get(self.state)

    def outcome(self) -> Outcome:
        if self.replies:
            # What the user has in front of them now: browsing the dilemmas, or not.
            if self.replies[-1].meta.get("screen") in BROWSING_SCREENS:
                self.data["browsing"] = True
            else:
                self.data.pop("browsing", None)
        stored = StoredState(
            state=self.state,
            flow_version=FLOW_VERSION,
            lang=self.lang,
            consent=self.consent,
            answers=dict(self.answers),
            data=self.data,
            roles=self.roles,
            channel=self.channel,
        )
        return Outcome(
            state=stored,
            replies=self.replies,
            effects=self.effects,
            notice=self.notice,
            chosen=self.chosen,
            duplicate=self.duplicate,
        )

    # -- the machine and the screens -----------------------------------------------------

    def fire(self, trigger: str, **kwargs: Any) -> bool:
        return fire(self.flow.machine, self, trigger, **kwargs)

    def enter(self, screen: str, event: object) -> None:
        """The machine entered a state: its feature shows the state's screen."""
        self.registry.screens[screen](self, event)

    def reshow(self) -> None:
        """Show the current state's screen again, without a transition."""
        spec = next(s for s in self.flow.definition.states if s.name == self.state)
        self.enter(spec.screen, None)

    def emit(self, screen: Screen) -> None:
        """Add a screen, led by whatever the event had to say first (e.g. "Genoteerd"); a
        screen that fits itself to a phone is fitted with that lead counted."""
        lead, self.lead = self.lead, []
        self.replies.append(led(lead, screen, SCREEN_LIMIT))

    def tell(self, key: str, **values: Any) -> None:
        self.replies.append(screens.notice(self.say, key, **values))

    def to_gate(self) -> None:
        assert self.registry.gate is not None
        self.registry.gate(self)

    def show_where_we_are(self) -> None:
        if self.at_gate:
            self.to_gate()
        else:
            self.reshow()

    # -- detours -------------------------------------------------------------------------

    def detour(self, trigger: str) -> bool:
        """Leave for a side dialogue, remembering where to come back to."""
        if self.state not in SIDE_STATES:
            self.data["resume"] = self.state
        return self.fire(trigger)

    def resume(self) -> None:
        """Back to where the user was before the detour: their question, or the advice."""
        target = str(self.data.pop("resume", ADVICE))
        self.data.pop("cohort", None)
        self.data.pop("broadcast", None)
        self.data.pop("reply_to", None)
        self.data.pop("redacted_note", None)
        question = self.knowledge.intake_question(target.removeprefix("q_"))
        if target.startswith("q_") and question is not None and self.asks(question.id):
            # A coordinator at work who has not started the intake: the question waits
            # behind a button instead of greeting them after every cohort or broadcast.
            at_work = self.state in (*COHORT_STATES, *BROADCAST_STATES)
            self.quiet_question = at_work and not self.answers
            self.fire("resume", question=question.id)
        else:
            self.fire("resume")

    # -- routing -------------------------------------------------------------------------

    def dispatch(self, event: Event) -> None:
        if event.update_id and self.seen_update(event.update_id):
            return
        if event.kind != "action":
            # A double tap is two presses with nothing in between.
            self.data.pop("last_action", None)
        if self.state in (*COHORT_STATES, *BROADCAST_STATES) and not is_coordinator(self.roles):
            # The role was taken away in the middle of a coordinator's dialogue: back to
            # where the user was, and that is all this event does.
            self.data.pop("cohort", None)
            self.data.pop("broadcast", None)
            self.resume()
            return
        self.offered = event.offered
        self.start_payload_pending = event.pending_start
        self.joining = event.joining
        self.now = event.at or datetime.now(UTC)
        self.without_cohorts = event.without_cohorts
        self.open_prompt = event.open_prompt if event.kind == "text" else 0
        if event.kind == "command":
            self.command(event.name, event.text)
        elif event.kind == "action":
            self.press(event.text)
        else:
            self.typed(event.text)

    def seen_update(self, update_id: int) -> bool:
        """Whether the update was handled before (see :func:`flows.events.remember_update`);
        the latest again shows where the user is, an earlier one does nothing."""
        seen = remember_update(self.data, update_id)
        if seen == "latest":
            self.repeated_update()
        return seen != "new"

    def repeated_update(self) -> None:
        """The same update again (the channel retried it): show where the user is."""
        self.data.pop("last_action", None)  # its buttons are offered anew
        self.show_where_we_are()

    def command(self, name: str, text: str) -> None:
        """Route by the command table: unknown (or not for this user's roles) says so;
        before consent only the commands marked ``at_gate`` are answered."""
        found = find(name)
        handler = self.handler_of(found) if found is not None else None
        command = found if handler is not None else None
        if self.at_gate and (command is None or not command.at_gate):
            if command is not None and command.name == "start" and text.strip():
                # Joining through a deep link: the code rides on the consent buttons.
                self.start_payload_pending = text.strip()
            self.to_gate()
        elif command is None or handler is None:
            self.tell("unknown_command")
        else:
            # A side command ends at the question (flows.way_back), a coordinator's own
            # command before any answer excepted.
            at, before, done = self.state, len(self.replies), len(self.effects)
            handler(self, clean_text(text))
            shown, effects = self.replies[before:], self.effects[done:]
            back_to_the_question(self, at, shown, effects, work=command.role is not None)

    def after_effects(self, show: Callable[[], None]) -> None:
        """What ``show`` adds comes after whatever the event's effects answer: it is the
        screen the user goes on from (:data:`flows.replies.LAST`)."""
        before = len(self.replies)
        show()
        self.replies[before:] = [last(reply) for reply in self.replies[before:]]

    def handler_of(self, command: Command) -> CommandHandler | None:
        """The handler of ``command`` here; None for a command of other roles, of another
        channel, or one its channel answers itself (``/dashboard``): unknown here."""
        if not command.allowed(self.roles):
            return None
        if command.channel is None:
            return self.registry.commands.get(command.name)
        if command.channel == self.channel:
            return self.registry.channel_commands.get(command.name)
        return None

    def stale(self) -> None:
        self.data.pop("last_action", None)
        self.notice = self.say.label("stale")
        self.show_where_we_are()

    def press(self, data: str) -> None:
        """Route a button by the tag of its action id: the tag's handlers in turn, or the
        question's when the tag is an intake question's id. A button no handler takes has
        expired."""
        if (
            data
            and data == self.data.get("last_action")
            and self.state == self.data.get("last_state")
        ):
            self.duplicate = True
            self.notice = self.say.label("duplicate")
            return
        parsed = parse_action(data)
        if parsed is None or parsed.version != FLOW_VERSION:
            self.stale()
            return
        at, before, done = self.state, len(self.replies), len(self.effects)
        handlers = self.registry.actions.get(parsed.tag)
        if self.at_gate and parsed.tag not in self.registry.gate_tags:
            handled = False
        elif handlers is not None:
            handled = any(handle(self, parsed.choice) for handle in handlers)
        else:
            answers = self.registry.answers
            handled = answers is not None and answers(self, parsed.tag, parsed.choice)
        if not handled:
            del self.replies[before:]
            self.stale()
            return
        # A side button ends at the question as a side command does; a coordinator's
        # buttons (c:) before any answer are their work.
        shown, effects = self.replies[before:], self.effects[done:]
        back_to_the_question(self, at, shown, effects, work=parsed.tag == COHORT_TAG)
        if any(data in reply.actions for reply in self.replies):
            # The same button is offered again (a screen shown anew): pressing it next is
            # a new press, not a double tap.
            self.data.pop("last_action", None)
        else:
            self.data["last_action"] = data
            self.data["last_state"] = self.state

    def typed(self, raw: str) -> None:
        """Route typed text: before consent to the gate; then to what a command awaits, to
        the dialogue of the state, or else to the first feature that takes it."""
        if len(raw) > MAX_TEXT:
            self.tell("too_long", limit=MAX_TEXT)
            return
        text = clean_text(raw)
        if self.at_gate:
            assert self.registry.gate_text is not None
            self.registry.gate_text(self, text)
            return
        if not text:
            self.lead = self.say("empty")
            self.reshow()
            return
        if any(handle(self, text) for handle in self.registry.first_texts):
            return
        in_state = self.registry.state_texts.get(self.state)
        if in_state is not None:
            in_state(self, text)
            return
        for handle in self.registry.texts:
            if handle(self, text):
                return
