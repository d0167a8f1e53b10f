"""The examples: typed answers and descriptions with what the bot must make of them.

``check`` runs every example and reports each failure as ``file:line: message``, and a
line per question. An answer's expectation is an option id, ``not_understood`` (the bot
must not choose an option: it asks which, or says what it did understand) or
``dont_know``. A description lists the dilemmas that must be among its best three
matches; an empty list means it must match nothing.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from knowledge.model import Knowledge
from knowledge.problems import Problem
from knowledge.reading.answers import Reading, read_answer
from knowledge.reading.descriptions import read_description

NOT_UNDERSTOOD = "not_understood"
DONT_KNOW = "dont_know"
TOP = 3
DESCRIPTIONS = "descriptions"


@dataclass
class ExampleReport:
    """What running the examples found, per question (and for the descriptions)."""

    problems: list[Problem] = field(default_factory=list)
    run: Counter[str] = field(default_factory=Counter)
    failed: Counter[str] = field(default_factory=Counter)


def failure(reading: Reading, expect: str) -> str | None:
    """Why ``reading`` does not meet ``expect``, or None."""
    if expect == DONT_KNOW:
        return None if reading.dont_know and reading.outcome != "ambiguous" else "no don't-know"
    if expect == NOT_UNDERSTOOD:
        return None if reading.outcome != "matched" else f"read as '{reading.option}'"
    if reading.outcome == "matched" and reading.option == expect:
        return None
    if reading.outcome == "matched":
        return f"read as '{reading.option}'"
    shown = f" ({', '.join(reading.candidates)})" if reading.candidates else ""
    return f"{reading.outcome}{shown}"


def run_examples(knowledge: Knowledge) -> ExampleReport:
    """Run every example of ``knowledge``; unknown ids are problems too."""
    report = ExampleReport()

    def fail(file: str, line: int, name: str, message: str) -> None:
        report.failed[name] += 1
        report.problems.append(Problem(file, line, message))

    for example in knowledge.examples.answers:
        question = knowledge.intake_question(example.question)
        where = (example.file, example.line)
        if question is None:
            report.problems.append(Problem(*where, f"unknown question '{example.question}'"))
            continue
        if example.expect not in (NOT_UNDERSTOOD, DONT_KNOW) and not question.option(
            example.expect
        ):
            report.problems.append(
                Problem(*where, f"'{example.expect}' is no option of '{question.id}'")
            )
            continue
        report.run[question.id] += 1
        why = failure(read_answer(question, example.text, knowledge), example.expect)
        if why is not None:
            fail(
                *where,
                question.id,
                f"{question.id}: '{example.text}' expected {example.expect}, {why}",
            )
    known = {d.id for d in knowledge.dilemmas}
    for described in knowledge.examples.descriptions:
        where = (described.file, described.line)
        unknown = [d for d in described.expect if d not in known]
        if unknown:
            report.problems.append(Problem(*where, f"unknown dilemma '{unknown[0]}'"))
            continue
        report.run[DESCRIPTIONS] += 1
        found = [m.dilemma for m in read_description(described.text, knowledge)][:TOP]
        missing = [d for d in described.expect if d not in found]
        if missing or (not described.expect and found):
            expected = ", ".join(described.expect) or "nothing"
            fail(
                *where,
                DESCRIPTIONS,
                f"'{described.text}' expected {expected}, got {', '.join(found) or 'nothing'}",
            )
    return report
