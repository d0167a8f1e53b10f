"""Promises about the shape of the code: a pure core, generated diagrams, one machine."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

from flows.advisor import AdvisorFlow
from flows.diagrams import document
from flows.events import Event, StoredState
from knowledge.model import Knowledge
from tests.house import (
    circles,
    current,
    diagram,
    import_graph,
    imports_of,
    project_modules,
    rooms,
    within,
)

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


# -- the house: rooms, arrows, circles, file size --------------------------------------------

CHANNELS = ("telegram", "aiohttp", "bot.telegram", "bot.web", "bot.console")
MAX_LINES = 450
SOURCE_DIRS = ("bot", "flows", "knowledge", "storage", "fakebotapi", "bench")
"""Where the line limit holds: every source folder but tests/."""


def test_the_application_layer_imports_no_channel() -> None:
    modules = project_modules()
    for name, path in modules.items():
        if within(name, ["bot.app"]):
            bad = {m for m in imports_of(path, modules) if within(m, CHANNELS)}
            assert not bad, f"{name} imports {sorted(bad)}"


def test_importing_the_application_layer_loads_no_telegram() -> None:
    probe = (
        "import sys, pkgutil, importlib, bot.app\n"
        "for m in pkgutil.iter_modules(bot.app.__path__):\n"
        "    importlib.import_module('bot.app.' + m.name)\n"
        "print(sorted(n for n in sys.modules if n.split('.')[0] in ('telegram', 'aiohttp')"
        " or n.startswith(('bot.telegram', 'bot.web', 'bot.console'))))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_no_import_circle_among_the_projects_modules() -> None:
    assert circles(import_graph()) == []


def test_arrows_between_rooms_only_point_down() -> None:
    assert circles(rooms()) == []


def test_the_circle_finder_finds_circles() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": {"e"}}
    assert circles(graph) == [["a", "b", "c"]]


def test_no_source_file_over_the_line_limit() -> None:
    long = {
        str(path.relative_to(ROOT)): n
        for folder in SOURCE_DIRS
        for path in (ROOT / folder).rglob("*.py")
        if (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert not long, f"over {MAX_LINES} lines: {long}"


def test_the_house_diagram_is_current() -> None:
    document = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    assert current(document) == diagram(), "docs/architecture.md is stale: run `make diagrams`"


def test_no_hidden_stub_in_the_flows() -> None:
    """Features declare what the conversation supplies for the type checker only; a stub
    that raises at run time could hide behind another feature in the MRO."""
    for path in (ROOT / "flows").rglob("*.py"):
        assert "NotImplementedError" not in path.read_text(encoding="utf-8"), path


def test_conversation_data_is_typed() -> None:
    """Every key the flows keep in a conversation's data is declared, with its type, in
    ConversationData (mypy checks the types; this names a key that is missing)."""
    from flows.events import ConversationData

    declared = set(ConversationData.__annotations__)
    used: set[str] = set()
    key = re.compile(r"""\bdata(?:\.get|\.pop|\.setdefault)?\(?\[?\s*"([a-z_]+)\"""")
    for path in (ROOT / "flows").rglob("*.py"):
        used.update(key.findall(path.read_text(encoding="utf-8")))
    assert used and used <= declared, sorted(used - declared)
