"""The question for the next meeting: one choice, said by the advice in the chat ("Neem
mee naar uw volgende overleg: …") and printed in the handout ("Vraag voor het volgende
overleg"), so that both say the same for the same profile."""

from __future__ import annotations

from dataclasses import dataclass

from knowledge.engine import Advice
from knowledge.model import Knowledge, Text

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
