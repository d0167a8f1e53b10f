"""Review items fixed by helper fixB: typed answers read as meant (items 11, 12) and the
intake's numbered questions kept to the contract's seven (item 13)."""

from __future__ import annotations

import pytest

from knowledge.model import Knowledge
from knowledge.textmatch import map_answer


@pytest.mark.parametrize(
    ("question", "typed", "option"),
    [
        ("mandate", "vrij beperkt eigenlijk", "beperkt"),  # item 11: "vrij" intensifies
        ("interests", "belangen botsen niet", "laag"),  # item 12
        ("interests", "niet zo erg", "laag"),  # item 12
    ],
)
def test_typed_answers_from_the_review(
    knowledge: Knowledge, question: str, typed: str, option: str
) -> None:
    asked = knowledge.intake_question(question)
    assert asked is not None
    reading = map_answer(asked, typed, knowledge)
    assert (reading.outcome, reading.option) == ("matched", option)


def test_at_most_seven_numbered_questions_then_the_deepening_ones(knowledge: Knowledge) -> None:
    numbered = [q.id for q in knowledge.intake if not q.deepening]
    assert len(numbered) <= 7
    assert [q.id for q in knowledge.intake][: len(numbered)] == numbered
    assert {
        "size",
        "subgroups",
        "mandate",
        "interests",
        "rol",
        "sturingsvorm",
        "vertrouwen",
    } == set(numbered)
