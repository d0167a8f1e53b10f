"""Which groups of members a coordinator may see figures of, so that no figure — and no
sum or difference of figures shown — is about fewer than ``k`` people.

A figure shown for a group (its size, how many recognised a dilemma, how many answered)
adds up over its members. Whoever sees the figures of several groups can add and
subtract them: the figures of "Noord" (6) minus those of "Noord zonder Piet" (5) are
Piet's. Everything they can work out that way is a combination of the figures of the
*cells*: the members who belong to exactly the same shown groups. A combination says
something about the members of the cells it does not cancel out. The rule here: a family
of member sets is **safe** when every combination of them that does not cancel out
completely still covers at least ``k`` members. Equivalently (and how it is checked):
leaving out any handful of cells with fewer than ``k`` members together never loses a
dimension of what the family's figures span. Two groups that differ by 1 to ``k - 1``
members fail it, and so does a small group, or a group plus the total of all.

:func:`safe_family` keeps groups in the order given (the first ones win) and leaves out
each one that would make the family unsafe; :func:`safe_with` tells whether a set may
be added to an already safe family (a broadcast's audience and its recipients).

The check is exact for the sets it is given, linear algebra over the cells (exact modular
arithmetic). It is bounded: with more than :data:`MAX_CHECKS` combinations of small
cells to try, or more than :data:`MAX_SETS` sets, it answers "unsafe" (never a wrong
"safe").

Pure: no database, no I/O.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Hashable, Iterator, Sequence
from itertools import combinations
from typing import TypeVar

K = TypeVar("K", bound=Hashable)

MAX_CHECKS = 1500
"""Combinations of small cells tried at most; beyond that a family counts as unsafe."""
MAX_SETS = 40
"""Sets in one family at most (the exact arithmetic stays exact below this)."""
_PRIME = (1 << 61) - 1
"""Ranks are computed modulo this prime: exact for 0/1 matrices of up to MAX_SETS columns
(no minor of one reaches it)."""


def _rank(rows: Sequence[Sequence[int]]) -> int:
    """The rank of a 0/1 matrix (modulo :data:`_PRIME`, which equals its rational rank)."""
    matrix = [list(row) for row in rows if any(row)]
    if not matrix:
        return 0
    rank, width = 0, len(matrix[0])
    for column in range(width):
        pivot = next((r for r in range(rank, len(matrix)) if matrix[r][column] % _PRIME), None)
        if pivot is None:
            continue
        matrix[rank], matrix[pivot] = matrix[pivot], matrix[rank]
        inverse = pow(matrix[rank][column], _PRIME - 2, _PRIME)
        for r in range(len(matrix)):
            if r != rank and matrix[r][column] % _PRIME:
                factor = matrix[r][column] * inverse % _PRIME
                matrix[r] = [
                    (a - factor * b) % _PRIME for a, b in zip(matrix[r], matrix[rank], strict=True)
                ]
        rank += 1
        if rank == len(matrix):
            break
    return rank


def _cells(sets: Sequence[Collection[int]]) -> Counter[tuple[int, ...]]:
    """Per cell (which of ``sets`` its members are in, as a 0/1 tuple): how many members.

    Each member's sets are listed first and spelled out as 0/1 once per cell: one step
    per membership, not one per member and set (200 cohorts of 50: 0.3 s otherwise)."""
    memberships: dict[int, list[int]] = {}
    for index, members in enumerate(sets):
        for member in members:
            memberships.setdefault(member, []).append(index)
    cells: Counter[tuple[int, ...]] = Counter()
    for indices, count in Counter(tuple(found) for found in memberships.values()).items():
        signature = [0] * len(sets)
        for index in indices:
            signature[index] = 1
        cells[tuple(signature)] = count
    return cells


def _small_combinations(sizes: Sequence[int], k: int) -> Iterator[tuple[int, ...]]:
    """Index tuples of cells whose sizes add up to 1 .. k - 1 (each cell has >= 1 member)."""
    small = [i for i, size in enumerate(sizes) if size < k]
    for count in range(1, min(len(small), k - 1) + 1):
        for chosen in combinations(small, count):
            if sum(sizes[i] for i in chosen) < k:
                yield chosen


def is_safe(sets: Sequence[Collection[int]], k: int) -> bool:
    """Whether no combination of the figures of ``sets`` is about 1 to ``k - 1`` people."""
    if k <= 1:
        return True
    if len(sets) > MAX_SETS:
        return False
    cells = _cells(sets)
    signatures = list(cells)
    sizes = [cells[s] for s in signatures]
    full = _rank(signatures)
    small = {i for i, size in enumerate(sizes) if size < k}
    if _rank([s for i, s in enumerate(signatures) if i not in small]) == full:
        return True  # even without all the small cells nothing is lost: none can be isolated
    if sum(sizes[i] for i in small) < k:
        return False  # all of them together are fewer than k, and something is lost
    for checks, chosen in enumerate(_small_combinations(sizes, k)):
        if checks >= MAX_CHECKS:
            return False
        left = set(chosen)
        if _rank([s for i, s in enumerate(signatures) if i not in left]) < full:
            return False
    return True


def safe_family(groups: Sequence[tuple[K, Collection[int]]], k: int) -> list[K]:
    """The keys of the groups that may be shown together, in the order given: each group
    in turn is kept when the family stays safe with it (see :func:`is_safe`)."""
    kept: list[K] = []
    sets: list[Collection[int]] = []
    for key, members in groups:
        if is_safe([*sets, members], k):
            kept.append(key)
            sets.append(members)
    return kept


def safe_with(family: Sequence[Collection[int]], extra: Sequence[Collection[int]], k: int) -> bool:
    """Whether the figures of ``extra`` may be shown beside those of a safe ``family``."""
    return is_safe([*family, *extra], k)


__all__ = ["MAX_CHECKS", "MAX_SETS", "is_safe", "safe_family", "safe_with"]
