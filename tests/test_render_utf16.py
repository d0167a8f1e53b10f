"""Telegram's 4096-character limit is counted in UTF-16 code units: an emoji outside the
Basic Multilingual Plane counts twice, so emoji-heavy text is split on that count."""

from __future__ import annotations

from bot.telegram.render import TELEGRAM_LIMIT, split_spans
from flows.replies import Span

EMOJI = "🤝"  # U+1F91D: two UTF-16 code units


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def texts(chunks: list[list[Span]]) -> list[str]:
    return ["".join(span.text for span in chunk) for chunk in chunks]


def test_emoji_heavy_text_is_split_below_4096_utf16_units() -> None:
    words = " ".join(f"{EMOJI}{EMOJI}samen" for _ in range(450))  # 3,599 characters
    assert len(words) < TELEGRAM_LIMIT < utf16_len(words)
    chunks = texts(split_spans([Span(words, "plain")]))
    assert len(chunks) == 2
    assert all(utf16_len(chunk) <= TELEGRAM_LIMIT for chunk in chunks)
    assert " ".join(chunks) == words, "nothing lost, cut at a space"


def test_a_run_of_emoji_without_spaces_is_cut_between_characters() -> None:
    text = EMOJI * 3000
    chunks = texts(split_spans([Span("Kop\n\n", "bold"), Span(text, "plain")]))
    assert all(utf16_len(chunk) <= TELEGRAM_LIMIT for chunk in chunks)
    assert "".join(chunks).replace("Kop", "", 1).strip() == text
    assert all(chunk.strip("Kop\n").strip(EMOJI) == "" for chunk in chunks), "no half emoji"
