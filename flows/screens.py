"""Every screen of the advisor as a pure function: knowledge and state in, a Reply out.

Texts come from the message catalogue and the knowledge base; nothing user-facing is
written here. Action ids are ``<flow version>:<tag>:<choice>`` (see :mod:`flows.actions`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from flows.actions import action
from flows.commands import COMMANDS as COMMAND_TABLE
from flows.definition import ADVICE_TAG, BROWSE_TAG, PRIVACY_TAG
from flows.replies import Button, Reply, Span, fill, join, parse_markup
from knowledge.engine import TOP_N, Advice
from knowledge.model import Dilemma, IntakeQuestion, Knowledge, Option, Text

BUTTONS_PER_ROW = 2
SHORT_LABEL = 18
"""Option labels up to this long share a row; longer ones get a row each."""


class Say:
    """Catalogue and knowledge texts in one language, as spans or plain labels."""

    def __init__(self, knowledge: Knowledge, lang: str) -> None:
        self.knowledge = knowledge
        self.lang = lang

    def __call__(self, key: str, **values: object) -> list[Span]:
        return fill(self.knowledge.message(key, self.lang), **values)

    def label(self, key: str, **values: object) -> str:
        return "".join(span.text for span in self(key, **values))

    def text(self, text: Text) -> list[Span]:
        return parse_markup(text.get(self.lang))

    def plain(self, text: Text) -> str:
        return "".join(span.text for span in parse_markup(text.get(self.lang)))


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


def keep_answer(say: Say, redacted: str | None) -> Reply:
    """The offer to keep an answer to ``/vraag`` as a reflection (client data replaced)."""
    text = say("answer_to_question")
    if redacted is not None:
        text = [*text, Span("\n\n"), *say("answer_to_question_redacted", redacted=redacted)]
    rows = ((Button(say.label("btn_keep_answer"), action(PRIVACY_TAG, "keepanswer")),),)
    return Reply(tuple(text), rows, meta={"screen": "keep_answer"})


def question_name(say: Say, question: IntakeQuestion) -> str:
    return say.plain(question.name) if question.name is not None else say.plain(question.text)


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
) -> Reply:
    """One intake question with its options, ``extra`` buttons (a row), back (when there
    is somewhere to go back to), skip and, if ``to_advice``, straight to the advice;
    ``number`` 0 for a follow-up question (asked only after some answers), which the count
    leaves out so that it stays put."""
    offered = question.options if offered is None else offered
    parts = [
        say("question_progress", number=number, total=total) if number else say("question_followup")
    ]
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
        rows.append((Button(say.label("btn_to_advice"), action(question.id, "_advice")),))
    meta = {"screen": "question", "question": question.id}
    if any(option.range is not None for option in question.options):
        # Typed digits answer this question as a count; a channel that numbers its
        # buttons (the terminal) says how to pick one instead.
        meta["count_hint"] = say.label("count_hint")
    return Reply(tuple(join(parts)), tuple(rows), meta=meta)


def answer_label(say: Say, question: IntakeQuestion, value: str | None) -> str:
    option = question.option(value) if value is not None else None
    return say.plain(option.label) if option is not None else say.label("answer_skipped")


def answer_lines(
    say: Say, asked: Sequence[IntakeQuestion], answers: Mapping[str, str]
) -> list[Span]:
    """One line per question asked: its short name and the answer (or "overgeslagen")."""
    return join(
        [
            say(
                "why_answer",
                question=question_name(say, q),
                answer=answer_label(say, q, answers.get(q.id)),
            )
            for q in asked
        ]
    )


def more(say: Say, result: Advice) -> Reply:
    """The dilemmas after the top three, then the way to browse all of them."""
    rest = result.ranked[TOP_N:]
    parts = [say("more_intro") if rest else say("more_none")]
    buttons = [
        Button(
            say.label("btn_dilemma", rank=rank, title=say.plain(s.dilemma.title)),
            action(ADVICE_TAG, "show", s.dilemma.id),
        )
        for rank, s in enumerate(rest, start=TOP_N + 1)
    ]
    rows = [(b,) for b in buttons]
    rows.append((Button(say.label("btn_browse"), action(BROWSE_TAG, "levels")),))
    rows.append((Button(say.label("btn_back_advice"), action(ADVICE_TAG, "advice")),))
    return Reply(tuple(join(parts)), tuple(rows), meta={"screen": "more"})


def profile(say: Say, asked: Sequence[IntakeQuestion], answers: Mapping[str, str]) -> Reply:
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
        tuple(join([say("profile_intro"), answer_lines(say, asked, answers)], "\n\n")),
        tuple(rows),
        meta={"screen": "profile"},
    )


def note_prompt(say: Say, dilemma: Dilemma | None) -> Reply:
    title = say.plain(dilemma.title) if dilemma else say.label("note_general")
    rows = [(Button(say.label("btn_cancel"), action(ADVICE_TAG, "advice")),)]
    return Reply(tuple(say("note_prompt", title=title)), tuple(rows), meta={"screen": "note"})


def levels(say: Say) -> Reply:
    """Browse: the four network levels."""
    k = say.knowledge
    buttons = [
        Button(say.plain(level.title), action(BROWSE_TAG, "level", level.id)) for level in k.levels
    ]
    rows = [(b,) for b in buttons]
    rows.append((Button(say.label("btn_resume"), action(BROWSE_TAG, "resume")),))
    return Reply(tuple(say("browse_intro")), tuple(rows), meta={"screen": "levels"})


def level(say: Say, level_id: str) -> Reply:
    """Browse: the dilemmas of one level."""
    k = say.knowledge
    found = next((lv for lv in k.levels if lv.id == level_id), None)
    title = say.plain(found.title) if found else level_id
    dilemmas = [d for d in k.dilemmas if d.level == level_id]
    lines = [
        [Span(say.plain(d.title), "bold"), Span("\n"), Span(say.plain(d.question), "italic")]
        for d in dilemmas
    ]
    rows = [(Button(say.plain(d.title), action(BROWSE_TAG, "show", d.id)),) for d in dilemmas]
    rows.append((Button(say.label("btn_levels"), action(BROWSE_TAG, "levels")),))
    text = join([say("browse_level", level=title), join(lines, "\n\n")], "\n\n")
    return Reply(tuple(text), tuple(rows), meta={"screen": "level"})


def text_matches(say: Say, matches: Sequence[tuple[Dilemma, Sequence[str]]]) -> Reply:
    """Dilemmas that a free-text description resembles, with the words that matched."""
    if not matches:
        return Reply(tuple(say("text_match_none")), meta={"screen": "text_matches"})
    lines = [
        [
            Span(say.plain(d.title), "bold"),
            Span(" "),
            *say("text_match_words", words=", ".join(words)),
        ]
        for d, words in matches
    ]
    rows = [(Button(say.plain(d.title), action(BROWSE_TAG, "show", d.id)),) for d, _ in matches]
    text = join([say("text_match_intro"), join(lines)], "\n\n")
    return Reply(tuple(text), tuple(rows), meta={"screen": "text_matches"})


def help_screen(say: Say, commands: Sequence[str]) -> Reply:
    """How the bot works, and one line per command the user may use (``cmd_<name>``)."""
    shown = {c.name: c.shown(say.lang) for c in COMMAND_TABLE}
    lines = [Span(f"\n/{shown.get(name, name)}: {say.label(f'cmd_{name}')}") for name in commands]
    return Reply((*say("help"), *lines), meta={"screen": "help"})


def notice(say: Say, key: str, **values: object) -> Reply:
    """A plain message from the catalogue, no buttons."""
    return Reply(tuple(say(key, **values)), meta={"screen": key})


def language_choice(say: Say) -> Reply:
    """The two languages to choose from."""
    rows = [
        (
            Button(say.label("language_nl"), action(BROWSE_TAG, "lang", "nl")),
            Button(say.label("language_en"), action(BROWSE_TAG, "lang", "en")),
        )
    ]
    return Reply(tuple(say("language_choose")), tuple(rows), meta={"screen": "language"})


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
