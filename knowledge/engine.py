"""The rule engine: a profile in, ranked and explained dilemmas out. Pure and deterministic.

A dilemma's score is the sum of the weights of the rules that fire for it. Advice is every
dilemma with a positive score, highest score first; ties go to the dilemma listed first in
``content/dilemmas.yaml``. Each dilemma carries the reasons (rule id and ``because``) that
raised it, its own reflection questions and those a fired rule adds for it (never a rule's
questions for its other dilemmas), less the questions whose ``ask_if`` the profile does not
meet, and the sources of the dilemma and of the rules behind it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TypeVar

from knowledge.conditions import Profile, compiled
from knowledge.model import Action, Contact, Dilemma, Knowledge, ReflectionQuestion, Text
from knowledge.problems import UnknownProfileValue

TOP_N = 3
"""How many dilemmas the advice shows first."""
T = TypeVar("T")


def _once(items: tuple[T, ...]) -> tuple[T, ...]:
    """``items`` without repeats, in order. Each object of a knowledge base is one object
    (an id names one), so identity is enough, and cheaper than hashing the dataclass."""
    seen: set[int] = set()
    kept: list[T] = []
    for item in items:
        if id(item) not in seen:
            seen.add(id(item))
            kept.append(item)
    return tuple(kept)


@dataclass(frozen=True, slots=True)
class Reason:
    rule: str
    because: Text


@dataclass(frozen=True, slots=True)
class ScoredDilemma:
    dilemma: Dilemma
    score: int
    reasons: tuple[Reason, ...]
    questions: tuple[ReflectionQuestion, ...]
    actions: tuple[Action, ...]
    contacts: tuple[Contact, ...]
    sources: tuple[Contact, ...] = ()


@dataclass(frozen=True, slots=True)
class Advice:
    profile: Mapping[str, str]
    ranked: tuple[ScoredDilemma, ...]

    def top(self, n: int = TOP_N) -> tuple[ScoredDilemma, ...]:
        """The ``n`` best-fitting dilemmas."""
        return self.ranked[:n]

    def find(self, dilemma_id: str) -> ScoredDilemma | None:
        """The scored entry of one dilemma, if it is in the advice."""
        for scored in self.ranked:
            if scored.dilemma.id == dilemma_id:
                return scored
        return None


class Engine:
    """Advice over one knowledge base; build once, call :meth:`advise` per profile.

    Everything that does not depend on the profile (objects behind ids, rule weights) is
    resolved here once, so a decision is one pass over the rules plus a sort.
    """

    def __init__(self, knowledge: Knowledge) -> None:
        self.knowledge = knowledge
        k = knowledge
        self._order = {d.id: i for i, d in enumerate(k.dilemmas)}
        self._dimensions = k.dimensions
        self._rules = tuple(
            (
                compiled(rule.when),
                tuple((d, w) for d, w in rule.dilemmas.items() if d in self._order),
                Reason(rule.id, rule.because),
                {
                    d: tuple(k.questions[q] for q in ids if q in k.questions)
                    for d, ids in rule.questions.items()
                },
                {
                    d: tuple(k.contacts[c] for c in ids if c in k.contacts)
                    for d, ids in rule.contacts.items()
                },
                tuple(k.contacts[c] for c in rule.sources if c in k.contacts),
            )
            for rule in k.rules
        )
        self._linked = {
            d.id: (
                d,
                tuple(k.questions[q] for q in d.questions if q in k.questions),
                tuple(k.actions[a] for a in d.actions if a in k.actions),
                tuple(k.contacts[c] for c in d.contacts if c in k.contacts),
                tuple(k.contacts[c] for c in d.sources if c in k.contacts),
            )
            for d in k.dilemmas
        }

    def check_profile(self, profile: Profile) -> None:
        """Raise :class:`UnknownProfileValue` naming the valid ids if ``profile`` has a bad one."""
        for dim, value in profile.items():
            if dim not in self._dimensions:
                known = ", ".join(self._dimensions)
                raise UnknownProfileValue(f"unknown dimension '{dim}' (known: {known})")
            if value not in self._dimensions[dim]:
                valid = ", ".join(self._dimensions[dim])
                raise UnknownProfileValue(f"'{value}' is not a value of '{dim}' (valid: {valid})")

    def effective_profile(self, answers: Profile) -> dict[str, str]:
        """The answers that count: known values of questions whose ``ask_if`` holds."""
        profile: dict[str, str] = {}
        for question in self.knowledge.intake:
            value = answers.get(question.id)
            if value is not None and question.counts(str(value), profile):
                profile[question.id] = str(value)
        return profile

    def scores(self, profile: Profile) -> list[tuple[str, int]]:
        """Dilemma ids with positive scores, best first (the fast path used by the walk)."""
        totals: dict[str, int] = {}
        for when, weights, *_ in self._rules:
            if when(profile):
                for dilemma_id, weight in weights:
                    totals[dilemma_id] = totals.get(dilemma_id, 0) + weight
        ranked = [(d, s) for d, s in totals.items() if s > 0]
        ranked.sort(key=lambda item: (-item[1], self._order[item[0]]))
        return ranked

    def advise(self, answers: Profile) -> Advice:
        """Ranked, explained advice for a (possibly partial) profile."""
        profile = self.effective_profile(answers)
        totals: dict[str, int] = {}
        reasons: dict[str, list[tuple[int, Reason]]] = {}
        extra_questions: dict[str, list[ReflectionQuestion]] = {}
        extra_contacts: dict[str, list[Contact]] = {}
        extra_sources: dict[str, list[Contact]] = {}
        for when, weights, reason, questions, contacts, sources in self._rules:
            if not when(profile):
                continue
            for dilemma_id, weight in weights:
                totals[dilemma_id] = totals.get(dilemma_id, 0) + weight
                reasons.setdefault(dilemma_id, []).append((weight, reason))
                extra_questions.setdefault(dilemma_id, []).extend(questions.get(dilemma_id, ()))
                extra_contacts.setdefault(dilemma_id, []).extend(contacts.get(dilemma_id, ()))
                extra_sources.setdefault(dilemma_id, []).extend(sources)
        order = self._order
        ranked_ids = sorted(
            (d for d, s in totals.items() if s > 0), key=lambda d: (-totals[d], order[d])
        )
        result = []
        for dilemma_id in ranked_ids:
            dilemma, own_questions, actions, own_contacts, own_sources = self._linked[dilemma_id]
            # A rule's questions first: they are the ones this profile called for.
            fitting = tuple(
                q for q in _once((*extra_questions[dilemma_id], *own_questions)) if q.fits(profile)
            )
            result.append(
                ScoredDilemma(
                    dilemma,
                    totals[dilemma_id],
                    _strongest_first(reasons[dilemma_id]),
                    fitting,
                    actions,
                    _once((*own_contacts, *extra_contacts[dilemma_id])),
                    _once((*own_sources, *extra_sources[dilemma_id])),
                )
            )
        return Advice(profile=profile, ranked=tuple(result))


def _strongest_first(weighed: list[tuple[int, Reason]]) -> tuple[Reason, ...]:
    """A dilemma's reasons by the weight their rule gave it, strongest first (rule order
    among equals): what "Waarom" and ``advise`` show first is what counted most."""
    return tuple(reason for _, reason in sorted(weighed, key=lambda item: -item[0]))
