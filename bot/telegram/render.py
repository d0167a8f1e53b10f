"""Replies → Telegram: escaped HTML, inline keyboards, messages split below 4096 characters."""

from __future__ import annotations

import html
from collections.abc import Sequence

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from flows.replies import Button, Span

TELEGRAM_LIMIT = 4096
_TAGS = {"bold": ("<b>", "</b>"), "italic": ("<i>", "</i>"), "plain": ("", "")}


def to_html(spans: Sequence[Span]) -> str:
    """Every span's text escaped (so nothing a user typed is markup), styles as tags."""
    parts = []
    for span in spans:
        opening, closing = _TAGS[span.style]
        parts.append(f"{opening}{html.escape(span.text, quote=False)}{closing}")
    return "".join(parts)


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units: how Telegram counts its 4096 and its entity offsets
    (an emoji outside the Basic Multilingual Plane counts twice)."""
    return len(text.encode("utf-16-le")) // 2


def _fitting(text: str, units: int) -> int:
    """How many characters of ``text`` fit in ``units`` UTF-16 code units."""
    if utf16_len(text) <= units:
        return len(text)
    used = 0
    for index, char in enumerate(text):
        used += 2 if ord(char) > 0xFFFF else 1
        if used > units:
            return index
    return len(text)


def _cut(span: Span, size: int) -> tuple[Span, Span]:
    """Split one span at a line break or space before ``size`` characters if there is one."""
    text = span.text
    cut = max(text.rfind("\n", 0, size), text.rfind(" ", 0, size))
    if cut <= 0:
        cut = size
    return Span(text[:cut], span.style), Span(text[cut:].lstrip("\n "), span.style)


def split_spans(spans: Sequence[Span], limit: int = TELEGRAM_LIMIT) -> list[list[Span]]:
    """Chunks of at most ``limit`` visible characters, counted as Telegram counts them (in
    UTF-16 code units), broken at paragraphs where possible."""
    chunks: list[list[Span]] = [[]]
    used = 0
    pending = list(spans)
    while pending:
        span = pending.pop(0)
        room = limit - used
        length = utf16_len(span.text)
        if length <= room:
            chunks[-1].append(span)
            used += length
            continue
        fits = _fitting(span.text, room)
        paragraph = span.text.rfind("\n\n", 0, fits)
        if paragraph > 0:
            head, tail = (
                Span(span.text[:paragraph], span.style),
                Span(span.text[paragraph + 2 :], span.style),
            )
        elif used and room < limit // 4:
            head, tail = Span("", span.style), span
        else:
            head, tail = _cut(span, fits)
        if head.text:
            chunks[-1].append(head)
        chunks.append([])
        used = 0
        pending.insert(0, tail)
    return [chunk for chunk in chunks if "".join(s.text for s in chunk).strip()]


def keyboard(rows: Sequence[Sequence[Button]]) -> InlineKeyboardMarkup | None:
    """An inline keyboard for the button rows (None when there are none)."""
    if not rows:
        return None
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(b.label, callback_data=b.action) for b in row] for row in rows]
    )
