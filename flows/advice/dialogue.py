"""The advice phase's buttons: a dilemma and its pages, why, more, an answer to change, a
note, a reminder, and starting over (which asks first, since it wipes the answers).

Mixed into :class:`flows.conversation.Conversation`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from flows import screens
from flows.advice import cards
from flows.definition import ADVICE_PHASE, NOTE
from flows.events import ConversationData, ScheduleReminder

if TYPE_CHECKING:
    from flows.events import Effect
    from flows.replies import Reply
    from flows.screens import Say
    from knowledge.model import Knowledge

REMIND_DAYS = 7
ADVICE_ACTIONS = ("show", "why", "more", "edit", "note", "advice", "remind", "restart", "redacted")


class AdviceActions:
    """What the advice phase's buttons do; the conversation supplies the rest."""

    state: str
    knowledge: Knowledge
    answers: dict[str, str]
    data: ConversationData
    effects: list[Effect]
    replies: list[Reply]
    notice: str | None

    if TYPE_CHECKING:  # supplied by the conversation

        @property
        def say(self) -> Say: ...

        def fire(self, trigger: str, **kwargs: Any) -> bool: ...

        def tell(self, key: str, **values: Any) -> None: ...

        def asks(self, question_id: str) -> bool: ...

        def keep_note(self, text: str) -> None: ...

        def restart(self) -> None: ...

    def ask_restart(self) -> None:
        """Starting over wipes the answers: ask first, unless there is nothing to wipe."""
        if not self.answers:
            self.restart()
            return
        self.replies.append(screens.restart_confirm(self.say))

    def advice_action(self, choice: tuple[str, ...]) -> bool:
        head, arg = choice[0], choice[1] if len(choice) > 1 else ""
        if self.state not in ADVICE_PHASE or head not in ADVICE_ACTIONS:
            return False
        if head == "restart":
            self.ask_restart()
            return True
        if head == "redacted":
            redacted = self.data.get("redacted_note")
            if self.state != NOTE or not isinstance(redacted, str):
                return False
            self.keep_note(redacted)
            return True
        if head == "show" or (head == "note" and arg):
            if self.knowledge.dilemma(arg) is None:
                return False
            page = choice[2] if head == "show" and len(choice) > 2 else "main"
            if page != "main" and page not in cards.PAGES:
                return False
            self.data["dilemma"] = arg
            self.data["page"] = page
        if head == "edit" and arg:
            if not self.asks(arg):
                return False
            self.data["editing"] = True
            return self.fire("edit", question=arg)
        if head == "remind":
            if arg and self.knowledge.dilemma(arg) is None:
                return False
            self.effects.append(ScheduleReminder(REMIND_DAYS, arg or "advice"))
            self.notice = self.say.label("remind_set_short")
            self.tell("remind_set", days=REMIND_DAYS)
            return True
        if head == "note" and not arg:
            self.data.pop("dilemma", None)
        return self.fire(head)
