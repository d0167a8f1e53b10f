"""A cohort's name is shown to every member: it goes through the client-data guard like
every other stored text, and a name with client data is not kept at all (issue 14)."""

from __future__ import annotations

from datetime import UTC
from typing import Any

import pytest
from sqlalchemy import select

from storage import Database, Repository
from storage.models import Cohort
from tests.followup_helpers import People, local, text_of

pytest_plugins = ["tests.storage_fixtures"]


@pytest.fixture
def people(db: Database, clock: Any) -> People:
    clock.now = local(2026, 11, 23, 10).astimezone(UTC)
    return People(db, clock)


async def test_a_cohort_name_with_client_data_is_refused_and_not_stored(
    people: People, db: Database
) -> None:
    await people.coordinator("5")
    await people.send("5", "/cohort")
    await people.press("5", "1:c:new")
    refused = await people.send("5", "Groep jan de vries bsn 123-456-782 tel 06.12345678")
    assert "gegevens van cliënten" in text_of(refused)
    assert "123-456-782" not in text_of(refused)

    def stored(repo: Repository) -> tuple[list[str], str]:
        names = list(repo._session.scalars(select(Cohort.name)))
        record = repo.visit("telegram", "5", "nl").conversation
        return names, repr(record.data if record is not None else {})

    names, data = await db.run(stored)
    assert names == [] and "123-456-782" not in data and "06.12345678" not in data

    # The dialogue asks again; a clean name goes through.
    await people.send("5", "Regio Utrecht voorjaar")
    await people.send("5", "25-11-2026 14:00")
    await people.press("5", "1:c:plan:standaard")
    created = await people.press("5", "1:c:create")
    assert "Regio Utrecht voorjaar" in text_of(created)
    names, _ = await db.run(stored)
    assert names == ["Regio Utrecht voorjaar"]
