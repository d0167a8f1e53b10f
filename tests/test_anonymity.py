"""Anonymity a coordinator cannot subtract away (issue 14): each attack of the probe,
replayed through the advisor service with the default minimum group of 5 — the filtered
preview of a one-member cohort, members switching messages off, sizes of small cohorts in
the list and on the audience buttons, a report and a shared answer of one person, and two
cohorts side by side that differ by one member in /inzicht, its CSV and its chart — and
the rule itself (storage.anonymity) on the shapes that leak and those that do not."""

from __future__ import annotations

import random
import re
from datetime import UTC
from fractions import Fraction
from itertools import combinations
from typing import Any

import pytest

from storage import Database, Repository, anonymity
from storage.anonymity import Verdict, check, is_safe, safe_family, total_safe
from storage.audiences import TOO_CLOSE, TOO_FEW, UNCHECKED, family_of
from tests.followup_helpers import People, actions_of, local, text_of

pytest_plugins = ["tests.storage_fixtures"]

K = 5
COORDINATOR = "5"


@pytest.fixture
def people(db: Database, clock: Any) -> People:
    clock.now = local(2026, 11, 23, 10).astimezone(UTC)
    return People(db, clock)  # the default minimum group: 5


async def cohort_with(people: People, name: str, members: list[str]) -> tuple[int, str]:
    """A cohort of the coordinator with these members (joined and agreed); (id, code)."""
    _, code = await people.create_cohort(COORDINATOR, name, "20-11-2026 10:00")
    for member in members:
        await people.join_bot(member, code)
    cohort = await people.db.run(lambda repo: repo.cohorts.by_code(code))
    assert cohort is not None
    return cohort.id, code


async def join(people: People, member: str, code: str) -> None:
    await people.send(member, f"/start {code}")


async def advise(db: Database, people: People, member: str, dilemmas: list[str]) -> None:
    user = await people.user_id(member)
    await db.run(lambda repo: repo.record_advice(user, {}, dilemmas, "v"))


def buttons(outcome: Any) -> list[str]:
    return [b.label for r in outcome.replies for row in r.buttons for b in row]


async def preview(people: People, text: str = "Een vraag", dilemma: str | None = None) -> str:
    await people.send(COORDINATOR, "/broadcast")
    await people.send(COORDINATOR, text)
    if dilemma is not None:
        await people.press(COORDINATOR, "1:c:bdil")
        await people.press(COORDINATOR, f"1:c:bdil:{dilemma}")
    shown = await people.press(COORDINATOR, "1:c:bnext")
    return shown.replies[-1].plain


async def cancel(people: People) -> None:
    await people.press(COORDINATOR, "1:c:cancel")


# -- the rule ---------------------------------------------------------------------------


def test_two_groups_that_differ_by_fewer_than_k_people_are_not_safe_together() -> None:
    five, six = set(range(5)), set(range(6))
    assert not is_safe([five, six], K), "6 minus 5 is one person"
    assert is_safe([five, set(range(10))], K), "10 minus 5 is five people"
    assert not is_safe([set(range(4))], K), "a group of 4"
    assert is_safe([set()], K)
    # Two groups of 5 sharing one member: neither difference isolates anyone, but with
    # their total shown the shared member is first + second - total.
    first, second = set(range(5)), set(range(4, 9))
    assert is_safe([first, second], K)
    assert not is_safe([first, second, first | second], K)
    # A chain: A+B-C isolates nobody when every combination covers K people or more.
    disjoint = [set(range(i * 10, i * 10 + 6)) for i in range(4)]
    assert is_safe([*disjoint, set().union(*disjoint)], K)


def test_the_first_groups_win_and_a_later_one_that_would_leak_is_left_out() -> None:
    groups = [("a", set(range(5))), ("b", set(range(6))), ("c", set(range(20, 27)))]
    assert safe_family(groups, K) == ["a", "c"]


def _rank(rows: list[list[int]]) -> int:
    matrix = [[Fraction(v) for v in row] for row in rows if any(row)]
    rank = 0
    for column in range(len(matrix[0]) if matrix else 0):
        pivot = next((r for r in range(rank, len(matrix)) if matrix[r][column]), None)
        if pivot is None:
            continue
        matrix[rank], matrix[pivot] = matrix[pivot], matrix[rank]
        for r in range(len(matrix)):
            if r != rank and matrix[r][column]:
                factor = matrix[r][column] / matrix[rank][column]
                matrix[r] = [a - factor * b for a, b in zip(matrix[r], matrix[rank], strict=True)]
        rank += 1
    return rank


def _safe_by_definition(sets: list[set[int]], k: int) -> bool:
    """The rule spelled out: leaving out any cells of fewer than k members together never
    lowers the rank of the cells' signatures (no combination concerns only them)."""
    members = sorted(set().union(*sets))
    signatures: dict[tuple[int, ...], int] = {}
    for m in members:
        key = tuple(int(m in s) for s in sets)
        signatures[key] = signatures.get(key, 0) + 1
    cells = list(signatures)
    full = _rank([list(c) for c in cells])
    for count in range(1, len(cells) + 1):
        for left_out in combinations(range(len(cells)), count):
            if sum(signatures[cells[i]] for i in left_out) >= k:
                continue
            rest = [list(c) for i, c in enumerate(cells) if i not in left_out]
            if _rank(rest) < full:
                return False
    return True


def test_the_check_agrees_with_the_rule_spelled_out_on_random_families() -> None:
    rnd = random.Random(18)
    for _ in range(400):
        k = rnd.choice([2, 3, 5])
        universe = rnd.randint(3, 11)
        sets = [set(rnd.sample(range(universe), rnd.randint(0, universe))) for _ in range(4)]
        if rnd.random() < 0.3:
            sets.append(set().union(*sets[:2]))  # a union beside its parts, as a total
        expected = _safe_by_definition(sets, k)
        verdict = check(sets, k)
        assert verdict is not Verdict.UNCHECKED
        assert (verdict is Verdict.SAFE) == expected, (sets, k)
        kept = [sets[i] for i in safe_family(list(enumerate(sets)), k)]
        assert _safe_by_definition(kept, k)
        assert total_safe(kept, k) == _safe_by_definition([*kept, set().union(*kept)], k)


def _cohorts(count: int = 200, size: int = 50) -> dict[int, frozenset[int]]:
    return {c: frozenset(range(c * size, (c + 1) * size)) for c in range(count)}


def test_two_hundred_separate_cohorts_are_all_shown_and_their_total_too() -> None:
    members = _cohorts()
    family = family_of(list(members), members, K)
    assert family.shown == frozenset(members) and family.total_shown
    assert family.withheld == {}


def test_among_two_hundred_cohorts_one_that_differs_from_another_by_one_is_withheld() -> None:
    members = _cohorts()
    # Far down the list: cohort 190 is cohort 3 without one member, 191 is 17 plus one.
    members[190] = members[3] - {3 * 50}
    members[191] = members[17] | {190 * 50}
    members[192] = frozenset(range(4))  # a small group
    family = family_of(list(members), members, K)
    assert family.withheld == {190: TOO_CLOSE, 191: TOO_CLOSE, 192: TOO_FEW}
    assert len(family.shown) == 197


def test_among_two_hundred_cohorts_the_total_is_withheld_when_few_overlap() -> None:
    members = _cohorts()
    # Two members in two cohorts each: the total minus all cohorts would be them.
    members[7] = members[7] | {8 * 50, 9 * 50}
    family = family_of(list(members), members, K)
    assert len(family.shown) == 200 and not family.total_shown
    assert not is_safe([*family.sets(), family.together(family.shown)], K)
    # Five members in two cohorts: the total minus all cohorts says something about 5.
    members[7] = members[7] | {10 * 50, 11 * 50, 12 * 50}
    assert family_of(list(members), members, K).total_shown


def test_a_cohort_too_intricate_to_check_is_withheld_as_unchecked(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    sets = [{0, 3, 7}, {1, 5, 6, 7, 9}, {0, 1, 3, 4, 5, 6, 7, 8, 9}]
    assert check(sets, 3) is Verdict.SAFE
    monkeypatch.setattr(anonymity, "MAX_CHECKS", 0)
    assert check(sets, 3) is Verdict.UNCHECKED and not is_safe(sets, 3)
    members = {c: frozenset(found) for c, found in enumerate(sets)}
    family = family_of(list(members), members, 3)
    assert family.shown == {0, 1} and family.withheld == {2: UNCHECKED}


# -- the broadcast preview ----------------------------------------------------------------


async def test_twelve_filtered_previews_of_a_one_member_cohort_reveal_nothing(
    people: People, db: Database
) -> None:
    await people.coordinator(COORDINATOR)
    await cohort_with(people, "Alleen", ["70"])
    secret = ["inclusief_vs_efficient", "autonoom_vs_integraal", "eigenheid_vs_uniformiteit"]
    await advise(db, people, "70", secret)
    dilemmas = [d.id for d in people.advisor.knowledge.dilemmas]
    assert len(dilemmas) == 12
    summaries = []
    for dilemma in dilemmas:
        summaries.append(await preview(people, dilemma=dilemma))
        await cancel(people)
    unfiltered = await preview(people)
    # The same words whatever the filter: which three had the member cannot be told.
    texts = {re.sub(r"«[^»]*»|\*\*[^*]*\*\*", "", s.split("\n\n")[0]) for s in summaries}
    assert len(texts) == 1, texts
    for text in [*summaries, unfiltered]:
        assert not re.search(r"\b[01]\b deelnemer", text)
        assert "toon ik niet" in text


async def test_a_member_switching_messages_off_does_not_change_a_shown_count(
    people: People,
) -> None:
    await people.coordinator(COORDINATOR)
    members = [str(60 + n) for n in range(6)]
    await cohort_with(people, "Zes", members)
    before = await preview(people)
    assert "**6** deelnemer(s)" in before or "6 deelnemer(s)" in before
    await cancel(people)
    await people.send(members[0], "/stop")
    after = await preview(people)
    # 6 - 5 would be the member who stopped: no number at all now.
    assert not re.search(r"\d", after.split("Hoeveel")[0]), after
    assert "toon ik niet" in after


async def test_a_filter_whose_complement_is_small_shows_no_count(
    people: People, db: Database
) -> None:
    await people.coordinator(COORDINATOR)
    members = [str(60 + n) for n in range(7)]
    await cohort_with(people, "Zeven", members)
    for n, member in enumerate(members):
        first = "inclusief_vs_efficient" if n < 6 else "autonoom_vs_integraal"
        await advise(db, people, member, [first, "eigenheid_vs_uniformiteit"])
    # 6 of 7 have it: the one without would be 7 - 6.
    filtered = await preview(people, dilemma="inclusief_vs_efficient")
    assert "toon ik niet" in filtered and "6" not in filtered
    await cancel(people)
    # All 7 have this one: the same people as the cohort, nothing to subtract.
    everyone = await preview(people, dilemma="eigenheid_vs_uniformiteit")
    assert "7 deelnemer(s)" in everyone.replace("**", "")


# -- the cohort list and the audience buttons -------------------------------------------


async def test_sizes_of_small_cohorts_are_in_no_list_and_on_no_button(people: People) -> None:
    await people.coordinator(COORDINATOR)
    await cohort_with(people, "Klein", ["70"])
    await cohort_with(people, "Groot", [str(80 + n) for n in range(5)])
    listing = text_of(await people.send(COORDINATOR, "/cohort"))
    klein = listing.split("Klein")[1].split("Groot")[0]
    assert "niet getoond" in klein and "1 deelnemer" not in klein
    assert "5 deelnemer(s)" in listing
    await people.send(COORDINATOR, "/broadcast")
    audience = await people.send(COORDINATOR, "Een vraag")
    labels = buttons(audience)
    assert "Klein" in labels and not any(re.fullmatch(r"Klein \(\d+\)", b) for b in labels)
    assert "Groot (5)" in labels


async def test_a_cohort_of_six_beside_one_of_five_of_the_same_people_shows_no_size(
    people: People,
) -> None:
    await people.coordinator(COORDINATOR)
    five = [str(60 + n) for n in range(5)]
    await cohort_with(people, "Eerste", five)
    _, second = await people.create_cohort(COORDINATOR, "Tweede", "20-11-2026 10:00")
    for member in five:
        await join(people, member, second)
    await people.join_bot("66", second)
    listing = text_of(await people.send(COORDINATOR, "/cohort"))
    counts = re.findall(r"(\d+) deelnemer\(s\)", listing)
    assert len(counts) == 1, listing  # one of the two, never both


# -- the report and shared answers ------------------------------------------------------


async def send_broadcast(people: People, text: str) -> str:
    await preview(people, text)
    sent = await people.press(COORDINATOR, "1:c:bsend")
    return text_of(sent)


async def answer(people: People, member: str, text: str, share: bool) -> None:
    def latest(repo: Repository) -> int:
        user = repo.cohorts.consented_user("telegram", member)
        assert user is not None
        rows = [m for m in repo.outbox.pending_for(user) if m.kind == "broadcast"]
        return rows[-1].id

    row = await people.db.run(latest)
    await people.press(member, f"1:n:reply:{row}")
    answered = await people.send(member, text)
    if share:
        offer = next(a for a in actions_of(answered) if a.startswith("1:n:share:"))
        await people.press(member, offer)


async def report(people: People, db: Database) -> str:
    def latest(repo: Repository) -> int:
        owner = repo.cohorts.consented_user("telegram", COORDINATOR)
        assert owner is not None
        return repo.broadcasts.owned_by(owner, 1)[0].id

    broadcast_id = await db.run(latest)
    await people.send(COORDINATOR, "/help")  # the same button twice would be a double tap
    return text_of(await people.press(COORDINATOR, f"1:c:brep:{broadcast_id}"))


async def test_a_broadcast_to_one_member_reports_no_figures_and_no_answer(
    people: People, db: Database
) -> None:
    await people.coordinator(COORDINATOR)
    await cohort_with(people, "Alleen", ["70"])
    started = await send_broadcast(people, "Wat neemt u mee?")
    assert not re.search(r"\b1 deelnemer", started)
    await answer(people, "70", "Mijn eigen geheime antwoord", share=True)
    text = await report(people, db)
    assert "Mijn eigen geheime antwoord" not in text
    assert "Beantwoord" not in text and not re.search(r"\d", text.replace("dan 5", "")), text


async def test_a_shared_answer_appears_only_once_k_members_shared_one(
    people: People, db: Database
) -> None:
    await people.coordinator(COORDINATOR)
    members = [str(60 + n) for n in range(6)]
    await cohort_with(people, "Zes", members)
    await send_broadcast(people, "Wat neemt u mee?")
    await answer(people, members[0], "Het antwoord van één persoon", share=True)
    one = await report(people, db)
    assert "Het antwoord van één persoon" not in one and "zodra minstens 5" in one
    for n, member in enumerate(members[1:5], start=2):
        await answer(people, member, f"Gedeeld antwoord {n}", share=True)
    five = await report(people, db)
    assert "Het antwoord van één persoon" in five and "Gedeeld antwoord 5" in five


async def test_shared_answers_are_listed_by_their_text_not_in_the_order_shared(
    people: People, db: Database
) -> None:
    """Review 6, F41: in the order of sharing, the last one is who just put down a phone."""
    await people.coordinator(COORDINATOR)
    members = [str(60 + n) for n in range(6)]
    await cohort_with(people, "Zes", members)
    await send_broadcast(people, "Wat neemt u mee?")
    texts = ["Zorg voor rust", "Bellen helpt", "meer overleg", "Afspraken maken", "Durven"]
    for member, said in zip(members, texts, strict=False):
        await answer(people, member, said, share=True)
    text = await report(people, db)
    where = [text.index(said) for said in texts]
    assert [texts[where.index(at)] for at in sorted(where)] == sorted(texts, key=str.casefold)


# -- /inzicht, its CSV and chart ----------------------------------------------------------


async def test_insight_never_shows_two_cohorts_that_differ_by_one_member(
    people: People, db: Database
) -> None:
    await people.coordinator(COORDINATOR)
    five = [str(60 + n) for n in range(5)]
    await cohort_with(people, "Eerste", five)
    _, second = await people.create_cohort(COORDINATOR, "Tweede", "20-11-2026 10:00")
    for member in five:
        await join(people, member, second)
    await people.join_bot("66", second)
    for member in five:
        await advise(db, people, member, ["inclusief_vs_efficient"])
    await advise(db, people, "66", ["stabiliseren_vs_uitbreiden"])
    insight = await people.send(COORDINATOR, "/inzicht")
    text = text_of(insight)
    # One of the two is shown (the first in the list), never both, and no total: the
    # difference of the two would be the one member only in the larger cohort.
    assert "verschilt te weinig" in text and "Uw cohorten samen" not in text
    assert len(re.findall(r"\d+ deelnemers, van wie", text)) == 1, text
    csv = next(
        r.attachment for r in insight.replies if r.attachment and r.attachment.kind == "document"
    )
    assert csv is not None
    rows = [row.split(",") for row in csv.data.decode().splitlines()[1:]]
    assert sorted(row[0] for row in rows) == ["Eerste", "Tweede"]
    assert sum(1 for row in rows if row[1:] == ["niet getoond: te dicht bij een ander cohort"]) == 1
    assert sum(1 for row in rows if len(row) > 2) == 1, rows
    chart = [r for r in insight.replies if r.attachment and r.attachment.kind == "photo"]
    assert all(re.search(r"\b(5|6)\b", r.plain) and "11" not in r.plain for r in chart)


async def test_sending_a_filtered_broadcast_to_a_small_cohort_tells_nothing(
    people: People, db: Database
) -> None:
    """Pressing send must not answer "nobody to send to" for one filter and "sent" for
    another: that would be the member's dilemmas again."""
    await people.coordinator(COORDINATOR)
    await cohort_with(people, "Alleen", ["70"])
    await advise(db, people, "70", ["inclusief_vs_efficient"])
    answers = []
    for dilemma in ("inclusief_vs_efficient", "autonoom_vs_integraal"):
        await preview(people, dilemma=dilemma)
        answers.append(text_of(await people.press(COORDINATOR, "1:c:bsend")).split("\n")[0])
    assert answers[0] == answers[1], answers
