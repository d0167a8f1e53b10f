"""Words as people write them: tokens in clauses, their Dutch and English stems, phrases.

Stems come from Snowball (PyStemmer, the C build of the Snowball algorithms). Dutch uses
two Snowball stemmers one after the other: Kraaij-Pohlmann ("dutch") takes off
diminutives and plurals ("stuurgroepje", "werkgroepen" → "…groep"), the Porter variant
("dutch_porter") then the inflected -e ("sterke" → "sterk", "ruime" → "ruim"). Both sides
of a comparison are stemmed the same way, so a stem only has to be consistent, not pretty.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

import Stemmer

from knowledge.reading.spec import GAP, Phrase

MAX_SCAN = 2000
"""Only this many characters of a text are read: answers are short; the rest is noise."""
MAX_GAP = 3
"""How many words a ``...`` in a phrase stands for."""

_TOKEN = re.compile(r"[a-z]+|\d+|\.\.\.|[,;.!?:()]|[-–—]")
_APOSTROPHES = str.maketrans("", "", "'’‘`´")
PUNCTUATION = frozenset(",;.!?:()")
DASHES = frozenset("-–—")

_NL_PLURAL = Stemmer.Stemmer("dutch")
_NL_INFLECTION = Stemmer.Stemmer("dutch_porter")
_EN = Stemmer.Stemmer("english")
_STEM_LOCK = threading.Lock()
"""Snowball stemmer objects are not safe to share between threads."""


def fold(text: str) -> str:
    """Lower case, accents and apostrophes removed ("Efficiënt", "zo'n" → "efficient", "zon")."""
    decomposed = unicodedata.normalize("NFKD", text[:MAX_SCAN].lower())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return plain.translate(_APOSTROPHES)


def raw_tokens(text: str) -> list[str]:
    """Words, digits, clause punctuation and dashes; anything else is a separator."""
    return _TOKEN.findall(fold(text))


def phrase(text: str) -> Phrase:
    """A written phrase as the tokens it is compared by (punctuation and dashes dropped)."""
    return tuple(t for t in raw_tokens(text) if t not in PUNCTUATION and t not in DASHES)


@lru_cache(maxsize=65536)
def stems(word: str) -> tuple[str, str]:
    """The Dutch and the English stem of one lower-case word."""
    if word.isdigit():
        return word, word
    with _STEM_LOCK:
        dutch = _NL_INFLECTION.stemWord(_NL_PLURAL.stemWord(word))
        english = _EN.stemWord(word)
    return dutch, english


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

    def stem(self, lang: str) -> str:
        return self.en if lang == "en" else self.nl


def tokenize(text: str, boundaries: Iterable[Phrase] = ()) -> list[Token]:
    """The words of ``text`` in clauses: punctuation and boundary words ("maar") end one."""
    words: list[str] = []
    breaks_before: set[int] = set()
    dashes_before: set[int] = set()
    for item in raw_tokens(text):
        if item in PUNCTUATION or item == GAP:
            breaks_before.add(len(words))
        elif item in DASHES:
            dashes_before.add(len(words))
        else:
            words.append(item)
    skip: set[int] = set()
    for boundary in boundaries:
        for start in find(words, boundary):
            breaks_before.add(start)
            skip.update(range(start, start + len(boundary)))
    tokens: list[Token] = []
    clause = 0
    for i, word in enumerate(words):
        if i in breaks_before:
            clause += 1
        if i in skip:
            continue
        dutch, english = stems(word)
        tokens.append(Token(word, dutch, english, clause, i in dashes_before))
    return tokens


def find(words: Sequence[str], wanted: Phrase) -> list[int]:
    """Every start index where ``wanted`` occurs in ``words`` (exact tokens)."""
    n = len(wanted)
    if not n or n > len(words):
        return []
    first = wanted[0]
    return [
        i
        for i in range(len(words) - n + 1)
        if words[i] == first and tuple(words[i : i + n]) == wanted
    ]


def find_gapped(tokens: Sequence[Token], wanted: Phrase) -> list[tuple[int, int]]:
    """(start, end) spans of ``wanted`` in one clause, ``...`` skipping up to three words."""
    parts: list[Phrase] = []
    current: list[str] = []
    for word in wanted:
        if word == GAP:
            parts.append(tuple(current))
            current = []
        else:
            current.append(word)
    parts.append(tuple(current))
    parts = [p for p in parts if p]
    if not parts:
        return []
    words = [t.text for t in tokens]
    spans: list[tuple[int, int]] = []
    for start in find(words, parts[0]):
        end = start + len(parts[0])
        clause = tokens[start].clause
        for part in parts[1:]:
            found = next(
                (
                    i
                    for i in range(end, min(end + MAX_GAP + 1, len(words) - len(part) + 1))
                    if tuple(words[i : i + len(part)]) == part
                    and tokens[i + len(part) - 1].clause == clause
                ),
                None,
            )
            if found is None:
                break
            end = found + len(part)
        else:
            if tokens[end - 1].clause == clause:
                spans.append((start, end))
    return spans
