"""Nudge times land inside the member's window: weekends, evenings, daylight saving."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from flows.cohorts.schedule import next_allowed, next_week, next_working_day, step_due
from knowledge.model import Knowledge, Window

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
NEW_YORK = ZoneInfo("America/New_York")


def window(knowledge: Knowledge, name: str | None = None) -> Window:
    found = knowledge.window(name)
    assert found is not None
    return found


def local(text: str, zone: ZoneInfo = AMSTERDAM) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=zone)


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        ("2026-11-24 10:00", "2026-11-24 10:00"),  # Tuesday, inside
        ("2026-11-24 07:00", "2026-11-24 08:30"),  # before opening
        ("2026-11-24 18:00", "2026-11-25 08:30"),  # after closing: next morning
        ("2026-11-27 17:45", "2026-11-30 08:30"),  # Friday evening: Monday
        ("2026-11-28 11:00", "2026-11-30 08:30"),  # Saturday: Monday
        ("2026-11-29 23:59", "2026-11-30 08:30"),  # Sunday night: Monday
        ("2026-11-24 17:30", "2026-11-25 08:30"),  # the end is exclusive
    ],
)
def test_next_allowed_in_the_working_day_window(
    knowledge: Knowledge, moment: str, expected: str
) -> None:
    result = next_allowed(local(moment), window(knowledge), AMSTERDAM)
    assert result == local(expected) and result.tzinfo == UTC


def test_across_the_spring_daylight_saving_change(knowledge: Knowledge) -> None:
    # Saturday 28 March 2026 19:00 CET; clocks go forward on Sunday 29 March.
    result = next_allowed(local("2026-03-28 19:00"), window(knowledge), AMSTERDAM)
    assert result.astimezone(AMSTERDAM) == local("2026-03-30 08:30")
    assert result == datetime(2026, 3, 30, 6, 30, tzinfo=UTC)  # CEST is UTC+2


def test_across_the_autumn_daylight_saving_change(knowledge: Knowledge) -> None:
    plan = knowledge.plan()
    assert plan is not None
    two_days = next(s for s in plan.steps if s.offset_days == 2)
    # Workshop Friday 23 October 2026, 14:00 CEST; clocks go back on Sunday 25 October.
    due = step_due(local("2026-10-23 14:00"), two_days, window(knowledge), AMSTERDAM)
    assert due.astimezone(AMSTERDAM) == local("2026-10-26 08:30")  # Sunday → Monday
    assert due == datetime(2026, 10, 26, 7, 30, tzinfo=UTC)  # CET is UTC+1


def test_each_member_in_their_own_time_zone(knowledge: Knowledge) -> None:
    moment = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)  # 13:00 Amsterdam, 07:00 New York
    assert next_allowed(moment, window(knowledge), AMSTERDAM) == moment
    assert next_allowed(moment, window(knowledge), NEW_YORK).astimezone(NEW_YORK) == local(
        "2026-11-24 08:30", NEW_YORK
    )


def test_narrow_windows(knowledge: Knowledge) -> None:
    afternoon = local("2026-11-24 10:00")
    assert next_allowed(afternoon, window(knowledge, "middag"), AMSTERDAM) == local(
        "2026-11-24 12:00"
    )
    assert next_allowed(afternoon, window(knowledge, "einde_dag"), AMSTERDAM) == local(
        "2026-11-24 16:00"
    )
    assert next_allowed(local("2026-11-24 12:30"), window(knowledge, "ochtend"), AMSTERDAM) == (
        local("2026-11-25 08:30")
    )


def test_snooze_targets(knowledge: Knowledge) -> None:
    friday = local("2026-11-27 10:00")
    assert next_working_day(friday, window(knowledge), AMSTERDAM) == local("2026-11-30 08:30")
    assert next_week(local("2026-11-24 10:00"), window(knowledge), AMSTERDAM) == local(
        "2026-11-30 08:30"
    )
