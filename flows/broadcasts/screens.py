"""The screens of broadcasts: composing (text, audience, preview), the message members
get, the coordinator's progress and report. Pure functions, like the other screens."""

from __future__ import annotations

from collections.abc import Sequence

from flows.actions import action
from flows.definition import COHORT_TAG, NUDGE_TAG
from flows.replies import Button, Reply, Span, excerpt, join
from flows.screens import Say

MAX_ANSWERS_SHOWN = 10
"""Shared answers in one report; the rest are counted."""


def _cancel_row(say: Say) -> tuple[Button, ...]:
    return (Button(say.label("btn_cancel"), action(COHORT_TAG, "cancel")),)


def compose(say: Say, templates: Sequence[str]) -> Reply:
    """Ask for the text; or pick one of the numbered ready-made questions."""
    parts = [say("broadcast_compose")]
    if templates:
        lines = [
            say("broadcast_template_item", number=n, question=question)
            for n, question in enumerate(templates, start=1)
        ]
        parts.append(join([say("broadcast_templates"), join(lines, "\n")], "\n"))
    buttons = [
        Button(say.label("btn_template", number=n), action(COHORT_TAG, "btpl", str(n - 1)))
        for n in range(1, len(templates) + 1)
    ]
    rows = [tuple(buttons[i : i + 3]) for i in range(0, len(buttons), 3)]
    rows.append(_cancel_row(say))
    return Reply(tuple(join(parts, "\n\n")), tuple(rows), meta={"screen": "bc_text"})


def audience(
    say: Say,
    cohorts: Sequence[tuple[int, str, int | None]],
    chosen: Sequence[int] | None,
    dilemma_title: str | None,
) -> Reply:
    """The coordinator's cohorts (id, name, members: None when not shown) to toggle; all
    of them by default."""
    if not cohorts:
        return Reply(
            tuple(say("broadcast_no_cohorts")), (_cancel_row(say),), meta={"screen": "bc_audience"}
        )
    parts = [say("broadcast_audience")]
    if dilemma_title:
        parts.append(say("broadcast_filter", dilemma=dilemma_title))
    rows: list[tuple[Button, ...]] = []
    every = chosen is None
    label = say.label("btn_all_cohorts")
    rows.append(
        (
            Button(
                say.label("current_mark", label=label) if every else label,
                action(COHORT_TAG, "ball"),
            ),
        )
    )
    for cohort_id, name, members in cohorts:
        if members is None:
            text = say.label("btn_cohort_choice_hidden", name=name)
        else:
            text = say.label("btn_cohort_choice", name=name, members=members)
        if not every and cohort_id in (chosen or ()):
            text = say.label("current_mark", label=text)
        rows.append((Button(text, action(COHORT_TAG, "btog", str(cohort_id))),))
    rows.append((Button(say.label("btn_dilemma_filter"), action(COHORT_TAG, "bdil")),))
    rows.append((Button(say.label("btn_preview"), action(COHORT_TAG, "bnext")),))
    rows.append(_cancel_row(say))
    return Reply(tuple(join(parts, "\n\n")), tuple(rows), meta={"screen": "bc_audience"})


def dilemma_filter(say: Say) -> Reply:
    """Only members whose latest advice showed this dilemma; or no filter."""
    rows = [
        (Button(say.plain(d.title), action(COHORT_TAG, "bdil", d.id)),)
        for d in say.knowledge.dilemmas
    ]
    rows.append((Button(say.label("btn_no_filter"), action(COHORT_TAG, "bdil", "-")),))
    return Reply(tuple(say("broadcast_dilemma")), tuple(rows), meta={"screen": "bc_dilemma"})


def message(say: Say, text: list[Span], outbox_id: int) -> Reply:
    """The broadcast as a member gets it: a heading, the text, a button to answer."""
    body = join([say("broadcast_head"), text, say("broadcast_foot")], "\n\n")
    rows = ((Button(say.label("btn_nudge_answer"), action(NUDGE_TAG, "reply", str(outbox_id))),),)
    return Reply(tuple(body), rows, meta={"screen": "broadcast"})


def preview_summary(say: Say, recipients: int, groups: str, dilemma_title: str | None) -> Reply:
    parts = [say("broadcast_preview", count=recipients, groups=groups)]
    if dilemma_title:
        parts.append(say("broadcast_filter", dilemma=dilemma_title))
    rows: list[tuple[Button, ...]] = []
    if recipients:
        rows.append(
            (
                Button(
                    say.label("btn_broadcast_send", count=recipients), action(COHORT_TAG, "bsend")
                ),
            )
        )
    rows.append((Button(say.label("btn_change_audience"), action(COHORT_TAG, "baud")),))
    rows.append(_cancel_row(say))
    return Reply(tuple(join(parts, "\n\n")), tuple(rows), meta={"screen": "bc_preview"})


def progress(say: Say, broadcast_id: int, sent: int, total: int) -> Reply:
    rows = (
        (Button(say.label("btn_broadcast_stop"), action(COHORT_TAG, "bstop", str(broadcast_id))),),
    )
    return Reply(
        tuple(say("broadcast_progress", sent=sent, total=total)),
        rows,
        meta={"screen": "bc_progress"},
    )


def report(
    say: Say,
    broadcast_id: int,
    *,
    total: int,
    sent: int,
    blocked: int,
    failed: int,
    cancelled: int,
    answered: int,
    shared: Sequence[str] = (),
    running: bool = False,
) -> Reply:
    """Delivered, blocked, failed (and stopped), answered; shared answers without names."""
    key = "broadcast_report_running" if running else "broadcast_report"
    parts = [
        say(
            key,
            total=total,
            sent=sent,
            blocked=blocked,
            failed=failed,
            answered=answered,
        )
    ]
    if cancelled:
        parts.append(say("broadcast_report_cancelled", cancelled=cancelled))
    if shared:
        quoted = [say("broadcast_shared_item", text=text) for text in shared[:MAX_ANSWERS_SHOWN]]
        parts.append(join([say("broadcast_shared"), join(quoted, "\n")], "\n"))
        if len(shared) > MAX_ANSWERS_SHOWN:
            parts.append(say("broadcast_shared_more", more=len(shared) - MAX_ANSWERS_SHOWN))
    rows = (
        (Button(say.label("btn_broadcast_report"), action(COHORT_TAG, "brep", str(broadcast_id))),),
    )
    return Reply(tuple(join(parts, "\n\n")), rows, meta={"screen": "bc_report"})


def history(say: Say, items: Sequence[tuple[int, str, str]]) -> Reply:
    """The latest broadcasts (id, when, first words), each with its report button."""
    lines = [
        say("broadcast_history_item", number=n, when=when, start=start)
        for n, (_, when, start) in enumerate(items, start=1)
    ]
    rows = tuple(
        (Button(say.label("btn_history_report", number=n), action(COHORT_TAG, "brep", str(i))),)
        for n, (i, _, _) in enumerate(items, start=1)
    )
    return Reply(
        tuple(join([say("broadcast_history"), join(lines, "\n")], "\n")),
        rows,
        meta={"screen": "bc_history"},
    )


def share_offer(say: Say, reflection_id: int, named: str | None = None) -> Reply:
    """Share an answer anonymously; ``named``: the answer named someone, and this is the
    text (the name replaced) the coordinator would see."""
    rows = ((Button(say.label("btn_share"), action(NUDGE_TAG, "share", str(reflection_id))),),)
    text = say("share_offer_named", redacted=excerpt(named)) if named else say("share_offer")
    return Reply(tuple(text), rows, meta={"screen": "share_offer"})
