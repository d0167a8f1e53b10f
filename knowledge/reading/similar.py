"""The written word closest to a typed one: rapidfuzz's ``fuzz.ratio``, in plain Python.

The ratio of two words is their Indel similarity in percent: ``100 · (1 − d / (m + n))``,
where ``d = m + n − 2·LCS`` is how many characters must be inserted or deleted to turn
one into the other. It is computed here with the same floating-point steps as rapidfuzz
(``tests/test_reading_similar.py`` compares both), and :func:`closest` picks like
``process.extractOne``: the first word with the highest ratio, if that reaches the cutoff.

Why not rapidfuzz itself: importing any part of it loads all its C++ scorers, 3.4 MB of
resident memory for one ratio on words of a few letters, which the longest common
subsequence computes bit-parallel (Hyyrö) in a few integer operations per letter.
"""

from __future__ import annotations

from collections.abc import Iterable


def _lcs_length(masks: dict[str, int], length: int, other: str) -> int:
    """The longest common subsequence of the word behind ``masks`` and ``other``."""
    full = (1 << length) - 1
    row = full
    for char in other:
        matches = row & masks.get(char, 0)
        row = ((row + matches) | (row - matches)) & full
    return length - row.bit_count()


def _masks(word: str) -> dict[str, int]:
    """Per letter of ``word``, the bit mask of where it occurs."""
    masks: dict[str, int] = {}
    for position, char in enumerate(word):
        masks[char] = masks.get(char, 0) | (1 << position)
    return masks


def _similarity(distance: int, maximum: int) -> float:
    """Indel similarity (0–1), as rapidfuzz computes it from the distance."""
    return 1.0 - (distance / maximum if maximum else 0.0)


def ratio(first: str, second: str) -> float:
    """rapidfuzz's ``fuzz.ratio(first, second)``: 0–100."""
    maximum = len(first) + len(second)
    common = _lcs_length(_masks(first), len(first), second)
    return _similarity(maximum - 2 * common, maximum) * 100


def closest(word: str, choices: Iterable[str], cutoff: float) -> tuple[str, float] | None:
    """The first of ``choices`` with the highest ratio to ``word``, if at least ``cutoff``."""
    masks = _masks(word)
    length = len(word)
    full = (1 << length) - 1
    threshold = cutoff / 100
    best: tuple[str, float] | None = None
    for choice in choices:
        maximum = length + len(choice)
        # No common subsequence is longer than the shorter word: the ratio's upper bound.
        if _similarity(abs(length - len(choice)), maximum) < threshold:
            continue
        row = full  # _lcs_length, inline: this loop is the whole cost of a misspelling
        for char in choice:
            matches = row & masks.get(char, 0)
            row = ((row + matches) | (row - matches)) & full
        similarity = _similarity(maximum - 2 * (length - row.bit_count()), maximum)
        if similarity < threshold:
            continue
        score = similarity * 100
        if score >= cutoff and (best is None or score > best[1]):
            best = (choice, score)
            threshold = similarity
            if similarity == 1.0:
                break
    return best
