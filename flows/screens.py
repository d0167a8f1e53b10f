"""What every feature's screens share: :class:`Say` (the texts in the user's language),
the names of an intake question and its answer, and the screens of the conversation
itself (a notice, ``/help``, the choice of language).

Each feature's own screens are pure functions in ``flows/<feature>/screens.py``
(knowledge and values in, a :class:`~flows.replies.Reply` out). Texts come from the
message catalogue and the knowledge base; nothing user-facing is written here. Action ids
are ``<flow version>:<tag>:<choice>`` (see :mod:`flows.actions`).
"""

from __future__ import annotations

from collections.abc import Sequence

from flows.actions import action
from flows.commands import COMMANDS as COMMAND_TABLE
from flows.definition import BROWSE_TAG
from flows.replies import SCREEN_LIMIT, Button, Reply, Span, excerpt, fill, parse_markup
from knowledge.model import IntakeQuestion, Knowledge, Text


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


def with_echo(
    say: Say, key: str, field: str, text: str, used: int = 0, **values: object
) -> list[Span]:
    """The message ``key`` with the user's own ``text`` in ``{field}``, cut short with "…"
    (:func:`~flows.replies.excerpt`) so that it fits one screen after the ``used``
    characters before it in the same reply. Escaped as every value is, by the channel."""
    room = SCREEN_LIMIT - used - len(say.label(key, **{field: ""}, **values))
    return say(key, **{field: excerpt(text, max(room, 2))}, **values)


def fitting(say: Say, lines: Sequence[Sequence[Span]], used: int, more_key: str) -> int:
    """How many of ``lines`` (one per line) fit one screen after the ``used`` characters
    before them, leaving room for the line ``more_key`` (``{more}``: how many are left
    out) below them; at least one."""
    room = SCREEN_LIMIT - used - len(say.label(more_key, more=len(lines))) - 1
    count = 0
    for line in lines:
        room -= sum(len(span.text) for span in line) + 1
        if count and room < 0:
            break
        count += 1
    return count


def question_name(say: Say, question: IntakeQuestion) -> str:
    return say.plain(question.name) if question.name is not None else say.plain(question.text)


def answer_label(say: Say, question: IntakeQuestion, value: str | None) -> str:
    option = question.option(value) if value is not None else None
    return say.plain(option.label) if option is not None else say.label("answer_skipped")


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
