"""The live session's dialogue: ``/live [numbers]`` for facilitators (through the
conversation, registered like every command) and the buttons of the control message
and of the participants' live screens (read here into a :data:`LiveEffect`, answered
outside the conversation: a participant votes whatever else they were doing with the
bot, and a vote changes nothing of their conversation).

Pure: it reads the command and the callback data into typed effects; the live service
(:mod:`bot.app.live`) applies them and answers with the screens of
:mod:`flows.live.screens`.
"""

from __future__ import annotations

import re
from typing import Literal

from flows.feature import Context, Registry
from flows.live.effects import (
    CastVote,
    ChooseDilemmas,
    LiveEffect,
    MoveLive,
    OpenLive,
    StartLive,
)
from flows.live.screens import parse, pick, pick_numbers
from knowledge.model import Knowledge

JOIN_PREFIX = "live_"
"""The start payload of the join QR: ``/start live_<code>``."""
PLACES = "01234"
_PART = re.compile(r"[A-Za-z0-9_.]+")
"""What a part of our callback data is made of: numbers, ids (a level's has ``_``),
dilemma numbers joined by dots."""
STRONG = "s"


class LiveSession:
    """The live session's part of the conversation: ``/live``."""

    def register(self, registry: Registry) -> None:
        registry.channel_command("live", self.live_command)

    def live_command(self, ctx: Context, args: str) -> None:
        """``/live``, or ``/live 1 4 7``: the dilemmas by their numbers in /dilemmas order.
        Answered at the gate (it stores nothing of the user: a coordinator who declined,
        or has not started a conversation yet, runs a session all the same); someone
        never asked (an admin from ``ADMIN_IDS`` who never wrote) gets the gate."""
        if ctx.consent is None:
            ctx.show_where_we_are()
            return
        if not args:
            ctx.effects.append(OpenLive())
            return
        picked = pick_numbers(ctx.knowledge, args)
        ctx.effects.append(OpenLive(tuple(picked or ()), unknown=picked is None))


def read_button(knowledge: Knowledge, data: str) -> LiveEffect | None:
    """A live button's callback data as the effect it asks for; None when it is not one
    of ours, or malformed (it is then answered as expired)."""
    parts = parse(data)
    if parts is None or not all(_PART.fullmatch(p) for p in parts):
        return None
    head, ident = parts[0], parts[1]
    if head in ("v", "s") and len(parts) == 3 + (head == "v"):
        choice = parts[3] if head == "v" else STRONG
        if not (ident.isdecimal() and parts[2].isdecimal()) or choice not in (*PLACES, STRONG):
            return None
        return CastVote(int(ident), int(parts[2]), choice)
    if head in ("c", "d", "p") and ident.isdecimal():
        if head == "c":
            return ChooseDilemmas(int(ident))
        if len(parts) != 3:
            return None
        if head == "d":
            return StartLive(int(ident), tuple(pick(knowledge, parts[2])))
        return StartLive(
            int(ident), tuple(pick_numbers(knowledge, parts[2].replace(".", " ")) or ())
        )
    moves: dict[str, Literal["n", "x", "e"]] = {"n": "n", "x": "x", "e": "e"}
    if head in moves and ident.isdecimal():
        round_ = int(parts[2]) if len(parts) > 2 and parts[2].isdecimal() else None
        return MoveLive(int(ident), moves[head], round_)
    return None


def join_code(payload: str) -> str:
    """The session's code in the start payload of the join QR."""
    return payload.strip().removeprefix(JOIN_PREFIX)
