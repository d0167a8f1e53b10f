"""The rule engine: a profile in, ranked and explained dilemmas out. Pure and deterministic.

A dilemma's score is the sum of the weights of the rules that fire for it. Advice is every
dilemma with a positive score, highest score first; ties go to the dilemma listed first in
``dilemmas.yaml``. Each dilemma carries the reasons (rule id and ``because``) that raised it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from knowledge.model import Action, Contact, Dilemma, Knowledge, Profile, ReflectionQuestion, Text
from knowledge.problems import UnknownProfileValue

TOP_N = 3
"""How many dilemmas the advice shows first."""


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
    """Advice over one knowledge base; build once, call :meth:`advise` per profile."""

    def __init__(self, knowledge: Knowledge) -> None:
        self.knowledge = knowledge
        self._order = {d.id: i for i, d in enumerate(knowledge.dilemmas)}
        self._rules = tuple(
            (rule, tuple((d, w) for d, w in rule.dilemmas.items() if d in self._order))
            for rule in knowledge.rules
        )
        self._dimensions = knowledge.dimensions

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
            known = value is not None and value in self._dimensions[question.id]
            if known and question.ask_if(profile):
                profile[question.id] = str(value)
        return profile

    def scores(self, profile: Profile) -> list[tuple[str, int]]:
        """Dilemma ids with positive scores, best first (the fast path used by the walk)."""
        totals: dict[str, int] = {}
        for rule, weights in self._rules:
            if rule.when(profile):
                for dilemma_id, weight in weights:
                    totals[dilemma_id] = totals.get(dilemma_id, 0) + weight
        ranked = [(d, s) for d, s in totals.items() if s > 0]
        ranked.sort(key=lambda item: (-item[1], self._order[item[0]]))
        return ranked

    def advise(self, answers: Profile) -> Advice:
        """Ranked, explained advice for a (possibly partial) profile."""
        profile = self.effective_profile(answers)
        fired = [(rule, weights) for rule, weights in self._rules if rule.when(profile)]
        totals: dict[str, int] = {}
        for _, weights in fired:
            for dilemma_id, weight in weights:
                totals[dilemma_id] = totals.get(dilemma_id, 0) + weight
        ranked_ids = sorted(
            (d for d, s in totals.items() if s > 0), key=lambda d: (-totals[d], self._order[d])
        )
        k = self.knowledge
        result = []
        for dilemma_id in ranked_ids:
            dilemma = k.dilemmas[self._order[dilemma_id]]
            contributing = [
                rule for rule, weights in fired if any(d == dilemma_id for d, _ in weights)
            ]
            question_ids = dict.fromkeys(dilemma.questions)
            contact_ids = dict.fromkeys(dilemma.contacts)
            for rule in contributing:
                question_ids.update(dict.fromkeys(rule.questions))
                contact_ids.update(dict.fromkeys(rule.contacts))
            result.append(
                ScoredDilemma(
                    dilemma=dilemma,
                    score=totals[dilemma_id],
                    reasons=tuple(Reason(rule.id, rule.because) for rule in contributing),
                    questions=tuple(k.questions[q] for q in question_ids if q in k.questions),
                    actions=tuple(k.actions[a] for a in dilemma.actions if a in k.actions),
                    contacts=tuple(k.contacts[c] for c in contact_ids if c in k.contacts),
                )
            )
        return Advice(profile=profile, ranked=tuple(result))
