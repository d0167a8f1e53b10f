"""The examples file: typed answers and descriptions with what the bot must make of them.

``check`` runs every example and reports each failure as ``file:line: message``, and a
line per question. An answer's expectation is an option id, ``not_understood`` (the bot
must not choose an option: it asks which, or says what it did understand) or
``dont_know``. A description lists the dilemmas that must be among its best three
matches; an empty list means it must match nothing.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from knowledge.model import Knowledge
from knowledge.problems import Problem
from knowledge.reading.answers import Reading, read_answer
from knowledge.reading.descriptions import read_description
from knowledge.sourcefile import SourceFile
from knowledge.yamlio import LineDict, LineList

FILE = "examples.yaml"
NOT_UNDERSTOOD = "not_understood"
DONT_KNOW = "dont_know"
TOP = 3


@dataclass
class ExampleReport:
    """What running the examples found, per question."""

    problems: list[Problem] = field(default_factory=list)
    run: Counter[str] = field(default_factory=Counter)
    failed: Counter[str] = field(default_factory=Counter)


def _fails(reading: Reading, expect: str) -> str | None:
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


def _pair(file: SourceFile, items: LineList, i: int) -> tuple[str, object] | None:
    item = items[i]
    if isinstance(item, list) and len(item) == 2 and isinstance(item[0], str):
        return item[0], item[1]
    file.error(items.line_of(i), "an example is [text, expected]")
    return None


def run_examples(knowledge: Knowledge, directory: Path) -> ExampleReport:
    """Run every example of ``directory``'s examples file against ``knowledge``."""
    report = ExampleReport()
    if not (directory / FILE).exists():
        return report
    file = SourceFile(directory, FILE, report.problems)
    answers = file.root.get("answers")
    if isinstance(answers, LineDict):
        for question_id, items in answers.items():
            question = knowledge.intake_question(str(question_id))
            if question is None:
                file.error(answers.line_of(question_id), f"unknown question '{question_id}'")
                continue
            if not isinstance(items, LineList):
                file.error(answers.line_of(question_id), "examples must be a list")
                continue
            valid = {o.id for o in question.options} | {NOT_UNDERSTOOD, DONT_KNOW}
            for i in range(len(items)):
                pair = _pair(file, items, i)
                if pair is None:
                    continue
                text, expect = pair
                if expect not in valid:
                    file.error(items.line_of(i), f"'{expect}' is no option of '{question_id}'")
                    continue
                report.run[question.id] += 1
                why = _fails(read_answer(question, text, knowledge), str(expect))
                if why is not None:
                    report.failed[question.id] += 1
                    file.error(
                        items.line_of(i), f"{question_id}: '{text}' expected {expect}, {why}"
                    )
    elif answers is not None:
        file.error(file.root.line_of("answers"), "'answers' must map question ids to examples")
    descriptions = file.root.get("descriptions")
    if isinstance(descriptions, LineList):
        known = {d.id for d in knowledge.dilemmas}
        for i in range(len(descriptions)):
            pair = _pair(file, descriptions, i)
            if pair is None:
                continue
            text, expect = pair
            if not isinstance(expect, list) or not all(e in known for e in expect):
                file.error(descriptions.line_of(i), "expected must be a list of dilemma ids")
                continue
            report.run["descriptions"] += 1
            found = [m.dilemma for m in read_description(text, knowledge)]
            missing = [e for e in expect if e not in found[:TOP]]
            if missing or (not expect and found):
                report.failed["descriptions"] += 1
                got = ", ".join(found[:TOP]) or "nothing"
                file.error(
                    descriptions.line_of(i),
                    f"description '{text}': expected {', '.join(expect) or 'nothing'}, got {got}",
                )
    elif descriptions is not None:
        file.error(file.root.line_of("descriptions"), "'descriptions' must be a list")
    return report
