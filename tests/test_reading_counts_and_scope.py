"""Reading typed answers (review 13): what a count counts, what a negation scopes, and how
long a network has existed. Each case was read wrongly before."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.telegram.render import to_html
from flows.screens import Say
from flows.understood import not_chosen
from knowledge.model import Knowledge
from knowledge.reading.answers import Reading, read_answer
from knowledge.reading.words import raw_tokens
from tests.knowledge_helpers import check, edit


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


def test_typed_signs_the_bot_quotes_are_escaped(knowledge: Knowledge) -> None:
    question = knowledge.intake_question("size")
    assert question is not None
    reading = read_answer(question, "<10 of >65", knowledge)
    said = not_chosen(Say(knowledge, "nl"), question, reading)
    assert reading.outcome == "ambiguous" and said is not None
    html = to_html(said)
    assert "&lt; 10" in html and "&gt; 65" in html and "< 10" not in html


@pytest.mark.parametrize("text", ["1000000", "een miljoen", "9" * 4096, "1e9" * 1000])
def test_an_absurd_size_is_not_understood(knowledge: Knowledge, text: str) -> None:
    assert read(knowledge, "size", text).outcome == "unknown"


# --- what a negation scopes ----------------------------------------------------------------


@pytest.mark.parametrize(
    "text", ["geen", "nee hoor", "geen formeel mandaat", "geen enkel mandaat", "mandaat? nee"]
)
def test_a_negation_alone_or_of_the_mandate_is_no_mandate(knowledge: Knowledge, text: str) -> None:
    assert read(knowledge, "mandate", text).option == "geen"


@pytest.mark.parametrize(
    ("question", "text"),
    [("mandate", "geen koffie"), ("mandate", "koffie? nee"), ("subgroups", "geen koffie")],
)
def test_a_negation_of_something_else_answers_nothing(
    knowledge: Knowledge, question: str, text: str
) -> None:
    assert read(knowledge, question, text).outcome == "unknown"


def test_a_negation_of_the_topic_through_an_adjective_still_answers(knowledge: Knowledge) -> None:
    assert read(knowledge, "subgroups", "we hebben geen vaste werkgroepen").option == "geen"


def test_a_topic_must_be_one_word(knowledge_copy: Path) -> None:
    reading = knowledge_copy / "content" / "reading.yaml"
    edit(reading, "    mandate:\n      nl: [mandaat,", "    mandate:\n      nl: [het mandaat,")
    assert "topic 'het mandaat' must be one word" in check(knowledge_copy)[1]


def test_topics_of_an_unknown_question_are_reported(knowledge_copy: Path) -> None:
    reading = knowledge_copy / "content" / "reading.yaml"
    edit(reading, "  topics:\n    size:", "  topics:\n    omvang:")
    assert "topics: unknown question 'omvang'" in check(knowledge_copy)[1]


# --- what a count counts -------------------------------------------------------------------


@pytest.mark.parametrize("text", ["ongeveer 40 organisaties", "about 40 organisations"])
def test_a_count_of_organisations_is_no_count_of_subgroups(knowledge: Knowledge, text: str) -> None:
    reading = read(knowledge, "subgroups", text)
    assert (reading.outcome, reading.counts, reading.elsewhere) == ("unknown", (), "size")


def test_counts_of_two_things_do_not_add_up(knowledge: Knowledge) -> None:
    reading = read(knowledge, "subgroups", "we hebben 40 organisaties en 3 werkgroepen")
    assert (reading.option, reading.counts) == ("enkele", ("3",))
    assert read(knowledge, "size", "12 gemeenten en 30 aanbieders").counts == ("42",)


def test_the_bot_says_a_count_belongs_to_another_question(knowledge: Knowledge) -> None:
    question = knowledge.intake_question("subgroups")
    assert question is not None
    reading = read_answer(question, "ongeveer 40 organisaties", knowledge)
    said = not_chosen(Say(knowledge, "nl"), question, reading)
    assert said is not None and "Omvang" in "".join(span.text for span in said)


# --- how long a network has existed --------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "phase"),
    [
        ("2 jaar", "opbouw"),
        ("een half jaar", "opstart"),
        ("3 maanden", "opstart"),
        ("10 jaar", "volwassen"),
        ("nog geen jaar", "opstart"),
        ("sinds 2024", "opbouw"),
        ("sinds 2023", "volwassen"),
        ("sinds 2026", "opstart"),
    ],
)
def test_a_length_of_time_is_the_phase_whose_months_it_falls_in(
    knowledge: Knowledge, text: str, phase: str
) -> None:
    question = knowledge.intake_question("fase")
    assert question is not None
    assert read_answer(question, text, knowledge, year=2026).option == phase


def test_the_phases_follow_the_months_in_the_knowledge(knowledge: Knowledge) -> None:
    assert knowledge.reading.phases["fase"] == {
        "opstart": (0, 11),
        "opbouw": (12, 35),
        "volwassen": (36, 1200),
    }
    assert read(knowledge, "fase", "35 maanden").option == "opbouw"
    assert read(knowledge, "fase", "36 maanden").option == "volwassen"


def test_a_year_in_the_future_or_a_bare_unit_is_no_length(knowledge: Knowledge) -> None:
    question = knowledge.intake_question("fase")
    assert question is not None
    for text in ("sinds 2030", "jaar", "1e9 jaar"):
        assert read_answer(question, text, knowledge, year=2026).outcome == "unknown", text


def test_a_phase_band_must_be_months(knowledge_copy: Path) -> None:
    reading = knowledge_copy / "content" / "reading.yaml"
    edit(reading, "opstart: [0, 11]", "opstart: [0, elf]")
    assert "'opstart' must be [first, last] months" in check(knowledge_copy)[1]


def test_phases_of_an_unknown_option_are_reported(knowledge_copy: Path) -> None:
    reading = knowledge_copy / "content" / "reading.yaml"
    edit(reading, "opstart: [0, 11]", "begin: [0, 11]")
    assert "phases: 'begin' is no option of 'fase'" in check(knowledge_copy)[1]


@pytest.mark.parametrize(
    "text",
    [
        ("we hebben geen formeel mandaat, wel 40 organisaties en 3 werkgroepen 🙂 " * 60)[:4096],
        ("sinds 2019 al 2 jaar een half jaar " * 200)[:4096],
        ("twee dozijn 1e9 <script>alert(1)</script> " * 200)[:4096],
    ],
)
def test_a_message_of_4096_characters_is_read_without_raising(
    knowledge: Knowledge, text: str
) -> None:
    for question in knowledge.intake:
        reading = read_answer(question, text, knowledge, year=2026)
        assert reading.option is None or question.option(reading.option) is not None
