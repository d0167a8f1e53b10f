"""Reading typed answers and descriptions (issue 15): the table of misreadings, the
examples file in `check`, `parse`, and never an exception."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.reading_cli import run_parse
from knowledge.loader import BUNDLED_DIR
from knowledge.model import Knowledge
from knowledge.reading.answers import Reading, read_answer
from knowledge.reading.descriptions import read_description
from knowledge.reading.examples import failure, run_examples
from knowledge.reading.words import phrase
from tests.knowledge_helpers import check, edit, line_of, read

# --- the table of the issue: what the bot used to note, and must not -----------------


def test_a_steering_group_that_is_not_really_formal_is_informal(knowledge: Knowledge) -> None:
    reading = read(
        knowledge, "bestuurlijke_subgroep", "er is wel een stuurgroepje maar niet echt formeel"
    )
    assert (reading.outcome, reading.option) == ("matched", "informeel")


@pytest.mark.parametrize("text", ["geen ruim mandaat", "niet ruim"])
def test_a_denied_ample_mandate_is_never_ample(knowledge: Knowledge, text: str) -> None:
    reading = read(knowledge, "mandate", text)
    assert reading.option != "ruim" and reading.outcome != "matched"
    assert "ruim" in reading.negated_options
    assert set(reading.candidates) == {"beperkt", "geen"}  # asked, not guessed


def test_everything_back_to_the_supervisory_board_is_no_mandate(knowledge: Knowledge) -> None:
    reading = read(knowledge, "mandate", "ik moet alles terugleggen bij de rvt")
    assert reading.option == "geen" and "alles" not in reading.words


def test_no_conflict_is_low_not_high(knowledge: Knowledge) -> None:
    assert read(knowledge, "interests", "geen conflict").option == "laag"


def test_internal_support_not_strong_is_not_strong(knowledge: Knowledge) -> None:
    reading = read(knowledge, "draagvlak_intern", "niet sterk")
    assert reading.outcome == "ambiguous" and reading.option is None
    assert reading.negated_options == ("sterk",)
    assert reading.candidates == ("wisselend", "zwak")


def test_not_really_started_is_the_start_not_a_rethink(knowledge: Knowledge) -> None:
    reading = read(knowledge, "fase", "we zijn nog niet echt gestart")
    assert reading.option == "opstart"


@pytest.mark.parametrize("text", ["geen idee", "weet ik eigenlijk niet"])
def test_dont_know_is_no_option(knowledge: Knowledge, text: str) -> None:
    reading = read(knowledge, "subgroups", text)
    assert reading.outcome == "unknown" and reading.option is None and reading.dont_know


def test_not_more_than_ten_is_not_ten_to_thirty(knowledge: Knowledge) -> None:
    reading = read(knowledge, "size", "niet meer dan tien")
    assert reading.option != "middel" and reading.outcome == "ambiguous"
    assert reading.counts == ("5..10",)
    # A word that decides between the candidates does.
    assert read(knowledge, "size", "niet meer dan tien, een klein clubje").option == "klein"


@pytest.mark.parametrize(
    ("question", "text", "expected"),
    [
        ("mandate", "ik kan gewoon zelf besluiten", "ruim"),
        ("mandate", "ik heb alle ruimte van mijn rvt", "ruim"),
        ("interests", "de belangen lopen behoorlijk uiteen", "hoog"),
        ("draagvlak_intern", "het MT staat er helemaal achter", "sterk"),
        ("draagvlak_intern", "mijn managers zien het nut er niet van", "zwak"),
    ],
)
def test_what_it_did_not_understand_before(
    knowledge: Knowledge, question: str, text: str, expected: str
) -> None:
    assert read(knowledge, question, text).option == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("hoe groter het netwerk, hoe ingewikkelder het wordt", "inclusief_vs_efficient"),
        (
            "ik ben wel verantwoordelijk, maar heb maar beperkt invloed",
            "handelingsruimte_vs_draagvlak",
        ),
        (
            "de grote aanbieders bepalen alles en de kleine partijen haken af",
            "gelijkwaardigheid_vs_diversiteit",
        ),
        ("elke gemeente wil het op haar eigen manier doen", "eigenheid_vs_uniformiteit"),
        ("every municipality wants to do it its own way", "eigenheid_vs_uniformiteit"),
        (
            "the big providers call the shots and the small ones drop out",
            "gelijkwaardigheid_vs_diversiteit",
        ),
    ],
)
def test_descriptions_of_the_issue_match_their_dilemma(
    knowledge: Knowledge, text: str, expected: str
) -> None:
    matches = read_description(text, knowledge)
    assert expected in [m.dilemma for m in matches[:3]]
    assert all(m.words for m in matches)


@pytest.mark.parametrize("text", ["wat voor weer wordt het morgen", "the weather is nice", "hallo"])
def test_unrelated_text_matches_no_dilemma(knowledge: Knowledge, text: str) -> None:
    assert read_description(text, knowledge) == []


def test_a_denied_keyword_does_not_count_in_a_description(knowledge: Knowledge) -> None:
    def found(text: str) -> set[str]:
        return {m.dilemma for m in read_description(text, knowledge)}

    power = "gelijkwaardigheid_vs_diversiteit"
    assert power in found("de machtsverhoudingen")
    # what is lacking is the problem ...
    assert power in found("er zijn geen gelijkwaardige verhoudingen")
    # ... unless the problem itself is denied, or a later clause says what it is instead
    assert power not in found("het is geen probleem van machtsverhoudingen")
    assert power not in found("geen machtsverhoudingen, maar we vergaderen te lang")
    assert power not in found("geen machtsverhoudingen, wel eindeloze vergaderingen")


def test_a_keyword_counts_once_and_a_generic_one_gives_way(knowledge: Knowledge) -> None:
    text = "de werkgroep onderwijs en de werkgroep zorg doen dubbel werk"
    scores = {m.dilemma: m.score for m in read_description(text, knowledge)}
    assert scores["gezamenlijkheid_vs_organiseerbaarheid"] == 1
    # "werkgroepen" (generic) and "protocol" score the same: the issue goes first
    tie = read_description("twee werkgroepen hebben allebei een protocol gemaakt", knowledge)
    assert tie[0].dilemma == "verbinding_borgen_vs_wendbaar_blijven"


# --- words as people write them ---------------------------------------------------------


@pytest.mark.parametrize(
    ("question", "text", "expected"),
    [
        ("size", "vijfenveertig", "groot"),
        ("size", "een kleine honderd", "zeer_groot"),
        ("size", "about forty", "groot"),
        ("size", "twenty-five or so", "middel"),
        ("subgroups", "een paar werkgroepjes", "enkele"),
        ("mandate", "beprekt", "beperkt"),
        ("bestuurlijke_subgroep", "formeeel", "formeel"),
    ],
)
def test_numbers_stems_and_typos(
    knowledge: Knowledge, question: str, text: str, expected: str
) -> None:
    assert read(knowledge, question, text).option == expected


def test_a_misspelling_is_shown_as_such(knowledge: Knowledge) -> None:
    assert read(knowledge, "mandate", "beperkd").fuzzy == ("beperkd~beperkt",)


def test_a_question_with_a_dont_know_option_takes_it(knowledge: Knowledge) -> None:
    reading = read(knowledge, "mandate", "geen idee eigenlijk")
    assert (reading.option, reading.dont_know) == ("onduidelijk", True)


def test_doubt_is_heard_but_the_reading_stands(knowledge: Knowledge) -> None:
    reading = read(knowledge, "interests", "soms, denk ik")
    assert reading.option == "gemiddeld" and reading.hedged == ("denk ik",)


def test_trigger_words_inside_an_option_phrase_are_that_phrase(knowledge: Knowledge) -> None:
    # "geen subgroepen" is one phrase of `geen`, not "geen" denying "subgroepen".
    assert read(knowledge, "subgroups", "nee, geen subgroepen").option == "geen"
    # A bare "geen" with nothing to deny is the answer itself.
    assert read(knowledge, "subgroups", "geen").option == "geen"


# --- the examples in check ------------------------------------------------------------


def test_the_examples_pass_and_are_many(knowledge: Knowledge) -> None:
    report = run_examples(knowledge)
    assert report.problems == []
    answers = sum(n for name, n in report.run.items() if name != "descriptions")
    assert answers >= 300 and report.run["descriptions"] >= 60
    assert {q.id for q in knowledge.intake} <= set(report.run)


def test_no_negated_example_is_read_confidently_wrong(knowledge: Knowledge) -> None:
    triggers = set(knowledge.reading.negation) | set(knowledge.reading.negation_after)
    negated = 0
    for example in knowledge.examples.answers:
        words = phrase(example.text)
        if not any(words[i : i + len(t)] == t for t in triggers for i in range(len(words))):
            continue
        negated += 1
        reading = read(knowledge, example.question, example.text)
        if reading.outcome == "matched":
            assert reading.option == example.expect, f"{example.file}:{example.line}"
    assert negated >= 40


def test_check_reports_the_examples_per_question(
    knowledge_copy: Path, knowledge: Knowledge
) -> None:
    code, out = check(knowledge_copy)
    assert code == 0, out
    answers, descriptions = len(knowledge.examples.answers), len(knowledge.examples.descriptions)
    assert answers >= 300 and descriptions >= 60
    assert f"{answers} typed answers and {descriptions} descriptions (0 failed)" in out, out
    assert "  mandate " in out and "  descriptions " in out


def test_a_failing_example_is_a_file_line_problem(knowledge_copy: Path) -> None:
    path = knowledge_copy / "content" / "reading_examples.yaml"
    line = edit(path, '["geen conflict", laag]', '["geen conflict", hoog]')
    code, out = check(knowledge_copy)
    assert code == 1
    assert f"content/reading_examples.yaml:{line}: interests: 'geen conflict' expected hoog" in out


def test_an_example_for_an_unknown_option_is_reported(knowledge_copy: Path) -> None:
    path = knowledge_copy / "content" / "reading_examples.yaml"
    line = edit(path, '["geen conflict", laag]', '["geen conflict", laagje]')
    code, out = check(knowledge_copy)
    assert code == 1 and f"reading_examples.yaml:{line}: 'laagje' is no option" in out


def test_a_scale_naming_an_unknown_option_is_reported(knowledge_copy: Path) -> None:
    path = knowledge_copy / "content" / "reading.yaml"
    line = edit(path, "mandate: [ruim, beperkt, geen]", "mandate: [ruim, beperkt, niks]")
    code, out = check(knowledge_copy)
    assert code == 1 and f"content/reading.yaml:{line}: scales: 'niks' is no option" in out
    assert line == line_of(path, "mandate: \\[ruim")


def test_failure_explains_itself() -> None:
    assert failure(Reading("matched", "ruim"), "beperkt") == "read as 'ruim'"
    assert failure(Reading("ambiguous", candidates=("a", "b")), "a") == "ambiguous (a, b)"
    assert failure(Reading("unknown", dont_know=True), "dont_know") is None


# --- parse ----------------------------------------------------------------------------


def parsed(*args: str) -> dict[str, object]:
    out = io.StringIO()
    namespace = SimpleNamespace(json=True, lang="nl", question=args[0], text=list(args[1:]))
    assert run_parse(namespace, BUNDLED_DIR, out) == 0  # type: ignore[arg-type]
    result: dict[str, object] = json.loads(out.getvalue())
    return result


def test_parse_json_follows_the_contract() -> None:
    result = parsed("mandate", "geen", "ruim", "mandaat")
    assert set(result) == {"outcome", "option", "evidence"}
    assert result["outcome"] == "ambiguous" and result["option"] is None
    evidence = result["evidence"]
    assert isinstance(evidence, dict)
    assert evidence["negated"] == ["ruim mandaat"] and evidence["negated_options"] == ["ruim"]
    dont_know = parsed("subgroups", "geen idee")
    assert dont_know["outcome"] == "unknown" and dont_know["evidence"]["dont_know"] is True  # type: ignore[index]
    matched = parsed("size", "vijfenveertig")
    assert (matched["outcome"], matched["option"]) == ("matched", "groot")


def test_parse_names_the_question_a_text_answers_instead_as_the_bot_does() -> None:
    # the bot notes "ik mag tot 50k zelf beslissen" at the mandate, asked the governance
    result = parsed("sturingsvorm", "ik", "mag", "tot", "50k", "zelf", "beslissen")
    assert result["outcome"] == "unknown"
    assert result["evidence"]["elsewhere"] == "mandate"  # type: ignore[index]


def test_parse_from_the_command_line() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bot", "parse", "--question", "interests", "niet", "hoog"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "outcome: ambiguous" in done.stdout and "negated words: hoog" in done.stdout
    unknown = subprocess.run(
        [sys.executable, "-m", "bot", "parse", "--question", "nope", "x"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert unknown.returncode == 2 and "unknown question 'nope'" in unknown.stderr


# --- never raises -----------------------------------------------------------------------

any_text = st.one_of(
    st.text(max_size=300),
    st.text(alphabet=st.sampled_from(list("niet geen maar 0123456789-,.?' tien")), max_size=200),
    st.lists(
        st.sampled_from(
            [
                "niet",
                "geen",
                "meer",
                "dan",
                "tien",
                "een",
                "kleine",
                "honderd",
                "-",
                "40",
                "of",
                "weet",
                "ik",
                "niet",
                "...",
                ",",
                "ruim",
                "mandaat",
                "twenty",
                "five",
                "a",
                "hundred",
            ]
        ),
        max_size=40,
    ).map(" ".join),
    st.sampled_from(["🙂" * 5000, "\x00" * 10_000, "9" * 10_000, "40-" * 3000, "é" * 10_000]),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=any_text)
def test_reading_never_raises(knowledge: Knowledge, text: str) -> None:
    for question in knowledge.intake:
        reading = read_answer(question, text, knowledge)
        assert reading.outcome in ("matched", "ambiguous", "unknown")
        if reading.option is not None:
            assert question.option(reading.option) is not None
        assert reading.outcome != "ambiguous" or len(reading.candidates) > 1
    for match in read_description(text, knowledge):
        assert knowledge.dilemma(match.dilemma) is not None and match.words
