"""The total beside its cohorts adds no combination when it is exactly their sum, so the
withholding check leaves it out (storage.anonymity.is_sum): the verdicts must be those of
the check with it, on random cohorts that share members and on ones that do not."""

from __future__ import annotations

import random
from collections import Counter
from itertools import pairwise

from storage.anonymity import Vector, Verdict, check, is_sum
from storage.withholding import (
    ACTIVE,
    BROADCASTS_ANSWERED,
    MESSAGE_FIGURES,
    NUDGES_ANSWERED,
    Replies,
    Tally,
    withheld_dilemmas,
    withheld_figures,
)


def test_a_union_of_disjoint_sets_is_their_sum_and_one_of_overlapping_sets_is_not() -> None:
    assert is_sum({1, 2, 3, 4}, [{1, 2}, {3, 4}])
    assert not is_sum({1, 2, 3}, [{1, 2}, {2, 3}])  # 2 counted twice
    assert not is_sum({1, 2, 3, 4}, [{1, 2}, {2, 3}])  # as many in all, but 2 twice, 4 never
    assert not is_sum({1, 2, 3}, [{1, 2}])
    assert is_sum(frozenset(), [])


def test_weighted_vectors_add_up_member_by_member() -> None:
    assert is_sum({1: 2, 2: 1}, [{1: 1}, {1: 1, 2: 1}])
    assert is_sum({1: 2, 2: 1}, [{1}, {1: 1, 2: 1}])  # a set counts each member once
    assert is_sum({2: 1}, [{1: 1, 2: 1}, {1: -1}])  # what cancels out is no member
    assert not is_sum({1: 2}, [{1: 1}])
    assert not is_sum({1, 2}, [{1: 1, 2: 2}])


def _subset(rnd: random.Random, members: frozenset[int]) -> frozenset[int]:
    return frozenset(m for m in members if rnd.random() < 0.6)


def _replies(rnd: random.Random, members: frozenset[int]) -> dict[int, int]:
    return {m: rnd.randint(1, 3) for m in members if rnd.random() < 0.5}


def _random_tallies(rnd: random.Random) -> list[Tally]:
    """A few cohorts (sometimes sharing members) and their total, as insight builds them:
    the total's members and active members are the unions, its replies the sums."""
    universe = list(range(rnd.randint(4, 30)))
    rnd.shuffle(universe)
    count = rnd.randint(1, 4)
    cuts = sorted(rnd.sample(range(1, len(universe)), min(count - 1, len(universe) - 1)))
    groups = [frozenset(part) for part in _parts(universe, cuts)]
    if rnd.random() < 0.3 and len(groups) > 1:  # a member in two cohorts
        groups[1] = groups[1] | {next(iter(groups[0]))}
    active = {m for g in groups for m in g if rnd.random() < 0.6}
    tallies = []
    for group in groups:
        replies = {
            figure: Replies(_replies(rnd, group), _replies(rnd, group))
            for figure in MESSAGE_FIGURES
        }
        tallies.append(Tally(group, group & active, replies))
    sums = {
        figure: Replies(
            dict(sum((Counter(t.replies[figure].answered) for t in tallies), Counter())),
            dict(sum((Counter(t.replies[figure].unanswered) for t in tallies), Counter())),
        )
        for figure in MESSAGE_FIGURES
    }
    members = frozenset().union(*groups)
    tallies.append(Tally(members, members & active, sums, whole=True))
    return tallies


def _parts(items: list[int], cuts: list[int]) -> list[list[int]]:
    bounds = [0, *cuts, len(items)]
    return [items[a:b] for a, b in pairwise(bounds) if a < b]


def _unsafe(vectors: list[Vector], k: int) -> bool:
    return check(vectors, k) is not Verdict.SAFE


def _figures_with_the_total(tallies: list[Tally], k: int) -> frozenset[str]:
    """What withheld_figures would say checking every vector, the total's included."""
    sets: list[Vector] = [t.members for t in tallies]
    withheld = set()
    if _unsafe([*sets, *(t.active for t in tallies)], k):
        withheld.add(ACTIVE)
    for figure in (NUDGES_ANSWERED, BROADCASTS_ANSWERED):
        replies = [t.replies[figure] for t in tallies]
        answered: list[Vector] = [r.answered for r in replies]
        unanswered: list[Vector] = [r.unanswered for r in replies]
        if _unsafe(answered, k) or _unsafe(unanswered, k):
            withheld.add(figure)
    return frozenset(withheld)


def test_leaving_the_total_out_changes_no_verdict_on_random_cohorts() -> None:
    rnd = random.Random(13)
    seen = Counter[str]()
    for _ in range(300):
        k = rnd.choice([2, 3, 5])
        tallies = _random_tallies(rnd)
        expected = _figures_with_the_total(tallies, k)
        assert withheld_figures(tallies, k) == expected, (tallies, k)
        seen.update(expected or {"none"})
        recognised = {m: ("a",) for t in tallies for m in t.members if rnd.random() < 0.5}
        who = frozenset(recognised)
        with_total = _unsafe(
            [*(t.members for t in tallies), *(t.members & who for t in tallies)], k
        )
        assert withheld_dilemmas(tallies, recognised, k) == (
            frozenset({"a"}) if with_total else frozenset()
        )
    # Both answers came up for every figure: the comparison was not one-sided.
    assert min(seen[f] for f in (ACTIVE, *MESSAGE_FIGURES)) > 10 and seen["none"] > 10


def test_two_hundred_cohorts_and_their_total_are_checked_as_two_hundred_small_ones() -> None:
    cohorts = [frozenset(range(i * 50, (i + 1) * 50)) for i in range(200)]
    members = frozenset().union(*cohorts)
    empty = {figure: Replies({}, {}) for figure in MESSAGE_FIGURES}
    tallies = [Tally(c, frozenset(m for m in c if m % 2), empty) for c in cohorts]
    tallies.append(Tally(members, frozenset(m for m in members if m % 2), empty, whole=True))
    assert withheld_figures(tallies, 5) == frozenset()
    # One cohort with 3 active of 50: its active figure is withheld, the total's with it.
    few = Tally(cohorts[0], frozenset(range(3)), empty)
    assert ACTIVE in withheld_figures([few, *tallies[1:]], 5)
