""" "Herinner mij later" and public holidays: a reminder lands in the user's working hours
like a nudge (not at the same hour a week on, weekend or not), its answer names the
moment, and the reminder comes with buttons; nothing is planned on a Dutch public holiday."""

from __future__ import annotations

from datetime import UTC, date, timedelta
from typing import Any

import pytest

from flows.cohorts.schedule import easter, is_day_off, next_allowed, next_week, step_due
from knowledge.model import DaysOff, Knowledge, PlanStep
from storage import Database
from tests.followup_helpers import People, actions_of, local, text_of

pytest_plugins = ["tests.storage_fixtures"]


@pytest.fixture
def people(db: Database, clock: Any) -> People:
    return People(db, clock, min_group=1)


async def test_remind_me_later_late_on_a_sunday_lands_on_monday_morning(people: People) -> None:
    people.clock.now = local(2026, 12, 6, 22, 3).astimezone(UTC)  # Sunday evening
    await people.join_bot("7001")
    advice = await people.send("7001", "/advies")
    assert "1:a:remind" in actions_of(advice)
    answer = await people.press("7001", "1:a:remind")
    said = text_of(answer)
    # A week on is Sunday 13 December 22:03: outside the window; the next opening is
    # Monday 14 December 08:30 (the default window, Europe/Amsterdam).
    assert "maandag 14 december 2026 om 08:30" in said, said
    assert "7 dagen" not in said
    [row] = [n for n in await people.nudges("7001") if n.kind == "reminder"]
    assert row.due_at.replace(tzinfo=UTC) == local(2026, 12, 14, 8, 30).astimezone(UTC)


async def test_a_reminder_about_a_dilemma_names_the_dilemma_and_its_moment(
    people: People,
) -> None:
    people.clock.now = local(2026, 12, 2, 11, 0).astimezone(UTC)  # Wednesday
    await people.join_bot("7002")
    advice = await people.send("7002", "/advies")
    show = next(a for a in actions_of(advice) if a.startswith("1:a:show:"))
    dilemma = show.split(":")[3]
    answer = await people.press("7002", f"1:a:remind:{dilemma}")
    said = text_of(answer)
    assert "woensdag 9 december 2026 om 11:00" in said and "dit dilemma" in said, said


def test_the_reminder_opens_the_advice_anywhere_and_can_be_put_off(
    knowledge: Knowledge,
) -> None:
    from flows.advice.reminder import reminder
    from flows.screens import Say

    for subject in ("advice", knowledge.dilemmas[0].id):
        reply = reminder(Say(knowledge, "nl"), subject, 41)
        assert "1:n:later:41" in reply.actions and "1:n:week:41" in reply.actions
        assert "1:n:stop" in reply.actions
        assert any(a in reply.actions for a in ("1:a:open", f"1:b:show:{subject}"))
        assert "Typ /advies" not in reply.plain


async def test_the_reminders_advice_button_works_mid_intake(people: People) -> None:
    people.clock.now = local(2026, 12, 2, 11, 0).astimezone(UTC)
    await people.join_bot("7003")  # now at question 1 of the intake
    opened = await people.press("7003", "1:a:open")
    assert opened.replies, "the button did nothing"
    assert "verlopen" not in text_of(opened)


def test_easter_sundays() -> None:
    known = {2024: date(2024, 3, 31), 2025: date(2025, 4, 20), 2026: date(2026, 4, 5)}
    known |= {2027: date(2027, 3, 28), 2038: date(2038, 4, 25), 2000: date(2000, 4, 23)}
    for year, sunday in known.items():
        assert easter(year) == sunday


def test_the_dutch_public_holidays_are_days_off(knowledge: Knowledge) -> None:
    days_off = knowledge.window().days_off  # type: ignore[union-attr]
    off_2027 = [
        date(2027, 1, 1),  # Nieuwjaarsdag
        date(2027, 3, 29),  # Tweede Paasdag
        date(2027, 4, 27),  # Koningsdag
        date(2027, 5, 5),  # Bevrijdingsdag
        date(2027, 5, 6),  # Hemelvaartsdag
        date(2027, 5, 17),  # Tweede Pinksterdag
        date(2027, 12, 25),
        date(2027, 12, 26),
    ]
    for day in off_2027:
        assert is_day_off(day, days_off), day
    for day in (date(2027, 3, 26), date(2027, 3, 30), date(2027, 5, 7), date(2027, 12, 24)):
        assert not is_day_off(day, days_off), day
    assert not is_day_off(date(2027, 3, 29), DaysOff())


def test_nudges_skip_christmas_and_easter_monday(knowledge: Knowledge) -> None:
    window = knowledge.window()
    assert window is not None
    zone = local(2026, 1, 1).tzinfo
    assert zone is not None
    # A workshop on Friday 11 December 2026 09:00 with a step after 14 days: Friday 25
    # December, Christmas; the 26th is a Saturday: Monday 28 December, at the opening.
    step = PlanStep("na_twee_weken", 14, "q", None, None)
    due = step_due(local(2026, 12, 11, 9, 0), step, window, zone)  # type: ignore[arg-type]
    assert due == local(2026, 12, 28, 8, 30).astimezone(UTC)
    # "Next week" from Thursday 2 April 2026 is Tuesday 7 April: Monday is Easter Monday.
    later = next_week(local(2026, 4, 2, 10), window, zone)  # type: ignore[arg-type]
    assert later == local(2026, 4, 7, 8, 30).astimezone(UTC)
    # New Year's Eve evening: the next opening is Monday 4 January (1 January is a Friday).
    opening = next_allowed(local(2026, 12, 31, 18), window, zone)  # type: ignore[arg-type]
    assert opening == local(2027, 1, 4, 8, 30).astimezone(UTC)
    assert opening - local(2026, 12, 31, 18) > timedelta(days=3)
