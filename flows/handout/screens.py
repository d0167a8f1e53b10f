"""The messages around the handout: ticking reflections, and the PDF with its caption."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from flows.actions import action
from flows.dates import short_date
from flows.definition import HANDOUT_TAG
from flows.replies import Attachment, Button, Reply, join
from flows.screens import Say

MAX_PICKED = 3
"""Reflections that fit on the handout beside the advice."""
CHOICES = 6
"""The most recent reflections offered to tick: the screen stays one short message."""
PREVIEW_CHARS = 60
"""A reflection on the choice screen is shown up to this long."""


@dataclass(frozen=True, slots=True)
class ReflectionItem:
    """One of the user's reflections on the choice screen."""

    id: int
    subject: str
    written: date
    text: str


def _preview(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= PREVIEW_CHARS else flat[: PREVIEW_CHARS - 1].rstrip() + "…"


def choose_screen(
    say: Say, items: Sequence[ReflectionItem], picked: Sequence[int], name: str | None, today: date
) -> Reply:
    """The user's latest reflections (:data:`CHOICES`), each with a box to tick, and the
    button that makes the PDF."""
    items = items[-CHOICES:]
    lines = [
        say(
            "handout_choice_item",
            number=n,
            date=short_date(say, item.written, today),
            subject=item.subject,
            text=_preview(item.text),
        )
        for n, item in enumerate(items, start=1)
    ]
    parts = [say("handout_choose", max=MAX_PICKED), join(lines)]
    if name:
        parts.append(say("handout_choose_name", name=name))
    rows = [
        (
            Button(
                say.label(
                    "btn_handout_picked" if item.id in picked else "btn_handout_pick",
                    number=n,
                    subject=item.subject,
                ),
                # The box's next state rides along: tapping the same button twice is a
                # double tap, tapping it again after the screen changed is not.
                action(HANDOUT_TAG, "tick", str(item.id), "0" if item.id in picked else "1"),
            ),
        )
        for n, item in enumerate(items, start=1)
    ]
    rows.append((Button(say.label("btn_handout_make"), action(HANDOUT_TAG, "make")),))
    return Reply(tuple(join(parts, "\n\n")), tuple(rows), meta={"screen": "handout_choice"})


def handout_reply(say: Say, filename: str, pdf: bytes) -> Reply:
    """The PDF as a document, the explanation as its caption."""
    attachment = Attachment("document", filename, pdf, caption=True)
    return Reply(tuple(say("handout_ready")), attachment=attachment, meta={"screen": "handout"})
