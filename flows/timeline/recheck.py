"""The re-check three months after the last snapshot: the intake again, pre-filled, with
one tap "Ongewijzigd" per question, and then the new advice beside the old.

The outbox message (:func:`recheck_message`) is planned by the timeline service for users
who did not switch reminders off; its "Herijken" button, and the one under ``/verloop``,
start the dialogue (:class:`flows.timeline.dialogue.Timeline`). While it runs,
``data["recheck"]`` holds the top three of the advice before it.
"""

from __future__ import annotations

from collections.abc import Sequence

from flows.actions import action
from flows.definition import NUDGE_TAG, TIMELINE_TAG
from flows.replies import Button, Reply, Span, join
from flows.screens import Say
from knowledge.model import IntakeQuestion

RECHECK_DAYS = 91
"""About three months after the last snapshot."""
UNCHANGED = "_same"
"""The choice of an intake question's "Ongewijzigd" button during a re-check."""


def recheck_message(say: Say, outbox_id: int) -> Reply:
    """The outbox message: time for a re-check, with start, later and no-more buttons."""
    rows = (
        (Button(say.label("btn_recheck"), action(TIMELINE_TAG, "recheck")),),
        (Button(say.label("btn_nudge_week"), action(NUDGE_TAG, "week", str(outbox_id))),),
        (Button(say.label("btn_nudge_stop"), action(NUDGE_TAG, "stop")),),
    )
    return Reply(tuple(say("recheck_message")), rows, meta={"screen": "recheck"})


def unchanged_button(say: Say, question: IntakeQuestion) -> Button:
    return Button(say.label("btn_unchanged"), action(question.id, UNCHANGED))


def _ranked(say: Say, ids: Sequence[str]) -> list[Span]:
    lines = [
        say("recheck_item", rank=rank, title=say.plain(d.title))
        for rank, i in enumerate(ids, start=1)
        if (d := say.knowledge.dilemma(i)) is not None
    ]
    return join(lines)


def comparison(say: Say, before: Sequence[str], after: Sequence[str]) -> Reply:
    """The top three before the re-check beside the top three now."""
    parts = [
        say("recheck_done" if list(before) != list(after) else "recheck_same"),
        say("recheck_before"),
        _ranked(say, before),
        say("recheck_now"),
        _ranked(say, after),
    ]
    return Reply(tuple(join(parts, "\n")), meta={"screen": "recheck_comparison"})
