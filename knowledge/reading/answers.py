"""One typed answer to one intake question → an option, or an honest "not understood".

The steps, each on the words the earlier ones left: "I don't know" phrases; sums of money
("€ 50.000": never a count); counts (for a question with number ranges); the question's
option words and phrases (stemmed, longest first, fillers inside them skipped, then
compounds, then misspellings) and bounds on a sum ("tot 50k": a limited mandate); a range
between two options ("nauwelijks tot soms": asked); negation triggers and their scope. A
denied option is never chosen. An option scores the words of its phrases found ("niet echt
formeel" three, "stuurgroepje" one); the highest score decides, a tie is asked about. A
count outweighs words.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Literal

from knowledge.model import LANGUAGES, IntakeQuestion, Knowledge
from knowledge.reading.clauses import (
    companions,
    explaining,
    lessened,
    plain_no,
    qualified_yes,
)
from knowledge.reading.context import (
    answered_echoes,
    answers_elsewhere,
    contrast_clause,
    foreign_topic,
    names_topic,
    stray_negation,
)
from knowledge.reading.durations import read_durations
from knowledge.reading.numbers import Count, read_counts
from knowledge.reading.phrases import Hit, PhraseIndex, index_for, negated_hits, search
from knowledge.reading.ranges import ranged
from knowledge.reading.scope import (
    approximated,
    bounded,
    other_matter,
    quantified,
    stray_count,
    sums,
    weak_alone,
)
from knowledge.reading.spec import ReadingSpec
from knowledge.reading.words import Token, spans, tokenize

Outcome = Literal["matched", "ambiguous", "unknown"]


@dataclass(frozen=True, slots=True)
class Reading:
    """How one answer was read: the outcome and the words that decided it."""

    outcome: Outcome
    option: str | None = None
    words: tuple[str, ...] = ()
    """The words that decided it, as typed (normalized)."""
    negated: tuple[str, ...] = ()
    """Option words the text denies ("niet ruim" → "ruim")."""
    negated_options: tuple[str, ...] = ()
    hedged: tuple[str, ...] = ()
    """Words of doubt heard ("denk ik", "maybe"); the reading stands."""
    dont_know: bool = False
    counts: tuple[str, ...] = ()
    """Counts as read, "10..20"."""
    candidates: tuple[str, ...] = ()
    fuzzy: tuple[str, ...] = ()
    """Misspelt words taken for an option word: "beperkd~beperkt"."""
    elsewhere: str | None = None
    """The question a count answers instead ("40 organisaties" at the subgroups: size)."""


def _index(question: IntakeQuestion) -> PhraseIndex:
    def entries() -> list[tuple[str, str, str]]:
        found: list[tuple[str, str, str]] = []
        for option in question.options:
            written = [(option.id.replace("_", " "), "nl"), (option.label.nl, "nl")]
            written.append((option.label.en, "en"))
            for lang in LANGUAGES:
                written.extend((w, lang) for w in option.words.get(lang, ()))
            found.extend((text, lang, option.id) for text, lang in written)
        return found

    return index_for(question, entries)


def read_answer(
    question: IntakeQuestion, text: str, knowledge: Knowledge, *, year: int | None = None
) -> Reading:
    """Read ``text`` as an answer to ``question``; never raises. ``year`` is this year, for
    "sinds 2019" (by default today's)."""
    spec = knowledge.reading
    tokens = answered_echoes(tokenize(text, spec.boundaries), spec)
    if not tokens:
        return Reading("unknown")
    claimed = [False] * len(tokens)
    dont_know_clauses: set[int] = set()
    dont_know_words: list[str] = []
    for start, end in spans(tokens, spec.dont_know):
        if any(claimed[start:end]):
            continue
        claimed[start:end] = [True] * (end - start)
        dont_know_clauses.add(tokens[start].clause)
        dont_know_words.append(" ".join(t.text for t in tokens[start:end]))
    # "Wie leidt het? Geen idee": an echoed question right before a don't-know is what is
    # not known; its words answer nothing.
    for clause in sorted(dont_know_clauses):
        echoed = [t for t in tokens if t.clause == clause - 1]
        if echoed and echoed[-1].then in spec.echo_marks:
            dont_know_clauses.add(clause - 1)
    counts: list[Count] = []
    ranges = {o.id: o.range for o in question.options if o.range is not None}
    elsewhere: str | None = None
    months = spec.phases.get(question.id)
    for start, end in sums(tokens, spec) if months or ranges else ():
        claimed[start:end] = [True] * (end - start)
    if months:
        ranges = dict(months)
        counts = read_durations(tokens, spec, claimed, year or date.today().year)
    elif ranges:
        counts = read_counts(
            tokens,
            spec.numbers,
            claimed,
            _units(tokens, spec, question.id),
            lambda count: stray_count(tokens, spec, count),
        )
        elsewhere = next((c.unit for c in counts if c.unit not in (None, question.id)), None)
    for count in counts:
        claimed[count.start : count.end] = [True] * (count.end - count.start)
    counts = [
        c for c in counts if c.unit in (None, question.id) and not stray_count(tokens, spec, c)
    ]
    found = search(_index(question), tokens, claimed, spec.literal, skippable=spec.skippable)
    hits, limited = bounded(
        tokens, spec, question.id, approximated(tokens, spec, question.id, found)
    )
    count_hits = [
        Hit(
            c.start,
            c.end,
            frozenset(o for o, (low, high) in ranges.items() if c.overlaps(low, high)),
            c.end - c.start,
            c.words,
        )
        for c in counts
    ]
    lowered, measuring, lowering = quantified(tokens, hits, spec, question.id)
    if lowered:
        claimed = [
            c or any(h.start <= i < h.end for h in hits if id(h) in lowered)
            for i, c in enumerate(claimed)
        ]
    kept = [h for h in [*hits, *count_hits] if id(h) not in lowered]
    topic = spec.topics.get(question.id, {})
    denied, spent = negated_hits(
        tokens,
        kept,
        claimed,
        spec,
        topical=lambda h: all(names_topic(t, topic) for t in tokens[h.start : h.end]),
        places=question.id in spec.places,
    )
    denied |= lowered
    spent |= measuring
    standing = [h for h in hits if id(h) not in denied and id(h) not in lowering]
    spent |= answers_elsewhere(tokens, spec, question.id, standing)
    spent |= other_matter(tokens, spec, hits, measuring)
    spent |= foreign_topic(tokens, spec, question.id, hits)
    spent |= companions(tokens, spec, hits)
    negated = [h for h in hits if id(h) in denied]
    live = [
        h
        for h in hits
        if id(h) not in denied
        and id(h) not in spent
        and tokens[h.start].clause not in dont_know_clauses
    ]
    spent_weak = weak_alone(tokens, spec, question.id, live)
    live = [h for h in live if id(h) not in spent_weak]
    live_counts = [h for h in count_hits if id(h) not in denied and h.options]
    no = plain_no(tokens, spec, live) if live_counts else None
    if no is not None:
        # "nee, we zijn met 12": the no answers, the count after it explains it
        of_hit = {id(h): c for c, h in zip(counts, count_hits, strict=True)}
        live_counts = [h for h in live_counts if not explaining(tokens, no, of_hit[id(h)])]
    # Under a bound on a sum, denying what lies past it is the limit: "tot 50k, daarboven
    # niet", "zelf beslissen, maar niet over grote bedragen".
    negated_options = {o for h in negated for o in h.options} - {limited}
    contrast = contrast_clause(tokens, spec, live, negated_options)
    if contrast is not None:
        live = [h for h in live if tokens[h.start].clause >= contrast]
    qualified = qualified_yes(tokens, spec, live)
    live = [h for h in live if id(h) not in qualified]
    read = Reading(
        "unknown",
        negated=tuple(dict.fromkeys(h.words for h in negated)),
        negated_options=tuple(o.id for o in question.options if o.id in negated_options),
        hedged=tuple(" ".join(t.text for t in tokens[s:e]) for s, e in spans(tokens, spec.hedges)),
        dont_know=bool(dont_know_words),
        counts=tuple(
            f"{c.low}..{c.high}" if c.low != c.high else str(c.low)
            for c, h in zip(counts, count_hits, strict=True)
            if id(h) not in denied
        ),
        fuzzy=tuple(h.fuzzy for h in live if h.fuzzy),
        elsewhere=elsewhere,
    )
    order = [o.id for o in question.options]
    said = [h for h in hits if tokens[h.start].clause not in dont_know_clauses]
    spanned = ranged(tokens, spec, question.id, said)
    if spanned is not None:
        # "Nauwelijks tot soms": the answer lies between two options; asked, never picked.
        between, ends = spanned
        asked = tuple(o for o in order if o in between)
        return replace(read, outcome="ambiguous", words=ends, candidates=asked)

    def decided(options: set[str], words: Sequence[str]) -> Reading:
        left = options - negated_options
        said = tuple(dict.fromkeys(words))
        if len(left) == 1:
            return replace(read, outcome="matched", option=left.pop(), words=said)
        outcome: Outcome = "ambiguous" if left else "unknown"
        return replace(
            read, outcome=outcome, words=said, candidates=tuple(o for o in order if o in left)
        )

    # A phase that is no length of time ("vastgelopen": a review) is said by its words,
    # however long the network has existed ("4 jaar, maar vastgelopen").
    timeless = months is not None and any(h.options - set(ranges) for h in live)
    if live_counts and not timeless:
        together = set.intersection(*(set(h.options) for h in live_counts))
        candidates = together or set().union(*(h.options for h in live_counts))
        words = [h.words for h in live_counts]
        agreeing = {o for h in live for o in h.options} & candidates
        if len(candidates) > 1 and len(agreeing) == 1:
            candidates = agreeing
            words += [h.words for h in live if agreeing & h.options]
        return decided(set(candidates), words)
    weights: dict[str, int] = {}
    for hit in live:
        for option in hit.options - negated_options:
            weights[option] = weights.get(option, 0) + hit.weight
    if weights:
        top = max(weights.values())
        best = {o for o, w in weights.items() if w == top}
        reading = decided(best, [h.words for h in live if best & h.options])
        deciding = [h for h in live if best & h.options]
        if (
            reading.option is not None
            and question.id in spec.partial
            and stray_negation(tokens, spec, hits, deciding, dont_know_clauses)
        ):
            # "De rvb staat erachter, de managers niet": what is denied is no option,
            # but it takes back part of the answer. Asked, with the option next to it.
            return replace(
                reading,
                outcome="ambiguous",
                option=None,
                candidates=_beside(spec, question.id, reading.option, negated_options),
            )
        less = lessened(tokens, spec, hits, dont_know_clauses)
        scale = spec.scales.get(question.id, ())
        if less and question.id in spec.partial and reading.option in scale[:1]:
            # "de rvt steunt het, de teams minder": strong, but less so in part: mixed
            return replace(reading, option=scale[1], words=(*reading.words, *less))
        return reading
    if negated_options:
        return decided(_other_side(spec, question.id, negated_options), [h.words for h in negated])
    if dont_know_words:
        meant = spec.dont_know_options.get(question.id)
        if meant is not None and question.option(meant) is not None:
            return replace(read, outcome="matched", option=meant, words=tuple(dont_know_words))
        return replace(read, words=tuple(dont_know_words))
    return read


UNIT_REACH = 2
"""How many words after a number may name what it counts ("40 verschillende partijen")."""


def _units(tokens: Sequence[Token], spec: ReadingSpec, own: str) -> Callable[[int], str | None]:
    """What a count ending at an index counts: the question whose topic the next words
    name, this question's own first ("3 gemeentelijke tafels" are subgroups)."""

    def unit_of(end: int) -> str | None:
        if not end:
            return None
        after = [t for t in tokens[end : end + UNIT_REACH] if t.clause == tokens[end - 1].clause]
        ordered = sorted(spec.topics.items(), key=lambda item: item[0] != own)
        for question_id, topic in ordered:
            if any(names_topic(t, topic) for t in after):
                return question_id
        return None

    return unit_of


def _other_side(spec: ReadingSpec, question_id: str, denied: set[str]) -> set[str]:
    """On an ordered scale, the options left once the denied ones are taken out."""
    scale = spec.scales.get(question_id)
    if not scale or not denied <= set(scale):
        return set()
    return set(scale) - denied


def _beside(spec: ReadingSpec, question_id: str, option: str, denied: set[str]) -> tuple[str, ...]:
    """``option`` and, on an ordered scale, the options right next to it."""
    scale = spec.scales.get(question_id, ())
    if option not in scale:
        return (option,)
    at = scale.index(option)
    return tuple(o for o in scale[max(at - 1, 0) : at + 2] if o == option or o not in denied)
