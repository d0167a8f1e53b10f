"""A range between two options is a question, not a pick.

"Nauwelijks tot soms", "laag of gemiddeld", "tussen laag en gemiddeld", "low to medium":
two option phrases joined by a word of range (``reading.ranges``; "en" / "and" only after
a word that opens one, ``reading.between``: "tussen", "between"). The board member says
the answer lies between them, so the bot asks which, offering both ends and on an ordered
question what lies between. Without this the first end could deny the second ("nauwelijks"
is a negation) and the range would be read as one of its ends. A join inside a degree
phrase joins nothing ("a lot of distrust": that "of" is no "or").
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import pairwise

from knowledge.reading.phrases import Hit
from knowledge.reading.spec import Phrase, ReadingSpec
from knowledge.reading.words import Token, spans


def _joined(tokens: Sequence[Token], start: int, end: int, joins: tuple[Phrase, ...]) -> bool:
    return tuple(t.text for t in tokens[start:end]) in joins


def ranged(
    tokens: Sequence[Token], spec: ReadingSpec, question_id: str, hits: Sequence[Hit]
) -> tuple[frozenset[str], tuple[str, str]] | None:
    """The options the first range in ``hits`` spans (both ends and, on an ordered
    question, what lies between) and the words of its ends, or None when the text names
    no range between two different options."""
    if len(hits) < 2:
        return None
    ordered = sorted(hits, key=lambda h: h.start)
    opened = {end for _, end in spans(tokens, spec.between)}
    scale = spec.scales.get(question_id, ())
    for first, second in pairwise(ordered):
        if first.options == second.options or first.end >= second.start:
            continue
        if tokens[first.start].clause != tokens[second.start].clause:
            continue
        joins = (*spec.ranges, *spec.between_joins) if first.start in opened else spec.ranges
        if not _joined(tokens, first.end, second.start, joins):
            continue
        if _in_degree(tokens, spec, first.end, second.start):
            continue
        ends = first.options | second.options
        words = (first.words, second.words)
        if not ends <= set(scale):
            return ends, words
        at = sorted(scale.index(o) for o in ends)
        return frozenset(scale[at[0] : at[-1] + 1]), words
    return None


def _in_degree(tokens: Sequence[Token], spec: ReadingSpec, start: int, end: int) -> bool:
    """Whether a word from ``start`` to ``end`` is part of a degree phrase: "a lot of
    distrust" ("of" is no "or")."""
    found = [*spans(tokens, spec.intensifiers), *spans(tokens, spec.lowering)]
    return any(s < end and start < e for s, e in found)
