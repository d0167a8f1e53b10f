"""One typed path for effects: the service applies every effect the core can return, by a
``match`` that mypy checks for exhaustiveness, and returns a new outcome rather than
changing the one the pure core returned."""

from __future__ import annotations

import ast
import copy
import re
import typing
from pathlib import Path
from typing import Any

import pytest

from flows.advisor import AdvisorFlow
from flows.events import Effect, Event, Outcome, RedeemInvite, StoredState
from storage import Database
from tests.followup_helpers import ADMIN, People, local, text_of

pytest_plugins = ["tests.storage_fixtures"]

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def people(db: Database, clock: Any) -> People:
    clock.now = local(2026, 11, 23, 10)
    return People(db, clock)


class Recording(AdvisorFlow):
    """The real flow, keeping a copy of each outcome as it left the core."""

    def __init__(self, flow: AdvisorFlow) -> None:
        super().__init__(flow.knowledge, flow.default_timezone)
        self.returned: list[tuple[Outcome, Outcome]] = []

    def handle(self, stored: StoredState, event: Event) -> Outcome:
        outcome = super().handle(stored, event)
        self.returned.append((outcome, copy.deepcopy(outcome)))
        return outcome


async def test_the_service_leaves_the_cores_outcome_as_it_was(people: People) -> None:
    recording = Recording(people.advisor.flow)
    people.advisor._flow = recording
    await people.join_bot(ADMIN)
    invite = await people.press(ADMIN, "1:c:invite")  # a reply added by the service
    token = re.search(r"start=(inv_[A-Za-z0-9]+)", text_of(invite))
    assert token is not None
    joined = await people.join_bot("5", token.group(1))  # a menu change and a reply first
    assert joined.menus == {"5": frozenset({"coordinator"})}
    exported = await people.send("5", "/mijngegevens")  # a document built from storage
    assert any(r.attachment is not None for r in exported.replies)
    assert len(recording.returned) >= 5
    for outcome, as_returned in recording.returned:
        assert outcome == as_returned
    core = next(
        o for o, _ in recording.returned if any(isinstance(e, RedeemInvite) for e in o.effects)
    )
    assert not core.menus and len(joined.replies) > len(core.replies)


def test_every_effect_has_its_case() -> None:
    """The match names every member of the Effect union (mypy's assert_never keeps it so;
    this says which one is missing in words)."""
    source = (ROOT / "bot" / "app" / "effects.py").read_text(encoding="utf-8")
    cases = {
        node.pattern.cls.id
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.match_case)
        and isinstance(node.pattern, ast.MatchClass)
        and isinstance(node.pattern.cls, ast.Name)
    }
    members = {cls.__name__ for cls in typing.get_args(Effect)}
    assert members and members == cases


def test_no_effect_is_applied_by_its_name() -> None:
    for path in (ROOT / "bot").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert "type(effect).__name__" not in text, path
        assert not re.search(r"def _[A-Z]\w*\(self, v", text), path
