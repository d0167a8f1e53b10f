"""A decimal number's mark ("1,5 ton"), words between "sinds" and its year ("sinds
ongeveer, eh, 2019"), words of how often before a negation ("soms niet") and a word
beside another question's matter ("de belangen botsen nauwelijks" at the trust question)."""

from __future__ import annotations

import pytest

from knowledge.model import Knowledge
from knowledge.reading.answers import read_answer
from knowledge.reading.words import tokenize, written
from knowledge.textmatch import map_answer
from tests.knowledge_helpers import read


def test_a_decimal_mark_is_kept_where_the_words_are_shown() -> None:
    assert written(tokenize("tot 1,5 ton")) == "tot 1,5 ton"
    assert written(tokenize("2.5 jaar")) == "2.5 jaar"
    # a comma between two words, or after a number with a space, is no decimal mark
    assert written(tokenize("10, 5 scholen")) == "10 5 scholen"
    assert written(tokenize("soms wel, soms niet")) == "soms wel soms niet"


@pytest.mark.parametrize(
    "text", ["ik mag tot 1,5 ton zelf beslissen", "tot 2.5 ton mag ik zelf tekenen"]
)
def test_a_bound_on_a_decimal_sum_is_a_limited_mandate(knowledge: Knowledge, text: str) -> None:
    reading = read(knowledge, "mandate", text)
    assert (reading.outcome, reading.option) == ("matched", "beperkt")
    assert any("," in w or "." in w for w in reading.words), reading.words


def test_a_decimal_sum_is_not_counted_as_partners(knowledge: Knowledge) -> None:
    reading = read(knowledge, "size", "40 partners en 1,5 ton budget")
    assert (reading.option, reading.counts) == ("groot", ("40",))
    reading = read(knowledge, "size", "1,5 ton en 12 scholen")
    assert (reading.option, reading.counts) == ("middel", ("12",))


@pytest.mark.parametrize(
    ("text", "months"),
    [
        ("sinds ongeveer 2019", "84"),
        ("sinds eh 2019", "84"),
        ("sinds, eh, 2019", "84"),
        ("sinds ongeveer, eh, 2019", "84"),
        ("since about 2025", "12"),
        ("vanaf ergens in 2025", "12"),
    ],
)
def test_words_between_since_and_its_year_are_passed_over(
    knowledge: Knowledge, text: str, months: str
) -> None:
    question = knowledge.intake_question("fase")
    assert question is not None
    reading = read_answer(question, text, knowledge, year=2026)
    assert reading.counts == (months,), reading


def test_only_two_words_stand_between_since_and_its_year(knowledge: Knowledge) -> None:
    question = knowledge.intake_question("fase")
    assert question is not None
    reading = read_answer(question, "sinds eh ongeveer eh 2019", knowledge, year=2026)
    assert reading.counts != ("84",)


@pytest.mark.parametrize(
    ("question", "text"),
    [
        ("vertrouwen", "soms wel, soms niet"),
        ("vertrouwen", "soms niet"),
        ("vertrouwen", "sometimes yes, sometimes no"),
        ("draagvlak_intern", "soms wel, soms niet"),
        ("draagvlak_intern", "af en toe niet"),
    ],
)
def test_a_negation_after_a_word_of_how_often_does_not_deny_it(
    knowledge: Knowledge, question: str, text: str
) -> None:
    reading = read(knowledge, question, text)
    assert (reading.outcome, reading.option) == ("matched", "wisselend"), reading
    assert reading.negated == ()


def test_a_negation_after_another_word_still_denies_it(knowledge: Knowledge) -> None:
    reading = read(knowledge, "vertrouwen", "hoog is het niet")
    assert reading.option != "hoog" and "hoog" in reading.negated_options


@pytest.mark.parametrize(
    ("question", "text", "elsewhere"),
    [
        ("vertrouwen", "de belangen botsen nauwelijks", "interests"),
        ("draagvlak_intern", "de belangen botsen sterk", "interests"),
        ("interests", "weinig vertrouwen", "vertrouwen"),
        ("interests", "veel wantrouwen", "vertrouwen"),
        ("vertrouwen", "de belangen botsen eigenlijk niet", "interests"),
    ],
)
def test_a_word_beside_another_matter_answers_that_matter(
    knowledge: Knowledge, question: str, text: str, elsewhere: str
) -> None:
    """One word ("nauwelijks") beside another question's distinct topic ("de belangen") is
    about that matter: not read here, and named as answering that question."""
    asked = knowledge.intake_question(question)
    assert asked is not None
    reading = map_answer(asked, text, knowledge)
    assert (reading.outcome, reading.option, reading.elsewhere) == ("unknown", None, elsewhere)


@pytest.mark.parametrize(
    ("question", "text", "option"),
    [
        ("vertrouwen", "het vertrouwen is laag", "laag"),
        ("interests", "het vertrouwen is laag, de belangen botsen sterk", "hoog"),
        ("knelpunt", "vooral onderling in de werkgroep", "binnen_subgroep"),
    ],
)
def test_a_word_beside_its_own_matter_still_answers(
    knowledge: Knowledge, question: str, text: str, option: str
) -> None:
    reading = read(knowledge, question, text)
    assert (reading.outcome, reading.option) == ("matched", option), reading
