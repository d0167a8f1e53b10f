"""When a nudge may arrive: pure functions over aware datetimes and a member's window.

Windows are working days (Monday to Friday, not a public holiday of the window's
``days_off``) between a start and an end time in the member's own time zone. Times are
computed on the local wall clock and converted back to UTC, so a daylight-saving change
moves nothing: 08:30 stays 08:30 local.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from knowledge.model import DaysOff, PlanStep, Window

WORKING_DAYS = range(5)
"""Monday (0) to Friday (4)."""


def easter(year: int) -> date:
    """Easter Sunday of ``year`` in the Gregorian calendar (the anonymous Gregorian
    algorithm, Meeus/Jones/Butcher)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = divmod(b, 4)
    g = (8 * b + 13) // 25
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    weekday = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 19 * weekday) // 433
    month = (h + weekday - 7 * m + 90) // 25
    return date(year, month, (h + weekday - 7 * m + 33 * month + 19) % 32)


def is_day_off(day: date, days_off: DaysOff) -> bool:
    """A public holiday of ``days_off``."""
    if (day.month, day.day) in days_off.fixed:
        return True
    return bool(days_off.after_easter) and (day - easter(day.year)).days in days_off.after_easter


def is_working_day(day: date, window: Window) -> bool:
    return day.weekday() in WORKING_DAYS and not is_day_off(day, window.days_off)


def _next_working_day(day: date, window: Window) -> date:
    """``day`` itself if it is a working day, else the first one after it."""
    while not is_working_day(day, window):
        day += timedelta(days=1)
    return day


def _local(day: date, at: time, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, at, tzinfo=zone)


def next_allowed(moment: datetime, window: Window, zone: ZoneInfo) -> datetime:
    """``moment`` if it falls inside the window, else the window's next opening (UTC)."""
    local = moment.astimezone(zone)
    day = local.date()
    if is_working_day(day, window):
        if local.time() < window.start:
            return _local(day, window.start, zone).astimezone(UTC)
        if local.time() < window.end:
            return moment.astimezone(UTC)
    day = _next_working_day(day + timedelta(days=1), window)
    return _local(day, window.start, zone).astimezone(UTC)


def step_due(workshop: datetime, step: PlanStep, window: Window, zone: ZoneInfo) -> datetime:
    """When a plan step is due: ``offset_days`` after the workshop, at the same local time,
    moved into the member's window."""
    local = workshop.astimezone(zone)
    planned = _local(local.date() + timedelta(days=step.offset_days), local.time(), zone)
    return next_allowed(planned, window, zone)


def next_working_day(moment: datetime, window: Window, zone: ZoneInfo) -> datetime:
    """ "Later: after my next meeting": the window's opening on the next working day."""
    day = _next_working_day(moment.astimezone(zone).date() + timedelta(days=1), window)
    return _local(day, window.start, zone).astimezone(UTC)


def next_week(moment: datetime, window: Window, zone: ZoneInfo) -> datetime:
    """ "Later: next week": the window's opening on the first working day of next week
    (Tuesday after Easter Monday)."""
    local = moment.astimezone(zone)
    monday = _next_working_day(local.date() + timedelta(days=7 - local.weekday()), window)
    return _local(monday, window.start, zone).astimezone(UTC)
