"""Words as people write them: tokens in clauses, their Dutch and English stems, phrases.

Stems come from Snowball (PyStemmer, the C build of the Snowball algorithms). Dutch uses
two Snowball stemmers one after the other: Kraaij-Pohlmann ("dutch") takes off
diminutives and plurals ("stuurgroepje", "werkgroepen" → "…groep"), the Porter variant
("dutch_porter") then the inflected -e ("sterke" → "sterk", "ruime" → "ruim"). Both sides
of a comparison are stemmed the same way, so a stem only has to be consistent, not pretty.
The stemmers load with the first word stemmed, not with the module: the bot starts, and
answers buttons, without them.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from knowledge.reading.spec import GAP, Phrase

MAX_SCAN = 2000
"""Only this many characters of a text are read: answers are short; the rest is noise."""
MAX_GAP = 3
"""How many words a ``...`` in a phrase stands for."""

_TOKEN = re.compile(
    r"[a-z]+|\d+k(?![a-z])|\d{1,3}(?:\.\d{3})+(?!\d)|\d+|[<>≤≥]=?|\+|[€$£]|[\U0001F300-\U0001FAFF\u2600-\u27BF]|\.\.\.|[,;.!?:()]|[-–—]"
)
"""Words, numbers, sums in thousands ("50k", a word: no count), comparison and currency
signs and pictographs (a word each: "<10" is "minder dan 10", "€" a sum and "🤷" is "I
don't know" in ``reading.yaml``), clause punctuation and dashes."""
_APOSTROPHES = str.maketrans("", "", "'’‘`´")
PUNCTUATION = frozenset(",;.!?:()")
DECIMAL_MARKS = frozenset(",.")
"""A mark between two numbers that may be a decimal one: "2,5 jaar", "1.5 years"."""
DASHES = frozenset("-–—")

_STEM_LOCK = threading.Lock()
"""Snowball stemmer objects are not safe to share between threads."""


@cache
def _stemmers() -> tuple[Any, Any, Any]:
    """Dutch plural and diminutive, Dutch inflection, English (made once, on first use)."""
    import Stemmer

    # PyStemmer's own caches (10,000 words each by default) are off: :func:`stems` caches
    # the pair, so theirs would keep every word three more times.
    return (
        Stemmer.Stemmer("dutch", 0),
        Stemmer.Stemmer("dutch_porter", 0),
        Stemmer.Stemmer("english", 0),
    )


def fold(text: str) -> str:
    """Lower case, accents and apostrophes removed ("Efficiënt", "zo'n" → "efficient", "zon")."""
    decomposed = unicodedata.normalize("NFKD", text[:MAX_SCAN].lower())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return plain.translate(_APOSTROPHES)


_COUNT_SUFFIXES = re.compile(r"(?:ish|tal)(?![a-z])")
"""Letters that may follow a count's digits: "40ish", "10tal"."""


def _glued(text: str, start: int, end: int) -> bool:
    """Whether the digits at ``text[start:end]`` are written into a word: "1e9", "3e",
    "covid19", "alert(1)". Such digits are no count ("10-tal", "40ish" and "(40)" are)."""
    before = text[start - 1] if start else ""
    after = text[end] if end < len(text) else ""
    code_call = before == "(" and start >= 2 and text[start - 2].isalpha()
    suffix = after.isalpha() and _COUNT_SUFFIXES.match(text, end) is not None
    return before.isalpha() or (after.isalpha() and not suffix) or code_call


DECIMAL_POINTS = {mark: f"#{mark}" for mark in DECIMAL_MARKS}
"""The item :func:`raw_tokens` gives for a mark written between two digits ("1,5"): no
clause punctuation (no typed token holds a "#")."""


_DECIMAL_ITEMS = frozenset(DECIMAL_POINTS.values())


def _between_digits(text: str, at: int) -> bool:
    return 0 < at < len(text) - 1 and text[at - 1].isdigit() and text[at + 1].isdigit()


def raw_tokens(text: str) -> list[str]:
    """Words, digits, clause punctuation and dashes; anything else is a separator. A
    number with thousands points ("1.000") is one number; digits written into a word are
    left out."""
    folded = fold(text)
    found: list[str] = []
    for match in _TOKEN.finditer(folded):
        token = match.group()
        if token in DECIMAL_MARKS and _between_digits(folded, match.start()):
            token = DECIMAL_POINTS[token]
        elif token[0].isdigit():
            if _glued(folded, match.start(), match.end()):
                continue
            token = token.replace(".", "")
        found.append(token)
    return found


def phrase(text: str) -> Phrase:
    """A written phrase as the tokens it is compared by (punctuation and dashes dropped)."""
    return tuple(
        t
        for t in raw_tokens(text)
        if t not in PUNCTUATION and t not in DASHES and t not in _DECIMAL_ITEMS
    )


STEM_CACHE = 8192
"""Words whose stems are kept, the oldest dropped first when full (the knowledge has about
1,200 words; the rest is what people type). A word costs about 200 bytes here, so the
cache stays under 2 MB however much is typed."""

_STEMS: dict[str, tuple[str, str]] = {}


def stems(word: str) -> tuple[str, str]:
    """The Dutch and the English stem of one lower-case word."""
    found = _STEMS.get(word)
    if found is not None:
        return found
    if word.isdigit():
        return word, word
    plural, inflection, english_stemmer = _stemmers()
    with _STEM_LOCK:
        pair = (inflection.stemWord(plural.stemWord(word)), english_stemmer.stemWord(word))
        if len(_STEMS) >= STEM_CACHE:
            del _STEMS[next(iter(_STEMS))]
        _STEMS[word] = pair
    return pair


def forget_stems() -> None:
    """Empty the stem cache (benchmarks of a cold read)."""
    _STEMS.clear()


def stem_phrase(words: Phrase, lang: str) -> Phrase:
    """A phrase's stems in one language ("en" or Dutch for anything else)."""
    index = 1 if lang == "en" else 0
    return tuple(stems(w)[index] for w in words)


@dataclass(frozen=True, slots=True)
class Token:
    """One word of a typed text, with its stems and the clause it belongs to."""

    text: str
    nl: str
    en: str
    clause: int
    dash_before: bool = False
    """A dash stood right before it ("40-50"): the second number of a range."""
    then: str = ""
    """The punctuation right after it, if any ("formeel?" → "?")."""
    opened_by: str = ""
    """The boundary words that opened its clause, when it is the first word ("behalve")."""
    decimal: bool = False
    """A decimal mark follows it, written between two digits ("1,5": the "1")."""

    def stem(self, lang: str) -> str:
        return self.en if lang == "en" else self.nl


def decimal_whole(tokens: Sequence[Token], i: int) -> int | None:
    """Where the decimal number whose fraction is token ``i`` begins ("1,5 ton": the index
    of "1" for the "5"), or None: no decimal ("10, 5 scholen" are two numbers)."""
    if i < 1 or not tokens[i].text.isdigit():
        return None
    whole = tokens[i - 1]
    return i - 1 if whole.decimal and whole.text.isdigit() else None


def written(tokens: Sequence[Token]) -> str:
    """The words as typed, a space between them and a decimal's mark kept ("1,5 ton")."""
    parts: list[str] = []
    for i, token in enumerate(tokens):
        if i and decimal_whole(tokens, i) is not None:
            parts[-1] += tokens[i - 1].then + token.text
        else:
            parts.append(token.text)
    return " ".join(parts)


def tokenize(text: str, boundaries: tuple[Phrase, ...] = ()) -> list[Token]:
    """The words of ``text`` in clauses: punctuation and boundary words ("maar") end one."""
    words: list[str] = []
    breaks_before: set[int] = set()
    dashes_before: set[int] = set()
    marks_after: dict[int, str] = {}
    decimals: set[int] = set()
    for item in raw_tokens(text):
        if item in _DECIMAL_ITEMS:
            if words:  # "1,5": the mark is kept for the number, in the number's clause
                marks_after[len(words) - 1] = item[1:]
                decimals.add(len(words) - 1)
        elif item in PUNCTUATION or item == GAP:
            breaks_before.add(len(words))
            if words:
                marks_after.setdefault(len(words) - 1, item)
        elif item in DASHES:
            dashes_before.add(len(words))
        else:
            words.append(item)
    skip: set[int] = set()
    opened: dict[int, str] = {}
    for start, end in phrase_set(boundaries).spans(words):
        breaks_before.add(start)
        skip.update(range(start, end))
        opened[end] = " ".join(words[start:end])
    tokens: list[Token] = []
    clause = 0
    for i, word in enumerate(words):
        if i in breaks_before:
            clause += 1
        if i in skip:
            continue
        dutch, english = stems(word)
        tokens.append(
            Token(
                word,
                dutch,
                english,
                clause,
                i in dashes_before,
                marks_after.get(i, ""),
                opened.get(i, ""),
                i in decimals,
            )
        )
    return tokens


class PhraseSet:
    """Phrases looked up by their first word, so finding all of them is one pass."""

    def __init__(self, phrases: Iterable[Phrase]) -> None:
        self.by_first: dict[str, list[Phrase]] = {}
        for wanted in phrases:
            if wanted and wanted[0] != GAP:
                self.by_first.setdefault(wanted[0], []).append(wanted)

    def spans(
        self, words: Sequence[str], clauses: Sequence[int] | None = None
    ) -> list[tuple[int, int]]:
        """(start, end) of every occurrence; ``...`` skips up to three words of a clause."""
        found: list[tuple[int, int]] = []
        for start, word in enumerate(words):
            for wanted in self.by_first.get(word, ()):
                end = _match_at(words, clauses, wanted, start)
                if end is not None:
                    found.append((start, end))
        return found


def _match_at(
    words: Sequence[str], clauses: Sequence[int] | None, wanted: Phrase, start: int
) -> int | None:
    """Where ``wanted`` ends when it starts at ``start``, or None."""
    at = start
    gap = 0
    for word in wanted:
        if word == GAP:
            gap = MAX_GAP
            continue
        while at < len(words) and words[at] != word and gap > 0:
            at += 1
            gap -= 1
        if at >= len(words) or words[at] != word:
            return None
        gap = 0
        at += 1
    if clauses is not None and clauses[start] != clauses[at - 1]:
        return None
    return at


_SETS: dict[int, tuple[tuple[Phrase, ...], PhraseSet]] = {}


def phrase_set(phrases: tuple[Phrase, ...]) -> PhraseSet:
    """The :class:`PhraseSet` of a spec's phrase list, built once per list."""
    cached = _SETS.get(id(phrases))
    if cached is not None and cached[0] is phrases:
        return cached[1]
    built = PhraseSet(phrases)
    _SETS[id(phrases)] = (phrases, built)
    return built


def spans(tokens: Sequence[Token], phrases: tuple[Phrase, ...]) -> list[tuple[int, int]]:
    """Every occurrence of ``phrases`` in ``tokens``, within one clause."""
    return phrase_set(phrases).spans([t.text for t in tokens], [t.clause for t in tokens])
