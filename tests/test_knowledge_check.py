"""The knowledge base validates, and each kind of broken edit is reported at file:line."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from knowledge.loader import read_knowledge
from knowledge.model import Knowledge
from knowledge.problems import KnowledgeError
from knowledge.store import KnowledgeStore
from tests.knowledge_helpers import check, edit, line_of

CONTRACT_DILEMMAS = {
    "binnen_subgroep": [
        "inclusief_vs_efficient",
        "open_afstemmen_vs_nieuwe_kaders",
        "gelijkwaardigheid_vs_diversiteit",
    ],
    "tussen_subgroepen": [
        "gezamenlijkheid_vs_organiseerbaarheid",
        "verbinding_borgen_vs_wendbaar_blijven",
        "sturen_in_vs_vanuit_netwerk",
    ],
    "netwerk_en_partners": [
        "autonoom_vs_integraal",
        "handelingsruimte_vs_draagvlak",
        "interne_efficientie_vs_extern_meebewegen",
    ],
    "netwerk_en_lokaal": [
        "generalistisch_vs_specialistisch",
        "eigenheid_vs_uniformiteit",
        "stabiliseren_vs_uitbreiden",
    ],
}
CONTRACT_DIMENSIONS = {
    "size": ("klein", "middel", "groot", "zeer_groot"),
    "subgroups": ("geen", "enkele", "veel"),
    "mandate": ("ruim", "beperkt", "geen", "onduidelijk"),
    "interests": ("laag", "gemiddeld", "hoog"),
}


def test_bundled_knowledge_passes_strict_check(knowledge_copy: Path) -> None:
    code, out = check(knowledge_copy, strict=True)
    assert code == 0, out
    assert "0 errors, 0 warnings" in out
    assert "400 profiles walked" in out


def test_contract_ids_and_dimensions(knowledge: Knowledge) -> None:
    by_level = {
        level.id: [d.id for d in knowledge.dilemmas if d.level == level.id]
        for level in knowledge.levels
    }
    assert by_level == CONTRACT_DILEMMAS
    for dim, values in CONTRACT_DIMENSIONS.items():
        question = knowledge.intake_question(dim)
        assert question is not None and question.core
        assert tuple(o.id for o in question.options) == values
    optional = [q for q in knowledge.intake if not q.core]
    assert len(optional) >= 3


def test_content_completeness(knowledge: Knowledge) -> None:
    for dilemma in knowledge.dilemmas:
        assert len(dilemma.questions) >= 2, dilemma.id
        assert dilemma.actions and dilemma.contacts and dilemma.sources, dilemma.id
        assert dilemma.keywords["nl"] and dilemma.keywords["en"], dilemma.id
    assert {
        "weeg_af_en_kies",
        "ondersteun_en_faciliteer",
        "gun_het_tijd",
        "verbind_met_binnen",
    } <= set(knowledge.actions)
    themes = {q.theme for q in knowledge.questions.values()}
    assert {"bestuur", "netwerksturing", "integrerend_werken", "professional"} <= themes
    assert len(knowledge.tests) >= 30
    for dilemma in knowledge.dilemmas:
        assert sum(dilemma.id in t.top for t in knowledge.tests) >= 2, dilemma.id


def test_contacts_only_carry_details_from_the_sources(knowledge: Knowledge) -> None:
    emails = {c.email for c in knowledge.contacts.values() if c.email}
    assert emails == {"info@netwerkmetandereogen.nl"}
    nmao = knowledge.contacts["netwerk_met_andere_ogen"]
    assert nmao.website == "www.netwerkmetandereogen.nl"
    every_text = repr(knowledge)
    assert not re.search(r"\b0\d{1,3}[- ]?\d{6,8}\b|\+31", every_text), "a phone number crept in"


def test_broken_reference_is_reported_at_its_line(knowledge_copy: Path) -> None:
    path = knowledge_copy / "content" / "dilemmas.yaml"
    line = edit(path, "actions: [weeg_af_en_kies", "actions: [bestaat_niet")
    code, out = check(knowledge_copy)
    assert code == 1
    assert (
        f"dilemmas.yaml:{line}: dilemma 'inclusief_vs_efficient': unknown action 'bestaat_niet'"
        in out
    )


def test_value_outside_a_dimension_is_reported_at_its_line(knowledge_copy: Path) -> None:
    path = knowledge_copy / "content" / "rules.yaml"
    line = edit(path, "size: zeer_groot", "size: reusachtig")
    code, out = check(knowledge_copy)
    assert code == 1
    assert f"rules.yaml:{line}: 'reusachtig' is not a value of 'size'" in out


def test_yaml_syntax_error_is_reported_at_its_line(knowledge_copy: Path) -> None:
    path = knowledge_copy / "content" / "leadership_actions.yaml"
    lines = path.read_text(encoding="utf-8").splitlines()
    target = next(i for i, line in enumerate(lines) if line.strip().startswith("title:"))
    lines[target] = lines[target] + " [unclosed"
    path.write_text("\n".join(lines) + "\n", "utf-8")
    code, out = check(knowledge_copy)
    assert code == 1
    assert re.search(rf"actions\.yaml:{target + 1}: YAML syntax error", out) or re.search(
        rf"actions\.yaml:{target + 2}: YAML syntax error", out
    ), out


def test_every_problem_is_reported_at_once(knowledge_copy: Path) -> None:
    edit(
        knowledge_copy / "content" / "dilemmas.yaml",
        "actions: [weeg_af_en_kies",
        "actions: [nergens",
    )
    edit(knowledge_copy / "content" / "rules.yaml", "size: zeer_groot", "size: reusachtig")
    _, problems = read_knowledge(knowledge_copy)
    messages = [str(p) for p in problems]
    assert any("reusachtig" in m for m in messages)
    code, out = check(knowledge_copy)
    assert code == 1 and "nergens" in out and "reusachtig" in out


def test_missing_language_duplicate_id_and_unfireable_rule(knowledge_copy: Path) -> None:
    rules = knowledge_copy / "content" / "rules.yaml"
    rules.write_text(
        rules.read_text("utf-8")
        + "\n  - id: nooit\n    when: {all: [{size: klein}, {size: groot}]}\n"
        "    then: {dilemmas: {inclusief_vs_efficient: 1}}\n"
        "    because: {nl: Nooit.}\n",
        "utf-8",
    )
    line = line_of(rules, r"id: nooit")
    code, out = check(knowledge_copy)
    assert code == 1
    assert (
        f"rules.yaml:{line}: missing 'because'" in out
        or "'because' is missing its 'en' text" in out
    )
    assert f"rules.yaml:{line}: rule 'nooit' can never fire" in out


def test_a_profile_without_advice_fails_the_walk(knowledge_copy: Path) -> None:
    (knowledge_copy / "content" / "rules.yaml").write_text(
        "rules:\n  - id: alleen_klein\n    when: {size: klein}\n"
        "    then: {dilemmas: {stabiliseren_vs_uitbreiden: 1}}\n"
        "    because: {nl: Klein netwerk., en: Small network.}\n",
        "utf-8",
    )
    code, out = check(knowledge_copy)
    assert code == 1
    assert "profile without advice" in out
    assert "reaches the top 3 of no profile" in out


def test_reload_keeps_the_old_knowledge_when_the_new_is_invalid(knowledge_copy: Path) -> None:
    store = KnowledgeStore(knowledge_copy)
    before = store.current
    path = knowledge_copy / "content" / "rules.yaml"
    good = path.read_text("utf-8")
    path.write_text(good.replace("size: zeer_groot", "size: reusachtig", 1), "utf-8")
    result = store.reload()
    assert not result.ok and store.current is before
    assert any("reusachtig" in str(p) for p in result.problems)
    path.write_text(good + "\n", "utf-8")
    result = store.reload()
    assert result.ok and store.current is not before


def test_store_refuses_to_start_on_invalid_knowledge(knowledge_copy: Path) -> None:
    (knowledge_copy / "content" / "intake.yaml").write_text("questions: [\n", "utf-8")
    with pytest.raises(KnowledgeError) as info:
        KnowledgeStore(knowledge_copy)
    assert "intake.yaml:" in str(info.value)


def test_a_plan_id_too_long_for_its_button_is_reported(knowledge_copy: Path) -> None:
    path = knowledge_copy / "interface" / "followup_plans.yaml"
    long_id = "vervolg_" + "x" * 60
    line = edit(path, "  - id: kort", f"  - id: {long_id}")
    code, out = check(knowledge_copy)
    assert code == 1
    assert f"plans.yaml:{line}: plan '{long_id}'" in out and "bytes" in out


def test_an_unknown_template_question_is_reported_at_its_line(knowledge_copy: Path) -> None:
    path = knowledge_copy / "interface" / "broadcast_templates.yaml"
    line = edit(path, "  - wie_mist_er", "  - bestaat_niet")
    code, out = check(knowledge_copy)
    assert code == 1
    assert f"broadcast_templates.yaml:{line}: template: unknown question 'bestaat_niet'" in out
