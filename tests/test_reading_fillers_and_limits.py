"""Fillers inside a phrase, bounds on a sum, a mandate of nothing, and ranges between two
options (reading.skippable, bounds/sums/bounded_options, topics, ranges)."""

from __future__ import annotations

from pathlib import Path

import pytest

from knowledge.model import Knowledge
from tests.knowledge_helpers import check, edit, read

# --- fillers --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("question", "text", "option"),
    [
        ("interests", "onderwijs en zorg willen echt iets anders", "hoog"),
        ("interests", "het valt eigenlijk wel mee", "laag"),
        ("interests", "de belangen botsen eigenlijk niet", "laag"),
        ("mandate", "ik mag eigenlijk wel zelf beslissen", "ruim"),
        ("mandate", "ik mag echt niks beslissen", "geen"),
        ("vertrouwen", "we vertrouwen elkaar echt niet", "laag"),
    ],
)
def test_a_filler_inside_a_phrase_does_not_break_it(
    knowledge: Knowledge, question: str, text: str, option: str
) -> None:
    reading = read(knowledge, question, text)
    assert (reading.outcome, reading.option) == ("matched", option)


def test_the_phrase_scores_its_own_words_not_the_filler(knowledge: Knowledge) -> None:
    reading = read(knowledge, "interests", "onderwijs en zorg willen echt iets anders")
    assert reading.words == ("willen iets anders",)


def test_no_filler_is_skipped_after_a_negation(knowledge: Knowledge) -> None:
    # "niet heel sterk" is sometimes, not the "niet sterk" (hardly) it contains
    reading = read(knowledge, "interests", "niet heel sterk")
    assert (reading.outcome, reading.option) == ("matched", "gemiddeld")
    # "niet zo heel erg" is not "niet zo erg" (hardly): asked, as before
    assert read(knowledge, "interests", "niet zo heel erg").outcome == "ambiguous"


def test_only_listed_words_are_skipped(knowledge: Knowledge) -> None:
    # "best" changes a degree ("best veel"): not a filler, so no phrase reaches past it
    assert read(knowledge, "interests", "onderwijs en zorg willen best iets anders").option is None


def test_a_negation_among_the_fillers_is_a_problem_of_check(knowledge_copy: Path) -> None:
    path = knowledge_copy / "content" / "reading.yaml"
    edit(path, "nl: [echt, wel, heel,", "nl: [niet, echt, wel, heel,")
    code, out = check(knowledge_copy)
    assert code == 1 and "skippable: 'niet' is a negation" in out


# --- a bound on a sum -----------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "ik mag tot 50k zelf beslissen, daarboven naar de rvb",
        "ik kan zelf beslissen tot een bepaald bedrag",
        "ik beslis zelf, tot 50k",
        "tot € 50.000 beslis ik zelf",
        "boven de 10.000 euro moet alles naar de rvt",
        "up to 10k I decide myself",
        "boven de 50.000 moet ik naar de rvb",  # a bare number of thousands is a sum
        # denying what lies past the bound is the limit, not a denial of it
        "ik mag tot 50k, daarboven niet",
        "ik mag zelf beslissen, maar niet over grote bedragen",
    ],
)
def test_a_bound_on_a_sum_is_a_limited_mandate(knowledge: Knowledge, text: str) -> None:
    reading = read(knowledge, "mandate", text)
    assert (reading.outcome, reading.option) == ("matched", "beperkt")


def test_a_sum_reached_past_sets_no_bound(knowledge: Knowledge) -> None:
    reading = read(knowledge, "mandate", "ik mag alles zelf beslissen, ook boven de 50k")
    assert (reading.outcome, reading.option) == ("matched", "ruim")


@pytest.mark.parametrize("text", ["ik beslis zelf tot de zomer", "ik beslis zelf, tot 30 keer"])
def test_a_bound_on_something_else_is_no_limit(knowledge: Knowledge, text: str) -> None:
    assert read(knowledge, "mandate", text).option == "ruim"


@pytest.mark.parametrize(
    "text", ["50k", "€ 50.000", "€50.000", "1 ton", "tot een ton", "een budget van 50 euro"]
)
def test_a_sum_is_no_count_of_organisations(knowledge: Knowledge, text: str) -> None:
    reading = read(knowledge, "size", text)
    assert reading.option is None and not reading.counts


@pytest.mark.parametrize(
    ("text", "count"),
    [
        ("we hebben 40 partners en een budget van € 50.000", "40"),
        ("12 gemeenten en 3 ton per jaar", "12"),  # not 15
    ],
)
def test_a_sum_is_not_added_to_a_count(knowledge: Knowledge, text: str, count: str) -> None:
    assert read(knowledge, "size", text).counts == (count,)


# --- a mandate of nothing -------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "option"),
    [
        ("ik mag niks zelf", "geen"),
        ("ik mag niets zonder mijn bestuur", "geen"),
        # nothing without permission: no mandate, not "toestemming" (limited) denied
        ("niks zonder toestemming van de rvb", "geen"),
        # almost nothing is a limited mandate, as "bijna niks" (reading.almost_options)
        ("ik mag bijna niks zonder de rvt", "beperkt"),
    ],
)
def test_nothing_oneself_or_without_the_board_is_about_the_mandate(
    knowledge: Knowledge, text: str, option: str
) -> None:
    reading = read(knowledge, "mandate", text)
    assert (reading.outcome, reading.option) == ("matched", option)


def test_nothing_of_something_else_still_answers_nothing(knowledge: Knowledge) -> None:
    assert read(knowledge, "mandate", "geen koffie").outcome == "unknown"


# --- a range between two options ------------------------------------------------------


@pytest.mark.parametrize(
    ("question", "text", "candidates"),
    [
        ("interests", "nauwelijks tot soms", ("laag", "gemiddeld")),
        ("interests", "nauwelijks of soms", ("laag", "gemiddeld")),
        ("interests", "tussen laag en gemiddeld", ("laag", "gemiddeld")),
        ("interests", "low to medium", ("laag", "gemiddeld")),
        ("interests", "laag tot hoog", ("laag", "gemiddeld", "hoog")),
        ("mandate", "ruim tot beperkt", ("ruim", "beperkt")),
        ("vertrouwen", "hoog tot wisselend", ("hoog", "wisselend")),
        ("vertrouwen", "veel tot gemiddeld", ("hoog", "wisselend")),  # no degree word
    ],
)
def test_a_range_between_two_options_is_asked(
    knowledge: Knowledge, question: str, text: str, candidates: tuple[str, ...]
) -> None:
    reading = read(knowledge, question, text)
    assert (reading.outcome, reading.candidates) == ("ambiguous", candidates)


@pytest.mark.parametrize(
    ("question", "text", "option"),
    [
        ("interests", "weinig tot geen", "laag"),  # one phrase, one option
        ("interests", "soms tot af en toe", "gemiddeld"),  # both ends the same option
        ("vertrouwen", "a lot of distrust", "laag"),  # "of" after a spent degree word
        ("mandate", "ruim tot op zekere hoogte", "beperkt"),  # "tot" inside a phrase
    ],
)
def test_no_range_without_two_options_joined(
    knowledge: Knowledge, question: str, text: str, option: str
) -> None:
    reading = read(knowledge, question, text)
    assert (reading.outcome, reading.option) == ("matched", option)
