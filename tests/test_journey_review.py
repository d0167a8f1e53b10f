"""A black-box review of the journeys (issue 16, afterwards): what a user met that read
wrong, each with the behaviour a user expects."""

from __future__ import annotations

import re

import pytest

from flows.advice import cards
from flows.advisor import AdvisorFlow
from flows.commands import COMMANDS
from flows.definition import FLOW_VERSION
from flows.events import Event, StoredState
from flows.screens import Say
from knowledge.engine import Engine
from knowledge.model import LANGUAGES, Knowledge
from knowledge.validator import core_walk, extended_walk
from tests.flow_helpers import press, run
from tests.followup_helpers import actions_of, text_of
from tests.knowledge_helpers import why_screen


def test_the_first_question_offers_no_back_and_the_second_does(knowledge: Knowledge) -> None:
    flow = AdvisorFlow(knowledge)
    state, first = run(
        flow, StoredState(), Event("command", name="start"), press("1:p:consent:yes")
    )
    assert state.state == "q_size"
    assert "1:size:_back" not in actions_of(first) and "1:size:_skip" in actions_of(first)
    state, second = run(flow, state, press("1:size:groot"))
    assert "1:subgroups:_back" in actions_of(second)
    # Typed "terug" (or a Back button of an older message) on the first question says so.
    for event in (Event("text", text="terug"), Event("command", name="terug")):
        _, back = run(flow, state, press("1:subgroups:_back"), event)
        said = text_of(back)
        assert back.state.state == "q_size" and "Dit is de eerste vraag" in said
        assert "1:size:_back" not in actions_of(back)


def test_changing_the_first_answer_from_the_advice_goes_back_to_the_advice(
    knowledge: Knowledge,
) -> None:
    flow = AdvisorFlow(knowledge)
    state = StoredState(
        state="advice", flow_version=FLOW_VERSION, consent=True, answers={"size": "groot"}
    )
    state, edit = run(flow, state, press("1:a:edit"), press("1:a:edit:size"))
    assert state.state == "q_size" and "1:size:_back" in actions_of(edit)
    state, _ = run(flow, state, press("1:size:_back"))
    assert state.state == "advice"


def restates(line: str, poles: list[str]) -> bool:
    """Whether ``line`` is little more than the two poles ("Spanning: A ↔ B")."""
    folded = line.casefold()
    if not all(pole.casefold() in folded for pole in poles):
        return False
    for pole in poles:
        folded = folded.replace(pole.casefold(), "")
    return len(re.sub(r"\W", "", folded)) <= 12


@pytest.mark.parametrize("lang", LANGUAGES)
def test_no_line_of_a_dilemma_card_repeats_its_title(knowledge: Knowledge, lang: str) -> None:
    """The title names both poles ("Inclusief versus efficiënt"): no other line of the
    advice item or of the dilemma's first page says them again."""
    say = Say(knowledge, lang)
    engine = Engine(knowledge)
    for dilemma in knowledge.dilemmas:
        poles = [say.plain(p) for p in dilemma.poles]
        scored = engine.advise({}).find(dilemma.id)
        for page in (cards.detail(say, dilemma, scored), cards.browse_detail(say, dilemma)):
            lines = page.plain.splitlines()
            assert lines[0] == say.plain(dilemma.title)
            assert not [line for line in lines[1:] if restates(line, poles)], dilemma.id
    for profile in ({}, {"size": "zeer_groot", "interests": "hoog"}, {"size": "klein"}):
        result = engine.advise(profile)
        lines = cards.advice(say, result).plain.splitlines()
        for scored in result.top():
            poles = [say.plain(p) for p in scored.dilemma.poles]
            title = say.plain(scored.dilemma.title)
            repeats = [line for line in lines if restates(line, poles) and title not in line]
            assert not repeats, scored.dilemma.id


def _weights(knowledge: Knowledge) -> dict[tuple[str, str], int]:
    """(rule, dilemma) → the weight the rule gives the dilemma."""
    return {(r.id, d): w for r in knowledge.rules for d, w in r.dilemmas.items()}


def test_waarom_gives_each_dilemma_its_strongest_reason_first(knowledge: Knowledge) -> None:
    """Per dilemma the reasons come by weight, strongest first, on "Waarom" as in the
    engine; still every top dilemma gets a reason before any gets a second."""
    engine = Engine(knowledge)
    say = Say(knowledge, "nl")
    weight = _weights(knowledge)
    reordered = 0
    for profile in extended_walk(knowledge):
        result = engine.advise(profile)
        for scored in result.top():
            weights = [weight[r.rule, scored.dilemma.id] for r in scored.reasons]
            assert weights == sorted(weights, reverse=True), (profile, scored.dilemma.id)
            rule_order = [r.id for r in knowledge.rules if r.id in {x.rule for x in scored.reasons}]
            reordered += rule_order != [r.rule for r in scored.reasons]
        text = cards.why(say, result, []).plain
        blocks = text.split("\n\n")
        for scored in result.top():
            block = next(
                (b for b in blocks if b.split("\n")[0].endswith(say.plain(scored.dilemma.title))),
                "",
            )
            shown = [r for r in scored.reasons if say.plain(r.because) in block]
            positions = [block.index(say.plain(r.because)) for r in shown]
            assert positions == sorted(positions), (profile, scored.dilemma.id)
    assert reordered, "no profile where weight order differs from rule order: test is void"


def test_the_new_questions_are_asked_where_a_conversation_asks_them(knowledge: Knowledge) -> None:
    """How the network is governed with its shape, the user's own organisation before
    their mandate, trust right after the interests; not all three at the end. The
    deepening questions (optional) come after the contract's seven (review item 13)."""
    order = [q.id for q in knowledge.intake]
    assert order.index("sturingsvorm") == order.index("subgroups") + 1
    numbered = [q.id for q in knowledge.intake if not q.deepening]
    assert len(numbered) <= 7 and order[: len(numbered)] == numbered
    assert order.index("rol") < order.index("mandate") < order.index("draagvlak_intern")
    assert order.index("vertrouwen") == order.index("interests") + 1
    assert order[-3:] != ["rol", "sturingsvorm", "vertrouwen"]


def test_straight_to_the_advice_only_once_the_core_questions_are_behind(
    knowledge: Knowledge,
) -> None:
    """An optional question between core ones offers no shortcut (it would skip the
    mandate and the interests); after the last core question it does."""
    flow = AdvisorFlow(knowledge)
    base = StoredState(state="q_sturingsvorm", flow_version=FLOW_VERSION, consent=True)
    _, shown = run(flow, base, Event("command", name="start"))
    assert "1:sturingsvorm:_advice" not in actions_of(shown)
    state, jumped = run(flow, base, press("1:sturingsvorm:_advice"))
    assert state.state == "q_sturingsvorm" and jumped.notice == "Deze knop is verlopen."
    later = StoredState(state="q_vertrouwen", flow_version=FLOW_VERSION, consent=True)
    _, shown = run(flow, later, Event("command", name="start"))
    assert "1:vertrouwen:_advice" in actions_of(shown)


def test_english_texts_name_the_english_commands(knowledge: Knowledge) -> None:
    """An English user reads /advice, /reminders, /mydata …: never the Dutch name of a
    command that has an English one (both work, but the text is in one language)."""
    dutch = {c.name for c in COMMANDS if c.english and c.english != c.name}
    mixed = {
        key: found
        for key, text in knowledge.messages.items()
        if (found := set(re.findall(r"/(\w+)", text.get("en"))) & dutch)
    }
    assert not mixed, mixed


def test_waarom_says_more_reasons_once_however_many_dilemmas_have_them(
    knowledge: Knowledge,
) -> None:
    """The "Meer redenen" line was under each dilemma: the same sentence up to three times
    on one screen, and room the strongest reasons needed."""
    engine = Engine(knowledge)
    say = Say(knowledge, "nl")
    profile = {
        "size": "zeer_groot",
        "subgroups": "veel",
        "bestuurlijke_subgroep": "formeel",
        "sturingsvorm": "leidende_organisatie",
        "rol": "gemeente",
        "mandate": "beperkt",
        "draagvlak_intern": "wisselend",
        "interests": "hoog",
        "vertrouwen": "laag",
        "fase": "opstart",
        "knelpunt": "binnen_subgroep",
    }
    text = why_screen(say, knowledge, engine.advise(profile)).plain
    assert text.count(say.label("why_more")) == 1, text
    # Every answer given and long reasons: the answers give way (/profiel shows them),
    # the screen still fits a phone (it was 1,236 characters).
    assert len(text) <= 1200 and say.label("why_answers_elsewhere") in text
    for profile in core_walk(knowledge):
        assert cards.why(say, engine.advise(profile), []).plain.count(say.label("why_more")) <= 1


def test_the_profile_calls_skipped_only_what_was_skipped(knowledge: Knowledge) -> None:
    """After "Direct naar het advies" (or /advies) the questions never asked are not
    answered yet, not "overgeslagen"."""
    flow = AdvisorFlow(knowledge)
    state = StoredState(state="q_size", flow_version=FLOW_VERSION, consent=True)
    state, _ = run(flow, state, press("1:size:klein"), press("1:subgroups:_skip"))
    _, shown = run(flow, state, Event("command", name="advies"), Event("command", name="profiel"))
    text = shown.replies[-1].plain
    assert "Subgroepen: overgeslagen" in text
    assert "Mandaat: nog niet beantwoord" in text and "Mandaat: overgeslagen" not in text
