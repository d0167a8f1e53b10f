"""Dates and moments in words, in the user's language: the one way every screen shows
them. "3 december 2026", "3 december" (this year), "dinsdag 8 december 2026 om 14:00"."""

from __future__ import annotations

from datetime import date, datetime

from flows.screens import Say


def _month(say: Say, day: date) -> str:
    months = [m.strip() for m in say.label("months").split(",")]
    return months[day.month - 1] if len(months) == 12 else f"{day.month:02d}"


def weekday(say: Say, day: date) -> str:
    days = [d.strip() for d in say.label("weekdays").split(",")]
    return days[day.weekday()] if len(days) == 7 else ""


def long_date(say: Say, day: date) -> str:
    """Day, month in words and year."""
    return say.label("date_long", day=day.day, month=_month(say, day), year=day.year)


def workshop_on(say: Say, day: date) -> str:
    """ "de workshop van 11 december 2026": a workshop whose name its coordinator erased
    (review 6, F35: not "—" inside a sentence)."""
    return say.label("cohort_erased_name", date=long_date(say, day))


def short_date(say: Say, day: date, today: date | None = None) -> str:
    """Day and month in words; the year too when it is not ``today``'s."""
    if today is not None and day.year != today.year:
        return long_date(say, day)
    return say.label("date_short", day=day.day, month=_month(say, day))


def when(say: Say, moment: datetime) -> str:
    """A wall-clock moment: weekday, the long date and the time."""
    return say.label(
        "when_format",
        weekday=weekday(say, moment.date()),
        date=long_date(say, moment.date()),
        time=f"{moment.hour:02d}:{moment.minute:02d}",
    ).strip()
