""" "Waarom": the explanations are true to what the user answered and to the screen itself
(review 6, F5 and F28)."""

from __future__ import annotations

import itertools
import re

import pytest

from flows.advice import cards
from flows.screens import Say
from knowledge.engine import Advice, Engine
from knowledge.model import LANGUAGES, Knowledge
from knowledge.validator import core_walk, extended_walk
from tests.knowledge_helpers import why_screen

F5 = {
    "size": "groot",
    "subgroups": "enkele",
    "sturingsvorm": "leidende_organisatie",
    "rol": "zorg_jeugdhulp",
    "mandate": "beperkt",
    "interests": "hoog",
    "vertrouwen": "wisselend",
    "draagvlak_intern": "wisselend",
    "fase": "herijking",
    "knelpunt": "netwerk_en_partners",
}
F28 = {
    "size": "zeer_groot",
    "subgroups": "veel",
    "sturingsvorm": "leidende_organisatie",
    "rol": "onderwijs",
    "mandate": "geen",
}


def _sections(text: str, advice: Advice, lang: str) -> list[str]:
    top = advice.top()
    heads = [text.index(f"{rank}. {s.dilemma.title.get(lang)}") for rank, s in enumerate(top, 1)]
    return [text[h : heads[i + 1] if i + 1 < len(heads) else None] for i, h in enumerate(heads)]


def _references(say: Say, section: str) -> list[int]:
    """The ranks a back-reference in ``section`` names ("bij 1 en 2 hierboven")."""
    found: list[int] = []
    for key in ("why_same", "why_also"):
        before, after = say.label(key, ranks="\x00").split("\x00")
        match = re.search(re.escape(before.lstrip("• ")) + r"(.+?)" + re.escape(after), section)
        if match:
            words = match.group(1)
            conj = say.label("word_and")
            assert re.fullmatch(rf"\d+|(\d+, )*\d+ {conj} \d+", words), words
            found += [int(n) for n in re.findall(r"\d+", words)]
    return found


def _check_screen(say: Say, knowledge: Knowledge, advice: Advice, lang: str) -> None:
    text = why_screen(say, knowledge, advice).plain
    sections = _sections(text, advice, lang)
    for index, (scored, section) in enumerate(zip(advice.top(), sections, strict=True)):
        refs = _references(say, section)
        for rank in refs:
            # A back-reference only to a dilemma above that shows one of this one's reasons.
            assert rank <= index, (advice.profile, index, rank)
            above = sections[rank - 1]
            assert any(say.plain(r.because) in above for r in scored.reasons), (rank, section)
        if not scored.reasons:
            continue
        strongest = say.plain(scored.reasons[0].because)
        if strongest not in section:
            assert any(strongest in sections[rank - 1] for rank in refs), (advice.profile, index)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_each_dilemma_shows_its_strongest_reason_and_refers_only_to_what_is_shown(
    knowledge: Knowledge, lang: str
) -> None:
    engine = Engine(knowledge)
    say = Say(knowledge, lang)
    for profile in itertools.chain(
        core_walk(knowledge), itertools.islice(extended_walk(knowledge), 0, None, 7), [F5]
    ):
        _check_screen(say, knowledge, engine.advise(profile), lang)


def test_the_review_profile_sees_why_room_to_act_fits(knowledge: Knowledge) -> None:
    engine = Engine(knowledge)
    say = Say(knowledge, "en")
    advice = engine.advise(F5)
    text = why_screen(say, knowledge, advice).plain
    handeling = next(
        i for i, s in enumerate(advice.top()) if s.dilemma.id == "handelingsruimte_vs_draagvlak"
    )
    sections = _sections(text, advice, "en")
    # Its strongest reason is on screen: under it, or under the dilemma its reference names.
    shown_under = [i for i, section in enumerate(sections) if "Your mandate is limited" in section]
    assert shown_under, text
    if shown_under[0] != handeling:
        assert f"under {shown_under[0] + 1} above" in sections[handeling], text
    _check_screen(say, knowledge, advice, "en")
    assert "outside the workshop material" not in text
    assert ", 2 above" not in text


@pytest.mark.parametrize("lang", LANGUAGES)
def test_no_mandate_is_not_called_an_unclear_one(knowledge: Knowledge, lang: str) -> None:
    engine = Engine(knowledge)
    say = Say(knowledge, lang)
    scored = engine.advise(F28).find("sturen_in_vs_vanuit_netwerk")
    assert scored is not None
    page = "".join(
        s.text
        for s in cards.dilemma_page(say, cards.DilemmaView(say, scored.dilemma, scored), "reasons")
    )
    assert "weet niet goed" not in page and "not sure what you may decide" not in page
    assert "geen eigen mandaat" in page or "no mandate of your own" in page
    # Claims the user did not make: who leads, and that it is not them.
    assert "dat bent u niet" not in page and "it is not you" not in page
    assert "gemeente" not in page.replace("jeugdhulpnetwerken", "")
    assert "municipality" not in page
    # Blanken's finding on the lead organisation once, not twice.
    assert page.count("minderheid") + page.count("minority") == 1, page


def test_each_mandate_value_gets_its_own_words(knowledge: Knowledge) -> None:
    engine = Engine(knowledge)
    say = Say(knowledge, "nl")
    onduidelijk = engine.advise({**F28, "mandate": "onduidelijk"}).find(
        "sturen_in_vs_vanuit_netwerk"
    )
    assert onduidelijk is not None
    assert any("weet niet goed" in say.plain(r.because) for r in onduidelijk.reasons)


def test_the_municipality_is_the_one_that_lacked_a_central_place(knowledge: Knowledge) -> None:
    """Review 6, F9: "en miste zij" read as the minority; the seed says the municipality."""
    dilemma = next(d for d in knowledge.dilemmas if d.id == "sturen_in_vs_vanuit_netwerk")
    text = dilemma.explanation.get("nl")
    assert "miste zij" not in text and "miste de gemeente een centrale plek" in text
