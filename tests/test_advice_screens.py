"""Screens for a phone: at most 1,200 characters, free of ids and scores, nothing twice."""

from __future__ import annotations

import functools
import itertools
import re
from dataclasses import replace

import pytest

from flows.advice import cards
from flows.advisor import AdvisorFlow
from flows.checks import fullest
from flows.events import Event, StoredState
from flows.replies import Reply, Span, led
from flows.screens import Say
from knowledge.engine import Engine
from knowledge.model import LANGUAGES, Knowledge
from knowledge.validator import core_walk, extended_walk
from tests.knowledge_helpers import why_screen

LIMIT = 1200
_ID = re.compile(r"\b[a-z]+(?:_[a-z]+)+\b")
"""A snake_case word: how internal ids (rules, dilemmas, questions) look."""


def _clean(reply: Reply, what: object) -> None:
    text = reply.plain
    assert len(text) <= LIMIT, (what, len(text))
    assert "(score" not in text and "(regel" not in text and "(rule" not in text, what
    assert not _ID.search(text), (what, _ID.search(text))


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_page_of_every_dilemma_fits_a_phone(knowledge: Knowledge, lang: str) -> None:
    say = Say(knowledge, lang)
    for dilemma in knowledge.dilemmas:
        worst = fullest(knowledge, dilemma)
        for page in ("main", *cards.PAGES):
            _clean(cards.detail(say, dilemma, worst, page), (dilemma.id, page))
            _clean(cards.browse_detail(say, dilemma, page), (dilemma.id, page))


@pytest.mark.parametrize("lang", LANGUAGES)
def test_advice_and_why_fit_a_phone_for_every_core_profile(knowledge: Knowledge, lang: str) -> None:
    engine = Engine(knowledge)
    say = Say(knowledge, lang)
    for profile in core_walk(knowledge):
        advice = cards.advice(say, engine.advise(profile))
        _clean(advice, profile)
        assert advice.plain.count("Netwerk Met Andere Ogen") <= 1, profile
        _clean(why_screen(say, knowledge, engine.advise(profile)), profile)


def test_advice_and_why_fit_with_optional_answers_too(knowledge: Knowledge) -> None:
    engine = Engine(knowledge)
    for lang in LANGUAGES:
        say = Say(knowledge, lang)
        for profile in itertools.islice(extended_walk(knowledge), 0, None, 5):
            _clean(cards.advice(say, engine.advise(profile)), profile)
            _clean(why_screen(say, knowledge, engine.advise(profile)), profile)


def test_why_gives_each_reason_once(knowledge: Knowledge) -> None:
    engine = Engine(knowledge)
    say = Say(knowledge, "nl")
    profile = {"size": "groot", "subgroups": "veel", "knelpunt": "tussen_subgroepen"}
    text = why_screen(say, knowledge, engine.advise(profile)).plain
    for rule in knowledge.rules:
        assert text.count(say.plain(rule.because)) <= 1, rule.id
    assert text.count("spanning tussen de subgroepen") <= 1


def test_advice_after_everything_skipped_does_not_claim_the_answers(
    knowledge: Knowledge,
) -> None:
    engine = Engine(knowledge)
    for lang, claim in (("nl", "op basis van uw antwoorden"), ("en", "based on your answers")):
        say = Say(knowledge, lang)
        skipped = cards.advice(say, engine.advise({})).plain.lower()
        assert claim not in skipped
        answered = cards.advice(say, engine.advise({"size": "groot"})).plain.lower()
        assert claim in answered


def test_each_advice_ends_with_a_question_for_the_next_meeting(knowledge: Knowledge) -> None:
    engine = Engine(knowledge)
    say = Say(knowledge, "nl")
    for profile in itertools.islice(core_walk(knowledge), 0, None, 9):
        advice = engine.advise(profile)
        meeting = advice.top()[0].dilemma.meeting
        assert meeting is not None
        assert say.plain(meeting) in cards.advice(say, advice).plain


def test_a_dilemma_opens_on_this_months_step(knowledge: Knowledge) -> None:
    say = Say(knowledge, "nl")
    for dilemma in knowledge.dilemmas:
        first = dilemma.actions[0]
        step = dilemma.steps[first]
        assert "deze maand" in step.nl.lower() or "volgende overleg" in step.nl.lower()
        assert say.plain(step) in cards.browse_detail(say, dilemma).plain


def test_the_question_count_stays_put_when_a_follow_up_appears(knowledge: Knowledge) -> None:
    """The numbered questions are the contract's (at most 7); the follow-up about the
    subgroups is a deepening one after them, so the count does not move (review item 13)."""
    flow = AdvisorFlow(knowledge)
    state = StoredState(state="q_size", flow_version=1, consent=True)
    seen = []
    for press in ("1:size:groot", "1:subgroups:enkele"):
        outcome = flow.handle(state, Event("action", press))
        state = outcome.state
        seen.append(outcome.replies[-1].plain)
    assert "Vraag 2 van 7" in seen[0]
    assert "Vraag 3 van 7" in seen[1] and state.state == "q_sturingsvorm"
    # Low interests: the trust question is not asked, and the deepening ones follow.
    state = StoredState(
        state="q_interests", flow_version=1, consent=True, answers={"subgroups": "enkele"}
    )
    outcome = flow.handle(state, Event("action", "1:interests:laag"))
    assert outcome.state.state == "q_bestuurlijke_subgroep"
    assert "Verdiepende vraag 1 van 4 (optioneel)" in outcome.replies[-1].plain
    assert "1:bestuurlijke_subgroep:_advice" in [
        b.action for row in outcome.replies[-1].buttons for b in row
    ]


def _leads(say: Say, knowledge: Knowledge) -> dict[str, list[Span]]:
    """What the conversation puts before a screen: an answer changed, an answer noted
    (the longest option), a return, a reflection saved."""
    longest = max((say.plain(o.label) for q in knowledge.intake for o in q.options), key=len)
    return {
        "advice_updated": say("advice_updated"),
        "understood": say("understood", answer=longest),
        "welcome_back": say("welcome_back"),
        "note_saved": say("note_saved", text="Bespreken in het volgende overleg."),
    }


@pytest.mark.parametrize("lang", LANGUAGES)
def test_screens_fit_a_phone_with_what_leads_them(knowledge: Knowledge, lang: str) -> None:
    """The whole message is fitted, the line before the screen included."""
    engine = Engine(knowledge)
    say = Say(knowledge, lang)
    leads = _leads(say, knowledge)
    for profile in core_walk(knowledge):
        advice = engine.advise(profile)
        top = advice.top()[0]
        for name, lead in leads.items():
            what = (name, profile)
            _clean(led(lead, functools.partial(cards.advice, say, advice), LIMIT), what)
            for page in ("main", *cards.PAGES):
                detail = functools.partial(cards.detail, say, top.dilemma, top, page)
                _clean(led(lead, detail, LIMIT), (*what, page))


def test_the_advice_after_changing_an_answer_fits_a_phone(knowledge: Knowledge) -> None:
    """The reviewer's path: change the mandate from the advice; the recalculated advice,
    "Uw antwoord is aangepast" included, is one phone screen."""
    flow = AdvisorFlow(knowledge)
    mandate = next(q for q in knowledge.intake if q.id == "mandate")
    for lang in LANGUAGES:
        for profile in itertools.islice(core_walk(knowledge), 0, None, 3):
            state = StoredState(state="advice", flow_version=1, lang=lang, consent=True)
            state = replace(state, answers=dict(profile))
            state = flow.handle(state, Event("action", "1:a:edit:mandate")).state
            other = next(o.id for o in mandate.options if o.id != profile.get("mandate"))
            outcome = flow.handle(state, Event("action", f"1:mandate:{other}"))
            shown = outcome.replies[-1]
            assert Say(knowledge, lang).label("advice_updated") in shown.plain, profile
            _clean(shown, (lang, profile))


@pytest.mark.parametrize("lang", LANGUAGES)
def test_why_gives_every_top_dilemma_a_reason(knowledge: Knowledge, lang: str) -> None:
    """No dilemma on "Waarom" with only "Meer redenen": each gets its first reason before
    any gets a second, and no room is held back for notes that are not shown."""
    engine = Engine(knowledge)
    say = Say(knowledge, lang)
    for profile in core_walk(knowledge):
        advice = engine.advise(profile)
        text = why_screen(say, knowledge, engine.advise(profile)).plain
        top = advice.top()
        heads = [
            text.index(f"{rank}. {s.dilemma.title.get(lang)}") for rank, s in enumerate(top, 1)
        ]
        given: set[str] = set()
        for rank, scored in enumerate(top):
            section = text[heads[rank] : heads[rank + 1] if rank + 1 < len(top) else None]
            new = [r for r in scored.reasons if r.rule not in given]
            given.update(r.rule for r in new)
            if new:
                assert any(say.plain(r.because) in section for r in new), (profile, rank)
            elif scored.reasons:
                # A sentence naming where the reason stands, not a loose fragment.
                assert say.label("why_same", ranks="")[:12] in section, (profile, rank)
                assert "hierboven" in section or "above" in section, (profile, rank)


def test_the_first_advice_after_the_intake_keeps_the_contact_line(knowledge: Knowledge) -> None:
    """Review 6, F6: "Genoteerd: …" before the first advice took the contact pointer's room;
    the contact stays and something optional gives way."""
    flow = AdvisorFlow(knowledge)
    engine = Engine(knowledge)
    last = knowledge.intake[-1]
    for lang in LANGUAGES:
        say = Say(knowledge, lang)
        for profile in itertools.islice(core_walk(knowledge), 0, None, 7):
            answers = {"vertrouwen": "wisselend", "draagvlak_intern": "wisselend"} | profile
            state = StoredState(state=f"q_{last.id}", flow_version=1, lang=lang, consent=True)
            state = replace(state, answers=answers)
            option = last.options[-1]
            # Typed, so the advice is led by "Genoteerd: …".
            typed = Event("text", option.label.get(lang))
            shown = flow.handle(state, typed).replies[-1]
            assert say.label("understood", answer="")[:5] in shown.plain, shown.plain
            reopened = cards.advice(say, engine.advise({**answers, last.id: option.id}))
            if "Netwerk Met Andere Ogen" in reopened.plain:
                assert "Netwerk Met Andere Ogen" in shown.plain, (lang, profile, shown.plain)
            _clean(shown, (lang, profile))
