"""What goes on the handout: the advice as a page of sections, in the user's language.

Pure: the advice, the answers, the reflections the user ticked and the date in; a
:class:`Handout` out, which ``bot.handouts`` draws as a PDF. Every text comes from the
catalogue or the knowledge base. Nothing identifies the user but a name they gave.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date

from flows.dates import long_date
from flows.meeting import MeetingQuestion, distinct_questions, meeting_question
from flows.replies import Span
from flows.screens import Say, answer_label, question_name
from knowledge.engine import Advice, ScoredDilemma
from knowledge.model import Contact, IntakeQuestion, ReflectionQuestion

QUESTIONS_PER_DILEMMA = 2
"""Reflection questions printed under each dilemma."""
MAX_CONTACTS = 3
MAX_REFLECTION_CHARS = 600
"""A ticked reflection longer than this is cut (with "…"): the handout stays on two pages."""


TRIMS = 4
"""How many steps of trimming a handout has (see :attr:`Block.trim`)."""


@dataclass(frozen=True, slots=True)
class Block:
    """A paragraph: ``marker`` (a bullet) hangs left of it; ``level`` indents it.
    ``trim``: 0 always printed; else left out, lowest first, when the page would run onto
    a second one (1 the last change, 2 a dilemma's second reflection question, 3 the
    concrete steps of dilemmas 2 and 3, 4 the further sources)."""

    spans: tuple[Span, ...]
    marker: str | None = None
    level: int = 0
    trim: int = 0


@dataclass(frozen=True, slots=True)
class Section:
    heading: str
    blocks: tuple[Block, ...]


@dataclass(frozen=True, slots=True)
class Handout:
    lang: str
    title: str
    notes: tuple[str, ...]
    """Small lines under the title: for whom (only a name the user gave), the dates."""
    sections: tuple[Section, ...]
    footer: str
    filename: str
    subject: str = ""
    """The PDF's Subject: what it is, with the knowledge version (not on the page)."""
    keywords: str = ""
    """The PDF's Keywords: the knowledge version alone, for a machine to read back."""


@dataclass(frozen=True, slots=True)
class PickedReflection:
    """A reflection the user ticked: its subject in words, when it was written, the text."""

    subject: str
    written: date
    text: str


def _block(
    spans: Sequence[Span], marker: str | None = None, level: int = 0, trim: int = 0
) -> Block:
    return Block(tuple(spans), marker, level, trim)


def trimmed(content: Handout, level: int) -> Handout:
    """``content`` without the blocks of trim ``level`` and below (a section left empty
    goes too): the same handout, predictably shorter."""
    sections = []
    for section in content.sections:
        blocks = tuple(b for b in section.blocks if not 0 < b.trim <= level)
        if blocks:
            sections.append(Section(section.heading, blocks))
    return replace(content, sections=tuple(sections))


def _network(say: Say, asked: Sequence[IntakeQuestion], answers: Mapping[str, str]) -> Section:
    blocks = [
        _block(
            say(
                "handout_answer",
                question=question_name(say, q),
                answer=answer_label(say, q, answers[q.id]),
            ),
            "•",
        )
        for q in asked
        if q.id in answers
    ]
    if not blocks:
        blocks = [_block(say("handout_no_answers"))]
    return Section(say.label("handout_network"), tuple(blocks))


def _dilemma(
    say: Say, rank: int, scored: ScoredDilemma, questions: Sequence[ReflectionQuestion]
) -> list[Block]:
    d = scored.dilemma
    blocks = [
        _block(say("handout_dilemma", rank=rank, title=say.plain(d.title))),
        _block(
            say("handout_poles", left=say.plain(d.poles[0]), right=say.plain(d.poles[1])),
            level=1,
        ),
        _block([Span(say.plain(d.question), "italic")], level=1),
    ]
    blocks += [
        _block([Span(say.plain(q.text))], "–", level=1, trim=2 if i else 0)
        for i, q in enumerate(questions)
    ]
    return blocks


def next_meeting_question(say: Say, advice: Advice) -> MeetingQuestion | None:
    """The question for the next meeting, the same one the advice in the chat names."""
    return meeting_question(say.knowledge, advice)


def _clipped(text: str) -> str:
    if len(text) <= MAX_REFLECTION_CHARS:
        return text
    return text[: MAX_REFLECTION_CHARS - 1].rstrip() + "…"


def _contact_line(say: Say, contact: Contact) -> Block:
    where = ", ".join(w for w in (contact.website, contact.email) if w)
    name = say.plain(contact.name)
    spans = say("handout_contact", name=name, where=where) if where else [Span(name, "bold")]
    return _block(spans, "•")


def _sources(say: Say, top: Sequence[ScoredDilemma]) -> Section | None:
    k = say.knowledge
    contacts = list({c.id: c for s in top for c in s.contacts}.values())[:MAX_CONTACTS]
    shown = {c.id for c in contacts}
    source_ids = dict.fromkeys(src for s in top for src in s.dilemma.sources)
    sources = [k.contacts[i] for i in source_ids if i in k.contacts and i not in shown]
    blocks = [_contact_line(say, c) for c in contacts]
    if sources:
        names = "; ".join(say.plain(c.name) for c in sources)
        blocks.append(_block(say("handout_further", sources=names), trim=4))
    return Section(say.label("handout_sources"), tuple(blocks)) if blocks else None


def handout(
    say: Say,
    advice: Advice,
    asked: Sequence[IntakeQuestion],
    answers: Mapping[str, str],
    today: date,
    *,
    reflections: Sequence[PickedReflection] = (),
    name: str | None = None,
    change: Sequence[Span] = (),
    answered: date | None = None,
) -> Handout:
    """The handout of ``advice``: network, dilemmas, the ticked reflections, a question for
    the next meeting, the leadership action, the last change, sources and contacts.
    ``answered``: the day the answers were given (when it is not ``today``); the
    knowledge version goes in the PDF's metadata, not on the page."""
    top = advice.top()
    sections = [_network(say, asked, answers)]
    if top:
        # A question printed under a higher-ranked dilemma is not printed again.
        picked = distinct_questions(top, QUESTIONS_PER_DILEMMA)
        blocks = [
            b
            for rank, (s, qs) in enumerate(zip(top, picked, strict=True), start=1)
            for b in _dilemma(say, rank, s, qs)
        ]
        sections.append(Section(say.label("handout_dilemmas"), tuple(blocks)))
    else:
        sections.append(Section(say.label("handout_dilemmas"), (_block(say("advice_none")),)))
    if reflections:
        items = [
            _block(
                say(
                    "handout_reflection",
                    date=long_date(say, r.written),
                    subject=r.subject,
                    text=_clipped(r.text),
                ),
                "•",
            )
            for r in reflections
        ]
        sections.append(Section(say.label("handout_reflections"), tuple(items)))
    question = next_meeting_question(say, advice)
    if question is not None:
        sections.append(
            Section(say.label("handout_next_meeting"), (_block(say.text(question.text)),))
        )
    # Each dilemma's own action with its step for this month, as its screen in the chat
    # gives it: the step fits the dilemma the user's answers raised (not the leaflet's
    # general text, which speaks to whoever gives the mandate).
    steps = [
        _block(
            [
                *say("handout_step", rank=rank, action=say.plain(s.actions[0].title)),
                Span(" "),
                *say.text(s.dilemma.steps.get(s.actions[0].id, s.actions[0].text)),
            ],
            trim=3 if rank > 1 else 0,
        )
        for rank, s in enumerate(top, start=1)
        if s.actions
    ]
    if steps:
        sections.append(Section(say.label("handout_action"), tuple(steps)))
    if change:
        sections.append(Section(say.label("handout_change"), (_block(change, trim=1),)))
    if (sources := _sources(say, top)) is not None:
        sections.append(sources)
    notes = [say.label("handout_for", name=name)] if name else []
    if answered is None or answered == today:
        notes.append(say.label("handout_made", date=long_date(say, today)))
    else:
        made = long_date(say, today)
        notes.append(
            say.label("handout_made_answered", date=made, answered=long_date(say, answered))
        )
    return Handout(
        lang=say.lang,
        title=say.label("handout_title"),
        subject=say.label("handout_subject", version=say.knowledge.version),
        keywords=say.knowledge.version,
        notes=tuple(notes),
        sections=tuple(sections),
        footer=say.label("handout_footer"),
        filename=say.label("handout_filename"),
    )
