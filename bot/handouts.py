"""The handout service: the choice of reflections, and the PDF of the advice.

Applies :data:`flows.handout.effects.HandoutEffect` for the advisor service inside the
event's unit of work (it reads the reflections there); the PDF itself is drawn after the
unit, off the event loop (:attr:`flows.events.Outcome.deferred`), by :func:`render`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from bot.pdf import Metadata, Printer
from flows.events import Outcome
from flows.handout.content import Handout, PickedReflection, handout
from flows.handout.effects import ChooseHandout, HandoutEffect, MakeHandout
from flows.handout.screens import ReflectionItem, choose_screen, handout_reply
from flows.replies import Span
from flows.screens import Say
from knowledge.engine import Engine
from storage import Repository

INDENT = 5.0
"""Millimetres per indentation level."""


def render(content: Handout, created: date) -> bytes:
    """The handout as an A4 PDF."""
    meta = Metadata(content.title, content.lang, datetime.combine(created, time(12), UTC))
    printer = Printer(meta)
    printer.title(content.title)
    for note in content.notes:
        printer.note(note)
    printer.rule(2.0)
    for section in content.sections:
        printer.heading(section.heading)
        for block in section.blocks:
            printer.paragraph(block.spans, indent=block.level * INDENT, marker=block.marker)
    printer.rule(2.0)
    printer.note(content.footer)
    return printer.output()


def subject_title(say: Say, subject: str) -> str:
    """A reflection's subject as the user knows it: the dilemma's title, or "your advice"."""
    dilemma = say.knowledge.dilemma(subject)
    if dilemma is not None:
        return say.plain(dilemma.title)
    return say.label("note_followup" if subject == "followup" else "note_general")


class Handouts:
    """Applies the handout effects; ``today`` is the date in the bot's time zone."""

    def apply(
        self,
        repo: Repository,
        engine: Engine,
        user_id: int,
        outcome: Outcome,
        effect: HandoutEffect,
        now: datetime,
        zone: ZoneInfo,
        change: Sequence[Span] = (),
    ) -> None:
        say = Say(engine.knowledge, outcome.state.lang)
        today = now.astimezone(zone).date()
        reflections = repo.list_reflections(user_id)
        written = {r.id: r.created_at.astimezone(zone).date() for r in reflections}
        if isinstance(effect, ChooseHandout) and reflections:
            items = [
                ReflectionItem(r.id, subject_title(say, r.subject), written[r.id], r.text)
                for r in reflections
            ]
            outcome.replies.append(choose_screen(say, items, effect.picked, effect.name, today))
            outcome.edit = effect.toggle
            return
        picked = effect.picked if isinstance(effect, MakeHandout) else ()
        answers = outcome.state.answers
        profile = engine.effective_profile(answers)
        asked = [q for q in engine.knowledge.intake if q.ask_if(profile)]
        chosen = [
            PickedReflection(subject_title(say, r.subject), written[r.id], r.text)
            for r in reflections
            if r.id in picked
        ]
        content = handout(
            say,
            engine.advise(answers),
            asked,
            answers,
            today,
            reflections=chosen,
            name=effect.name,
            change=change,
        )
        outcome.deferred.append(
            lambda: [handout_reply(say, content.filename, render(content, today))]
        )
