"""The client-data guard on the forms a probe slipped past it (issue 14), on ordinary
board-member text (no false alarms), and the shape of its patterns: no repetition inside
an unbounded repetition, so a scan stays linear in the text's length whatever the input."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator

import pytest

from knowledge.guard import Guard, plain
from knowledge.loader import read_knowledge

BUNDLED, _ = read_knowledge()

# re's own parser: the only way to see a pattern's structure without writing a parser.
_parser = getattr(re, "_parser")  # noqa: B009 (a private module, read-only use)
_constants = getattr(re, "_constants")  # noqa: B009
_REPEATS = {_constants.MAX_REPEAT, _constants.MIN_REPEAT, _constants.POSSESSIVE_REPEAT}
_UNBOUNDED = _constants.MAXREPEAT


@pytest.fixture(scope="module")
def guard() -> Guard:
    return Guard.from_knowledge(BUNDLED)


def kinds(guard: Guard, text: str) -> set[str]:
    return {hit.kind for hit in guard.scan(text)}


# --- each form that was missed -----------------------------------------------------------

MISSED = [
    ("bsn", "bsn 123-456-782"),
    ("bsn", "BSN 12 34 56 782"),
    ("bsn", "bsn 123 45 6782"),
    ("bsn", "bsn 12-34-56-782"),
    ("date", "geb. 12-03-15"),
    ("date", "geb. 12/03/15"),
    ("date", "geboren 12 maart '15"),
    ("date", "born the 12th of March 2011"),
    ("date", "geboren 12\u00a0maart\u00a02011"),
    ("date", "geboren 12\u202f03\u202f2011".replace("\u202f", "-")),
    ("name", "cliënt jan de vries"),
    ("name", "CLIËNT JAN DE VRIES"),
    ("name", "cliënt JAN"),
    ("name", "Jan de Vries, mijn cliënt"),
    ("name", "jan de vries, mijn cliënt"),
    ("name", "the client's name is Jan Smit"),
    ("name", "patiënte Anna"),
    ("name", "leerlinge Anna"),
    ("name", "cliënt\nJan de Vries"),
    ("name", "cliënt:\nJan de Vries kwam"),
    ("address", "1234 ab 12"),
    ("address", "hoofdstraat 12"),
    ("address", "Hoofdstr. 12"),
    ("address", "HOOFDSTRAAT 12"),
    ("phone", "06.12345678"),
    ("phone", "06/12345678"),
    ("phone", "(06) 12345678"),
    ("phone", "06\u201312345678"),
    ("phone", "06\u00a012345678"),
]


@pytest.mark.parametrize(("kind", "text"), MISSED)
def test_a_form_that_was_missed_is_found(guard: Guard, kind: str, text: str) -> None:
    assert kind in kinds(guard, text), guard.scan(text)


def test_the_broadcast_that_reached_members_is_redacted_whole(guard: Guard) -> None:
    text = "cliënt jan de vries (bsn 123-456-782, geb. 12-03-15)"
    assert kinds(guard, text) == {"name", "bsn", "date"}
    assert guard.redact(text) == "cliënt [verwijderd] (bsn [verwijderd], geb. [verwijderd])"


def test_a_hit_is_reported_as_written_even_when_scanned_in_plain_form(guard: Guard) -> None:
    text = "bel 06\u201312345678 of 06\u00a012345678"
    hits = guard.scan(text)
    assert [h.matched for h in hits] == ["06\u201312345678", "06\u00a012345678"]
    assert len(plain(text)) == len(text)


# --- ordinary text is no client data -------------------------------------------------------

ORDINARY = [
    "Daarom, de kinderen eerst: dat spraken we af in de stuurgroep.",
    "In 2024 en 2025 groeide het netwerk van 12 naar 34 partners.",
    "We waren 2 uur onderweg en vergaderden 3 keer per week.",
    "De wethouder, de directeur en ik spraken over de jongeren in de wijk.",
    "Onze cliënten waarderen het overleg met de school.",
    "Zorg dat de ouders meepraten; het kind staat centraal.",
    "Versie 1.2.10 van het convenant ligt klaar.",
    "We scoorden 3-2 op de peiling en 10-4 op draagvlak.",
    "Het plan loopt van fase 1 tot fase 3, met 6 werkgroepen.",
    "Tel de partijen: 1234 organisaties is wat veel.",
    "Kortom: samen optrekken met de gemeente en de jeugdhulp.",
    "the children and their parents, the school and the municipality",
    "We met on the 12th floor with 30 partners.",
    "HET KIND CENTRAAL IN DE REGIO",
]


@pytest.mark.parametrize("text", ORDINARY)
def test_ordinary_board_member_text_is_no_hit(guard: Guard, text: str) -> None:
    assert guard.scan(text) == []


def _strings(value: object, depth: int = 0) -> Iterator[str]:
    if depth > 6:
        return
    if isinstance(value, str):
        yield value
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        for field in dataclasses.fields(value):
            yield from _strings(getattr(value, field.name), depth + 1)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item, depth + 1)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _strings(item, depth + 1)


def test_the_knowledge_base_own_texts_are_no_client_data(guard: Guard) -> None:
    """Every dilemma and reflection question, in both languages: hundreds of sentences of
    the kind board members write."""
    texts = [t for d in BUNDLED.dilemmas for t in _strings(d)]
    texts += [t for q in BUNDLED.questions.values() for t in _strings(q)]
    assert len(texts) > 300
    flagged = [(t, guard.scan(t)) for t in texts if guard.scan(t)]
    assert flagged == []


# --- linear time, by shape ---------------------------------------------------------------


def _nested_unbounded(items: object, inside_unbounded: bool = False) -> bool:
    """Whether a parsed pattern has a repetition inside an unbounded one (``(a+)+``,
    ``(?:\\s*x)*``): the shape that can backtrack catastrophically."""
    for op, arg in items:  # type: ignore[attr-defined]
        if op in _REPEATS:
            _low, high, body = arg
            if inside_unbounded:
                return True
            if _nested_unbounded(body, inside_unbounded or high == _UNBOUNDED):
                return True
        elif op == _constants.SUBPATTERN:
            if _nested_unbounded(arg[-1], inside_unbounded):
                return True
        elif op == _constants.BRANCH:
            if any(_nested_unbounded(branch, inside_unbounded) for branch in arg[1]):
                return True
        elif op in (_constants.ASSERT, _constants.ASSERT_NOT) and _nested_unbounded(
            arg[1], inside_unbounded
        ):
            return True
    return False


def test_the_shape_check_sees_nested_repetition() -> None:
    assert _nested_unbounded(_parser.parse(r"(a+)+$"))
    assert _nested_unbounded(_parser.parse(r"(?:x|(?:\s*y)+)"))
    assert not _nested_unbounded(_parser.parse(r"(?:[ -]{0,3}\d){8}"))
    assert not _nested_unbounded(_parser.parse(r"\d+[a-z]*"))


@pytest.mark.parametrize("pattern", BUNDLED.guard.patterns, ids=lambda p: p.id)
def test_no_pattern_repeats_inside_an_unbounded_repetition(pattern: object) -> None:
    regex = getattr(pattern, "regex")  # noqa: B009
    assert not _nested_unbounded(_parser.parse(regex)), regex


def test_every_pattern_is_bounded_per_position() -> None:
    """Each pattern's longest match is bounded (no ``*``, ``+`` or ``{n,}`` at all), so
    one search step costs at most a constant, and a scan of n characters O(n)."""
    for pattern in BUNDLED.guard.patterns:
        _low, high = _parser.parse(pattern.regex).getwidth()
        assert high < 1000, (pattern.id, high)
