"""The timeline service: a snapshot of each day's completed intake, and ``/verloop``.

A snapshot is kept whenever the advice shown changes (the intake completed, an answer
changed, a re-check); the day's last state is the day's point (days in the bot's time
zone). Snapshots are rows about the user like any other: exported by ``/mijngegevens``,
erased by ``/vergeet`` and by retention (both walk the schema).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from bot.app.context import Visitor
from flows.events import SaveAdvice
from flows.replies import Span
from flows.timeline.content import DatedReflection, Point, change_line, timeline_screen


class Timelines:
    """Snapshots and the timeline, in ``timezone`` (the bot's)."""

    def __init__(self, timezone: str) -> None:
        self.zone = ZoneInfo(timezone)

    def today(self, moment: datetime) -> date:
        """The day of ``moment`` in the timeline's time zone."""
        return moment.astimezone(self.zone).date()

    def snapshot(self, v: Visitor, effect: SaveAdvice) -> None:
        """Keep the answers and advice as today's point of the user's timeline."""
        day_began = datetime.combine(self.today(v.now), time(0), self.zone).astimezone(UTC)
        v.repo.snapshots.record(
            v.user_id, effect.profile, effect.dilemmas, v.knowledge.version, effect.kind, day_began
        )

    def points(self, v: Visitor) -> list[Point]:
        return [
            Point(self.today(s.taken_at), dict(s.answers), s.dilemmas, s.kind)
            for s in v.repo.snapshots.history(v.user_id)
        ]

    def last_change(self, v: Visitor, today: date) -> list[Span]:
        """ "Sinds 12 maart: …" between the last two points; nothing with fewer than two."""
        points = self.points(v)
        if len(points) < 2:
            return []
        return change_line(v.say, points[-2], points[-1], today)

    def show(self, v: Visitor) -> None:
        """``/verloop``: the changes and the dated reflections."""
        reflections = [
            DatedReflection(r.subject, self.today(r.created_at), r.text)
            for r in v.repo.list_reflections(v.user_id)
        ]
        v.show(timeline_screen(v.say, self.points(v), reflections, self.today(v.now)))
