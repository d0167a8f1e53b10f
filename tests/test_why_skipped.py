""" "Waarom" counts the questions the user skipped, not those never asked."""

from __future__ import annotations

from flows.advisor import AdvisorFlow
from flows.events import Event, StoredState
from knowledge.model import Knowledge


def _why_after(flow: AdvisorFlow, presses: list[str]) -> str:
    state = StoredState(state="q_size", flow_version=1, consent=True)
    for press in presses:
        state = flow.handle(state, Event("action", press)).state
    state = flow.handle(state, Event("command", name="advies")).state
    return flow.handle(state, Event("action", "1:a:why")).replies[-1].plain


def test_questions_never_asked_are_not_called_skipped(knowledge: Knowledge) -> None:
    flow = AdvisorFlow(knowledge)
    answered = ["1:size:groot", "1:subgroups:veel", "1:bestuurlijke_subgroep:formeel"]
    text = _why_after(flow, answered)
    assert "overgeslagen" not in text, text
    text = _why_after(flow, [*answered, "1:sturingsvorm:_skip"])
    assert "• 1 vraag overgeslagen" in text, text
    text = _why_after(flow, [*answered, "1:sturingsvorm:_skip", "1:rol:_skip"])
    assert "• 2 vragen overgeslagen" in text, text


def test_a_skipped_question_answered_later_is_no_longer_skipped(knowledge: Knowledge) -> None:
    flow = AdvisorFlow(knowledge)
    presses = ["1:size:_skip", "1:subgroups:geen", "1:sturingsvorm:gedeeld"]
    assert "• 1 vraag overgeslagen" in _why_after(flow, presses)
    state = StoredState(state="q_size", flow_version=1, consent=True)
    for press in presses:
        state = flow.handle(state, Event("action", press)).state
    state = flow.handle(state, Event("command", name="advies")).state
    for press in ("1:a:edit:size", "1:size:groot"):
        state = flow.handle(state, Event("action", press)).state
    text = flow.handle(state, Event("action", "1:a:why")).replies[-1].plain
    assert "• Omvang:" in text, text
    assert "overgeslagen" not in text
