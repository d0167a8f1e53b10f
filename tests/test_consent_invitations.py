"""The consent question of a coordinator invitation says whether agreeing makes the user a
coordinator: an invitation used by someone else, expired, revoked, or whose admin left
ADMIN_IDS said "Als u akkoord gaat, neem ik de uitnodiging aan", yet agreeing made nobody
a coordinator. Agreeing then does what the question said."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC
from typing import Any

import pytest

from storage import Database
from tests.followup_helpers import ADMIN, People, actions_of, local, text_of

pytest_plugins = ["tests.storage_fixtures"]

MOST = 1200
USER = "8"
VALID = "Als u akkoord gaat, neem ik de uitnodiging aan"
SPENT = "maar die is niet meer geldig"


@pytest.fixture
def people(db: Database, clock: Any) -> People:
    clock.now = local(2026, 11, 23, 10).astimezone(UTC)
    return People(db, clock)


async def invite(people: People) -> str:
    return await people.invite()


async def usable(people: People, clock: Any) -> str:
    return await invite(people)


async def used(people: People, clock: Any) -> str:
    token = await invite(people)
    assert "U bent nu coördinator" in text_of(await people.join_bot("7", token))
    return token


async def expired(people: People, clock: Any) -> str:
    token = await invite(people)
    clock.advance(days=7, minutes=1)
    return token


async def revoked(people: People, clock: Any) -> str:
    token = await invite(people)
    listing = await people.send(ADMIN, "/coordinator")
    await people.press(ADMIN, next(a for a in actions_of(listing) if a.startswith("1:c:invrev:")))
    return token


async def issuer_erased(people: People, clock: Any) -> str:
    token = await invite(people)
    asked = await people.send(ADMIN, "/vergeet")
    await people.press(ADMIN, next(a for a in actions_of(asked) if a.endswith(":forget:yes")))
    return token


Make = Callable[[People, Any], Awaitable[str]]


async def roles(people: People, user: str) -> frozenset[str]:
    user_id = await people.user_id(user)
    return await people.db.run(lambda repo: repo.cohorts.roles(user_id))


@pytest.mark.parametrize(
    ("make", "valid"),
    [(usable, True), (used, False), (expired, False), (revoked, False), (issuer_erased, False)],
)
async def test_the_question_says_whether_agreeing_makes_a_coordinator(
    people: People, clock: Any, make: Make, valid: bool
) -> None:
    token = await make(people, clock)
    consent = await people.send(USER, f"/start {token}")
    shown = text_of(consent)
    assert len(shown) <= MOST, shown
    assert (VALID in shown) is valid and (SPENT in shown) is not valid, shown
    assert "hoort bij" not in shown and "vervolgvragen" not in shown, shown
    agree = next(a for a in actions_of(consent) if a.startswith("1:p:consent:yes"))
    agreed = text_of(await people.press(USER, agree))
    assert ("U bent nu coördinator" in agreed) is valid, agreed
    assert ("coordinator" in await roles(people, USER)) is valid
    if not valid:
        assert "verlopen of ingetrokken" in agreed, agreed


async def test_in_english_a_spent_invitation_says_so_too(people: People, clock: Any) -> None:
    token = await used(people, clock)
    await people.send(USER, "/language en")
    shown = text_of(await people.send(USER, f"/start {token}"))
    assert "but it is no longer valid" in shown and len(shown) <= MOST, shown
