"""The question for the next meeting: one choice, said by the advice in the chat ("Neem
mee naar uw volgende overleg: …") and printed in the handout ("Vraag voor het volgende
overleg"), so that both say the same for the same profile; and which reflection question
and leadership action each dilemma of the advice shows, so that neither repeats."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from knowledge.engine import Advice, ScoredDilemma
from knowledge.model import Action, Knowledge, ReflectionQuestion, Text

BOARD_THEME = "bestuur"
"""The theme of the workshop's board-level questions: without a meeting question on the
first dilemma, the question for the next meeting is one of them."""
BOARD_TAG = "toezicht"
"""Without a board-level question linked to the advice: the one about the supervisory board."""


@dataclass(frozen=True, slots=True)
class MeetingQuestion:
    text: Text


def meeting_question(knowledge: Knowledge, advice: Advice) -> MeetingQuestion | None:
    """The first dilemma's own meeting question; a dilemma without one (the validator
    warns) falls back to a board-level reflection question the advice links, else the
    one about the supervisory board. None without dilemmas to advise."""
    top = advice.top()
    if not top:
        return None
    if top[0].dilemma.meeting is not None:
        return MeetingQuestion(top[0].dilemma.meeting)
    linked = [q for s in top for q in s.questions if q.theme == BOARD_THEME]
    board = linked or [q for q in knowledge.questions.values() if q.theme == BOARD_THEME]
    chosen = next((q for q in board if BOARD_TAG in q.tags), board[0] if board else None)
    return MeetingQuestion(chosen.text) if chosen is not None else None


def distinct_questions(
    top: Sequence[ScoredDilemma], per: int = 1
) -> list[tuple[ReflectionQuestion, ...]]:
    """Per dilemma of ``top``, its first ``per`` reflection questions that no
    higher-ranked dilemma already shows: one screen or handout never repeats a question."""
    used: set[str] = set()
    picked: list[tuple[ReflectionQuestion, ...]] = []
    for scored in top:
        fresh = tuple(q for q in scored.questions if q.id not in used)[:per]
        used.update(q.id for q in fresh)
        picked.append(fresh)
    return picked


def distinct_actions(top: Sequence[ScoredDilemma]) -> list[Action | None]:
    """Per dilemma of ``top``, its first leadership action that no higher-ranked dilemma
    already names (None when all of them are named above)."""
    used: set[str] = set()
    picked: list[Action | None] = []
    for scored in top:
        act = next((a for a in scored.actions if a.id not in used), None)
        if act is not None:
            used.add(act.id)
        picked.append(act)
    return picked
