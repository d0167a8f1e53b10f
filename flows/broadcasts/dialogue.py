"""Composing a broadcast in the conversation: text (typed, or a ready-made question),
audience (cohorts, optionally a dilemma filter), preview, send. A detour like creating a
cohort; the draft lives in the conversation's data until it is sent or cancelled.

The audience and the preview need the database (the coordinator's cohorts, the number of
recipients): their screens are effects, answered by the service.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from flows.actions import is_id
from flows.broadcasts import screens as bs
from flows.definition import BC_AUDIENCE, BC_DILEMMA, BC_PREVIEW, BC_TEXT, COHORT_TAG
from flows.events import (
    BroadcastHistory,
    BroadcastReport,
    CancelBroadcast,
    ConversationData,
    Draft,
    Effect,
    ShowAudience,
    ShowPreview,
    StartBroadcast,
)

if TYPE_CHECKING:
    from flows.replies import Reply, Span
    from flows.screens import Say
    from knowledge.guard import Guard
    from knowledge.model import Knowledge

MAX_BROADCAST = 3000
"""Characters of a typed broadcast (the heading and the answer button come on top)."""


class BroadcastActions:
    """Mixed into :class:`flows.conversation.Conversation`."""

    state: str
    data: ConversationData
    effects: list[Effect]
    lead: list[Span]
    knowledge: Knowledge

    if TYPE_CHECKING:  # supplied by the conversation and the other mixins

        @property
        def say(self) -> Say: ...

        @property
        def guard(self) -> Guard: ...

        def fire(self, trigger: str, **kwargs: Any) -> bool: ...

        def reshow(self) -> None: ...

        def detour(self, trigger: str) -> bool: ...

        def resume_after_detour(self) -> None: ...

        def _emit(self, reply: Reply) -> None: ...

        def clean_or_warn(
            self, guard: Guard, text: str, tag: str = ..., discard: str = ...
        ) -> bool: ...

    def start_broadcast_dialogue(self) -> bool:
        self.data["broadcast"] = {}
        return self.detour("new_broadcast")

    def _bdraft(self) -> dict[str, Any]:
        draft = self.data.get("broadcast")
        if not isinstance(draft, dict):
            draft = self.data["broadcast"] = {}
        return draft

    def draft(self) -> Draft | None:
        """The draft, when it has a text or template (the audience has a default: all)."""
        raw = self._bdraft()
        text, template = raw.get("text"), raw.get("template")
        if not isinstance(text, str) and not (
            isinstance(template, str) and template in self.knowledge.questions
        ):
            return None
        cohorts = raw.get("cohorts")
        chosen = (
            tuple(c for c in cohorts if isinstance(c, int)) if isinstance(cohorts, list) else None
        )
        dilemma = raw.get("dilemma")
        return Draft(
            text if isinstance(text, str) else None,
            template if isinstance(template, str) and not isinstance(text, str) else None,
            chosen or None,
            dilemma if isinstance(dilemma, str) and self.knowledge.dilemma(dilemma) else None,
        )

    def broadcast_action(self, head: str, arg: str) -> bool:
        """The coordinator's broadcast buttons; False when not valid here."""
        raw = self._bdraft()
        if head == "btpl" and self.state == BC_TEXT and is_id(arg):
            templates = self.knowledge.templates
            if int(arg) >= len(templates):
                return False
            raw.pop("text", None)
            raw["template"] = templates[int(arg)].question
            return self.fire("bc_next")
        if head == "redacted" and self.state == BC_TEXT:
            redacted = self.data.pop("redacted_note", None)
            if not isinstance(redacted, str):
                return False
            raw["text"] = redacted
            return self.fire("bc_next")
        if head == "ball" and self.state == BC_AUDIENCE:
            raw.pop("cohorts", None)
            self.reshow()
            return True
        if head == "btog" and self.state == BC_AUDIENCE and is_id(arg):
            chosen = [c for c in raw.get("cohorts") or [] if isinstance(c, int)]
            cohort = int(arg)
            chosen = [c for c in chosen if c != cohort] if cohort in chosen else [*chosen, cohort]
            raw["cohorts"] = chosen
            self.reshow()
            return True
        if head == "bdil" and self.state == BC_AUDIENCE and not arg:
            return self.fire("bc_dilemma")
        if head == "bdil" and self.state == BC_DILEMMA and arg:
            if arg == "-":
                raw.pop("dilemma", None)
            elif self.knowledge.dilemma(arg) is not None:
                raw["dilemma"] = arg
            else:
                return False
            return self.fire("bc_next")
        if head == "bnext" and self.state == BC_AUDIENCE:
            return self.draft() is not None and self.fire("bc_next")
        if head == "baud" and self.state == BC_PREVIEW:
            return self.fire("bc_audience")
        if head == "bsend" and self.state == BC_PREVIEW:
            draft = self.draft()
            if draft is None:
                return False
            self.effects.append(StartBroadcast(draft))
            self.data.pop("broadcast", None)
            self.resume_after_detour()
            return True
        if head in ("bstop", "brep") and is_id(arg):
            effect = CancelBroadcast if head == "bstop" else BroadcastReport
            self.effects.append(effect(int(arg)))
            return True
        return False

    def broadcast_typed(self, text: str) -> None:
        if self.state != BC_TEXT:
            self.lead = self.say("use_buttons")
            self.reshow()
            return
        if len(text) > MAX_BROADCAST:
            self.lead = self.say("broadcast_too_long", limit=MAX_BROADCAST)
            self.reshow()
            return
        if not self.clean_or_warn(self.guard, text, COHORT_TAG, "cancel"):
            return
        raw = self._bdraft()
        raw.pop("template", None)
        raw["text"] = text
        self.fire("bc_next")

    # -- screens (on_enter callbacks) ----------------------------------------------------

    def show_broadcast_text(self, event: object) -> None:
        say = self.say
        questions = [
            say.plain(self.knowledge.questions[t.question].text)
            for t in self.knowledge.templates
            if t.question in self.knowledge.questions
        ]
        self.effects.append(BroadcastHistory())
        self._emit(bs.compose(say, questions))

    def show_broadcast_audience(self, event: object) -> None:
        draft = self.draft()
        if draft is None:
            self.state = BC_TEXT
            self.show_broadcast_text(event)
            return
        self.effects.append(ShowAudience(draft))

    def show_broadcast_dilemma(self, event: object) -> None:
        self._emit(bs.dilemma_filter(self.say))

    def show_broadcast_preview(self, event: object) -> None:
        draft = self.draft()
        if draft is None:
            self.state = BC_TEXT
            self.show_broadcast_text(event)
            return
        self.effects.append(ShowPreview(draft))
