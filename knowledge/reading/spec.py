"""What ``reading.yaml`` holds, as plain values (no imports from the rest of knowledge)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

Phrase = tuple[str, ...]
"""A phrase as normalized tokens; ``...`` in a don't-know phrase is a gap of a few words."""

GAP = "..."
NUMBER_KINDS: tuple[str, ...] = (
    "more_than",
    "just_over",
    "less_than",
    "at_most",
    "at_least",
    "nearly",
    "range",
    "at_least_after",
    "part_of",
)
"""``at_least_after``: words after a number ("40+", "40 of meer"); the others stand before.
``part_of``: words before a count that is part of the one before it ("waarvan 12")."""


@dataclass(frozen=True, slots=True)
class ReadingSpec:
    """Triggers, boundaries, scales and number words of :mod:`knowledge.reading`."""

    boundaries: tuple[Phrase, ...] = ()
    negation: tuple[Phrase, ...] = ()
    negation_after: tuple[Phrase, ...] = ()
    window: int = 5
    lowering: tuple[Phrase, ...] = ()
    """Words of little degree ("weinig"): they lower the option phrase they stand beside."""
    intensifiers: tuple[Phrase, ...] = ()
    """Words of much degree ("veel"): on ``intensified`` questions the phrase after them
    decides, not their own option."""
    intensified: frozenset[str] = frozenset()
    almost: tuple[Phrase, ...] = ()
    """Words of "not quite" ("bijna", "almost") before an option phrase that says none."""
    almost_options: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    """Per question, the option a phrase of none said almost stands for ("bijna alles
    voorleggen": not ``geen`` but ``beperkt``)."""
    bounds: tuple[Phrase, ...] = ()
    """Words that set a bound ("tot", "boven de") ..."""
    sums: tuple[Phrase, ...] = ()
    """... on a sum of money ("50k", "euro", "een bepaald bedrag")."""
    beyond: tuple[Phrase, ...] = ()
    """Words before a bound that reach past it ("ook boven de 50k"): no bound then."""
    bounded_options: Mapping[str, str] = field(default_factory=dict)
    """Per question, the option an answer with a bound on a sum is ("tot 50k zelf
    beslissen": ``beperkt``)."""
    weak: Mapping[str, frozenset[Phrase]] = field(default_factory=dict)
    """Per question, option words that decide only in a short answer ("niemand")."""
    not_counted: tuple[Phrase, ...] = ()
    """Nouns a count may stand before that no question counts ("3 wethouders")."""
    currency: tuple[Phrase, ...] = ()
    """Signs and words before a number that make it a sum ("€ 50.000"), not a count."""
    year_words: tuple[Phrase, ...] = ()
    """Words before a year ("in 2019"): such a number is a date, not a count."""
    hedges: tuple[Phrase, ...] = ()
    dont_know: tuple[Phrase, ...] = ()
    dont_know_options: Mapping[str, str] = field(default_factory=dict)
    scales: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    numbers: Mapping[str, tuple[Phrase, ...]] = field(default_factory=dict)
    echo_marks: frozenset[str] = frozenset()
    """Punctuation that ends an echoed question ("formeel?"), answered by a negation."""
    echo_fillers: tuple[Phrase, ...] = ()
    """Words that may stand beside that negation ("nee hoor", "not really, honestly")."""
    no_answers: tuple[Phrase, ...] = ()
    """Negations that answer rather than deny ("nee"): the words of the option they are
    agree with them ("nee alles gaat plenair"); "geen plenaire vergaderingen" still denies."""
    frequencies: tuple[Phrase, ...] = ()
    """Words of how often: a negation after one says when not, it does not deny it ("soms
    niet" is sometimes, "soms wel, soms niet" mixed)."""
    distinct_topics: frozenset[str] = frozenset()
    """Questions whose topic words, named in a clause, make a one-word answer there about
    that matter only: "de belangen botsen nauwelijks" does not say trust is low."""
    places: frozenset[str] = frozenset()
    """Questions whose option words are places ("mijn bestuur", "in de werkgroep"): a
    negation after them denies them only right after them ("intern niet")."""
    partial: frozenset[str] = frozenset()
    """Questions where a clause ending in a negation takes back part of the answer."""
    exceptions: tuple[Phrase, ...] = ()
    """Boundary words that open an exception ("behalve"): on ``partial`` questions such a
    clause takes back part of the answer too."""
    contrast: tuple[Phrase, ...] = ()
    """Words of a clause that says what it is after one that said what it is not ("wel")."""
    affirmations: tuple[Phrase, ...] = ()
    """A bare yes ("ja", "yes"): a clause opened by a boundary word after it, naming an
    option, says which yes ("ja, maar informeel")."""
    together: tuple[Phrase, ...] = ()
    """Words before who one does it with ("samen met"): the option phrase after them
    names a companion, not an answer ("samen met de gemeente" is shared)."""
    denials: tuple[Phrase, ...] = ()
    """Words right after a negation that deny the problem itself ("geen probleem van
    macht"): in a description the keywords after them do not count."""
    generic: tuple[Phrase, ...] = ()
    """Dilemma keywords that name the setting rather than the issue ("werkgroep"): of two
    dilemmas that score the same in a description, the one with fewer goes first."""
    lessening: tuple[Phrase, ...] = ()
    """Words of less ending a clause of their own ("de teams minder"): on ``partial``
    questions the fullest option moves one step down its scale."""
    topics: Mapping[str, Mapping[str, tuple[str, ...]]] = field(default_factory=dict)
    """Per question, per language, the words that name what it asks about ("mandaat"):
    what a negation that answers must deny, and what a count must count."""
    phases: Mapping[str, Mapping[str, tuple[int, int]]] = field(default_factory=dict)
    """Per question, the months each option spans ("fase": opstart 0 to 11 months)."""
    time_units: Mapping[str, float] = field(default_factory=dict)
    """A unit of time and its months ("jaar": 12)."""
    amounts: Mapping[Phrase, tuple[float, float]] = field(default_factory=dict)
    """Words for how many units ("een half": 0.5, "een paar": 2 to 3)."""
    since: tuple[Phrase, ...] = ()
    """Words before a year that count from it ("sinds 2019")."""
    around_year: tuple[Phrase, ...] = ()
    """Words that may stand between such a word and its year: "sinds ongeveer 2019",
    "vanaf, eh, 2019" (at most :data:`knowledge.reading.durations.AROUND_YEAR` of them)."""
    years_ago: Mapping[Phrase, int] = field(default_factory=dict)
    """A year named from this one, and how many years back it is ("vorig jaar": 1)."""
    started: tuple[Phrase, ...] = ()
    """Words that make a year in their clause the start, counted from like "sinds": "in
    2019 gestart", "we zijn vorig jaar begonnen", "we started last year"."""
    file: str = ""
    lines: Mapping[str, int] = field(default_factory=dict)
    """Line of each question id under ``dont_know_options`` and ``scales``, for problems."""
    literal: frozenset[str] = frozenset()
    """Single-word negation triggers: they match option words only as written."""
    ranges: tuple[Phrase, ...] = ()
    """Words that join two options into a range ("nauwelijks tot soms")."""
    between: tuple[Phrase, ...] = ()
    """Words that open a range ("tussen"): after them ``between_joins`` join one too."""
    between_joins: tuple[Phrase, ...] = ()
    skippable: frozenset[str] = frozenset()
    """Fillers that may stand inside a phrase ("willen echt iets anders"); never a
    negation."""


@dataclass(frozen=True, slots=True)
class AnswerExample:
    """A typed answer and what the bot must make of it (an option id, or see examples)."""

    question: str
    text: str
    expect: str
    file: str
    line: int


@dataclass(frozen=True, slots=True)
class DescriptionExample:
    """A typed description and the dilemmas that must be among its best matches."""

    text: str
    expect: tuple[str, ...]
    file: str
    line: int


@dataclass(frozen=True, slots=True)
class ReadingExamples:
    """Everything under ``answer_examples`` and ``description_examples``."""

    answers: tuple[AnswerExample, ...] = ()
    descriptions: tuple[DescriptionExample, ...] = ()
