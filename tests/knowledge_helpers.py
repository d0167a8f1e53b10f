"""Helpers for tests that run `check` on an edited copy of the knowledge base, read typed
answers with it, and build its screens (the "Waarom dit advies?" screen)."""

from __future__ import annotations

import io
import re
from pathlib import Path

from bot.cli import run_check
from flows.advice import cards
from flows.replies import Reply
from flows.screens import Say, answer_label, question_name
from knowledge.engine import Advice
from knowledge.model import Knowledge
from knowledge.reading.answers import Reading, read_answer


def check(directory: Path, strict: bool = False) -> tuple[int, str]:
    """``python -m bot check`` on ``directory``: the exit code and everything printed."""
    out = io.StringIO()
    code = run_check(directory, strict, out)
    return code, out.getvalue()


def line_of(path: Path, pattern: str) -> int:
    """The 1-based line of the first line matching ``pattern``."""
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if re.search(pattern, line):
            return number
    raise AssertionError(f"{pattern!r} not in {path}")


def edit(path: Path, old: str, new: str) -> int:
    """Replace the first ``old`` by ``new`` (which must be there); returns the new text's line."""
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}: the edit would test nothing"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return line_of(path, re.escape(new.splitlines()[0])) if new else 0


def read(knowledge: Knowledge, question_id: str, text: str) -> Reading:
    """What the bot reads in ``text`` typed at the intake question ``question_id``."""
    question = knowledge.intake_question(question_id)
    assert question is not None, question_id
    return read_answer(question, text, knowledge)


def why_screen(say: Say, knowledge: Knowledge, advice: Advice) -> Reply:
    """The "Waarom dit advies?" screen of ``advice``, with the answer lines of every
    question that applies to its profile (as after answering them all)."""
    asked = [q for q in knowledge.intake if q.ask_if(advice.profile)]
    lines = cards.answered_lines(
        say,
        asked,
        advice.profile,
        lambda q, v: answer_label(say, q, v),
        lambda q: question_name(say, q),
    )
    return cards.why(say, advice, lines)
