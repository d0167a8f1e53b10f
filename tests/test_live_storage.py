"""Live results in the follow-up: the cohort's insight counts the dilemmas members said
play strongly with them (from rounds big enough to have shown their figures), in the
same number of queries, and a personal nudge starts from the latest of those."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import event

from bot.telegram.outbox_sender import personal_dilemma
from storage import Database, Repository

pytest_plugins = ["tests.storage_fixtures"]


def _session(repo: Repository) -> dict[str, Any]:
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
    # One voter only: the room saw nothing of this round, and neither does /inzicht.
    repo.live.vote(live, members[0], position=4, toggle_strong=True)
    return {
        "owner": owner.id,
        "since": owner.created_at,
        "first": personal_dilemma(repo, members[0]),
        "third": personal_dilemma(repo, members[2]),
    }


async def test_live_results_reach_the_insight_and_the_nudges(db: Database) -> None:
    found = await db.run(_session)
    statements: list[str] = []

    def count(*args: Any) -> None:
        if not args[2].lstrip().upper().startswith("BEGIN"):
            statements.append(args[2])

    event.listen(db.sync_engine, "before_cursor_execute", count)
    try:
        figures = await db.run(lambda repo: repo.insight.figures(found["owner"], found["since"], 2))
    finally:
        event.remove(db.sync_engine, "before_cursor_execute", count)
    assert figures[0].dilemmas == {"inclusief_vs_efficient": 3, "autonoom_vs_integraal": 2}
    assert len(statements) == 4  # the live votes ride on the advice's query
    # the latest they recognised, from the live session
    assert found["first"] == ("eigenheid_vs_uniformiteit", True)
    assert found["third"] == ("inclusief_vs_efficient", False)  # no live vote: their advice
