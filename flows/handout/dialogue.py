"""The handout dialogue: ``/samenvatting [naam]``, ticking reflections, making the PDF.

What the user chose so far lives in ``data["handout"]`` (the ticked reflection ids and
the name they gave); the service has the reflections and makes the PDF.
"""

from __future__ import annotations

from flows.actions import is_id
from flows.definition import HANDOUT_TAG
from flows.feature import Context, Registry
from flows.handout.effects import ChooseHandout, MakeHandout
from flows.handout.screens import MAX_PICKED

HANDOUT_COMMANDS = ("samenvatting", "summary")
MAX_NAME = 60
"""The longest name printed on a handout."""


class Handout:
    """The handout part of the conversation."""

    def register(self, registry: Registry) -> None:
        registry.command("samenvatting", self.handout_command)
        registry.action(HANDOUT_TAG, self.handout_action)

    def has_advice(self, ctx: Context) -> bool:
        """Whether the user has been shown advice (since they last started afresh)."""
        return "advised" in ctx.data

    def handout_command(self, ctx: Context, args: str) -> None:
        """Start a handout; ``args`` is a name to print on it (nothing: no name)."""
        if not self.has_advice(ctx):
            ctx.lead = ctx.say("handout_not_yet")
            ctx.show_where_we_are()
            return
        name = " ".join(args.split())[:MAX_NAME] or None
        ctx.data["handout"] = {"picked": [], "name": name}
        ctx.effects.append(ChooseHandout((), name, dict(ctx.answers)))

    def handout_action(self, ctx: Context, choice: tuple[str, ...]) -> bool:
        head, arg = choice[0], choice[1] if len(choice) > 1 else ""
        chosen = ctx.data.get("handout")
        if head == "start":
            self.handout_command(
                ctx, str(chosen.get("name") or "") if isinstance(chosen, dict) else ""
            )
            return True
        if not isinstance(chosen, dict) or not self.has_advice(ctx):
            return False
        picked = [int(i) for i in chosen.get("picked", [])]
        name = chosen.get("name")
        if head == "tick" and is_id(arg) and choice[2:] in (("0",), ("1",)):
            ticked, on = int(arg), choice[2] == "1"
            if on and ticked not in picked and len(picked) >= MAX_PICKED:
                ctx.notice = ctx.say.label("handout_max", max=MAX_PICKED)
                return True
            picked = [i for i in picked if i != ticked] + ([ticked] if on else [])
            chosen["picked"] = picked
            ctx.effects.append(ChooseHandout(tuple(picked), name, dict(ctx.answers), toggle=True))
            return True
        if head == "make":
            ctx.effects.append(MakeHandout(tuple(picked), name, dict(ctx.answers)))
            ctx.notice = ctx.say.label("handout_making")
            return True
        return False
