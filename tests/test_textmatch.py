"""Free text onto intake options and dilemmas: examples, and never an exception."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from knowledge.model import Knowledge
from knowledge.textmatch import map_answer, match_dilemmas, normalize


def mapped(knowledge: Knowledge, question_id: str, text: str) -> str | None:
    question = knowledge.intake_question(question_id)
    assert question is not None
    return map_answer(question, text, knowledge).option


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("we zitten met zo'n 70 partijen aan tafel", "zeer_groot"),
        ("ruim honderd", "zeer_groot"),
        ("40-50", "groot"),
        ("40 tot 50 organisaties", "groot"),
        ("een handvol", "klein"),
        ("8", "klein"),
        ("vijfentwintig", "middel"),
        ("about 20 organisations", "middel"),
        ("Zeer groot!", "zeer_groot"),
        ("meer dan 65", "zeer_groot"),
        ("minder dan tien", "klein"),
        ("onder de tien", "klein"),
    ],
)
def test_size_from_free_text(knowledge: Knowledge, text: str, expected: str) -> None:
    assert mapped(knowledge, "size", text) == expected


@pytest.mark.parametrize(
    ("question", "text", "expected"),
    [
        ("mandate", "beperkt", "beperkt"),
        ("mandate", "beperkd", "beperkt"),
        ("mandate", "geen idee eigenlijk", "onduidelijk"),
        ("mandate", "onduideljk", "onduidelijk"),
        ("interests", "de belangen botsen flink, hoog", "hoog"),
        ("subgroups", "we hebben 5 werkgroepen", "veel"),
        ("subgroups", "nee, geen subgroepen", "geen"),
    ],
)
def test_other_questions_from_free_text(
    knowledge: Knowledge, question: str, text: str, expected: str
) -> None:
    assert mapped(knowledge, question, text) == expected


@pytest.mark.parametrize("text", ["", "🙂🙂", "\x00\x07", "qwerty asdf", "the weather is nice"])
def test_unmappable_text_is_reported_not_guessed(knowledge: Knowledge, text: str) -> None:
    question = knowledge.intake_question("mandate")
    assert question is not None
    result = map_answer(question, text, knowledge)
    assert result.option is None and result.outcome in ("unknown", "ambiguous")


def test_conflicting_numbers_are_ambiguous(knowledge: Knowledge) -> None:
    question = knowledge.intake_question("size")
    assert question is not None
    result = map_answer(question, "tussen 5 en 200, 5 of 200", knowledge)
    assert result.outcome == "ambiguous" and result.option is None


def test_description_matches_dilemmas_with_the_words_as_explanation(knowledge: Knowledge) -> None:
    matches = match_dilemmas("het kost intern meer energie dan in het netwerk", knowledge)
    assert matches, "no dilemma recognised"
    assert matches[0].dilemma in {
        "handelingsruimte_vs_draagvlak",
        "interne_efficientie_vs_extern_meebewegen",
    }
    assert matches[0].words


def test_normalize_folds_accents_and_punctuation() -> None:
    assert normalize("Efficiënt, ÉÉN!  organisatie") == "efficient een organisatie"


text_strategy = st.one_of(
    st.text(max_size=300),
    st.text(min_size=1, max_size=200).map(lambda s: (s * (10_000 // len(s) + 1))[:10_000]),
    st.sampled_from(["🙂" * 5000, "\x00" * 10_000, "9" * 10_000, "40-" * 3000, "é" * 10_000]),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=text_strategy)
def test_mapper_and_matcher_never_raise(knowledge: Knowledge, text: str) -> None:
    for question in knowledge.intake:
        result = map_answer(question, text, knowledge)
        assert result.outcome in ("matched", "ambiguous", "unknown")
        if result.option is not None:
            assert question.option(result.option) is not None
    for match in match_dilemmas(text, knowledge):
        assert knowledge.dilemma(match.dilemma) is not None and match.words
