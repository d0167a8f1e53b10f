"""Live results in the follow-up: a personal nudge starts from the latest dilemma the
member said plays strongly with them in a live session."""

from __future__ import annotations

from datetime import timedelta

from bot.telegram.outbox_sender import personal_dilemma
from storage import Database, Repository

pytest_plugins = ["tests.storage_fixtures"]


def _session(repo: Repository) -> dict[str, object]:
    owner = repo.get_or_create_user("telegram", "1", "nl")
    repo.set_consent(owner.id, True)
    cohort = repo.cohorts.create(
        owner.id, "livestorage00001", "Live", owner.created_at, "Europe/Amsterdam", "kort"
    )
    members = []
    for n in range(3):
        member = repo.get_or_create_user("telegram", str(100 + n), "nl")
        repo.set_consent(member.id, True)
        repo.cohorts.join(cohort.id, member.id)
        repo.record_advice(member.id, {}, ["inclusief_vs_efficient"], "v1")
        members.append(member.id)
    live = repo.live.create(
        "livestoragecode000001",
        cohort.id,
        owner.id,
        ["autonoom_vs_integraal", "eigenheid_vs_uniformiteit"],
        owner.created_at + timedelta(hours=1),
    )
    live = repo.live.next_round(live.id) or live
    for member in members[:2]:
        repo.live.vote(live, member, position=1, toggle_strong=True)
    live = repo.live.next_round(live.id) or live
    repo.live.vote(live, members[0], position=4, toggle_strong=True)
    return {
        "first": personal_dilemma(repo, members[0]),
        "third": personal_dilemma(repo, members[2]),
    }


async def test_a_personal_nudge_starts_from_what_the_member_recognised_live(
    db: Database,
) -> None:
    found = await db.run(_session)
    assert found["first"] == "eigenheid_vs_uniformiteit"  # the latest they recognised
    assert found["third"] == "inclusief_vs_efficient"  # no live vote: their advice
