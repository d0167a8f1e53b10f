"""The terminal channel: the same conversation on stdin and stdout.

Buttons are numbered (on through every message of one answer); the user answers with a
number, a button's text or free text.
At a question that takes a count ("how many organisations?") a typed number is that
count, and a button is picked as ``#2`` (``#2`` works on every screen). Lines starting
with ``/`` are commands. Works with piped input and ends at end of input.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import TextIO

from bot.app.advisor import Advisor
from flows.actions import is_id
from flows.commands import parse_command
from flows.events import Event, Outcome
from flows.replies import Button, Reply
from flows.screens import Say

CHANNEL = "console"


class ConsoleChat:
    """One terminal user talking to the advisor."""

    def __init__(self, advisor: Advisor, user_key: str, out: TextIO = sys.stdout) -> None:
        self.advisor = advisor
        self.user_key = user_key
        self.out = out
        self.buttons: list[Button] = []
        self.counts = False
        """The buttons shown belong to a question where typed digits are a count."""
        self.numbering = False
        """The buttons of the answer being shown are numbered on from those before them: a
        menu shown before the question it leads back to stays pressable."""
        self.lang = "nl"
        """The user's language, as of the last answer."""

    def to_event(self, line: str) -> Event | None:
        """A typed line as an event: command, button (by number or text) or free text;
        None for ``#<number>`` that is no button shown (not a count, not text)."""
        text = line.strip()
        if text.startswith("/") and len(text) > 1:
            return parse_command(text)
        number = text.removeprefix("#")
        by_number = text.startswith("#") or not self.counts
        if by_number and is_id(number) and 1 <= int(number) <= len(self.buttons):
            return Event("action", text=self.buttons[int(number) - 1].action)
        if text.startswith("#") and is_id(number):
            return None
        folded = text.casefold()
        for button in self.buttons:
            label = button.label.removeprefix("✓ ").casefold()
            if folded and folded == label:
                return Event("action", text=button.action)
        return Event("text", text=line.rstrip("\n"))

    def render(self, reply: Reply) -> None:
        print(reply.plain, file=self.out)
        if reply.attachment is not None:
            # A terminal cannot show a photo or a document: it is saved beside the user.
            path = Path(reply.attachment.name).resolve()
            path.write_bytes(reply.attachment.data)
            print(f"[{reply.attachment.kind}: {path}]", file=self.out)
        if reply.buttons:
            if not self.numbering:
                self.buttons = []
                self.numbering = True
            first = len(self.buttons) + 1
            self.buttons += [button for row in reply.buttons for button in row]
            for number, button in enumerate(self.buttons[first - 1 :], start=first):
                print(f"  [{number}] {button.label}", file=self.out)
            hint = reply.meta.get("count_hint")
            self.counts = hint is not None
            if hint:
                print(f"  {hint}", file=self.out)
        print(file=self.out)

    def no_button(self, number: str) -> None:
        say = Say(self.advisor.knowledge, self.lang)
        if self.buttons:
            text = say.label("console_no_button", number=number, count=len(self.buttons))
        else:
            text = say.label("console_no_buttons")
        print(f"{text}\n", file=self.out)

    def show(self, outcome: Outcome) -> None:
        self.lang = outcome.state.lang
        if outcome.chosen:
            print(f"✓ {outcome.chosen}", file=self.out)
        if outcome.notice:
            print(f"({outcome.notice})", file=self.out)
        self.numbering = False
        for reply in outcome.replies:
            self.render(reply)

    async def say(self, event: Event | None, line: str = "") -> None:
        """Answer ``event``; None (from :meth:`to_event`) says there is no such button."""
        if event is None:
            self.no_button(line.strip().removeprefix("#"))
            return
        self.show(await self.advisor.handle(CHANNEL, self.user_key, event))

    async def run(self, source: TextIO = sys.stdin) -> None:
        """Greet (or resume), then handle lines until end of input."""
        await self.say(Event("command", name="start"))
        interactive = source.isatty()
        loop = asyncio.get_running_loop()
        while True:
            if interactive:
                print("> ", end="", file=self.out, flush=True)
            line = await loop.run_in_executor(None, source.readline)
            if not line:
                return
            if not line.strip() and not interactive:
                continue
            echo = line.rstrip("\n")
            if not interactive:
                print(f"> {echo}", file=self.out)
            await self.say(self.to_event(line), line)
