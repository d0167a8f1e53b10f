"""Counts in typed text: digits, number words in Dutch and English, ranges and bounds.

Number words are read by text2num ("vijfenveertig", "tweehonderd", "forty-five",
"a hundred"). "een"/"één"/"one"/"a" alone are not a number: "een groot netwerk" and "one
of the partners" say nothing about a count. A bound is read as the neighbourhood a
speaker means, not as everything up to infinity: "meer dan 30" is 31 to 60.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

from knowledge.reading.spec import Phrase
from knowledge.reading.words import Token

AFTER = "at_least_after"
"""The qualifiers after a number ("40+", "veertig of meer"): at least that many."""
PART_OF = "part_of"
"""Words before a count that is part of the count before it ("40, waarvan 12 scholen")."""
MAX_DIGITS = 7
MAX_RUN = 5
"""Number words read together at most ("two hundred and fifty five")."""
_ARTICLES = frozenset({"een", "one", "a"})
_MULTIPLIERS = frozenset({"honderd", "duizend", "hundred", "thousand"})
_CONNECTORS = frozenset({"and", "en"})
_DOZENS = frozenset({"dozijn", "dozen"})
"""After a number ("twee dozijn", "two dozen") or an article ("a dozen"): twelve times it.
Alone ("a few dozen", "dozens") it is a vague word, read from the knowledge's words."""
DOZEN = 12

_NUMBER_PARTS_TEXT = (
    # Dutch: the words text2num builds its numbers of ("vijf|en|veertig", "twee|honderd")
    "nul een één twee drie vier vijf zes zeven acht negen tien elf twaalf dertien veertien "
    "vijftien zestien zeventien achttien negentien twintig dertig veertig vijftig zestig "
    "zeventig tachtig negentig honderd duizend miljoen miljard en ën "
    # English
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
    "fifteen sixteen seventeen eighteen nineteen twenty thirty forty fifty sixty seventy "
    "eighty ninety hundred thousand million billion and a o -"
)
_NUMBER_PARTS = _NUMBER_PARTS_TEXT.split()
_NUMBER_WORD = re.compile(
    "(?:" + "|".join(map(re.escape, sorted(_NUMBER_PARTS, key=len, reverse=True))) + ")+"
)
"""What a number word can be made of: a word that is not is no number, and text2num (and
its import, with its compiled library) is not needed to say so."""

_BOUNDS: Mapping[str, Callable[[int], tuple[int, int]]] = {
    "more_than": lambda n: (n + 1, 2 * n),
    "just_over": lambda n: (n + 1, math.ceil(1.25 * n)),
    "less_than": lambda n: (math.ceil(n / 2), n - 1),
    "at_most": lambda n: (math.ceil(n / 2), n),
    "at_least": lambda n: (n, 2 * n),
    "nearly": lambda n: (math.ceil(0.8 * n), n - 1),
}


@dataclass(frozen=True, slots=True)
class Count:
    """A count the text gives, as the range of values it allows, and the words it used."""

    low: int
    high: int
    start: int
    end: int
    words: str
    unit: str | None = None
    """The question whose topic it counts ("40 organisaties": size), when the text says."""

    def overlaps(self, low: int, high: int) -> bool:
        return self.low <= high and low <= self.high


@lru_cache(maxsize=8192)
def word_value(word: str) -> int | None:
    """The value of one number word in Dutch or English, or None."""
    if word.isdigit():
        return int(word) if len(word) <= MAX_DIGITS else None
    if word in _ARTICLES or word in _CONNECTORS or len(word) < 3:
        return None
    return run_value((word,))


@lru_cache(maxsize=8192)
def run_value(words: tuple[str, ...]) -> int | None:
    """The value of number words read together, or None when they do not form one number."""
    if not all(_NUMBER_WORD.fullmatch(word) for word in words):
        return None
    from text_to_num import text2num  # on the first number word read, not at start

    text = " ".join(words)
    tries = [(text, "nl")]
    # No English number word ends in -s: text2num reads "tens" as 10 and "hundreds" as
    # 100, but they are vague ("tens of", "hundreds of"): words, not counts. (Dutch "zes".)
    if not any(w.endswith("s") for w in words):
        tries.append((text, "en"))
    # Written without its accent (folded), "tweeënveertig" is "tweeenveertig", which
    # text2num does not read; and English "a hundred" is "one hundred" to it.
    if "eeen" in text:
        tries.append((text.replace("eeen", "eeën"), "nl"))
    if words[0] == "a" and len(words) > 1:
        tries.append((" ".join(("one", *words[1:])), "en"))
    for written, lang in tries:
        try:
            value = text2num(written, lang)
        except (ValueError, IndexError, KeyError):
            continue
        # Guards against what text2num accepts but nobody means ("een" → 1 is kept out above).
        if isinstance(value, int) and 0 <= value < 10**MAX_DIGITS:
            return value
    return None


def _run(tokens: Sequence[Token], i: int) -> tuple[int, list[tuple[int, int, int]]]:
    """The numbers of the run of number words (or the digits) at ``i``, and where it ends."""
    word = tokens[i].text
    if word.isdigit():
        value = word_value(word)
        return i + 1, [] if value is None else [(i, i + 1, value)]
    before_unit = (
        i + 1 < len(tokens)
        and tokens[i + 1].text in _MULTIPLIERS | _DOZENS
        and tokens[i + 1].clause == tokens[i].clause
    )
    if word_value(word) is None and not (word in _ARTICLES and before_unit):
        return i + 1, []
    end = i + 1
    while end < len(tokens) and end - i < MAX_RUN and tokens[end].clause == tokens[i].clause:
        nxt = tokens[end].text
        if nxt.isdigit():
            break
        joins = nxt in _CONNECTORS and end + 1 < len(tokens)
        if word_value(nxt) is not None or (joins and word_value(tokens[end + 1].text)):
            end += 1
        else:
            break
    value = run_value(tuple(t.text for t in tokens[i:end])) if end - i > 1 else None
    if value is not None:
        return end, [(i, end, value)]
    if end - i == 1 and word in _ARTICLES:
        return end, [(i, end, 1)]  # "a dozen": an article counts only before a dozen
    singles = [(j, j + 1, word_value(tokens[j].text)) for j in range(i, end)]
    return end, [(j, k, v) for j, k, v in singles if v is not None]


def number_values(tokens: Sequence[Token]) -> list[tuple[int, int, int]]:
    """(start, end, value) of every number, longest run of number words first; a dozen
    after a number multiplies it ("twee dozijn" is 24)."""
    found: list[tuple[int, int, int]] = []
    i = 0
    while i < len(tokens):
        i, numbers = _run(tokens, i)
        if numbers and i < len(tokens) and tokens[i].text in _DOZENS:
            start, end, value = numbers[-1]
            if end == i and tokens[i].clause == tokens[start].clause:
                numbers[-1] = (start, i + 1, value * DOZEN)
                i += 1
        found += [n for n in numbers if tokens[n[0]].text not in _ARTICLES or n[1] - n[0] > 1]
    return found


def _ends_before(tokens: Sequence[Token], start: int, phrase: Phrase) -> bool:
    n = len(phrase)
    if start - n < 0:
        return False
    span = tokens[start - n : start]
    return tuple(t.text for t in span) == phrase and span[0].clause == tokens[start].clause


def _starts_after(tokens: Sequence[Token], end: int, phrase: Phrase) -> bool:
    span = tokens[end : end + len(phrase)]
    return (
        len(span) == len(phrase)
        and tuple(t.text for t in span) == phrase
        and span[0].clause == tokens[end - 1].clause
    )


def qualifier_before(
    tokens: Sequence[Token], start: int, qualifiers: Mapping[str, tuple[Phrase, ...]]
) -> tuple[int, str] | None:
    """The longest bound right before ``start`` ("meer dan"): its length and kind."""
    if start < 1:
        return None
    best: tuple[int, str] | None = None
    for kind, qualifier in _by_last_word(qualifiers).get(tokens[start - 1].text, ()):
        if _ends_before(tokens, start, qualifier) and (best is None or len(qualifier) > best[0]):
            best = (len(qualifier), kind)
    return best


_Qualifiers = Mapping[str, tuple[Phrase, ...]]
_LAST_WORDS: dict[int, tuple[_Qualifiers, dict[str, list[tuple[str, Phrase]]]]] = {}


def _by_last_word(
    qualifiers: Mapping[str, tuple[Phrase, ...]],
) -> dict[str, list[tuple[str, Phrase]]]:
    """The bounds of ``qualifiers`` by their last word, in their order (built once per
    knowledge: every number looks up only those that end in the word before it)."""
    known = _LAST_WORDS.get(id(qualifiers))
    if known is not None and known[0] is qualifiers:
        return known[1]
    index: dict[str, list[tuple[str, Phrase]]] = {}
    for kind, phrases in qualifiers.items():
        if kind in ("range", AFTER, PART_OF):
            continue
        for qualifier in phrases:
            if qualifier:
                index.setdefault(qualifier[-1], []).append((kind, qualifier))
    if len(_LAST_WORDS) > 16:
        _LAST_WORDS.clear()
    _LAST_WORDS[id(qualifiers)] = (qualifiers, index)
    return index


def bounded(kind: str, value: int) -> tuple[int, int]:
    """The values a bound of ``kind`` on ``value`` allows ("meer dan 30": 31 to 60)."""
    low, high = _BOUNDS[kind](value)
    return min(low, high), high


def read_counts(
    tokens: Sequence[Token],
    qualifiers: Mapping[str, tuple[Phrase, ...]],
    claimed: Sequence[bool],
    unit_of: Callable[[int], str | None] = lambda end: None,
    uncounted: Callable[[Count], bool] = lambda count: False,
) -> list[Count]:
    """Every count in ``tokens`` (skipping claimed ones), with its range and bound, and
    what it counts (``unit_of`` the index after its number); an ``uncounted`` one (a count
    of something no question counts) is never added to another."""
    values = [v for v in number_values(tokens) if not any(claimed[v[0] : v[1]])]
    counts: list[Count] = []
    joiners = qualifiers.get("range", ())
    k = 0
    while k < len(values):
        start, end, value = values[k]
        low = high = value
        last = end
        if k + 1 < len(values):
            n_start, n_end, n_value = values[k + 1]
            same_clause = tokens[n_start].clause == tokens[start].clause
            gap = tuple(t.text for t in tokens[end:n_start])
            joined = (n_start == end and tokens[n_start].dash_before) or gap in joiners
            if same_clause and joined and value <= n_value:
                high, last = n_value, n_end
                k += 1
        first = start
        if high == low:
            best = qualifier_before(tokens, start, qualifiers)
            after = next(
                (len(q) for q in qualifiers.get(AFTER, ()) if _starts_after(tokens, last, q)), 0
            )
            if best is None and after:
                low, high = _BOUNDS["at_least"](value)
                last += after
            if best is not None:
                low, high = bounded(best[1], value)
                first = start - best[0]
        words = " ".join(t.text for t in tokens[first:last])
        counts.append(Count(low, high, first, last, words, unit_of(last)))
        k += 1
    return _added(tokens, counts, qualifiers.get(PART_OF, ()), uncounted)


_AND = frozenset({"en", "and", "plus"})
LISTED_NOUNS = 2
"""How many words may stand between two listed counts: what the first counts."""


def _listed(tokens: Sequence[Token], last: Count, count: Count) -> bool:
    """Whether ``count`` follows ``last`` in a list with commas, both naming what they
    count, and the same: "8 scholen, 2 gemeenten en 5 aanbieders". (Without a noun each,
    "ongeveer 20, misschien 70" is two answers, not one of 90.)"""
    named = last.unit is not None and last.unit == count.unit
    return (
        named
        and tokens[count.start - 1].then == ","
        and tokens[count.start].clause == tokens[last.end - 1].clause + 1
        and count.start - last.end <= LISTED_NOUNS
    )


def _added(
    tokens: Sequence[Token],
    counts: list[Count],
    part_of: tuple[Phrase, ...] = (),
    uncounted: Callable[[Count], bool] = lambda count: False,
) -> list[Count]:
    """Counts of kinds of organisations joined by "en" in one clause add up: "12 gemeenten
    en 30 aanbieders" is 42, but "40 organisaties en 3 werkgroepen" count two things; so do
    those listed with commas (:func:`_listed`). A count after a ``part_of`` word is part
    of the one before it: "40 organisaties, waarvan 12 scholen" is 40. A count of what no
    question counts is added to nothing: "2 wethouders en 8 organisaties" is 8 (and the 2
    is dropped later). (Right after each other, "5 en 200" is a range, read above.)"""
    total: list[Count] = []
    for count in counts:
        if total:
            last = total[-1]
            same_unit = last.unit is None or count.unit is None or last.unit == count.unit
            if same_unit and any(_ends_before(tokens, count.start, p) for p in part_of):
                words = " ".join(t.text for t in tokens[last.start : count.end])
                total[-1] = Count(last.low, last.high, last.start, count.end, words, last.unit)
                continue
            between = {t.text for t in tokens[last.end : count.start]}
            same_clause = tokens[last.end - 1].clause == tokens[count.end - 1].clause
            joined = same_clause and same_unit and between & _AND and count.start - last.end > 1
            apart = uncounted(last) or uncounted(count)
            if not apart and (joined or _listed(tokens, last, count)):
                words = " ".join(t.text for t in tokens[last.start : count.end])
                unit = last.unit or count.unit
                total[-1] = Count(
                    last.low + count.low, last.high + count.high, last.start, count.end, words, unit
                )
                continue
        total.append(count)
    return total
