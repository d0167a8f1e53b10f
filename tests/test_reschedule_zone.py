"""Issue 13: moving the workshop of a cohort in another time zone reads the new moment on
that cohort's wall clock ("vandaag 08:00" in Curaçao is still to come at 05:00 there,
though it is 10:00 in Amsterdam), and its members' follow-up questions follow from it in
that zone."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from storage import Database
from tests.followup_helpers import People, actions_of, local, text_of

pytest_plugins = ["tests.storage_fixtures"]

CURACAO = ZoneInfo("America/Curacao")
AUCKLAND = ZoneInfo("Pacific/Auckland")


@pytest.fixture
def people(db: Database, clock: Any) -> People:
    clock.now = local(2026, 11, 23, 10).astimezone(UTC)  # Monday 05:00 in Curaçao
    return People(db, clock, min_group=1)


async def test_a_cohort_elsewhere_is_moved_on_its_own_wall_clock(
    people: People, db: Database
) -> None:
    await people.coordinator("5")
    _, code = await people.create_cohort(
        "5", "Willemstad", "26-11-2026 14:00", zone="america/curacao"
    )
    await people.join_bot("7", code)
    cohort = await db.run(lambda repo: repo.cohorts.by_code(code))
    assert cohort is not None
    listing = await people.send("5", "/cohort")
    (redate,) = [a for a in actions_of(listing) if a.startswith(f"1:c:redate:{cohort.id}")]
    asked = await people.press("5", redate)
    assert "tijdzone van het cohort (America/Curacao)" in text_of(asked)
    moved = await people.send("5", "vandaag 08:00")
    said = text_of(moved)
    assert "al voorbij" not in said and "maandag 23 november 2026 om 08:00" in said, said
    found = await db.run(lambda repo: repo.cohorts.get(cohort.id))
    assert found is not None
    assert found.workshop_at == datetime(2026, 11, 23, 8, tzinfo=CURACAO)
    # Two days later at 08:00 in Curaçao, before its window opens: 08:30 there.
    (first, *_) = await people.nudges("7")
    assert first.due_at == datetime(2026, 11, 25, 8, 30, tzinfo=CURACAO)


async def test_a_moment_past_on_the_cohorts_clock_is_refused(people: People, db: Database) -> None:
    """Auckland is 13 hours ahead: at 10:00 in Amsterdam it is 23:00 there, and "vandaag
    15:00" has passed (in Amsterdam it is still to come)."""
    await people.coordinator("5")
    _, code = await people.create_cohort(
        "5", "Auckland", "26-11-2026 14:00", zone="pacific/auckland"
    )
    cohort = await db.run(lambda repo: repo.cohorts.by_code(code))
    assert cohort is not None
    listing = await people.send("5", "/cohort")
    (redate,) = [a for a in actions_of(listing) if a.startswith(f"1:c:redate:{cohort.id}")]
    await people.press("5", redate)
    refused = await people.send("5", "vandaag 15:00")
    assert "maandag 23 november 2026 om 15:00 is al voorbij" in text_of(refused)
    unchanged = await db.run(lambda repo: repo.cohorts.get(cohort.id))
    assert unchanged is not None
    assert unchanged.workshop_at == datetime(2026, 11, 26, 14, tzinfo=AUCKLAND)
