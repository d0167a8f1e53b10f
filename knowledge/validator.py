"""Semantic checks over a structurally valid knowledge base.

References between kinds, rules no profile can fire, the walk over every combination of
the core dimensions (skipped included), how often each dilemma reaches the top three,
and the rule tests. Every problem is reported with ``file:line``.
"""

from __future__ import annotations

import itertools
import re
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field

from knowledge.engine import TOP_N, Engine
from knowledge.guard import Guard
from knowledge.model import DEFAULT_LANGUAGE, LANGUAGES, IntakeQuestion, Knowledge, Where
from knowledge.patterns import PROBE_LIMIT, compile_pattern, slowest_probe
from knowledge.problems import Problem
from knowledge.reading.load import reading_problems

REACH = (0.05, 0.50)
"""Over every combination of the core answers, each dilemma should be in the top three of
at least 5 % and at most 50 % of them: outside that band, one answer set dominates the
advice or a dilemma is as good as never offered (a warning, so ``check --strict`` fails)."""
MAX_LABEL = 30


@dataclass
class Report:
    """What :func:`validate` found and counted."""

    problems: list[Problem] = field(default_factory=list)
    profiles_walked: int = 0
    top_counts: Counter[str] = field(default_factory=Counter)
    tests_run: int = 0
    tests_failed: int = 0
    guard_tests_run: int = 0
    guard_tests_failed: int = 0

    def add(self, where: Where, message: str, severity: str = "error") -> None:
        self.problems.append(
            Problem(
                where.file, where.line, message, "warning" if severity == "warning" else "error"
            )
        )


def profiles(dimensions: Mapping[str, Sequence[str]]) -> Iterator[dict[str, str]]:
    """Every combination of the given dimensions, each also skipped."""
    names = list(dimensions)
    choices = [[None, *dimensions[name]] for name in names]
    for combo in itertools.product(*choices):
        yield {name: value for name, value in zip(names, combo, strict=True) if value is not None}


def core_walk(knowledge: Knowledge) -> Iterator[dict[str, str]]:
    """The walk of ``check``: every combination of the core dimensions, skipped included."""
    return profiles({q.id: tuple(o.id for o in q.options) for q in knowledge.intake if q.core})


def extended_walk(knowledge: Knowledge) -> Iterator[dict[str, str]]:
    """The core walk, and again with each value of each optional dimension added."""
    optional = [q for q in knowledge.intake if not q.core]
    for base in core_walk(knowledge):
        yield base
        for question in optional:
            for option in question.options:
                yield {**base, question.id: option.id}


def _check_references(knowledge: Knowledge, report: Report) -> None:
    k = knowledge
    levels = {level.id for level in k.levels}
    dilemma_ids = {d.id for d in k.dilemmas}
    for d in k.dilemmas:
        if d.level not in levels:
            continue  # reported by the loader
        for qid in d.questions:
            if qid not in k.questions:
                report.add(
                    d.at("questions"), f"dilemma '{d.id}': unknown reflection question '{qid}'"
                )
        for aid in d.actions:
            if aid not in k.actions:
                report.add(d.at("actions"), f"dilemma '{d.id}': unknown action '{aid}'")
        _check_contacts(k, report, d.at("contacts"), f"dilemma '{d.id}'", d.contacts)
        for sid in d.sources:
            if sid not in k.contacts:
                report.add(d.at("sources"), f"dilemma '{d.id}': unknown source '{sid}'")
        for aid in d.steps:
            if aid not in d.actions:
                report.add(
                    d.at("steps"), f"dilemma '{d.id}': step for '{aid}', not one of its actions"
                )
        for aid in d.actions:
            if aid in k.actions and aid not in d.steps:
                report.add(
                    d.at("actions"),
                    f"dilemma '{d.id}': action '{aid}' has no concrete step for this dilemma",
                    "warning",
                )
        if d.meeting is None:
            report.add(d.where, f"dilemma '{d.id}' has no 'meeting' question", "warning")
        if not any(d.keywords.get(lang) for lang in LANGUAGES):
            report.add(d.where, f"dilemma '{d.id}' has no keywords", "warning")
    for level in k.levels:
        if not any(d.level == level.id for d in k.dilemmas):
            report.add(level.where, f"level '{level.id}' has no dilemmas")
    for rule in k.rules:
        for did in rule.dilemmas:
            if did not in dilemma_ids:
                report.add(rule.at("dilemmas"), f"rule '{rule.id}': unknown dilemma '{did}'")
        for qid in {q for ids in rule.questions.values() for q in ids}:
            if qid not in k.questions:
                report.add(
                    rule.at("questions"), f"rule '{rule.id}': unknown reflection question '{qid}'"
                )
        for ids in rule.contacts.values():
            _check_contacts(k, report, rule.at("contacts"), f"rule '{rule.id}'", ids)
        for sid in rule.sources:
            if sid not in k.contacts:
                report.add(rule.at("sources"), f"rule '{rule.id}': unknown source '{sid}'")
    for test in k.tests:
        for did in (*test.top, *test.not_top):
            if did not in dilemma_ids:
                report.add(test.where, f"rule test: unknown dilemma '{did}'")
    for contact in k.contacts.values():
        if contact.email is not None and "@" not in contact.email:
            report.add(contact.where, f"contact '{contact.id}': '{contact.email}' is no e-mail")
    for plan in k.plans:
        for step in plan.steps:
            if step.question is not None and step.question not in k.questions:
                report.add(
                    plan.where,
                    f"plan '{plan.id}' step '{step.id}': unknown question '{step.question}'",
                )
    for template in k.templates:
        if template.question not in k.questions:
            report.add(template.where, f"template: unknown question '{template.question}'")
    used = {q for d in k.dilemmas for q in d.questions}
    used |= {q for r in k.rules for ids in r.questions.values() for q in ids}
    used |= {s.question for p in k.plans for s in p.steps if s.question}
    for question in k.questions.values():
        if question.id not in used:
            report.add(
                question.where, f"reflection question '{question.id}' is never offered", "warning"
            )


def _check_contacts(
    knowledge: Knowledge, report: Report, where: Where, what: str, ids: Sequence[str]
) -> None:
    """A contact is someone to reach: it needs a website or e-mail address (from the seeds)."""
    for cid in ids:
        contact = knowledge.contacts.get(cid)
        if contact is None:
            report.add(where, f"{what}: unknown contact '{cid}'")
        elif not (contact.website or contact.email):
            report.add(
                where, f"{what}: '{cid}' has no website or e-mail to reach; list it as a source"
            )


def _check_unreferenced(knowledge: Knowledge, report: Report) -> None:
    k = knowledge
    referenced = {c for d in k.dilemmas for c in (*d.contacts, *d.sources)}
    referenced |= {c for r in k.rules for ids in r.contacts.values() for c in ids}
    referenced |= {c for r in k.rules for c in r.sources}
    for contact in k.contacts.values():
        if contact.id not in referenced:
            report.add(
                contact.where,
                f"contact or source '{contact.id}' is referenced by no dilemma or rule",
                "warning",
            )


def _check_intake(knowledge: Knowledge, report: Report) -> None:
    for question in knowledge.intake:
        spans = sorted((o.range, o.id) for o in question.options if o.range is not None)
        for (first, a), (second, b) in itertools.pairwise(spans):
            if first is not None and second is not None and second[0] <= first[1]:
                report.add(question.where, f"'{question.id}': ranges of '{a}' and '{b}' overlap")
        for option in question.options:
            for lang in LANGUAGES:
                if len(option.label.get(lang)) > MAX_LABEL:
                    report.add(
                        question.where,
                        f"'{question.id}.{option.id}': label ({lang}) longer than {MAX_LABEL} "
                        "characters is cut off on a phone",
                        "warning",
                    )


def _satisfiable(
    engine: Engine, knowledge: Knowledge, dims: frozenset[str]
) -> Iterator[dict[str, str]]:
    """Every consistent profile over ``dims`` and the dimensions their questions depend on."""
    needed = set(dims)
    for question in reversed(knowledge.intake):
        if question.id in needed:
            needed |= question.ask_if.dims
    space = {q.id: tuple(o.id for o in q.options) for q in knowledge.intake if q.id in needed}
    for profile in profiles(space):
        if engine.effective_profile(profile) == profile:
            yield profile


def _check_rules(knowledge: Knowledge, engine: Engine, report: Report) -> None:
    for rule in knowledge.rules:
        if not any(rule.when(p) for p in _satisfiable(engine, knowledge, rule.when.dims)):
            report.add(rule.where, f"rule '{rule.id}' can never fire: no profile meets its 'when'")
        if not any(w > 0 for w in rule.dilemmas.values()):
            report.add(rule.where, f"rule '{rule.id}' raises no dilemma", "warning")
    for question in knowledge.intake:
        if not any(
            question.ask_if(p) for p in _satisfiable(engine, knowledge, question.ask_if.dims)
        ):
            report.add(
                question.where, f"question '{question.id}' is never asked: 'ask_if' never holds"
            )


def _check_claims(knowledge: Knowledge, report: Report) -> None:
    """A reason names only what the user answered: where a rule fires for several values of
    an answer, its ``because`` must not use words that say one of them (the intake's own
    words for that value) and not the others ("u weet niet goed" under geen or onduidelijk).
    A warning, so ``check --strict`` fails."""
    by_id = {q.id: q for q in knowledge.intake}
    for rule in knowledge.rules:
        space = {d: tuple(o.id for o in by_id[d].options) for d in rule.when.dims if d in by_id}
        fired: dict[str, set[str]] = {d: set() for d in space}
        for profile in profiles(space):
            if rule.when(profile):
                for dim, value in profile.items():
                    fired[dim].add(value)
        # A phrase that also names a value the rule fixes ("de gemeente" under rol gemeente)
        # speaks of that answer, not of this one.
        fixed = {d: next(iter(v)) for d, v in fired.items() if len(v) == 1}
        for dim, values in fired.items():
            if len(values) < 2:
                continue
            for lang in LANGUAGES:
                text = " ".join(rule.because.get(lang).lower().split())
                said = {
                    o.id: {
                        w.lower()
                        for w in (*o.words.get(lang, ()), o.label.get(lang))
                        if " " in w.strip()
                    }
                    for o in by_id[dim].options
                    if o.id in values
                }
                for value, phrases in said.items():
                    hit = next(
                        (
                            p
                            for p in sorted(phrases)
                            if re.search(rf"\b{re.escape(p)}\b", text)
                            and not _explained(p, fixed, by_id, lang)
                        ),
                        None,
                    )
                    others = sorted(v for v in values if v != value and hit not in said[v])
                    if hit is not None and others:
                        report.add(
                            rule.at("because"),
                            f"rule '{rule.id}': its reason ({lang}) says '{hit}' ({dim}: "
                            f"{value}), but the rule also fires for {dim}: {', '.join(others)}; "
                            "word it true for each value, or give each value its own rule",
                            "warning",
                        )
                        break


def _explained(
    phrase: str, fixed: Mapping[str, str], by_id: Mapping[str, IntakeQuestion], lang: str
) -> bool:
    for dim, value in fixed.items():
        option = by_id[dim].option(value)
        words = (*option.words.get(lang, ()), option.label.get(lang)) if option else ()
        if any(re.search(rf"\b{re.escape(w.lower())}\b", phrase) for w in words):
            return True
    return False


def _walk(knowledge: Knowledge, engine: Engine, report: Report) -> None:
    first = knowledge.intake[0].where if knowledge.intake else Where("content/intake.yaml", 1)
    empty = 0
    for profile in core_walk(knowledge):
        report.profiles_walked += 1
        ranked = engine.scores(engine.effective_profile(profile))
        if not ranked:
            empty += 1
            if empty <= 5:
                shown = ", ".join(f"{k}={v}" for k, v in profile.items()) or "(everything skipped)"
                report.add(first, f"profile without advice: {shown}")
        report.top_counts.update(d for d, _ in ranked[:TOP_N])
    if empty > 5:
        report.add(first, f"… {empty - 5} more profiles without advice")
    reached: set[str] = set()
    for profile in extended_walk(knowledge):
        reached.update(d for d, _ in engine.scores(engine.effective_profile(profile))[:TOP_N])
    for dilemma in knowledge.dilemmas:
        if dilemma.id not in reached:
            report.add(
                dilemma.where, f"dilemma '{dilemma.id}' reaches the top {TOP_N} of no profile"
            )
        share = report.top_counts[dilemma.id] / max(report.profiles_walked, 1)
        low, high = REACH
        if not low <= share <= high:
            report.add(
                dilemma.where,
                f"dilemma '{dilemma.id}' is in the top {TOP_N} of {share:.1%} of the core "
                f"profiles (reach should be {low:.0%} to {high:.0%})",
                "warning",
            )


def _run_tests(knowledge: Knowledge, engine: Engine, report: Report) -> None:
    for test in knowledge.tests:
        report.tests_run += 1
        top = [s.dilemma.id for s in engine.advise(test.profile).top()]
        missing = [d for d in test.top if d not in top]
        unwanted = [d for d in test.not_top if d in top]
        if missing or unwanted:
            report.tests_failed += 1
            shown = ", ".join(f"{k}={v}" for k, v in test.profile.items()) or "(empty)"
            parts = [f"missing {', '.join(missing)}"] if missing else []
            parts += [f"unwanted {', '.join(unwanted)}"] if unwanted else []
            report.add(
                test.where,
                f"rule test failed for {shown}: top {TOP_N} is "
                f"{', '.join(top) or 'empty'}; {'; '.join(parts)}",
            )


# --- the client-data guard ------------------------------------------------------------


def _check_guard(knowledge: Knowledge, report: Report, *, run_tests: bool) -> None:
    """Every pattern stays fast on long input; every kind is tested; the examples hold."""
    spec = knowledge.guard
    for pattern in spec.patterns:
        compiled = compile_pattern(pattern.regex)
        if isinstance(compiled, str):
            continue  # reported by the loader
        seconds, probe = slowest_probe(compiled, PROBE_LIMIT)
        if seconds > PROBE_LIMIT:
            report.add(
                pattern.where,
                f"pattern '{pattern.id}' takes {seconds * 1000:.0f} ms on {len(probe)} "
                f"characters like {probe[:12]!r}: it backtracks; avoid nested or overlapping "
                "repetition such as (a+)+ or \\s*\\s*",
            )
    tested = {kind for test in spec.tests for kind in test.hits}
    for kind in spec.kinds:
        if kind.id not in tested:
            report.add(kind.where, f"guard kind '{kind.id}' is in no test's 'hits'", "warning")
    if not run_tests:
        return
    guard = Guard.from_knowledge(knowledge)
    for test in spec.tests:
        report.guard_tests_run += 1
        hits = guard.scan(test.text, sharing=test.sharing)
        expected = sorted(set(test.hits))
        got = sorted({h.kind for h in hits})
        if got != expected:
            report.guard_tests_failed += 1
            shown = ", ".join(f"{h.kind} {h.matched!r}" for h in hits) or "no hits"
            report.add(
                test.where,
                f"guard test failed: expected {', '.join(expected) or 'no hits'}, "
                f"got {shown} in {test.text!r}",
            )
            continue
        if test.redacted is not None:
            redacted = guard.redact(test.text, DEFAULT_LANGUAGE, hits)
            if redacted != test.redacted:
                report.guard_tests_failed += 1
                report.add(
                    test.where,
                    f"guard test failed: expected redaction {test.redacted!r}, got {redacted!r}",
                )


def validate(knowledge: Knowledge, *, complete: bool = True) -> Report:
    """Every semantic check; the report also carries the figures ``check`` prints.

    With ``complete=False`` (the loader found structural errors, so some entries are
    missing) only the checks that make sense on a partial knowledge base run: the walk
    and the rule tests would report consequences of those errors, not problems of their own.
    """
    report = Report()
    engine = Engine(knowledge)
    _check_references(knowledge, report)
    _check_unreferenced(knowledge, report)
    _check_intake(knowledge, report)
    _check_rules(knowledge, engine, report)
    _check_claims(knowledge, report)
    if complete:
        _walk(knowledge, engine, report)
        _run_tests(knowledge, engine, report)
    _check_guard(knowledge, report, run_tests=complete)
    report.problems.extend(reading_problems(knowledge))
    return report
