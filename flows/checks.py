"""Checks that need the screens: message keys the code uses, rendered message length, and
action ids. ``python -m bot check`` runs them after the knowledge validator.
"""

from __future__ import annotations

import re
from pathlib import Path

from flows import screens
from flows.actions import MAX_ACTION_BYTES
from flows.cohorts.screens import ask_cohort_plan, nudge
from flows.replies import Reply
from knowledge.engine import Engine, Reason, ScoredDilemma
from knowledge.model import LANGUAGES, Knowledge, Where
from knowledge.problems import Problem
from knowledge.validator import core_walk

MAX_MESSAGE = 4096
"""Telegram's limit on a message's text (counted after markup is parsed)."""
_KEY_USE = re.compile(
    r"""(?:say|say\.label|self\.say|self\.say\.label|tell|\bnotice)\(\s*"([a-z_]+)\""""
)
_CODE_DIRS = ("flows", "bot")
LARGEST_OUTBOX_ID = 2**63 - 1
"""Nudge buttons carry the outbox id: checked with the longest one there can be."""


def used_message_keys() -> set[str]:
    """Catalogue keys named in the channel and flow code."""
    root = Path(__file__).resolve().parent.parent
    keys: set[str] = set()
    for directory in _CODE_DIRS:
        for path in (root / directory).rglob("*.py"):
            keys.update(_KEY_USE.findall(path.read_text(encoding="utf-8")))
    return keys


def _check_reply(reply: Reply, where: Where, what: str, problems: list[Problem]) -> None:
    length = len(reply.plain)
    if length > MAX_MESSAGE:
        problems.append(
            Problem(
                where.file, where.line, f"{what} renders to {length} characters (max {MAX_MESSAGE})"
            )
        )
    for data in reply.actions:
        size = len(data.encode("utf-8"))
        if size > MAX_ACTION_BYTES:
            problems.append(
                Problem(where.file, where.line, f"{what}: callback data '{data}' is {size} bytes")
            )


def check_rendering(knowledge: Knowledge) -> list[Problem]:
    """Every problem the rendered screens would have, located in the knowledge files."""
    problems: list[Problem] = []
    for key in sorted(used_message_keys() - set(knowledge.messages)):
        problems.append(Problem("messages.yaml", 1, f"message '{key}' is used but not defined"))
    engine = Engine(knowledge)
    intake_where = knowledge.intake[0].where if knowledge.intake else Where("intake.yaml", 1)
    for lang in LANGUAGES:
        say = screens.Say(knowledge, lang)
        for question in knowledge.intake:
            reply = screens.question(say, question, 1, len(knowledge.intake), None)
            _check_reply(reply, question.where, f"question '{question.id}' ({lang})", problems)
        longest: Reply | None = None
        for profile in core_walk(knowledge):
            reply = screens.advice(say, engine.advise(profile))
            if longest is None or len(reply.plain) > len(longest.plain):
                longest = reply
        if longest is not None:
            _check_reply(longest, intake_where, f"the longest advice message ({lang})", problems)
        for dilemma in knowledge.dilemmas:
            rules = [r for r in knowledge.rules if r.dilemmas.get(dilemma.id, 0) > 0]
            questions = dict.fromkeys(dilemma.questions)
            contacts = dict.fromkeys(dilemma.contacts)
            for rule in rules:
                questions.update(dict.fromkeys(rule.questions))
                contacts.update(dict.fromkeys(rule.contacts))
            worst = ScoredDilemma(
                dilemma=dilemma,
                score=sum(r.dilemmas[dilemma.id] for r in rules),
                reasons=tuple(Reason(r.id, r.because) for r in rules),
                questions=tuple(
                    knowledge.questions[q] for q in questions if q in knowledge.questions
                ),
                actions=tuple(
                    knowledge.actions[a] for a in dilemma.actions if a in knowledge.actions
                ),
                contacts=tuple(knowledge.contacts[c] for c in contacts if c in knowledge.contacts),
            )
            what = f"dilemma '{dilemma.id}' in full ({lang})"
            _check_reply(screens.detail(say, dilemma, worst), dilemma.where, what, problems)
            _check_reply(screens.browse_detail(say, dilemma), dilemma.where, what, problems)
        for level in knowledge.levels:
            _check_reply(screens.level(say, level.id), level.where, f"level '{level.id}'", problems)
        longest_title = max(
            (say.plain(d.title) for d in knowledge.dilemmas), key=len, default="dilemma"
        )
        for plan in knowledge.plans:
            what = f"plan '{plan.id}'"
            _check_reply(ask_cohort_plan(say, [plan]), plan.where, what, problems)
            for step in plan.steps:
                reply = nudge(say, step, LARGEST_OUTBOX_ID, longest_title)
                _check_reply(reply, plan.where, f"{what} step '{step.id}' ({lang})", problems)
    return problems
