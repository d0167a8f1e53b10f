"""What the handout dialogue asks the service to do (it has the reflections)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ChooseHandout:
    """Show the user's reflections to tick for the handout (``picked`` are ticked); with
    no reflections at all, make the handout at once. ``toggle``: the screen replaces the
    one whose box was ticked."""

    picked: tuple[int, ...]
    name: str | None
    answers: dict[str, str]
    toggle: bool = False


@dataclass(frozen=True, slots=True)
class MakeHandout:
    """Make the PDF of the advice for ``answers``, with these of the user's reflections
    and, if given, their name."""

    picked: tuple[int, ...]
    name: str | None
    answers: dict[str, str]


HandoutEffect = ChooseHandout | MakeHandout
