"""The ranking weighs every answer: each point of issue 16's "The ranking" as a test."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.cli import main
from knowledge.engine import Engine
from knowledge.model import Knowledge
from knowledge.validator import REACH, core_walk, extended_walk, validate
from tests.knowledge_helpers import check, edit

BOARD_TABLE_QUESTIONS = {"rol_bestuurlijke_tafel"}
"""Reflection questions that presume a board subgroup exists."""


def _with_friction(knowledge: Knowledge, engine: Engine) -> Iterator[tuple[dict[str, str], str]]:
    """Every core profile with each "waar knelt het" answer that is offered after it."""
    question = knowledge.intake_question("knelpunt")
    assert question is not None
    for profile in core_walk(knowledge):
        for option in question.options:
            answers = {**profile, "knelpunt": option.id}
            if "knelpunt" in engine.effective_profile(answers):
                yield answers, option.id


def test_where_it_pinches_informs_and_does_not_dictate(knowledge: Knowledge) -> None:
    engine = Engine(knowledge)
    levels = {
        lv.id: {d.id for d in knowledge.dilemmas if d.level == lv.id} for lv in knowledge.levels
    }
    total = exactly = mostly = 0
    for answers, level in _with_friction(knowledge, engine):
        top = {s.dilemma.id for s in engine.advise(answers).top()}
        total += 1
        exactly += top == levels[level]
        mostly += len(top & levels[level]) >= 2
    # Before: exactly the level's three in 42 %, two of three in 88 % of the profiles.
    assert exactly / total <= 0.10, exactly / total
    assert mostly / total <= 0.50, mostly / total


def test_the_friction_reason_is_not_the_whole_explanation(knowledge: Knowledge) -> None:
    engine = Engine(knowledge)
    advice = engine.advise(
        {
            "size": "groot",
            "subgroups": "veel",
            "mandate": "beperkt",
            "knelpunt": "tussen_subgroepen",
        }
    )
    for scored in advice.top():
        assert any(not r.rule.startswith("knelpunt_") for r in scored.reasons), scored.dilemma.id


def test_a_rules_questions_attach_only_to_the_dilemma_they_belong_to(
    knowledge: Knowledge,
) -> None:
    engine = Engine(knowledge)
    rules = {r.id: r for r in knowledge.rules}
    for profile in extended_walk(knowledge):
        for scored in engine.advise(profile).ranked:
            allowed = set(scored.dilemma.questions)
            for reason in scored.reasons:
                allowed |= set(rules[reason.rule].questions.get(scored.dilemma.id, ()))
            assert {q.id for q in scored.questions} <= allowed, (profile, scored.dilemma.id)


def test_the_board_table_question_stays_with_steering(knowledge: Knowledge) -> None:
    advice = Engine(knowledge).advise(
        {"subgroups": "enkele", "bestuurlijke_subgroep": "formeel", "mandate": "beperkt"}
    )
    room = advice.find("handelingsruimte_vs_draagvlak")
    assert room is not None
    assert not BOARD_TABLE_QUESTIONS & {q.id for q in room.questions}


def test_no_board_subgroup_no_question_that_presumes_one(knowledge: Knowledge) -> None:
    engine = Engine(knowledge)
    for profile in extended_walk(knowledge):
        answers = engine.effective_profile(profile)
        if answers.get("subgroups") != "geen" and answers.get("bestuurlijke_subgroep") != "geen":
            continue
        for scored in engine.advise(answers).ranked:
            assert not BOARD_TABLE_QUESTIONS & {q.id for q in scored.questions}, answers


def test_no_subgroups_nothing_between_subgroups_but_whether_to_split(
    knowledge: Knowledge,
) -> None:
    engine = Engine(knowledge)
    for profile in extended_walk(knowledge):
        answers = engine.effective_profile(profile)
        if answers.get("subgroups") != "geen":
            continue
        top = [s.dilemma.id for s in engine.advise(answers).top()]
        assert "verbinding_borgen_vs_wendbaar_blijven" not in top, answers
        assert "sturen_in_vs_vanuit_netwerk" not in top, answers


def test_between_subgroups_is_not_offered_after_no_subgroups(knowledge: Knowledge) -> None:
    question = knowledge.intake_question("knelpunt")
    assert question is not None
    offered = {o.id for o in question.offered({"subgroups": "geen"})}
    assert "tussen_subgroepen" not in offered
    assert "tussen_subgroepen" in {o.id for o in question.offered({"subgroups": "veel"})}
    profile = Engine(knowledge).effective_profile(
        {"subgroups": "geen", "knelpunt": "tussen_subgroepen"}
    )
    assert "knelpunt" not in profile


def test_streamlining_between_networks_follows_from_neither_calm_nor_subgroups(
    knowledge: Knowledge,
) -> None:
    engine = Engine(knowledge)
    for profile in ({"interests": "laag"}, {"subgroups": "veel", "interests": "laag"}):
        assert engine.advise(profile).find("eigenheid_vs_uniformiteit") is None, profile


def test_a_wethouder_is_not_told_about_the_municipality_as_if_it_were_someone_else(
    knowledge: Knowledge,
) -> None:
    engine = Engine(knowledge)
    profile = {"size": "zeer_groot", "subgroups": "veel", "mandate": "onduidelijk"}
    other = engine.advise({**profile, "rol": "zorg_jeugdhulp"}).find("sturen_in_vs_vanuit_netwerk")
    assert other is not None
    assert "zeer_groot_netwerk_sturing" in {r.rule for r in other.reasons}
    own = engine.advise({**profile, "rol": "gemeente"}).find("sturen_in_vs_vanuit_netwerk")
    assert own is not None
    rules = {r.rule for r in own.reasons}
    assert "zeer_groot_netwerk_sturing" not in rules
    assert "gemeente_leidende_organisatie" in rules


def test_reach_of_every_dilemma_is_between_5_and_50_percent(knowledge: Knowledge) -> None:
    report = validate(knowledge)
    low, high = REACH
    for dilemma in knowledge.dilemmas:
        share = report.top_counts[dilemma.id] / report.profiles_walked
        assert low <= share <= high, (dilemma.id, share)


def test_check_reports_a_dilemma_that_dominates_and_strict_fails(knowledge_copy: Path) -> None:
    rules = next(knowledge_copy.rglob("rules.yaml"))
    edit(rules, "when: {mandate: {answered: false}}", "when: {}")
    _code, out = check(knowledge_copy)
    assert "'handelingsruimte_vs_draagvlak' is in the top 3 of" in out, out
    assert "reach should be 5% to 50%" in out
    assert check(knowledge_copy, strict=True)[0] == 1


def test_the_governance_form_is_central_for_a_large_network_with_clashing_goals(
    knowledge: Knowledge,
) -> None:
    engine = Engine(knowledge)
    for size in ("groot", "zeer_groot"):
        for mandate in (None, "ruim", "beperkt", "geen", "onduidelijk"):
            profile = {"size": size, "interests": "hoog"}
            if mandate:
                profile["mandate"] = mandate
            top = [s.dilemma.id for s in engine.advise(profile).top()]
            assert "autonoom_vs_integraal" in top, profile


def test_ample_mandate_with_mixed_support_raises_getting_ahead(knowledge: Knowledge) -> None:
    engine = Engine(knowledge)
    for support in ("wisselend", "zwak"):
        advice = engine.advise({"mandate": "ruim", "draagvlak_intern": support})
        room = advice.find("handelingsruimte_vs_draagvlak")
        assert room is not None and room in advice.top()
        assert "voor_de_troepen_uit" in {q.id for q in room.questions}


def test_new_optional_questions_have_the_contract_ids(knowledge: Knowledge) -> None:
    expected = {
        "rol": ("gemeente", "zorg_jeugdhulp", "onderwijs", "kinderopvang", "anders"),
        "sturingsvorm": ("gedeeld", "leidende_organisatie", "netwerkorganisatie", "weet_niet"),
        "vertrouwen": ("hoog", "wisselend", "laag"),
    }
    for qid, values in expected.items():
        question = knowledge.intake_question(qid)
        assert question is not None and not question.core
        assert tuple(o.id for o in question.options) == values
        for option in question.options:
            assert option.words["nl"] and option.words["en"], (qid, option.id)


def test_skipping_any_question_still_yields_advice(knowledge: Knowledge) -> None:
    engine = Engine(knowledge)
    full = {
        "size": "groot",
        "subgroups": "enkele",
        "bestuurlijke_subgroep": "formeel",
        "sturingsvorm": "gedeeld",
        "mandate": "beperkt",
        "interests": "hoog",
        "vertrouwen": "laag",
        "rol": "gemeente",
        "knelpunt": "netwerk_en_partners",
        "fase": "opbouw",
        "draagvlak_intern": "zwak",
    }
    assert set(full) == {q.id for q in knowledge.intake}
    for skipped in full:
        rest = {k: v for k, v in full.items() if k != skipped}
        assert engine.advise(rest).top(), skipped
    assert engine.advise({}).top()


def test_research_rules_name_their_source(knowledge: Knowledge) -> None:
    """The author is named in the sentence; where the source stands (outside the workshop
    material) is said by ``sources``, never as a note inside the user's text (review 6, F5)."""
    outside = {"provan_kenis_2008": "Provan & Kenis", "raab_mannak_cambre_2015": "Raab"}
    for rule in knowledge.rules:
        for lang in ("nl", "en"):
            text = rule.because.get(lang)
            assert "workshopstof" not in text and "workshop material" not in text, rule.id
        for source, name in outside.items():
            if source in rule.sources:
                for lang in ("nl", "en"):
                    assert name in rule.because.get(lang), rule.id


def test_contacts_are_reachable_and_sources_are_sources(knowledge: Knowledge) -> None:
    engine = Engine(knowledge)
    for profile in core_walk(knowledge):
        for scored in engine.advise(profile).ranked:
            assert all(c.website or c.email for c in scored.contacts), scored.dilemma.id
            assert scored.sources, scored.dilemma.id
    nmao = knowledge.contacts["netwerk_met_andere_ogen"]
    assert "landelijk" not in nmao.description.nl.lower()
    assert "national" not in nmao.description.en.lower()


def test_advise_json_shows_sources_as_sources(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["advise", "--json", "size=zeer_groot", "mandate=onduidelijk"]) == 0
    result = json.loads(capsys.readouterr().out)
    for dilemma in result["dilemmas"]:
        assert [c["id"] for c in dilemma["contacts"]] == ["netwerk_met_andere_ogen"]
        assert dilemma["sources"] and all(s["id"] and s["name"] for s in dilemma["sources"])
        assert all(a["step"] for a in dilemma["actions"])
    ids = {s["id"] for d in result["dilemmas"] for s in d["sources"]}
    assert "blanken_proefschrift" in ids
