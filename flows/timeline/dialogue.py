"""The timeline in the conversation: ``/verloop`` (an effect: the service has the
snapshots) and the re-check three months on (:mod:`flows.timeline.recheck`): the intake
again, pre-filled, and then the new top three beside the old.
"""

from __future__ import annotations

from flows.definition import TIMELINE_TAG, question_state
from flows.events import SaveAdvice
from flows.feature import Context, Registry
from flows.timeline.effects import ShowTimeline
from flows.timeline.recheck import comparison
from knowledge.engine import TOP_N, Advice


class Timeline:
    """``/verloop`` and the re-check."""

    def register(self, registry: Registry) -> None:
        registry.command("verloop", self.timeline_command)
        registry.action(TIMELINE_TAG, self.timeline_action)

    def timeline_command(self, ctx: Context, args: str) -> None:
        ctx.effects.append(ShowTimeline())

    def rechecking(self, ctx: Context) -> bool:
        return isinstance(ctx.data.get("recheck"), list)

    def timeline_action(self, ctx: Context, choice: tuple[str, ...]) -> bool:
        if choice != ("recheck",):
            return False
        if "advised" not in ctx.data:  # no advice yet to check again
            ctx.lead = ctx.say("handout_not_yet")
            ctx.show_where_we_are()
            return True
        asked = ctx.asked()
        if not asked:
            return False
        ctx.data.pop("editing", None)
        ctx.data["recheck"] = [s.dilemma.id for s in ctx.advice().top(TOP_N)]
        ctx.state = question_state(asked[0].id)
        ctx.lead = ctx.say("recheck_intro")
        ctx.reshow()
        return True

    def finish_recheck(self, ctx: Context, profile: dict[str, str], advice: Advice) -> None:
        """At the advice after a re-check: keep it as a point of the timeline (changed or
        not), and show the new top three beside the old."""
        before = ctx.data.pop("recheck", None)
        if not isinstance(before, list):
            return
        after = tuple(s.dilemma.id for s in advice.ranked)
        ctx.data["advised"] = profile
        ctx.effects.append(SaveAdvice(profile, after, kind="recheck"))
        ctx.replies.append(comparison(ctx.say, [str(i) for i in before], after[:TOP_N]))
