"""What the cohorts feature asks the service to do on top of the core's effects: list the
coordinators a page at a time, revoke an open coordinator invitation, adopt a cohort
without owner (admins). Plain values."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ListCoordinators:
    """Show the coordinators, to an admin: as many as fit one message, from the
    ``start``-th (0: the first) on."""

    start: int = 0


@dataclass(frozen=True, slots=True)
class RevokeInvite:
    """Withdraw an open coordinator invitation (admins)."""

    invite_id: int


@dataclass(frozen=True, slots=True)
class AdoptCohort:
    """Become the owner of a cohort without one (admins)."""

    cohort_id: int


StewardshipEffect = RevokeInvite | AdoptCohort
