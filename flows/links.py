"""What a workshop link (``t.me/<bot>?start=<cohort code>``) is, as the service found it
before the user agreed: the consent question and the declined screen say what agreeing
will really do with it (:mod:`flows.privacy.screens`). Plain values that import nothing of
the project: the events carry them (:attr:`flows.events.Event.joining`), and the service
(``bot.app.stewardship``) decides them by the rule joining follows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum


class LinkStatus(StrEnum):
    """What agreeing with a workshop link does, as joining would decide it now."""

    OPEN = "open"
    """Agreeing signs the user up for the workshop's follow-up."""
    CLOSED = "closed"
    """Its coordinator closed it to new members: agreeing signs up for nothing."""
    PAUSED = "paused"
    """It has no coordinator any more (revoked, or erased their data): it takes no new
    members until an admin adopts it."""
    UNKNOWN = "unknown"
    """No workshop has this code (a mistyped, cut-off or made-up link)."""


@dataclass(frozen=True, slots=True)
class WorkshopLink:
    """The workshop of a link: what agreeing does (``status``), and how to name it."""

    status: LinkStatus
    name: str | None = None
    """The workshop's name as its coordinator typed it (escaped by the channel like every
    value); None for a code of no workshop, or a name erased with its coordinator."""
    day: date | None = None
    """The workshop's day in its own time zone, which names a workshop whose name was
    erased ("de workshop van 11 december 2026"); None for a code of no workshop."""

    @property
    def joins(self) -> bool:
        """Whether agreeing signs the user up for the workshop's follow-up."""
        return self.status is LinkStatus.OPEN


UNKNOWN_LINK = WorkshopLink(LinkStatus.UNKNOWN)
