"""Words of degree measure the phrase beside them; weak cue words do not decide a
sentence alone (review 6: F1, F2, F3, F7, F20, F38)."""

from __future__ import annotations

from pathlib import Path

import pytest

from knowledge.model import Knowledge
from knowledge.reading.answers import Reading, read_answer
from tests.knowledge_helpers import check, edit


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


# --- almost none is some (session 8) -----------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "bijna alles voorleggen",
        "we moeten bijna alles voorleggen aan de achterban",
        "we moeten bijna alles eerst voorleggen",
        "vrijwel alles moet ik terugleggen",
        "bijna geen mandaat",
        "bijna niks",
        "almost everything goes back to my board",
    ],
)
def test_almost_everything_put_before_the_board_is_a_limited_mandate(
    knowledge: Knowledge, text: str
) -> None:
    reading = read(knowledge, "mandate", text)
    assert (reading.outcome, reading.option) == ("matched", "beperkt")


def test_everything_put_before_the_board_is_still_no_mandate(knowledge: Knowledge) -> None:
    assert read(knowledge, "mandate", "we moeten alles voorleggen").option == "geen"
    assert read(knowledge, "subgroups", "bijna geen werkgroepen").option == "enkele"
    # where none is no point of its own, almost none is still weak support
    assert read(knowledge, "draagvlak_intern", "bijna niemand staat erachter").option == "zwak"


def test_almost_options_of_an_unknown_option_are_reported(knowledge_copy: Path) -> None:
    reading = knowledge_copy / "content" / "reading.yaml"
    edit(reading, "mandate: {geen: beperkt}", "mandate: {geen: klein}")
    assert "almost_options: 'klein' is no option of 'mandate'" in check(knowledge_copy)[1]


# --- counts listed with commas add up; "een jaar of vijf" ---------------------------------


def test_kinds_of_organisations_listed_with_commas_add_up(knowledge: Knowledge) -> None:
    reading = read(knowledge, "size", "8 scholen, 2 gemeenten en 5 aanbieders")
    assert (reading.option, reading.counts) == ("middel", ("15",))
    assert read(knowledge, "subgroups", "3 werkgroepen, 2 tafels").option == "veel"
    # two counts that name nothing are two answers, not a sum
    assert read(knowledge, "size", "ongeveer 20, misschien 70").outcome != "matched"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("een jaar of 5", "volwassen"),
        ("een jaar of twee", "opbouw"),
        ("een maand of drie", "opstart"),
    ],
)
def test_a_year_or_five_is_about_five_years(knowledge: Knowledge, text: str, expected: str) -> None:
    assert read(knowledge, "fase", text).option == expected
