"""Free text → intake options and → dilemmas. Never raises, never guesses silently.

:func:`map_answer` turns "we zitten met zo'n 70 partijen aan tafel" into an option of an
intake question, or says why it could not. :func:`match_dilemmas` finds the dilemmas whose
keywords occur in a description, with the matched words as the explanation.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass
from typing import Literal

from knowledge.model import LANGUAGES, IntakeQuestion, Knowledge

MAX_SCAN = 2000
"""Only this many characters of a text are read: answers are short; the rest is noise."""
MAX_FUZZY_TOKENS = 60
FUZZY_CUTOFF = 0.82
MIN_FUZZY_LENGTH = 5

_NUMBER = re.compile(r"\d+")
_RANGE = re.compile(r"(\d+)\s*(?:-|–|tot|a|à|to|or|of)\s*(\d+)")
_ABOVE = re.compile(r"\b(?:meer dan|more than|over|boven(?: de)?|above)\s+(\w+)")
_BELOW = re.compile(r"\b(?:minder dan|less than|fewer than|onder(?: de)?|under|below)\s+(\w+)")


def normalize(text: str) -> str:
    """Lower case, accents removed, anything but letters and digits turned into spaces."""
    text = text[:MAX_SCAN]
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    cleaned = "".join(c if c.isalnum() and c.isascii() else " " for c in plain.lower())
    return " ".join(cleaned.split())


Outcome = Literal["matched", "ambiguous", "unknown"]


@dataclass(frozen=True, slots=True)
class AnswerMatch:
    """The result of mapping free text onto one question's options."""

    outcome: Outcome
    option: str | None = None
    evidence: str = ""
    candidates: tuple[str, ...] = ()


def _numbers(norm: str, words: dict[str, int]) -> list[int]:
    """Every count in the text: digits, ranges as their middle, and number words."""
    found: list[int] = []
    consumed = norm
    for pattern, shift in ((_ABOVE, 1), (_BELOW, -1)):
        for match in pattern.finditer(consumed):
            word = match.group(1)
            value = int(word) if word.isdigit() and len(word) <= 7 else words.get(word)
            if value is not None:
                found.append(value + shift)
                consumed = consumed.replace(match.group(0), " ")
    for match in _RANGE.finditer(norm):
        low, high = int(match.group(1)), int(match.group(2))
        if low <= high:
            found.append((low + high) // 2)
            consumed = consumed.replace(match.group(0), " ")
    found.extend(int(n) for n in _NUMBER.findall(consumed) if len(n) <= 7)
    for token in consumed.split():
        if token in words:
            found.append(words[token])
    return found


def _phrase_in(phrase: str, padded: str) -> bool:
    return f" {phrase} " in padded


_PHRASES: dict[int, tuple[IntakeQuestion, list[tuple[str, str]]]] = {}
"""Normalized phrases per question object (kept with it, so an id is never reused)."""


def _option_phrases(question: IntakeQuestion) -> list[tuple[str, str]]:
    """(normalized phrase, option id) for every word, label and id of every option."""
    cached = _PHRASES.get(id(question))
    if cached is not None and cached[0] is question:
        return cached[1]
    phrases: list[tuple[str, str]] = []
    for option in question.options:
        candidates = [option.id.replace("_", " "), option.label.nl, option.label.en]
        for lang in LANGUAGES:
            candidates.extend(option.words.get(lang, ()))
        for candidate in candidates:
            norm = normalize(candidate)
            if norm:
                phrases.append((norm, option.id))
    _PHRASES[id(question)] = (question, phrases)
    return phrases


def map_answer(question: IntakeQuestion, text: str, knowledge: Knowledge) -> AnswerMatch:
    """Map free text onto one option of ``question``, or report why not."""
    norm = normalize(text)
    if not norm:
        return AnswerMatch("unknown")
    padded = f" {norm} "
    ranged = [o for o in question.options if o.range is not None]
    if ranged:
        number_words: dict[str, int] = {}
        for lang in LANGUAGES:
            number_words.update(knowledge.number_words.get(lang, {}))
        numbers = _numbers(norm, number_words)
        hits = {
            o.id
            for n in numbers
            for o in ranged
            if o.range is not None and o.range[0] <= n <= o.range[1]
        }
        if len(hits) == 1:
            return AnswerMatch("matched", hits.pop(), evidence=", ".join(map(str, numbers)))
        if len(hits) > 1:
            return AnswerMatch("ambiguous", candidates=tuple(sorted(hits)))
    best_len = 0
    best: dict[str, str] = {}
    for phrase, option_id in _option_phrases(question):
        if _phrase_in(phrase, padded):
            if len(phrase) > best_len:
                best_len, best = len(phrase), {option_id: phrase}
            elif len(phrase) == best_len:
                best.setdefault(option_id, phrase)
    if len(best) == 1:
        ((option_id, phrase),) = best.items()
        return AnswerMatch("matched", option_id, evidence=phrase)
    if len(best) > 1:
        return AnswerMatch("ambiguous", candidates=tuple(best))
    return _fuzzy(question, norm)


def _fuzzy(question: IntakeQuestion, norm: str) -> AnswerMatch:
    """Tolerate small misspellings of single words ("beperkd", "onduideljk")."""
    singles: dict[str, set[str]] = {}
    for phrase, option_id in _option_phrases(question):
        if " " not in phrase and len(phrase) >= MIN_FUZZY_LENGTH:
            singles.setdefault(phrase, set()).add(option_id)
    tokens = list(dict.fromkeys(t for t in norm.split() if len(t) >= MIN_FUZZY_LENGTH))
    votes: dict[str, str] = {}
    for token in tokens[:MAX_FUZZY_TOKENS]:
        for close in difflib.get_close_matches(token, singles, n=1, cutoff=FUZZY_CUTOFF):
            for option_id in singles[close]:
                votes.setdefault(option_id, close)
    if len(votes) == 1:
        ((option_id, word),) = votes.items()
        return AnswerMatch("matched", option_id, evidence=word)
    if len(votes) > 1:
        return AnswerMatch("ambiguous", candidates=tuple(votes))
    return AnswerMatch("unknown")


@dataclass(frozen=True, slots=True)
class DilemmaMatch:
    dilemma: str
    score: int
    words: tuple[str, ...]


def _keyword_hit(keyword: str, padded: str, tokens: list[str]) -> bool:
    if keyword.endswith("*"):
        stem = normalize(keyword[:-1])
        if not stem:
            return False
        if " " in stem:
            return f" {stem}" in padded
        return any(t.startswith(stem) for t in tokens)
    phrase = normalize(keyword)
    return bool(phrase) and _phrase_in(phrase, padded)


def match_dilemmas(text: str, knowledge: Knowledge) -> list[DilemmaMatch]:
    """Dilemmas whose keywords (any language) occur in ``text``, most matches first."""
    norm = normalize(text)
    if not norm:
        return []
    padded = f" {norm} "
    tokens = list(dict.fromkeys(norm.split()))
    order = {d.id: i for i, d in enumerate(knowledge.dilemmas)}
    matches = []
    for dilemma in knowledge.dilemmas:
        words = tuple(
            dict.fromkeys(
                keyword
                for lang in LANGUAGES
                for keyword in dilemma.keywords.get(lang, ())
                if _keyword_hit(keyword, padded, tokens)
            )
        )
        if words:
            matches.append(DilemmaMatch(dilemma.id, len(words), words))
    matches.sort(key=lambda m: (-m.score, order[m.dilemma]))
    return matches
