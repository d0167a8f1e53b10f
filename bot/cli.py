"""The command line: ``python -m bot [run|chat|check|advise|db upgrade]``.

With no command the bot runs on Telegram when ``BOT_TOKEN`` is set, and otherwise starts
the terminal chat with one line on how to connect Telegram.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

from bot.reading_cli import add_parse_command, print_examples, run_parse
from knowledge.engine import TOP_N, Advice, Engine
from knowledge.loader import BUNDLED_DIR, read_knowledge
from knowledge.model import DEFAULT_LANGUAGE, LANGUAGES, Knowledge
from knowledge.problems import Problem, UnknownProfileValue, errors
from knowledge.textmatch import match_dilemmas

EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE = 0, 1, 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="netwerkwijzer", description="Netwerkwijzer: advice for leaders of networks."
    )
    commands = parser.add_subparsers(dest="command")
    run = commands.add_parser("run", help="run the Telegram bot (long polling or webhook)")
    run.add_argument("--webhook", action="store_true", help="serve a webhook instead of polling")
    commands.add_parser("chat", help="the conversation in the terminal")
    check = commands.add_parser("check", help="validate the knowledge base and run its tests")
    check.add_argument("--knowledge", type=Path, help="knowledge directory (default: bundled)")
    check.add_argument("--strict", action="store_true", help="fail on warnings too")
    advise = commands.add_parser("advise", help="advice for one profile, with the reasons")
    advise.add_argument("--knowledge", type=Path, help="knowledge directory (default: bundled)")
    advise.add_argument("--json", action="store_true", help="print one JSON object")
    advise.add_argument("--lang", choices=LANGUAGES, default=DEFAULT_LANGUAGE)
    advise.add_argument("--text", help="a free-text description to match against the dilemmas")
    advise.add_argument("answers", nargs="*", metavar="key=value", help="profile answers")
    add_parse_command(commands)
    db = commands.add_parser("db", help="database maintenance")
    db.add_argument("action", choices=("upgrade",), help="apply migrations")
    return parser


def _knowledge_dir(option: Path | None) -> Path:
    if option is not None:
        return option
    from bot.settings import Settings

    return Settings.from_env().knowledge_dir or BUNDLED_DIR


def run_check(directory: Path, strict: bool, out: TextIO | None = None) -> int:
    """Validate, run the rule tests and the walk; print problems and a summary."""
    out = out or sys.stdout
    from knowledge.validator import validate

    started = time.perf_counter()
    knowledge, problems = read_knowledge(directory)
    structural_ok = not errors(problems)
    report = validate(knowledge, complete=structural_ok)
    problems.extend(report.problems)
    examples = None
    if structural_ok:
        problems.extend(_render_problems(knowledge))
        from knowledge.reading.examples import run_examples

        examples = run_examples(knowledge)
        problems.extend(examples.problems)
    for problem in sorted(problems, key=lambda p: (p.file, p.line)):
        print(problem, file=out)
    n_errors = len(errors(problems))
    n_warnings = len(problems) - n_errors
    if structural_ok:
        print(
            f"{len(knowledge.dilemmas)} dilemmas, {len(knowledge.rules)} rules, "
            f"{report.tests_run} rule tests ({report.tests_failed} failed), "
            f"{report.profiles_walked} profiles walked",
            file=out,
        )
        walked = max(report.profiles_walked, 1)
        for dilemma in knowledge.dilemmas:
            count = report.top_counts[dilemma.id]
            print(f"  {dilemma.id:<42} top {TOP_N} in {count:>4} ({count / walked:5.1%})", file=out)
    if examples is not None and examples.run:
        print_examples(examples, out)
    elapsed = time.perf_counter() - started
    print(f"{n_errors} errors, {n_warnings} warnings ({elapsed:.2f} s)", file=out)
    return EXIT_PROBLEMS if n_errors or (strict and n_warnings) else EXIT_OK


def _render_problems(knowledge: Knowledge) -> list[Problem]:
    """Problems that only show once messages are rendered (length, callback data)."""
    from flows.checks import check_rendering

    return check_rendering(knowledge)


def parse_answers(pairs: Sequence[str]) -> dict[str, str]:
    """``key=value`` arguments as a profile; raise ValueError on a malformed pair."""
    profile: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key or not value:
            raise ValueError(f"'{pair}' is not key=value")
        profile[key.strip()] = value.strip()
    return profile


def advice_as_json(advice: Advice, lang: str) -> dict[str, Any]:
    """The ``advise --json`` object of the interface contract."""
    return {
        "profile": dict(advice.profile),
        "dilemmas": [
            {
                "id": s.dilemma.id,
                "level": s.dilemma.level,
                "title": s.dilemma.title.get(lang),
                "score": s.score,
                "reasons": [{"rule": r.rule, "because": r.because.get(lang)} for r in s.reasons],
                "questions": [{"id": q.id, "text": q.text.get(lang)} for q in s.questions],
                "actions": [
                    {
                        "id": a.id,
                        "title": a.title.get(lang),
                        "step": (s.dilemma.steps.get(a.id) or a.text).get(lang),
                    }
                    for a in s.actions
                ],
                "contacts": [
                    {"id": c.id, "name": c.name.get(lang), "website": c.website, "email": c.email}
                    for c in s.contacts
                ],
                "sources": [
                    {"id": c.id, "kind": c.kind, "name": c.name.get(lang)} for c in s.sources
                ],
            }
            for s in advice.ranked
        ],
    }


def run_advise(args: argparse.Namespace, out: TextIO | None = None) -> int:
    """Print advice for the profile (and text) given on the command line."""
    out = out or sys.stdout
    directory = _knowledge_dir(args.knowledge)
    knowledge, problems = read_knowledge(directory)
    if errors(problems):
        for problem in errors(problems):
            print(problem, file=sys.stderr)
        return EXIT_PROBLEMS
    engine = Engine(knowledge)
    try:
        profile = parse_answers(args.answers)
        engine.check_profile(profile)
    except (ValueError, UnknownProfileValue) as exc:
        print(f"netwerkwijzer advise: {exc}", file=sys.stderr)
        return EXIT_USAGE
    advice = engine.advise(profile)
    matches = match_dilemmas(args.text, knowledge) if args.text else []
    lang = args.lang
    if args.json:
        result = advice_as_json(advice, lang)
        # The contract always has the key: [] without --text.
        result["text_matches"] = [
            {"id": m.dilemma, "score": m.score, "words": list(m.words)} for m in matches
        ]
        print(json.dumps(result, ensure_ascii=False, indent=2), file=out)
        return EXIT_OK
    shown = ", ".join(f"{k}={v}" for k, v in advice.profile.items()) or "(no answers)"
    print(f"profile: {shown}", file=out)
    for rank, scored in enumerate(advice.ranked, start=1):
        marker = "*" if rank <= TOP_N else " "
        print(
            f"{marker}{rank:>2}. {scored.dilemma.title.get(lang)} [{scored.dilemma.id}] "
            f"score {scored.score}",
            file=out,
        )
        for reason in scored.reasons:
            print(f"      because ({reason.rule}): {reason.because.get(lang)}", file=out)
    if args.text is not None:
        print(f"text matches: {len(matches)}", file=out)
        for match in matches:
            title = knowledge.dilemma(match.dilemma)
            name = title.title.get(lang) if title else match.dilemma
            print(f"  {name} [{match.dilemma}]: {', '.join(match.words)}", file=out)
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``python -m bot`` and the ``netwerkwijzer`` console script."""
    args = _parser().parse_args(argv)
    command = args.command
    if command == "check":
        return run_check(_knowledge_dir(args.knowledge), args.strict)
    if command == "advise":
        return run_advise(args)
    if command == "parse":
        return run_parse(args, _knowledge_dir(args.knowledge))
    from bot.main import run_command

    return run_command(command, args)
