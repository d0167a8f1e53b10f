"""Promises about the shape of the code: a pure core, generated diagrams, one machine."""

from __future__ import annotations

import ast
from pathlib import Path

from flows.conversation import AdvisorFlow
from flows.diagrams import document
from flows.events import Event, StoredState
from knowledge.model import Knowledge

ROOT = Path(__file__).resolve().parent.parent
FORBIDDEN = {
    "knowledge": ("telegram", "bot", "flows", "storage", "sqlalchemy", "aiohttp"),
    "flows": ("telegram", "bot", "storage", "sqlalchemy", "aiohttp"),
    "storage": ("telegram", "bot", "flows"),
}


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module.split(".")[0])
    return names


def test_the_core_imports_nothing_from_channels() -> None:
    for package, forbidden in FORBIDDEN.items():
        for path in (ROOT / package).rglob("*.py"):
            bad = imported_modules(path) & set(forbidden)
            assert not bad, f"{path.relative_to(ROOT)} imports {sorted(bad)}"


def test_flow_diagrams_are_current() -> None:
    current = (ROOT / "docs" / "flows.md").read_text(encoding="utf-8")
    assert current == document(), "docs/flows.md is stale: run `make diagrams`"


def test_one_machine_serves_every_conversation(knowledge: Knowledge) -> None:
    flow = AdvisorFlow(knowledge)
    machine = flow.machine
    states = [StoredState() for _ in range(5)]
    for i, state in enumerate(states):
        outcome = flow.handle(state, Event("command", name="start"))
        states[i] = outcome.state
    assert flow.machine is machine and not machine.models
    assert all(s.state == "consent" for s in states)


def test_every_command_has_a_description_in_both_languages(knowledge: Knowledge) -> None:
    from bot.telegram.channel import COMMANDS

    for name in COMMANDS:
        assert f"cmd_{name}" in knowledge.messages, name
