"""Two ways a negation reaches past its own clause, in the manner of ConText.

**An echoed question answered by a negation alone**: "formeel? niet echt", "ruim? nee",
"strong? not really". The board member repeats the word they doubt and denies it; the
negation is read as standing before the echoed words ("niet echt formeel"), so it denies
them, or makes the phrase it forms with them ("niet echt formeel" is informal).

**A contrast after a negation**: "niet formeel, wel afspraken", "geen stuurgroep, wel
overleg", "no steering group, but we do have an informal table". A clause with a contrast
word ("wel", "we do") after a clause with a negation says what it *is*: when it names an
option, the clauses before it only deny, and their own option words do not count.
"Officieel wel, in de praktijk niet" (the contrast first) stays a question.

The marks, the words beside the negation and the contrast words are in
``content/reading.yaml``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from knowledge.reading.phrases import Hit
from knowledge.reading.spec import ReadingSpec
from knowledge.reading.words import Token, spans


def _covered(tokens: Sequence[Token], found: list[tuple[int, int]]) -> set[int]:
    return {i for start, end in found for i in range(start, end)}


def answered_echoes(tokens: list[Token], spec: ReadingSpec) -> list[Token]:
    """``tokens`` with each negation that answers an echoed question moved before it, into
    the question's clause."""
    if not spec.echo_marks or len(tokens) < 2:
        return tokens
    negations = _covered(
        tokens, [*spans(tokens, spec.negation), *spans(tokens, spec.negation_after)]
    )
    fillers = _covered(tokens, spans(tokens, spec.echo_fillers))
    clauses: list[list[int]] = []
    for i, token in enumerate(tokens):
        if not clauses or tokens[clauses[-1][0]].clause != token.clause:
            clauses.append([])
        clauses[-1].append(i)
    result: list[Token] = []
    index = 0

    def denies_only(clause: list[int]) -> bool:
        return any(i in negations for i in clause) and all(
            i in negations or i in fillers for i in clause
        )

    while index < len(clauses):
        asked = clauses[index]
        answers = 0
        while index + 1 + answers < len(clauses) and denies_only(clauses[index + 1 + answers]):
            answers += 1
        if answers and tokens[asked[-1]].then in spec.echo_marks:
            # "formeel? nee, niet echt": the last negation joins the question; the ones
            # before it say no more than it does.
            clause = tokens[asked[0]].clause
            result += [replace(tokens[i], clause=clause) for i in clauses[index + answers]]
            result += [tokens[i] for i in asked]
            index += 1 + answers
            continue
        result += [tokens[i] for i in asked]
        index += 1
    return result


def contrast_clause(
    tokens: Sequence[Token], spec: ReadingSpec, live: Sequence[Hit], denied: set[str]
) -> int | None:
    """The first clause that contrasts with a negation before it and names an option that
    is not denied; None when there is none."""
    if not spec.contrast:
        return None
    negated = [
        tokens[start].clause
        for start, _ in [*spans(tokens, spec.negation), *spans(tokens, spec.negation_after)]
    ]
    if not negated:
        return None
    first_negation = min(negated)
    named = {tokens[h.start].clause for h in live if h.options - denied}
    for start, _ in sorted(spans(tokens, spec.contrast)):
        clause = tokens[start].clause
        if clause > first_negation and any(c >= clause for c in named):
            return clause
    return None


def stray_negation(
    tokens: Sequence[Token],
    spec: ReadingSpec,
    hits: Sequence[Hit],
    deciding: Sequence[Hit],
    skip: set[int],
) -> bool:
    """Whether a clause of its own that names no option ends in a negation: "de rvb staat
    erachter, de managers niet" (the managers do *not* stand behind it) takes back part
    of what the other clauses say. ("Ruim, maar niet onbeperkt" ends in no negation, and
    in "geen werkgroepen, tafels ook niet" the answer is a negation itself.)"""
    named = {tokens[h.start].clause for h in hits}
    if not named:
        return False
    inside = {i for h in hits for i in range(h.start, h.end)}
    decided = {i for h in deciding for i in range(h.start, h.end)}
    denying = [*spans(tokens, spec.negation), *spans(tokens, spec.negation_after)]
    if any(i in decided for start, end in denying for i in range(start, end)):
        return False  # "geen werkgroepen, tafels ook niet": the negations agree
    for start, end in spans(tokens, spec.negation_after):
        clause = tokens[start].clause
        last = end == len(tokens) or tokens[end].clause != clause
        if (
            last
            and start > 0
            and tokens[start - 1].clause == clause
            and clause not in named
            and clause not in skip
            and not any(i in inside for i in range(start, end))
        ):
            return True
    return False
