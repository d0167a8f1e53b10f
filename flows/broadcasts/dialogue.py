"""Composing a broadcast in the conversation: text (typed, or a ready-made question),
audience (cohorts, optionally a dilemma filter), preview, send. A detour like creating a
cohort; the draft lives in the conversation's data until it is sent or cancelled.

The audience and the preview need the database (the coordinator's cohorts, the number of
recipients): their screens are effects, answered by the service. The buttons carry the
cohorts' tag (``c:``); the cohorts feature hands them on (:meth:`Broadcasts.action`).
"""

from __future__ import annotations

from typing import Any

from flows.actions import is_id
from flows.broadcasts import screens as bs
from flows.definition import (
    BC_AUDIENCE,
    BC_DILEMMA,
    BC_PREVIEW,
    BC_TEXT,
    BROADCAST_STATES,
    COHORT_TAG,
)
from flows.events import (
    BroadcastHistory,
    BroadcastReport,
    CancelBroadcast,
    Draft,
    ShowAudience,
    ShowPreview,
    StartBroadcast,
)
from flows.feature import Context, Registry, clean_or_warn

MAX_BROADCAST = 3000
"""Characters of a typed broadcast (the heading and the answer button come on top)."""


class Broadcasts:
    """The broadcast dialogue of a coordinator (roles are checked by the cohorts feature,
    which hands the ``c:`` buttons on, and by the command table)."""

    def register(self, registry: Registry) -> None:
        registry.state_text(BROADCAST_STATES, self.typed)
        registry.screen("show_broadcast_text", self.show_broadcast_text)
        registry.screen("show_broadcast_audience", self.show_broadcast_audience)
        registry.screen("show_broadcast_dilemma", self.show_broadcast_dilemma)
        registry.screen("show_broadcast_preview", self.show_broadcast_preview)

    def start(self, ctx: Context) -> bool:
        if ctx.without_cohorts:
            # A broadcast without cohorts reaches nobody: say so before asking for the
            # message, and the conversation stays where it is.
            ctx.tell("broadcast_no_cohorts")
            return False
        ctx.data["broadcast"] = {}
        return ctx.detour("new_broadcast")

    def _bdraft(self, ctx: Context) -> dict[str, Any]:
        draft = ctx.data.get("broadcast")
        if not isinstance(draft, dict):
            draft = ctx.data["broadcast"] = {}
        return draft

    def draft(self, ctx: Context) -> Draft | None:
        """The draft, when it has a text or template (the audience has a default: all)."""
        raw = self._bdraft(ctx)
        text, template = raw.get("text"), raw.get("template")
        if not isinstance(text, str) and not (
            isinstance(template, str) and template in ctx.knowledge.questions
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
            dilemma if isinstance(dilemma, str) and ctx.knowledge.dilemma(dilemma) else None,
        )

    def action(self, ctx: Context, head: str, arg: str) -> bool:
        """The coordinator's broadcast buttons; False when not valid here."""
        if head == "cancel" and ctx.state in BROADCAST_STATES:
            ctx.lead = ctx.say("broadcast_cancelled")
            ctx.data.pop("broadcast", None)
            ctx.resume()
            return True
        raw = self._bdraft(ctx)
        if head == "btpl" and ctx.state == BC_TEXT and is_id(arg):
            templates = ctx.knowledge.templates
            if int(arg) >= len(templates):
                return False
            raw.pop("text", None)
            raw["template"] = templates[int(arg)].question
            return ctx.fire("bc_next")
        if head == "redacted" and ctx.state == BC_TEXT:
            redacted = ctx.data.pop("redacted_note", None)
            if not isinstance(redacted, str):
                return False
            raw["text"] = redacted
            return ctx.fire("bc_next")
        if head == "ball" and ctx.state == BC_AUDIENCE:
            raw.pop("cohorts", None)
            ctx.reshow()
            return True
        if head == "btog" and ctx.state == BC_AUDIENCE and is_id(arg):
            chosen = [c for c in raw.get("cohorts") or [] if isinstance(c, int)]
            cohort = int(arg)
            chosen = [c for c in chosen if c != cohort] if cohort in chosen else [*chosen, cohort]
            raw["cohorts"] = chosen
            ctx.reshow()
            return True
        if head == "bdil" and ctx.state == BC_AUDIENCE and not arg:
            return ctx.fire("bc_dilemma")
        if head == "bdil" and ctx.state == BC_DILEMMA and arg:
            if arg == "-":
                raw.pop("dilemma", None)
            elif ctx.knowledge.dilemma(arg) is not None:
                raw["dilemma"] = arg
            else:
                return False
            return ctx.fire("bc_next")
        if head == "bnext" and ctx.state == BC_AUDIENCE:
            return self.draft(ctx) is not None and ctx.fire("bc_next")
        if head == "baud" and ctx.state == BC_PREVIEW:
            return ctx.fire("bc_audience")
        if head == "bsend" and ctx.state == BC_PREVIEW:
            draft = self.draft(ctx)
            if draft is None:
                return False
            ctx.effects.append(StartBroadcast(draft))
            ctx.data.pop("broadcast", None)
            ctx.resume()
            return True
        if head in ("bstop", "brep") and is_id(arg):
            effect = CancelBroadcast if head == "bstop" else BroadcastReport
            ctx.effects.append(effect(int(arg)))
            return True
        return False

    def typed(self, ctx: Context, text: str) -> None:
        if ctx.state != BC_TEXT:
            ctx.lead = ctx.say("use_buttons")
            ctx.reshow()
            return
        if len(text) > MAX_BROADCAST:
            ctx.lead = ctx.say("broadcast_too_long", limit=MAX_BROADCAST)
            ctx.reshow()
            return
        if not clean_or_warn(ctx, text, COHORT_TAG, "cancel"):
            return
        raw = self._bdraft(ctx)
        raw.pop("template", None)
        raw["text"] = text
        ctx.fire("bc_next")

    # -- screens (on_enter callbacks) ----------------------------------------------------

    def show_broadcast_text(self, ctx: Context, event: object) -> None:
        say = ctx.say
        questions = [
            say.plain(ctx.knowledge.questions[t.question].text)
            for t in ctx.knowledge.templates
            if t.question in ctx.knowledge.questions
        ]
        ctx.effects.append(BroadcastHistory())
        ctx.emit(bs.compose(say, questions))

    def show_broadcast_audience(self, ctx: Context, event: object) -> None:
        draft = self.draft(ctx)
        if draft is None:
            ctx.state = BC_TEXT
            self.show_broadcast_text(ctx, event)
            return
        ctx.effects.append(ShowAudience(draft))

    def show_broadcast_dilemma(self, ctx: Context, event: object) -> None:
        ctx.emit(bs.dilemma_filter(ctx.say))

    def show_broadcast_preview(self, ctx: Context, event: object) -> None:
        draft = self.draft(ctx)
        if draft is None:
            ctx.state = BC_TEXT
            self.show_broadcast_text(ctx, event)
            return
        ctx.effects.append(ShowPreview(draft))
