"""The dashboard follows the chat's anonymity rule (issue 14): of two cohorts that differ
by one member only one shows its size in ``GET /app/api/cohorts``, and a broadcast whose
figures were withheld when it was sent shows no counts and no shared answer in
``GET /app/api/broadcasts``."""

from __future__ import annotations

from pathlib import Path

from storage import Repository
from storage.cohorts import COORDINATOR
from tests.dashboard_helpers import COORDINATOR_A, Site, site
from tests.test_dashboard_api import get, tma


def _owner(repo: Repository) -> int:
    owner = repo.cohorts.consented_user("telegram", str(COORDINATOR_A))
    assert owner is not None and COORDINATOR in repo.cohorts.roles(owner)
    return owner


async def test_two_cohorts_that_differ_by_one_member_show_one_size(tmp_path: Path) -> None:
    async with site(tmp_path) as s:
        zuid = s.cohorts["Workshop Zuid"]

        def five_of_zuid(repo: Repository) -> None:
            owner = _owner(repo)
            source = repo.cohorts.get(zuid)
            assert source is not None
            cohort = repo.cohorts.create(
                owner,
                "bijnaCODE0000001",
                "Bijna Zuid",
                source.workshop_at,
                source.timezone,
                "standaard",
            )
            for member in repo.cohorts.members(zuid)[:5]:
                repo.cohorts.join(cohort.id, member)

        await s.bot.advisor.db.run(five_of_zuid)
        status, cohorts = await get(s, "/app/api/cohorts", tma(s, COORDINATOR_A))
        assert status == 200
        sizes = {c["name"]: c["members"] for c in cohorts}
        pair = [sizes["Workshop Zuid"], sizes["Bijna Zuid"]]
        assert pair.count(None) == 1, sizes  # never 6 and 5 side by side


async def test_a_broadcast_with_withheld_figures_shows_none(tmp_path: Path) -> None:
    async with site(tmp_path) as s:
        await _withheld_broadcast(s)
        status, items = await get(s, "/app/api/broadcasts", tma(s, COORDINATOR_A))
        assert status == 200
        (item,) = [i for i in items if i["text"] == "Een vraag aan één persoon"]
        assert item["figures"] is None and "total" not in item
        assert item["shared"] == []


async def _withheld_broadcast(s: Site) -> None:
    def work(repo: Repository) -> None:
        owner = _owner(repo)
        member = repo.cohorts.members(s.cohorts["Klein"])[0]
        audience = {"cohorts": [s.cohorts["Klein"]], "figures": False, "k": 5}
        broadcast = repo.broadcasts.create(owner, "Een vraag aan één persoon", audience, [member])
        (row,) = [m for m in repo.outbox.pending_for(member) if m.broadcast_id == broadcast]
        reflection = repo.add_reflection(member, "followup", "Mijn antwoord", outbox_id=row.id)
        assert repo.broadcasts.share(member, reflection)

    await s.bot.advisor.db.run(work)
