""" "Waarom dit advies?" over many intakes driven through the real conversation: every option
of every question, skipped answers, random combinations and re-checks, in Dutch and
English. Each screen says each fact once, fits a phone, shows no internal ids, and names
only answers the user gave (after a re-check: the latest)."""

from __future__ import annotations

import itertools
import random
import re
from collections import Counter
from collections.abc import Iterator

import pytest

from flows.advisor import AdvisorFlow
from flows.definition import FLOW_VERSION
from flows.events import StoredState
from flows.screens import Say, answer_label, question_name
from knowledge.engine import Engine
from knowledge.model import LANGUAGES, Knowledge
from tests.flow_helpers import command, press, run

LIMIT = 1200
SNAKE = re.compile(r"\b[a-z]+(?:_[a-z]+)+\b")
SENTENCE = re.compile(r"(?<=[.?!])\s+|\n+")

Choice = str | None
"""An option id, ``None`` to skip, ``""`` to keep the answer ticked (a re-check)."""


def _intake(flow: AdvisorFlow, state: StoredState, pick: dict[str, Choice]) -> StoredState:
    """Answer the intake from ``state`` as ``pick`` says (skip what it leaves out) up to
    the advice; every question the conversation asks, in its order."""
    for _ in range(20):
        if not state.state.startswith("q_"):
            break
        question = state.state.removeprefix("q_")
        choice = pick.get(question)
        tail = "_skip" if choice is None else "_same" if choice == "" else choice
        state, _ = run(flow, state, press(f"1:{question}:{tail}"))
    if state.state != "advice":
        state, _ = run(flow, state, command("advies"))
    assert state.state == "advice", state.state
    return state


def _why(flow: AdvisorFlow, state: StoredState) -> str:
    state, outcome = run(flow, state, press("1:a:why"))
    assert state.state == "why", state.state
    return outcome.replies[-1].plain


def _picks(knowledge: Knowledge) -> Iterator[dict[str, Choice]]:
    """Every option of every question beside varied others; everything skipped; random."""
    questions = knowledge.intake
    for question in questions:
        for index, option in enumerate(question.options):
            pick: dict[str, Choice] = {
                q.id: q.options[(index + n) % len(q.options)].id for n, q in enumerate(questions)
            }
            yield {**pick, question.id: option.id}
            yield {**{q.id: None for q in questions}, question.id: option.id}
    yield {}
    rng = random.Random(9)
    for _ in range(120):
        yield {q.id: None if rng.random() < 0.25 else rng.choice(q.options).id for q in questions}


def _check(knowledge: Knowledge, lang: str, text: str, answers: dict[str, str]) -> None:
    say = Say(knowledge, lang)
    what = (lang, answers, text)
    assert len(text) <= LIMIT, (len(text), what)
    assert not SNAKE.search(text), (SNAKE.search(text), what)
    assert "(score" not in text and "(regel" not in text and "(rule" not in text, what
    for dilemma in knowledge.dilemmas:
        assert dilemma.id not in text, (dilemma.id, what)
    # A line ending in a colon leads to a list.
    lines = [line for line in text.splitlines() if line.strip()]
    for line, after in itertools.pairwise(lines):
        if line.endswith(":"):
            assert after.startswith("• "), (line, after, what)
    # No sentence twice. A pointer up ("Om dezelfde reden als bij 1 hierboven") states no
    # fact: two dilemmas may each point at the same one.
    pointers = [say.label(k, ranks="\x00").split("\x00")[0] for k in ("why_same", "why_also")]
    sentences = Counter(
        s.strip().lstrip("• ").strip()
        for s in SENTENCE.split(text)
        if len(s.strip()) > 3 and not any(s.strip().startswith(p.strip()) for p in pointers)
    )
    assert not [s for s, n in sentences.items() if n > 1], (sentences.most_common(2), what)
    # No rule's reason twice; no answer restated by two reasons, unless both are the
    # strongest reason of a dilemma (always on screen).
    shown = [rule for rule in knowledge.rules if say.plain(rule.because) in text]
    for rule in shown:
        assert text.count(say.plain(rule.because)) == 1, (rule.id, what)
    advice = Engine(knowledge).advise(answers)
    strongest = {s.reasons[0].rule for s in advice.top() if s.reasons}
    for one, other in itertools.combinations(shown, 2):
        if one.when.dims & other.when.dims:
            assert {one.id, other.id} <= strongest, (one.id, other.id, what)
    # The answers named are the user's latest, each once.
    profile = Engine(knowledge).effective_profile(answers)
    named: Counter[str] = Counter()
    for question in knowledge.intake:
        head = f"• {question_name(say, question)}: "
        for line in text.splitlines():
            if line.startswith(head):
                named[question.id] += 1
                assert question.id in profile, (question.id, what)
                assert line == head + answer_label(say, question, profile[question.id]), what
    assert all(n == 1 for n in named.values()), (named, what)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_why_after_every_kind_of_intake(knowledge: Knowledge, lang: str) -> None:
    flow = AdvisorFlow(knowledge)
    start = StoredState(state="q_size", flow_version=FLOW_VERSION, lang=lang, consent=True)
    seen = 0
    for pick in _picks(knowledge):
        state = _intake(flow, start, pick)
        _check(knowledge, lang, _why(flow, state), dict(state.answers))
        seen += 1
    assert seen > 150


@pytest.mark.parametrize("lang", LANGUAGES)
def test_why_after_a_recheck_names_the_latest_answers(knowledge: Knowledge, lang: str) -> None:
    flow = AdvisorFlow(knowledge)
    start = StoredState(state="q_size", flow_version=FLOW_VERSION, lang=lang, consent=True)
    rng = random.Random(13)
    for _ in range(60):
        first = {q.id: rng.choice(q.options).id for q in knowledge.intake}
        state = _intake(flow, start, first)
        state = state.__class__(**{**state.__dict__, "data": {**state.data, "advised": first}})
        state, _ = run(flow, state, press("1:t:recheck"))
        assert state.state == "q_size", state.state
        again: dict[str, Choice] = {
            q.id: rng.choice(["", None, rng.choice(q.options).id]) for q in knowledge.intake
        }
        state = _intake(flow, state, again)
        profile = Engine(knowledge).effective_profile(state.answers)
        for question, choice in again.items():
            if choice and question in profile:
                assert profile[question] == choice, (question, state.answers)
        _check(knowledge, lang, _why(flow, state), dict(state.answers))


RANGES = {"size", "subgroups"}
"""Answers a reason may name as a range or a group: "meer dan dertig organisaties",
"met subgroepen"."""
UNNAMED = {"rol", "sturingsvorm"}
"""Answers a rule may exclude without its reason naming them ("not the municipality")."""


def test_a_reason_names_only_the_answer_given(knowledge: Knowledge) -> None:
    """A rule that fires for two answers to one question would name both ("afwezig of
    onduidelijk"), one of which the user did not give: one rule per answer instead."""
    rng = random.Random(5)
    dims = knowledge.dimensions
    labels = {
        q.id: [o.label.get(lang).lower() for o in q.options for lang in LANGUAGES]
        for q in knowledge.intake
    }
    for rule in knowledge.rules:
        for _ in range(2000):
            profile = {d: v for d, vs in dims.items() if (v := rng.choice([*vs, None]))}
            if not rule.when(profile):
                continue
            for dim in rule.when.dims & set(profile) - RANGES:
                others = [v for v in dims[dim] if v != profile[dim]]
                if any(rule.when({**profile, dim: v}) for v in others):
                    assert dim in UNNAMED, (rule.id, dim)
                    because = " ".join(rule.because.get(lang).lower() for lang in LANGUAGES)
                    assert not any(label in because for label in labels[dim]), (rule.id, dim)
