"""Which figures of the groups :mod:`storage.insight` shows no view may show: the count
of a dilemma, of the active members or of the answered messages, when it — or what it
leaves out, or its difference to the same figure of another shown group (the total
minus a cohort) — would be about 1 to ``k - 1`` people (:mod:`storage.anonymity`).

A figure is withheld in every group at once: hiding it in one group only would leave
it to be worked out from the total and the others.

Counts of people (who recognise a dilemma, who are active) are checked beside the
groups' members, so that "5 of 6" (the one who is not) fails as "1 of 6" does. A count of
messages is a sum over the members of how many each answered (or left unanswered): it
is checked as those weighted vectors, the answered and the unanswered each on their own
(the sent ones are shown, so sent minus answered is a figure too). They are not checked
against the members' count: a number of messages minus a number of people says nothing
about anyone.

Pure: no database, no I/O.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from storage.anonymity import Vector, Verdict, check, is_safe, is_sum

ACTIVE = "active_30d"
"""The figure of the members active lately."""
NUDGES_ANSWERED = "nudges_answered"
"""The figure of the follow-up prompts answered."""
BROADCASTS_ANSWERED = "broadcasts_answered"
"""The figure of the broadcast messages answered."""
MESSAGE_FIGURES = (NUDGES_ANSWERED, BROADCASTS_ANSWERED)


@dataclass(frozen=True, slots=True)
class Replies:
    """Per member: how many of a group's messages of one kind they answered, and how
    many they left unanswered (members with none are left out)."""

    answered: Mapping[int, int]
    unanswered: Mapping[int, int]


@dataclass(frozen=True, slots=True)
class Tally:
    """What the figures of one shown group add up: its members, the active ones among
    them, and their replies per message figure (:data:`MESSAGE_FIGURES`)."""

    members: frozenset[int]
    active: frozenset[int]
    replies: Mapping[str, Replies]
    whole: bool = False
    """Whether this is the total of the other tallies' groups: where one of its vectors is
    exactly the sum of theirs it adds no combination, and is left out of the check
    (:func:`storage.anonymity.is_sum`)."""


def _family(tallies: Sequence[Tally], vectors: Sequence[Vector]) -> list[Vector]:
    """``vectors``, one per tally, without the whole's when it is exactly the sum of the
    others' (disjoint cohorts): the answer is the same, and the check of two hundred
    cohorts stays two hundred small ones instead of one with every member in it."""
    parts = [v for tally, v in zip(tallies, vectors, strict=True) if not tally.whole]
    wholes = [v for tally, v in zip(tallies, vectors, strict=True) if tally.whole]
    return [*parts, *(v for v in wholes if not is_sum(v, parts))]


def withheld_dilemmas(
    tallies: Sequence[Tally], recognised: Mapping[int, Sequence[str]], k: int
) -> frozenset[str]:
    """The dilemmas whose counts cannot be shown: the members who recognise one, within
    the groups shown, would make the family unsafe — a count of 1 to ``k - 1``, a group
    of which all but 1 to ``k - 1`` recognise it, or two groups whose counts differ by
    that much."""
    sets = _family(tallies, [tally.members for tally in tallies])
    by_dilemma: dict[str, set[int]] = {}
    for user_id, dilemmas in recognised.items():
        for dilemma in dilemmas:
            by_dilemma.setdefault(dilemma, set()).add(user_id)
    return frozenset(
        dilemma
        for dilemma, who in by_dilemma.items()
        if not is_safe([*sets, *_family(tallies, [t.members & who for t in tallies])], k)
    )


def withheld_figures(tallies: Sequence[Tally], k: int) -> frozenset[str]:
    """The figures (:data:`ACTIVE` and :data:`MESSAGE_FIGURES`) that cannot be shown in
    these groups, by the rules of this module."""
    withheld: set[str] = set()
    sets = _family(tallies, [tally.members for tally in tallies])
    if not is_safe([*sets, *_family(tallies, [tally.active for tally in tallies])], k):
        withheld.add(ACTIVE)
    for figure in MESSAGE_FIGURES:
        replies = [tally.replies[figure] for tally in tallies]
        answered = check(_family(tallies, [r.answered for r in replies]), k)
        unanswered = check(_family(tallies, [r.unanswered for r in replies]), k)
        if answered is not Verdict.SAFE or unanswered is not Verdict.SAFE:
            withheld.add(figure)
    return frozenset(withheld)


__all__ = [
    "ACTIVE",
    "BROADCASTS_ANSWERED",
    "MESSAGE_FIGURES",
    "NUDGES_ANSWERED",
    "Replies",
    "Tally",
    "withheld_dilemmas",
    "withheld_figures",
]
