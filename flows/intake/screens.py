"""The intake's screens: a question with its options, the user's answers to change, the
confirmation before starting over, and the button that waits after a coordinator's detour."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence

from flows.actions import action
from flows.definition import ADVICE_TAG, BROWSE_TAG
from flows.replies import Button, Reply, Span, join
from flows.screens import Say, answer_label, question_name
from knowledge.model import IntakeQuestion, Option

BUTTONS_PER_ROW = 2
SHORT_LABEL = 18
"""Option labels up to this long share a row; longer ones get a row each."""


def _rows(buttons: Sequence[Button]) -> list[tuple[Button, ...]]:
    """Short buttons two to a row, long ones alone: readable on a phone."""
    rows: list[tuple[Button, ...]] = []
    pending: list[Button] = []
    for button in buttons:
        if len(button.label) > SHORT_LABEL:
            if pending:
                rows.append(tuple(pending))
                pending = []
            rows.append((button,))
            continue
        pending.append(button)
        if len(pending) == BUTTONS_PER_ROW:
            rows.append(tuple(pending))
            pending = []
    if pending:
        rows.append(tuple(pending))
    return rows


def question(
    say: Say,
    question: IntakeQuestion,
    number: int,
    total: int,
    current: str | None,
    offered: Sequence[Option] | None = None,
    extra: Sequence[Button] = (),
    back: bool = True,
    to_advice: bool = False,
    deepening: bool = False,
) -> Reply:
    """One intake question with its options, ``extra`` buttons (a row), back (when there
    is somewhere to go back to), skip and, if ``to_advice``, straight to the advice;
    ``number`` 0 for a follow-up question (asked only after some answers), which the count
    leaves out so that it stays put; a ``deepening`` question is optional and counted
    apart, the first one saying that the numbered questions are done."""
    offered = question.options if offered is None else offered
    if not number:
        parts = [say("question_followup")]
    elif deepening:
        parts = [say("question_deepening", number=number, total=total)]
        if number == 1:
            parts.append(say("question_deepening_intro"))
    else:
        parts = [say("question_progress", number=number, total=total)]
    parts.append([Span(say.plain(question.text), "bold")])
    if question.help is not None:
        parts.append(say.text(question.help))
    options = [
        Button(
            say.label("current_mark", label=say.plain(option.label))
            if option.id == current
            else say.plain(option.label),
            action(question.id, option.id),
        )
        for option in offered
    ]
    rows = _rows(options)
    if extra:
        rows.append(tuple(extra))
    skip = Button(say.label("btn_skip"), action(question.id, "_skip"))
    rows.append(
        (Button(say.label("btn_back"), action(question.id, "_back")), skip) if back else (skip,)
    )
    if to_advice:
        # The optional questions after the core ones sharpen the advice; nobody has to
        # answer them all.
        rows.append((Button(say.label("btn_to_advice"), action(question.id, "_advice")),))
    meta = {"screen": "question", "question": question.id}
    if any(option.range is not None for option in question.options):
        # Typed digits answer this question as a count; a channel that numbers its
        # buttons (the terminal) says how to pick one instead.
        meta["count_hint"] = say.label("count_hint")
    return Reply(tuple(join(parts)), tuple(rows), meta=meta)


def answer_lines(
    say: Say,
    asked: Sequence[IntakeQuestion],
    answers: Mapping[str, str],
    skipped: Collection[str],
    counting: Mapping[str, str] | None = None,
) -> list[Span]:
    """One line per question that applies: its short name and the answer, "overgeslagen"
    if the user skipped it, or "nog niet beantwoord" if it was never asked (the user
    went to the advice before it). An answer that no longer counts (not in ``counting``,
    the answers that count: its option does not fit the other answers any more) says so,
    rather than passing for an answer or a skip."""

    def shown(q: IntakeQuestion) -> str:
        value = answers.get(q.id)
        if q.id not in answers and q.id not in skipped:
            return say.label("answer_not_yet")
        known = value is not None and q.option(value) is not None
        if known and counting is not None and counting.get(q.id) != value:
            return say.label("answer_dropped", answer=answer_label(say, q, value))
        return answer_label(say, q, value)

    return join([say("why_answer", question=question_name(say, q), answer=shown(q)) for q in asked])


def profile(
    say: Say,
    asked: Sequence[IntakeQuestion],
    answers: Mapping[str, str],
    skipped: Collection[str] = (),
    counting: Mapping[str, str] | None = None,
) -> Reply:
    """The user's answers, each with a button to change it."""
    buttons = [
        Button(
            say.label("btn_change", question=question_name(say, q)),
            action(ADVICE_TAG, "edit", q.id),
        )
        for q in asked
    ]
    rows = _rows(buttons)
    rows.append((Button(say.label("btn_back_advice"), action(ADVICE_TAG, "advice")),))
    return Reply(
        tuple(
            join(
                [say("profile_intro"), answer_lines(say, asked, answers, skipped, counting)], "\n\n"
            )
        ),
        tuple(rows),
        meta={"screen": "profile"},
    )


def restart_confirm(say: Say) -> Reply:
    """Starting over wipes the answers: yes, or back to where the user was."""
    rows = (
        (Button(say.label("btn_restart_yes"), action(BROWSE_TAG, "restart")),),
        (Button(say.label("btn_restart_no"), action(BROWSE_TAG, "resume")),),
    )
    return Reply(tuple(say("restart_confirm")), rows, meta={"screen": "restart"})


def resume_intake(say: Say) -> Reply:
    """After a coordinator's detour, the intake waits behind one button (not its question)."""
    rows = ((Button(say.label("btn_resume_intake"), action(BROWSE_TAG, "resume")),),)
    return Reply(tuple(say("resume_intake")), rows, meta={"screen": "resume_intake"})
