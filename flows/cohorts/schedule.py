"""When a nudge may arrive: pure functions over aware datetimes and a member's window.

Windows are working days (Monday to Friday) between a start and an end time in the
member's own time zone. Times are computed on the local wall clock and converted back to
UTC, so a daylight-saving change moves nothing: 08:30 stays 08:30 local.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from knowledge.model import PlanStep, Window

WORKING_DAYS = range(5)
"""Monday (0) to Friday (4)."""


def _local(day: date, at: time, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, at, tzinfo=zone)


def next_allowed(moment: datetime, window: Window, zone: ZoneInfo) -> datetime:
    """``moment`` if it falls inside the window, else the window's next opening (UTC)."""
    local = moment.astimezone(zone)
    day = local.date()
    if day.weekday() in WORKING_DAYS:
        if local.time() < window.start:
            return _local(day, window.start, zone).astimezone(UTC)
        if local.time() < window.end:
            return moment.astimezone(UTC)
    day += timedelta(days=1)
    while day.weekday() not in WORKING_DAYS:
        day += timedelta(days=1)
    return _local(day, window.start, zone).astimezone(UTC)


def step_due(workshop: datetime, step: PlanStep, window: Window, zone: ZoneInfo) -> datetime:
    """When a plan step is due: ``offset_days`` after the workshop, at the same local time,
    moved into the member's window."""
    local = workshop.astimezone(zone)
    planned = _local(local.date() + timedelta(days=step.offset_days), local.time(), zone)
    return next_allowed(planned, window, zone)


def next_working_day(moment: datetime, window: Window, zone: ZoneInfo) -> datetime:
    """ "Later: after my next meeting": the window's opening on the next working day."""
    local = moment.astimezone(zone)
    day = local.date() + timedelta(days=1)
    while day.weekday() not in WORKING_DAYS:
        day += timedelta(days=1)
    return _local(day, window.start, zone).astimezone(UTC)


def next_week(moment: datetime, window: Window, zone: ZoneInfo) -> datetime:
    """ "Later: next week": the window's opening on Monday of next week."""
    local = moment.astimezone(zone)
    monday = local.date() + timedelta(days=7 - local.weekday())
    return _local(monday, window.start, zone).astimezone(UTC)
