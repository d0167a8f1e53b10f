"""``python -m bot parse``: how the bot reads one typed answer, for knowledge authors.

Also the lines ``check`` prints for the examples file, one per question.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, TextIO

from knowledge.loader import read_knowledge
from knowledge.model import Knowledge
from knowledge.problems import errors
from knowledge.reading.answers import Reading
from knowledge.reading.examples import DESCRIPTIONS, ExampleReport
from knowledge.textmatch import map_answer

EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE = 0, 1, 2


def add_parse_command(commands: Any) -> None:
    """Add ``parse`` to the CLI's sub-commands."""
    parse = commands.add_parser("parse", help="how the bot reads a typed answer to a question")
    parse.add_argument("--knowledge", type=Path, help="knowledge directory (default: bundled)")
    parse.add_argument("--json", action="store_true", help="print one JSON object")
    parse.add_argument("--lang", choices=("nl", "en"), default="nl")
    parse.add_argument("--question", required=True, help="intake question id, e.g. mandate")
    parse.add_argument("text", nargs="+", help="the typed answer")


def reading_as_json(reading: Reading) -> dict[str, Any]:
    """The ``parse --json`` object of the interface contract."""
    return {
        "outcome": reading.outcome,
        "option": reading.option,
        "evidence": {
            "words": list(reading.words),
            "negated": list(reading.negated),
            "negated_options": list(reading.negated_options),
            "candidates": list(reading.candidates),
            "counts": list(reading.counts),
            "hedged": list(reading.hedged),
            "fuzzy": list(reading.fuzzy),
            "dont_know": reading.dont_know,
            "elsewhere": reading.elsewhere,
        },
    }


def run_parse(args: argparse.Namespace, directory: Path, out: TextIO | None = None) -> int:
    """Print how ``args.text`` is read as an answer to ``args.question``."""
    out = out or sys.stdout
    knowledge, problems = read_knowledge(directory)
    if errors(problems):
        for problem in errors(problems):
            print(problem, file=sys.stderr)
        return EXIT_PROBLEMS
    question = knowledge.intake_question(args.question)
    if question is None:
        known = ", ".join(q.id for q in knowledge.intake)
        print(
            f"netwerkwijzer parse: unknown question '{args.question}' (known: {known})",
            file=sys.stderr,
        )
        return EXIT_USAGE
    reading = map_answer(question, " ".join(args.text), knowledge)
    if args.json:
        print(json.dumps(reading_as_json(reading), ensure_ascii=False, indent=2), file=out)
        return EXIT_OK
    _print_reading(knowledge, args.question, reading, args.lang, out)
    return EXIT_OK


def _print_reading(
    knowledge: Knowledge, question_id: str, reading: Reading, lang: str, out: TextIO
) -> None:
    question = knowledge.intake_question(question_id)
    assert question is not None

    def label(option_id: str) -> str:
        option = question.option(option_id)
        return f"{option_id} ({option.label.get(lang)})" if option else option_id

    print(f"question: {question_id}: {question.text.get(lang)}", file=out)
    print(f"outcome: {reading.outcome}", file=out)
    print(f"option: {label(reading.option) if reading.option else '-'}", file=out)
    rows = (
        ("candidates", [label(c) for c in reading.candidates]),
        ("deciding words", list(reading.words)),
        ("negated words", list(reading.negated)),
        ("denied options", [label(o) for o in reading.negated_options]),
        ("counts", list(reading.counts)),
        ("hedged", list(reading.hedged)),
        ("misspellings", list(reading.fuzzy)),
    )
    for name, values in rows:
        if values:
            print(f"{name}: {', '.join(values)}", file=out)
    if reading.dont_know:
        print("don't know: yes", file=out)
    if reading.elsewhere:
        print(f"answers another question: {reading.elsewhere}", file=out)


def print_examples(report: ExampleReport, out: TextIO) -> None:
    """One line per question (and for the descriptions): examples run and failed."""
    answers = sum(n for name, n in report.run.items() if name != DESCRIPTIONS)
    described = report.run[DESCRIPTIONS]
    failed = sum(report.failed.values())
    print(f"{answers} typed answers and {described} descriptions ({failed} failed)", file=out)
    for name, count in report.run.items():
        print(f"  {name:<42} {count:>4} examples, {report.failed[name]} failed", file=out)
