"""The client-data warning quotes the redacted text back, but never past one phone screen
(issue 13: a 2,000-character reflection with a phone number in it made a warning of more
than 2,000 characters). What is kept on "Bewaar zonder deze gegevens" is the whole
redacted text, not the quote."""

from __future__ import annotations

import pytest

from bot.telegram.render import to_html
from flows.advice.dialogue import MAX_REFLECTION
from flows.advice.screens import keep_answer
from flows.advisor import AdvisorFlow
from flows.cohorts.screens import typed_reply_offer
from flows.events import Event, SaveReflection, StoredState
from flows.replies import SCREEN_LIMIT, Reply
from flows.screens import Say
from knowledge.model import Knowledge

PHONE = "06-12345678"


def at_note(flow: AdvisorFlow) -> StoredState:
    """A user who got advice and tapped "note a reflection"."""
    state = StoredState(state="q_size", flow_version=1, consent=True)
    for press in ("1:size:groot", "1:subgroups:veel", "1:mandate:beperkt"):
        state = flow.handle(state, Event("action", press)).state
    state = flow.handle(state, Event("command", name="advies")).state
    return flow.handle(state, Event("action", "1:a:note:inclusief_vs_efficient")).state


def warning(replies: list[Reply]) -> Reply:
    (found,) = [r for r in replies if r.meta.get("screen") == "client_data"]
    return found


def text_of(length: int) -> str:
    """``length`` characters: a phone number, then sentences with markup in them."""
    body = f"Bel mij op {PHONE}. " + "Wij <b>bespreken</b> de rol van de partijen & meer. " * 90
    assert len(body) >= length
    return body[:length]


@pytest.mark.parametrize("length", [MAX_REFLECTION, 4096])
def test_the_warning_fits_one_screen_and_keeps_the_whole_redacted_text(
    knowledge: Knowledge, length: int
) -> None:
    flow = AdvisorFlow(knowledge)
    note = text_of(length)
    told = flow.handle(at_note(flow), Event("text", note))
    for reply in told.replies:
        assert len(reply.plain) <= SCREEN_LIMIT, (length, len(reply.plain))
    shown = warning(told.replies)
    assert "een telefoonnummer" in shown.plain
    assert PHONE not in shown.plain and "«Bel mij op [verwijderd]." in shown.plain
    assert shown.plain.endswith("…»"), shown.plain[-40:]
    # The user's text is escaped in HTML, the part quoted and the ellipsis alike.
    html = to_html(shown.spans)
    assert "<b>bespreken</b>" not in html and "&lt;b&gt;bespreken&lt;/b&gt;" in html
    assert "&amp; meer" in html

    keep = next(a for a in shown.actions if a.endswith(":redacted"))
    kept = flow.handle(told.state, Event("action", keep))
    (saved,) = [e.text for e in kept.effects if isinstance(e, SaveReflection)]
    assert PHONE not in saved and saved.startswith("Bel mij op [verwijderd].")
    assert "…" not in saved
    # Whole: every sentence of what was typed (or of its first MAX_REFLECTION characters).
    assert saved.count("de rol van de partijen") >= note[:MAX_REFLECTION].count(
        "de rol van de partijen"
    )


def test_a_short_text_is_quoted_whole(knowledge: Knowledge) -> None:
    flow = AdvisorFlow(knowledge)
    told = flow.handle(at_note(flow), Event("text", f"Bel mij op {PHONE} & later."))
    assert warning(told.replies).plain.endswith("«Bel mij op [verwijderd] & later.»")


@pytest.mark.parametrize("length", [MAX_REFLECTION, 4096])
def test_the_other_offers_that_quote_a_redacted_text_fit_one_screen(
    knowledge: Knowledge, length: int
) -> None:
    """An answer to /vraag and a typed answer to a nudge quote what would be kept, too."""
    say = Say(knowledge, "nl")
    redacted = text_of(length).replace(PHONE, "[verwijderd]")
    for offer in (keep_answer(say, redacted), typed_reply_offer(say, 7, redacted)):
        assert len(offer.plain) <= SCREEN_LIMIT, len(offer.plain)
        assert "ik bewaar dan deze versie: Bel mij op [verwijderd]." in offer.plain
        assert offer.plain.endswith("…")
        assert "&lt;b&gt;" in to_html(offer.spans)
    short = keep_answer(say, "Bel mij op [verwijderd].")
    assert short.plain.endswith("deze versie: Bel mij op [verwijderd].")
