"""Reading typed answers (review 13): what a count counts, what a negation scopes, and how
long a network has existed. Each case was read wrongly before."""

from __future__ import annotations

import pytest

from knowledge.model import Knowledge
from knowledge.reading.answers import Reading, read_answer
from knowledge.reading.words import raw_tokens


def read(knowledge: Knowledge, question_id: str, text: str) -> Reading:
    question = knowledge.intake_question(question_id)
    assert question is not None, question_id
    return read_answer(question, text, knowledge)


# --- numbers -----------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["<script>alert(1)</script>", "1e9", "covid19", "3e"])
def test_digits_written_into_a_word_are_no_count(knowledge: Knowledge, text: str) -> None:
    reading = read(knowledge, "size", text)
    assert reading.outcome == "unknown" and reading.counts == ()


def test_a_dash_or_brackets_leave_a_count_a_count() -> None:
    assert raw_tokens("een 10-tal (40)") == ["een", "10", "-", "tal", "(", "40", ")"]


@pytest.mark.parametrize(
    ("text", "count"),
    [("twee dozijn", "24"), ("two dozen", "24"), ("2 dozijn", "24"), ("a dozen", "12")],
)
def test_a_dozen_is_twelve(knowledge: Knowledge, text: str, count: str) -> None:
    reading = read(knowledge, "size", text)
    assert (reading.option, reading.counts) == ("middel", (count,))


@pytest.mark.parametrize("text", ["tens of organisations", "tientallen partijen"])
def test_tens_of_is_a_vague_count_in_the_tens_not_ten(knowledge: Knowledge, text: str) -> None:
    reading = read(knowledge, "size", text)
    assert (reading.option, reading.counts) == ("groot", ())


@pytest.mark.parametrize("text", ["1000000", "een miljoen", "9" * 4096, "1e9" * 1000])
def test_an_absurd_size_is_not_understood(knowledge: Knowledge, text: str) -> None:
    assert read(knowledge, "size", text).outcome == "unknown"
