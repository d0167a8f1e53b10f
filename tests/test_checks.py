"""``check``'s walk over the advice and "Waarom" screens: it renders each distinct screen
once, and still finds the longest one and fails on a screen that is too long."""

from __future__ import annotations

import itertools
import re
from pathlib import Path

import pytest

from flows import screens
from flows.advice import cards
from flows.checks import (
    NEAR_DUPLICATE,
    check_near_duplicates,
    distinct_screens,
    longest_screens,
    token_set_ratio,
    walked_profiles,
)
from knowledge.engine import Engine
from knowledge.model import LANGUAGES, Knowledge
from tests.knowledge_helpers import check, edit, line_of

LONG = " Dit is een heel lange zin die het scherm voorbij de grens van een telefoon duwt." * 14


def _every_profile_rendered(knowledge: Knowledge, lang: str) -> set[tuple[str, int]]:
    """The lengths of the advice and Waarom screens, rendering every walked profile."""
    engine = Engine(knowledge)
    say = screens.Say(knowledge, lang)
    lengths: set[tuple[str, int]] = set()
    for profile in walked_profiles(knowledge):
        advice = engine.advise(profile)
        asked = [q for q in knowledge.intake if q.ask_if(advice.profile)]
        lines = cards.answered_lines(
            say,
            asked,
            advice.profile,
            lambda q, v: screens.answer_label(say, q, v),
            lambda q: screens.question_name(say, q),
        )
        lengths.add(("advice", len(cards.advice(say, advice).plain)))
        lengths.add(("why", len(cards.why(say, advice, lines).plain)))
    return lengths


def test_each_distinct_screen_is_rendered_once_and_none_is_missed(knowledge: Knowledge) -> None:
    says = [screens.Say(knowledge, lang) for lang in LANGUAGES]
    engine = Engine(knowledge)
    distinct = list(distinct_screens(knowledge, engine, says))
    walked = sum(1 for _ in walked_profiles(knowledge))
    assert len(distinct) < 2 * 2 * walked, (len(distinct), walked)  # fewer than rendering all
    longest = longest_screens(knowledge, engine, says)
    for lang in LANGUAGES:
        lengths = {(label, len(reply.plain)) for lg, label, reply in distinct if lg == lang}
        assert lengths == _every_profile_rendered(knowledge, lang), lang
        best = {label: len(reply.plain) for label, reply in longest[lang]}
        assert best == {label: max(n for lb, n in lengths if lb == label) for label in best}
        assert 900 < best["why"] <= cards.SCREEN_LIMIT, best  # a real, full screen


def test_a_long_reason_fails_check_on_the_waarom_screen(knowledge_copy: Path) -> None:
    """A rule's reason is on "Waarom" only for the profiles that fire it."""
    rules = knowledge_copy / "content" / "rules.yaml"
    edit(rules, "De belangen van de partners botsen sterk.", f"De belangen botsen sterk.{LONG}")
    code, out = check(knowledge_copy, strict=True)
    assert code == 1, out
    assert "the longest why (nl) renders to" in out, out
    assert "the longest why (en)" not in out, out


def test_a_long_answer_label_gives_way_on_the_waarom_screen(knowledge_copy: Path) -> None:
    """An optional question's answer is on "Waarom" only for the profiles with it; when
    the answers do not fit beside the reasons they give way to /profiel (the label is
    still too long for a button: that fails check)."""
    intake = knowledge_copy / "content" / "intake.yaml"
    edit(intake, "label: {nl: Weinig vertrouwen,", f"label: {{nl: Weinig vertrouwen{LONG},")
    code, out = check(knowledge_copy, strict=True)
    assert code == 1, out
    assert "longer than 30 characters" in out, out
    assert "the longest why" not in out, out


def test_a_long_reflection_question_fails_check_on_the_advice_screen(
    knowledge_copy: Path,
) -> None:
    """A rule's question comes first in the advice only for the profiles that fire it; the
    dilemma's own page leaves out a question that does not fit, so only the advice shows it."""
    questions = knowledge_copy / "content" / "reflection_questions.yaml"
    edit(questions, "voor de troepen uit loopt, en wat doet u", f"voor de troepen{LONG} uit loopt")
    code, out = check(knowledge_copy, strict=True)
    assert code == 1, out
    assert "the longest advice (nl) renders to" in out, out
    assert "the longest advice (en)" not in out, out


def test_no_advice_screen_or_dilemma_shows_one_question_twice_in_other_words(
    knowledge: Knowledge,
) -> None:
    """The bundled content had two: a meeting question and a reflection question on one
    advice screen, and a municipality's question that repeated another in its dilemma."""
    assert check_near_duplicates(knowledge, Engine(knowledge)) == []


def test_the_old_meeting_question_fails_strict_check_next_to_its_twin(
    knowledge_copy: Path,
) -> None:
    dilemmas = knowledge_copy / "content" / "dilemmas.yaml"
    edit(
        dilemmas,
        "en: How formally do we set up the network, and what do the partners hand over for it?",
        "en: What do we lay down jointly, and what do we deliberately leave with the partners?",
    )
    line = line_of(knowledge_copy / "content" / "reflection_questions.yaml", "wat_bij_de_partners")
    code, out = check(knowledge_copy, strict=True)
    assert code == 1, out
    assert (
        f"content/reflection_questions.yaml:{line}: warning: the meeting question of "
        "'autonoom_vs_integraal' and reflection question 'wat_bij_de_partners' are "
        "near-duplicates"
    ) in out, out
    assert "shown together on the handout, the advice screen: merge their wording" in out, out


def test_questions_alike_but_never_shown_together_are_no_problem(knowledge_copy: Path) -> None:
    """One board-table question is for networks with a board table, the other for those
    without: the same wording on both still never reaches one screen."""
    questions = knowledge_copy / "content" / "reflection_questions.yaml"
    edit(
        questions,
        "Heeft uw netwerk een bestuurlijke tafel nodig? Zo ja: moet die meesturen als een van\n"
        "        de partijen, of namens het netwerk besluiten?",
        "Stuurt de bestuurlijke tafel als een van de partijen mee in het netwerk, of stuurt\n"
        "        zij namens het netwerk de werkgroepen en partners aan?",
    )
    code, out = check(knowledge_copy, strict=True)
    assert code == 0, out
    assert "near-duplicates" not in out, out
    # Their ask_if apart, the same dilemma lists them both: that is a warning.
    edit(questions, "ask_if: {any: [{subgroups: geen}, {bestuurlijke_subgroep: geen}]}", "")
    code, out = check(knowledge_copy, strict=True)
    assert code == 1 and "'bestuurlijke_tafel_nodig' are near-duplicates" in out, out


def test_a_reason_that_claims_one_of_several_values_fails_check(knowledge_copy: Path) -> None:
    """Review 6, F28: a rule for mandate geen or onduidelijk said "u weet niet goed wat u
    zelf mag besluiten" to a user who answered "Geen mandaat"."""
    rules = knowledge_copy / "content" / "rules.yaml"
    edit(
        rules,
        "        - {mandate: onduidelijk}\n",
        "        - {mandate: {in: [geen, onduidelijk]}}\n",
    )
    code, out = check(knowledge_copy, strict=True)
    assert code == 1, out
    assert "rule 'zeer_groot_netwerk_sturing': its reason (nl) says 'weet niet'" in out, out
    assert "also fires for mandate: geen" in out, out


def test_the_token_set_ratio_is_rapidfuzzs(knowledge: Knowledge) -> None:
    """On every pair of question texts (and meeting questions), in both languages, with
    and without the cutoff; rapidfuzz is a test dependency only."""
    from rapidfuzz import fuzz

    texts = [q.text for q in knowledge.questions.values()]
    texts += [d.meeting for d in knowledge.dilemmas if d.meeting is not None]

    def words(text: str) -> str:
        return " ".join(re.findall(r"\w+", text.casefold()))

    pairs = [
        (words(a.get(lang)), words(b.get(lang)))
        for a, b in itertools.combinations(texts, 2)
        for lang in LANGUAGES
    ]
    pairs += [("", ""), ("a", ""), ("a b", "b a"), ("a b c", "a b"), ("x y", "z w")]
    for a, b in pairs:
        assert token_set_ratio(a, b) == pytest.approx(fuzz.token_set_ratio(a, b)), (a, b)
        expected = fuzz.token_set_ratio(a, b, score_cutoff=NEAR_DUPLICATE)
        assert token_set_ratio(a, b, NEAR_DUPLICATE) == pytest.approx(expected), (a, b)
