"""Typed words that mean a command or a button at an intake question (review 6, F37):
"help" is /help, "sla maar over" is Overslaan, "stop" names the ways to stop and switches
nothing off."""

from __future__ import annotations

import pytest

from flows.advisor import AdvisorFlow
from flows.definition import FLOW_VERSION, question_state
from flows.events import Event, Outcome, StoredState
from knowledge.model import Knowledge


def at_question(question_id: str, **answers: str) -> StoredState:
    """A consented conversation asking ``question_id``, with ``answers`` given before."""
    return StoredState(
        state=question_state(question_id),
        flow_version=FLOW_VERSION,
        consent=True,
        answers=answers,
    )


def at_first_question(flow: AdvisorFlow) -> StoredState:
    return at_question(flow.knowledge.intake[0].id)


def typed(flow: AdvisorFlow, state: StoredState, text: str) -> Outcome:
    return flow.handle(state, Event("text", text=text))


def said(outcome: Outcome) -> str:
    return "\n".join(r.plain for r in outcome.replies)


@pytest.mark.parametrize("text", ["help", "Help", "hulp", "help me"])
def test_typed_help_is_help_and_the_question_again(knowledge: Knowledge, text: str) -> None:
    flow = AdvisorFlow(knowledge)
    state = at_first_question(flow)
    outcome = typed(flow, state, text)
    screens = [r.meta.get("screen", "") for r in outcome.replies]
    assert "help" in screens
    assert "/stop" in said(outcome) and "Verder waar we waren" in said(outcome)
    assert outcome.state.state == state.state
    assert "niet goed plaatsen" not in said(outcome)


@pytest.mark.parametrize("text", ["sla maar over", "sla deze maar over", "laat maar", "skip"])
def test_typed_skip_skips(knowledge: Knowledge, text: str) -> None:
    flow = AdvisorFlow(knowledge)
    state = at_first_question(flow)
    first = knowledge.intake[0].id
    outcome = typed(flow, state, text)
    assert outcome.state.state != state.state
    assert first in outcome.state.data.get("skipped", [])


@pytest.mark.parametrize("text", ["stop", "ik wil stoppen", "Stoppen!", "I want to stop"])
def test_typed_stop_names_the_ways_to_stop_and_changes_nothing(
    knowledge: Knowledge, text: str
) -> None:
    flow = AdvisorFlow(knowledge)
    state = at_first_question(flow)
    outcome = typed(flow, state, text)
    text_out = said(outcome)
    assert "/stop" in text_out and ("/vergeet" in text_out or "/forget" in text_out)
    assert "niets gewist" in text_out or "nothing is erased" in text_out
    assert outcome.state.state == state.state and outcome.state.answers == state.answers
    assert not outcome.effects, "nothing switched off, nothing erased"


def test_a_count_of_organisations_sent_twice_does_not_answer_the_subgroups(
    knowledge: Knowledge,
) -> None:
    # review 6, F39: a double send moved on to the subgroups and answered "Veel (4 of meer)"
    flow = AdvisorFlow(knowledge)
    state = at_first_question(flow)
    first = typed(flow, state, "we zijn met 70 organisaties")
    assert first.state.answers.get("size") == "zeer_groot"
    assert first.state.state == question_state("subgroups")
    again = typed(flow, first.state, "we zijn met 70 organisaties")
    assert "subgroups" not in again.state.answers
    assert again.state.state == question_state("subgroups")


def test_an_answer_to_another_question_says_which_and_is_noted_there(
    knowledge: Knowledge,
) -> None:
    # review 6, F4: the mandate described at the governance question was a dead re-ask;
    # then it said which question it answers, and the user had to say it again there
    flow = AdvisorFlow(knowledge)
    state = at_question("sturingsvorm")
    outcome = typed(flow, state, "eigenlijk moet ik alles terugleggen bij mijn eigen bestuur")
    assert "andere vraag (Mandaat)" in said(outcome) and "„Geen mandaat” genoteerd" in said(outcome)
    assert outcome.state.state == state.state, "this question is asked again"
    assert outcome.state.answers == {"mandate": "geen"}
    assert "failures" not in outcome.state.data


def test_an_answer_noted_in_passing_is_ticked_when_its_question_comes(
    knowledge: Knowledge,
) -> None:
    flow = AdvisorFlow(knowledge)
    state = at_question("sturingsvorm")
    noted = typed(flow, state, "ik mag tot 50k zelf beslissen")
    assert noted.state.answers == {"mandate": "beperkt"}
    after = typed(flow, noted.state, "door de partners samen")
    while after.state.state != question_state("mandate"):
        after = flow.handle(after.state, Event("text", text="overslaan"))
    labels = [b.label for r in after.replies for row in r.buttons for b in row]
    assert "✓ Beperkt mandaat" in labels, labels


def test_an_answer_given_otherwise_before_is_not_overwritten_in_passing(
    knowledge: Knowledge,
) -> None:
    flow = AdvisorFlow(knowledge)
    state = at_question("sturingsvorm", mandate="ruim")
    outcome = typed(flow, state, "eigenlijk moet ik alles terugleggen bij mijn eigen bestuur")
    assert outcome.state.answers == {"mandate": "ruim"}
    assert "andere vraag (Mandaat)" in said(outcome) and "genoteerd" not in said(outcome)


def test_a_question_that_no_longer_applies_after_an_answer_in_passing_is_left(
    knowledge: Knowledge,
) -> None:
    # trust is asked only where interests are not low: saying they are low at the trust
    # question answers that one and leaves this one
    flow = AdvisorFlow(knowledge)
    state = at_question("vertrouwen", size="middel", subgroups="enkele", mandate="ruim")
    outcome = typed(flow, state, "de belangen botsen eigenlijk niet")
    assert outcome.state.answers.get("interests") == "laag"
    following = [q.id for q in knowledge.intake if q.id != "vertrouwen"]
    nxt = following[following.index("interests") + 1 :]
    asked_next = next(q for q in nxt if knowledge.intake_question(q).ask_if(outcome.state.answers))  # type: ignore[union-attr]
    assert outcome.state.state == question_state(asked_next)
    assert "vertrouwen" not in outcome.state.data.get("skipped", [])


def test_a_guess_at_another_question_that_names_nothing_of_it_is_not_noted(
    knowledge: Knowledge,
) -> None:
    # "mijn bestuur" is where it may knel, but nothing here names the bottleneck question:
    # it is said, as before, and nothing is written down
    flow = AdvisorFlow(knowledge)
    state = at_question("mandate")
    outcome = typed(flow, state, "mijn bestuur steunt me sterk")
    assert outcome.state.answers == {}
    assert "genoteerd" not in said(outcome)


def test_skipping_an_answer_noted_in_passing_keeps_it(knowledge: Knowledge) -> None:
    flow = AdvisorFlow(knowledge)
    state = at_question("sturingsvorm")
    noted = typed(flow, state, "ik mag tot 50k zelf beslissen")
    at = flow.handle(noted.state, Event("text", text="door de partners samen"))
    while at.state.state != question_state("mandate"):
        at = flow.handle(at.state, Event("text", text="overslaan"))
    skipped = flow.handle(at.state, Event("text", text="overslaan"))
    assert skipped.state.answers.get("mandate") == "beperkt"
    assert "mandate" not in skipped.state.data.get("skipped", [])
    assert "wat u eerder noemde blijft staan" in said(skipped)
    assert "in_passing" not in skipped.state.data or not skipped.state.data["in_passing"]
