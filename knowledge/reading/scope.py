"""Words of degree, and the phrase they measure; weak cue words.

**Lowering words** ("weinig", "nauwelijks", "niet veel", "little", "hardly") scope over
the option phrase next to them in their clause: after them or, when they end the clause,
before them ("zelf beslissen mag ik weinig"; in "eigen bestuur, weinig steun" the steun is
measured, not the bestuur). "Ik mag weinig zelf beslissen" is little deciding oneself, not
"zelf beslissen" (ample mandate) with a stray "weinig" beside it. The phrase they
measure is denied; when the lowering word is itself an option word of the question
("weinig" is a limited mandate) that option stands. When both point to the same option
("weinig weerstand": little resistance) the lowering takes it back: that option is
denied, the other side asked.

**Intensifiers** ("veel", "a lot of") measure the phrase after them, on the questions
where they are an option word of their own only by accident: "veel onderling wantrouwen"
is distrust, not "veel" (a lot of trust). Where they count things ("veel kleine partijen"
at the size) they keep their own meaning: those questions are not listed.

**Weak cue words** ("niemand", "binnen") decide only in a short answer ("niemand",
"vooral binnen"): in a sentence they are too common to be a reading on their own ("het
probleem is dat niemand weet wie beslist" says nothing about internal support).

**A degree of something else** answers nothing: "weinig tijd" at the mandate question is
little time, not a limited mandate; "veel geld" is no large network. A degree word that is
an option word ("weinig", "veel") and measures no option phrase, with a noun no question
asks about right after it (``not_counted``), is spent.

**Almost none is some**: "we moeten bijna alles voorleggen", "bijna geen mandaat",
"almost everything goes back to my board" are not the phrase of none they contain ("alles
voorleggen": no mandate) but the option next to it (a limited mandate). A word of "not
quite" (``almost``) right before such a phrase moves it, per question (``almost_options``);
where none is no point of its own ("bijna niemand staat erachter" is still weak support)
nothing moves.

**A bound on a sum is a limit**: "ik mag tot 50k zelf beslissen, daarboven naar de rvb",
"ik kan zelf beslissen tot een bepaald bedrag" are a limited mandate, not ample (and not a
question between the two): deciding oneself up to a sum is deciding within limits. A bound
word (``bounds``: "tot", "boven de") with a sum (``sums``: "50k", "euro", "€", "ton",
"bedrag") a few words after it in its clause makes every option phrase of the answer that
is on the question's scale the option of ``bounded_options``, and counts as that option
itself; a denial of what lies past the bound is the limit too ("tot 50k, daarboven niet"). A
word that reaches past the bound (``beyond``: "ook boven de 50k", "zelfs boven een ton")
sets none.

**Stray numbers** are no count: a year after a year word ("in 2019 gestart") and a number
of something no question counts ("3 wethouders", "2 uur").

The words are in ``content/reading.yaml`` (``lowering``, ``intensifiers``, ``weak``,
``year_words``, ``not_counted``, ``almost``, ``almost_options``, ``bounds``, ``sums``,
``beyond``, ``bounded_options``; a number after ``currency`` or before a word of ``sums``
is a sum, :func:`sums`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from functools import lru_cache

from knowledge.reading.numbers import Count
from knowledge.reading.phrases import Hit
from knowledge.reading.spec import Phrase, ReadingSpec
from knowledge.reading.words import Token, decimal_whole, spans, written

YEARS = (1900, 2099)
"""A number in this range after a year word is a year."""
NOUN_REACH = 2
"""How many words after a number may name what it counts ("3 nieuwe wethouders")."""
SUM_REACH = 3
"""How many words after a bound word may name the sum ("tot een bepaald bedrag")."""
BARE_SUM = 1000
"""A number this large after a bound word is a sum without a word for it: "boven de
50.000 moet ik naar de rvb" (only on the questions of ``bounded_options``)."""
WEAK_ALONE = 3
"""A weak cue word decides only in an answer of at most this many words."""


def _longest(found: list[tuple[int, int]]) -> list[tuple[int, int]]:
    kept: list[tuple[int, int]] = []
    for span in sorted(found, key=lambda s: (s[0], -(s[1] - s[0]))):
        if not kept or span[0] >= kept[-1][1]:
            kept.append(span)
    return kept


def _measured(
    tokens: Sequence[Token],
    hits: Sequence[Hit],
    phrases: tuple[Phrase, ...],
    window: int,
    *,
    before: bool,
) -> list[tuple[Hit | None, list[Hit]]]:
    """Per degree word standing free or around one hit: that hit, and the hits it
    measures (the next ones in its clause, or with ``before`` the ones before it when it
    ends its clause)."""
    found: list[tuple[Hit | None, list[Hit]]] = []
    for start, end in _longest(spans(tokens, phrases)):
        touching = [h for h in hits if h.start < end and start < h.end]
        if any(h.start < start or h.end > end for h in touching):
            continue  # part of a longer phrase ("weinig steun"): the phrase says it
        own = touching[0] if touching else None  # "a lot" in "a lot of"
        clause = tokens[start].clause
        others = [h for h in hits if h is not own and tokens[h.start].clause == clause]
        scope = [h for h in others if end <= h.start < end + window]
        last = end == len(tokens) or tokens[end].clause != clause
        if not scope and before and last:
            scope = [h for h in others if start - window < h.end <= start]
        if scope:
            found.append((own, scope))
    return found


def quantified(
    tokens: Sequence[Token], hits: Sequence[Hit], spec: ReadingSpec, question_id: str
) -> tuple[set[int], set[int], set[int]]:
    """The ids of hits a lowering word denies, of degree-word hits spent on measuring, and
    of lowering-word hits that measured a phrase (they stand by what they measured)."""
    denied: set[int] = set()
    spent: set[int] = set()
    measuring: set[int] = set()
    for own, scope in _measured(tokens, hits, spec.lowering, spec.window, before=True):
        if own is not None:
            measuring.add(id(own))
        for hit in scope:
            denied.add(id(hit))
            if own is not None and own.options & hit.options:
                spent.add(id(own))
    if question_id in spec.intensified:
        live = [h for h in hits if id(h) not in denied]
        for own, scope in _measured(tokens, live, spec.intensifiers, spec.window, before=False):
            if own is not None and any(h.options - own.options for h in scope):
                spent.add(id(own))
    return denied, spent, measuring


def approximated(
    tokens: Sequence[Token], spec: ReadingSpec, question_id: str, hits: list[Hit]
) -> list[Hit]:
    """``hits``, each phrase of none with a word of "not quite" right before it in its
    clause moved to the option next to it ("bijna alles voorleggen": ``beperkt``)."""
    moves = spec.almost_options.get(question_id)
    if not moves or not hits:
        return hits
    ends = {end for start, end in spans(tokens, spec.almost)}
    if not ends:
        return hits
    moved: list[Hit] = []
    for hit in hits:
        before = hit.start in ends and tokens[hit.start - 1].clause == tokens[hit.start].clause
        if before and hit.options & moves.keys():
            hit = replace(hit, options=frozenset(moves.get(o, o) for o in hit.options))
        moved.append(hit)
    return moved


def bounded(
    tokens: Sequence[Token], spec: ReadingSpec, question_id: str, hits: list[Hit]
) -> tuple[list[Hit], str | None]:
    """``hits`` with a bound on a sum in the text ("tot 50k"): each hit on the question's
    scale moved to the option of ``bounded_options``, and each bound a hit of it; and that
    option (None when the text sets no bound)."""
    option = spec.bounded_options.get(question_id)
    if option is None or not spec.bounds:
        return hits, None
    limits = _limits(tokens, spec)
    if not limits:
        return hits, None
    scale = set(spec.scales.get(question_id, (option,)))
    target = frozenset({option})
    moved = [replace(h, options=target) if h.options <= scale else h for h in hits]
    for start, end in limits:
        if not any(h.start < end and start < h.end for h in hits):
            words = written(tokens[start:end])
            moved.append(Hit(start, end, target, end - start, words))
    return sorted(moved, key=lambda h: h.start), option


def _limits(tokens: Sequence[Token], spec: ReadingSpec) -> list[tuple[int, int]]:
    """Spans from a bound word to the sum it bounds ("tot 50k", "boven de 10.000 euro")."""
    sums = {i for start, end in spans(tokens, spec.sums) for i in range(start, end)}
    past = {end for _, end in spans(tokens, spec.beyond)}
    found: list[tuple[int, int]] = []
    for start, end in _longest(spans(tokens, spec.bounds)):
        if start in past:
            continue
        clause = tokens[start].clause
        for i in range(end, min(end + SUM_REACH, len(tokens))):
            if tokens[i].clause != clause:
                break
            word = tokens[i].text
            if i in sums or _in_thousands(word) or (word.isdigit() and int(word) >= BARE_SUM):
                found.append((start, i + 1))
                break
    return found


def _in_thousands(word: str) -> bool:
    """A sum written in thousands: "50k"."""
    return len(word) > 1 and word.endswith("k") and word[:-1].isdigit()


def other_matter(
    tokens: Sequence[Token], spec: ReadingSpec, hits: Sequence[Hit], measuring: set[int]
) -> set[int]:
    """The ids of degree-word hits ("weinig") that measure a noun no question asks about
    ("weinig tijd"), not an option phrase (``measuring``)."""
    degrees = {*spec.lowering, *spec.intensifiers}
    nouns = _nouns(spec)
    spent: set[int] = set()
    for hit in hits:
        if id(hit) in measuring or tuple(hit.words.split()) not in degrees:
            continue
        clause = tokens[hit.start].clause
        after = [t.text for t in tokens[hit.end : hit.end + NOUN_REACH] if t.clause == clause]
        if any(word in nouns for word in after):
            spent.add(id(hit))
    return spent


def _nouns(spec: ReadingSpec) -> frozenset[str]:
    return _single_words(spec.not_counted)


@lru_cache(maxsize=8)
def _single_words(phrases: tuple[Phrase, ...]) -> frozenset[str]:
    return frozenset(words[0] for words in phrases if len(words) == 1)


def weak_alone(
    tokens: Sequence[Token], spec: ReadingSpec, question_id: str, live: list[Hit]
) -> set[int]:
    """The ids of weak-cue hits that would decide on their own in a longer answer."""
    weak = spec.weak.get(question_id)
    if not weak or len(tokens) <= WEAK_ALONE:
        return set()
    weak_hits = [h for h in live if tuple(h.words.split()) in weak]
    strong = {o for h in live if h not in weak_hits for o in h.options}
    return {id(h) for h in weak_hits if not h.options & strong}


def stray_count(tokens: Sequence[Token], spec: ReadingSpec, count: Count) -> bool:
    """Whether ``count`` is a year or the number of something no question counts."""
    if count.unit is not None:
        return False  # "2000 organisaties" names what it counts
    if count.low == count.high and YEARS[0] <= count.low <= YEARS[1]:
        # a year word right before it ("in 2019"), looked up here, not in the whole text:
        # a text of 2,000 numbers would search it 2,000 times
        longest = max((len(w) for w in spec.year_words), default=0)
        before = tuple(t.text for t in tokens[max(0, count.start - longest) : count.start])
        if any(0 < len(w) <= len(before) and before[-len(w) :] == w for w in spec.year_words):
            return True
    if not count.end:
        return False
    clause = tokens[count.end - 1].clause
    after = [t.text for t in tokens[count.end : count.end + NOUN_REACH] if t.clause == clause]
    return any(word in _nouns(spec) for word in after)


def sums(tokens: Sequence[Token], spec: ReadingSpec) -> list[tuple[int, int]]:
    """Spans of a number with a currency sign before it or a sum word right after it ("€
    50.000", "2 ton"): a sum, never a count (nor part of one: "40 partners en een budget
    van € 50.000" is 40)."""
    before = [
        (start, end + 1)
        for start, end in spans(tokens, spec.currency)
        if end < len(tokens) and tokens[end].text.isdigit()
    ]
    after = [
        (_number_start(tokens, start - 1), end)
        for start, end in spans(tokens, spec.sums)
        if start and tokens[start - 1].text.isdigit()
    ]
    return [*before, *after]


def _number_start(tokens: Sequence[Token], i: int) -> int:
    """Where the number ending at token ``i`` begins: "1,5 ton" is a sum from the "1"."""
    whole = decimal_whole(tokens, i)
    return i if whole is None else whole
