"""Cohorts, memberships, roles, invites and nudge settings (``repo.cohorts``), and the
outbox's ``plan`` and ``get`` (``repo.outbox``).

Against real databases: SQLite always, PostgreSQL when ``TEST_DATABASE_URL`` is set (see
``tests/storage_fixtures.py``).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select

from storage import Database, OutboxMessage, Repository, User
from storage.cohorts import CohortInfo, Coordinator, NudgeSettings
from storage.models import Cohort, CoordinatorInvite, Membership

if TYPE_CHECKING:
    from tests.storage_fixtures import FakeClock

pytest_plugins = ["tests.storage_fixtures"]

LEASE = timedelta(minutes=5)
ZONE = "Europe/Amsterdam"


# helpers


async def new_user(db: Database, channel_user_id: str, consent: bool | None = None) -> int:
    def work(repo: Repository) -> int:
        user_id = repo.get_or_create_user("telegram", channel_user_id, "nl").id
        if consent is not None:
            repo.set_consent(user_id, consent)
        return user_id

    return await db.run(work)


async def new_cohort(
    db: Database, owner: int, code: str, workshop_at: datetime, name: str = ""
) -> CohortInfo:
    return await db.run(
        lambda repo: repo.cohorts.create(
            owner, code, name or f"workshop {code}", workshop_at, ZONE, "kort"
        )
    )


async def join(db: Database, cohort_id: int, user_id: int) -> bool:
    return await db.run(lambda repo: repo.cohorts.join(cohort_id, user_id))


async def get(db: Database, cohort_id: int) -> CohortInfo | None:
    return await db.run(lambda repo: repo.cohorts.get(cohort_id))


async def membership_rows(db: Database, cohort_id: int, user_id: int) -> int:
    query = (
        select(func.count())
        .select_from(Membership)
        .where(Membership.cohort_id == cohort_id, Membership.user_id == user_id)
    )
    return await db.run_connection(lambda connection: connection.execute(query).scalar_one())


async def cohort_row(db: Database, cohort_id: int) -> Any:
    query = select(Cohort).where(Cohort.id == cohort_id)
    return await db.run_connection(lambda connection: connection.execute(query).one())


async def invite_row(db: Database, token: str) -> Any:
    query = select(CoordinatorInvite).where(CoordinatorInvite.token == token)
    return await db.run_connection(lambda connection: connection.execute(query).one())


async def outbox_row(db: Database, key: str) -> Any:
    query = select(OutboxMessage).where(OutboxMessage.idempotency_key == key)
    return await db.run_connection(lambda connection: connection.execute(query).one())


async def outbox_count(db: Database) -> int:
    query = select(func.count()).select_from(OutboxMessage)
    return await db.run_connection(lambda connection: connection.execute(query).scalar_one())


async def plan(
    db: Database, user_id: int, planned: list[tuple[str, datetime, dict[str, Any]]]
) -> int:
    return await db.run(lambda repo: repo.outbox.plan(user_id, "nudge", planned))


def assert_utc(value: datetime) -> None:
    assert value.tzinfo is not None
    assert value.utcoffset() == timedelta(0)


# cohorts


async def test_create_get_and_by_code(db: Database, clock: FakeClock) -> None:
    owner = await new_user(db, "1001")
    workshop = clock.now + timedelta(days=7)
    created = await new_cohort(db, owner, "abc123", workshop, name="Netwerken in Utrecht")
    assert created == CohortInfo(
        id=created.id,
        code="abc123",
        name="Netwerken in Utrecht",
        workshop_at=workshop,
        timezone=ZONE,
        plan="kort",
        owner_user_id=owner,
        closed=False,
        members=0,
    )

    fetched = await get(db, created.id)
    assert fetched == created
    assert fetched is not None
    assert fetched.closed is False
    assert_utc(fetched.workshop_at)

    assert await db.run(lambda repo: repo.cohorts.by_code("abc123")) == created
    assert await db.run(lambda repo: repo.cohorts.by_code("ABC123")) is None
    assert await db.run(lambda repo: repo.cohorts.by_code("onbekend")) is None
    assert await get(db, created.id + 1000) is None

    row = await cohort_row(db, created.id)
    assert (row.created_at, row.closed_at) == (clock.now, None)


async def test_owned_by_shows_only_the_owners_cohorts_latest_workshop_first(
    db: Database, clock: FakeClock
) -> None:
    alice = await new_user(db, "1001")
    bob = await new_user(db, "1002")
    members = [await new_user(db, f"20{n}") for n in range(3)]
    now = clock.now
    # Created in an order that differs from the workshop order, so id order is wrong.
    late = await new_cohort(db, alice, "late", now + timedelta(days=30))
    early = await new_cohort(db, alice, "early", now + timedelta(days=2))
    middle = await new_cohort(db, alice, "middle", now + timedelta(days=10))
    tie = await new_cohort(db, alice, "tie", now + timedelta(days=10))  # same time: by id desc
    bobs = await new_cohort(db, bob, "bobs", now + timedelta(days=20))

    for user_id in members:
        assert await join(db, early.id, user_id)
    assert await join(db, middle.id, members[0])
    assert await join(db, bobs.id, members[1])

    alices = await db.run(lambda repo: repo.cohorts.owned_by(alice))
    assert [c.code for c in alices] == ["late", "tie", "middle", "early"]
    assert [c.members for c in alices] == [0, 0, 1, 3]
    assert {c.owner_user_id for c in alices} == {alice}
    assert [c.id for c in alices] == [late.id, tie.id, middle.id, early.id]

    bobs_list = await db.run(lambda repo: repo.cohorts.owned_by(bob))
    assert [(c.id, c.code, c.members) for c in bobs_list] == [(bobs.id, "bobs", 1)]

    assert await db.run(lambda repo: repo.cohorts.owned_by(members[0])) == []
    early_now = await get(db, early.id)
    assert early_now is not None
    assert early_now.members == 3


# members


async def test_join_once_and_is_member(db: Database, clock: FakeClock) -> None:
    owner = await new_user(db, "1001")
    member = await new_user(db, "1002")
    other = await new_user(db, "1003")
    cohort = await new_cohort(db, owner, "c1", clock.now + timedelta(days=7))
    second = await new_cohort(db, owner, "c2", clock.now + timedelta(days=8))

    assert not await db.run(lambda repo: repo.cohorts.is_member(cohort.id, member))
    assert await join(db, cohort.id, member) is True
    clock.advance(minutes=3)
    assert await join(db, cohort.id, member) is False
    assert await membership_rows(db, cohort.id, member) == 1

    query = select(Membership.joined_at).where(Membership.user_id == member)
    joined = await db.run_connection(lambda connection: connection.execute(query).scalar_one())
    assert joined == clock.now - timedelta(minutes=3)  # the first join's time is kept

    assert await db.run(lambda repo: repo.cohorts.is_member(cohort.id, member)) is True
    assert await db.run(lambda repo: repo.cohorts.is_member(cohort.id, other)) is False
    assert await db.run(lambda repo: repo.cohorts.is_member(second.id, member)) is False
    fetched = await get(db, cohort.id)
    assert fetched is not None
    assert fetched.members == 1


async def test_memberships_across_two_cohorts(db: Database, clock: FakeClock) -> None:
    owner = await new_user(db, "1001")
    member = await new_user(db, "1002")
    other = await new_user(db, "1003")
    loner = await new_user(db, "1004")
    first = await new_cohort(db, owner, "first", clock.now + timedelta(days=7))
    second = await new_cohort(db, owner, "second", clock.now + timedelta(days=14))
    unrelated = await new_cohort(db, owner, "unrelated", clock.now + timedelta(days=21))

    # Joined the later-created cohort first: memberships are ordered by joining.
    assert await join(db, second.id, member)
    clock.advance(hours=1)
    assert await join(db, first.id, member)
    assert await join(db, first.id, other)
    assert await join(db, unrelated.id, other)

    mine = await db.run(lambda repo: repo.cohorts.memberships(member))
    assert [(c.id, c.code) for c in mine] == [(second.id, "second"), (first.id, "first")]
    # The member count is of the whole cohort, not just the joined membership row.
    assert [c.members for c in mine] == [1, 2]
    assert mine[1] == CohortInfo(
        first.id,
        "first",
        "workshop first",
        first.workshop_at,
        ZONE,
        "kort",
        owner,
        closed=False,
        members=2,
    )

    theirs = await db.run(lambda repo: repo.cohorts.memberships(other))
    assert [c.code for c in theirs] == ["first", "unrelated"]
    assert await db.run(lambda repo: repo.cohorts.memberships(loner)) == []

    # Closed cohorts still count as memberships.
    assert await db.run(lambda repo: repo.cohorts.close(second.id, owner))
    mine = await db.run(lambda repo: repo.cohorts.memberships(member))
    assert [(c.code, c.closed) for c in mine] == [("second", True), ("first", False)]


async def test_only_the_owner_closes_and_only_once(db: Database, clock: FakeClock) -> None:
    owner = await new_user(db, "1001")
    intruder = await new_user(db, "1002")
    cohort = await new_cohort(db, owner, "c1", clock.now + timedelta(days=7))

    assert await db.run(lambda repo: repo.cohorts.close(cohort.id, intruder)) is False
    untouched = await get(db, cohort.id)
    assert untouched is not None
    assert untouched.closed is False
    assert (await cohort_row(db, cohort.id)).closed_at is None

    closed_at = clock.advance(hours=2)
    assert await db.run(lambda repo: repo.cohorts.close(cohort.id, owner)) is True
    closed = await get(db, cohort.id)
    assert closed is not None
    assert closed.closed is True
    assert (await cohort_row(db, cohort.id)).closed_at == closed_at

    clock.advance(hours=1)
    assert await db.run(lambda repo: repo.cohorts.close(cohort.id, owner)) is False
    assert await db.run(lambda repo: repo.cohorts.close(cohort.id, intruder)) is False
    assert (await cohort_row(db, cohort.id)).closed_at == closed_at  # the first close is kept
    assert await db.run(lambda repo: repo.cohorts.close(cohort.id + 1000, owner)) is False

    (listed,) = await db.run(lambda repo: repo.cohorts.owned_by(owner))
    assert listed.closed is True
    by_code = await db.run(lambda repo: repo.cohorts.by_code("c1"))
    assert by_code is not None
    assert by_code.closed is True


# coordinator invites


async def test_an_invite_is_redeemed_once(db: Database, clock: FakeClock) -> None:
    admin = await new_user(db, "1001")
    first = await new_user(db, "1002")
    second = await new_user(db, "1003")
    await db.run(lambda repo: repo.cohorts.add_invite("inv_abc", admin))

    redeemed_at = clock.advance(minutes=10)
    assert await db.run(lambda repo: repo.cohorts.redeem_invite("inv_abc", first)) == admin
    clock.advance(minutes=1)
    assert await db.run(lambda repo: repo.cohorts.redeem_invite("inv_abc", first)) is None
    assert await db.run(lambda repo: repo.cohorts.redeem_invite("inv_abc", second)) is None
    assert await db.run(lambda repo: repo.cohorts.redeem_invite("inv_nope", first)) is None

    row = await invite_row(db, "inv_abc")
    assert (row.created_by, row.used_by, row.used_at) == (admin, first, redeemed_at)


async def test_an_invite_of_a_forgotten_admin_redeems_as_zero(db: Database) -> None:
    admin = await new_user(db, "1001")
    member = await new_user(db, "1002")
    await db.run(lambda repo: repo.cohorts.add_invite("inv_old", admin))
    assert await db.run(lambda repo: repo.privacy.forget(admin)) > 0
    assert (await invite_row(db, "inv_old")).created_by is None

    assert await db.run(lambda repo: repo.cohorts.redeem_invite("inv_old", member)) == 0
    assert await db.run(lambda repo: repo.cohorts.redeem_invite("inv_old", member)) is None
    assert (await invite_row(db, "inv_old")).used_by == member


# roles


async def test_granting_and_revoking_roles(db: Database) -> None:
    coordinator = await new_user(db, "1001")
    admin = await new_user(db, "1002")
    nobody = await new_user(db, "1003")

    assert await db.run(lambda repo: repo.cohorts.roles(coordinator)) == frozenset()
    assert await db.run(lambda repo: repo.cohorts.coordinators()) == []

    grant = "coordinator"
    assert await db.run(lambda repo: repo.cohorts.set_role(coordinator, grant, True)) is True
    assert await db.run(lambda repo: repo.cohorts.set_role(coordinator, grant, True)) is False
    assert await db.run(lambda repo: repo.cohorts.set_role(admin, "admin", True)) is True
    assert await db.run(lambda repo: repo.cohorts.roles(coordinator)) == {"coordinator"}
    assert await db.run(lambda repo: repo.cohorts.roles(admin)) == {"admin"}
    assert await db.run(lambda repo: repo.cohorts.roles(nobody)) == frozenset()
    assert await db.run(lambda repo: repo.cohorts.roles(99_999)) == frozenset()
    assert await db.run(lambda repo: repo.cohorts.set_role(99_999, grant, True)) is False

    assert await db.run(lambda repo: repo.cohorts.coordinators()) == [
        Coordinator(coordinator, "telegram", "1001")
    ]

    # A second role: both are kept, sorted, in the one column.
    assert await db.run(lambda repo: repo.cohorts.set_role(admin, grant, True)) is True
    assert await db.run(lambda repo: repo.cohorts.roles(admin)) == {"admin", "coordinator"}
    query = select(User.roles).where(User.id == admin)
    stored = await db.run_connection(lambda connection: connection.execute(query).scalar_one())
    assert stored == "admin,coordinator"
    assert await db.run(lambda repo: repo.cohorts.coordinators()) == [
        Coordinator(coordinator, "telegram", "1001"),
        Coordinator(admin, "telegram", "1002"),
    ]

    assert await db.run(lambda repo: repo.cohorts.set_role(admin, grant, False)) is True
    assert await db.run(lambda repo: repo.cohorts.set_role(admin, grant, False)) is False
    assert await db.run(lambda repo: repo.cohorts.set_role(nobody, grant, False)) is False
    assert await db.run(lambda repo: repo.cohorts.roles(admin)) == {"admin"}
    assert await db.run(lambda repo: repo.cohorts.coordinators()) == [
        Coordinator(coordinator, "telegram", "1001")
    ]

    assert await db.run(lambda repo: repo.cohorts.set_role(coordinator, grant, False)) is True
    assert await db.run(lambda repo: repo.cohorts.roles(coordinator)) == frozenset()
    assert await db.run(lambda repo: repo.cohorts.coordinators()) == []


async def test_consented_user_and_channel_id(db: Database) -> None:
    agreed = await new_user(db, "1001", consent=True)
    declined = await new_user(db, "1002", consent=False)
    unasked = await new_user(db, "1003")

    def find(channel: str, channel_user_id: str) -> Any:
        return db.run(lambda repo: repo.cohorts.consented_user(channel, channel_user_id))

    assert await find("telegram", "1001") == agreed
    assert await find("telegram", "1002") is None
    assert await find("telegram", "1003") is None
    assert await find("telegram", "9999") is None
    assert await find("console", "1001") is None  # another channel, same id

    assert await db.run(lambda repo: repo.cohorts.channel_id_of(agreed)) == "1001"
    assert await db.run(lambda repo: repo.cohorts.channel_id_of(declined)) == "1002"
    assert await db.run(lambda repo: repo.cohorts.channel_id_of(unasked)) == "1003"
    assert await db.run(lambda repo: repo.cohorts.channel_id_of(99_999)) is None


# nudge settings


async def test_nudge_settings(db: Database) -> None:
    user_id = await new_user(db, "1001")
    other = await new_user(db, "1002")

    def settings(who: int) -> Any:
        return db.run(lambda repo: repo.cohorts.nudge_settings(who))

    default = NudgeSettings(None, None, off=False)
    assert await settings(user_id) == default
    assert await settings(99_999) == default

    await db.run(lambda repo: repo.cohorts.set_nudges(user_id, "ochtend", off=False))
    assert await settings(user_id) == NudgeSettings("ochtend", None, off=False)

    # Switching off keeps the chosen window (whatever window is passed along).
    await db.run(lambda repo: repo.cohorts.set_nudges(user_id, "avond", off=True))
    off = await settings(user_id)
    assert off == NudgeSettings("ochtend", None, off=True)
    assert off.off is True

    await db.run(lambda repo: repo.cohorts.set_nudges(user_id, "avond", off=False))
    assert await settings(user_id) == NudgeSettings("avond", None, off=False)
    await db.run(lambda repo: repo.cohorts.set_nudges(user_id, None, off=False))
    assert await settings(user_id) == default

    assert await settings(other) == default  # one user's choice only
    await db.run(lambda repo: repo.cohorts.set_nudges(99_999, "ochtend", off=True))  # no-op
    assert await settings(99_999) == default


# outbox: plan and get


async def test_planning_twice_makes_no_new_rows_and_moves_pending_ones(
    db: Database, clock: FakeClock
) -> None:
    user_id = await new_user(db, "1001")
    now = clock.now
    first = [
        ("n:1", now + timedelta(days=1), {"step": 1}),
        ("n:2", now + timedelta(days=2), {"step": 2}),
    ]
    assert await plan(db, user_id, first) == 2
    assert await outbox_count(db) == 2
    row = await outbox_row(db, "n:1")
    assert (row.user_id, row.kind, row.status, row.due_at, row.payload, row.attempts) == (
        user_id,
        "nudge",
        "pending",
        now + timedelta(days=1),
        {"step": 1},
        0,
    )
    assert_utc(row.due_at)

    moved = [
        ("n:1", now + timedelta(days=1, hours=3), {"step": 1}),
        ("n:2", now + timedelta(days=2, hours=3), {"step": 2}),
    ]
    assert await plan(db, user_id, moved) == 0
    assert await outbox_count(db) == 2
    for key, due_at, _ in moved:
        row = await outbox_row(db, key)
        assert (row.status, row.due_at) == ("pending", due_at)

    # Only the new key of a mixed plan counts; planning nothing changes nothing.
    mixed = [*moved, ("n:3", now + timedelta(days=3), {"step": 3})]
    assert await plan(db, user_id, mixed) == 1
    assert await outbox_count(db) == 3
    assert await plan(db, user_id, []) == 0
    assert await outbox_count(db) == 3


async def test_planning_again_revives_a_cancelled_row(db: Database, clock: FakeClock) -> None:
    user_id = await new_user(db, "1001")
    now = clock.now
    assert await plan(db, user_id, [("n:1", now + timedelta(days=1), {})]) == 1
    assert await db.run(lambda repo: repo.outbox.cancel_pending(user_id, "nudge")) == 1
    assert (await outbox_row(db, "n:1")).status == "cancelled"

    new_due = now + timedelta(days=4)
    assert await plan(db, user_id, [("n:1", new_due, {})]) == 0
    assert await outbox_count(db) == 1
    row = await outbox_row(db, "n:1")
    assert (row.status, row.due_at) == ("pending", new_due)
    pending = await db.run(
        lambda repo: [m.idempotency_key for m in repo.outbox.pending_for(user_id)]
    )
    assert pending == ["n:1"]


async def test_planning_again_leaves_claimed_and_sent_rows_alone(
    db: Database, clock: FakeClock
) -> None:
    user_id = await new_user(db, "1001")
    now = clock.now
    assert await plan(db, user_id, [("sent", now, {}), ("claimed", now, {})]) == 2
    claimed = await db.run(lambda repo: repo.outbox.claim_due(now, 10, "w", LEASE))
    assert sorted(item.id for item in claimed) == sorted(
        [(await outbox_row(db, "sent")).id, (await outbox_row(db, "claimed")).id]
    )
    sent_id = (await outbox_row(db, "sent")).id
    assert await db.run(lambda repo: repo.outbox.mark_sent(sent_id, "w", now))

    later = now + timedelta(days=2)
    assert await plan(db, user_id, [("sent", later, {}), ("claimed", later, {})]) == 0
    assert await outbox_count(db) == 2
    sent = await outbox_row(db, "sent")
    assert (sent.status, sent.due_at, sent.sent_at) == ("sent", now, now)
    still_claimed = await outbox_row(db, "claimed")
    assert (still_claimed.status, still_claimed.due_at, still_claimed.claimed_by) == (
        "claimed",
        now,
        "w",
    )
    # Within the lease nothing is claimable; after it only the stale claim comes back
    # (at its old due time), never the sent row.
    almost = now + LEASE - timedelta(seconds=1)
    assert await db.run(lambda repo: repo.outbox.claim_due(almost, 10, "w2", LEASE)) == []
    again = await db.run(lambda repo: repo.outbox.claim_due(later, 10, "w2", LEASE))
    assert [(item.id, item.due_at, item.attempts) for item in again] == [(still_claimed.id, now, 2)]


async def test_planning_a_key_of_another_user_changes_nothing(
    db: Database, clock: FakeClock
) -> None:
    owner = await new_user(db, "1001")
    other = await new_user(db, "1002")
    due = clock.now + timedelta(days=1)
    assert await plan(db, owner, [("n:shared", due, {"of": "owner"})]) == 1
    assert await plan(db, other, [("n:shared", due + timedelta(days=5), {"of": "other"})]) == 0
    row = await outbox_row(db, "n:shared")
    assert (row.user_id, row.due_at, row.payload) == (owner, due, {"of": "owner"})
    assert await outbox_count(db) == 1


async def test_get_returns_only_the_users_own_message(db: Database, clock: FakeClock) -> None:
    owner = await new_user(db, "1001")
    other = await new_user(db, "1002")
    due = clock.now + timedelta(days=1)
    assert await plan(db, owner, [("n:1", due, {"step": 1})]) == 1
    item_id = (await outbox_row(db, "n:1")).id

    def fetch(user_id: int, wanted: int) -> Any:
        def work(repo: Repository) -> Any:
            message = repo.outbox.get(user_id, wanted)
            if message is None:
                return None
            return (message.id, message.user_id, message.idempotency_key, message.due_at)

        return db.run(work)

    assert await fetch(owner, item_id) == (item_id, owner, "n:1", due)
    assert await fetch(other, item_id) is None
    assert await fetch(owner, item_id + 1000) is None


async def test_coordinators_match_the_whole_role_name(db: Database) -> None:
    def setup(repo: Repository) -> list[int]:
        ids = []
        for key, role in (
            ("a", "coordinator_trainee"),
            ("b", "excoordinator"),
            ("c", "coordinator"),
        ):
            user = repo.get_or_create_user("telegram", key, "nl")
            repo.cohorts.set_role(user.id, role, True)
            ids.append(user.id)
        return ids

    ids = await db.run(setup)
    found = await db.run(lambda repo: [c.user_id for c in repo.cohorts.coordinators()])
    assert found == [ids[2]]
