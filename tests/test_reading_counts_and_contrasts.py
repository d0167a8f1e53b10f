"""Counts beside a plain no or a noun no question counts ("nee, we zijn met 12", "2
wethouders en 8 organisaties"), a qualifying clause after a bare yes ("ja, maar
informeel"), companions after "samen met", a clause of less on partial questions and
negations after a place ("mijn rvt snapt het niet" at the bottleneck question)."""

from __future__ import annotations

import pytest

from knowledge.model import Knowledge
from knowledge.reading.numbers import read_counts
from knowledge.reading.words import tokenize
from tests.knowledge_helpers import read


@pytest.mark.parametrize(
    "text", ["2 wethouders en 8 organisaties", "8 organisaties en 2 wethouders"]
)
def test_a_count_of_what_no_question_counts_is_added_to_nothing(
    knowledge: Knowledge, text: str
) -> None:
    reading = read(knowledge, "size", text)
    assert (reading.option, reading.counts) == ("klein", ("8",)), reading


def test_counts_joined_by_en_still_add_up_without_an_uncounted_one(knowledge: Knowledge) -> None:
    tokens = tokenize("2 wethouders en 8 organisaties")
    spec = knowledge.reading.numbers
    together = read_counts(tokens, spec, [False] * len(tokens), lambda end: "size")
    assert [(c.low, c.high) for c in together] == [(10, 10)]
    apart = read_counts(
        tokens, spec, [False] * len(tokens), lambda end: "size", lambda c: c.start == 0
    )
    assert [(c.low, c.high) for c in apart] == [(2, 2), (8, 8)]


@pytest.mark.parametrize(
    "text", ["nee, we zijn met 12", "geen, we zijn maar met 6", "nee, alles in 1 overleg"]
)
def test_a_plain_no_first_is_not_outweighed_by_the_count_explaining_it(
    knowledge: Knowledge, text: str
) -> None:
    reading = read(knowledge, "subgroups", text)
    assert (reading.outcome, reading.option) == ("matched", "geen"), reading


@pytest.mark.parametrize(("text", "option"), [("nee, 3 werkgroepen", "enkele"), ("ja, 12", "veel")])
def test_a_count_of_several_subgroups_still_outweighs_words(
    knowledge: Knowledge, text: str, option: str
) -> None:
    assert read(knowledge, "subgroups", text).option == option


@pytest.mark.parametrize(
    ("text", "option"),
    [("ja, maar informeel", "informeel"), ("yes, but informally", "informeel")],
)
def test_a_clause_after_a_bare_yes_says_which_yes(
    knowledge: Knowledge, text: str, option: str
) -> None:
    reading = read(knowledge, "bestuurlijke_subgroep", text)
    assert (reading.outcome, reading.option) == ("matched", option), reading


def test_a_bare_yes_without_a_qualifying_clause_stands(knowledge: Knowledge) -> None:
    assert read(knowledge, "bestuurlijke_subgroep", "ja, maar").option == "formeel"
    assert read(knowledge, "subgroups", "ja, een paar").option == "enkele"


def test_an_echoed_topic_denied_by_a_plain_no_is_the_no(knowledge: Knowledge) -> None:
    reading = read(knowledge, "bestuurlijke_subgroep", "stuurgroep? nee")
    assert (reading.outcome, reading.option) == ("matched", "geen"), reading
    # a negation with words between it and the topic still only denies ("not really one")
    hedged = read(knowledge, "bestuurlijke_subgroep", "een stuurgroep? niet echt")
    assert hedged.outcome == "ambiguous", hedged


@pytest.mark.parametrize("text", ["we sturen samen met de gemeente", "gezamenlijk met de gemeente"])
def test_who_one_steers_with_is_a_companion_not_the_lead(knowledge: Knowledge, text: str) -> None:
    reading = read(knowledge, "sturingsvorm", text)
    assert (reading.outcome, reading.option) == ("matched", "gedeeld"), reading


def test_a_lead_in_a_clause_of_its_own_still_leads(knowledge: Knowledge) -> None:
    reading = read(knowledge, "sturingsvorm", "de gemeente, samen met de scholen")
    assert reading.option == "leidende_organisatie", reading


@pytest.mark.parametrize(
    ("question", "text", "option"),
    [
        ("draagvlak_intern", "de rvt steunt het, de teams minder", "wisselend"),
        ("draagvlak_intern", "sterk, de teams iets minder", "wisselend"),
        ("vertrouwen", "met de gemeente hoog, met de scholen minder", "wisselend"),
        ("draagvlak_intern", "wisselend, de teams minder", "wisselend"),
    ],
)
def test_a_clause_of_less_moves_the_fullest_option_one_step(
    knowledge: Knowledge, question: str, text: str, option: str
) -> None:
    reading = read(knowledge, question, text)
    assert (reading.outcome, reading.option) == ("matched", option), reading


def test_a_word_of_less_alone_is_no_take_back(knowledge: Knowledge) -> None:
    assert read(knowledge, "draagvlak_intern", "minder").outcome == "unknown"
    # a negation there still takes back more: asked
    assert (
        read(knowledge, "draagvlak_intern", "de rvb staat erachter, de managers niet").outcome
        == "ambiguous"
    )


@pytest.mark.parametrize(
    ("text", "option"),
    [
        ("mijn bestuur begrijpt het niet", "netwerk_en_partners"),
        ("in de werkgroep luisteren ze niet", "binnen_subgroep"),
        ("de gemeenten willen niet meewerken", "netwerk_en_lokaal"),
    ],
)
def test_a_negation_after_a_place_says_what_goes_wrong_there(
    knowledge: Knowledge, text: str, option: str
) -> None:
    reading = read(knowledge, "knelpunt", text)
    assert (reading.outcome, reading.option, reading.negated) == ("matched", option, ()), reading


def test_a_negation_right_after_or_before_a_place_still_denies_it(knowledge: Knowledge) -> None:
    assert read(knowledge, "knelpunt", "niet intern").outcome == "unknown"
    reading = read(knowledge, "knelpunt", "intern niet, tussen de werkgroepen")
    assert (reading.option, reading.negated) == ("tussen_subgroepen", ("intern",)), reading


def test_elsewhere_a_negation_after_words_denies_them(knowledge: Knowledge) -> None:
    assert "knelpunt" in knowledge.reading.places
    assert "mandate" not in knowledge.reading.places
    assert read(knowledge, "mandate", "ruim is het niet").negated == ("ruim",)
