"""Who is in which of a coordinator's cohorts, and which cohorts' figures may be shown
(see :mod:`storage.anonymity` for the rule).

Every coordinator-facing view asks the same question the same way — the cohort list, the
audience buttons, the broadcast preview and report, the insight — so the family of
groups shown is the same everywhere at a given moment and figures from one view cannot
be set against another's to single anyone out.

Every method runs inside the caller's unit of work (see :mod:`storage.repository`).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storage.anonymity import Verdict, choose, safe_with, total_safe
from storage.cohorts import CohortInfo
from storage.models import Membership, OutboxMessage, Reflection

TOO_FEW = "too_few"
TOO_CLOSE = "too_close"
UNCHECKED = "unchecked"

DEFAULT_MIN_GROUP = 5
"""The minimum group of a broadcast made before the audience recorded its own."""


def figures_shown(audience: dict[str, Any]) -> bool:
    """Whether a broadcast's figures may be shown (decided and recorded when it was sent;
    a broadcast from before that: yes)."""
    return audience.get("figures") is not False


def min_group_of(audience: dict[str, Any]) -> int:
    k = audience.get("k")
    return k if isinstance(k, int) and not isinstance(k, bool) and k > 0 else DEFAULT_MIN_GROUP


@dataclass(frozen=True, slots=True)
class Shared:
    """The answers members shared with the coordinator of a broadcast, oldest first; none
    while fewer than the minimum group of different members shared one (``withheld``
    then says whether any did)."""

    texts: tuple[str, ...] = ()
    withheld: bool = False


@dataclass(frozen=True, slots=True)
class Family:
    """The cohorts of one view with their members, and which of them may be shown."""

    members: dict[int, frozenset[int]]
    shown: frozenset[int]
    """Cohort ids whose figures may be shown."""
    total_shown: bool
    """Whether the figures of all the shown cohorts together may be shown as well."""
    k: int
    withheld: dict[int, str] = field(default_factory=dict)
    """Why each cohort not shown is not: :data:`TOO_FEW` members, :data:`TOO_CLOSE` to
    the cohorts shown before it, or :data:`UNCHECKED` (too intricate to check)."""

    def sets(self) -> list[frozenset[int]]:
        """The member sets whose figures are shown (the total among them when it is)."""
        sets = [self.members.get(c, frozenset()) for c in sorted(self.shown)]
        if self.total_shown and len(self.shown) > 1:
            sets.append(self.together(self.shown))
        return sets

    def together(self, cohort_ids: Collection[int]) -> frozenset[int]:
        return frozenset().union(*(self.members.get(c, frozenset()) for c in cohort_ids))

    def may_show(self, *extra: Collection[int]) -> bool:
        """Whether figures of ``extra`` member sets may be shown beside the family's."""
        return safe_with(self.sets(), list(extra), self.k)


class AudienceStore:
    """Member sets of cohorts inside one unit of work."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def member_sets(self, cohort_ids: Sequence[int]) -> dict[int, frozenset[int]]:
        """Per cohort: the user ids of its members (every cohort asked for, empty or not)."""
        found: dict[int, set[int]] = {c: set() for c in cohort_ids}
        if cohort_ids:
            query = select(Membership.cohort_id, Membership.user_id).where(
                Membership.cohort_id.in_(list(cohort_ids))
            )
            for cohort_id, user_id in self._session.execute(query):
                found[cohort_id].add(user_id)
        return {c: frozenset(members) for c, members in found.items()}

    def shared_answers(self, broadcast_id: int, audience: dict[str, Any]) -> Shared:
        """What a broadcast's report may quote of the answers shared with its coordinator:
        nothing when its figures are not shown, nothing while fewer than ``k`` different
        members shared (one sharer's "anonymous" answer is that person's answer). The answers
        come sorted by their text, so that their order says nothing about who shared when."""
        answers = (
            select(Reflection.user_id, Reflection.text)
            .join(OutboxMessage, OutboxMessage.id == Reflection.outbox_id)
            .where(OutboxMessage.broadcast_id == broadcast_id, Reflection.shared.is_(True))
        )
        sharers = self._session.scalar(
            select(func.count(func.distinct(answers.subquery().c.user_id)))
        )
        if not sharers:
            return Shared()
        if not figures_shown(audience) or sharers < min_group_of(audience):
            return Shared(withheld=True)
        # In the order of their text, not of sharing: a list in the order the answers came
        # would let a coordinator in the room match the latest to who just put down a phone.
        texts = [text for _, text in self._session.execute(answers)]
        return Shared(tuple(sorted(texts, key=lambda text: (text.casefold(), text))))

    def family(self, cohorts: Sequence[CohortInfo], k: int) -> Family:
        """Which of ``cohorts`` (in the order given: the first ones win) may be shown, and
        whether their total may be too."""
        return family_of([c.id for c in cohorts], self.member_sets([c.id for c in cohorts]), k)


def family_of(order: Sequence[int], members: dict[int, frozenset[int]], k: int) -> Family:
    """The family of :meth:`AudienceStore.family` from member sets already read."""
    # An empty cohort has no figures worth showing: withheld like a small one.
    sized = [(c, members.get(c, frozenset())) for c in order]
    choice = choose([(c, found) for c, found in sized if len(found) >= k], k)
    shown = frozenset(choice.kept)
    sets = [members.get(c, frozenset()) for c in choice.kept]
    total = bool(choice.kept) and total_safe(sets, k)
    withheld = {c: _reason(len(found), k, choice.withheld.get(c)) for c, found in sized}
    return Family(members, shown, total, k, {c: r for c, r in withheld.items() if c not in shown})


def _reason(size: int, k: int, verdict: Verdict | None) -> str:
    if size < k:
        return TOO_FEW
    return UNCHECKED if verdict is Verdict.UNCHECKED else TOO_CLOSE


__all__ = [
    "TOO_CLOSE",
    "TOO_FEW",
    "UNCHECKED",
    "AudienceStore",
    "Family",
    "Shared",
    "family_of",
    "figures_shown",
    "min_group_of",
]
