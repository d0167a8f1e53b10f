"""The advisor flow: the conversation and its features composed, once per knowledge base.

The registry lives here: :data:`COMMAND_HANDLERS` gives every command of the table
(:data:`flows.commands.COMMANDS`) the handler of its feature, :data:`ACTION_HANDLERS`
every button tag. Adding a command or a feature: see ``docs/architecture.md``.
"""

from __future__ import annotations

from collections.abc import Callable

from flows import screens
from flows.cohorts import dialogue as cohorts
from flows.cohorts.dialogue import CohortActions
from flows.conversation import Conversation
from flows.definition import (
    ADVICE_TAG,
    BROWSE_TAG,
    COHORT_TAG,
    HANDOUT_TAG,
    NUDGE_TAG,
    PRIVACY_TAG,
    TIMELINE_TAG,
    advisor_flow,
    question_state,
)
from flows.events import Event, Outcome, StoredState
from flows.handout.dialogue import HandoutActions
from flows.machine import build_machine
from flows.privacy import dialogue as privacy
from flows.privacy.dialogue import PrivacyActions
from flows.timeline.effects import ShowTimeline
from flows.timeline.recheck import RecheckActions
from knowledge.engine import Engine
from knowledge.guard import Guard
from knowledge.model import DEFAULT_TIMEZONE, Knowledge

COMMAND_HANDLERS: dict[str, Callable[[Conversation, str], None]] = {
    "start": Conversation.start_command,
    "advies": Conversation.advice_command,
    "profiel": Conversation.profile_command,
    "dilemmas": lambda c, args: c.replies.append(screens.levels(c.say)),
    "vraag": lambda c, args: c.reflection_question(),
    "taal": lambda c, args: c.choose_language(args.lower()),
    "help": Conversation.help,
    "terug": lambda c, args: c.back(),
    "opnieuw": lambda c, args: c.ask_restart(),
    "samenvatting": HandoutActions.handout_command,
    "verloop": lambda c, args: c.effects.append(ShowTimeline()),
    **privacy.COMMAND_HANDLERS,
    **cohorts.COMMAND_HANDLERS,
}
"""Every command of the table (:data:`flows.commands.COMMANDS`) by name, from the
conversation and its features."""

ACTION_HANDLERS: dict[str, Callable[[Conversation, tuple[str, ...]], bool]] = {
    PRIVACY_TAG: PrivacyActions.privacy_action,
    BROWSE_TAG: Conversation.browse,
    COHORT_TAG: CohortActions.cohort_action,
    NUDGE_TAG: CohortActions.nudge_action,
    HANDOUT_TAG: HandoutActions.handout_action,
    TIMELINE_TAG: RecheckActions.timeline_action,
    ADVICE_TAG: Conversation.advice_action,
}
"""Buttons by the tag of their action id; any other tag is an intake question's id."""
GATE_TAGS = frozenset({PRIVACY_TAG, BROWSE_TAG})
"""Buttons that work before consent (they store nothing, or check consent)."""


class AdvisorFlow:
    """The conversation definition, machine and engine for one knowledge base."""

    def __init__(self, knowledge: Knowledge, default_timezone: str = DEFAULT_TIMEZONE) -> None:
        self.knowledge = knowledge
        self.default_timezone = default_timezone
        self.engine = Engine(knowledge)
        self.definition = advisor_flow([q.id for q in knowledge.intake])
        self.machine = build_machine(self.definition)
        self.state_names = frozenset(spec.name for spec in self.definition.states)
        self.questions = {question_state(q.id): q for q in knowledge.intake}
        self.guard = Guard.from_knowledge(knowledge)
        self.commands = COMMAND_HANDLERS
        self.actions = ACTION_HANDLERS
        self.gate_tags = GATE_TAGS

    def handle(self, stored: StoredState, event: Event) -> Outcome:
        """Handle one event; ``stored`` is not modified."""
        conversation = Conversation(self, stored)
        conversation.dispatch(event)
        return conversation.outcome()
