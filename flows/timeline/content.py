"""The timeline in words: "Sinds 12 maart: Omvang 10 tot 30 → 31 tot 65; nieuw in uw top 3:
…; niet meer: …", and the user's reflections per dilemma with their dates. Pure."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from itertools import pairwise

from flows.actions import action
from flows.dates import short_date
from flows.definition import TIMELINE_TAG
from flows.replies import Button, Reply, Span, join
from flows.screens import Say, answer_label, question_name
from knowledge.engine import TOP_N
from knowledge.model import IntakeQuestion

MESSAGE_LIMIT = 1200
"""The longest message the bot sends: older changes and reflections are left out."""
PREVIEW_CHARS = 100


@dataclass(frozen=True, slots=True)
class Point:
    """One snapshot: the answers and the ranked dilemmas of one day."""

    day: date
    answers: dict[str, str]
    dilemmas: tuple[str, ...]
    kind: str = "intake"
    opened: Point | None = None
    """The day's first state, when the day saw more than one (a change on the day of the
    first advice: the point holds the last state, this the first advice)."""


@dataclass(frozen=True, slots=True)
class DatedReflection:
    subject: str
    """The dilemma's id, or "advice"/"followup"."""
    written: date
    text: str


def _titles(say: Say, ids: Sequence[str]) -> str:
    titles = [say.plain(d.title) for i in ids if (d := say.knowledge.dilemma(i)) is not None]
    return ", ".join(titles)


def differences(say: Say, before: Point, after: Point) -> list[str]:
    """What changed between two points, in words: answers (old → new), then the top three."""
    parts = []
    for question in say.knowledge.intake:
        old, new = before.answers.get(question.id), after.answers.get(question.id)
        if old != new:
            parts.append(
                say.label(
                    "timeline_answer",
                    question=question_name(say, question),
                    old=_answer_then(say, question, old, before.answers, new),
                    new=_answer_then(say, question, new, after.answers, old),
                )
            )
    top_before, top_after = before.dilemmas[:TOP_N], after.dilemmas[:TOP_N]
    if added := [d for d in top_after if d not in top_before]:
        parts.append(say.label("timeline_new_top", titles=_titles(say, added)))
    if gone := [d for d in top_before if d not in top_after]:
        parts.append(say.label("timeline_gone_top", titles=_titles(say, gone)))
    return parts


def _answer_then(
    say: Say, question: IntakeQuestion, value: str | None, then: dict[str, str], other: str | None
) -> str:
    """The answer at one point (answers ``then``); none there: "niet van toepassing" when
    the answer at the other point would not count with the answers there (the question,
    or that option, was not asked then), and "overgeslagen" only when it would."""
    if value is None and other is not None and not question.counts(other, then):
        return say.label("answer_not_applicable")
    return answer_label(say, question, value)


def change_line(say: Say, before: Point, after: Point, today: date) -> list[Span]:
    """ "Sinds 12 maart: …" — what changed since ``before``, up to ``after``."""
    parts = differences(say, before, after)
    key = "timeline_since" if parts else "timeline_since_same"
    return say(key, date=short_date(say, before.day, today), changes="; ".join(parts))


def first_day_changes(say: Say, first: Point) -> list[str]:
    """What changed on the day of the first advice, after it (nothing when it stayed)."""
    return [] if first.opened is None else differences(say, first.opened, first)


def last_change(say: Say, points: Sequence[Point], today: date) -> list[Span]:
    """The timeline's last change in one line, for the handout: "Sinds 12 maart: …"
    between the last two points, or "Sinds uw eerste advies op 12 maart: …" when the one
    point's day changed after its first advice; nothing when nothing changed yet."""
    if len(points) >= 2:
        return change_line(say, points[-2], points[-1], today)
    if points and (parts := first_day_changes(say, points[0])):
        day = short_date(say, points[0].day, today)
        return say("timeline_since_first", date=day, changes="; ".join(parts))
    return []


def subject_title(say: Say, subject: str) -> str:
    """A reflection's subject as the user knows it: the dilemma's title, or "your advice"."""
    dilemma = say.knowledge.dilemma(subject)
    if dilemma is not None:
        return say.plain(dilemma.title)
    return say.label("note_followup" if subject == "followup" else "note_general")


def _preview(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= PREVIEW_CHARS else flat[: PREVIEW_CHARS - 1].rstrip() + "…"


def _fits(parts: list[list[Span]], more: list[Span]) -> bool:
    used = sum(len(span.text) for part in parts for span in part) + 2 * len(parts)
    return used + len("".join(s.text for s in more)) + 80 <= MESSAGE_LIMIT


def timeline_screen(
    say: Say, points: Sequence[Point], reflections: Sequence[DatedReflection], today: date
) -> Reply:
    """Every change, newest first, then the reflections by dilemma (newest first within
    each), as much as fits in one message."""
    if not points:
        return Reply(tuple(say("timeline_none")), meta={"screen": "timeline"})
    parts = [say("timeline_intro", date=short_date(say, points[0].day, today))]
    changes = []
    if first := first_day_changes(say, points[0]):
        day = short_date(say, points[0].day, today)
        changes.append(say("timeline_first_changed", date=day, changes="; ".join(first)))
    for before, after in pairwise(points):
        line = say(
            "timeline_change_recheck" if after.kind == "recheck" else "timeline_change",
            date=short_date(say, after.day, today),
            changes="; ".join(differences(say, before, after)) or say.label("timeline_same"),
        )
        changes.append(line)
    if not changes:
        changes.append(say("timeline_one", date=short_date(say, points[0].day, today)))
    left_out = 0
    for line in reversed(changes):
        if _fits(parts, line):
            parts.append(line)
        else:
            left_out += 1
    by_subject: dict[str, list[DatedReflection]] = {}
    for reflection in sorted(reflections, key=lambda r: r.written, reverse=True):
        by_subject.setdefault(reflection.subject, []).append(reflection)
    if by_subject:
        parts.append(say("timeline_reflections"))
    for subject, items in by_subject.items():
        block = [Span(subject_title(say, subject), "bold")]
        for item in items:
            line = [
                Span("\n• "),
                *say(
                    "timeline_reflection",
                    date=short_date(say, item.written, today),
                    text=_preview(item.text),
                ),
            ]
            if not _fits([*parts, block], line):
                left_out += 1
                continue
            block += line
        if len(block) > 1:
            parts.append(block)
    if left_out:
        parts.append(say("timeline_left_out", count=left_out))
    rows = ((Button(say.label("btn_recheck_now"), action(TIMELINE_TAG, "recheck")),),)
    return Reply(tuple(join(parts, "\n\n")), rows, meta={"screen": "timeline"})
