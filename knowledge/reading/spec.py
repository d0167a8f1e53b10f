"""What ``reading.yaml`` holds, as plain values (no imports from the rest of knowledge)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

Phrase = tuple[str, ...]
"""A phrase as normalized tokens; ``...`` in a don't-know phrase is a gap of a few words."""

GAP = "..."
NUMBER_KINDS: tuple[str, ...] = (
    "more_than",
    "less_than",
    "at_most",
    "at_least",
    "nearly",
    "range",
)


@dataclass(frozen=True, slots=True)
class ReadingSpec:
    """Triggers, boundaries, scales and number words of :mod:`knowledge.reading`."""

    boundaries: tuple[Phrase, ...] = ()
    negation: tuple[Phrase, ...] = ()
    negation_after: tuple[Phrase, ...] = ()
    window: int = 5
    hedges: tuple[Phrase, ...] = ()
    dont_know: tuple[Phrase, ...] = ()
    dont_know_options: Mapping[str, str] = field(default_factory=dict)
    scales: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    numbers: Mapping[str, tuple[Phrase, ...]] = field(default_factory=dict)
    lines: Mapping[str, int] = field(default_factory=dict)
    """Line of each question id under ``dont_know_options`` and ``scales``, for problems."""
