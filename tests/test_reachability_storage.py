"""A user who blocked the bot (Telegram's ``my_chat_member``), in storage: marked by their
channel id, their pending messages cancelled, left out of nudges and broadcast audiences;
nothing is made for someone the bot keeps nothing about."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from sqlalchemy import func, select

from storage import Database, OutboxMessage, Repository, User

if TYPE_CHECKING:
    from tests.storage_fixtures import FakeClock

pytest_plugins = ["tests.storage_fixtures"]


async def test_blocking_by_channel_id_cancels_and_leaves_out(
    db: Database, clock: FakeClock
) -> None:
    def fill(repo: Repository) -> tuple[int, list[int]]:
        owner = repo.get_or_create_user("telegram", "1", "nl")
        repo.set_consent(owner.id, True)
        cohort = repo.cohorts.create(owner.id, "c0de", "Groep", clock(), "Europe/Amsterdam", "kort")
        members = []
        for n in range(3):
            user = repo.get_or_create_user("telegram", str(10 + n), "nl")
            repo.set_consent(user.id, True)
            repo.cohorts.join(cohort.id, user.id)
            repo.outbox.plan(user.id, "nudge", [(f"n{n}", clock() + timedelta(days=2), {})])
            members.append(user.id)
        return cohort.id, members

    cohort, members = await db.run(fill)
    assert await db.run(lambda repo: repo.set_blocked_by_channel("telegram", "10", True))
    assert not await db.run(lambda repo: repo.set_blocked_by_channel("telegram", "99", True))

    def state(repo: Repository) -> tuple[list[int], list[int]]:
        owner = repo.get_or_create_user("telegram", "1").id
        return repo.cohorts.nudged_members(cohort), repo.broadcasts.recipients(owner, None, None)

    nudged, audience = await db.run(state)
    assert nudged == audience == members[1:]
    statuses = select(OutboxMessage.status).where(OutboxMessage.user_id == members[0])
    assert await db.run_connection(lambda c: list(c.execute(statuses).scalars())) == ["cancelled"]
    users = select(func.count()).select_from(User)
    assert await db.run_connection(lambda c: c.execute(users).scalar_one()) == 4, "no row for 99"
    await db.run(lambda repo: repo.set_blocked_by_channel("telegram", "10", False))
    nudged, audience = await db.run(state)
    assert nudged == audience == members
