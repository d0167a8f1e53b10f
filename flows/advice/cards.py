"""The advice screens for a phone: each message at most 1,200 characters, nothing said twice
on one screen, no internal ids or scores.

The advice lists the best dilemmas briefly, the one contact once, and one question for the
next meeting. A dilemma opens on its central question and what to do this month; its questions, why
it fits the user, and its contact and sources are one button away each. "Waarom" speaks of
the user's answers: each reason once, however many dilemmas it raised.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING

from flows.actions import action
from flows.definition import ADVICE_TAG, BROWSE_TAG, HANDOUT_TAG
from flows.meeting import distinct_actions, distinct_questions, meeting_question
from flows.replies import SCREEN_LIMIT, Button, Reply, Span, join
from knowledge.engine import Advice, Reason, ScoredDilemma
from knowledge.model import Action, Contact, Dilemma, IntakeQuestion, ReflectionQuestion

if TYPE_CHECKING:
    from flows.screens import Say

PAGES = ("questions", "reasons", "refs")
"""The pages of a dilemma besides its first: reflection questions, why it fits, contact
and sources."""


def _fits(parts: list[list[Span]], extra: list[Span], limit: int = SCREEN_LIMIT) -> bool:
    used = sum(len(s.text) for part in parts for s in part) + 2 * len(parts)
    return used + len(extra) + sum(len(s.text) for s in extra) <= limit


def _bullets(
    say: Say, head: list[Span], items: Sequence[list[Span]], budget: int
) -> tuple[list[Span], int]:
    """``head`` and as many bullet items as fit in ``budget`` characters; how many fitted."""
    spans = list(head)
    used = sum(len(s.text) for s in spans)
    shown = 0
    for item in items:
        size = 3 + sum(len(s.text) for s in item)
        if used + size > budget:
            break
        spans += [Span("\n• "), *item]
        used += size
        shown += 1
    return spans, shown


def contact_line(say: Say, contact: Contact) -> list[Span]:
    """One contact with the ways to reach it the seeds give."""
    ways = [w for w in (contact.website, contact.email) if w]
    return say("contact_line", name=say.plain(contact.name), ways=" · ".join(ways))


def _step(say: Say, dilemma: Dilemma, act: Action) -> list[Span]:
    step = dilemma.steps.get(act.id)
    return [
        *say("detail_action", title=say.plain(act.title)),
        Span("\n"),
        *say.text(step if step is not None else act.text),
    ]


def advice(
    say: Say, result: Advice, room: int = SCREEN_LIMIT, left: int = 0, optional: bool = False
) -> Reply:
    """The best-fitting dilemmas, one contact line, and a question for the next meeting, in
    at most ``room`` characters where the optional parts can make it so; ``left``: intake
    questions still open (a button goes on with them), ``optional`` when they are only the
    optional deepening ones."""
    top = result.top()
    parts: list[list[Span]] = []
    if not top:
        parts.append(say("advice_none"))
    elif result.profile:
        parts.append(say("advice_intro", count=len(top)))
    else:
        parts.append(say("advice_intro_unanswered", count=len(top)))
    questions = distinct_questions(top)
    actions = distinct_actions(top)
    items: list[tuple[list[Span], list[Span], list[Span]]] = []
    for rank, scored in enumerate(top, start=1):
        d = scored.dilemma
        # The title names both poles ("Inclusief versus efficiënt"): no line repeats them.
        item = say("advice_item", rank=rank, title=say.plain(d.title))
        item += [Span("\n"), Span(say.plain(d.question), "italic")]
        reflect: list[Span] = []
        for question in questions[rank - 1]:
            reflect += [Span("\n"), *say("advice_reflect", question=say.plain(question.text))]
        act = actions[rank - 1]
        tail = [Span("\n"), *say("advice_action", action=say.plain(act.title))] if act else []
        # All its actions named above: say where, so all three read the same.
        above = [i for i, a in enumerate(actions[: rank - 1], 1) if a in scored.actions]
        if act is None and above:
            tail = [Span("\n"), *say("advice_action_above", rank=above[0])]
        items.append((item, reflect, tail))
    # The contact pointer is always there (the DESIGN promises it with the advice), and so
    # is the question for the next meeting where it can be; what gives way when a lead
    # ("Genoteerd: …") takes room: the reflection questions, from the last dilemma up,
    # then the meeting question.
    contacts = list(dict.fromkeys(c for s in top for c in s.contacts))
    ending = [contact_line(say, contacts[0])] if contacts else []
    meeting = meeting_question(say.knowledge, result)
    closing = [say("advice_meeting", question=say.plain(meeting.text))] if meeting else []
    keep = [True] * len(items)

    def body() -> list[list[Span]]:
        return parts + [
            item + (reflect if kept else []) + tail
            for (item, reflect, tail), kept in zip(items, keep, strict=True)
        ]

    # Only a lead sheds reflection lines: content too long for a screen of its own stays
    # visible to `check`, which renders the advice without one.
    for index in reversed(range(len(items)) if room < SCREEN_LIMIT else ()):
        if _fits(body() + closing + ending, [], room):
            break
        keep[index] = False
    if not _fits(body() + closing + ending, [], room):
        closing = []
    parts = body() + closing + ending
    return Reply(
        tuple(join(parts, "\n\n")),
        tuple(_advice_buttons(say, top, left, optional)),
        meta={"screen": "advice"},
    )


def _advice_buttons(
    say: Say, top: Sequence[ScoredDilemma], left: int = 0, optional: bool = False
) -> list[tuple[Button, ...]]:
    rows: list[tuple[Button, ...]] = [
        (
            Button(
                say.label("btn_dilemma", rank=rank, title=say.plain(s.dilemma.title)),
                action(ADVICE_TAG, "show", s.dilemma.id),
            ),
        )
        for rank, s in enumerate(top, start=1)
    ]
    if left:
        key = "btn_continue_deepening" if optional else "btn_continue_intake"
        label = say.label(key, count=left)
        rows.append((Button(label, action(ADVICE_TAG, "continue")),))
    rows.append((Button(say.label("btn_why"), action(ADVICE_TAG, "why")),))
    if top:
        rows.append((Button(say.label("btn_handout"), action(HANDOUT_TAG, "start")),))
    rows.append(
        (
            Button(say.label("btn_more"), action(ADVICE_TAG, "more")),
            Button(say.label("btn_edit"), action(ADVICE_TAG, "edit")),
        )
    )
    rows.append(
        (
            Button(say.label("btn_remind"), action(ADVICE_TAG, "remind")),
            Button(say.label("btn_restart"), action(ADVICE_TAG, "restart")),
        )
    )
    return rows


class DilemmaView:
    """What a dilemma shows: personal (from the advice) or general (browsing)."""

    def __init__(self, say: Say, dilemma: Dilemma, scored: ScoredDilemma | None) -> None:
        k = say.knowledge
        self.dilemma = dilemma
        self.scored = scored
        self.questions: tuple[ReflectionQuestion, ...] = (
            scored.questions
            if scored
            else tuple(
                k.questions[q]
                for q in dilemma.questions
                if q in k.questions and k.questions[q].ask_if is None
            )
        )
        self.actions: tuple[Action, ...] = (
            scored.actions
            if scored
            else tuple(k.actions[a] for a in dilemma.actions if a in k.actions)
        )
        self.contacts: tuple[Contact, ...] = (
            scored.contacts
            if scored
            else tuple(k.contacts[c] for c in dilemma.contacts if c in k.contacts)
        )
        self.sources: tuple[Contact, ...] = (
            scored.sources
            if scored
            else tuple(k.contacts[c] for c in dilemma.sources if c in k.contacts)
        )
        self.reasons: tuple[Reason, ...] = scored.reasons if scored else ()


def _head(say: Say, dilemma: Dilemma) -> list[Span]:
    level = next((lv for lv in say.knowledge.levels if lv.id == dilemma.level), None)
    return [Span(say.plain(dilemma.title), "bold")] + (
        [Span("\n"), *say("detail_level", level=say.plain(level.title))] if level else []
    )


def dilemma_page(say: Say, view: DilemmaView, page: str, room: int = SCREEN_LIMIT) -> list[Span]:
    """One page of a dilemma as spans, in ``room`` characters; the first page for an
    unknown ``page``."""
    d = view.dilemma
    parts = [_head(say, d)]
    if page == "questions":
        head = say("detail_questions")
        spans, _ = _bullets(say, head, [say.text(q.text) for q in view.questions], room - 120)
        parts.append(spans)
    elif page == "reasons":
        spans, _ = _bullets(
            say, say("detail_reasons"), [say.text(r.because) for r in view.reasons], room - 200
        )
        parts.append(spans)
    elif page == "refs":
        for contact in view.contacts:
            parts.append([*contact_line(say, contact), Span("\n"), *say.text(contact.when)])
        spans, _ = _bullets(
            say,
            say("detail_sources"),
            [[Span(say.plain(s.name))] for s in view.sources],
            room - 500,
        )
        parts.append(spans)
    else:
        parts.append([Span(say.plain(d.question), "italic")])
        parts.append(say.text(d.explanation))
        if view.actions:
            step = _step(say, d, view.actions[0])
            if _fits(parts, step, room):
                parts.append(step)
    return join(parts, "\n\n")


def _page_buttons(
    say: Say, view: DilemmaView, page: str, to_page: Callable[[str], str]
) -> list[Button]:
    labels = {
        "questions": "btn_page_questions",
        "reasons": "btn_page_reasons",
        "refs": "btn_page_refs",
    }
    shown = [p for p in PAGES if p != page and (p != "reasons" or view.reasons)]
    buttons = [Button(say.label(labels[p]), to_page(p)) for p in shown]
    if page in PAGES:
        buttons.insert(0, Button(say.label("btn_page_main"), to_page("main")))
    return buttons


def detail(
    say: Say,
    dilemma: Dilemma,
    scored: ScoredDilemma | None,
    page: str = "main",
    room: int = SCREEN_LIMIT,
) -> Reply:
    """One page of a dilemma from the advice in ``room`` characters, with what the user can
    do next."""
    view = DilemmaView(say, dilemma, scored)
    pages = _page_buttons(say, view, page, lambda p: action(ADVICE_TAG, "show", dilemma.id, p))
    rows: list[tuple[Button, ...]] = [tuple(pages[i : i + 2]) for i in range(0, len(pages), 2)]
    rows += [
        (Button(say.label("btn_note"), action(ADVICE_TAG, "note", dilemma.id)),),
        (
            Button(say.label("btn_remind"), action(ADVICE_TAG, "remind", dilemma.id)),
            Button(say.label("btn_back_advice"), action(ADVICE_TAG, "advice")),
        ),
    ]
    return Reply(tuple(dilemma_page(say, view, page, room)), tuple(rows), meta={"screen": "detail"})


def browse_detail(say: Say, dilemma: Dilemma, page: str = "main") -> Reply:
    """Browse: one page of a dilemma without personal reasons."""
    view = DilemmaView(say, dilemma, None)
    pages = _page_buttons(say, view, page, lambda p: action(BROWSE_TAG, "show", dilemma.id, p))
    rows: list[tuple[Button, ...]] = [tuple(pages[i : i + 2]) for i in range(0, len(pages), 2)]
    rows += [
        (Button(say.label("btn_levels"), action(BROWSE_TAG, "level", dilemma.level)),),
        (Button(say.label("btn_resume"), action(BROWSE_TAG, "resume")),),
    ]
    return Reply(tuple(dilemma_page(say, view, page)), tuple(rows), meta={"screen": "browse"})


def why(
    say: Say,
    result: Advice,
    answer_lines: list[Span],
    room: int = SCREEN_LIMIT,
) -> Reply:
    """The user's answers, then why each dilemma fits: every reason once, under the first
    dilemma it raised; each dilemma's strongest reason always on screen (under it, or named
    by the dilemma above that shows it); then more reasons turn by turn while they fit and
    restate no answer another reason on screen states."""
    intro = [say("why_intro") if result.profile else say("why_intro_unanswered"), answer_lines]
    top = result.top()
    # A reason stands under the first dilemma it raised, so a back-reference points up.
    first: dict[str, int] = {}
    for index, scored in enumerate(top):
        for reason in scored.reasons:
            first.setdefault(reason.rule, index)
    shown: list[list[Reason]] = [[] for _ in top]
    home: dict[str, int] = {}

    def show(reason: Reason) -> None:
        index = first[reason.rule]
        shown[index].append(reason)
        home[reason.rule] = index

    for scored in top:
        if scored.reasons and scored.reasons[0].rule not in home:
            show(scored.reasons[0])
    # Rendered once: the fitting below tries many combinations of the same pieces.
    heads = [
        say("why_item", rank=rank, title=say.plain(scored.dilemma.title))
        for rank, scored in enumerate(top, 1)
    ]
    bullets = {
        r.rule: [Span("\n• "), *say.text(r.because)] for scored in top for r in scored.reasons
    }
    conjunction = say.label("word_and")

    def ranks_of(index: int, homes: Mapping[str, int]) -> str:
        ranks = sorted(
            {homes[r.rule] + 1 for r in top[index].reasons if homes.get(r.rule, index) < index}
        )
        words = [str(rank) for rank in ranks]
        return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} {conjunction} {words[-1]}"

    def parts_with(
        chosen: list[list[Reason]], homes: Mapping[str, int], more: bool = True
    ) -> list[list[Span]]:
        parts = list(intro)
        for index, (head, scored, reasons) in enumerate(zip(heads, top, chosen, strict=True)):
            spans = list(head)
            order = {r.rule: i for i, r in enumerate(scored.reasons)}
            for reason in sorted(reasons, key=lambda r: order[r.rule]):
                spans += bullets[reason.rule]
            ranks = (
                ranks_of(index, homes)
                if any(homes.get(r.rule, index) < index for r in scored.reasons)
                else ""
            )
            if ranks:
                key = "why_also" if reasons else "why_same"
                spans += [Span("\n"), *say(key, ranks=ranks)]
            parts.append(spans)
        if more and any(r.rule not in homes for scored in top for r in scored.reasons):
            # Once, not under each dilemma: nothing is said twice on one screen.
            parts.append(say("why_more"))
        return parts

    if answer_lines and not _fits(parts_with(shown, home), [], room):
        # Many answers and long reasons: the answers are one command away, the reasons
        # are what this screen is for (and the whole must fit a phone's screen).
        # The intro then leads to no list of answers: it ends without a colon.
        opening = say("why_intro_elsewhere") if result.profile else intro[0]
        intro = [opening, say("why_answers_elsewhere")]
    # Each reason restates the answers its rule reads; a further reason that would restate
    # one already on screen waits behind "Meer redenen" (each fact once).
    facts = {r.id: r.when.dims for r in say.knowledge.rules}

    def restates(reason: Reason) -> bool:
        stated = frozenset().union(*(facts.get(rule, frozenset()) for rule in home))
        return bool(facts.get(reason.rule, frozenset()) & stated)

    # Turn by turn: each dilemma its next reason that fits before any dilemma its third.
    for _turn in range(max((len(s.reasons) for s in top), default=0)):
        for index, scored in enumerate(top):
            for reason in scored.reasons:
                if reason.rule in home or first[reason.rule] != index or restates(reason):
                    continue
                tried = [list(chosen) for chosen in shown]
                tried[index].append(reason)
                if _fits(parts_with(tried, {**home, reason.rule: index}), [], room):
                    show(reason)
                    break
    # The strongest reasons come first; the hint to the other reasons and the footer only
    # where they still fit.
    parts = parts_with(shown, home, more=False)
    for key in ("why_more", "why_footer"):
        if key == "why_more" and all(r.rule in home for s in top for r in s.reasons):
            continue
        extra = say(key)
        if _fits(parts, extra, room):
            parts.append(extra)
    rows = [
        (
            Button(say.label("btn_back_advice"), action(ADVICE_TAG, "advice")),
            Button(say.label("btn_edit"), action(ADVICE_TAG, "edit")),
        )
    ]
    return Reply(tuple(join(parts, "\n\n")), tuple(rows), meta={"screen": "why"})


def answered_lines(
    say: Say,
    asked: Sequence[IntakeQuestion],
    answers: Mapping[str, str],
    label: Callable[[IntakeQuestion, str | None], str],
    name: Callable[[IntakeQuestion], str],
) -> list[Span]:
    """The answers given, one line each; skipped questions summed up in one line."""
    given = [q for q in asked if answers.get(q.id) is not None]
    lines = [say("why_answer", question=name(q), answer=label(q, answers.get(q.id))) for q in given]
    skipped = len(asked) - len(given)
    if skipped:
        lines.append(say("why_skipped_one") if skipped == 1 else say("why_skipped", count=skipped))
    return join(lines)
