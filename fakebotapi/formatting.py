"""Parsing a text for its ``parse_mode``, as Telegram does before it stores a message."""

from __future__ import annotations

from fakebotapi.parse_html import parse_html
from fakebotapi.parse_markdown import parse_markdown_legacy, parse_markdown_v2
from fakebotapi.text import EntityParseError, FormattedText, strip_formatted


def parse_formatted_text(
    text: str, parse_mode: str | None, *, strict_html: bool = True
) -> FormattedText:
    """Parse ``text`` like Telegram does for ``parse_mode`` (None, HTML, MarkdownV2, Markdown).

    Raises :class:`EntityParseError` for invalid markup and ``ValueError`` for an unknown
    parse mode. The result is trimmed of surrounding whitespace, as Telegram stores it.
    """
    mode = (parse_mode or "").lower()
    if mode == "":
        formatted = FormattedText(text)
    elif mode == "html":
        formatted = parse_html(text, strict=strict_html)
    elif mode == "markdownv2":
        formatted = parse_markdown_v2(text)
    elif mode == "markdown":
        formatted = parse_markdown_legacy(text)
    else:
        raise ValueError(f"unsupported parse_mode {parse_mode!r}")
    return strip_formatted(formatted)


def validate_html(source: str, *, strict: bool = True) -> str | None:
    """Return Telegram's complaint about ``source`` in HTML parse mode, or None if it is valid."""
    try:
        parse_html(source, strict=strict)
    except EntityParseError as exc:
        return str(exc)
    return None
