"""Review (issue 13): "weinig tijd" at the mandate question is about time, not a limited
mandate; "vorig jaar begonnen" and "in 2019 gestart" say how long the network has existed,
counted from the year the event arrived in, not from the clock."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from flows.advisor import AdvisorFlow
from flows.definition import FLOW_VERSION
from flows.events import Event, StoredState
from knowledge.model import Knowledge
from knowledge.reading.answers import read_answer
from tests.flow_helpers import run
from tests.followup_helpers import text_of


def reading(knowledge: Knowledge, question_id: str, text: str, year: int = 2026) -> str | None:
    question = knowledge.intake_question(question_id)
    assert question is not None
    found = read_answer(question, text, knowledge, year=year)
    return found.option if found.outcome == "matched" else found.outcome


@pytest.mark.parametrize(
    ("question", "text"),
    [
        ("mandate", "weinig tijd"),
        ("mandate", "niet veel tijd"),
        ("mandate", "we hebben weinig vrije tijd"),
        ("mandate", "little time"),
        ("interests", "weinig tijd"),
        ("size", "veel geld"),
    ],
)
def test_a_degree_of_something_no_question_asks_about_answers_nothing(
    knowledge: Knowledge, question: str, text: str
) -> None:
    assert reading(knowledge, question, text) == "unknown"


def test_a_degree_word_still_answers_on_its_own_or_beside_the_topic(knowledge: Knowledge) -> None:
    assert reading(knowledge, "mandate", "weinig") == "beperkt"
    assert reading(knowledge, "mandate", "weinig mandaat en weinig tijd") == "beperkt"
    assert reading(knowledge, "size", "veel") == "groot"


@pytest.mark.parametrize(
    ("text", "year", "phase"),
    [
        ("we zijn vorig jaar begonnen", 2026, "opbouw"),
        ("we started last year", 2026, "opbouw"),
        ("sinds vorig jaar", 2026, "opbouw"),
        ("dit jaar gestart", 2026, "opstart"),
        ("we zijn in 2019 gestart", 2026, "volwassen"),
        ("we zijn in 2019 gestart", 2020, "opbouw"),
        ("we zijn in 2019 gestart", 2019, "opstart"),
        ("in 2025 opgericht", 2026, "opbouw"),
    ],
)
def test_the_year_a_network_started_counts_to_the_year_passed_in(
    knowledge: Knowledge, text: str, year: int, phase: str
) -> None:
    assert reading(knowledge, "fase", text, year) == phase


def test_a_year_that_starts_nothing_is_no_length(knowledge: Knowledge) -> None:
    assert reading(knowledge, "fase", "vorig jaar") == "unknown"
    assert reading(knowledge, "fase", "vorig jaar vastgelopen") == "herijking"


def test_the_conversation_reads_the_year_from_the_event_not_the_clock(
    knowledge: Knowledge,
) -> None:
    flow = AdvisorFlow(knowledge)
    state = StoredState(state="q_fase", flow_version=FLOW_VERSION, consent=True)
    later = datetime(2031, 3, 2, 10, tzinfo=UTC)
    after, outcome = run(flow, state, Event("text", text="we zijn in 2029 gestart", at=later))
    assert after.answers.get("fase") == "opbouw", text_of(outcome)
    # Just past midnight on New Year's Day in Amsterdam it is the next year there.
    new_year = datetime(2030, 12, 31, 23, 30, tzinfo=UTC)
    after, _ = run(flow, state, Event("text", text="vorig jaar begonnen", at=new_year))
    assert after.answers.get("fase") == "opbouw"
    after, _ = run(flow, state, Event("text", text="in 2030 gestart", at=new_year))
    assert after.answers.get("fase") == "opbouw", "2031 in Amsterdam: a year since 2030"
