"""The conversation's features are objects registered in one registry (flows/feature.py,
flows/advisor.py), not mixins: every state's screen, every button tag and every command
has exactly one home, and no feature re-declares what the conversation supplies."""

from __future__ import annotations

import ast
import copy
from pathlib import Path

import pytest

from flows import definition
from flows.advisor import REGISTRY, AdvisorFlow, features
from flows.conversation import Conversation
from flows.definition import question_state
from flows.events import StoredState
from flows.feature import Context, Registry
from knowledge.model import Knowledge

ROOT = Path(__file__).resolve().parent.parent


def test_every_state_shows_a_screen_its_feature_registered(knowledge: Knowledge) -> None:
    flow = AdvisorFlow(knowledge)
    named = {spec.screen for spec in flow.definition.states}
    assert named == set(REGISTRY.screens)


def test_every_button_tag_has_a_feature() -> None:
    tags = {
        value
        for name, value in vars(definition).items()
        if name.endswith("_TAG") and isinstance(value, str)
    }
    assert tags and tags == set(REGISTRY.actions)
    assert REGISTRY.gate_tags == {definition.PRIVACY_TAG, definition.BROWSE_TAG}
    assert REGISTRY.answers is not None and REGISTRY.gate is not None


def test_typed_text_in_each_side_dialogue_has_one_home() -> None:
    side = {*definition.SIDE_STATES, definition.NOTE}
    assert set(REGISTRY.state_texts) == side
    assert REGISTRY.gate_text is not None and REGISTRY.texts and REGISTRY.first_texts


def _noop(ctx: Context, text: str) -> None:
    return None


def test_a_name_registered_twice_is_refused() -> None:
    registry = Registry()
    for feature in features():
        feature.register(registry)
    with pytest.raises(ValueError, match="'help' registered twice"):
        registry.command("help", _noop)
    with pytest.raises(ValueError, match="'show_advice' registered twice"):
        registry.screen("show_advice", lambda ctx, event: None)
    with pytest.raises(ValueError, match="'note' registered twice"):
        registry.state_text((definition.NOTE,), _noop)


def test_no_feature_redeclares_what_the_conversation_supplies() -> None:
    """A method or property declared under ``if TYPE_CHECKING:`` is a mixin's stub of what
    another class supplies; features get a Context instead."""
    stubs: list[str] = []
    for path in (ROOT / "flows").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.If)
                and isinstance(node.test, ast.Name)
                and node.test.id == "TYPE_CHECKING"
            ):
                stubs += [
                    f"{path.relative_to(ROOT)}:{stmt.lineno}"
                    for stmt in node.body
                    if isinstance(stmt, ast.FunctionDef | ast.AnnAssign)
                ]
    assert not stubs, stubs


def _snapshot(c: Conversation) -> tuple[object, ...]:
    return (
        c.state,
        c.lang,
        copy.deepcopy(c.data),
        dict(c.answers),
        len(c.replies),
        len(c.effects),
        list(c.lead),
        c.notice,
        c.chosen,
    )


def test_the_handlers_of_one_tag_take_different_buttons(knowledge: Knowledge) -> None:
    """A tag's handlers are tried in turn: at most one takes a button, and one that does
    not take it has changed nothing (else the next one would start from a changed
    conversation)."""
    flow = AdvisorFlow(knowledge)
    first = knowledge.intake[0]
    states = [
        StoredState(state=definition.CONSENT),
        StoredState(state=definition.DECLINED, consent=False),
        StoredState(state=question_state(first.id), consent=True),
        StoredState(
            state=definition.ADVICE,
            consent=True,
            answers={first.id: first.options[0].id},
            data={"advised": {}},
        ),
    ]
    dilemma, level = knowledge.dilemmas[0], knowledge.levels[0]
    choices = [
        ("levels",),
        ("level", level.id),
        ("level", "nope"),
        ("show", dilemma.id),
        ("show", dilemma.id, "questions"),
        ("show", dilemma.id, "nope"),
        ("show", "nope"),
        ("resume",),
        ("lang", "en"),
        ("lang", "xx"),
        ("restart",),
        ("nope",),
    ]
    shared = {tag: handlers for tag, handlers in REGISTRY.actions.items() if len(handlers) > 1}
    assert shared, "no tag has more than one handler: nothing to check"
    for tag, handlers in shared.items():
        for stored in states:
            for choice in choices:
                taken = []
                for handler in handlers:
                    conversation = Conversation(flow, stored)
                    before = _snapshot(conversation)
                    if handler(conversation, choice):
                        taken.append(handler)
                    else:
                        assert _snapshot(conversation) == before, (tag, stored.state, choice)
                assert len(taken) <= 1, (tag, stored.state, choice, taken)
