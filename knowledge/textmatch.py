"""Free text → intake options and → dilemmas: the names the flows and the CLI use.

The reading itself is :mod:`knowledge.reading`; this module keeps the small interface:
:func:`map_answer` (one answer to one question) and :func:`match_dilemmas` (a
description), both pure, deterministic and never raising.
"""

from __future__ import annotations

from knowledge.model import IntakeQuestion, Knowledge
from knowledge.reading.answers import Outcome, Reading, read_answer
from knowledge.reading.descriptions import DilemmaMatch, read_description
from knowledge.reading.words import phrase

__all__ = ["DilemmaMatch", "Outcome", "Reading", "map_answer", "match_dilemmas", "normalize"]


def normalize(text: str) -> str:
    """Lower case, accents removed, anything but letters and digits turned into spaces."""
    return " ".join(phrase(text))


def map_answer(question: IntakeQuestion, text: str, knowledge: Knowledge) -> Reading:
    """Map free text onto one option of ``question``, or report why not."""
    return read_answer(question, text, knowledge)


def match_dilemmas(text: str, knowledge: Knowledge) -> list[DilemmaMatch]:
    """Dilemmas whose keywords (any language) occur in ``text``, best first."""
    return read_description(text, knowledge)
