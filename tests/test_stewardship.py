"""Housekeeping of issue 14: coordinator invitations expire, are listed and revoked, stop
working when their issuer is no admin any more or erased their data, and the audit names
the issuer; a cohort whose coordinator was revoked or erased takes no new members until
an admin adopts or closes it, and an erased coordinator's cohort names and broadcast
texts are erased with them."""

from __future__ import annotations

from datetime import UTC, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from storage import AuditEntry, Database, OutboxMessage, Repository
from storage.models import Broadcast, Cohort
from tests.followup_helpers import ADMIN, People, actions_of, local, text_of

pytest_plugins = ["tests.storage_fixtures"]


@pytest.fixture
def people(db: Database, clock: Any) -> People:
    clock.now = local(2026, 11, 23, 10).astimezone(UTC)
    return People(db, clock)


async def invite(people: People) -> str:
    return await people.invite()


async def roles(people: People, user: str) -> frozenset[str]:
    user_id = await people.user_id(user)
    return await people.db.run(lambda repo: repo.cohorts.roles(user_id))


async def test_an_invitation_expires_after_seven_days(people: People, clock: Any) -> None:
    token = await invite(people)
    clock.advance(days=7, minutes=1)
    joined = await people.join_bot("5", token)
    assert "U bent nu coördinator" not in text_of(joined)
    assert await roles(people, "5") == frozenset()


async def test_open_invitations_are_listed_and_can_be_revoked(people: People) -> None:
    token = await invite(people)
    listing = await people.send(ADMIN, "/coordinator")
    assert "Openstaande uitnodigingen" in text_of(listing)
    revoke = next(a for a in actions_of(listing) if a.startswith("1:c:invrev:"))
    revoked = await people.press(ADMIN, revoke)
    assert "ingetrokken" in text_of(revoked)
    joined = await people.join_bot("5", token)
    assert await roles(people, "5") == frozenset()
    assert "U bent nu coördinator" not in text_of(joined)
    again = await people.send(ADMIN, "/coordinator")
    assert "Openstaande uitnodigingen" not in text_of(again)


async def test_an_invitation_stops_when_its_issuer_left_admin_ids(
    people: People, db: Database, clock: Any
) -> None:
    token = await invite(people)
    later = People(db, clock)
    later.advisor.admins = frozenset()  # ADMIN_IDS without the issuer now
    later.advisor.followup.stewardship.admins = frozenset()
    await later.join_bot("5", token)
    assert await roles(later, "5") == frozenset()


async def test_an_invitation_stops_when_its_issuer_erased_their_data(people: People) -> None:
    token = await invite(people)
    asked = await people.send(ADMIN, "/vergeet")
    await people.press(ADMIN, next(a for a in actions_of(asked) if a.endswith(":forget:yes")))
    await people.join_bot("5", token)
    assert await roles(people, "5") == frozenset()


async def test_the_audit_names_the_issuer_of_a_redeemed_invitation(
    people: People, db: Database
) -> None:
    token = await invite(people)
    await people.join_bot("5", token)
    assert await roles(people, "5") == frozenset({"coordinator"})
    admin, member = await people.user_id(ADMIN), await people.user_id("5")

    def granted(repo: Repository) -> list[tuple[int | None, str]]:
        query = select(AuditEntry.actor_user_id, AuditEntry.subject).where(
            AuditEntry.action == "role.granted"
        )
        return [(a, s) for a, s in repo._session.execute(query)]

    assert await db.run(granted) == [(admin, f"user:{member}")]


async def coordinator_with_cohort(people: People) -> tuple[int, str]:
    await people.coordinator("5")
    _, code = await people.create_cohort("5", "Regio Noord", "20-11-2026 10:00")
    await people.join_bot("70", code)
    cohort = await people.db.run(lambda repo: repo.cohorts.by_code(code))
    assert cohort is not None
    return cohort.id, code


async def test_a_cohort_whose_coordinator_was_revoked_waits_for_an_admin(
    people: People,
) -> None:
    cohort_id, code = await coordinator_with_cohort(people)
    nudges_before = await people.nudges("70")
    assert nudges_before, "the member has follow-up nudges planned"
    coordinator = await people.user_id("5")
    await people.press(ADMIN, f"1:c:revokeyes:{coordinator}")

    refused = await people.join_bot("71", code)
    assert "kunt u zich nu niet aanmelden" in text_of(refused)
    assert len(await people.nudges("70")) == len(nudges_before), "members keep their nudges"

    listing = await people.send(ADMIN, "/cohort")
    assert "Regio Noord" in text_of(listing) and "zonder coördinator" in text_of(listing)
    assert f"1:c:adopt:{cohort_id}" in actions_of(listing)
    assert f"1:c:close:{cohort_id}" in actions_of(listing)
    adopted = await people.press(ADMIN, f"1:c:adopt:{cohort_id}")
    assert "coördinator van" in text_of(adopted)
    joined = await people.send("71", f"/start {code}")
    assert "Regio Noord" in text_of(joined) and "geen nieuwe" not in text_of(joined)


async def test_an_admin_closes_a_cohort_without_owner(people: People) -> None:
    cohort_id, _code = await coordinator_with_cohort(people)
    await people.press(ADMIN, f"1:c:revokeyes:{await people.user_id('5')}")
    await people.press(ADMIN, f"1:c:close:{cohort_id}")
    await people.press(ADMIN, f"1:c:closeyes:{cohort_id}")
    cohort = await people.db.run(lambda repo: repo.cohorts.get(cohort_id))
    assert cohort is not None and cohort.closed


async def test_an_erased_coordinators_cohort_names_and_broadcast_texts_are_erased(
    people: People, db: Database
) -> None:
    cohort_id, code = await coordinator_with_cohort(people)
    await people.broadcast("5", "Een vraag van Regio Noord aan u")
    asked = await people.send("5", "/vergeet")
    await people.press("5", next(a for a in actions_of(asked) if a.endswith(":forget:yes")))

    def left(repo: Repository) -> tuple[list[str], list[str], list[str]]:
        session = repo._session
        names = list(session.scalars(select(Cohort.name)))
        texts = list(session.scalars(select(Broadcast.text)))
        statuses = list(
            session.scalars(select(OutboxMessage.status).where(OutboxMessage.kind == "broadcast"))
        )
        return names, texts, statuses

    names, texts, statuses = await db.run(left)
    assert "Regio Noord" not in names and texts == [""]
    assert statuses == ["cancelled"], "a text that is gone is not sent"
    refused = await people.join_bot("71", code)
    assert "kunt u zich nu niet aanmelden" in text_of(refused)
    listing = await people.send(ADMIN, "/cohort")
    assert f"1:c:adopt:{cohort_id}" in actions_of(listing)
    # Review 6, F35: the erased name is no "—" inside a sentence.
    assert "de workshop van 20 november 2026" in text_of(refused), text_of(refused)
    again = await people.send("70", f"/start {code}")
    assert "U volgt **de workshop van 20 november 2026** al" in text_of(again) or (
        "U volgt de workshop van 20 november 2026 al" in text_of(again)
    ), text_of(again)
    for said in (text_of(refused), text_of(again), text_of(listing)):
        assert "—" not in said, said


async def test_retention_erases_an_inactive_coordinators_cohort_names(
    people: People, db: Database, clock: Any
) -> None:
    await coordinator_with_cohort(people)
    coordinator = await people.user_id("5")
    forgotten = await db.run(
        lambda repo: repo.privacy.forget_inactive(clock.now + timedelta(seconds=1))
    )
    assert forgotten >= 1

    def names(repo: Repository) -> list[str]:
        return list(repo._session.scalars(select(Cohort.name)))

    assert "Regio Noord" not in await db.run(names)
    assert coordinator


def test_invite_days_is_read_from_the_environment() -> None:
    from bot.settings import Settings, SettingsError

    assert Settings.from_env({}).invite_days == 7
    assert Settings.from_env({"INVITE_DAYS": "2"}).invite_days == 2
    with pytest.raises(SettingsError, match="INVITE_DAYS"):
        Settings.from_env({"INVITE_DAYS": "0"})


async def test_a_shorter_invite_validity_is_honoured(db: Database, clock: Any) -> None:
    clock.now = local(2026, 11, 23, 10).astimezone(UTC)
    people = People(db, clock)
    people.advisor.followup.stewardship.invite_valid = timedelta(days=2)
    token = await invite(people)
    clock.advance(days=2, minutes=1)
    await people.join_bot("5", token)
    assert await roles(people, "5") == frozenset()


async def test_moving_a_cohort_confirms_before_going_back_to_the_intake(people: People) -> None:
    """Review 6, F33: mid-intake, "verplaatst" came after the coordinator's own question."""
    cohort_id, _ = await coordinator_with_cohort(people)
    await people.send("5", "/start")
    await people.send("5", "/cohort")
    await people.press("5", f"1:c:redate:{cohort_id}")
    moved = await people.send("5", "11-12-2026 09:00")
    said = [r.plain for r in moved.replies]
    where = next(i for i, text in enumerate(said) if "is verplaatst naar" in text)
    assert where == 0, said
    assert len(said) > 1 and "Dat is" not in " ".join(said), said  # then where it was
