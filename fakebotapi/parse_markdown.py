"""Telegram's MarkdownV2 and legacy Markdown parse modes."""

from __future__ import annotations

import re
from typing import Final

from fakebotapi.constants import JSONDict
from fakebotapi.text import EntityParseError, FormattedText, OpenTag, TextBuilder, byte_offset

_MARKDOWN_V2_RESERVED: Final = frozenset("_*[]()~`>#+-=|{}.!")
_ENTITY_DISPLAY_NAMES: Final = {
    "bold": "Bold",
    "italic": "Italic",
    "underline": "Underline",
    "strikethrough": "Strikethrough",
    "spoiler": "Spoiler",
    "text_link": "TextUrl",
    "code": "Code",
    "pre": "Pre",
}


def _read_markdown_url(source: str, index: int) -> tuple[str, int] | None:
    """Read ``(url)`` starting at ``source[index] == "("``; returns (url, index after ``)``)."""
    if index >= len(source) or source[index] != "(":
        return None
    parts: list[str] = []
    index += 1
    while index < len(source):
        char = source[index]
        if char == "\\" and index + 1 < len(source):
            parts.append(source[index + 1])
            index += 2
            continue
        if char == ")":
            return "".join(parts), index + 1
        parts.append(char)
        index += 1
    return None


def parse_markdown_v2(source: str) -> FormattedText:
    """Telegram's MarkdownV2 parse mode (the commonly used subset, strict about escaping)."""
    out = TextBuilder()
    stack: list[OpenTag] = []
    entities: list[JSONDict] = []
    quote_start: int | None = None
    quote_end = 0
    in_quote_line = False
    index = 0
    size = len(source)

    def close_quote() -> None:
        nonlocal quote_start
        if quote_start is not None and quote_end > quote_start:
            entities.append(
                {"type": "blockquote", "offset": quote_start, "length": quote_end - quote_start}
            )
        quote_start = None

    while index < size:
        char = source[index]
        at_line_start = index == 0 or source[index - 1] == "\n"
        if at_line_start and not stack:
            if char == ">":
                if quote_start is None:
                    quote_start = out.pos
                in_quote_line = True
                index += 1
                continue
            if quote_start is not None and not in_quote_line:
                close_quote()
        if char == "\\" and index + 1 < size and 0 < ord(source[index + 1]) <= 126:
            out.add(source[index + 1])
            index += 2
            continue
        top = stack[-1] if stack else None
        if top is not None and top.name in ("code", "pre"):
            fence = "```" if top.name == "pre" else "`"
            if source.startswith(fence, index):
                stack.pop()
                if out.pos > top.start:
                    entity: JSONDict = {
                        "type": top.name,
                        "offset": top.start,
                        "length": out.pos - top.start,
                    }
                    if top.language:
                        entity["language"] = top.language
                    entities.append(entity)
                index += len(fence)
            else:
                out.add(char)
                index += 1
            continue
        if char == "\n" and in_quote_line:
            in_quote_line = False
            quote_end = out.pos
            out.add(char)
            index += 1
            continue
        if char not in _MARKDOWN_V2_RESERVED:
            out.add(char)
            index += 1
            continue

        offset = byte_offset(source, index)
        closing: str | None = None
        if top is not None:
            if top.name == "underline" and source.startswith("__", index):
                closing = "__"
            elif (top.name == "italic" and char == "_") or (top.name == "bold" and char == "*"):
                closing = char
            elif top.name == "strikethrough" and char == "~":
                closing = "~"
            elif top.name == "spoiler" and source.startswith("||", index):
                closing = "||"
            elif top.name == "text_link" and char == "]":
                closing = "]"
        if closing is not None and top is not None:
            stack.pop()
            index += len(closing)
            entity = {"type": top.name, "offset": top.start, "length": out.pos - top.start}
            if top.name == "text_link":
                url = _read_markdown_url(source, index)
                if url is None:
                    raise EntityParseError(
                        f"Can't find end of a URL at byte offset {byte_offset(source, index)}"
                    )
                entity["url"], index = url
            if entity["length"] > 0:
                entities.append(entity)
            continue

        if char == "*":
            name, width = "bold", 1
        elif char == "_":
            name, width = ("underline", 2) if source.startswith("__", index) else ("italic", 1)
        elif char == "~":
            name, width = "strikethrough", 1
        elif char == "|" and source.startswith("||", index):
            name, width = "spoiler", 2
        elif char == "[":
            name, width = "text_link", 1
        elif char == "`":
            name, width = ("pre", 3) if source.startswith("```", index) else ("code", 1)
        else:
            raise EntityParseError(
                f"Character '{char}' is reserved and must be escaped with the preceding '\\'"
            )
        tag = OpenTag(name=name, start=out.pos, byte_offset=offset, attrs={})
        index += width
        if name == "pre":
            newline = source.find("\n", index)
            if newline != -1 and re.fullmatch(r"[A-Za-z0-9_+#.-]*", source[index:newline]):
                tag.language = source[index:newline] or None
                index = newline + 1
        tag.start = out.pos
        stack.append(tag)

    if stack:
        raise EntityParseError(
            f"Can't find end of {_ENTITY_DISPLAY_NAMES[stack[-1].name]} entity at byte offset "
            f"{stack[-1].byte_offset}"
        )
    if in_quote_line:
        quote_end = out.pos
    close_quote()
    return FormattedText(out.text(), entities)


def parse_markdown_legacy(source: str) -> FormattedText:
    """Telegram's legacy Markdown parse mode: *bold*, _italic_, `code`, ```pre```, [t](url)."""
    out = TextBuilder()
    entities: list[JSONDict] = []
    index = 0
    size = len(source)
    delimiters = {"*": "bold", "_": "italic", "`": "code"}
    while index < size:
        char = source[index]
        if char == "\\" and index + 1 < size and source[index + 1] in "_*`[":
            out.add(source[index + 1])
            index += 2
            continue
        if char not in "*_`[":
            out.add(char)
            index += 1
            continue
        offset = byte_offset(source, index)
        start = out.pos
        if source.startswith("```", index):
            end = source.find("```", index + 3)
            if end == -1:
                raise EntityParseError(
                    f"Can't find end of the entity starting at byte offset {offset}"
                )
            out.add(source[index + 3 : end])
            kind, index = "pre", end + 3
        elif char == "[":
            end = source.find("]", index + 1)
            url = _read_markdown_url(source, end + 1) if end != -1 else None
            if end == -1 or url is None:
                raise EntityParseError(
                    f"Can't find end of the entity starting at byte offset {offset}"
                )
            out.add(source[index + 1 : end])
            if out.pos > start:
                entities.append(
                    {"type": "text_link", "offset": start, "length": out.pos - start, "url": url[0]}
                )
            index = url[1]
            continue
        else:
            end = source.find(char, index + 1)
            if end == -1:
                raise EntityParseError(
                    f"Can't find end of the entity starting at byte offset {offset}"
                )
            out.add(source[index + 1 : end])
            kind, index = delimiters[char], end + 1
        if out.pos > start:
            entities.append({"type": kind, "offset": start, "length": out.pos - start})
    return FormattedText(out.text(), entities)
