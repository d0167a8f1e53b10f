"""Finding written phrases in typed tokens, and which of them a negation denies.

A phrase is compared by stems in its own language; a word ending in ``*`` is a prefix of
the typed word ("werkgroep*"). Longer phrases claim their words first, so "geen
subgroepen" is one phrase and not the trigger "geen" before "subgroepen". Then Dutch
compounds ("bestuurstafel" ends in "tafel") and misspellings (rapidfuzz's ratio, same first
letter; :mod:`knowledge.reading.similar`) of single words.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from knowledge.reading.similar import closest
from knowledge.reading.spec import Phrase, ReadingSpec
from knowledge.reading.words import Token, phrase, spans, stem_phrase

FUZZY_CUTOFF = 85.0
"""rapidfuzz ratio (0–100) from which a typed word is taken for an option word."""
MIN_FUZZY_LENGTH = 5
"""A typed word this long may be a misspelling ..."""
MIN_FUZZY_WRITTEN = 4
"""... of a written word this long: "hoogg" is "hoog" (ratio 89), "hoop" is not (75)."""
MIN_COMPOUND_HEAD = 5
"""A Dutch compound counts for its last part only when that part is this long ..."""
MIN_COMPOUND_PREFIX = 3
"""... and its first part at least this long: "on-" and "in-" deny ("onbeperkt")."""
PREFIX_KEY = 4
MAX_SKIPPED = 2
"""How many fillers ("echt", "wel", ``reading.skippable``) may stand between two words of
a phrase."""


@dataclass(frozen=True, slots=True)
class Entry:
    """One written phrase: per word a stem (the last may be a prefix of the typed word),
    its options."""

    lang: str
    stems: tuple[str, ...]
    prefix: bool
    """The last of ``stems`` is a prefix of the typed word ("werkgroep*"), not a stem."""
    options: frozenset[str]
    written: str
    forms: tuple[str, ...]
    """The written words of each phrase merged into this entry ("tientallen", "tiental")."""
    exact: tuple[tuple[str, str], ...] = ()
    """(written words, option), kept when the entry has several options: when the typed
    words are exactly these, only these options. "tientallen" and "tiental" share a stem
    but not a meaning."""

    def options_for(self, typed: str) -> frozenset[str]:
        exact = frozenset(option for words, option in self.exact if words == typed)
        return exact or self.options


@dataclass(frozen=True, slots=True, eq=False)
class Hit:
    """Where a phrase (or a count) was found and what it points to."""

    start: int
    end: int
    options: frozenset[str]
    weight: int
    words: str
    fuzzy: str = ""
    written: str = ""


@dataclass
class PhraseIndex:
    """Every phrase of one question (or of all dilemmas), ready for :func:`search`.

    Built once per question and kept, so compact: option sets shared, lists as tuples
    (every question's index, the dilemmas' and their stems: about 0.9 MB)."""

    by_first: dict[tuple[str, str], tuple[Entry, ...]] = field(default_factory=dict)
    by_prefix: dict[str, tuple[Entry, ...]] = field(default_factory=dict)
    short_prefixes: tuple[Entry, ...] = ()
    heads: dict[str, frozenset[str]] = field(default_factory=dict)
    singles: dict[str, frozenset[str]] = field(default_factory=dict)
    """Single written words (for misspellings) → their options."""
    initials: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """The words of :attr:`singles` by their first letter, in the same order: a
    misspelling keeps its first letter, so only those are compared."""


def build_index(entries: Sequence[tuple[str, str, str]]) -> PhraseIndex:
    """An index over (written phrase, language, option) triples."""
    merged: dict[tuple[str, tuple[str, ...], bool], tuple[set[str], str, set[tuple[str, str]]]]
    merged = {}
    singles: dict[str, set[str]] = {}
    heads: dict[str, set[str]] = {}
    for written, lang, option in entries:
        prefix = written.strip().endswith("*")
        words = phrase(written.strip().rstrip("*"))
        if not words:
            continue
        stemmed = stem_phrase(words, lang)
        if prefix:
            stemmed = (*stemmed[:-1], words[-1])
        options, _, exact = merged.setdefault((lang, stemmed, prefix), (set(), written, set()))
        options.add(option)
        exact.add((" ".join(words), option))
        if len(words) == 1 and not prefix:
            if len(words[0]) >= MIN_FUZZY_WRITTEN:
                singles.setdefault(words[0], set()).add(option)
            if lang == "nl" and len(stemmed[0]) >= MIN_COMPOUND_HEAD:
                heads.setdefault(stemmed[0], set()).add(option)
    shared: dict[frozenset[str], frozenset[str]] = {}

    def once(options: set[str]) -> frozenset[str]:
        frozen = frozenset(options)
        return shared.setdefault(frozen, frozen)

    by_first: dict[tuple[str, str], list[Entry]] = {}
    by_prefix: dict[str, list[Entry]] = {}
    short_prefixes: list[Entry] = []
    for (lang, stemmed, prefix), (options, written, exact) in merged.items():
        forms = tuple(sorted({words for words, _ in exact}))
        several = len(options) > 1
        entry = Entry(
            lang,
            stemmed,
            prefix,
            once(options),
            written,
            forms,
            tuple(sorted(exact)) if several else (),
        )
        first = stemmed[0]
        if not (prefix and len(stemmed) == 1):
            by_first.setdefault((lang, first), []).append(entry)
        elif len(first) >= PREFIX_KEY:
            by_prefix.setdefault(first[:PREFIX_KEY], []).append(entry)
        else:
            short_prefixes.append(entry)
    return PhraseIndex(
        by_first={key: tuple(found) for key, found in by_first.items()},
        by_prefix={key: tuple(found) for key, found in by_prefix.items()},
        short_prefixes=tuple(short_prefixes),
        heads={stem: once(options) for stem, options in heads.items()},
        singles={word: once(options) for word, options in singles.items()},
        initials=_by_initial(singles),
    )


def _by_initial(words: Iterable[str]) -> dict[str, tuple[str, ...]]:
    grouped: dict[str, list[str]] = {}
    for word in words:
        grouped.setdefault(word[0], []).append(word)
    return {initial: tuple(found) for initial, found in grouped.items()}


_INDEXES: dict[int, tuple[object, PhraseIndex]] = {}
"""Indexes kept with the object they were built for (so an id is never reused)."""


def index_for(owner: object, entries: Callable[[], Sequence[tuple[str, str, str]]]) -> PhraseIndex:
    """The index of ``owner`` (a question, the knowledge), built once."""
    cached = _INDEXES.get(id(owner))
    if cached is not None and cached[0] is owner:
        return cached[1]
    built = build_index(entries())
    _INDEXES[id(owner)] = (owner, built)
    return built


WHOLE_STEM = 6
"""With ``whole`` a stem this long that keeps most of its written word is compared as is;
a shorter one ("werkbaar" → "werk", "eigenheid" → "eig", "sturing" → "stur") only when
the typed word is the written one up to its last two letters ("werkbare", not "werkt",
"eigen" or "sturen")."""


def _whole(entry: Entry, typed: str, part: str, n: int) -> bool:
    for form in entry.forms:
        written = form.split()[n]
        if len(part) >= WHOLE_STEM and len(written) - len(part) <= 3:
            return True
        if typed.startswith(written[: len(written) - 2]):
            return True
    return False


def _fits(entry: Entry, token: Token, part: str, n: int, whole: bool) -> bool:
    if entry.prefix and n == len(entry.stems) - 1:
        return token.text.startswith(part)
    if token.stem(entry.lang) != part:
        return False
    return not whole or _whole(entry, token.text, part, n)


def _matches(
    entry: Entry,
    tokens: Sequence[Token],
    start: int,
    skippable: frozenset[str],
    literal: frozenset[str],
    whole: bool,
) -> tuple[int, tuple[int, ...]] | None:
    """Where ``entry`` ends when it starts at ``start``, and the words it skipped: inside
    a phrase up to ``MAX_SKIPPED`` fillers in a row ("willen echt iets anders"), never
    after a negation: a degree word there grades it ("niet zo heel erg" is not "niet zo
    erg", "niet heel sterk" not "niet sterk")."""
    clause = tokens[start].clause
    if not _fits(entry, tokens[start], entry.stems[0], 0, whole):
        return None
    negated = tokens[start].text in literal
    i = start + 1
    skipped: list[int] = []
    for n, part in enumerate(entry.stems[1:], 1):
        run = 0
        while True:
            if i >= len(tokens) or tokens[i].clause != clause:
                return None
            if _fits(entry, tokens[i], part, n, whole):
                break
            if negated or run == MAX_SKIPPED or tokens[i].text not in skippable:
                return None
            skipped.append(i)
            run += 1
            i += 1
        negated = negated or tokens[i].text in literal
        i += 1
    return i, tuple(skipped)


def search(
    index: PhraseIndex,
    tokens: Sequence[Token],
    claimed: Sequence[bool],
    literal: frozenset[str] = frozenset(),
    *,
    misspelt: bool = True,
    skippable: frozenset[str] = frozenset(),
    whole: bool = False,
) -> list[Hit]:
    """Phrases found in the unclaimed tokens: longest first, then compounds, misspellings
    (unless not ``misspelt``: a misspelling claims only its own word, so leaving them out
    changes no other hit).

    A word in ``literal`` (a negation trigger) matches a phrase only as written, never by
    its stem or as a misspelling: "niet" is not "niets", "no" is not "now".

    A word in ``skippable`` may stand between two words of a phrase (:func:`_matches`);
    the phrase scores its own words, and of two phrases of as many words the one without
    fillers goes first.

    With ``whole`` a word whose stem is short compared with its written word must be typed
    as written (:data:`WHOLE_STEM`; descriptions)."""
    found: list[tuple[int, int, Entry, tuple[int, ...]]] = []
    for i, token in enumerate(tokens):
        if claimed[i]:
            continue
        entries = [
            *index.by_first.get(("nl", token.nl), ()),
            *index.by_first.get(("en", token.en), ()),
            *index.by_prefix.get(token.text[:PREFIX_KEY], ()),
            *index.short_prefixes,
        ]
        for entry in entries:
            matched = _matches(entry, tokens, i, skippable, literal, whole)
            if matched is not None:
                found.append((i, matched[0], entry, matched[1]))
    found.sort(key=lambda f: (-len(f[2].stems), f[1] - f[0], f[0]))
    taken = list(claimed)
    hits: list[Hit] = []
    for start, end, entry, skipped in found:
        if any(taken[start:end]):
            continue
        taken[start:end] = [True] * (end - start)
        words = " ".join(t.text for i, t in enumerate(tokens[start:end], start) if i not in skipped)
        if words in literal and words not in entry.forms:
            taken[start:end] = [False] * (end - start)
            continue
        options = entry.options_for(words)
        weight = len(entry.stems)
        hits.append(Hit(start, end, options, weight, words, written=entry.written))
    for i, token in enumerate(tokens):
        if taken[i] or token.text in literal:
            continue
        hit = _compound(index, token, i) or (_misspelt(index, token, i) if misspelt else None)
        if hit is not None:
            taken[i] = True
            hits.append(hit)
    hits.sort(key=lambda h: h.start)
    return hits


def _compound(index: PhraseIndex, token: Token, i: int) -> Hit | None:
    stem = token.nl
    for cut in range(MIN_COMPOUND_PREFIX, len(stem) - MIN_COMPOUND_HEAD + 1):
        options = index.heads.get(stem[cut:])
        if options:
            return Hit(i, i + 1, frozenset(options), 1, token.text, written=stem[cut:])
    return None


def _misspelt(index: PhraseIndex, token: Token, i: int) -> Hit | None:
    word = token.text
    if len(word) < MIN_FUZZY_LENGTH or word.isdigit() or not index.singles:
        return None
    best = closest(word, index.initials.get(word[0], ()), FUZZY_CUTOFF)
    if best is None:
        return None
    close = best[0]
    return Hit(i, i + 1, frozenset(index.singles[close]), 1, word, f"{word}~{close}", close)


def _trigger_spans(
    tokens: Sequence[Token], triggers: tuple[Phrase, ...], free: Callable[[int, int], bool]
) -> list[tuple[int, int]]:
    """Trigger occurrences on free words, the longest where they overlap."""
    found = sorted(
        (span for span in spans(tokens, triggers) if free(*span)),
        key=lambda span: (span[0], -(span[1] - span[0])),
    )
    kept: list[tuple[int, int]] = []
    for span in found:
        if not kept or span[0] >= kept[-1][1]:
            kept.append(span)
    return kept


def negated_hits(
    tokens: Sequence[Token],
    hits: Sequence[Hit],
    claimed: Sequence[bool],
    spec: ReadingSpec,
    *,
    after: bool = True,
    topical: Callable[[Hit], bool] = lambda hit: False,
    places: bool = False,
) -> tuple[set[int], set[int]]:
    """The ids of hits a negation denies, and of trigger hits spent on denying.

    A trigger is a run of unclaimed words, or exactly the span of a hit (a "geen" that is
    also an option word): such a hit stands as an answer only when it denies nothing.
    Without ``after`` only triggers before a word count: in a description "de stuurgroep
    neemt de regie niet" is still about steering. A trigger after a phrase that is itself
    a negation stresses it, it does not deny it: "no mandate at all" is no mandate. A
    trigger hit that denies only a ``topical`` hit right after it (words that name the
    question's topic: "stuurgroep? nee" is read "nee stuurgroep") still answers: no
    steering group is the answer no ("geen echte stuurgroep" is not). With ``places``
    (the option words are places) a negation after words denies them only right after
    them ("binnen de groep niet"): "mijn rvt snapt het niet" says what goes wrong there.
    A trigger hit denies no words of its own option: "nee alles plenair" is no subgroups.
    """
    by_span = {(h.start, h.end): h for h in hits}
    taken = list(claimed)
    for hit in hits:
        taken[hit.start : hit.end] = [True] * (hit.end - hit.start)

    def free(start: int, end: int) -> bool:
        return not any(taken[start:end]) or (start, end) in by_span

    denied: set[int] = set()
    spent: set[int] = set()
    window = spec.window
    post_words = set(spec.negation_after) if after else set()
    frequencies = set(spec.frequencies)
    no_answers = set(spec.no_answers)
    before = _trigger_spans(tokens, spec.negation, free)
    post = _trigger_spans(tokens, spec.negation_after, free) if after else []
    trigger_spans = set(before) | set(post)
    negative = {start for start, _ in spans(tokens, spec.negation)}
    # Hits by where they start and end: a trigger looks at the few within its window, not
    # at every hit (a text of a thousand "nee" is a thousand triggers).
    by_start: dict[int, list[Hit]] = {}
    by_end: dict[int, list[Hit]] = {}
    for hit in hits:
        by_start.setdefault(hit.start, []).append(hit)
        by_end.setdefault(hit.end, []).append(hit)
    for start, end in sorted(trigger_spans):
        clause = tokens[start].clause
        own = by_span.get((start, end))
        scope = [
            h
            for at in range(end, end + window)
            for h in by_start.get(at, ())
            if h is not own
            and (h.start, h.end) not in trigger_spans
            and end <= h.start < end + window
            and tokens[h.start].clause == clause
        ]
        if not scope and tuple(t.text for t in tokens[start:end]) in post_words:
            scope = [
                h
                for at in range(start - window + 1, start + 1)
                for h in by_end.get(at, ())
                if h is not own
                and (h.start, h.end) not in trigger_spans
                and h.start not in negative
                and tuple(t.text for t in tokens[h.start : h.end]) not in frequencies
                and start - window < h.end <= start
                and (h.end == start or not places)
                and tokens[h.end - 1].clause == clause
            ]
        if own is not None and tuple(t.text for t in tokens[start:end]) in no_answers:
            # "nee alles plenair": a no agrees with its own option's words (a "geen" before
            # them denies them: "geen plenaire vergaderingen, alles in werkgroepen")
            scope = [h for h in scope if not h.options <= own.options]
        if scope:
            denied.update(id(h) for h in scope)
            answering = all(h.start == end and topical(h) for h in scope)
            if own is not None and not answering:
                spent.add(id(own))
    return denied, spent
