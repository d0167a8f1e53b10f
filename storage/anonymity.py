"""Which groups of members a coordinator may see figures of, so that no figure — and no
sum or difference of figures shown — is about fewer than ``k`` people.

A figure shown for a group (its size, how many recognised a dilemma, how many answered)
adds up over its members. Whoever sees the figures of several groups can add and
subtract them: the figures of "Noord" (6) minus those of "Noord zonder Piet" (5) are
Piet's. Everything they can work out that way is a combination of the figures of the
*cells*: the members who belong to exactly the same shown groups. A combination says
something about the members of the cells it does not cancel out. The rule here: a family
of member sets is **safe** when every combination of them that does not cancel out
completely still covers at least ``k`` members. Two groups that differ by 1 to ``k - 1``
members fail it, and so does a small group, or a group plus the total of all.

How it is checked, so that it scales to hundreds of groups (issue 18):

1. Groups that share no member (directly or through others) are checked apart: the
   cells of one such *component* are in no group of another, so a combination is the sum
   of one combination per component, and it covers fewer than ``k`` members only if one
   of those parts does. Two hundred disjoint cohorts are two hundred tiny checks; the
   total of all joins them into one.
2. Within a component, a family without *small* cells (fewer than ``k`` members) is
   safe: whatever does not cancel out covers a whole cell. Otherwise the groups, as
   vectors over the cells, are brought to echelon form with the large cells first; the
   rows that end up zero on every large cell span exactly the combinations that concern
   small cells only (the *leaks*). None: safe.
3. The lightest leak decides. The leaks are split into parts on disjoint cells (reduced
   echelon form shows them) and each part searched exactly: a part of dimension ``d``
   has its lightest combinations among those that vanish on ``d - 1`` of its cells, or
   (when there are too many of those to try) among the handfuls of cells weighing fewer
   than ``k`` members. With more than :data:`MAX_CHECKS` of either to try the answer is
   :attr:`Verdict.UNCHECKED`, which counts as unsafe (never a wrong "safe").

The arithmetic is exact (integers, no rounding and no modulus).

:func:`choose` keeps groups in the order given (the first ones win), leaves out each
one that would make the family unsafe, and says why; :func:`safe_with` tells whether a
set may be added to an already safe family (a broadcast's audience and its recipients,
or the total of all shown groups).

Pure: no database, no I/O.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Hashable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum
from itertools import combinations
from math import comb, gcd
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)

MAX_CHECKS = 1500
"""Combinations of cells tried at most per part of the leaks; beyond that: unchecked."""

Vector = Collection[int] | Mapping[int, int]
"""A set of members, or a weighted one (member → non-zero integer)."""
_Row = dict[int, int]
"""A sparse integer vector: column index → non-zero value."""


class Verdict(Enum):
    """What the check says of a family of sets."""

    SAFE = "safe"
    UNSAFE = "unsafe"
    """Some combination of the figures is about 1 to ``k - 1`` people."""
    UNCHECKED = "unchecked"
    """Too many combinations to try: not shown, as if unsafe."""


@dataclass(frozen=True, slots=True)
class Choice(Generic[K]):
    """The groups :func:`choose` keeps, in order, and why each other one is left out."""

    kept: list[K]
    withheld: dict[K, Verdict] = field(default_factory=dict)
    """Per group left out: :attr:`Verdict.UNSAFE` or :attr:`Verdict.UNCHECKED`."""


# -- exact sparse linear algebra ------------------------------------------------------


def _eliminate(row: _Row, pivot: _Row, column: int) -> _Row:
    """``row`` with ``column`` cleared by a multiple of ``pivot`` (integers, divided by
    their common divisor so that they stay small)."""
    a, p = row[column], pivot[column]
    found = {c: v * p for c, v in row.items()}
    for c, v in pivot.items():
        value = found.get(c, 0) - a * v
        if value:
            found[c] = value
        else:
            found.pop(c, None)
    divisor = 0
    for v in found.values():
        divisor = gcd(divisor, v)
        if divisor == 1:
            return found
    return {c: v // divisor for c, v in found.items()} if divisor > 1 else found


def _echelon(rows: Sequence[_Row]) -> dict[int, _Row]:
    """The rows in echelon form: per leading column (the lowest) its row. Sparse rows
    first, so that a dense one (a total) is reduced by them, not they by it."""
    pivots: dict[int, _Row] = {}
    for row in sorted(rows, key=len):
        while row:
            lead = min(row)
            pivot = pivots.get(lead)
            if pivot is None:
                pivots[lead] = row
                break
            row = _eliminate(row, pivot, lead)
    return pivots


def _reduced(rows: Sequence[_Row]) -> list[_Row]:
    """The reduced echelon form: each leading column is zero in every other row."""
    pivots = _echelon(rows)
    leads = sorted(pivots, reverse=True)
    for index, lead in enumerate(leads):
        for other in leads[index + 1 :]:
            if lead in pivots[other]:
                pivots[other] = _eliminate(pivots[other], pivots[lead], lead)
    return list(pivots.values())


def _vanishing(rows: Sequence[_Row], zero: Collection[int]) -> list[_Row]:
    """A basis of the combinations of ``rows`` that are zero on the columns ``zero``:
    in echelon form with those columns first, the rows that lead elsewhere."""
    columns = sorted({c for row in rows for c in row}, key=lambda c: (c not in zero, c))
    place = {c: i for i, c in enumerate(columns)}
    first_free = sum(1 for c in columns if c in zero)
    pivots = _echelon([{place[c]: v for c, v in row.items()} for row in rows])
    return [
        {columns[i]: v for i, v in row.items()}
        for lead, row in pivots.items()
        if lead >= first_free
    ]


# -- the check ------------------------------------------------------------------------


def _entries(vector: Vector) -> Iterator[tuple[int, int]]:
    """(member, value) for a weighted vector; a plain set counts each member once."""
    if isinstance(vector, Mapping):
        yield from vector.items()
    else:
        for member in vector:
            yield member, 1


def _peeled(vectors: Sequence[Vector], k: int) -> list[Vector]:
    """The vectors without those a combination that covers fewer than ``k`` members
    cannot use: one with ``k`` or more members in no other vector puts a non-zero on all
    of them as soon as it takes part. Repeated, as leaving some out frees others."""
    alive = [v for v in vectors if v]
    while alive:
        count = Counter(member for vector in alive for member in vector)
        left = [v for v in alive if sum(count[m] == 1 for m in v) < k]
        if len(left) == len(alive):
            break
        alive = left
    return alive


def _components(vectors: Sequence[Vector]) -> list[list[Vector]]:
    """The non-empty vectors in groups that share members (directly or through others)."""
    parent = list(range(len(vectors)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    first: dict[int, int] = {}
    for index, members in enumerate(vectors):
        for member in members:
            other = first.setdefault(member, index)
            if other != index:
                a, b = root(other), root(index)
                if a != b:
                    parent[a] = b
    parts: dict[int, list[Vector]] = {}
    for index, members in enumerate(vectors):
        if members:
            parts.setdefault(root(index), []).append(members)
    return list(parts.values())


def _cells(vectors: Sequence[Vector]) -> Counter[tuple[tuple[int, int], ...]]:
    """Per cell (the indices of the vectors its members are in, with their values): how
    many members."""
    memberships: dict[int, list[tuple[int, int]]] = {}
    for index, vector in enumerate(vectors):
        for member, value in _entries(vector):
            found = memberships.get(member)
            if found is None:
                memberships[member] = [(index, value)]
            else:
                found.append((index, value))
    return Counter(tuple(found) for found in memberships.values())


def _leaks(vectors: Sequence[Vector], k: int) -> tuple[list[_Row], list[int]] | None:
    """The combinations of ``vectors`` that concern small cells only (a basis, as rows
    over cell columns), and per column its cell's members; None when there are none."""
    cells = _cells(vectors)
    if all(size >= k for size in cells.values()):
        return None  # whatever does not cancel out covers a whole cell of k or more
    order = sorted(cells, key=lambda cell: cells[cell] < k)  # large cells first
    first_small = sum(1 for cell in order if cells[cell] >= k)
    rows: list[_Row] = [{} for _ in vectors]
    for column, cell in enumerate(order):
        for index, value in cell:
            rows[index][column] = value
    leaks = [row for lead, row in _echelon(rows).items() if lead >= first_small]
    return (leaks, [cells[cell] for cell in order]) if leaks else None


def _lightest_below(rows: list[_Row], weights: Sequence[int], k: int) -> Verdict:
    """Whether some combination of ``rows`` (independent, one part of the leaks) covers
    fewer than ``k`` members: UNSAFE, SAFE, or UNCHECKED when there is too much to try."""
    columns = sorted({c for row in rows for c in row})
    if sum(weights[c] for c in columns) < k:
        return Verdict.UNSAFE
    dimension = len(rows)
    if dimension == 1:
        return Verdict.SAFE  # its only combinations are multiples: all of its cells
    if comb(len(columns), dimension - 1) <= MAX_CHECKS:
        # The lightest combinations vanish on d - 1 independent cells (a hyperplane).
        for chosen in combinations(columns, dimension - 1):
            basis = _vanishing(rows, chosen)
            if len(basis) == 1 and sum(weights[c] for c in basis[0]) < k:
                return Verdict.UNSAFE
        return Verdict.SAFE
    for checks, chosen in enumerate(_light_handfuls(columns, weights, k)):
        if checks >= MAX_CHECKS:
            return Verdict.UNCHECKED
        outside = set(columns).difference(chosen)
        if _vanishing(rows, outside):
            return Verdict.UNSAFE
    return Verdict.SAFE


def _light_handfuls(
    columns: Sequence[int], weights: Sequence[int], k: int
) -> Iterator[tuple[int, ...]]:
    """Tuples of columns whose cells have 1 to ``k - 1`` members together, fewest first."""
    for count in range(1, min(len(columns), k - 1) + 1):
        for chosen in combinations(columns, count):
            if sum(weights[c] for c in chosen) < k:
                yield chosen


def _split(rows: list[_Row]) -> list[list[_Row]]:
    """The leaks in parts on disjoint cells (as reduced echelon form shows them)."""
    parts: list[tuple[set[int], list[_Row]]] = []
    for row in _reduced(rows):
        joined = [part for part in parts if not part[0].isdisjoint(row)]
        columns, members = set(row), [row]
        for part in joined:
            columns |= part[0]
            members += part[1]
            parts.remove(part)
        parts.append((columns, members))
    return [members for _, members in parts]


def _check_connected(vectors: Sequence[Vector], k: int) -> Verdict:
    found = _leaks(vectors, k)
    if found is None:
        return Verdict.SAFE
    leaks, weights = found
    verdict = Verdict.SAFE
    for part in _split(leaks):
        answer = _lightest_below(part, weights, k)
        if answer is Verdict.UNSAFE:
            return answer
        if answer is Verdict.UNCHECKED:
            verdict = answer
    return verdict


def check(sets: Sequence[Vector], k: int) -> Verdict:
    """Whether any combination of the figures of ``sets`` is about 1 to ``k - 1`` people
    (a set may also be a weighted vector: member → non-zero integer)."""
    if k <= 1:
        return Verdict.SAFE
    verdict = Verdict.SAFE
    for part in _components(_peeled(sets, k)):
        answer = _check_connected(part, k)
        if answer is Verdict.UNSAFE:
            return answer
        if answer is Verdict.UNCHECKED:
            verdict = answer
    return verdict


def is_safe(sets: Sequence[Collection[int]], k: int) -> bool:
    """Whether no combination of the figures of ``sets`` is about 1 to ``k - 1`` people."""
    return check(sets, k) is Verdict.SAFE


def is_sum(vector: Vector, parts: Sequence[Vector]) -> bool:
    """Whether ``vector`` is, member by member, exactly the sum of ``parts`` (a set
    counts each of its members once). Such a vector adds no combination to a family that
    holds the parts — every combination that uses it is one of them — so :func:`check`
    of the family without it gives the same answer: the total of disjoint cohorts beside
    the cohorts, for instance, which would otherwise join them all into one component."""
    weighted = isinstance(vector, Mapping) or any(isinstance(p, Mapping) for p in parts)
    if not weighted:
        union: set[int] = set().union(*parts)
        return sum(len(p) for p in parts) == len(union) and union == set(vector)
    target = dict(vector) if isinstance(vector, Mapping) else dict.fromkeys(vector, 1)
    added: Counter[int] = Counter()
    for part in parts:
        if isinstance(part, Mapping):
            added.update(part)
        else:
            added.update(dict.fromkeys(part, 1))
    return {m: v for m, v in added.items() if v} == target


def choose(groups: Sequence[tuple[K, Collection[int]]], k: int) -> Choice[K]:
    """The keys of the groups that may be shown together, in the order given: each group
    in turn is kept when the family stays safe with it. Only the kept groups it shares
    members with (directly or through others) are checked with it: the rest stay as
    safe as they were."""
    kept: list[K] = []
    withheld: dict[K, Verdict] = {}
    parts: dict[int, list[Collection[int]]] = {}  # per component (its id): its sets
    parent: dict[int, int] = {}  # component id → the one it was merged into
    owner: dict[int, int] = {}  # member → a component id they are in

    def root(part: int) -> int:
        while parent[part] != part:
            parent[part] = parent[parent[part]]
            part = parent[part]
        return part

    for key, members in groups:
        touched = {root(owner[m]) for m in members if m in owner}
        trial = [s for part in touched for s in parts[part]]
        # k or more members in no kept group: any combination that uses the new one
        # covers them, and those that do not were safe before (a quick yes).
        new = sum(1 for m in members if m not in owner)
        verdict = Verdict.SAFE if new >= k else check([*trial, members], k)
        if verdict is not Verdict.SAFE:
            withheld[key] = verdict
            continue
        kept.append(key)
        into = len(parent)
        parent[into] = into
        parts[into] = [*trial, members]
        for part in touched:
            parent[part] = into
            del parts[part]
        for member in members:
            owner.setdefault(member, into)
    return Choice(kept, withheld)


def safe_family(groups: Sequence[tuple[K, Collection[int]]], k: int) -> list[K]:
    """The keys :func:`choose` keeps."""
    return choose(groups, k).kept


def safe_with(family: Sequence[Collection[int]], extra: Sequence[Collection[int]], k: int) -> bool:
    """Whether the figures of ``extra`` may be shown beside those of a safe ``family``."""
    return is_safe([*family, *extra], k)


def total_safe(family: Sequence[Collection[int]], k: int) -> bool:
    """Whether the figures of all of a safe ``family`` together may be shown beside its
    own: :func:`safe_with` for the union, found quicker.

    A group with ``k`` or more members in no other group of the family is *strong*. A
    combination that uses the total ``t`` times puts ``t`` plus the strong group's own
    coefficient on those members, so one that covers fewer than ``k`` takes each strong
    group exactly ``-t`` times. What is left to check is the total minus all the strong
    groups (per member: 1 minus the strong groups they are in) beside the weak groups."""
    count = Counter(member for members in family for member in members)
    strong = [sum(count[m] == 1 for m in members) >= k for members in family]
    in_strong = Counter(m for members, s in zip(family, strong, strict=True) if s for m in members)
    rest = {m: 1 - in_strong[m] for m in count if in_strong[m] != 1}
    weak = [members for members, s in zip(family, strong, strict=True) if not s]
    return is_safe([rest, *weak], k)


__all__ = [
    "MAX_CHECKS",
    "Choice",
    "Verdict",
    "check",
    "choose",
    "is_safe",
    "is_sum",
    "safe_family",
    "safe_with",
    "total_safe",
]
