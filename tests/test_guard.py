"""The client-data guard: each detector's hits and near-misses, redaction, robustness on any
input, and how ``check`` reports a broken guard.yaml at its file:line."""

from __future__ import annotations

import gc
import re
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import knowledge.validator
from knowledge.guard import Guard, Hit, elfproef, merge_spans
from knowledge.loader import read_knowledge
from knowledge.model import (
    GuardNames,
    GuardPattern,
    GuardSpec,
    GuardTest,
    Knowledge,
    Text,
    Where,
)
from knowledge.patterns import slowest_probe
from tests.knowledge_helpers import check, line_of

BUNDLED, _ = read_knowledge()
EXAMPLES = BUNDLED.guard.tests


@pytest.fixture(scope="module")
def guard() -> Guard:
    return Guard.from_knowledge(BUNDLED)


def kinds(guard: Guard, text: str) -> set[str]:
    return {hit.kind for hit in guard.scan(text)}


# --- the elfproef -----------------------------------------------------------------------


def test_elfproef() -> None:
    # 9·1 + 8·2 + 7·3 + 6·4 + 5·5 + 4·6 + 3·7 + 2·8 − 1·2 = 154 = 14 · 11
    assert elfproef("123456782")
    assert elfproef("1234.56.782") and elfproef("123 456 782")
    assert not elfproef("123456789")  # 147 = 13 · 11 + 4
    assert not elfproef("000000000")  # passes the sum, but is no number
    assert not elfproef("12345678") and not elfproef("1234567820")
    assert not elfproef("") and not elfproef("abc")
    assert elfproef("١٢٣٤٥٦٧٨٢")  # Arabic-Indic digits are digits too
    assert not elfproef("12345678²")  # a superscript is no digit


# --- the examples in guard.yaml -----------------------------------------------------------


def test_the_examples_cover_every_kind_with_hits_and_near_misses() -> None:
    assert len(EXAMPLES) >= 25
    assert sum(not t.hits for t in EXAMPLES) >= 10
    for kind in BUNDLED.guard.kinds:
        assert any(kind.id in t.hits for t in EXAMPLES), kind.id


@pytest.mark.parametrize("example", EXAMPLES, ids=[t.text[:40] for t in EXAMPLES])
def test_guard_yaml_example(guard: Guard, example: GuardTest) -> None:
    hits = guard.scan(example.text, sharing=example.sharing)
    assert {h.kind for h in hits} == set(example.hits), hits
    if example.redacted is not None:
        assert guard.redact(example.text, hits=hits) == example.redacted


# --- each detector, positives and near-misses ----------------------------------------------

HITS = [
    ("bsn", "BSN 123456782"),
    ("bsn", "burgerservicenummer 12.34.56.782"),
    ("bsn", "nummer 1234 56 782."),
    ("date", "geb. 01-01-1999"),
    ("date", "31.12.2010"),
    ("date", "2011/3/12"),
    ("date", "1e april 2012"),
    ("date", "12 mrt. 2011"),
    ("date", "12th March 2011"),
    ("date", "date of birth: 4 July"),
    ("date", "jarig op 3 mei"),
    ("address", "1234AB 12"),
    ("address", "postcode 1234 AB, huisnummer 7"),
    ("address", "Molenweg 3-2"),
    ("address", "12a, 1234 AB"),
    ("phone", "06 12 34 56 78"),
    ("phone", "+31 (0)20 1234567"),
    ("phone", "0031 6 12345678"),
    ("phone", "0591-123456"),
    ("email", "sanne.de-vries+school@mail.example.com"),
    ("name", "de vader, Ahmed, kwam ook"),
    ("name", "het kind heet Zoë"),
    ("name", "pleegouders Van der Berg"),
    ("name", "the child Tom"),
    ("name", "dochter Anne-Marie"),
]

NEAR_MISSES = [
    "123456789",  # fails the elfproef
    "1234567820",  # ten digits
    "0,123456782",  # a decimal number
    "in 2011",
    "maart 2011",
    "12-13-2011",  # no thirteenth month
    "1234 AB",  # a postcode without a house number
    "in 2024 AI",
    "Hoofdstraat",
    "De Hoofdstraat is mooi",
    "3 organisaties en 6 werkgroepen",
    "versie 2.0.1",
    "0800 12",
    "kosten 1.234.567",
    "via @netwerk",
    "info@netwerkmetandereogen.nl",  # public, from contacts.yaml
    "het kind centraal",
    "de moeder-organisatie",
    "Kind en Gezin",
    "jongeren in de regio",
    "de ouders. Daarna",
    "de ouders\nAnne kwam later",  # a line break ends the search
    "cliënt X",
    "het gezin van de GGD",
    "de kinderen in Rotterdam",
    "moeder Maandag",
    "gezinnen: Jeugdzorg",
]


@pytest.mark.parametrize(("kind", "text"), HITS)
def test_detector_finds(guard: Guard, kind: str, text: str) -> None:
    assert kinds(guard, text) == {kind}, guard.scan(text)


@pytest.mark.parametrize("text", NEAR_MISSES)
def test_near_miss_is_no_hit(guard: Guard, text: str) -> None:
    assert guard.scan(text) == []


def test_hits_carry_kind_span_and_the_matched_text(guard: Guard) -> None:
    text = "Cliënt Jan de Vries, BSN 123456782."
    assert guard.scan(text) == [Hit("name", 7, 19, "Jan de Vries"), Hit("bsn", 25, 34, "123456782")]


def test_a_named_group_hit_reports_only_that_part(guard: Guard) -> None:
    (hit,) = guard.scan("Zij is geboren op 3 mei.")
    assert (hit.kind, hit.matched) == ("date", "3 mei")


def test_a_rejected_match_does_not_hide_a_valid_one() -> None:
    spec = GuardSpec(
        patterns=(GuardPattern("digits", "bsn", r"\d{9}", "elfproef", Where("guard.yaml", 1)),)
    )
    # "112345678" fails the elfproef; "123456782", one further, passes.
    assert [h.matched for h in Guard(spec).scan("1123456782")] == ["123456782"]


def test_names_after_a_title_or_initial_and_in_lists(guard: Guard) -> None:
    text = "de moeder, mevrouw J. El Amrani, en de kinderen Tim, Lotte en Sem"
    assert [h.matched for h in guard.scan(text)] == ["J. El Amrani", "Tim", "Lotte", "Sem"]


def test_the_name_window_is_limited() -> None:
    names = GuardNames(context=("moeder",), between=("van", "de"), window=1)
    guard = Guard(GuardSpec(names=names))
    assert guard.scan("moeder van Sanne")
    assert not guard.scan("moeder van de Sanne")


# --- redaction -------------------------------------------------------------------------


def test_redaction_in_each_language(guard: Guard) -> None:
    text = "Bel de moeder van Sanne op 06-12345678 of mail sanne@example.nl."
    assert (
        guard.redact(text) == "Bel de moeder van [verwijderd] op [verwijderd] of mail [verwijderd]."
    )
    assert guard.redact(text, "en") == "Bel de moeder van [removed] op [removed] of mail [removed]."
    assert guard.redact(text, "xx") == guard.redact(text, "nl")
    assert guard.redact("niets aan de hand") == "niets aan de hand"


def test_overlapping_hits_are_merged() -> None:
    where = Where("guard.yaml", 1)
    spec = GuardSpec(
        patterns=(
            GuardPattern("a", "phone", r"\d{4}", None, where),
            GuardPattern("b", "bsn", r"\d{2} \d{2}", None, where),
        )
    )
    guard = Guard(spec)
    hits = guard.scan("x 1234 56 y")
    assert [(h.kind, h.matched) for h in hits] == [("phone", "1234"), ("bsn", "34 56")]
    assert guard.redact("x 1234 56 y") == "x [verwijderd] y"
    assert merge_spans([Hit("a", 0, 2, ""), Hit("b", 2, 4, ""), Hit("c", 6, 7, "")]) == [
        (0, 4),
        (6, 7),
    ]


def test_the_street_and_the_postcode_of_one_address_become_one_redaction(guard: Guard) -> None:
    text = "Zij woont Hoofdstraat 12, 1234 AB Utrecht."
    assert [h.kind for h in guard.scan(text)] == ["address"]
    assert guard.redact(text) == "Zij woont [verwijderd] Utrecht."


def test_redact_accepts_the_hits_of_an_earlier_scan(guard: Guard) -> None:
    text = "cliënt Jan"
    hits = guard.scan(text)
    assert guard.redact(text, "nl", hits) == guard.redact(text) == "cliënt [verwijderd]"
    assert guard.redact(text, "nl", []) == text


def test_labels_name_each_kind_once_in_text_order(guard: Guard) -> None:
    hits = guard.scan("tel 06-12345678, BSN 123456782, mobiel 0612345678")
    assert guard.labels(hits, "nl") == ["een telefoonnummer", "een burgerservicenummer (BSN)"]
    assert guard.labels(hits, "en") == ["a phone number", "a citizen service number (BSN)"]
    assert Guard(GuardSpec()).labels([Hit("odd", 0, 1, "x")]) == ["odd"]


def test_the_guard_is_built_once_per_knowledge(knowledge: Knowledge) -> None:
    assert Guard.from_knowledge(knowledge) is Guard.from_knowledge(knowledge)


def test_an_empty_spec_finds_nothing() -> None:
    assert Guard(GuardSpec()).scan("BSN 123456782, cliënt Jan") == []


# --- any input: never raises, stays fast -----------------------------------------------

FRAGMENTS = [
    "cliënt ",
    "moeder van ",
    "Jan",
    " de ",
    "Vries",
    "J. ",
    "'s ",
    ", ",
    ". ",
    "\n",
    "123456782",
    "06-",
    "12345678",
    "+31 ",
    "1234 AB ",
    "12",
    "straat ",
    "Hoofd",
    "@",
    "example.nl",
    "geboren op ",
    "12 maart ",
    "2011",
    "-03-",
    "😀",
    "\x00",
    "\u200b",
    "\ud800",
]
ANY_CHARACTER = st.characters(codec=None, exclude_categories=())
ANY_TEXT = st.one_of(
    st.text(ANY_CHARACTER, max_size=300),
    st.lists(st.sampled_from(FRAGMENTS) | st.text(ANY_CHARACTER, max_size=4), max_size=60).map(
        "".join
    ),
    st.tuples(st.text(ANY_CHARACTER, min_size=1, max_size=12), st.integers(1, 10_000)).map(
        lambda t: (t[0] * (10_000 // len(t[0]) + 1))[: t[1]]
    ),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=ANY_TEXT, lang=st.sampled_from(["nl", "en", "", "de"]))
def test_any_text_is_scanned_and_redacted_without_error(text: str, lang: str) -> None:
    guard = Guard.from_knowledge(BUNDLED)
    hits = guard.scan(text)
    for hit in hits:
        assert 0 <= hit.start < hit.end <= len(text)
        assert text[hit.start : hit.end] == hit.matched
    assert hits == sorted(hits, key=lambda h: (h.start, h.end, h.kind))
    redacted = guard.redact(text, lang, hits)
    replacement = BUNDLED.guard.replacement.get(lang)
    spans = merge_spans(hits)
    assert len(redacted) == len(text) - sum(e - s for s, e in spans) + len(spans) * len(replacement)
    if not hits:
        assert redacted == text


ADVERSARIAL: list[tuple[str, str, int, str]] = [
    # (before, the repeated unit, how often at full length, after)
    ("", "1", 10_000, ""),
    ("", "1 ", 5_000, ""),
    ("", "1.", 5_000, ""),
    ("", "0", 9_999, "x"),
    ("", "+31", 3_333, ""),
    ("", "a", 10_000, ""),
    ("", "a.", 5_000, "@"),
    ("", "a@", 5_000, ""),
    ("@", "a", 9_999, ""),
    ("", "A", 10_000, ""),
    ("", "Aa ", 3_333, ""),
    ("", "Hoofdstraat", 900, ""),
    ("", "1234 AB ", 1_250, ""),
    ("", "12 maart ", 1_100, ""),
    ("", "geboren ", 1_250, ""),
    ("", "cliënt ", 1_400, ""),
    ("", "cliënt Jan ", 900, ""),
    ("kinderen ", "Tim, ", 2_000, ""),
    ("moeder ", "van ", 2_500, ""),
    ("cliënt Jan", " de", 3_000, " Vries"),
    ("", "J. ", 3_333, ""),
    ("", "Sanne's moeder ", 650, ""),
    ("", " ", 10_000, ""),
    ("", "\n", 10_000, ""),
    ("", "😀", 10_000, ""),
]


def _scan_seconds(guard: Guard, *texts: str) -> list[float]:
    """For each text, the best of five scans and redactions, taken in turns (a busy moment
    of the machine slows one of each, not all of one), with the garbage collector held off:
    a pause of the machine or a collection of the whole test run's heap is not the guard's."""
    best = [float("inf")] * len(texts)
    gc.disable()
    try:
        for _ in range(5):
            for index, text in enumerate(texts):
                started = time.perf_counter()
                guard.redact(text, "nl", guard.scan(text))
                best[index] = min(best[index], time.perf_counter() - started)
    finally:
        gc.enable()
    return best


@pytest.mark.parametrize(
    ("before", "unit", "count", "after"),
    ADVERSARIAL,
    ids=[repr(u[:12]) for _, u, _, _ in ADVERSARIAL],
)
def test_a_long_adversarial_text_is_scanned_in_time_linear_in_its_length(
    guard: Guard, before: str, unit: str, count: int, after: str
) -> None:
    """Four times the text takes about four times as long (a backtracking pattern takes 16
    times as long or more, and seconds at 10,000 characters): a ratio measured in one run,
    so a slow machine does not fail it and a fast one does not hide a quadratic scan."""
    quarter, whole = _scan_seconds(
        guard, before + unit * (count // 4) + after, before + unit * count + after
    )
    assert whole <= 10 * quarter + 0.005, f"{quarter * 1000:.1f} ms, then {whole * 1000:.1f} ms"


def test_a_catastrophic_pattern_is_caught_by_the_probe_before_it_hangs() -> None:
    started = time.perf_counter()
    seconds, probe = slowest_probe(re.compile(r"(a+)+$"), limit=0.005)
    assert seconds > 0.005 and len(probe) < 40
    assert time.perf_counter() - started < 2
    seconds, _ = slowest_probe(re.compile(r"\d{9}"), limit=0.005)
    assert seconds < 0.005


# --- check reports a broken guard.yaml at its file:line -------------------------------


def test_the_bundled_guard_passes_strict_check(knowledge_copy: Path) -> None:
    code, out = check(knowledge_copy, strict=True)
    assert code == 0, out
    assert "guard.yaml" not in out


def test_a_bad_regex_is_reported_at_its_line(knowledge_copy: Path) -> None:
    path = knowledge_copy / "interface" / "client_data_guard.yaml"
    text = path.read_text("utf-8")
    marker = "(?:straat|laan|weg"
    assert marker in text
    path.write_text(text.replace(marker, "(?:straat|laan|weg(", 1), "utf-8")
    line = line_of(path, r"weg\(\|")
    code, out = check(knowledge_copy)
    assert code == 1
    assert re.search(
        rf"^interface/client_data_guard\.yaml:{line}: "
        r"pattern 'street_with_number': bad regular expression: "
        r"missing \), unterminated subpattern at position \d+$",
        out,
        re.MULTILINE,
    ), out


def test_unknown_kind_check_and_missing_language_are_reported(knowledge_copy: Path) -> None:
    path = knowledge_copy / "interface" / "client_data_guard.yaml"
    text = path.read_text("utf-8")
    text = text.replace("    kind: phone\n", "    kind: telefoon\n", 1)
    text = text.replace("validate: elfproef", "validate: negenproef", 1)
    text = text.replace('  en: "[removed]"\n', "", 1)
    text = text.replace("    hits: [bsn]\n", "    hits: [bsnn]\n", 1)
    path.write_text(text, "utf-8")
    code, out = check(knowledge_copy)
    assert code == 1
    assert f"guard.yaml:{line_of(path, 'kind: telefoon')}: unknown kind 'telefoon'" in out
    assert f"guard.yaml:{line_of(path, 'negenproef')}: unknown check 'negenproef'" in out
    assert f"guard.yaml:{line_of(path, '^replacement:')}: 'replacement' is missing its 'en'" in out
    assert f"guard.yaml:{line_of(path, 'bsnn')}: unknown kind 'bsnn'" in out


def test_a_failing_example_is_reported_at_its_line(knowledge_copy: Path) -> None:
    path = knowledge_copy / "interface" / "client_data_guard.yaml"
    text = path.read_text("utf-8")
    old = '  - text: "3 organisaties en 6 werkgroepen"\n    hits: []\n'
    assert old in text
    path.write_text(text.replace(old, old.replace("hits: []", "hits: [phone]")), "utf-8")
    line = line_of(path, "3 organisaties en 6 werkgroepen")
    code, out = check(knowledge_copy)
    assert code == 1
    assert (
        f"guard.yaml:{line}: guard test failed: expected phone, got no hits "
        "in '3 organisaties en 6 werkgroepen'" in out
    ), out


def test_a_wrong_redaction_is_reported(knowledge_copy: Path) -> None:
    path = knowledge_copy / "interface" / "client_data_guard.yaml"
    text = path.read_text("utf-8")
    old = 'redacted: "Bel [verwijderd]"'
    assert old in text
    path.write_text(text.replace(old, 'redacted: "Bel [weg]"'), "utf-8")
    code, out = check(knowledge_copy)
    assert code == 1
    assert "guard test failed: expected redaction 'Bel [weg]', got 'Bel [verwijderd]'" in out


def test_a_slow_pattern_is_refused(knowledge_copy: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(knowledge.validator, "PROBE_LIMIT", 0.005)
    path = knowledge_copy / "interface" / "client_data_guard.yaml"
    path.write_text(
        path.read_text("utf-8").replace(
            "patterns:\n",
            "patterns:\n  - id: traag\n    kind: name\n    regex: '(a+)+$'\n",
            1,
        ),
        "utf-8",
    )
    code, out = check(knowledge_copy)
    assert code == 1
    assert f"guard.yaml:{line_of(path, 'id: traag')}: pattern 'traag' takes" in out


def test_an_untested_kind_is_a_warning(knowledge_copy: Path) -> None:
    path = knowledge_copy / "interface" / "client_data_guard.yaml"
    path.write_text(
        path.read_text("utf-8").replace(
            "kinds:\n", "kinds:\n  - id: iban\n    label: {nl: een IBAN, en: an IBAN}\n", 1
        ),
        "utf-8",
    )
    assert check(knowledge_copy)[0] == 0
    code, out = check(knowledge_copy, strict=True)
    assert code == 1
    assert f"guard.yaml:{line_of(path, 'id: iban')}: warning: guard kind 'iban'" in out


def test_knowledge_repr_leaks_no_example_client_data() -> None:
    assert "06-12345678" not in repr(BUNDLED)
    assert BUNDLED.guard.replacement == Text("[verwijderd]", "[removed]")


@pytest.mark.parametrize(
    ("text", "shared"),
    [
        ("Mevrouw Jansen blokkeert alles.", "[verwijderd] blokkeert alles."),
        ("dhr. de Vries en mw. J. el Amrani", "[verwijderd] en [verwijderd]"),
        ("Mr Smith agreed", "[verwijderd] agreed"),
        ("mevrouw de voorzitter en de heer is", "mevrouw de voorzitter en de heer is"),
    ],
)
def test_a_titled_name_is_replaced_only_in_a_text_to_share(
    knowledge: Knowledge, text: str, shared: str
) -> None:
    """Review 6, F17: the user's own reflection keeps a colleague's name; a shared one not."""
    from knowledge.guard import shared_version

    guard = Guard.from_knowledge(knowledge)
    assert guard.scan(text) == []
    assert shared_version(knowledge, "nl", text) == shared
