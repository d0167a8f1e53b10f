"""Words of degree measure the phrase beside them; weak cue words do not decide a
sentence alone (review 6: F1, F2, F3, F7, F20, F38)."""

from __future__ import annotations

import pytest

from knowledge.model import Knowledge
from knowledge.reading.answers import Reading, read_answer


def read(knowledge: Knowledge, question_id: str, text: str) -> Reading:
    question = knowledge.intake_question(question_id)
    assert question is not None, question_id
    return read_answer(question, text, knowledge)


@pytest.mark.parametrize(
    "text",
    [
        "ik mag weinig zelf beslissen",
        "ik mag zelf weinig beslissen",
        "zelf beslissen mag ik weinig",
        "nauwelijks zelf beslissen",
        "nauwelijks mandaat",
        "niet zo veel",
        "I have hardly any room to decide",
    ],
)
def test_a_lowering_word_lowers_the_phrase_wherever_it_stands(
    knowledge: Knowledge, text: str
) -> None:
    reading = read(knowledge, "mandate", text)
    assert (reading.outcome, reading.option) == ("matched", "beperkt")


def test_the_lowered_phrase_is_denied_not_chosen(knowledge: Knowledge) -> None:
    reading = read(knowledge, "mandate", "ik mag weinig zelf beslissen")
    assert reading.words == ("weinig",)
    assert "zelf beslissen" in reading.negated


def test_little_of_what_the_lowering_word_means_itself_is_asked(knowledge: Knowledge) -> None:
    # "weinig weerstand" is little resistance: not weak support, and not clearly strong
    reading = read(knowledge, "draagvlak_intern", "weinig weerstand")
    assert reading.outcome == "ambiguous"
    assert "zwak" in reading.negated_options and "zwak" not in reading.candidates


def test_a_lowering_word_measures_what_follows_it_not_the_subject(knowledge: Knowledge) -> None:
    reading = read(knowledge, "knelpunt", "binnen mijn eigen bestuur is er weinig steun")
    assert (reading.outcome, reading.option) == ("matched", "netwerk_en_partners")


@pytest.mark.parametrize(
    "text",
    ["er is veel onderling wantrouwen", "low, there's a lot of distrust", "a lot of distrust"],
)
def test_a_lot_of_distrust_is_little_trust(knowledge: Knowledge, text: str) -> None:
    reading = read(knowledge, "vertrouwen", text)
    assert (reading.outcome, reading.option) == ("matched", "laag")


def test_many_small_partners_is_still_a_count_of_partners(knowledge: Knowledge) -> None:
    # where "veel" counts things, it is not an intensifier of what follows
    reading = read(knowledge, "size", "veel kleine partijen")
    assert reading.option != "klein"


def test_a_weak_cue_word_does_not_decide_a_sentence(knowledge: Knowledge) -> None:
    text = "het grootste probleem is dat niemand weet wie waarover beslist"
    assert read(knowledge, "draagvlak_intern", text).outcome == "unknown"
    assert read(knowledge, "draagvlak_intern", "niemand").option == "zwak"
    assert read(knowledge, "knelpunt", "het knelt binnen ons netwerk").outcome == "unknown"
    assert read(knowledge, "knelpunt", "vooral binnen").option == "binnen_subgroep"


@pytest.mark.parametrize(
    "text",
    ["de belangen botsen behoorlijk", "best wel", "heel erg", "nogal", "het schuurt regelmatig"],
)
def test_everyday_words_of_a_strong_clash(knowledge: Knowledge, text: str) -> None:
    reading = read(knowledge, "interests", text)
    assert (reading.outcome, reading.option) == ("matched", "hoog")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("in 2019 gestart, nu 40 partijen", "groot"),  # the year was Meer dan 65
        ("sinds 2015 actief met 40 partijen", "groot"),
        ("we vergaderen 4 keer per jaar met 20 partijen", "middel"),
        ("2000", "zeer_groot"),  # a bare number is still a count
    ],
)
def test_a_year_or_a_count_of_something_else_is_no_count(
    knowledge: Knowledge, text: str, expected: str
) -> None:
    assert read(knowledge, "size", text).option == expected


def test_three_aldermen_are_not_three_organisations(knowledge: Knowledge) -> None:
    reading = read(knowledge, "size", "we hebben 3 wethouders")
    assert reading.outcome != "matched" and reading.counts == ()
