"""What the timeline dialogue asks the service to do (it has the snapshots)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ShowTimeline:
    """Show how the user's answers and advice changed, and their dated reflections."""


TimelineEffect = ShowTimeline
