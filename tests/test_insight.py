"""Coordinators' insight: the anonymous figures of their cohorts (``storage.insight``) and
how they are shown (``bot.app.insight``): text, bar chart, CSV.

Against real databases: SQLite always, PostgreSQL when ``TEST_DATABASE_URL`` is set (see
``tests/storage_fixtures.py``). Groups smaller than ``K`` must reveal nothing, not even
by subtraction from a combined figure.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import pytest
from sqlalchemy import Connection, event
from sqlalchemy.orm import Session

from bot.app.insight import TEXT_LIMIT, insight_replies
from flows.replies import Reply
from flows.screens import Say
from knowledge.model import Knowledge
from storage import Database, OutboxKind, Repository
from storage.insight import GroupFigures, InsightStore

if TYPE_CHECKING:
    from tests.storage_fixtures import FakeClock

pytest_plugins = ["tests.storage_fixtures"]

K = 5
START = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
"""Where the clock stands when a test begins: the "now" of the figures."""
LEASE = timedelta(minutes=5)
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
ZONE = "Europe/Amsterdam"

A = "inclusief_vs_efficient"
B = "open_afstemmen_vs_nieuwe_kaders"
C = "gelijkwaardigheid_vs_diversiteit"
D = "gezamenlijkheid_vs_organiseerbaarheid"
E = "verbinding_borgen_vs_wendbaar_blijven"
F = "sturen_in_vs_vanuit_netwerk"
G = "autonoom_vs_integraal"
H = "handelingsruimte_vs_draagvlak"
SMALL = "stabiliseren_vs_uitbreiden"
"""Only the members of the hidden cohort were advised this one."""

NL_HEADER = [
    "Groep",
    "Deelnemers",
    "Actief (laatste 30 dagen)",
    "Vervolgvragen verstuurd",
    "Vervolgvragen beantwoord",
    "Groepsberichten verstuurd",
    "Groepsberichten beantwoord",
]


# helpers


@pytest.fixture(autouse=True)
def start_clock(clock: FakeClock) -> None:
    clock.now = START


def telegram_id(n: int) -> str:
    """Telegram ids long and odd enough never to equal a figure or a date."""
    return f"7319{n:04d}"


async def new_user(db: Database, clock: FakeClock, n: int, seen: datetime = START) -> int:
    """A user who agreed to the privacy statement, last seen at ``seen``."""
    now = clock.now
    clock.now = seen

    def work(repo: Repository) -> int:
        user_id = repo.get_or_create_user("telegram", telegram_id(n), "nl").id
        repo.set_consent(user_id, True)
        return user_id

    try:
        return await db.run(work)
    finally:
        clock.now = now


async def new_cohort(db: Database, owner: int, name: str, days: int, members: Sequence[int]) -> int:
    """A cohort of ``owner`` with its workshop ``days`` from now, and these members."""

    def work(repo: Repository) -> int:
        cohort = repo.cohorts.create(
            owner, f"code{owner}x{days}", name, START + timedelta(days=days), ZONE, "kort"
        )
        for member in members:
            assert repo.cohorts.join(cohort.id, member)
        return cohort.id

    return await db.run(work)


async def join(db: Database, cohort_id: int, members: Sequence[int]) -> None:
    def work(repo: Repository) -> None:
        for member in members:
            assert repo.cohorts.join(cohort_id, member)

    await db.run(work)


async def advise(db: Database, user_id: int, *dilemmas: str) -> None:
    await db.run(lambda repo: repo.record_advice(user_id, {}, list(dilemmas), "test"))


async def message(
    db: Database,
    clock: FakeClock,
    user_id: int,
    kind: OutboxKind,
    payload: dict[str, Any],
    key: str,
    outcome: str = "sent",
    answers: Sequence[str] = (),
) -> int:
    """An outbox row taken the outbox sender's way to ``outcome`` (sent, failed, pending or
    cancelled), with a reflection answering it for each of ``answers``; its id."""

    def work(repo: Repository) -> int:
        due = clock.now + timedelta(days=1) if outcome == "pending" else clock.now
        assert repo.outbox.schedule(user_id, kind, due, payload, key)
        (row_id,) = [m.id for m in repo.outbox.pending_for(user_id) if m.idempotency_key == key]
        if outcome == "cancelled":
            assert repo.outbox.cancel_keys(user_id, [key]) == 1
        elif outcome in ("sent", "failed"):
            claimed = repo.outbox.claim_due(clock.now, 100, "test", LEASE)
            assert [item.id for item in claimed] == [row_id]
            if outcome == "sent":
                assert repo.outbox.mark_sent(row_id, "test", clock.now)
            else:
                assert repo.outbox.mark_failed(row_id, "test", "network down")
        for text in answers:
            repo.add_reflection(user_id, "followup", text, outbox_id=row_id)
        return row_id

    return await db.run(work)


def nudge_payload(cohort_id: int, step: str = "s1") -> dict[str, Any]:
    return {"cohort": cohort_id, "plan": "kort", "step": step}


async def nudge(
    db: Database,
    clock: FakeClock,
    user_id: int,
    cohort_id: int,
    step: str = "s1",
    outcome: str = "sent",
    answers: Sequence[str] = (),
) -> int:
    key = f"nudge:{user_id}:{cohort_id}:kort:{step}"
    payload = nudge_payload(cohort_id, step)
    return await message(db, clock, user_id, "nudge", payload, key, outcome, answers)


async def broadcast(
    db: Database,
    clock: FakeClock,
    owner: int,
    cohorts: list[int] | None,
    outcomes: dict[int, tuple[str, Sequence[str]]],
) -> None:
    """A broadcast of ``owner`` to ``cohorts`` (None: all of theirs), delivered to each
    recipient as ``outcomes`` says (sent or pending), with these answers."""

    def work(repo: Repository) -> None:
        audience = {"cohorts": cohorts, "dilemma": None, "template": None}
        repo.broadcasts.create(owner, "Wat neemt u mee?", audience, list(outcomes))
        claimed = repo.outbox.claim_due(clock.now, 100, "test", LEASE)
        assert sorted(item.user_id for item in claimed) == sorted(outcomes)
        for item in claimed:
            outcome, answers = outcomes[item.user_id]
            if outcome == "sent":
                assert repo.outbox.mark_sent(item.id, "test", clock.now)
            else:
                assert repo.outbox.release(item.id, "test", clock.now + timedelta(days=1))
            for text in answers:
                repo.add_reflection(item.user_id, "followup", text, outbox_id=item.id)

    await db.run(work)


async def figures(
    db: Database, owner: int, now: datetime = START, min_group: int = K
) -> list[GroupFigures]:
    def work(connection: Connection) -> list[GroupFigures]:
        with Session(connection) as session:
            return InsightStore(session, db.clock).figures(owner, now, min_group)

    return await db.run_connection(work)


async def figures_and_statements(db: Database, owner: int) -> tuple[list[GroupFigures], int]:
    """The owner's figures, and how many queries they took (the BEGIN of SQLite's unit of
    work is no query)."""
    statements: list[str] = []

    def count(*args: Any) -> None:
        if not args[2].lstrip().upper().startswith("BEGIN"):
            statements.append(args[2])

    event.listen(db.sync_engine, "before_cursor_execute", count)
    try:
        return await figures(db, owner), len(statements)
    finally:
        event.remove(db.sync_engine, "before_cursor_execute", count)


def withheld(cohort_id: int, name: str, members: int) -> GroupFigures:
    return GroupFigures(cohort_id, name, members, 0, 0, 0, 0, 0, {})


def texts(replies: Sequence[Reply]) -> list[str]:
    return [reply.plain for reply in replies if reply.attachment is None]


def attachment(replies: Sequence[Reply], name: str) -> bytes:
    (found,) = [r.attachment for r in replies if r.attachment and r.attachment.name == name]
    assert found is not None
    return found.data


def csv_rows(replies: Sequence[Reply]) -> list[list[str]]:
    return list(csv.reader(io.StringIO(attachment(replies, "inzicht.csv").decode("utf-8"))))


def every_output(replies: Sequence[Reply]) -> str:
    """Everything a coordinator gets in text: the messages, captions and the CSV."""
    return "\n".join(
        [reply.plain for reply in replies]
        + [
            r.attachment.data.decode()
            for r in replies
            if r.attachment and r.attachment.kind != "photo"
        ]
    )


# the figures


@dataclass
class World:
    """Two coordinators: alice with Noord (6 members), Klein (4: too few) and Zuid (5);
    bob with Elders (5, among them a member of Noord)."""

    alice: int
    bob: int
    noord: int
    klein: int
    zuid: int
    elders: int
    members: dict[str, int]
    secrets: list[str]


async def build_world(db: Database, clock: FakeClock) -> World:
    alice = await new_user(db, clock, 1)
    bob = await new_user(db, clock, 2)
    cutoff = START - timedelta(days=30)
    seen = {
        "m4": START - timedelta(days=40),
        "m5": cutoff,  # exactly 30 days ago: still active
        "m6": cutoff - timedelta(seconds=1),
        "m10": START - timedelta(days=90),
    }
    names = [f"m{n}" for n in range(1, 12)] + [f"s{n}" for n in range(1, 5)]
    names += [f"b{n}" for n in range(2, 6)]
    members = {
        name: await new_user(db, clock, 100 + i, seen.get(name, START - timedelta(hours=i)))
        for i, name in enumerate(names)
    }

    def of(*keys: str) -> list[int]:
        return [members[key] for key in keys]

    noord = await new_cohort(db, alice, "Noord", 20, of("m1", "m2", "m3", "m4", "m5", "m6"))
    klein = await new_cohort(db, alice, "Klein", 10, of("s1", "s2", "s3", "s4"))
    zuid = await new_cohort(db, alice, "Zuid", 5, of("m7", "m8", "m9", "m10", "m11"))
    elders = await new_cohort(db, bob, "Elders", 7, of("m1", "b2", "b3", "b4", "b5"))

    m = members
    # Advice: only the latest counts (by time, then id), and only its first three.
    clock.now = START - timedelta(days=2)
    await advise(db, m["m1"], B, C, H)
    clock.now = START
    await advise(db, m["m1"], D, E, A, H)  # H is fourth: not shown, not counted
    await advise(db, m["m2"], B, C, D)
    await advise(db, m["m2"], A, B, C)  # same time, later id: this one
    clock.now = START + timedelta(hours=1)
    await advise(db, m["m3"], A, D, E)  # later in time, earlier id: this one
    clock.now = START
    await advise(db, m["m3"], H, B, C)
    await advise(db, m["m4"], A, B, C)
    await advise(db, m["m6"], A)
    for key in ("m7", "m8"):
        await advise(db, m[key], E, F, G)
    await advise(db, m["m9"], F)
    for key in ("s1", "s2", "s3", "s4"):
        await advise(db, m[key], SMALL, H, A)
    for key in ("b2", "b3"):
        await advise(db, m[key], G)

    secrets = [f"geheim antwoord {n}" for n in range(1, 12)]
    secrets += ["stray", "s1 antwoordt"]
    # Noord's nudges: 4 sent (one of them a snoozed one sent again), 2 answered.
    first = await nudge(db, clock, m["m1"], noord, "s1", answers=secrets[0:1])
    await nudge(db, clock, m["m1"], noord, "s2", answers=secrets[1:3])  # answered twice
    snoozed = {**nudge_payload(noord), "snoozed_from": first}
    await message(db, clock, m["m1"], "nudge", snoozed, f"snooze:{first}")
    await nudge(db, clock, m["m2"], noord)
    await nudge(db, clock, m["m3"], noord, outcome="pending")
    await nudge(db, clock, m["m4"], noord, outcome="failed")
    await nudge(db, clock, m["m5"], noord, outcome="cancelled")
    await nudge(db, clock, m["m1"], elders, answers=secrets[3:4])  # bob's cohort's nudge
    # A reminder is no prompt of the cohort, answered or not.
    reminder = {"subject": "advice"}
    await message(db, clock, m["m1"], "reminder", reminder, "remind:1", answers=secrets[4:5])
    # Zuid's nudges: 2 sent, 1 answered.
    await nudge(db, clock, m["m7"], zuid, answers=secrets[5:6])
    await nudge(db, clock, m["m8"], zuid)
    # Alice's broadcasts. Noord: 3 sent, 2 answered; Zuid: 1 sent, 1 answered; the one
    # to Klein's member counts nowhere (Klein is hidden).
    everyone = {
        m["m1"]: ("sent", secrets[6:7]),
        m["m2"]: ("sent", ()),
        m["m3"]: ("pending", ()),
        m["m7"]: ("sent", secrets[7:8]),
        m["s1"]: ("sent", secrets[8:9]),
    }
    await broadcast(db, clock, alice, None, everyone)
    await broadcast(db, clock, alice, [noord], {m["m2"]: ("sent", secrets[9:10])})
    # Bob's broadcast to m1 (in Noord too) is his, and a row of no broadcast nobody's.
    await broadcast(db, clock, bob, [elders], {m["m1"]: ("sent", secrets[10:11])})
    stray = {"cohort": noord}
    await message(db, clock, m["m2"], "broadcast", stray, "bc:stray", answers=["stray"])
    # The hidden cohort's nudge, answered: in no figure of alice's.
    await nudge(db, clock, m["s1"], klein, answers=["s1 antwoordt"])
    return World(alice, bob, noord, klein, zuid, elders, members, secrets)


NOORD_DILEMMAS = {A: 5, B: 2, C: 2, D: 2, E: 2}
ZUID_DILEMMAS = {F: 3, E: 2, G: 2}


async def test_figures_of_each_cohort_and_of_the_shown_ones_together(
    db: Database, clock: FakeClock
) -> None:
    world = await build_world(db, clock)
    groups, statements = await figures_and_statements(db, world.alice)
    assert statements == 4  # cohorts, members, messages, advice: not one per member
    assert groups == [
        GroupFigures(world.noord, "Noord", 6, 4, 4, 2, 3, 2, NOORD_DILEMMAS),
        withheld(world.klein, "Klein", 4),
        GroupFigures(world.zuid, "Zuid", 5, 4, 2, 1, 1, 1, ZUID_DILEMMAS),
        GroupFigures(None, "", 11, 8, 6, 3, 4, 3, {A: 5, E: 4, F: 3, B: 2, C: 2, D: 2, G: 2}),
    ]
    # Most often recognised first, ties by id.
    assert list(groups[0].dilemmas) == [A, C, D, B, E]
    # The hidden cohort's members were all advised SMALL and H: neither is counted.
    assert all(SMALL not in g.dilemmas and H not in g.dilemmas for g in groups)

    # Thirty days before another moment: who is active moves with it.
    later = await figures(db, world.alice, now=START + timedelta(days=1))
    assert [g.active_30d for g in later] == [3, 0, 4, 7]


async def test_a_coordinator_sees_only_their_own_cohorts(db: Database, clock: FakeClock) -> None:
    world = await build_world(db, clock)
    bobs = await figures(db, world.bob)
    # m1 is in Noord too: only the nudges of bob's cohort and bob's broadcasts count.
    elders = GroupFigures(world.elders, "Elders", 5, 5, 1, 1, 1, 1, {G: 2, A: 1, D: 1, E: 1})
    assert bobs == [elders, GroupFigures(None, "", 5, 5, 1, 1, 1, 1, elders.dilemmas)]
    assert await figures(db, world.members["m1"]) == []
    alices = await figures(db, world.alice)
    assert world.elders not in {g.cohort_id for g in alices}
    assert "Elders" not in {g.name for g in alices}


async def test_a_combined_group_that_would_reveal_a_few_members_is_left_out(
    db: Database, clock: FakeClock
) -> None:
    owner = await new_user(db, clock, 1)
    users = [await new_user(db, clock, 10 + n) for n in range(9)]
    for n, user_id in enumerate(users):
        await advise(db, user_id, A if n == 4 else B)
    first = await new_cohort(db, owner, "Eerste", 2, users[0:5])
    second = await new_cohort(db, owner, "Tweede", 1, users[4:9])
    # users[4] is in both: first + second - combined would be exactly their answers.
    groups = await figures(db, owner)
    assert [(g.cohort_id, g.members, g.dilemmas) for g in groups] == [
        (first, 5, {B: 4, A: 1}),
        (second, 5, {B: 4, A: 1}),
    ]

    # With the first cohort inside the second, the second minus the first is the four
    # members only in the second (issue 14: this was shown): the second is withheld, and
    # the combined group is the first again.
    await join(db, second, users[0:4])
    groups = await figures(db, owner)
    assert [(g.cohort_id, g.members, g.dilemmas, g.shown) for g in groups] == [
        (first, 5, {B: 4, A: 1}, True),
        (second, 9, {}, False),
        (None, 5, {B: 4, A: 1}, True),
    ]
    # Once K members are in the second only, the difference is a group of K again.
    tenth = await new_user(db, clock, 19)
    await advise(db, tenth, B)
    await join(db, second, [tenth])
    groups = await figures(db, owner)
    assert [(g.cohort_id, g.members, g.dilemmas) for g in groups] == [
        (first, 5, {B: 4, A: 1}),
        (second, 10, {B: 9, A: 1}),
        (None, 10, {B: 9, A: 1}),
    ]

    # A broadcast to the first cohort reaches members of the second too: it counts for
    # the first only; one to all of them for each cohort of its recipients.
    await broadcast(db, clock, owner, [first], {u: ("sent", ()) for u in users[0:5]})
    await broadcast(db, clock, owner, None, {u: ("sent", ["ja"]) for u in users[5:9]})
    groups = await figures(db, owner)
    counts = [(g.broadcasts_sent, g.broadcasts_answered) for g in groups]
    assert counts == [(5, 0), (4, 4), (9, 4)]


async def test_with_every_cohort_too_small_nothing_is_shown(db: Database, clock: FakeClock) -> None:
    owner = await new_user(db, clock, 1)
    users = [await new_user(db, clock, 10 + n) for n in range(4)]
    cohort = await new_cohort(db, owner, "Klein", 3, users)
    for user_id in users:
        await advise(db, user_id, A)
        await nudge(db, clock, user_id, cohort, answers=["geheim"])
    empty = await new_cohort(db, owner, "Leeg", 2, [])
    assert await figures(db, owner) == [withheld(cohort, "Klein", 4), withheld(empty, "Leeg", 0)]
    # With a smaller threshold the same cohort is shown, and so is the combined group.
    assert [g.members for g in await figures(db, owner, min_group=4)] == [4, 0, 4]


# what the coordinator gets


async def test_replies_hide_small_groups_and_never_name_anyone(
    db: Database, clock: FakeClock, knowledge: Knowledge
) -> None:
    world = await build_world(db, clock)
    groups = await figures(db, world.alice)
    replies = insight_replies(Say(knowledge, "nl"), groups, K)
    # No chart: no count of this world may be shown (below).
    assert [r.meta["screen"] for r in replies] == ["insight", "insight_csv"]

    (text,) = texts(replies[:1])
    assert "Noord" in text and "Zuid" in text and "Uw cohorten samen" in text
    (klein,) = [line for line in text.splitlines() if "Klein" in line]
    assert klein == "Klein: te weinig deelnemers"
    # Issue 13: 4 of Noord's 6 active leaves the 2 who are not, 2 answered nudges are
    # m1's alone, and so on: those figures are "–" in every group (the store still counts
    # them: test_figures_of_each_cohort_and_of_the_shown_ones_together).
    assert "6 deelnemers, van wie – actief in de afgelopen 30 dagen" in text
    assert "11 deelnemers, van wie – actief" in text
    assert "Vervolgvragen: 4 verstuurd, – beantwoord" in text
    assert "Groepsberichten: 4 verstuurd, – beantwoord" in text
    assert "Een – staat voor een cijfer dat we niet tonen" in text
    # Issue 14 / review 6 F27: 5 of Noord's 6 were advised A, so "5" would single out the
    # one who was not; every count of this world is about 1 to K - 1 people somehow.
    assert "• Inclusief versus efficiënt" not in text
    assert "Per dilemma tonen we nog geen aantallen" in text
    small = knowledge.dilemma(SMALL)
    assert small is not None
    assert small.title.get("nl") not in text

    output = every_output(replies)
    for n in [1, 2, *range(100, 100 + len(world.members))]:
        assert telegram_id(n) not in output
    for secret in world.secrets:
        assert secret not in output


async def test_the_csv_has_a_row_per_group_and_a_column_per_dilemma(
    db: Database, clock: FakeClock, knowledge: Knowledge
) -> None:
    world = await build_world(db, clock)
    replies = insight_replies(Say(knowledge, "nl"), await figures(db, world.alice), K)
    header, *rows = csv_rows(replies)
    dilemma_ids = [d.id for d in knowledge.dilemmas]
    # Review 8: headers a coordinator reads, the dilemmas by title, no internal keys.
    assert header == NL_HEADER + [d.title.get("nl") for d in knowledge.dilemmas]
    assert not any("_" in cell for cell in header), header

    # Every recognised dilemma's count would be about 1 to K - 1 people (see
    # test_replies_hide_small_groups_and_never_name_anyone): an empty cell, never a
    # count, and never a 0 that is not true.
    withheld = {A, B, C, D, E, F, G}

    def expected(name: str, numbers: list[int | str]) -> list[str]:
        counts = ("" if d in withheld else "0" for d in dilemma_ids)
        return [name, *map(str, numbers), *counts]

    # Active members and answered messages are withheld too (issue 13): empty cells.
    assert rows == [
        expected("Noord", [6, "", 4, "", 3, ""]),
        ["Klein", "te weinig deelnemers"],
        expected("Zuid", [5, "", 2, "", 1, ""]),
        expected("Uw cohorten samen", [11, "", 6, "", 4, ""]),
    ]


async def test_the_chart_is_a_png_of_the_combined_group(
    db: Database, clock: FakeClock, knowledge: Knowledge
) -> None:
    world = await build_world(db, clock)
    groups = await figures(db, world.alice)
    # No count of this world may be shown: no chart of them either.
    assert not any(
        r.attachment and r.attachment.kind == "photo"
        for r in insight_replies(Say(knowledge, "nl"), groups, K)
    )
    safe = await figures(db, await half_and_half(db, clock))
    for lang in ("nl", "en"):
        replies = insight_replies(Say(knowledge, lang), safe, K)
        png = attachment(replies, "inzicht.png")
        assert png.startswith(PNG_SIGNATURE)
        (chart,) = [r for r in replies if r.attachment and r.attachment.kind == "photo"]
        assert "20" in chart.plain
    english = insight_replies(Say(knowledge, "en"), groups, K)
    assert "Klein: too few participants" in texts(english)[0].splitlines()
    assert csv_rows(english)[2] == ["Klein", "too few participants"]


async def half_and_half(db: Database, clock: FakeClock) -> int:
    """An owner with two cohorts of 10, in each five advised A and B, five A and C (people
    of their own: not those of :func:`build_world`)."""
    owner = await new_user(db, clock, 900)
    users = [await new_user(db, clock, 910 + n) for n in range(20)]
    for n, user_id in enumerate(users):
        await advise(db, user_id, A, B if n % 10 < 5 else C)
    await new_cohort(db, owner, "Tien", 2, users[:10])
    await new_cohort(db, owner, "Ook tien", 3, users[10:])
    return owner


async def test_a_count_about_fewer_than_k_people_is_shown_nowhere(
    db: Database, clock: FakeClock, knowledge: Knowledge
) -> None:
    """A count per dilemma is a figure about the members who recognise it, and what it
    leaves out about those who do not: both must be no group of 1 to K - 1 (review 6,
    F27: a cohort of 6 showed "1" for one member's dilemma, and "5" for the others')."""
    owner = await half_and_half(db, clock)
    groups = await figures(db, owner)
    ten = {A: 10, B: 5, C: 5}
    assert [g.shown_dilemmas() for g in groups] == [ten, ten, {A: 20, B: 10, C: 10}]
    # One more member, advised D: "D: 1" is one person; "B: 5" of 11 leaves six, "C: 5"
    # too; A: 11 is everyone. D is withheld everywhere, the others still shown.
    eleventh = await new_user(db, clock, 930)
    await advise(db, eleventh, A, D)
    cohort = groups[0].cohort_id
    assert cohort is not None
    await join(db, cohort, [eleventh])
    groups = await figures(db, owner)
    assert groups[0].dilemmas[D] == 1, "counted"
    eleven = {A: 11, B: 5, C: 5}
    assert [g.shown_dilemmas() for g in groups] == [eleven, ten, {A: 21, B: 10, C: 10}]
    replies = insight_replies(Say(knowledge, "nl"), groups, K)
    title = knowledge.dilemma(D)
    assert title is not None
    output = every_output(replies)
    assert title.title.get("nl") not in texts(replies[:1])[0]
    assert "Andere herkende dilemma's tonen we zonder aantal" in output
    header, *rows = csv_rows(replies)
    column = header.index(title.title.get("nl"))
    assert [row[column] for row in rows] == ["", "", ""]


def group(cohort_id: int | None, name: str, members: int, **dilemmas: int) -> GroupFigures:
    return GroupFigures(cohort_id, name, members, members, 2, 1, 1, 0, dict(dilemmas))


def test_no_cohorts_gets_a_friendly_text(knowledge: Knowledge) -> None:
    say = Say(knowledge, "nl")
    (reply,) = insight_replies(say, [], K)
    assert reply.attachment is None
    assert reply.plain == say.label("insight_none")


def test_no_chart_without_a_shown_combined_group_or_without_advice(knowledge: Knowledge) -> None:
    say = Say(knowledge, "nl")
    hidden = group(1, "Klein", 3, **{A: 3})
    kinds = [r.meta["screen"] for r in insight_replies(say, [hidden], K)]
    assert kinds == ["insight", "insight_csv"]
    no_advice = [group(1, "Groot", 6), group(None, "", 6)]
    kinds = [r.meta["screen"] for r in insight_replies(say, no_advice, K)]
    assert kinds == ["insight", "insight_csv"]
    assert (
        "Nog niemand van hen heeft advies gekregen of in een live sessie"
        in insight_replies(say, no_advice, K)[0].plain
    )
    # Two shown cohorts without a combined group (they share too few members): said so.
    apart = [group(1, "Een", 6, **{A: 1}), group(2, "Twee", 7, **{B: 2})]
    replies = insight_replies(say, apart, K)
    assert [r.meta["screen"] for r in replies] == ["insight", "insight_csv"]
    assert say.label("insight_all_hidden") in replies[0].plain
    assert [row[0] for row in csv_rows(replies)[1:]] == ["Een", "Twee"]


def test_one_shown_cohort_gets_no_second_total(knowledge: Knowledge) -> None:
    say = Say(knowledge, "nl")
    groups = [group(1, "Groot", 6, **{A: 2}), group(2, "Klein", 2), group(None, "", 6, **{A: 2})]
    replies = insight_replies(say, groups, K)
    assert [r.meta["screen"] for r in replies] == ["insight", "insight_chart", "insight_csv"]
    assert "Uw cohorten samen" not in replies[0].plain
    assert [row[0] for row in csv_rows(replies)[1:]] == ["Groot", "Klein"]


def test_many_cohorts_are_spread_over_replies_below_the_limit(knowledge: Knowledge) -> None:
    say = Say(knowledge, "nl")
    names = [f"Workshop {'netwerkleiderschap ' * 5}{n:03d}" for n in range(60)]
    groups = [group(n, name, 5 + n % 3, **{A: 5, B: 4, C: 3, D: 2}) for n, name in enumerate(names)]
    groups.append(group(None, "", 400, **{A: 300}))
    texts_ = texts(insight_replies(say, groups, K))
    assert len(texts_) > 1
    assert all(len(text) <= TEXT_LIMIT for text in texts_)
    together = "\n\n".join(texts_)
    assert [name for name in names if name in together] == names
    assert together.count("Uw cohorten samen") == 1


def test_a_name_a_spreadsheet_would_run_is_kept_as_text(knowledge: Knowledge) -> None:
    say = Say(knowledge, "nl")
    groups = [group(1, "=HYPERLINK(1)", 6), group(2, "Klein", 1), group(None, "", 6)]
    rows = csv_rows(insight_replies(say, groups, K))
    assert rows[1][0] == "'=HYPERLINK(1)"
