"""The "one A4" handout fits one page for the longest realistic content, contacts and
footer included, and its concrete steps fit the user's answers (review 6, F24 and F40)."""

from __future__ import annotations

import io
import itertools
from datetime import date

import pytest
from pypdf import PdfReader

from bot.app.handouts import render
from flows.handout.content import MAX_REFLECTION_CHARS, Handout, PickedReflection, handout
from flows.replies import Span
from flows.screens import Say
from knowledge.engine import Engine
from knowledge.model import LANGUAGES, Knowledge
from knowledge.validator import extended_walk

DAY = date(2026, 12, 6)
ALICE = {
    "size": "zeer_groot",
    "subgroups": "veel",
    "sturingsvorm": "leidende_organisatie",
    "rol": "onderwijs",
    "mandate": "geen",
    "interests": "hoog",
}


def _content(knowledge: Knowledge, say: Say, answers: dict[str, str], **extra: object) -> Handout:
    engine = Engine(knowledge)
    advice = engine.advise(answers)
    asked = [q for q in knowledge.intake if q.ask_if(advice.profile)]
    return handout(say, advice, asked, answers, DAY, **extra)  # type: ignore[arg-type]


def _size(content: Handout) -> int:
    return sum(len(s.text) for sec in content.sections for b in sec.blocks for s in b.spans)


def _text(pdf: bytes) -> tuple[int, str]:
    reader = PdfReader(io.BytesIO(pdf))
    text = " ".join(page.extract_text() for page in reader.pages)
    return len(reader.pages), " ".join(text.split())


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_longest_handout_is_one_page_with_its_contacts_and_footer(
    knowledge: Knowledge, lang: str
) -> None:
    say = Say(knowledge, lang)
    # The longest change paragraph a recheck gives is about this long (review 6, F24).
    change = [
        Span("Sinds uw eerste advies op 12 maart 2026: " + "Omvang 10 tot 30 → 31 tot 65; " * 12)
    ]
    extra = {
        "name": "Mw. A. van den Berg-Schoonhoven",
        "reflections": [
            PickedReflection("Inclusief versus efficiënt", DAY, "x " * MAX_REFLECTION_CHARS)
        ],
        "change": change,
        "answered": date(2026, 3, 12),
    }
    profiles = itertools.chain(itertools.islice(extended_walk(knowledge), 0, None, 97), [ALICE])
    longest = max(
        (_content(knowledge, say, p, **extra) for p in profiles),  # type: ignore[arg-type]
        key=_size,
    )
    pages, text = _text(render(longest, DAY))
    assert pages == 1, _size(longest)
    contacts = next(s for s in longest.sections if s.heading == say.label("handout_sources"))
    first = "".join(s.text for s in contacts.blocks[0].spans)
    assert " ".join(first.split())[:30] in text
    assert " ".join(longest.footer.split()) in text


def test_a_board_member_without_mandate_is_not_told_to_give_mandate(knowledge: Knowledge) -> None:
    say = Say(knowledge, "nl")
    content = _content(knowledge, say, ALICE)
    section = next(s for s in content.sections if s.heading == say.label("handout_action"))
    text = " ".join("".join(s.text for s in b.spans) for b in section.blocks)
    assert "Geef de mensen die namens u in het netwerk zitten" not in text
    advice = Engine(knowledge).advise(ALICE)
    for scored in advice.top():
        if scored.actions:
            step = scored.dilemma.steps.get(scored.actions[0].id)
            assert step is not None and " ".join(step.get("nl").split())[:40] in " ".join(
                text.split()
            )
