"""Reading a date and time as people type it: "3 december 14:00", "3-12", "morgen 10u",
"volgende week dinsdag", "12-12-2026 14.00", "Tuesday 2pm" is not one (no am/pm). Pure.

The words (months, weekdays, "morgen", "volgende week" …) come from the message
catalogue in every language, so a Dutch coordinator may type English and the other way
round. A date without its year is the next one to come; a weekday is the next one after
today ("volgende week dinsdag": the Tuesday of next week); without a time the moment is
``default``'s time. What is not understood is None: the caller says so.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from knowledge.model import LANGUAGES, Knowledge

MIN_YEAR, MAX_YEAR = 2000, 2100
"""Years accepted: anything else is a typing error (and 9999 would overflow)."""


@dataclass(frozen=True, slots=True)
class DateWords:
    """The words a date may be typed with, lower case and without accents."""

    months: Mapping[str, int]
    """Month names and their first three letters → 1–12."""
    weekdays: Mapping[str, int]
    """Weekday names and their first two or three letters (unless a month's: "mar" is
    March) → 0 (Monday)–6."""
    days: Mapping[str, int]
    """"vandaag", "morgen", "overmorgen", "tomorrow" … → days from today."""
    next_week: frozenset[str]
    """Phrases for next week: "volgende week", "next week"."""
    at: frozenset[str]
    """Words before a bare hour: "om 14", "at 14"."""
    fillers: frozenset[str]
    """Words that change nothing: "op", "de", "aanstaande", "on", "the", "next" …"""


def _plain(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _listed(knowledge: Knowledge, key: str) -> list[list[str]]:
    """A comma-separated catalogue entry, per language, lower case without accents."""
    text = knowledge.messages.get(key)
    if text is None:
        return []
    return [[_plain(w).strip() for w in text.get(lang).split(",")] for lang in LANGUAGES]


def date_words(knowledge: Knowledge) -> DateWords:
    """The date words of every language in the catalogue."""
    months: dict[str, int] = {}
    for names in _listed(knowledge, "months"):
        for number, name in enumerate(names, start=1):
            months[name] = months[name[:3]] = number
    weekdays: dict[str, int] = {}
    for names in _listed(knowledge, "weekdays"):
        for number, name in enumerate(names):
            weekdays[name] = number
            for short in (name[:2], name[:3]):
                if short not in months:
                    weekdays.setdefault(short, number)
    days: dict[str, int] = {}
    for names in _listed(knowledge, "words_date_days"):
        for offset, name in enumerate(names):
            days[name] = offset

    def listed(key: str) -> frozenset[str]:
        return frozenset(w for ws in _listed(knowledge, key) for w in ws) - {""}

    return DateWords(
        months,
        weekdays,
        days,
        listed("words_date_next_week"),
        listed("words_date_at"),
        listed("words_date_fillers"),
    )


_FULL_DATES = (
    (re.compile(r"(?<![\d:.])(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?![\d:])"), "ymd"),
    (re.compile(r"(?<![\d:.])(\d{1,2})[-/.](\d{1,2})[-/.](\d{4}|\d{2})(?![\d:])"), "dmy"),
)
_DAY_MONTH = re.compile(r"(?<![\d:.])(\d{1,2})[-/](\d{1,2})(?![\d:/-])")
_TIMES = (
    re.compile(r"(?<![\d/-])(\d{1,2})[:.](\d{2})(?:\s*(?:u|uur|h)\b)?"),
    re.compile(r"(?<![\d/-])(\d{1,2})\s*(?:u|uur|h)(\d{2})?\b"),
)
_ORDINAL = re.compile(r"(\d{1,2})(?:st|nd|rd|th|e|ste|de)?")


@dataclass(slots=True)
class _Parts:
    year: int | None = None
    month: int | None = None
    day: int | None = None
    offset: int | None = None
    weekday: int | None = None
    next_week: bool = False
    at: time | None = None


def _take(pattern: re.Pattern[str], text: str) -> tuple[re.Match[str] | None, str]:
    match = pattern.search(text)
    if match is None:
        return None, text
    return match, f"{text[: match.start()]} {text[match.end() :]}"


def _numbers_and_time(text: str) -> tuple[_Parts, str] | None:
    """The numeric date and the time, taken out of ``text`` (None: an impossible time)."""
    parts = _Parts()
    for pattern, order in _FULL_DATES:
        match, text = _take(pattern, text)
        if match is not None:
            a, b, c = (int(g) for g in match.groups())
            year, month, day = (a, b, c) if order == "ymd" else (c, b, a)
            parts.year, parts.month, parts.day = year + 2000 if year < 100 else year, month, day
            break
    for pattern in _TIMES:
        match, text = _take(pattern, text)
        if match is not None:
            hour, minute = int(match[1]), int(match[2] or 0)
            if hour > 23 or minute > 59:
                return None
            parts.at = time(hour, minute)
            break
    if parts.day is None:
        match, text = _take(_DAY_MONTH, text)
        if match is not None:
            parts.day, parts.month = int(match[1]), int(match[2])
    return parts, text


def _words(parts: _Parts, text: str, words: DateWords) -> bool:
    """Read the words left over into ``parts``; False when one is not a date word."""
    for phrase in sorted((*words.next_week, *words.days), key=len, reverse=True):
        spaced = f" {text} "
        if f" {phrase} " in spaced:
            text = spaced.replace(f" {phrase} ", " ", 1)
            if phrase in words.next_week:
                parts.next_week = True
            else:
                parts.offset = words.days[phrase]
    tokens = text.split()
    for index, token in enumerate(tokens):
        ordinal = _ORDINAL.fullmatch(token)
        after = tokens[index + 1] if index + 1 < len(tokens) else ""
        if token in words.at and parts.at is None and after.isdigit() and int(after) < 24:
            parts.at = time(int(after))
            tokens[index + 1] = ""  # the hour is read
        elif not token:
            continue
        elif token in words.months and parts.month is None:
            parts.month = words.months[token]
        elif token in words.weekdays and parts.weekday is None:
            parts.weekday = words.weekdays[token]
        elif ordinal is not None and parts.day is None:
            parts.day = int(ordinal[1])
        elif re.fullmatch(r"\d{4}", token) and parts.year is None:
            parts.year = int(token)
        elif token not in words.fillers and token not in words.at:
            return False
    return True


def _day(parts: _Parts, today: date) -> date | None:
    if parts.day is not None or parts.month is not None:
        if parts.day is None or parts.month is None or parts.offset is not None:
            return None
        year = parts.year if parts.year is not None else today.year
        try:
            day = date(year, parts.month, parts.day)
            if parts.year is None and day < today:
                day = date(year + 1, parts.month, parts.day)
        except ValueError:
            return None
        if parts.weekday is not None and parts.weekday != day.weekday():
            return None  # "dinsdag 9 december" when the 9th is a Wednesday: ask again
        return day
    if parts.year is not None:
        return None
    if parts.offset is not None:
        return None if parts.weekday is not None else today + timedelta(days=parts.offset)
    if parts.weekday is None:
        return None
    if parts.next_week:
        monday = today + timedelta(days=7 - today.weekday())
        return monday + timedelta(days=parts.weekday)
    return today + timedelta(days=(parts.weekday - today.weekday() - 1) % 7 + 1)


@dataclass(frozen=True, slots=True)
class Moment:
    """A moment as read: naive, on the wall clock of the ``now`` it was read from."""

    at: datetime
    year_typed: bool
    """Whether the year was typed (a date in the past then is meant so)."""


def read_moment(text: str, now: datetime, words: DateWords, default: time) -> Moment | None:
    """The wall-clock moment ``text`` names, seen from ``now`` (naive, on the same wall
    clock); None when it names none."""
    plain = " ".join(_plain(text).replace(",", " ").strip().rstrip(".").split())
    found = _numbers_and_time(plain)
    if found is None:
        return None
    parts, rest = found
    if not _words(parts, rest, words):
        return None
    if parts.next_week and (parts.weekday is None or parts.day is not None):
        return None
    day = _day(parts, now.date())
    if day is None or not MIN_YEAR <= day.year <= MAX_YEAR:
        return None
    return Moment(datetime.combine(day, parts.at or default), parts.year is not None)
