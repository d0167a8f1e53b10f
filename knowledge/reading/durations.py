"""How long a network has existed, in months: "2 jaar", "een half jaar", "3 maanden",
"sinds 2019", "nog geen jaar", "een paar jaar", "in 2019 gestart", "vorig jaar begonnen".

A number (or an amount word: "een", "half", "een paar") before a unit of time ("jaar",
"maanden") is that many months, as is a number after "een jaar of" ("een jaar of vijf":
about five years, not one); "sinds" before a year counts from that year to this one
(the year passed in, not the clock's), and so does a year in a clause that says it was the
start ("gestart", "begonnen", "started"); "vorig jaar" is a year too, named from this one.
The bounds before it are read as for counts ("ruim een jaar" is 13 to 24 months). The
units, amounts, "since" and "started" words, the years named from this one, and the months
of each phase, are in ``reading.yaml``.
"""

from __future__ import annotations

from collections.abc import Sequence

from knowledge.reading.numbers import (
    MAX_DIGITS,
    Count,
    bounded,
    number_values,
    qualifier_before,
)
from knowledge.reading.spec import ReadingSpec
from knowledge.reading.words import Token, decimal_whole, spans, written

EARLIEST_YEAR = 1900
"""A year "sinds" may name; before it (or after this year) a number is no year."""


def read_durations(
    tokens: Sequence[Token], spec: ReadingSpec, claimed: Sequence[bool], year: int
) -> list[Count]:
    """Every length of time in ``tokens`` (skipping claimed words), in months."""
    found: list[Count] = []
    taken = list(claimed)
    for i in range(len(tokens) - 2):
        # "2,5 jaar", "1.5 years": a whole and its tenths
        whole, tenth = tokens[i], tokens[i + 1]
        unit = _unit(tokens, i + 2, spec)
        decimal = decimal_whole(tokens, i + 1) == i and len(tenth.text) == 1
        if decimal and unit is not None and not any(taken[i : i + 3]):
            months = (int(whole.text[:MAX_DIGITS]) + int(tenth.text) / 10) * unit
            found.append(_count(tokens, i, i + 3, months, months))
            taken[i : i + 3] = [True] * 3
    numbers = [n for n in number_values(tokens) if not any(taken[n[0] : n[1]])]
    since_ends = {_year_at(tokens, end, spec): start for start, end in spans(tokens, spec.since)}
    start_clauses = {tokens[start].clause for start, _ in spans(tokens, spec.started)}

    def counted_from(start: int) -> int | None:
        """Where a year at ``start`` that counts to this one begins ("sinds 2019", "in 2019
        gestart": the year itself), or None: a year that starts nothing."""
        first = since_ends.get(start)
        return start if first is None and tokens[start].clause in start_clauses else first

    for start, end in spans(tokens, tuple(spec.years_ago)):
        # "vorig jaar begonnen": a year named from this one, counted as "sinds 2025" is
        back = spec.years_ago[tuple(t.text for t in tokens[start:end])]
        first = counted_from(start)
        if first is not None and not any(taken[first:end]):
            found.append(_count(tokens, first, end, back * 12, back * 12))
            taken[first:end] = [True] * (end - first)
    for k, (start, end, value) in enumerate(numbers):
        if any(taken[start:end]):
            continue
        first = counted_from(start)
        if first is not None and EARLIEST_YEAR <= value <= year:
            months = (year - value) * 12
            found.append(_count(tokens, first, end, months, months))
            taken[first:end] = [True] * (end - first)
            continue
        high_value, last = value, end
        if k + 1 < len(numbers):
            n_start, n_end, n_value = numbers[k + 1]
            gap = tuple(t.text for t in tokens[end:n_start])
            joined = (n_start == end and tokens[n_start].dash_before) or gap in spec.numbers.get(
                "range", ()
            )
            if joined and value <= n_value and tokens[n_start].clause == tokens[start].clause:
                high_value, last = n_value, n_end
        unit, first, stop = _unit(tokens, last, spec), start, last + 1
        if unit is None:
            # "een jaar of vijf": about five years, not one year
            first, stop = start - 3, last  # "een jaar of"
            about = first >= 0 and _about(tokens, start - 2)
            if not about or tokens[start].clause != tokens[first].clause or any(taken[first:start]):
                continue
            unit = spec.time_units.get(tokens[start - 2].text)
            if unit is None:
                continue
        low, high = value * unit, high_value * unit
        if high_value == value and first == start:
            qualifier = qualifier_before(tokens, start, spec.numbers)
            if qualifier is not None:
                low, high = bounded(qualifier[1], round(low))
                first = start - qualifier[0]
        found.append(_count(tokens, first, stop, low, high))
        taken[first:stop] = [True] * (stop - first)
    for i, token in enumerate(tokens):
        unit = spec.time_units.get(token.text)
        if unit is None or taken[i]:
            continue
        amount = _amount_before(tokens, i, spec)
        if amount is None:
            # A unit alone is one only after a bound ("nog geen jaar"); "jaren", "al jaren"
            # are left to the option words.
            amount = (0, 1.0, 1.0)
            if qualifier_before(tokens, i, spec.numbers) is None:
                continue
        length, low_amount, high_amount = amount
        first, low, high = i - length, low_amount * unit, high_amount * unit
        if _about(tokens, i):
            continue  # "een jaar of wat" (no number after it): some years, not one; asked
        if low == high and not any(taken[first:i]):
            qualifier = qualifier_before(tokens, first, spec.numbers)
            if qualifier is not None:
                low, high = bounded(qualifier[1], round(low))
                first -= qualifier[0]
        if any(taken[first:i]):
            continue
        found.append(_count(tokens, first, i + 1, low, high))
        taken[first : i + 1] = [True] * (i + 1 - first)
    return sorted(found, key=lambda c: c.start)


AROUND_YEAR = 2
"""How many of ``around_year``'s words may stand between "sinds" and its year."""


def _year_at(tokens: Sequence[Token], at: int, spec: ReadingSpec) -> int:
    """Where the year after a "since" word ending at ``at`` stands: past the words that may
    come between them ("sinds ongeveer, eh, 2019")."""
    for _ in range(AROUND_YEAR):
        skipped = next(
            (
                len(p)
                for p in spec.around_year
                if tuple(t.text for t in tokens[at : at + len(p)]) == p
            ),
            0,
        )
        if not skipped:
            break
        at += skipped
    return at


def _unit(tokens: Sequence[Token], at: int, spec: ReadingSpec) -> float | None:
    if at < len(tokens) and tokens[at].clause == tokens[at - 1].clause:
        return spec.time_units.get(tokens[at].text)
    return None


ABOUT = ("een", "of")
"""Around a unit before a number: "een jaar of vijf", "een maand of drie" (about so many)."""


def _about(tokens: Sequence[Token], unit: int) -> bool:
    """Whether the unit at index ``unit`` stands in "een jaar of", in one clause."""
    if unit < 1 or unit + 1 >= len(tokens):
        return False
    around = (tokens[unit - 1], tokens[unit + 1])
    same = all(t.clause == tokens[unit].clause for t in around)
    return same and tuple(t.text for t in around) == ABOUT


def _count(tokens: Sequence[Token], start: int, end: int, low: float, high: float) -> Count:
    words = written(tokens[start:end])
    return Count(round(low), round(high), start, end, words)


def _amount_before(
    tokens: Sequence[Token], at: int, spec: ReadingSpec
) -> tuple[int, float, float] | None:
    """The longest amount phrase right before ``at`` ("een half"): its length and value."""
    best: tuple[int, float, float] | None = None
    for words, (low, high) in spec.amounts.items():
        n = len(words)
        if n > at or (best is not None and n <= best[0]):
            continue
        span = tokens[at - n : at]
        if tuple(t.text for t in span) == words and span[0].clause == tokens[at].clause:
            best = (n, low, high)
    return best
