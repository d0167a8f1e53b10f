"""Cohorts, roles and follow-up nudges through the advisor service, with an injected clock:
who may do what, joining once, plans landing inside the member's window across weekends
and daylight-saving changes, snoozing, opting out, answering."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from storage import AuditEntry, Database, OutboxMessage, Repository
from storage.models import Membership
from tests.followup_helpers import (
    ADMIN,
    People,
    actions_of,
    in_window,
    local,
    text_of,
)

pytest_plugins = ["tests.storage_fixtures"]


@pytest.fixture
def people(db: Database, clock: Any) -> People:
    clock.now = local(2026, 11, 23, 10).astimezone(UTC)  # a Monday
    # Cohorts of one or two members: a minimum group of 1 shows their member counts
    # (what the minimum group hides: tests/test_anonymity.py).
    return People(db, clock, min_group=1)


# -- roles and cohorts ----------------------------------------------------------------


async def test_admin_invites_a_coordinator_who_creates_a_cohort_with_link_and_qr(
    people: People, db: Database
) -> None:
    await people.join_bot(ADMIN)
    invite = await people.press(ADMIN, "1:c:invite")
    token = re.search(r"start=(inv_[A-Za-z0-9]+)", text_of(invite))
    assert token is not None
    joined = await people.join_bot("5", token.group(1))
    assert "U bent nu coördinator" in text_of(joined)
    assert joined.menus == {"5": frozenset({"coordinator"})}
    again = await people.join_bot("6", token.group(1))
    assert "al gebruikt" in text_of(again), "an invite works once"
    assert await db.run(lambda repo: repo.cohorts.roles(5)) == frozenset()

    created, code = await people.create_cohort("5", "Regio <Utrecht> 🙂", "25-11-2026 14:00")
    assert re.fullmatch(r"[A-Za-z0-9]{16}", code)
    assert f"https://t.me/netwerkwijzer_test_bot?start={code}" in text_of(created)
    photo = next(r.attachment for r in created.replies if r.attachment is not None)
    assert photo.kind == "photo" and photo.data.startswith(b"\x89PNG\r\n\x1a\n")
    assert "Regio <Utrecht> 🙂" in text_of(
        created
    ) and "woensdag 25 november 2026 om 14:00" in text_of(created)

    def audit(repo: Repository) -> list[str]:
        return list(repo._session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))

    assert await db.run(audit) == ["invite.created", "role.granted", "cohort.created"]


async def test_a_member_joins_once_and_gets_the_plan_in_the_outbox(
    people: People, db: Database
) -> None:
    await people.coordinator("5")
    _, code = await people.create_cohort("5", "Workshop", "25-11-2026 14:00")
    joined = await people.join_bot("7", code)
    text = text_of(joined)
    assert text.index("U volgt nu: ") < text.index("Vraag 1 van"), "join first"
    assert "De eerste vraag komt op vrijdag 27 november 2026 om 14:00" in text
    planned = await people.nudges("7")
    assert [row.payload["step"] for row in planned] == [
        "na_twee_dagen",
        "na_twee_weken",
        "na_zes_weken",
    ]
    assert planned[0].due_at == local(2026, 11, 27, 14).astimezone(UTC)
    again = await people.send("7", f"/start {code}")
    assert "al; er verandert niets" in text_of(again)

    def memberships(repo: Repository) -> int:
        return int(repo._session.scalar(select(func.count()).select_from(Membership)) or 0)

    assert await db.run(memberships) == 1
    assert len(await people.nudges("7")) == 3, "a second join plans nothing twice"
    listing = await people.send("5", "/cohort")
    assert "1 deelnemer(s)" in text_of(listing)


async def test_unknown_and_closed_codes_get_a_friendly_message_and_the_normal_start(
    people: People,
) -> None:
    unknown = await people.join_bot("8", "NoSuchCode123")
    assert "hoort niet bij een workshop" in text_of(unknown)
    assert "Vraag 1 van" in text_of(unknown)
    await people.coordinator("5")
    _, code = await people.create_cohort("5", "Gesloten workshop", "25-11-2026 14:00")
    cohort_id = (await people.advisor.db.run(lambda repo: repo.cohorts.by_code(code))).id  # type: ignore[union-attr]
    ask = await people.press("5", f"1:c:close:{cohort_id}")
    assert f"1:c:closeyes:{cohort_id}" in actions_of(ask)
    closed = await people.press("5", f"1:c:closeyes:{cohort_id}")
    assert "gesloten" in text_of(closed)
    late = await people.join_bot("9", code)
    assert "is gesloten" in text_of(late) and "Vraag 1 van" in text_of(late)


async def test_coordinators_reach_only_their_own_cohorts_and_members_none(
    people: People,
) -> None:
    await people.coordinator("5")
    await people.coordinator("6")
    _, code = await people.create_cohort("5", "Van vijf", "25-11-2026 14:00")
    cohort = await people.advisor.db.run(lambda repo: repo.cohorts.by_code(code))
    assert cohort is not None
    other = await people.send("6", "/cohort")
    assert "Van vijf" not in text_of(other)
    for data in (f"1:c:link:{cohort.id}", f"1:c:closeyes:{cohort.id}"):
        foreign = await people.press("6", data)
        assert "vind ik niet" in text_of(foreign) and code not in text_of(foreign)
    assert not (await people.advisor.db.run(lambda repo: repo.cohorts.get(cohort.id))).closed  # type: ignore[union-attr]
    # A member: the commands do not exist for them, the buttons have expired.
    await people.join_bot("7", code)
    for command in ("/cohort", "/coordinator", "/coordinator 5"):
        assert "ken ik niet" in text_of(await people.send("7", command))
    for data in (
        "1:c:new",
        f"1:c:link:{cohort.id}",
        "1:c:invite",
        "1:c:revoke:5",
        "1:c:revokeyes:5",
    ):
        pressed = await people.press("7", data)
        assert pressed.notice == "Deze knop is verlopen." and not pressed.effects
    # A coordinator is no admin.
    assert "ken ik niet" in text_of(await people.send("6", "/coordinator"))
    assert (await people.press("6", "1:c:invite")).notice == "Deze knop is verlopen."


async def test_admin_appoints_by_id_and_revokes(people: People) -> None:
    await people.join_bot(ADMIN)
    unknown = await people.send(ADMIN, "/coordinator 12345")
    assert "nog niet gebruikt" in text_of(unknown)
    await people.join_bot("12345")
    appointed = await people.send(ADMIN, "/coordinator 12345")
    assert "is nu coördinator" in text_of(appointed)
    assert appointed.menus == {"12345": frozenset({"coordinator"})}
    user_id = await people.user_id("12345")
    listing = await people.send(ADMIN, "/coordinator")
    assert f"1:c:revoke:{user_id}" in actions_of(listing)
    asked = await people.press(ADMIN, f"1:c:revoke:{user_id}")  # asks first (issue 13)
    assert "Weet u het zeker?" in text_of(asked) and not asked.menus
    revoked = await people.press(ADMIN, f"1:c:revokeyes:{user_id}")
    assert "geen coördinator meer" in text_of(revoked) and revoked.menus == {"12345": frozenset()}
    assert "ken ik niet" in text_of(await people.send("12345", "/cohort"))
    assert "alleen cijfers" in text_of(await people.send(ADMIN, "/coordinator abc"))


# -- planning in the window ---------------------------------------------------------------


async def test_plans_across_a_weekend_and_the_autumn_clock_change_land_in_the_window(
    people: People,
) -> None:
    people.clock.now = local(2026, 10, 20, 9).astimezone(UTC)
    await people.coordinator("5")
    # Friday 23 October 16:00; the clocks go back on Sunday 25 October.
    _, code = await people.create_cohort("5", "Herfst", "23-10-2026 16:00")
    await people.join_bot("7", code)
    due = [row.due_at for row in await people.nudges("7")]
    assert due == [
        local(2026, 10, 26, 8, 30).astimezone(UTC),  # Sunday → Monday's opening, in CET
        local(2026, 11, 6, 16).astimezone(UTC),
        local(2026, 12, 4, 16).astimezone(UTC),
    ]
    assert due[0] == datetime(2026, 10, 26, 7, 30, tzinfo=UTC)
    assert all(in_window(d, "08:30", "17:30") for d in due)


async def test_the_spring_clock_change_and_a_member_in_another_time_zone(
    people: People,
) -> None:
    people.clock.now = local(2027, 3, 22, 9).astimezone(UTC)
    await people.coordinator("5")
    # Friday 26 March 2027 17:00 in Curaçao (no DST); "kort": +1 day, +7 days.
    _, code = await people.create_cohort(
        "5", "Lente", "26-03-2027 17:00", plan="kort", zone="america/curacao"
    )
    await people.join_bot("7", code)
    await people.press("7", "1:n:window:ochtend")
    due = [row.due_at for row in await people.nudges("7")]
    curacao = ZoneInfo("America/Curacao")
    # Monday 29 March 2027 is Easter Monday, a day off (tests/test_reminders.py).
    assert due == [
        datetime(2027, 3, 30, 8, 30, tzinfo=curacao).astimezone(UTC),
        datetime(2027, 4, 5, 8, 30, tzinfo=curacao).astimezone(UTC),
    ]
    assert all(in_window(d, "08:30", "12:00", curacao) for d in due)
    # And in Amsterdam the spring change moves nothing off the wall clock.
    _, code = await people.create_cohort("5", "Lente NL", "26-03-2027 10:00", plan="kort")
    await people.join_bot("8", code)
    due = [row.due_at for row in await people.nudges("8")]
    assert due == [
        # Saturday → Tuesday (Monday is Easter Monday), now in CEST
        local(2027, 3, 30, 8, 30).astimezone(UTC),
        local(2027, 4, 2, 10).astimezone(UTC),
    ]
    assert due[0] == datetime(2027, 3, 30, 6, 30, tzinfo=UTC)


async def test_steps_already_past_at_joining_are_not_planned(people: People) -> None:
    await people.coordinator("5")
    _, code = await people.create_cohort("5", "Vorige maand", "02-11-2026 10:00")
    await people.join_bot("7", code)
    assert [row.payload["step"] for row in await people.nudges("7")] == ["na_zes_weken"]


# -- the member's choices -----------------------------------------------------------------


async def deliver_first(people: People, user: str) -> OutboxMessage:
    """Mark the member's first nudge as sent, as the outbox sender would."""
    first = (await people.nudges(user))[0]
    people.clock.now = first.due_at

    def send(repo: Repository) -> None:
        claimed = repo.outbox.claim_due(first.due_at, 1, "test", timedelta(minutes=5))
        assert [item.id for item in claimed] == [first.id]
        assert repo.outbox.mark_sent(first.id, "test", first.due_at)

    await people.db.run(send)
    return first


async def test_snooze_to_the_next_working_day_or_next_week(people: People) -> None:
    await people.coordinator("5")
    _, code = await people.create_cohort("5", "Workshop", "23-11-2026 14:00")  # Monday
    await people.join_bot("7", code)
    first = await deliver_first(people, "7")  # Wednesday 25 November 14:00
    later = await people.press("7", f"1:n:later:{first.id}")
    assert "donderdag 26 november 2026 om 08:30" in text_of(later)
    snoozed = [row for row in await people.nudges("7") if "snoozed_from" in row.payload]
    assert [row.due_at for row in snoozed] == [local(2026, 11, 26, 8, 30).astimezone(UTC)]
    week = await people.press("7", f"1:n:week:{first.id}")
    assert "maandag 30 november 2026 om 08:30" in text_of(week)
    snoozed = [row for row in await people.nudges("7") if "snoozed_from" in row.payload]
    assert [row.due_at for row in snoozed] == [local(2026, 11, 30, 8, 30).astimezone(UTC)]
    assert snoozed[0].payload["step"] == "na_twee_dagen"
    assert (
        (await people.press("7", "1:n:later:999999"))
        .replies[0]
        .plain.startswith("Die vraag kan ik niet")
    )


async def test_opting_out_cancels_and_a_new_window_plans_again(people: People) -> None:
    await people.coordinator("5")
    _, code = await people.create_cohort("5", "Workshop", "23-11-2026 09:00")
    await people.join_bot("7", code)
    assert len(await people.nudges("7")) == 3
    stopped = await people.send("7", "/stop")
    assert "geen herinneringen" in text_of(stopped).lower()
    assert await people.nudges("7") == []
    assert len(await people.nudges("7", "cancelled")) == 3
    settings = await people.send("7", "/herinneringen")
    assert "staan uit" in text_of(settings) and "1:n:window:middag" in actions_of(settings)
    chosen = await people.press("7", "1:n:window:middag")
    assert "Middagen" in text_of(chosen)
    due = [row.due_at for row in await people.nudges("7")]
    assert len(due) == 3 and all(in_window(d, "12:00", "17:00") for d in due)
    assert due[0] == local(2026, 11, 25, 12).astimezone(UTC)  # 09:00 moves to noon
    assert await people.nudges("7", "cancelled") == []
    # Nudges off, then joining another cohort plans nothing.
    await people.press("7", "1:n:stop")
    _, other = await people.create_cohort("5", "Tweede", "30-11-2026 10:00")
    await people.send("7", f"/start {other}")
    assert await people.nudges("7") == []


async def test_an_answer_is_kept_as_a_reflection_after_the_client_data_guard(
    people: People, db: Database
) -> None:
    await people.coordinator("5")
    _, code = await people.create_cohort("5", "Workshop", "23-11-2026 14:00")
    await people.join_bot("7", code)
    await people.press("7", "1:size:groot")  # the member was at question 2
    first = await deliver_first(people, "7")
    prompt = await people.press("7", f"1:n:reply:{first.id}")
    assert prompt.state.state == "reply"
    warned = await people.send("7", "Ik belde mevrouw Jansen op 06-12345678 over haar zoon")
    assert "1:n:redacted" in actions_of(warned)
    user_id = await people.user_id("7")
    assert await db.run(lambda repo: repo.list_reflections(user_id)) == []
    kept = await people.press("7", "1:n:redacted")
    assert kept.state.state == "q_subgroups", "back where the member was"
    reflections = await db.run(lambda repo: repo.list_reflections(user_id))
    assert len(reflections) == 1 and "06-12345678" not in reflections[0].text
    assert reflections[0].outbox_id == first.id and reflections[0].subject == "followup"
    # A plain answer, and cancelling.
    await people.press("7", f"1:n:reply:{first.id}")
    await people.send("7", "We hebben de agenda omgegooid.")
    await people.press("7", f"1:n:reply:{first.id}")
    cancelled = await people.press("7", "1:n:cancel")
    assert "niets bewaard" in text_of(cancelled)
    texts = [r.text for r in await db.run(lambda repo: repo.list_reflections(user_id))]
    assert texts[1:] == ["We hebben de agenda omgegooid."]


async def test_moving_the_workshop_re_plans_every_member_without_duplicates(
    people: People, db: Database
) -> None:
    await people.coordinator("5")
    _, code = await people.create_cohort("5", "Verplaatst", "25-11-2026 14:00")
    await people.join_bot("7", code)
    await people.join_bot("8", code)
    await people.press("8", "1:n:window:ochtend")
    cohort = await db.run(lambda repo: repo.cohorts.by_code(code))
    assert cohort is not None
    ask = await people.press("5", f"1:c:redate:{cohort.id}")
    assert "nieuwe datum" in text_of(ask)
    moved = await people.send("5", "02-12-2026 10:00")
    assert "woensdag 2 december 2026 om 10:00" in text_of(moved) and "2 deelnemer(s)" in text_of(
        moved
    )
    seven = await people.nudges("7")
    assert [row.due_at for row in seven] == [
        local(2026, 12, 4, 10).astimezone(UTC),
        local(2026, 12, 16, 10).astimezone(UTC),
        local(2027, 1, 13, 10).astimezone(UTC),
    ], "moved, not added"
    eight = await people.nudges("8")
    assert len(eight) == 3 and all(in_window(r.due_at, "08:30", "12:00") for r in eight)
    # Moved into the past: the steps that have passed are cancelled, not sent late.
    await people.press("5", f"1:c:redate:{cohort.id}")
    await people.send("5", "20-10-2026 10:00")
    assert [r.payload["step"] for r in await people.nudges("7")] == ["na_zes_weken"]
    assert len(await people.nudges("7", "cancelled")) == 2
    # Another coordinator cannot move it.
    await people.coordinator("6")
    await people.press("6", f"1:c:redate:{cohort.id}")
    refused = await people.send("6", "01-01-2027 10:00")
    assert "vind ik niet" in text_of(refused)
    assert (await db.run(lambda repo: repo.cohorts.get(cohort.id))).workshop_at == local(  # type: ignore[union-attr]
        2026, 10, 20, 10
    ).astimezone(UTC)


async def test_a_user_with_consent_but_no_conversation_gets_past_the_gate(
    people: People, db: Database
) -> None:
    def seed(repo: Repository) -> None:
        user = repo.get_or_create_user("telegram", "77", "nl")
        repo.set_consent(user.id, True)

    await db.run(seed)
    consent = await people.send("77", "/start")
    assert "1:p:consent:yes" in actions_of(consent)
    agreed = await people.press("77", "1:p:consent:yes")
    assert agreed.notice is None and "Vraag 1 van" in text_of(agreed)
