"""Issue 13: within a shown group, the counts of active members and of answered messages
follow the anonymity rule as the counts per dilemma do — no figure of 1 to K - 1 people,
and none that the difference of two shown figures (the total minus a cohort, sent minus
answered) would make one — in the chat's text, its CSV and the dashboard's JSON."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import TYPE_CHECKING

from bot.app.dashboard import Overview
from bot.app.insight import insight_replies
from bot.web.dashboard import overview_json
from flows.screens import Say
from knowledge.model import Knowledge
from storage import Database
from storage.insight import GroupFigures
from storage.withholding import ACTIVE, BROADCASTS_ANSWERED, NUDGES_ANSWERED
from tests.test_insight import (
    START,
    K,
    broadcast,
    csv_rows,
    figures,
    new_cohort,
    new_user,
    nudge,
    texts,
)

if TYPE_CHECKING:
    from tests.storage_fixtures import FakeClock

pytest_plugins = ["tests.storage_fixtures"]

LONG_AGO = START - timedelta(days=90)


async def users(db: Database, clock: FakeClock, first: int, active: Sequence[bool]) -> list[int]:
    return [
        await new_user(db, clock, first + n, START if seen else LONG_AGO)
        for n, seen in enumerate(active)
    ]


def shown(groups: Sequence[GroupFigures], name: str) -> list[int | None]:
    return [g.figure(name) for g in groups]


async def test_an_active_count_of_few_or_of_all_but_few_is_withheld(
    db: Database, clock: FakeClock
) -> None:
    owner = await new_user(db, clock, 1)
    ten = await users(db, clock, 10, [True] * 3 + [False] * 7)
    await new_cohort(db, owner, "Tien", 2, ten)
    groups = await figures(db, owner)
    # The cohort, and all (one) of the owner's cohorts together.
    assert [g.active_30d for g in groups] == [3, 3], "counted"
    assert shown(groups, ACTIVE) == [None, None]  # "3 active" is about 3 people
    # All but one active: the one who is not.
    owner = await new_user(db, clock, 2)
    await new_cohort(db, owner, "Bijna", 2, await users(db, clock, 30, [True] * 9 + [False]))
    assert shown(await figures(db, owner), ACTIVE) == [None, None]
    # Five active and five not: both sides are K people.
    owner = await new_user(db, clock, 3)
    await new_cohort(db, owner, "Half", 2, await users(db, clock, 50, [True] * 5 + [False] * 5))
    assert shown(await figures(db, owner), ACTIVE) == [5, 5]


async def test_an_active_count_that_the_total_would_single_out_is_withheld(
    db: Database, clock: FakeClock
) -> None:
    """Two cohorts of ten sharing five members: 6 active in each, 11 together, all
    figures of K or more — but 6 + 6 - 11 is the one active member they share."""
    owner = await new_user(db, clock, 1)
    only_first = await users(db, clock, 10, [True] * 5)
    both = await users(db, clock, 20, [True] + [False] * 4)
    only_second = await users(db, clock, 30, [True] * 5)
    await new_cohort(db, owner, "Eerste", 2, only_first + both)
    await new_cohort(db, owner, "Tweede", 3, both + only_second)
    groups = await figures(db, owner)
    assert [(g.members, g.active_30d, g.shown) for g in groups] == [
        (10, 6, True),
        (10, 6, True),
        (15, 11, True),
    ]
    assert shown(groups, ACTIVE) == [None, None, None]


async def test_answered_nudges_of_one_member_or_all_but_one_are_withheld(
    db: Database, clock: FakeClock
) -> None:
    owner = await new_user(db, clock, 1)
    ten = await users(db, clock, 10, [True] * 10)
    cohort = await new_cohort(db, owner, "Tien", 2, ten)
    # One member answered six nudges: "6 answered" is about them alone.
    for step in range(6):
        await nudge(db, clock, ten[0], cohort, f"s{step}", answers=["ja"])
    groups = await figures(db, owner)
    assert [(g.nudges_sent, g.nudges_answered) for g in groups] == [(6, 6)] * 2, "counted"
    assert shown(groups, NUDGES_ANSWERED) == [None, None]
    # Everyone else was sent one and answered it: 15 answered by ten people, and sent
    # minus answered is 0 — nothing about anyone.
    for member in ten[1:]:
        await nudge(db, clock, member, cohort, "s0", answers=["ja"])
    assert shown(await figures(db, owner), NUDGES_ANSWERED) == [15, 15]
    # One of them leaves one unanswered: 16 sent minus 15 answered is that one person.
    await nudge(db, clock, ten[1], cohort, "s1")
    groups = await figures(db, owner)
    assert [(g.nudges_sent, g.nudges_answered) for g in groups] == [(16, 15)] * 2
    assert shown(groups, NUDGES_ANSWERED) == [None, None]


async def test_answered_broadcasts_of_few_members_are_withheld(
    db: Database, clock: FakeClock
) -> None:
    owner = await new_user(db, clock, 1)
    ten = await users(db, clock, 10, [True] * 10)
    await new_cohort(db, owner, "Tien", 2, ten)
    answers = {member: ("sent", ["ja"] if n < 5 else []) for n, member in enumerate(ten)}
    await broadcast(db, clock, owner, None, answers)
    assert shown(await figures(db, owner), BROADCASTS_ANSWERED) == [5, 5]
    # Elsewhere only two answer: "2 answered" is about those two.
    owner = await new_user(db, clock, 2)
    ten = await users(db, clock, 30, [True] * 10)
    await new_cohort(db, owner, "Ook tien", 2, ten)
    few = {member: ("sent", ["ja"] if n < 2 else []) for n, member in enumerate(ten)}
    await broadcast(db, clock, owner, None, few)
    groups = await figures(db, owner)
    assert [(g.broadcasts_sent, g.broadcasts_answered) for g in groups] == [(10, 2), (10, 2)]
    assert shown(groups, BROADCASTS_ANSWERED) == [None, None]


async def test_withheld_figures_are_shown_in_no_view(
    db: Database, clock: FakeClock, knowledge: Knowledge
) -> None:
    owner = await new_user(db, clock, 1)
    ten = await users(db, clock, 10, [True] * 3 + [False] * 7)
    cohort = await new_cohort(db, owner, "Tien", 2, ten)
    for step in range(6):
        await nudge(db, clock, ten[0], cohort, f"s{step}", answers=["ja"])
    groups = await figures(db, owner)
    replies = insight_replies(Say(knowledge, "nl"), groups, K)
    (text,) = texts(replies[:1])
    assert "10 deelnemers, van wie – actief in de afgelopen 30 dagen" in text
    assert "Vervolgvragen: 6 verstuurd, – beantwoord" in text
    assert "Groepsberichten: 0 verstuurd, 0 beantwoord" in text
    assert "Een – staat voor een cijfer dat we niet tonen" in text
    english = texts(insight_replies(Say(knowledge, "en"), groups, K)[:1])[0]
    assert "10 participants, – of them active" in english
    assert "A – stands for a figure we do not show" in english
    _, row = csv_rows(replies)[:2]
    assert row[:7] == ["Tien", "10", "", "6", "", "0", "0"]

    # The dashboard's figures: null where withheld, in the cohort rows and the total.
    tien = groups[-1]
    total = overview_json(Overview([], tien, K), Say(knowledge, "nl"))["together"]
    assert total["members"] == 10
    assert (total["active_30d"], total["nudges_sent"], total["nudges_answered"]) == (None, 6, None)
    assert total["broadcasts_answered"] == 0
