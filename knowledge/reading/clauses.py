"""How one clause of an answer bears on the others.

**A plain no first**: "nee, we zijn met 12", "geen, we zijn maar met 6", "nee, alles in 1
overleg". A negation that is an option word ("nee", "geen": no subgroups) and stands as a
clause of its own (beside ``echo_fillers`` only: "nee hoor") is the answer; a count in a
clause after it explains it. A count that names nothing (the people around the table) or
counts one (the one meeting everything happens in) does not outweigh it; a count of two
or more of the question's own topic ("nee, 3 werkgroepen") still does.

**A bare yes, then which yes**: "ja, maar informeel", "yes, but informally". A yes
(``affirmations``) that is the first clause on its own is qualified by a later clause that
a boundary word opens ("maar", "but") and that names an option: the yes ("ja" is a
formal steering group) no longer counts beside it. ("Ja, een paar" opens no clause with a
boundary word: both count.)

**Who one does it with** (``together``: "samen met", "together with"): an option phrase
after such words in their clause names a companion, not the answer: "we sturen samen met
de gemeente" is shared steering ("samen"), not the municipality leading.

**Less, in a clause of its own**: on the questions of how widely something is shared
(``partial``), "de rvt steunt het, de teams minder", "the board backs it, staff less so":
a clause that names no option and ends in a word of less (``lessening``) takes back part
of the answer by a degree, so its fullest option is the one after it on the scale (strong
support is mixed). A negation there takes back more: the bot asks
(:func:`knowledge.reading.context.stray_negation`).

The words are in ``content/reading.yaml``.
"""

from __future__ import annotations

from collections.abc import Sequence

from knowledge.reading.numbers import Count
from knowledge.reading.phrases import Hit
from knowledge.reading.spec import ReadingSpec
from knowledge.reading.words import Token, spans


def _clause_of(tokens: Sequence[Token], clause: int) -> list[int]:
    return [i for i, t in enumerate(tokens) if t.clause == clause]


def plain_no(tokens: Sequence[Token], spec: ReadingSpec, live: Sequence[Hit]) -> int | None:
    """The clause of a negation that is an option word and a clause of its own, or None."""
    triggers = {*spec.negation, *spec.negation_after}
    fillers = {i for start, end in spans(tokens, spec.echo_fillers) for i in range(start, end)}
    for hit in live:
        if tuple(t.text for t in tokens[hit.start : hit.end]) not in triggers:
            continue
        clause = tokens[hit.start].clause
        if all(hit.start <= i < hit.end or i in fillers for i in _clause_of(tokens, clause)):
            return clause
    return None


def explaining(tokens: Sequence[Token], clause: int, count: Count) -> bool:
    """Whether ``count``, after a plain no in ``clause``, explains it rather than answers:
    it names nothing ("we zijn met 12") or counts one ("alles in 1 overleg")."""
    later = tokens[count.start].clause > clause
    return later and (count.unit is None or count.high <= 1)


def qualified_yes(tokens: Sequence[Token], spec: ReadingSpec, live: Sequence[Hit]) -> set[int]:
    """The ids of the hits of a bare yes at the start that a later clause opened by a
    boundary word qualifies ("ja, maar informeel")."""
    if not spec.affirmations or not tokens:
        return set()
    first = tokens[0].clause
    yes = [
        (start, end)
        for start, end in spans(tokens, spec.affirmations)
        if tokens[start].clause == first
    ]
    fillers = {i for start, end in spans(tokens, spec.echo_fillers) for i in range(start, end)}
    said = {i for start, end in yes for i in range(start, end)}
    if not yes or not all(i in said or i in fillers for i in _clause_of(tokens, first)):
        return set()
    own = [h for h in live if tokens[h.start].clause == first]
    meant = {o for h in own for o in h.options}
    qualifying = [
        h
        for h in live
        if tokens[h.start].clause > first
        and tokens[_clause_of(tokens, tokens[h.start].clause)[0]].opened_by
        and h.options - meant
    ]
    return {id(h) for h in own} if qualifying else set()


def companions(tokens: Sequence[Token], spec: ReadingSpec, hits: Sequence[Hit]) -> set[int]:
    """The ids of hits that name who one does it with ("samen met de gemeente"), when
    another hit says what it is ("samen"); a companion alone is the answer ("het knelt
    in samenwerking met de gemeenten": there)."""
    found: set[int] = set()
    for start, end in spans(tokens, spec.together):
        clause = tokens[start].clause
        found |= {
            id(h)
            for h in hits
            if end <= h.start < end + spec.window and tokens[h.start].clause == clause
        }
    return found if any(id(h) not in found for h in hits) else set()


def lessened(
    tokens: Sequence[Token], spec: ReadingSpec, hits: Sequence[Hit], skip: set[int]
) -> tuple[str, ...]:
    """The words of less that end a clause of their own naming no option ("de teams
    minder"), after other words of that clause; () when there are none."""
    named = {tokens[h.start].clause for h in hits}
    inside = {i for h in hits for i in range(h.start, h.end)}
    found: list[str] = []
    taken = -1
    for start, end in sorted(spans(tokens, spec.lessening), key=lambda s: (s[0], -s[1])):
        if start < taken:
            continue  # "iets minder": not "minder" again
        taken = end
        clause = tokens[start].clause
        last = end == len(tokens) or tokens[end].clause != clause
        alone = start > 0 and tokens[start - 1].clause == clause
        free = not any(i in inside for i in range(start, end))
        if last and alone and free and clause not in named and clause not in skip:
            found.append(" ".join(t.text for t in tokens[start:end]))
    return tuple(found)
