"""Channel-neutral replies: text as styled spans, button rows with action ids, an image.

Catalogue and knowledge texts may use ``**bold**`` and ``_italic_``; the markup is parsed
*before* values are filled in, so nothing a user typed can ever become markup. Channels
render spans: Telegram as escaped HTML, the terminal as plain text.
"""

from __future__ import annotations

import dataclasses
import functools
import re
import string
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal

Style = Literal["plain", "bold", "italic"]

_MARKUP = re.compile(r"\*\*(.+?)\*\*|(?<![\w*])_(?!_)(.+?)(?<!_)_(?!\w)", re.DOTALL)


@dataclass(frozen=True, slots=True)
class Span:
    text: str
    style: Style = "plain"


@dataclass(frozen=True, slots=True)
class Button:
    label: str
    action: str


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file to send with the reply: ``kind`` photo or document. ``caption``: the reply's
    text goes with the file as its caption (when it fits), not as a message after it (the
    file would otherwise arrive before the text that explains it)."""

    kind: Literal["photo", "document"]
    name: str
    data: bytes
    caption: bool = True


@dataclass(frozen=True)
class Reply:
    spans: tuple[Span, ...]
    buttons: tuple[tuple[Button, ...], ...] = ()
    attachment: Attachment | None = None
    meta: dict[str, str] = field(default_factory=dict, compare=False)

    @property
    def plain(self) -> str:
        """The text without styling: what a user reads, and what Telegram counts."""
        return "".join(span.text for span in self.spans)

    @property
    def actions(self) -> list[str]:
        """Every action id on the reply's buttons."""
        return [button.action for row in self.buttons for button in row]


Screen = Reply | Callable[[int], Reply]
"""A reply, or a screen that fits itself into the number of characters it is given."""

LEAD_GAP = "\n\n"
APART = "apart"
"""A key of :attr:`Reply.meta`: the reply stays a message of its own, never combined with
the one before or after it (a sample of a message as members will receive it)."""
LAST = "last"
"""A key of :attr:`Reply.meta`: the reply comes after whatever the event's effects answer
(the timeline after ``/verloop``, a share offer, a PDF): it is the screen the user goes on
from, such as the question they were at. See :func:`in_order`."""
SCREEN_LIMIT = 1200
"""The most characters one message may have: what a phone shows without endless scrolling."""
ECHO_LIMIT = 200
"""Characters of a user's own text quoted back in a confirmation: a reflection may be 2,000
characters, and quoting it whole would push the confirmation past a phone screen."""


def excerpt(text: str, limit: int = ECHO_LIMIT) -> str:
    """``text`` as quoted back to its writer: whole when short, else its start and "…"."""
    text = text.strip()
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    return (cut[:space] if space > limit // 2 else cut).rstrip() + "…"


def led(lead: Sequence[Span], screen: Screen, limit: int) -> Reply:
    """``screen`` led by what the event had to say first (``lead``, e.g. "Genoteerd").

    A screen that fits itself gets the room ``limit`` leaves after the lead: what is fitted
    is the whole message the user receives, whatever leads it.
    """
    room = limit - (sum(len(s.text) for s in lead) + len(LEAD_GAP) if lead else 0)
    reply = screen(room) if callable(screen) else screen
    if not lead:
        return reply
    return Reply((*lead, Span(LEAD_GAP), *reply.spans), reply.buttons, reply.attachment, reply.meta)


def last(reply: Reply) -> Reply:
    """``reply`` marked :data:`LAST`."""
    return dataclasses.replace(reply, meta={**reply.meta, LAST: "yes"})


def in_order(replies: Iterable[Reply]) -> list[Reply]:
    """``replies`` as the user receives them: those marked :data:`LAST` at the end, each
    part in its own order (the service calls it once the effects have answered)."""
    replies = list(replies)
    return [r for r in replies if LAST not in r.meta] + [r for r in replies if LAST in r.meta]


def parse_markup(template: str) -> list[Span]:
    """Split a catalogue text into styled spans (placeholders still unfilled)."""
    return list(_parsed(template))


@functools.lru_cache(maxsize=4096)
def _parsed(template: str) -> tuple[Span, ...]:
    """Catalogue and knowledge texts are few and fixed: each is parsed once."""
    spans: list[Span] = []
    position = 0
    for match in _MARKUP.finditer(template):
        if match.start() > position:
            spans.append(Span(template[position : match.start()]))
        if match.group(1) is not None:
            spans.append(Span(match.group(1), "bold"))
        else:
            spans.append(Span(match.group(2), "italic"))
        position = match.end()
    if position < len(template):
        spans.append(Span(template[position:]))
    return tuple(spans)


class _Values(dict[str, object]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


@functools.lru_cache(maxsize=4096)
def _fields(text: str) -> tuple[tuple[str, str | None], ...] | None:
    """``text`` as literal pieces each followed by a plain ``{name}`` (or None), parsed once;
    None when a field has a format spec, a conversion or an index (those go the long way)."""
    pieces: list[tuple[str, str | None]] = []
    for literal, name, spec, conversion in string.Formatter().parse(text):
        if name is not None and (spec or conversion or not name.isidentifier()):
            return None
        pieces.append((literal, name))
    return tuple(pieces)


def _substitute(text: str, values: dict[str, object]) -> str:
    pieces = _fields(text)
    if pieces is None:
        return string.Formatter().vformat(text, (), _Values(values))
    out: list[str] = []
    for literal, name in pieces:
        out.append(literal)
        if name is not None:
            out.append(format(values[name], "") if name in values else "{" + name + "}")
    return "".join(out)


def fill(template: str, **values: object) -> list[Span]:
    """Parse markup, then substitute ``{placeholders}`` with ``values`` (never parsed)."""
    return [
        Span(_substitute(span.text, values) if "{" in span.text else span.text, span.style)
        for span in _parsed(template)
    ]


def join(parts: Iterable[list[Span]], separator: str = "\n") -> list[Span]:
    """Concatenate span lists with a plain separator between them."""
    result: list[Span] = []
    for part in parts:
        if not part:
            continue
        if result:
            result.append(Span(separator))
        result.extend(part)
    return result
