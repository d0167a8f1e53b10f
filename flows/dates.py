"""Dates in words, in the user's language: "3 december 2026", "12 maart"."""

from __future__ import annotations

from datetime import date

from flows.screens import Say


def _month(say: Say, day: date) -> str:
    months = [m.strip() for m in say.label("months").split(",")]
    return months[day.month - 1] if len(months) == 12 else f"{day.month:02d}"


def long_date(say: Say, day: date) -> str:
    """Day, month in words and year."""
    return say.label("date_long", day=day.day, month=_month(say, day), year=day.year)


def short_date(say: Say, day: date, today: date | None = None) -> str:
    """Day and month in words; the year too when it is not ``today``'s."""
    if today is not None and day.year != today.year:
        return long_date(say, day)
    return say.label("date_short", day=day.day, month=_month(say, day))
