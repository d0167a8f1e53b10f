"""Coordinator and cohort screens as a review found them wanting (issue 13): the list of
coordinators shows no Telegram ids and asks before revoking, the joining sentence reads
well whatever the cohort is called, and a cohort list numbers its items as its buttons."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import pytest

from flows.dates import when
from flows.events import Event
from flows.screens import Say
from storage import Database
from tests.followup_helpers import ADMIN, People, actions_of, local, text_of

pytest_plugins = ["tests.storage_fixtures"]

COORDINATOR_ID = "987654321"


@pytest.fixture
def people(db: Database, clock: Any) -> People:
    clock.now = local(2026, 12, 6, 10).astimezone(UTC)  # a Sunday
    return People(db, clock, min_group=1)


async def test_the_coordinator_list_names_people_without_their_telegram_ids(
    people: People,
) -> None:
    await people.coordinator(COORDINATOR_ID)
    await people.create_cohort(COORDINATOR_ID, "Regio <Zuid>", "10-12-2026 14:00")
    listing = await people.send(ADMIN, "/coordinator")
    shown = text_of(listing) + " ".join(
        button.label for reply in listing.replies for row in reply.buttons for button in row
    )
    assert COORDINATOR_ID not in shown and "Telegram" not in shown
    assert "1. Coördinator sinds 6 december 2026 · cohorten: Regio <Zuid>" in text_of(listing)
    labels = [b.label for r in listing.replies for row in r.buttons for b in row]
    assert "Intrekken: coördinator 1" in labels


async def test_revoking_asks_first_and_a_second_tap_changes_nothing(people: People) -> None:
    await people.coordinator(COORDINATOR_ID)
    user_id = await people.user_id(COORDINATOR_ID)
    listing = await people.send(ADMIN, "/coordinator")
    asked = await people.press(ADMIN, f"1:c:revoke:{user_id}")
    assert "Weet u het zeker?" in text_of(asked) and COORDINATOR_ID not in text_of(asked)
    assert actions_of(asked) == [f"1:c:revokeyes:{user_id}", "1:c:revokeno"]
    assert "coordinator" in await roles(people, COORDINATOR_ID), "nothing revoked yet"
    kept = await people.press(ADMIN, "1:c:revokeno")
    assert kept.notice == "Er verandert niets."
    assert "coordinator" in await roles(people, COORDINATOR_ID)

    revoked = await people.press(ADMIN, f"1:c:revokeyes:{user_id}")
    assert "geen coördinator meer" in text_of(revoked) and COORDINATOR_ID not in text_of(revoked)
    assert "coordinator" not in await roles(people, COORDINATOR_ID)
    double = await people.press(ADMIN, f"1:c:revokeyes:{user_id}")
    assert double.notice == "Al ontvangen." and not double.effects and not double.menus
    stale = await people.press(ADMIN, next(a for a in actions_of(listing) if ":revoke:" in a))
    assert "geen coördinator (meer)" in text_of(stale), "an old list's button asks nothing"
    later = await people.press(ADMIN, f"1:c:revokeyes:{user_id}")
    assert "geen coördinator (meer)" in text_of(later) and not later.menus


async def roles(people: People, user: str) -> frozenset[str]:
    user_id = await people.user_id(user)
    return await people.db.run(lambda repo: repo.cohorts.roles(user_id))


@pytest.mark.parametrize(
    ("lang", "name"),
    [("nl", "Workshop Zuid"), ("nl", "Regiobijeenkomst"), ("en", "Workshop Zuid")],
)
async def test_joining_names_the_cohort_once_whatever_it_is_called(
    people: People, lang: str, name: str
) -> None:
    await people.coordinator("5")
    _, code = await people.create_cohort("5", name, "10-12-2026 14:00")
    consent = await people.advisor.handle("telegram", "7", Event("command", code, "start"), lang)
    agree = next(a for a in actions_of(consent) if a.startswith("1:p:consent:yes"))
    joined = await people.advisor.handle("telegram", "7", Event("action", agree), lang)
    text = text_of(joined)
    assert name in text
    assert not re.search(r"workshop\W+workshop", text, re.IGNORECASE), text
    opening = {"nl": f"U volgt nu: {name} (", "en": f"You are now following: {name} ("}
    assert opening[lang] in text, text


async def test_the_cohort_list_numbers_its_items_as_its_buttons(people: People) -> None:
    await people.coordinator("5")
    await people.create_cohort("5", "Eerste", "10-12-2026 14:00")
    await people.create_cohort("5", "Tweede", "11-12-2026 14:00")
    listing = await people.send("5", "/cohort")
    text = text_of(listing)
    labels = {b.action: b.label for r in listing.replies for row in r.buttons for b in row}
    for number, name in ((1, "Tweede"), (2, "Eerste")):  # the latest workshop first
        assert f"{number}. {name}" in text, text
        cohort_id = next(
            a.rsplit(":", 1)[1]
            for a in labels
            if a.startswith("1:c:link:") and labels[a].startswith(f"{number}.")
        )
        shown = await people.press("5", f"1:c:link:{cohort_id}")
        assert name in text_of(shown)


# -- dates: typed as people do, shown one way --------------------------------------------


async def ask_date(people: People, text: str) -> str:
    await people.send("5", "/cohort")
    await people.press("5", "1:c:new")
    await people.send("5", "Regio Zuid")
    return text_of(await people.send("5", text))


async def test_a_typed_date_is_echoed_as_understood(people: People) -> None:
    await people.coordinator("5")
    echoed = await ask_date(people, "volgende week dinsdag 14:00")
    assert echoed.startswith("Dat is dinsdag 8 december 2026 om 14:00."), echoed
    assert "Welk vervolgplan" in echoed


async def test_a_date_not_understood_is_quoted_back_escaped(people: People) -> None:
    await people.coordinator("5")
    refused = await ask_date(people, "ergens <b>binnenkort</b>")
    assert "«ergens <b>binnenkort</b>» kan ik niet als datum lezen" in refused
    assert "Wanneer is (of was)" in refused, "the question again"


async def test_a_moment_passed_without_its_year_is_refused(people: People) -> None:
    await people.coordinator("5")
    refused = await ask_date(people, "vandaag 08:00")
    assert "zondag 6 december 2026 om 08:00 is al voorbij" in refused
    assert "Welk vervolgplan" not in refused
    told = text_of(await people.send("5", "3-12-2026 14:00"))
    assert told.startswith("Dat was donderdag 3 december 2026 om 14:00"), told


async def test_every_screen_shows_a_date_the_same_way(people: People) -> None:
    await people.coordinator("5")
    created, code = await people.create_cohort("5", "Regio Zuid", "10-12-2026 14:00")
    shown = "donderdag 10 december 2026 om 14:00"
    assert shown in text_of(created)
    assert shown in text_of(await people.send("5", "/cohort"))
    joined = await people.join_bot("7", code)
    assert shown in text_of(joined)
    assert re.search(r"\d{2}-\d{2}-\d{4}", text_of(joined)) is None
    english = Say(people.advisor.knowledge, "en")
    assert when(english, datetime(2026, 12, 10, 14)) == "Thursday 10 December 2026 at 14:00"
