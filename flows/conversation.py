"""The advisor conversation: (stored state, event) → (new state, replies, effects).

:class:`flows.advisor.AdvisorFlow` is built once per knowledge base and serves every user;
each event gets a short-lived :class:`Conversation` (the machine's model) that interprets
the event, fires a trigger and collects what the screens say.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any, Protocol

from transitions import Machine

from flows import screens
from flows.actions import parse_action
from flows.advice import cards
from flows.advice.dialogue import AdviceActions
from flows.broadcasts.dialogue import BroadcastActions
from flows.cohorts.dialogue import CohortActions
from flows.commands import find, help_commands
from flows.definition import (
    ADVICE,
    BROADCAST_STATES,
    COHORT_STATES,
    FLOW_VERSION,
    NEW,
    FlowDefinition,
    question_state,
)
from flows.events import (
    ConversationData,
    Effect,
    Event,
    Outcome,
    SaveReflection,
    SetLanguage,
    StoredState,
    fresh_data,
    remember_update,
)
from flows.handout.dialogue import HandoutActions
from flows.machine import fire
from flows.privacy.dialogue import PrivacyActions
from flows.replies import Reply, Span, excerpt
from flows.screens import Say
from flows.states import StateScreens
from flows.timeline.recheck import UNCHANGED, RecheckActions
from flows.typed import MAX_REFLECTION, TypedText, clean_text
from knowledge.engine import Advice, Engine
from knowledge.guard import Guard
from knowledge.model import LANGUAGES, IntakeQuestion, Knowledge


class Flow(Protocol):
    """What a conversation needs of its flow: :class:`flows.advisor.AdvisorFlow`, which
    also holds the registry (which feature answers which command and which button)."""

    knowledge: Knowledge
    default_timezone: str
    engine: Engine
    definition: FlowDefinition
    machine: Machine
    state_names: frozenset[str]
    questions: dict[str, IntakeQuestion]
    guard: Guard
    commands: dict[str, Callable[[Conversation, str], None]]
    """Every command of the table, by name, to the handler of its feature."""
    actions: dict[str, Callable[[Conversation, tuple[str, ...]], bool]]
    """Buttons by the tag of their action id; any other tag is an intake question's id."""
    gate_tags: frozenset[str]
    """Button tags that work before consent (they store nothing, or check consent)."""


class Conversation(
    StateScreens,
    AdviceActions,
    TypedText,
    CohortActions,
    BroadcastActions,
    PrivacyActions,
    HandoutActions,
    RecheckActions,
):
    """The model of one event's run through the machine."""

    def __init__(self, flow: Flow, stored: StoredState) -> None:
        self.flow = flow
        self.knowledge = flow.knowledge
        self.lang = stored.lang if stored.lang in LANGUAGES else LANGUAGES[0]
        self.stored_lang = self.lang
        self.answers: dict[str, str] = dict(stored.answers)
        self.data: ConversationData = copy.deepcopy(stored.data)
        self.state = stored.state
        self.consent = stored.consent
        self.roles = stored.roles
        self.default_timezone = flow.default_timezone
        self.start_payload_pending: str | None = None
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

    def asks(self, question_id: str) -> bool:
        """Whether this question applies, given the answers so far."""
        question = self.knowledge.intake_question(question_id)
        if question is None:
            return False
        if self._profile is None:
            self._profile = self.flow.engine.effective_profile(self.answers)
        return question.ask_if(self._profile)

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

    def current_question(self) -> IntakeQuestion | None:
        return self.flow.questions.get(self.state)

    def outcome(self) -> Outcome:
        stored = StoredState(
            state=self.state,
            flow_version=FLOW_VERSION,
            lang=self.lang,
            consent=self.consent,
            answers=dict(self.answers),
            data=self.data,
            roles=self.roles,
        )
        return Outcome(
            state=stored,
            replies=self.replies,
            effects=self.effects,
            notice=self.notice,
            chosen=self.chosen,
            duplicate=self.duplicate,
        )

    def fire(self, trigger: str, **kwargs: Any) -> bool:
        return fire(self.flow.machine, self, trigger, **kwargs)

    def reshow(self) -> None:
        """Show the current state's screen again, without a transition."""
        spec = next(s for s in self.flow.definition.states if s.name == self.state)
        getattr(self, spec.screen)(None)

    def tell(self, key: str, **values: Any) -> None:
        self.replies.append(screens.notice(self.say, key, **values))

    # -- dispatch ------------------------------------------------------------------------

    def dispatch(self, event: Event) -> None:
        if event.update_id and self.seen_update(event.update_id):
            return
        if event.kind != "action":
            # A double tap is two presses with nothing in between.
            self.data.pop("last_action", None)
        if self.state in (*COHORT_STATES, *BROADCAST_STATES) and not self.is_coordinator:
            # The role was taken away in the middle of a coordinator's dialogue: back to
            # where the user was, and that is all this event does.
            self.data.pop("cohort", None)
            self.data.pop("broadcast", None)
            self.resume()
            return
        if event.kind == "command":
            self.command(event.name, event.text)
        elif event.kind == "action":
            self.press(event.text)
        elif self.at_gate:
            self.typed_at_gate(event.text)
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

    def show_where_we_are(self) -> None:
        if self.at_gate:
            self.to_gate()
        else:
            self.reshow()

    def begin(self) -> None:
        self.lead = self.say("welcome")
        self.fire("begin")

    def command(self, name: str, text: str) -> None:
        """Route by the command table: unknown (or not for this user's roles) says so;
        before consent only the commands marked ``at_gate`` are answered."""
        command = find(name)
        if self.at_gate and (command is None or not command.at_gate):
            if command is not None and command.name == "start" and text.strip():
                # Joining through a deep link: the code rides on the consent buttons.
                self.start_payload_pending = text.strip()
            self.to_gate()
        elif command is None or command.channel or not command.allowed(self.roles):
            self.tell("unknown_command")
        else:
            self.flow.commands[command.name](self, clean_text(text))

    def start_command(self, args: str) -> None:
        self.lead = self.say("welcome_back")
        self.reshow()
        if args:
            self.start_payload(args)

    def help(self, args: str) -> None:
        self.replies.append(screens.help_screen(self.say, help_commands(self.roles)))

    def advice_command(self, args: str) -> None:
        self.fire("advice")

    def profile_command(self, args: str) -> None:
        if not self.fire("edit"):
            self.lead = self.say("profile_not_yet")
            self.show_where_we_are()

    def choose_language(self, lang: str) -> None:
        if lang not in LANGUAGES:
            self.replies.append(screens.language_choice(self.say))
            return
        self.lang = lang
        self.effects.append(SetLanguage(lang))
        self.lead = self.say("language_set")
        self.show_where_we_are()

    def restart(self) -> None:
        self.answers.clear()
        self.data = fresh_data(self.data)
        self._advice = self._profile = None
        self.lead = self.say("restarted")
        self.fire("restart")

    def back(self) -> None:
        question = self.current_question()
        if question is not None:
            self.data.pop("failures", None)
            if not self.can_go_back(question):
                self.lead = self.say("back_first_question")
            self.fire("back")
        else:
            self.fire("advice")

    def reflection_question(self) -> None:
        """One reflection question, rotating; from the user's advice when there is one."""
        k = self.knowledge
        pool = [q for s in self.advice().top() for q in s.questions] if self.answers else []
        pool = pool or list(k.questions.values())
        if not pool:
            self.tell("help")
            return
        turn = int(self.data.get("question_turn", 0))
        self.data["question_turn"] = turn + 1
        asked = pool[turn % len(pool)]
        self.tell("reflection_question", question=self.say.plain(asked.text))
        if self.consent is True:
            self.data["asked_question"] = [asked.id, self.state]

    # -- buttons -------------------------------------------------------------------------

    def stale(self) -> None:
        self.data.pop("last_action", None)
        self.notice = self.say.label("stale")
        self.show_where_we_are()

    def press(self, data: str) -> None:
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
        before = len(self.replies)
        handler = self.flow.actions.get(parsed.tag)
        if self.at_gate and parsed.tag not in self.flow.gate_tags:
            handled = False
        elif handler is not None:
            handled = handler(self, parsed.choice)
        else:
            handled = self.answer_action(parsed.tag, parsed.choice)
        if not handled:
            del self.replies[before:]
            self.stale()
            return
        if any(data in reply.actions for reply in self.replies):
            # The same button is offered again (a screen shown anew): pressing it next is
            # a new press, not a double tap.
            self.data.pop("last_action", None)
        else:
            self.data["last_action"] = data
            self.data["last_state"] = self.state

    def browse(self, choice: tuple[str, ...]) -> bool:
        say = self.say
        head, arg = choice[0], choice[1] if len(choice) > 1 else ""
        if head == "levels":
            self.replies.append(screens.levels(say))
        elif head == "level" and any(lv.id == arg for lv in self.knowledge.levels):
            self.replies.append(screens.level(say, arg))
        elif head == "show" and (dilemma := self.knowledge.dilemma(arg)) is not None:
            page = choice[2] if len(choice) > 2 else "main"
            if page != "main" and page not in cards.PAGES:
                return False
            self.replies.append(cards.browse_detail(say, dilemma, page))
        elif head == "resume":
            self.to_gate() if self.at_gate else self.reshow()
        elif head == "lang" and arg in LANGUAGES:
            self.choose_language(arg)
        elif head == "restart" and not self.at_gate:
            self.restart()
        else:
            return False
        return True

    def answer_action(self, question_id: str, choice: tuple[str, ...]) -> bool:
        question = self.current_question()
        if question is None or question.id != question_id or len(choice) != 1:
            return False
        value = choice[0]
        if value == "_back":
            self.back()
            return True
        if value == UNCHANGED:
            return self.keep_unchanged(question)
        if value == "_skip":
            self.chosen = self.say.label("answer_skipped")
            self.skip(question)
            return True
        if value == "_advice" and self.past_the_core(question):
            self.data.pop("failures", None)
            return self.fire("advice")
        option = question.option(value)
        if option is None:
            return False
        self.chosen = self.say.plain(option.label)
        self.record(question, option.id)
        return True

    # -- typed text ----------------------------------------------------------------------

    def record(self, question: IntakeQuestion, option_id: str) -> None:
        self.answers[question.id] = option_id
        self.data["skipped"] = [q for q in self.skipped() if q != question.id]
        self.data.pop("failures", None)
        self._advice = self._profile = None
        self.fire("answer")

    def skip(self, question: IntakeQuestion) -> None:
        self.answers.pop(question.id, None)
        self.data["skipped"] = [*(q for q in self.skipped() if q != question.id), question.id]
        self.data.pop("failures", None)
        self._advice = self._profile = None
        self.fire("skip")

    def save_note(self, text: str) -> None:
        if len(text) > MAX_REFLECTION:
            self.tell("note_too_long", limit=MAX_REFLECTION)
            return
        if not self.clean_or_warn(self.flow.guard, text):
            return
        self.keep_note(text)

    def keep_note(self, text: str) -> None:
        self.data.pop("redacted_note", None)
        subject = str(self.data.get("dilemma") or "advice")
        self.effects.append(SaveReflection(subject, text))
        self.lead = self.say("note_saved", text=excerpt(text))
        if self.data.get("dilemma"):
            self.fire("done")
        else:
            self.fire("advice")
