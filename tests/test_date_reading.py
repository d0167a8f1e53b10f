"""Dates as people type them (issue 13): one table of what is typed and what it means,
seen from Sunday 6 December 2026, 10:00 in Amsterdam; and what is not a date."""

from __future__ import annotations

from datetime import datetime, time

import pytest

from flows.date_reading import date_words, read_moment
from knowledge.store import KnowledgeStore

NOW = datetime(2026, 12, 6, 10, 0)  # a Sunday
WORDS = date_words(KnowledgeStore().current)
NINE = time(9, 0)

READ = [
    ("12-12-2026 14:00", datetime(2026, 12, 12, 14, 0)),
    ("12-12-2026", datetime(2026, 12, 12, 9, 0)),
    ("3-1-2027 14.30", datetime(2027, 1, 3, 14, 30)),
    ("2026-12-12 14:00", datetime(2026, 12, 12, 14, 0)),
    ("12/12/2026 9:15", datetime(2026, 12, 12, 9, 15)),
    ("12.12.2026", datetime(2026, 12, 12, 9, 0)),
    ("8-12", datetime(2026, 12, 8, 9, 0)),
    ("3-12 14u", datetime(2027, 12, 3, 14, 0)),  # the 3rd has passed: next year's
    ("3 december", datetime(2027, 12, 3, 9, 0)),
    ("3 december 2026", datetime(2026, 12, 3, 9, 0)),
    ("8 december 2026 om 14:00", datetime(2026, 12, 8, 14, 0)),
    ("8 dec 14u30", datetime(2026, 12, 8, 14, 30)),
    ("15 januari om 14 uur", datetime(2027, 1, 15, 14, 0)),
    ("dinsdag 8 december", datetime(2026, 12, 8, 9, 0)),
    ("December 8, 2026 at 2:00", datetime(2026, 12, 8, 2, 0)),
    ("8th December 14:00", datetime(2026, 12, 8, 14, 0)),
    ("morgen", datetime(2026, 12, 7, 9, 0)),
    ("morgen 14:00", datetime(2026, 12, 7, 14, 0)),
    ("Morgen om 14", datetime(2026, 12, 7, 14, 0)),
    ("overmorgen 10u", datetime(2026, 12, 8, 10, 0)),
    ("vandaag 16:00", datetime(2026, 12, 6, 16, 0)),
    ("tomorrow at 14", datetime(2026, 12, 7, 14, 0)),
    ("the day after tomorrow", datetime(2026, 12, 8, 9, 0)),
    ("dinsdag", datetime(2026, 12, 8, 9, 0)),
    ("zondag", datetime(2026, 12, 13, 9, 0)),  # today is Sunday: next week's
    ("volgende week dinsdag 14:00", datetime(2026, 12, 8, 14, 0)),
    ("dinsdag volgende week", datetime(2026, 12, 8, 9, 0)),
    ("volgende dinsdag", datetime(2026, 12, 8, 9, 0)),
    ("aanstaande vrijdag om 9:30", datetime(2026, 12, 11, 9, 30)),
    ("next week Friday", datetime(2026, 12, 11, 9, 0)),
    ("Tuesday 14:00", datetime(2026, 12, 8, 14, 0)),
    ("wo 14u", datetime(2026, 12, 9, 14, 0)),
]


@pytest.mark.parametrize(("typed", "meant"), READ)
def test_typed_dates_are_read_as_meant(typed: str, meant: datetime) -> None:
    read = read_moment(typed, NOW, WORDS, NINE)
    assert read is not None and read.at == meant, typed


@pytest.mark.parametrize(
    ("typed", "year_typed"), [("3-12-2026", True), ("3 december 2026", True), ("3-12", False)]
)
def test_whether_the_year_was_typed(typed: str, year_typed: bool) -> None:
    read = read_moment(typed, NOW, WORDS, NINE)
    assert read is not None and read.year_typed is year_typed


NOT_DATES = [
    "",
    "binnenkort",
    "14:00",  # a time is no day
    "volgende week",  # which day?
    "32-12-2026",
    "31-11-2026",
    "12-12-2026 25:00",
    "12-12-2026 14:75",
    "31-12-9999 23:59",  # beyond the years accepted
    "woensdag 8 december 2026",  # the 8th is a Tuesday
    "morgen dinsdag",
    "3 december morgen",
    "december",
    "2026",
    "ergens in december",
    "12-12-2026 <b>14:00</b>",
]


@pytest.mark.parametrize("typed", NOT_DATES)
def test_what_is_no_date_is_not_read(typed: str) -> None:
    assert read_moment(typed, NOW, WORDS, NINE) is None, typed
