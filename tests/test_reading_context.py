"""Negations that reach past their clause (knowledge/reading/context.py): an echoed
question answered by a negation alone, and a contrast with "wel" after a negation. Both
are driven by content/reading.yaml."""

from __future__ import annotations

from pathlib import Path

import pytest

from knowledge.loader import load_knowledge
from knowledge.model import Knowledge
from knowledge.reading.words import tokenize
from tests.knowledge_helpers import check, edit, read


def test_an_echoed_doubt_not_really_formal_is_informal(knowledge: Knowledge) -> None:
    for text in ("formeel? niet echt", "Formeel?? Niet echt.", "formal? not really"):
        reading = read(knowledge, "bestuurlijke_subgroep", text)
        assert (reading.outcome, reading.option) == ("matched", "informeel"), text


@pytest.mark.parametrize(
    ("question", "text", "denied"),
    [
        ("mandate", "ruim? niet echt", "ruim"),
        ("mandate", "ruim? nee", "ruim"),
        ("draagvlak_intern", "sterk? niet echt", "sterk"),
        ("vertrouwen", "hoog? niet echt", "hoog"),
        ("size", "groot? niet echt", "groot"),
        ("bestuurlijke_subgroep", "formeel? nee hoor", "formeel"),
    ],
)
def test_an_echoed_option_denied_is_never_chosen(
    knowledge: Knowledge, question: str, text: str, denied: str
) -> None:
    """These were read as the very option they deny ("ruim? niet echt" was ruim)."""
    reading = read(knowledge, question, text)
    assert reading.option != denied and reading.outcome != "matched", reading
    assert denied in reading.negated_options


@pytest.mark.parametrize(
    ("question", "text", "option"),
    [
        ("bestuurlijke_subgroep", "geen stuurgroep, wel overleg van de wethouders", "informeel"),
        ("bestuurlijke_subgroep", "geen stuurgroep, wel een overleg", "informeel"),
        (
            "bestuurlijke_subgroep",
            "no steering group, but we do have an informal table",
            "informeel",
        ),
        ("mandate", "geen vrije hand, wel wat ruimte", "beperkt"),
        ("interests", "geen ruzie, wel verschillen", "gemiddeld"),
        ("subgroups", "no, we have a few", "enkele"),
    ],
)
def test_after_a_negation_the_contrast_says_what_it_is(
    knowledge: Knowledge, question: str, text: str, option: str
) -> None:
    reading = read(knowledge, question, text)
    assert (reading.outcome, reading.option) == ("matched", option), reading


def test_a_contrast_before_the_negation_stays_a_question(knowledge: Knowledge) -> None:
    reading = read(knowledge, "bestuurlijke_subgroep", "officieel wel, in de praktijk niet")
    assert reading.outcome != "matched"


def test_a_word_of_the_question_after_a_negation_does_not_count(knowledge: Knowledge) -> None:
    """Without the contrast "geen stuurgroep" (no) and "wel overleg" (informal) tie."""
    reading = read(knowledge, "bestuurlijke_subgroep", "geen stuurgroep, wel overleg")
    assert reading.option == "informeel" and "geen stuurgroep" not in reading.words


def test_the_punctuation_after_a_word_is_kept() -> None:
    tokens = tokenize("formeel? niet echt")
    assert [(t.text, t.then) for t in tokens] == [("formeel", "?"), ("niet", ""), ("echt", "")]


def test_echo_and_contrast_come_from_the_yaml(knowledge_copy: Path) -> None:
    path = knowledge_copy / "content" / "reading.yaml"
    edit(path, 'echo_marks: ["?", ":"]', "echo_marks: []")
    edit(path, "nl: [wel, wel degelijk, juist wel]", "nl: []")
    plain = load_knowledge(knowledge_copy)
    assert read(plain, "bestuurlijke_subgroep", "formeel? niet echt").option != "informeel"
    assert read(plain, "bestuurlijke_subgroep", "geen stuurgroep, wel overleg").option is None


def test_an_unquoted_no_in_a_word_list_is_an_error_at_its_line(knowledge_copy: Path) -> None:
    """YAML reads a bare ``no`` as false: "no" would silently be no trigger at all."""
    path = knowledge_copy / "content" / "reading.yaml"
    line = edit(path, "en: [not, 'no', nope,", "en: [not, no, nope,")
    code, out = check(knowledge_copy)
    assert code == 1
    assert f"content/reading.yaml:{line}: 'negation.en': put yes, no, on and off in quotes" in out
    assert out.count("put yes, no, on and off in quotes") == 1, out


@pytest.mark.parametrize(
    ("text", "option"), [("<10", "klein"), ("> 65", "zeer_groot"), ("<= 30", "middel")]
)
def test_comparison_signs_are_bounds_from_the_yaml(
    knowledge: Knowledge, text: str, option: str
) -> None:
    """ "<10" was read as 10 (10 to 30), ">65" as 65 (31 to 65)."""
    assert read(knowledge, "size", text).option == option


@pytest.mark.parametrize("text", ["🤷", "🤷‍♀️", "weet ik veel", "kweenie", "dunno", "idk"])
def test_a_shrug_and_colloquial_dont_knows_are_dont_know(knowledge: Knowledge, text: str) -> None:
    reading = read(knowledge, "subgroups", text)
    assert reading.dont_know and reading.option is None, reading


def test_a_thumbs_up_agrees_at_the_consent_question(knowledge: Knowledge) -> None:
    from flows.advisor import AdvisorFlow
    from flows.events import Event, StoredState

    flow = AdvisorFlow(knowledge)
    assert flow.handle(StoredState(), Event("text", "👍")).state.consent is True
    assert flow.handle(StoredState(), Event("text", "👎")).state.consent is False
    assert flow.handle(StoredState(), Event("text", "🙂")).state.consent is None


def test_support_taken_back_in_part_is_asked_with_the_option_beside_it(
    knowledge: Knowledge,
) -> None:
    """Was read as strong support ("staat erachter") though the managers are not behind it."""
    reading = read(knowledge, "draagvlak_intern", "de rvb staat erachter, de managers niet")
    assert reading.outcome == "ambiguous" and reading.candidates == ("sterk", "wisselend")


def test_a_negation_elsewhere_still_leaves_the_answer(knowledge: Knowledge) -> None:
    """Only the questions under ``partial``, and not when the answer is a negation itself."""
    assert read(knowledge, "subgroups", "een paar werkgroepen, maar tafels niet").option == (
        "enkele"
    )
    assert read(knowledge, "subgroups", "geen werkgroepen, tafels ook niet").option == "geen"
    assert read(knowledge, "mandate", "ruim, maar niet onbeperkt").option == "ruim"


def test_partial_names_known_questions(knowledge_copy: Path) -> None:
    path = knowledge_copy / "content" / "reading.yaml"
    line = edit(path, "partial: [draagvlak_intern, vertrouwen]", "partial: [draagvlak, vertrouwen]")
    code, out = check(knowledge_copy)
    assert (
        code == 1 and f"content/reading.yaml:{line}: partial: unknown question 'draagvlak'" in out
    )


def test_a_plus_or_or_more_after_a_number_is_at_least(knowledge: Knowledge) -> None:
    assert read(knowledge, "size", "100+").option == "zeer_groot"
    assert read(knowledge, "subgroups", "5 of meer").option == "veel"
    forty = read(knowledge, "size", "40+")  # 40 to 80: either side of 65
    assert forty.outcome == "ambiguous" and forty.candidates == ("groot", "zeer_groot")
    assert read(knowledge, "size", "12 gemeenten plus 30 aanbieders").option == "groot"


@pytest.mark.parametrize(
    ("text", "option"),
    [
        ("tweeënveertig", "groot"),  # was not read: folded, text2num does not know it
        ("a hundred and twenty", "zeer_groot"),  # was 100 and 20 apart
        ("1.000", "zeer_groot"),  # was read as 1
        ("ongeveer 1.200 leden", "zeer_groot"),
    ],
)
def test_numbers_as_people_write_them(knowledge: Knowledge, text: str, option: str) -> None:
    assert read(knowledge, "size", text).option == option


def test_a_short_option_word_misspelt_by_one_letter_more(knowledge: Knowledge) -> None:
    """Four-letter option words were never forgiven a typo ("hoogg", "zwakk")."""
    assert read(knowledge, "interests", "hoogg").option == "hoog"
    assert read(knowledge, "draagvlak_intern", "zwakk").option == "zwak"
    for other in ("hoop", "laat"):  # one letter changed is another word
        assert read(knowledge, "interests", other).outcome == "unknown", other


# --- session 8 ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("question", "text"),
    [
        ("vertrouwen", "goed, behalve met de gemeente"),
        ("draagvlak_intern", "strong, except for the middle managers"),
        ("draagvlak_intern", "mijn RvT staat er vol achter, de teams nog niet helemaal"),
    ],
)
def test_an_exception_takes_back_part_of_a_shared_answer(
    knowledge: Knowledge, question: str, text: str
) -> None:
    reading = read(knowledge, question, text)
    assert reading.outcome == "ambiguous" and reading.option is None


@pytest.mark.parametrize(
    ("question", "text", "expected"),
    [
        ("mandate", "no mandate at all, everything goes back", "geen"),
        ("subgroups", "no subgroups at all", "geen"),
    ],
)
def test_a_negation_after_a_negative_phrase_stresses_it(
    knowledge: Knowledge, question: str, text: str, expected: str
) -> None:
    assert read(knowledge, question, text).option == expected


def test_an_exception_must_be_a_boundary(knowledge_copy: Path) -> None:
    reading = knowledge_copy / "content" / "reading.yaml"
    edit(reading, "    nl: [behalve]\n", "    nl: [behalve, uitgezonderd]\n")
    assert "exceptions: 'uitgezonderd' is no boundary" in check(knowledge_copy)[1]
