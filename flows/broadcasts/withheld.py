"""Broadcast screens without figures: the preview, progress and report of a broadcast
whose number of recipients may not be shown (fewer than the minimum group, or differing
from the audience by fewer than that; see :mod:`storage.anonymity`), and the note that
shared answers appear only once enough members shared one. Pure, like the other screens.
"""

from __future__ import annotations

from flows.actions import action
from flows.definition import COHORT_TAG
from flows.replies import Button, Reply, join
from flows.screens import Say


def preview_summary(say: Say, groups: str, dilemma_title: str | None, k: int) -> Reply:
    """The preview's summary without the number of recipients; sending stays possible."""
    parts = [say("broadcast_preview_hidden", groups=groups, k=k)]
    if dilemma_title:
        parts.append(say("broadcast_filter", dilemma=dilemma_title))
    rows = (
        (Button(say.label("btn_broadcast_send_hidden"), action(COHORT_TAG, "bsend")),),
        (Button(say.label("btn_change_audience"), action(COHORT_TAG, "baud")),),
        (Button(say.label("btn_cancel"), action(COHORT_TAG, "cancel")),),
    )
    return Reply(tuple(join(parts, "\n\n")), rows, meta={"screen": "bc_preview"})


def progress(say: Say, broadcast_id: int) -> Reply:
    rows = (
        (Button(say.label("btn_broadcast_stop"), action(COHORT_TAG, "bstop", str(broadcast_id))),),
    )
    return Reply(tuple(say("broadcast_progress_hidden")), rows, meta={"screen": "bc_progress"})


def report(say: Say, broadcast_id: int, *, running: bool, k: int) -> Reply:
    key = "broadcast_report_hidden_running" if running else "broadcast_report_hidden"
    rows = (
        (Button(say.label("btn_broadcast_report"), action(COHORT_TAG, "brep", str(broadcast_id))),),
    )
    return Reply(tuple(say(key, k=k)), rows, meta={"screen": "bc_report"})


def shared_withheld(say: Say, k: int) -> Reply:
    return Reply(tuple(say("broadcast_shared_withheld", k=k)), meta={"screen": "bc_shared"})
