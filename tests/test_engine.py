"""The rule engine: ranked, explained, deterministic advice for any (partial) profile."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest

from bot.cli import advice_as_json, main
from knowledge.engine import Engine
from knowledge.model import Knowledge
from knowledge.problems import UnknownProfileValue
from knowledge.validator import core_walk


def test_every_core_profile_gets_explained_advice(knowledge: Knowledge) -> None:
    engine = Engine(knowledge)
    for profile in core_walk(knowledge):
        advice = engine.advise(profile)
        assert advice.top(), profile
        for scored in advice.ranked:
            assert scored.score > 0 and scored.reasons
            assert scored.questions and scored.actions and scored.contacts


def test_ranking_is_by_score_then_file_order(knowledge: Knowledge) -> None:
    engine = Engine(knowledge)
    order = {d.id: i for i, d in enumerate(knowledge.dilemmas)}
    for profile in itertools.islice(core_walk(knowledge), 0, 400, 7):
        ranked = engine.advise(profile).ranked
        keys = [(-s.score, order[s.dilemma.id]) for s in ranked]
        assert keys == sorted(keys)


def test_advice_is_deterministic(knowledge: Knowledge) -> None:
    profile = {"size": "zeer_groot", "mandate": "beperkt"}
    first = advice_as_json(Engine(knowledge).advise(profile), "nl")
    second = advice_as_json(Engine(knowledge).advise(dict(reversed(profile.items()))), "nl")
    assert first == second


def test_reasons_name_the_rules_that_fired(knowledge: Knowledge) -> None:
    engine = Engine(knowledge)
    advice = engine.advise({"size": "zeer_groot"})
    rule_ids = {r.id for r in knowledge.rules}
    for scored in advice.ranked:
        assert {reason.rule for reason in scored.reasons} <= rule_ids
        expected = sum(
            rule.dilemmas.get(scored.dilemma.id, 0)
            for rule in knowledge.rules
            if rule.when(advice.profile)
        )
        assert scored.score == expected


def test_answers_of_questions_that_do_not_apply_are_ignored(knowledge: Knowledge) -> None:
    engine = Engine(knowledge)
    conditional = next(q for q in knowledge.intake if q.ask_if.dims)
    dim = next(iter(conditional.ask_if.dims))
    values = knowledge.dimensions[dim]
    off = next(v for v in values if not conditional.ask_if({dim: v}))
    profile = {dim: off, conditional.id: conditional.options[0].id}
    assert conditional.id not in engine.advise(profile).profile


def test_unknown_key_or_value_is_refused(knowledge: Knowledge) -> None:
    engine = Engine(knowledge)
    with pytest.raises(UnknownProfileValue, match="valid: klein, middel, groot, zeer_groot"):
        engine.check_profile({"size": "reusachtig"})
    with pytest.raises(UnknownProfileValue, match="known: size"):
        engine.check_profile({"omvang": "groot"})


def test_advise_json_has_the_contract_shape(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["advise", "--json", "size=zeer_groot", "mandate=beperkt"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["profile"] == {"size": "zeer_groot", "mandate": "beperkt"}
    first = result["dilemmas"][0]
    assert set(first) == {
        "id",
        "level",
        "title",
        "score",
        "reasons",
        "questions",
        "actions",
        "contacts",
        "sources",
    }
    assert first["reasons"] and set(first["reasons"][0]) == {"rule", "because"}
    scores = [d["score"] for d in result["dilemmas"]]
    assert scores == sorted(scores, reverse=True)


def test_advise_with_text_and_english(capsys: pytest.CaptureFixture[str]) -> None:
    args = ["advise", "--lang", "en", "--text", "it takes more energy internally", "size=groot"]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "profile: size=groot" in out and "text matches" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["advise", "size=reusachtig"], "valid: klein, middel, groot, zeer_groot"),
        (["advise", "omvang=groot"], "known: size"),
        (["advise", "size"], "is not key=value"),
    ],
)
def test_advise_usage_errors_exit_2(
    args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(args) == 2
    assert message in capsys.readouterr().err


def test_compiled_conditions_agree_with_the_tree(knowledge: Knowledge) -> None:
    from knowledge.conditions import compiled
    from knowledge.validator import extended_walk

    conditions = [r.when for r in knowledge.rules] + [q.ask_if for q in knowledge.intake]
    pairs = [(c, compiled(c)) for c in conditions]
    for profile in extended_walk(knowledge):
        for tree, fast in pairs:
            assert tree(profile) == fast(profile), (tree.expr(), profile)


def test_every_condition_form_compiles_to_the_same_predicate(knowledge: Knowledge) -> None:
    from knowledge.conditions import compiled, parse_condition
    from knowledge.validator import profiles
    from knowledge.yamlio import load_yaml

    source = Path(__file__).parent / "conditions.yaml"
    raw = load_yaml(source)
    dims = {d: knowledge.dimensions[d] for d in ("size", "mandate", "subgroups")}
    for index, item in enumerate(raw["conditions"]):
        condition, problems = parse_condition(item, dims, "conditions.yaml", index)
        assert not problems, problems
        fast = compiled(condition)
        for profile in profiles(dims):
            assert condition(profile) == fast(profile), (condition.expr(), profile)
