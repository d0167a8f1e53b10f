"""The handout dialogue: ``/samenvatting [naam]``, ticking reflections, making the PDF.

Mixed into :class:`flows.conversation.Conversation`. What the user chose so far lives in
``data["handout"]`` (the ticked reflection ids and the name they gave); the service has
the reflections and makes the PDF.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from flows.actions import is_id
from flows.handout.effects import ChooseHandout, MakeHandout
from flows.handout.screens import MAX_PICKED

if TYPE_CHECKING:
    from flows.events import ConversationData, Effect
    from flows.screens import Say

HANDOUT_COMMANDS = ("samenvatting", "summary")
MAX_NAME = 60
"""The longest name printed on a handout."""


class HandoutActions:
    """The handout part of the conversation."""

    data: ConversationData
    answers: dict[str, str]
    effects: list[Effect]
    notice: str | None
    lead: list[Any]

    if TYPE_CHECKING:  # supplied by the conversation and the other features

        @property
        def say(self) -> Say: ...

        def show_where_we_are(self) -> None: ...

    @property
    def has_advice(self) -> bool:
        """Whether the user has been shown advice (since they last started afresh)."""
        return "advised" in self.data

    def handout_command(self, args: str) -> None:
        """Start a handout; ``args`` is a name to print on it (nothing: no name)."""
        if not self.has_advice:
            self.lead = self.say("handout_not_yet")
            self.show_where_we_are()
            return
        name = " ".join(args.split())[:MAX_NAME] or None
        self.data["handout"] = {"picked": [], "name": name}
        self.effects.append(ChooseHandout((), name, dict(self.answers)))

    def handout_action(self, choice: tuple[str, ...]) -> bool:
        head, arg = choice[0], choice[1] if len(choice) > 1 else ""
        chosen = self.data.get("handout")
        if head == "start":
            self.handout_command(str(chosen.get("name") or "") if isinstance(chosen, dict) else "")
            return True
        if not isinstance(chosen, dict) or not self.has_advice:
            return False
        picked = [int(i) for i in chosen.get("picked", [])]
        name = chosen.get("name")
        if head == "tick" and is_id(arg) and choice[2:] in (("0",), ("1",)):
            ticked, on = int(arg), choice[2] == "1"
            if on and ticked not in picked and len(picked) >= MAX_PICKED:
                self.notice = self.say.label("handout_max", max=MAX_PICKED)
                return True
            picked = [i for i in picked if i != ticked] + ([ticked] if on else [])
            chosen["picked"] = picked
            self.effects.append(ChooseHandout(tuple(picked), name, dict(self.answers), toggle=True))
            return True
        if head == "make":
            self.effects.append(MakeHandout(tuple(picked), name, dict(self.answers)))
            self.notice = self.say.label("handout_making")
            return True
        return False
