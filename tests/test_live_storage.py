"""Live results in the follow-up: the cohort's insight counts the dilemmas members said
play strongly with them, and a personal nudge starts from the latest of those."""

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
    figures = repo.insight.figures(owner.id, owner.created_at, 2)
    return {
        "dilemmas": figures[0].dilemmas,
        "first": personal_dilemma(repo, members[0]),
        "third": personal_dilemma(repo, members[2]),
    }


async def test_live_results_reach_the_insight_and_the_nudges(db: Database) -> None:
    found = await db.run(_session)
    assert found["dilemmas"] == {
        "inclusief_vs_efficient": 3,
        "autonoom_vs_integraal": 2,
        "eigenheid_vs_uniformiteit": 1,
    }
    assert found["first"] == "eigenheid_vs_uniformiteit"  # the latest they recognised
    assert found["third"] == "inclusief_vs_efficient"  # no live vote: their advice
