"""The advice's own screens besides the cards (:mod:`flows.advice.cards`): the dilemmas
after the top three, the note prompt, browsing the dilemmas by level, a description's
matches, and the offer to keep an answer to ``/vraag``."""

from __future__ import annotations

from collections.abc import Sequence

from flows.actions import action
from flows.definition import ADVICE_TAG, BROWSE_TAG, PRIVACY_TAG
from flows.replies import Button, Reply, Span, join
from flows.screens import Say, with_echo
from knowledge.engine import TOP_N, Advice
from knowledge.model import Dilemma

BROWSING_SCREENS = frozenset({"levels", "level", "browse", "text_matches"})
"""Screens of browsing the dilemmas (and a description's matches): they change no state,
and each leads back to where the user was."""


def keep_answer(say: Say, redacted: str | None) -> Reply:
    """The offer to keep an answer to ``/vraag`` as a reflection (client data replaced)."""
    text = say("answer_to_question")
    if redacted is not None:
        used = sum(len(span.text) for span in text) + 2
        echo = with_echo(say, "answer_to_question_redacted", "redacted", redacted, used)
        text = [*text, Span("\n\n"), *echo]
    rows = ((Button(say.label("btn_keep_answer"), action(PRIVACY_TAG, "keepanswer")),),)
    return Reply(tuple(text), rows, meta={"screen": "keep_answer"})


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
    """Dilemmas that a free-text description resembles, with the words that matched, and
    the way back to where the user was."""
    back = (Button(say.label("btn_resume"), action(BROWSE_TAG, "resume")),)
    if not matches:
        return Reply(tuple(say("text_match_none")), (back,), meta={"screen": "text_matches"})
    lines = [
        [
            Span(say.plain(d.title), "bold"),
            Span(" "),
            *say("text_match_words", words=", ".join(words)),
        ]
        for d, words in matches
    ]
    rows = [(Button(say.plain(d.title), action(BROWSE_TAG, "show", d.id)),) for d, _ in matches]
    rows.append(back)
    text = join([say("text_match_intro"), join(lines)], "\n\n")
    return Reply(tuple(text), tuple(rows), meta={"screen": "text_matches"})
