"""Navigation review (issue 13): ``/terug`` goes one level up, browsing the dilemmas ends
where the user was, a description's matches lead back, and old buttons on these screens
move nobody anywhere wrong."""

from __future__ import annotations

from flows.advisor import AdvisorFlow
from flows.definition import FLOW_VERSION
from flows.events import Event, Outcome, StoredState
from knowledge.model import Knowledge
from tests.flow_helpers import command, press, run
from tests.followup_helpers import actions_of, text_of

ANSWERED = {"size": "groot", "subgroups": "veel", "mandate": "beperkt", "interests": "hoog"}


def screens(outcome: Outcome) -> list[str]:
    return [r.meta.get("screen", "") for r in outcome.replies]


def at(state: str, **changes: object) -> StoredState:
    stored = StoredState(state=state, flow_version=FLOW_VERSION, consent=True)
    return StoredState(**{**stored.__dict__, **changes})  # type: ignore[arg-type]


def test_back_from_a_dilemmas_questions_goes_to_that_dilemma(knowledge: Knowledge) -> None:
    flow = AdvisorFlow(knowledge)
    state = at("advice", answers=dict(ANSWERED))
    first = flow.engine.advise(ANSWERED).top()[0].dilemma.id
    state, _ = run(flow, state, press(f"1:a:show:{first}:questions"))
    assert state.state == "detail" and state.data["page"] == "questions"
    state, back = run(flow, state, command("terug"))
    assert state.state == "detail" and state.data["page"] == "main", "one level up"
    assert screens(back) == ["detail"] and f"1:a:show:{first}:questions" in actions_of(back)
    state, back = run(flow, state, command("back"))
    assert state.state == "advice" and screens(back) == ["advice"], "then the advice"


def test_back_from_a_note_on_a_dilemma_goes_to_that_dilemma(knowledge: Knowledge) -> None:
    flow = AdvisorFlow(knowledge)
    first = flow.engine.advise(ANSWERED).top()[0].dilemma.id
    state, _ = run(flow, at("advice", answers=dict(ANSWERED)), press(f"1:a:note:{first}"))
    assert state.state == "note"
    state, back = run(flow, state, command("terug"))
    assert state.state == "detail" and state.data["dilemma"] == first
    assert not back.effects, "no note is kept"


def test_back_while_browsing_in_the_intake_keeps_the_question_and_the_answers(
    knowledge: Knowledge,
) -> None:
    flow = AdvisorFlow(knowledge)
    state = at("q_subgroups", answers={"size": "groot"})
    for browse in (
        [command("dilemmas")],
        [command("dilemmas"), press("1:b:level:binnen_subgroep")],
        [command("dilemmas"), press("1:b:show:inclusief_vs_efficient:questions")],
    ):
        for back in (command("terug"), Event("text", text="terug")):
            after, outcome = run(flow, state, *browse, back)
            assert after.state == "q_subgroups" and after.answers == {"size": "groot"}
            assert screens(outcome) == ["question"], browse
            assert text_of(outcome).startswith("Verder waar we waren")
            assert "1:subgroups:_back" in actions_of(outcome)
            # Browsing is over: the next /terug is a step back in the intake again.
            again, _ = run(flow, after, command("terug"))
            assert again.state == "q_size"


def test_browsing_ends_when_the_user_does_something_else(knowledge: Knowledge) -> None:
    flow = AdvisorFlow(knowledge)
    state = at("q_subgroups", answers={"size": "groot"})
    state, _ = run(flow, state, command("dilemmas"), press("1:subgroups:veel"))
    assert state.state == "q_sturingsvorm" and "browsing" not in state.data
    state, _ = run(flow, state, command("terug"))
    assert state.state == "q_subgroups", "an answer ended the browsing"


def test_a_descriptions_matches_lead_back_to_where_the_user_was(knowledge: Knowledge) -> None:
    flow = AdvisorFlow(knowledge)
    state = at("advice", answers=dict(ANSWERED))
    for text in ("we willen iedereen betrekken maar het moet ook efficient", "xyzzy plugh"):
        state, matches = run(flow, state, Event("text", text=text))
        assert screens(matches) == ["text_matches"]
        assert "1:b:resume" in actions_of(matches), text
        assert all(len(r.plain) <= 1200 for r in matches.replies)
        after, back = run(flow, state, press("1:b:resume"))
        assert after.state == "advice" and screens(back) == ["advice"]
        after, back = run(flow, state, command("terug"))
        assert after.state == "advice" and screens(back) == ["advice"]


def test_a_declined_users_matches_lead_back_to_the_declined_screen(knowledge: Knowledge) -> None:
    flow = AdvisorFlow(knowledge)
    state = StoredState(state="declined", flow_version=FLOW_VERSION, consent=False)
    state, matches = run(flow, state, Event("text", text="iedereen betrekken en efficient"))
    assert "1:b:resume" in actions_of(matches)
    state, back = run(flow, state, press("1:b:resume"))
    assert state.state == "declined" and screens(back) == ["declined"]


def test_a_double_tap_and_old_buttons_on_these_screens(knowledge: Knowledge) -> None:
    flow = AdvisorFlow(knowledge)
    state = at("q_subgroups", answers={"size": "groot"})
    state, _ = run(flow, state, command("dilemmas"))
    state, first = run(flow, state, press("1:b:resume"))
    assert screens(first) == ["question"]
    state, second = run(flow, state, press("1:b:resume"))
    assert second.duplicate and not second.replies and second.notice == "Al ontvangen."
    # A dilemma page's button from the advice, pressed in the intake: expired, and the
    # question again (nothing answered, nothing moved).
    first_dilemma = flow.engine.advise(ANSWERED).top()[0].dilemma.id
    after, old = run(flow, state, press(f"1:a:show:{first_dilemma}:questions"))
    assert old.notice == "Deze knop is verlopen." and screens(old) == ["question"]
    assert after.state == "q_subgroups" and after.answers == {"size": "groot"}


def test_back_in_a_side_dialogue_returns_to_where_the_user_was(knowledge: Knowledge) -> None:
    flow = AdvisorFlow(knowledge)
    state = at("q_subgroups", answers={"size": "groot"}, roles=frozenset({"coordinator"}))
    state, _ = run(flow, state, press("1:c:new"))
    assert state.state == "cohort_name"
    state, back = run(flow, state, command("terug"))
    assert state.state == "q_subgroups" and "cohort" not in state.data
    assert screens(back) == ["question"], "not the advice of a half-done intake"


def test_after_vraag_the_question_again_and_an_answer_to_it_counts(knowledge: Knowledge) -> None:
    flow = AdvisorFlow(knowledge)
    state = at("q_subgroups", answers={"size": "groot"})
    asked, shown = run(flow, state, command("vraag"))
    assert len(shown.replies) == 2 and screens(shown)[-1] == "question"
    assert shown.replies[0].plain.startswith("Een vraag om over na te denken")
    after, answered = run(flow, asked, Event("text", text="veel"))
    assert after.answers["subgroups"] == "veel" and after.state != "q_subgroups"
    assert "bewaren als reflectie" not in text_of(answered)
    # Anything else typed right after /vraag is still offered as a reflection.
    kept, offer = run(flow, asked, Event("text", text="Dat we eerlijker moeten zijn."))
    assert "1:p:keepanswer" in actions_of(offer) and kept.state == "q_subgroups"
