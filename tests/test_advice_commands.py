"""Commands and small dialogue fixes of issue 16: English commands, a /help that lists what
the README lists, /opnieuw asking first, consent buttons that go, a coordinator left alone."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from flows.advisor import AdvisorFlow
from flows.commands import ENGLISH_ALIASES, find
from flows.events import Event, StoredState
from knowledge.model import Knowledge

README = Path(__file__).resolve().parent.parent / "README.md"
CONTRACT_ALIASES = {
    "advice": "advies",
    "profile": "profiel",
    "reflections": "reflecties",
    "mydata": "mijngegevens",
    "forget": "vergeet",
    "summary": "samenvatting",
    "timeline": "verloop",
    "back": "terug",
    "restart": "opnieuw",
    "language": "taal",
    "reminders": "herinneringen",
    "insight": "inzicht",
    "question": "vraag",  # beyond the contract's list: English texts name /question
}


def _consented(**changes: object) -> StoredState:
    state = StoredState(state="q_size", flow_version=1, consent=True)
    return StoredState(**{**state.__dict__, **changes})  # type: ignore[arg-type]


def _said(outcome: object) -> str:
    return "\n".join(r.plain for r in outcome.replies)  # type: ignore[attr-defined]


def test_the_contracts_english_aliases() -> None:
    # The contract's names are stable; an English name it does not list (/question) is extra.
    assert CONTRACT_ALIASES.items() <= ENGLISH_ALIASES.items()
    advies = find("Advice")
    assert advies is not None and advies.name == "advies"


@pytest.mark.parametrize(
    ("english", "expect"),
    [
        ("advice", "Op basis van uw antwoorden"),
        ("profile", "Uw profiel"),
        ("back", "Vraag 1 van"),
        ("language", "In welke taal"),
        ("reflections", None),
        ("mydata", None),
        ("forget", "Weet u"),
        ("reminders", None),
    ],
)
def test_english_commands_do_what_the_dutch_ones_do(
    knowledge: Knowledge, english: str, expect: str | None
) -> None:
    flow = AdvisorFlow(knowledge)
    state = flow.handle(_consented(), Event("action", "1:size:groot")).state
    english_outcome = flow.handle(state, Event("command", name=english))
    dutch_outcome = flow.handle(state, Event("command", name=ENGLISH_ALIASES[english]))
    assert "Dat commando ken ik niet" not in _said(english_outcome)
    assert _said(english_outcome) == _said(dutch_outcome)
    assert english_outcome.effects == dutch_outcome.effects
    if expect is not None:
        assert expect in _said(english_outcome)


def test_help_lists_every_command_the_readme_lists(knowledge: Knowledge) -> None:
    text = README.read_text(encoding="utf-8")
    listed = text[text.index("Commands: `/start`") : text.index("Piped input")]
    commands = set(re.findall(r"`/([a-z]+)", listed)) - set(ENGLISH_ALIASES)
    assert {"start", "advies", "mijngegevens", "vergeet", "reflecties"} <= commands
    flow = AdvisorFlow(knowledge)
    dutch = _said(flow.handle(_consented(), Event("command", name="help")))
    english = _said(flow.handle(_consented(lang="en"), Event("command", name="help")))
    for command in commands:
        assert f"/{command}:" in dutch, command
        shown = {v: k for k, v in ENGLISH_ALIASES.items()}.get(command, command)
        assert f"/{shown}:" in english, command


def test_restart_asks_before_wiping_the_answers(knowledge: Knowledge) -> None:
    flow = AdvisorFlow(knowledge)
    state = flow.handle(_consented(), Event("action", "1:size:groot")).state
    for command in ("opnieuw", "restart"):
        asked = flow.handle(state, Event("command", name=command))
        assert asked.state.answers == {"size": "groot"}, "nothing wiped yet"
        assert "Weet u het zeker" in _said(asked)
        kept = flow.handle(asked.state, Event("action", "1:b:resume"))
        assert kept.state.answers == {"size": "groot"}
        wiped = flow.handle(asked.state, Event("action", "1:b:restart"))
        assert wiped.state.answers == {} and wiped.state.state == "q_size"
    fresh = flow.handle(_consented(), Event("command", name="opnieuw"))
    assert "We beginnen opnieuw" in _said(fresh), "nothing to wipe: no question"


def test_the_advice_button_to_start_over_asks_too(knowledge: Knowledge) -> None:
    flow = AdvisorFlow(knowledge)
    state = flow.handle(_consented(), Event("action", "1:size:groot")).state
    advice = flow.handle(state, Event("command", name="advies")).state
    asked = flow.handle(advice, Event("action", "1:a:restart"))
    assert asked.state.answers == {"size": "groot"} and "Weet u het zeker" in _said(asked)


def test_consent_buttons_make_way_for_the_choice(knowledge: Knowledge) -> None:
    flow = AdvisorFlow(knowledge)
    shown = flow.handle(StoredState(), Event("command", name="start"))
    agreed = flow.handle(shown.state, Event("action", "1:p:consent:yes"))
    assert agreed.chosen == knowledge.message("btn_agree", "nl")
    declined = flow.handle(shown.state, Event("action", "1:p:consent:no"))
    assert declined.chosen == knowledge.message("btn_decline", "nl")


def test_a_coordinator_is_not_dropped_into_question_one_after_a_detour(
    knowledge: Knowledge,
) -> None:
    flow = AdvisorFlow(knowledge)
    state = _consented(roles=frozenset({"coordinator"}))
    naming = flow.handle(state, Event("action", "1:c:new"))
    assert naming.state.state == "cohort_name"
    back = flow.handle(naming.state, Event("action", "1:c:cancel"))
    assert back.state.state == "q_size"
    assert "Vraag 1 van" not in _said(back)
    assert "1:b:resume" in [a for r in back.replies for a in r.actions]
    resumed = flow.handle(back.state, Event("action", "1:b:resume"))
    assert "Vraag 1 van" in _said(resumed)


def test_a_started_intake_resumes_at_its_question(knowledge: Knowledge) -> None:
    flow = AdvisorFlow(knowledge)
    state = _consented(roles=frozenset({"coordinator"}))
    state = flow.handle(state, Event("action", "1:size:groot")).state
    naming = flow.handle(state, Event("action", "1:c:new"))
    back = flow.handle(naming.state, Event("action", "1:c:cancel"))
    assert "Vraag 2 van" in _said(back)


def test_optional_questions_offer_the_way_straight_to_the_advice(knowledge: Knowledge) -> None:
    flow = AdvisorFlow(knowledge)
    state = _consented(state="q_knelpunt", answers={"size": "groot"})
    shown = flow.handle(state, Event("command", name="start"))
    assert "1:knelpunt:_advice" in [a for r in shown.replies for a in r.actions]
    jumped = flow.handle(state, Event("action", "1:knelpunt:_advice"))
    assert jumped.state.state == "advice"
    core = flow.handle(_consented(), Event("action", "1:size:_advice"))
    assert core.state.state == "q_size", "a core question has no shortcut"
