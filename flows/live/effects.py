"""What the live session's dialogue asks the live service to do (it has the sessions,
the cohorts and the votes): :data:`LiveEffect` for the buttons, :class:`OpenLive` for
``/live``, which comes through the conversation."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True, slots=True)
class OpenLive:
    """``/live``: the facilitator's cohorts to run a session for. ``dilemmas``: those
    typed after the command by number (none typed: chosen next, by level); ``unknown``: a
    number was typed that is no dilemma's."""

    dilemmas: tuple[str, ...] = ()
    unknown: bool = False


@dataclass(frozen=True, slots=True)
class ChooseDilemmas:
    """The facilitator chose a cohort: which dilemmas, by level or all."""

    cohort_id: int


@dataclass(frozen=True, slots=True)
class StartLive:
    """A session for the cohort with these dilemmas, in its lobby (none: refused)."""

    cohort_id: int
    dilemmas: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class MoveLive:
    """``n`` the next round, ``x`` close the round, ``e`` end; ``round``: the round the
    button was shown for (None: any)."""

    session_id: int
    what: Literal["n", "x", "e"]
    round: int | None


@dataclass(frozen=True, slots=True)
class CastVote:
    """A participant's place ``0``–``4`` in the round, or ``s``: "plays strongly" toggled."""

    session_id: int
    round: int
    choice: str


LiveEffect = ChooseDilemmas | StartLive | MoveLive | CastVote
"""A button of the live session, read: applied by :meth:`bot.app.live.Live.apply`."""
