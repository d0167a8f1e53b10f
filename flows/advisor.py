"""The advisor flow: the conversation and its features composed, once per knowledge base.

The registry is built here: each feature of ``flows/<feature>/`` registers what it
answers (:meth:`flows.feature.Registry.command`, ``action``, ``screen``, ``text``), so
:data:`COMMAND_HANDLERS` gives every command of the table (:data:`flows.commands.COMMANDS`)
the handler of its feature and :data:`ACTION_HANDLERS` every button tag its handlers.
Adding a command or a feature: see ``docs/architecture.md``.
"""

from __future__ import annotations

from flows.advice.dialogue import AdvicePhase
from flows.broadcasts.dialogue import Broadcasts
from flows.cohorts.dialogue import Cohorts
from flows.conversation import Conversation
from flows.definition import advisor_flow, question_state
from flows.events import Event, Outcome, StoredState
from flows.feature import ActionHandler, CommandHandler, Feature, Registry
from flows.handout.dialogue import Handout
from flows.help.dialogue import Help
from flows.intake.dialogue import Intake
from flows.live.dialogue import LiveSession
from flows.machine import build_machine
from flows.privacy.dialogue import Privacy
from flows.timeline.dialogue import Timeline
from knowledge.engine import Engine
from knowledge.guard import Guard
from knowledge.model import DEFAULT_TIMEZONE, Knowledge


def features() -> tuple[Feature, ...]:
    """Every feature of the conversation, each given the others it hands work to. The
    order is the order in which a button tag's handlers, and the handlers of typed text
    no state claims, are tried."""
    timeline = Timeline()
    intake = Intake(timeline)
    advice = AdvicePhase(intake, timeline)
    cohorts = Cohorts(Broadcasts())
    privacy = Privacy(
        join=cohorts.start_payload,
        keep_answer=advice.keep_reflection_answer,
        describe=advice.describe,
    )
    return (privacy, intake, advice, Help(), cohorts, Handout(), timeline, LiveSession())


def build_registry(parts: tuple[Feature, ...]) -> Registry:
    registry = Registry()
    for feature in parts:
        feature.register(registry)
    return registry


REGISTRY = build_registry(features())
COMMAND_HANDLERS: dict[str, CommandHandler] = REGISTRY.commands
"""Every command of the table (:data:`flows.commands.COMMANDS`) by name, from its feature."""
ACTION_HANDLERS: dict[str, list[ActionHandler]] = REGISTRY.actions
"""Buttons by the tag of their action id; any other tag is an intake question's id."""
GATE_TAGS = frozenset(REGISTRY.gate_tags)
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
        self.registry = REGISTRY

    def handle(self, stored: StoredState, event: Event) -> Outcome:
        """Handle one event; ``stored`` is not modified."""
        conversation = Conversation(self, stored)
        conversation.dispatch(event)
        return conversation.outcome()
