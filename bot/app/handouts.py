"""The handout service: the choice of reflections, and the PDF of the advice.

Applies :data:`flows.handout.effects.HandoutEffect` inside the event's unit of work (it
reads the reflections and the timeline there); the PDF itself is drawn after the unit,
off the event loop (:attr:`bot.app.context.Visitor.deferred`), by :func:`render`.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time

from bot.app.context import Visitor
from bot.app.pdf import Metadata, Printer
from bot.app.timeline import Timelines
from flows.handout.content import TRIMS, Handout, PickedReflection, handout, trimmed
from flows.handout.effects import ChooseHandout, HandoutEffect, MakeHandout
from flows.handout.screens import ReflectionItem, choose_screen, handout_reply
from flows.timeline.content import last_change, subject_title
from knowledge.engine import Engine

INDENT = 5.0
"""Millimetres per indentation level."""
LINE_CHARS = 95
"""Fewer characters than a line of body text holds: estimates of saved room err generous."""


def render(content: Handout, created: date) -> bytes:
    """The handout as one A4 PDF page, fitted by measuring: as it is; else set a little
    tighter; else, set tighter, with the optional parts left out one trim step at a time
    (:attr:`flows.handout.content.Block.trim`). Only ticked reflections too long for any
    of that give a second page."""
    meta = Metadata(
        content.title,
        content.lang,
        datetime.combine(created, time(12), UTC),
        subject=content.subject,
        keywords=content.keywords,
    )
    printer = _draw(content, meta, compact=False)
    if printer.spill > printer.compact_gain + _trimmable(content, printer.LEADING):
        return printer.output()  # past any draft's reach (long reflections): no drafts
    for level in range(TRIMS + 1):
        if printer.pages == 1:
            break
        tighter = _draw(trimmed(content, level), meta, compact=True)
        printer.discard()
        printer = tighter
    return printer.output()


def _trimmable(content: Handout, leading: float) -> float:
    """About how much (mm, generously) leaving out every optional block saves."""
    blocks = [b for s in content.sections for b in s.blocks if b.trim]
    chars = sum(len(span.text) for b in blocks for span in b.spans)
    return (chars / LINE_CHARS + 1.2 * len(blocks)) * leading


def _draw(content: Handout, meta: Metadata, *, compact: bool) -> Printer:
    printer = Printer(meta, compact=compact)
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
    return printer


class Handouts:
    """Applies the handout effects; days are those of the timeline's time zone."""

    def __init__(self, timelines: Timelines) -> None:
        self.timelines = timelines

    def apply(self, v: Visitor, effect: HandoutEffect) -> None:
        say, today = v.say, self.timelines.today(v.now)
        reflections = v.repo.list_reflections(v.user_id)
        written = {r.id: self.timelines.today(r.created_at) for r in reflections}
        if isinstance(effect, ChooseHandout) and reflections:
            items = [
                ReflectionItem(r.id, subject_title(say, r.subject), written[r.id], r.text)
                for r in reflections
            ]
            v.show(choose_screen(say, items, effect.picked, effect.name, today))
            v.edit = v.edit or effect.toggle
            return
        picked = effect.picked if isinstance(effect, MakeHandout) else ()
        engine = Engine(v.knowledge)
        profile = engine.effective_profile(effect.answers)
        advice = engine.advise(effect.answers)
        points = self.timelines.points(v)
        latest = points[-1] if points else None
        same = latest is not None and latest.answers == {
            k: str(x) for k, x in advice.profile.items()
        }
        content = handout(
            say,
            advice,
            [q for q in v.knowledge.intake if q.ask_if(profile)],
            profile,  # an answer that no longer counts is not printed as one
            today,
            reflections=[
                PickedReflection(subject_title(say, r.subject), written[r.id], r.text)
                for r in reflections
                if r.id in picked
            ],
            name=effect.name,
            change=last_change(say, points, today),
            answered=latest.day if same and latest is not None else None,
        )
        v.deferred.append(lambda: [handout_reply(say, content.filename, render(content, today))])
