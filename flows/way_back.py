"""After a side screen in the middle of the intake, the question again.

A side command (``/verloop``, ``/help``, ``/privacy`` …) or a side button (a nudge
postponed, the data exported, an answer shared, a handout made …) that leaves the user at
their question shows what it shows, and then the question comes again, after whatever the
event's effects answer (:data:`flows.replies.LAST`): every side screen ends where the user
goes on from. :class:`flows.conversation.Conversation` asks :func:`back_to_the_question`
after each command and each button it routes; this is the one rule for both.
"""

from __future__ import annotations

from collections.abc import Sequence

from flows.actions import action
from flows.advice.screens import BROWSING_SCREENS
from flows.definition import BROWSE_TAG
from flows.events import (
    DeleteReflection,
    Effect,
    SaveAdvice,
    SaveReflection,
    SetConsent,
    SetLanguage,
)
from flows.feature import Context
from flows.handout.effects import ChooseHandout
from flows.replies import Reply

WAY_BACK = frozenset({"question", "resume_intake", *BROWSING_SCREENS})
"""Screens that are, or lead back to, the question the user is at (browsing the dilemmas
ends at it: "Verder met het gesprek", ``/terug``)."""
STORED_ONLY = (SaveAdvice, SaveReflection, SetLanguage, SetConsent, DeleteReflection)
"""Effects the service applies without a message of its own."""


def in_the_chat(effect: Effect) -> bool:
    """Whether the service answers ``effect`` with a new message: not when it only stores
    something, nor when its answer replaces the pressed message (a ticked box)."""
    if isinstance(effect, ChooseHandout):
        return not effect.toggle
    return not isinstance(effect, STORED_ONLY)


def back_to_the_question(
    ctx: Context, at: str, shown: Sequence[Reply], effects: Sequence[Effect], *, work: bool
) -> None:
    """Show the question again after an event that left the user at it (``at``: the state
    before the event; ``shown``, ``effects``: what the event added). Not when the event
    moved the conversation or showed the question itself, nor after a screen with its own
    way back to it (browsing the dilemmas, the confirmation before starting over), nor
    when nothing new reaches the chat (a button answered on the button alone: "Bewaard",
    a ticked box), nor after a coordinator's own work (``work``: their command or button)
    before any answer: at work, not in the middle of the questions (see
    :meth:`flows.conversation.Conversation.resume`)."""
    if ctx.state != at or ctx.current_question() is None:
        return
    if work and not ctx.answers:
        return
    if not shown and not any(in_the_chat(effect) for effect in effects):
        return
    resume = action(BROWSE_TAG, "resume")
    if any(r.meta.get("screen") in WAY_BACK or resume in r.actions for r in shown):
        return
    ctx.lead = ctx.say("where_we_were")
    ctx.after_effects(ctx.reshow)
