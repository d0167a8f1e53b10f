"""Free text → intake options and → dilemmas: the names the flows and the CLI use.

The reading itself is :mod:`knowledge.reading`; this module keeps the small interface:
:func:`map_answer` (one answer to one question) and :func:`match_dilemmas` (a
description), both pure, deterministic and never raising.
"""

from __future__ import annotations

from dataclasses import replace
from functools import cache

from knowledge.model import IntakeQuestion, Knowledge
from knowledge.reading.answers import Outcome, Reading, read_answer
from knowledge.reading.context import names_question_topic
from knowledge.reading.descriptions import DilemmaMatch, read_description
from knowledge.reading.words import Token, phrase, tokenize

__all__ = [
    "DilemmaMatch",
    "Outcome",
    "Reading",
    "map_answer",
    "match_dilemmas",
    "names_topic_of",
    "normalize",
]


def normalize(text: str) -> str:
    """Lower case, accents removed, anything but letters and digits turned into spaces."""
    return " ".join(phrase(text))


ELSEWHERE_WORDS = 2
"""A text not understood here answers another question only by a phrase this long
("alles terugleggen"), or by one word beside that question's distinct topic ("de
belangen botsen nauwelijks"): one word alone ("veel") is an option word of many
questions."""


ELSEWHERE_MAX_CHARACTERS = 300
"""Only an answer this short is read against the other questions too: a longer text is a
story, not another question's answer (and reading 4,096 characters of digits eleven times
over took half a second)."""


def map_answer(
    question: IntakeQuestion, text: str, knowledge: Knowledge, *, year: int | None = None
) -> Reading:
    """Map free text onto one option of ``question``, or report why not; a text not
    understood at all that clearly answers one other question says which (review 6, F4:
    the mandate described at the governance question). ``year``: this year, for "sinds
    2019" and "vorig jaar begonnen" (the event's, not the clock's; by default today's)."""
    reading = read_answer(question, text, knowledge, year=year)
    if (
        len(text) > ELSEWHERE_MAX_CHARACTERS
        or reading.outcome != "unknown"
        or reading.dont_know
        or reading.negated_options
        or reading.elsewhere is not None
    ):
        return reading
    other = _answered_elsewhere(question, text, knowledge, year)
    return replace(reading, elsewhere=other) if other is not None else reading


def _answered_elsewhere(
    question: IntakeQuestion, text: str, knowledge: Knowledge, year: int | None
) -> str | None:
    """The one other question (core ones first) ``text`` answers by a phrase, or None."""
    spec = knowledge.reading

    @cache
    def tokens() -> list[Token]:
        return tokenize(text, spec.boundaries)

    for core in (True, False):
        found = []
        for other in knowledge.intake:
            if other.id == question.id or other.core != core:
                continue
            reading = read_answer(other, text, knowledge, year=year)
            if reading.outcome != "matched":
                continue
            if any(len(words.split()) >= ELSEWHERE_WORDS for words in reading.words) or (
                other.id in spec.distinct_topics and names_question_topic(tokens(), spec, other.id)
            ):
                found.append(other.id)
        if len(found) > 1:  # "de belangen botsen eigenlijk niet": the one whose topic it names
            named = [q for q in found if names_question_topic(tokens(), spec, q)]
            return named[0] if len(named) == 1 else None
        if found:
            return found[0]
    return None


def names_topic_of(question: IntakeQuestion, text: str, knowledge: Knowledge) -> bool:
    """Whether ``text`` names the topic of ``question`` ("zelf", "bestuur" for the mandate,
    "organisaties" for the size): then an answer to it found elsewhere is meant for it."""
    spec = knowledge.reading
    return names_question_topic(tokenize(text, spec.boundaries), spec, question.id)


def match_dilemmas(text: str, knowledge: Knowledge) -> list[DilemmaMatch]:
    """Dilemmas whose keywords (any language) occur in ``text``, best first."""
    return read_description(text, knowledge)
