"""Formatted text as Telegram stores it (plain text plus entities in UTF-16 offsets), and
the pieces the parsers share."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Final

from fakebotapi.constants import JSONDict
from fakebotapi.files import utf16_len


class EntityParseError(ValueError):
    """The text is not valid for its parse mode ("can't parse entities: ...")."""


@dataclass
class FormattedText:
    """Text as Telegram stores it after parsing: plain text plus entities (UTF-16 offsets)."""

    text: str
    entities: list[JSONDict] = field(default_factory=list)


SPACE: Final = " \t\r\n\f\v"


def byte_offset(source: str, index: int) -> int:
    return len(source[:index].encode())


class TextBuilder:
    """Collects plain text and tracks the current position in UTF-16 code units."""

    def __init__(self) -> None:
        self._parts: list[str] = []
        self.pos = 0

    def add(self, text: str) -> None:
        self._parts.append(text)
        self.pos += utf16_len(text)

    def text(self) -> str:
        return "".join(self._parts)


@dataclass
class OpenTag:
    name: str
    start: int
    byte_offset: int
    attrs: dict[str, str]
    language: str | None = None


def strip_formatted(formatted: FormattedText) -> FormattedText:
    """Trim surrounding whitespace like Telegram does, moving entities along."""
    text = formatted.text
    lstripped = text.lstrip(SPACE)
    lead = utf16_len(text) - utf16_len(lstripped)
    stripped = lstripped.rstrip(SPACE)
    total = utf16_len(stripped)
    entities: list[JSONDict] = []
    for entity in formatted.entities:
        start = max(entity["offset"] - lead, 0)
        end = min(entity["offset"] + entity["length"] - lead, total)
        if end > start:
            entities.append({**entity, "offset": start, "length": end - start})
    entities.sort(key=lambda entity: (entity["offset"], -entity["length"]))
    return FormattedText(stripped, entities)


_BOT_COMMAND_RE: Final = re.compile(r"(?<!\S)/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{3,32})?(?![\w/])")


def bot_command_entities(text: str) -> list[JSONDict]:
    return [
        {
            "type": "bot_command",
            "offset": utf16_len(text[: match.start()]),
            "length": utf16_len(match.group(0)),
        }
        for match in _BOT_COMMAND_RE.finditer(text)
    ]
