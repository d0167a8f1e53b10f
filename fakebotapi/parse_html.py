"""Telegram's HTML parse mode, stricter than the server by default (see the package
docstring)."""

from __future__ import annotations

import re
from typing import Final

from fakebotapi.constants import JSONDict
from fakebotapi.text import (
    SPACE,
    EntityParseError,
    FormattedText,
    OpenTag,
    TextBuilder,
    byte_offset,
)

_HTML_TAGS: Final = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "span": "spoiler",
    "tg-spoiler": "spoiler",
    "tg-emoji": "custom_emoji",
}
_HTML_NAMED_ENTITIES: Final = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_HTML_ENTITY_RE: Final = re.compile(r"&(?:#([0-9]+)|#[xX]([0-9a-fA-F]+)|([A-Za-z][A-Za-z0-9]*));")


def _decode_html_entity(source: str, index: int, *, strict: bool) -> tuple[str, int] | None:
    """Decode the character reference at ``source[index] == "&"``.

    Returns (character, index after it), or None when it is no supported reference and
    ``strict`` is off (Telegram then keeps the ``&`` literally).
    """
    match = _HTML_ENTITY_RE.match(source, index)
    if match:
        decimal, hexadecimal, name = match.groups()
        if name is not None:
            char = _HTML_NAMED_ENTITIES.get(name)
            if char is not None:
                return char, match.end()
        else:
            code_point = int(decimal) if decimal is not None else int(hexadecimal, 16)
            if 0 < code_point <= 0x10FFFF and not 0xD800 <= code_point <= 0xDFFF:
                return chr(code_point), match.end()
    if not strict:
        return None
    offset = byte_offset(source, index)
    if match and match.group(3) is not None:
        raise EntityParseError(
            f'Unsupported HTML entity "{match.group(0)}" at byte offset {offset}; only &lt; '
            "&gt; &amp; &quot; and numeric character references are supported"
        )
    if match:
        raise EntityParseError(f"Invalid character reference at byte offset {offset}")
    raise EntityParseError(f'Character "&" at byte offset {offset} must be escaped as "&amp;"')


def _decode_html_text(source: str, start: int, end: int, *, strict: bool) -> str:
    """Decode the character references in ``source[start:end]`` (an attribute value)."""
    parts: list[str] = []
    index = start
    while index < end:
        if source[index] == "&":
            decoded = _decode_html_entity(source, index, strict=strict)
            if decoded is not None and decoded[1] <= end:
                parts.append(decoded[0])
                index = decoded[1]
                continue
        parts.append(source[index])
        index += 1
    return "".join(parts)


def _parse_html_attributes(
    source: str, index: int, tag: str, begin: int, *, strict: bool
) -> tuple[dict[str, str], int]:
    """Parse ``attr="value"`` pairs up to the ``>`` of a start tag; returns (attrs, next index)."""
    attrs: dict[str, str] = {}
    size = len(source)

    def unclosed() -> EntityParseError:
        return EntityParseError(f"Unclosed start tag at byte offset {byte_offset(source, begin)}")

    while True:
        while index < size and source[index] in SPACE:
            index += 1
        if index >= size:
            raise unclosed()
        if source[index] == ">":
            return attrs, index + 1
        name_end = index
        while name_end < size and source[name_end] not in SPACE and source[name_end] not in "=>":
            name_end += 1
        name = source[index:name_end].lower()
        if not name:
            raise EntityParseError(
                f'Empty attribute name in the tag "{tag}" at byte offset '
                f"{byte_offset(source, begin)}"
            )
        index = name_end
        while index < size and source[index] in SPACE:
            index += 1
        if index >= size:
            raise unclosed()
        if source[index] != "=":
            if tag == "blockquote" and name == "expandable":
                attrs[name] = ""
                continue
            raise EntityParseError(
                f'Expected equal sign in declaration of an attribute of the tag "{tag}" at byte '
                f"offset {byte_offset(source, begin)}"
            )
        index += 1
        while index < size and source[index] in SPACE:
            index += 1
        if index >= size:
            raise unclosed()
        if source[index] in "\"'":
            closing = source.find(source[index], index + 1)
            if closing == -1:
                raise EntityParseError(
                    f"Unclosed end of start tag at byte offset {byte_offset(source, begin)}"
                )
            value = _decode_html_text(source, index + 1, closing, strict=strict)
            index = closing + 1
        else:
            value_end = index
            while value_end < size and source[value_end] not in SPACE and source[value_end] != ">":
                value_end += 1
            value = _decode_html_text(source, index, value_end, strict=strict)
            index = value_end
        attrs[name] = value


def _close_html_tag(tag: OpenTag, end: int, parent: OpenTag | None, out: list[JSONDict]) -> None:
    if tag.name == "code" and parent is not None and parent.name == "pre":
        # <pre><code class="language-x">...</code></pre> is one pre entity with a language.
        css_class = tag.attrs.get("class", "")
        if css_class.startswith("language-") and len(css_class) > len("language-"):
            parent.language = css_class.removeprefix("language-")
        return
    length = end - tag.start
    if length <= 0:
        return  # Telegram drops empty entities
    entity: JSONDict = {"type": _HTML_TAGS[tag.name], "offset": tag.start, "length": length}
    if tag.name == "a":
        href = tag.attrs.get("href", "")
        if not href:
            return
        entity["url"] = href
    elif tag.name == "pre" and tag.language:
        entity["language"] = tag.language
    elif tag.name == "blockquote" and "expandable" in tag.attrs:
        entity["type"] = "expandable_blockquote"
    elif tag.name == "tg-emoji":
        entity["custom_emoji_id"] = tag.attrs["emoji-id"]
    out.append(entity)


def parse_html(source: str, *, strict: bool) -> FormattedText:
    """Telegram's HTML parse mode (modelled on tdlib's ``parse_html``)."""
    out = TextBuilder()
    stack: list[OpenTag] = []
    entities: list[JSONDict] = []
    index = 0
    size = len(source)
    while index < size:
        char = source[index]
        if char == "&":
            decoded = _decode_html_entity(source, index, strict=strict)
            if decoded is not None:
                out.add(decoded[0])
                index = decoded[1]
            else:
                out.add("&")
                index += 1
            continue
        if char != "<":
            out.add(char)
            index += 1
            continue

        begin = index
        offset = byte_offset(source, begin)
        if index + 1 < size and source[index + 1] == "/":
            end = source.find(">", index)
            if end == -1:
                raise EntityParseError(f"Unclosed end tag at byte offset {offset}")
            name = source[index + 2 : end].strip(SPACE).lower()
            if not stack:
                raise EntityParseError(f"Unexpected end tag at byte offset {offset}")
            tag = stack.pop()
            if name != tag.name:
                raise EntityParseError(
                    f'Unmatched end tag at byte offset {offset}, expected "</{tag.name}>", '
                    f'found "</{name}>"'
                )
            _close_html_tag(tag, out.pos, stack[-1] if stack else None, entities)
            index = end + 1
            continue

        name_end = index + 1
        while name_end < size and source[name_end] not in SPACE and source[name_end] != ">":
            name_end += 1
        if name_end >= size:
            raise EntityParseError(f"Unclosed start tag at byte offset {offset}")
        name = source[index + 1 : name_end].lower()
        if name not in _HTML_TAGS:
            raise EntityParseError(f'Unsupported start tag "{name}" at byte offset {offset}')
        attrs, index = _parse_html_attributes(source, name_end, name, begin, strict=strict)
        if name == "span" and attrs.get("class") != "tg-spoiler":
            raise EntityParseError(
                f'Tag "span" must have class "tg-spoiler" at byte offset {offset}'
            )
        if name == "tg-emoji" and not attrs.get("emoji-id", "").isdigit():
            raise EntityParseError(
                f'Tag "tg-emoji" must have a numeric attribute "emoji-id" at byte offset {offset}'
            )
        stack.append(OpenTag(name=name, start=out.pos, byte_offset=offset, attrs=attrs))

    if stack:
        raise EntityParseError(f'Can\'t find end tag corresponding to start tag "{stack[-1].name}"')
    return FormattedText(out.text(), entities)
