"""The screens of cohorts, coordinators and follow-up nudges, as pure functions.

The flow shows the dialogue screens itself; the service shows the ones that need the
database (lists, confirmations) after applying an effect. Times are shown on the
member's or cohort's own wall clock, in the words of :func:`flows.dates.when`: "dinsdag
25 november 2026 om 08:30".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from flows.actions import action
from flows.dates import long_date, when
from flows.definition import COHORT_TAG, NUDGE_TAG
from flows.replies import (
    LEAD_GAP,
    Attachment,
    Button,
    Reply,
    Span,
    excerpt,
    fill,
    join,
)
from flows.screens import Say, fitting, with_echo
from knowledge.model import Plan, PlanStep, Window


@dataclass(frozen=True, slots=True)
class CohortSummary:
    """A cohort as its coordinator sees it; ``workshop`` on the cohort's wall clock."""

    id: int
    name: str
    workshop: datetime
    timezone: str
    plan: str
    members: int | None
    """None: not shown (a small group, or too close to another; storage.anonymity)."""
    closed: bool


def plan_title(say: Say, plan_id: str) -> str:
    plan = say.knowledge.plan(plan_id)
    return say.plain(plan.title) if plan is not None else plan_id


def _cancel_row(say: Say) -> tuple[Button, ...]:
    return (Button(say.label("btn_cancel"), action(COHORT_TAG, "cancel")),)


# -- creating a cohort (the flow's own screens) ---------------------------------------


def ask_cohort_name(say: Say) -> Reply:
    return Reply(tuple(say("cohort_ask_name")), (_cancel_row(say),), meta={"screen": "c_name"})


def ask_cohort_when(say: Say, name: str) -> Reply:
    return Reply(
        tuple(say("cohort_ask_when", name=name)), (_cancel_row(say),), meta={"screen": "c_when"}
    )


def ask_new_workshop_time(say: Say, zone: str) -> Reply:
    """The new moment, on the wall clock of the cohort's time zone (named)."""
    text = say("cohort_ask_new_when", zone=zone)
    return Reply(tuple(text), (_cancel_row(say),), meta={"screen": "c_when"})


def ask_cohort_plan(say: Say, plans: Sequence[Plan]) -> Reply:
    rows: list[tuple[Button, ...]] = [
        (Button(say.plain(p.title), action(COHORT_TAG, "plan", p.id)),) for p in plans
    ]
    rows.append(_cancel_row(say))
    return Reply(tuple(say("cohort_ask_plan")), tuple(rows), meta={"screen": "c_plan"})


def ask_cohort_zone(say: Say, default_zone: str) -> Reply:
    return Reply(
        tuple(say("cohort_ask_zone", zone=default_zone)),
        (_cancel_row(say),),
        meta={"screen": "c_zone"},
    )


def confirm_cohort(say: Say, name: str, workshop: datetime, plan_id: str, zone: str) -> Reply:
    text = say(
        "cohort_confirm",
        name=name,
        when=when(say, workshop),
        plan=plan_title(say, plan_id),
        zone=zone,
    )
    rows = (
        (Button(say.label("btn_cohort_create"), action(COHORT_TAG, "create")),),
        (Button(say.label("btn_cohort_zone"), action(COHORT_TAG, "zone")),),
        _cancel_row(say),
    )
    return Reply(tuple(text), rows, meta={"screen": "c_confirm"})


# -- coordinators' lists and links (shown by the service) -----------------------------


def cohort_list(say: Say, cohorts: Sequence[CohortSummary]) -> Reply:
    """The coordinator's cohorts, numbered: members, workshop, plan; the buttons of each
    open one carry its number (a closed one keeps its number and has none)."""
    if not cohorts:
        text = say("cohorts_none")
    else:
        lines = [
            say(
                ("cohorts_item_closed" if c.closed else "cohorts_item")
                + ("" if c.members is not None else "_hidden"),
                number=number,
                name=c.name,
                when=when(say, c.workshop),
                plan=plan_title(say, c.plan),
                members=c.members,
            )
            for number, c in enumerate(cohorts, start=1)
        ]
        text = join([say("cohorts_intro"), join(lines, "\n\n")], "\n\n")
    rows: list[tuple[Button, ...]] = []
    for number, c in enumerate(cohorts, start=1):
        if c.closed:
            continue
        rows.append(
            (
                Button(
                    say.label("btn_cohort_link", number=number),
                    action(COHORT_TAG, "link", str(c.id)),
                ),
                Button(
                    say.label("btn_cohort_redate", number=number),
                    # The zone: the new moment is read on the cohort's wall clock.
                    action(COHORT_TAG, "redate", str(c.id), c.timezone),
                ),
                Button(
                    say.label("btn_cohort_close", number=number),
                    action(COHORT_TAG, "close", str(c.id)),
                ),
            )
        )
    rows.append((Button(say.label("btn_cohort_new"), action(COHORT_TAG, "new")),))
    return Reply(tuple(text), tuple(rows), meta={"screen": "cohorts"})


def cohort_link(
    say: Say, key: str, cohort: CohortSummary, link: str | None, code: str, qr: bytes | None
) -> Reply:
    """The deep link (and its QR code) of a cohort: after creating it, or on request."""
    parts = [
        say(
            key,
            name=cohort.name,
            when=when(say, cohort.workshop),
            plan=plan_title(say, cohort.plan),
        ),
        say("cohort_link_line", link=link) if link else say("cohort_code_line", code=code),
    ]
    attachment = Attachment("photo", "cohort-qr.png", qr) if qr is not None else None
    return Reply(tuple(join(parts, "\n\n")), attachment=attachment, meta={"screen": "cohort_link"})


def close_confirm(say: Say, cohort: CohortSummary) -> Reply:
    rows = (
        (
            Button(
                say.label("btn_cohort_close_yes"), action(COHORT_TAG, "closeyes", str(cohort.id))
            ),
        ),
        (Button(say.label("btn_cohort_keep"), action(COHORT_TAG, "keep")),),
    )
    return Reply(
        tuple(say("cohort_close_confirm", name=cohort.name)), rows, meta={"screen": "c_close"}
    )


@dataclass(frozen=True, slots=True)
class CoordinatorSummary:
    """A coordinator as an admin sees them: never their Telegram id, but a number in the
    list, since when they coordinate and which cohorts they run."""

    user_id: int
    number: int
    since: date
    cohorts: tuple[str, ...]


SHOWN_COHORT_NAMES = 2
"""Cohort names shown per coordinator; the rest is counted."""


def coordinator_details(say: Say, who: CoordinatorSummary) -> str:
    """ "sinds 3 december 2026 · cohorten: Zuid, Noord +1": who this coordinator is."""
    names = [excerpt(name, 40) for name in who.cohorts[:SHOWN_COHORT_NAMES]]
    more = len(who.cohorts) - len(names)
    if not names:
        cohorts = say.label("coordinator_no_cohorts")
    elif more:
        cohorts = say.label("coordinator_cohorts_more", names=", ".join(names), more=more)
    else:
        cohorts = say.label("coordinator_cohorts", names=", ".join(names))
    return say.label("coordinator_details", since=long_date(say, who.since), cohorts=cohorts)


def coordinators_screen(
    say: Say, coordinators: Sequence[CoordinatorSummary], start: int = 0
) -> Reply:
    """The coordinators, numbered, each with a revoke button naming them; an invite button.
    A list longer than one message shows a page from the ``start``-th on, the number of
    the others, and a button to the next page (on the last one: back to the first)."""
    start = start if 0 <= start < len(coordinators) else 0
    lines = [
        say("coordinators_item", number=c.number, details=coordinator_details(say, c))
        for c in coordinators[start:]
    ]
    used = len(say.label("coordinators_intro")) + len(LEAD_GAP)
    lines = lines[: fitting(say, lines, used, "coordinators_more")]
    shown = coordinators[start : start + len(lines)]
    if shown:
        more = len(coordinators) - start - len(shown)
        if more:
            lines.append(say("coordinators_more", more=more))
        text = join([say("coordinators_intro"), join(lines, "\n")], LEAD_GAP)
    else:
        text = say("coordinators_none")
    rows = [
        (
            Button(
                say.label("btn_revoke", number=c.number),
                action(COHORT_TAG, "revoke", str(c.user_id)),
            ),
        )
        for c in shown
    ]
    following = start + len(shown)
    if following < len(coordinators):
        rows.append(
            (
                Button(
                    say.label("btn_coordinators_next"), action(COHORT_TAG, "coords", str(following))
                ),
            )
        )
    elif start > 0:
        rows.append(
            (Button(say.label("btn_coordinators_first"), action(COHORT_TAG, "coords", "0")),)
        )
    rows.append((Button(say.label("btn_invite"), action(COHORT_TAG, "invite")),))
    return Reply(tuple(text), tuple(rows), meta={"screen": "coordinators"})


def revoke_confirm(say: Say, who: CoordinatorSummary) -> Reply:
    """ "Weet u het zeker?" before a coordinator loses the role."""
    rows = (
        (
            Button(say.label("btn_revoke_yes"), action(COHORT_TAG, "revokeyes", str(who.user_id))),
            Button(say.label("btn_revoke_no"), action(COHORT_TAG, "revokeno")),
        ),
    )
    text = say("revoke_confirm", number=who.number, details=coordinator_details(say, who))
    return Reply(tuple(text), rows, meta={"screen": "c_revoke"})


# -- members: nudges and their settings -------------------------------------------------


def nudge(
    say: Say,
    step: PlanStep | None,
    outbox_id: int,
    dilemma_title: str | None = None,
    *,
    from_live: bool = False,
) -> Reply:
    """A follow-up prompt with its buttons: answer, later (next working day or next week),
    no more reminders. ``dilemma_title`` personalises it: the top of the member's latest
    advice, or (``from_live``) a dilemma they said in a live session plays strongly."""
    parts: list[list[Span]] = [say("nudge_head")]
    if step is not None and step.personal is not None and dilemma_title:
        line = step.personal_live if from_live and step.personal_live else step.personal
        parts.append(fill(line.get(say.lang), dilemma=dilemma_title))
    parts.append(prompt_of(say, step))
    ident = str(outbox_id)
    rows = (
        (Button(say.label("btn_nudge_answer"), action(NUDGE_TAG, "reply", ident)),),
        (
            Button(say.label("btn_nudge_later"), action(NUDGE_TAG, "later", ident)),
            Button(say.label("btn_nudge_week"), action(NUDGE_TAG, "week", ident)),
        ),
        (Button(say.label("btn_nudge_stop"), action(NUDGE_TAG, "stop")),),
    )
    return Reply(tuple(join(parts, "\n\n")), rows, meta={"screen": "nudge"})


def prompt_of(say: Say, step: PlanStep | None) -> list[Span]:
    """What a plan step asks: its reflection question or its own text (a plan edited since
    the nudge was planned falls back to a general prompt)."""
    if step is not None and step.question is not None:
        question = say.knowledge.questions.get(step.question)
        if question is not None:
            return say.text(question.text)
    if step is not None and step.text is not None:
        return say.text(step.text)
    return say("nudge_general")


def nudge_settings(
    say: Say,
    windows: Sequence[Window],
    current: str | None,
    off: bool,
    zone: str,
    upcoming: datetime | None,
) -> Reply:
    """The member's reminder settings: the windows to choose from, or none at all."""
    chosen = None if off else (current or next((w.id for w in windows if w.default), None))
    parts = [say("nudges_off_now") if off else say("nudges_on_now", zone=zone)]
    if not off and upcoming is not None:
        parts.append(say("nudges_next", when=when(say, upcoming)))
    parts.append(say("nudges_choose"))
    rows = []
    for window in windows:
        label = say.plain(window.label)
        if window.id == chosen:
            label = say.label("current_mark", label=label)
        rows.append((Button(label, action(NUDGE_TAG, "window", window.id)),))
    none = say.label("btn_nudges_none")
    rows.append(
        (Button(say.label("current_mark", label=none) if off else none, action(NUDGE_TAG, "off")),)
    )
    return Reply(tuple(join(parts, "\n\n")), tuple(rows), meta={"screen": "nudge_settings"})


def typed_reply_offer(say: Say, outbox_id: int, redacted: str | None) -> Reply:
    """Typed text that may answer the nudge or question the user got last: keep it as the
    answer? (``redacted``: the version without client data that would be kept.)"""
    text = say("typed_reply_offer")
    if redacted is not None:
        used = sum(len(span.text) for span in text) + 2
        echo = with_echo(say, "answer_to_question_redacted", "redacted", redacted, used)
        text = [*text, Span("\n\n"), *echo]
    rows = (
        (Button(say.label("btn_typed_reply_keep"), action(NUDGE_TAG, "keep", str(outbox_id))),),
    )
    return Reply(tuple(text), rows, meta={"screen": "typed_reply"})


def reply_prompt(say: Say) -> Reply:
    rows = ((Button(say.label("btn_cancel"), action(NUDGE_TAG, "cancel")),),)
    return Reply(tuple(say("reply_prompt")), rows, meta={"screen": "reply"})


__all__ = [
    "CohortSummary",
    "CoordinatorSummary",
    "ask_cohort_name",
    "ask_cohort_plan",
    "ask_cohort_when",
    "ask_cohort_zone",
    "ask_new_workshop_time",
    "close_confirm",
    "cohort_link",
    "cohort_list",
    "confirm_cohort",
    "coordinator_details",
    "coordinators_screen",
    "nudge",
    "nudge_settings",
    "plan_title",
    "prompt_of",
    "reply_prompt",
    "revoke_confirm",
    "when",
]
