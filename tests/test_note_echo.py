"""A saved reflection is quoted back short enough for a phone, and kept whole."""

from __future__ import annotations

from flows.advice.dialogue import MAX_REFLECTION
from flows.advisor import AdvisorFlow
from flows.events import Event, SaveReflection, StoredState
from flows.replies import ECHO_LIMIT, excerpt
from knowledge.model import Knowledge

PHONE_SCREEN = 1200


def test_a_long_reflection_is_confirmed_within_a_phone_screen_and_saved_whole(
    knowledge: Knowledge,
) -> None:
    flow = AdvisorFlow(knowledge)
    state = StoredState(state="q_size", flow_version=1, consent=True)
    for press in ("1:size:groot", "1:subgroups:veel", "1:mandate:beperkt"):
        state = flow.handle(state, Event("action", press)).state
    state = flow.handle(state, Event("command", name="advies")).state
    state = flow.handle(state, Event("action", "1:a:note:inclusief_vs_efficient")).state
    note = ("Volgende keer bespreken wij de rol van de kleine partijen aan tafel. " * 40)[
        :MAX_REFLECTION
    ]
    outcome = flow.handle(state, Event("text", note))
    saved = [e for e in outcome.effects if isinstance(e, SaveReflection)]
    assert [e.text for e in saved] == [note]
    assert outcome.replies, "the reflection is confirmed"
    for reply in outcome.replies:
        assert len(reply.plain) <= PHONE_SCREEN, len(reply.plain)
    assert excerpt(note) in outcome.replies[0].plain


def test_an_excerpt_keeps_short_texts_whole_and_cuts_long_ones_at_a_word() -> None:
    assert excerpt("  Kort genoeg.  ") == "Kort genoeg."
    long = "woord " * 100
    cut = excerpt(long)
    assert len(cut) <= ECHO_LIMIT
    assert cut.endswith("woord…")
    assert excerpt("x" * 500).endswith("…")
    assert len(excerpt("x" * 500)) == ECHO_LIMIT


def test_a_reflection_too_long_is_not_lost_its_beginning_can_be_kept(
    knowledge: Knowledge,
) -> None:
    """Review 6, F30: 3,000 characters got "hooguit 2000 tekens" and nothing was kept."""
    flow = AdvisorFlow(knowledge)
    state = StoredState(state="q_size", flow_version=1, consent=True)
    for press in ("1:size:groot", "1:subgroups:veel", "1:mandate:beperkt"):
        state = flow.handle(state, Event("action", press)).state
    state = flow.handle(state, Event("command", name="advies")).state
    state = flow.handle(state, Event("action", "1:a:note:inclusief_vs_efficient")).state
    note = "Wij <b>bespreken</b> de rol van de kleine partijen aan tafel. " * 50
    told = flow.handle(state, Event("text", note))
    said = " ".join(r.plain for r in told.replies)
    assert "2.000 tekens" in said and f"{len(note.strip()):,}".replace(",", ".") in said, said
    assert all(len(r.plain) <= PHONE_SCREEN for r in told.replies)
    keep = next(a for r in told.replies for a in r.actions if a.endswith(":redacted"))
    kept = flow.handle(told.state, Event("action", keep))
    saved = [e.text for e in kept.effects if isinstance(e, SaveReflection)]
    assert len(saved) == 1 and note.startswith(saved[0]) and len(saved[0]) <= MAX_REFLECTION
    assert len(saved[0]) > MAX_REFLECTION * 4 // 5
