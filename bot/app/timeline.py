"""The timeline service: a snapshot of each day's completed intake, and ``/verloop``.

A snapshot is kept whenever the advice shown changes (the intake completed, an answer
changed, a re-check); the day's last state is the day's point (days in the bot's time
zone), and the state the day's first change replaced stays beside it as its "before".
Snapshots are rows about the user like any other: exported by ``/mijngegevens``, erased
by ``/vergeet`` and by retention (both walk the schema).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.app.context import Visitor
from flows.cohorts.schedule import next_allowed
from flows.events import SaveAdvice
from flows.timeline.content import DatedReflection, Point, timeline_screen
from flows.timeline.recheck import RECHECK_DAYS


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
        self.plan_recheck(v, v.now)

    def resume_recheck(self, v: Visitor) -> None:
        """Reminders switched on again: the re-check of the newest point comes back (at
        once in the next window when its moment passed meanwhile)."""
        history = v.repo.snapshots.history(v.user_id)
        if history:
            self.plan_recheck(v, history[-1].taken_at)

    def plan_recheck(self, v: Visitor, since: datetime) -> None:
        """The re-check :data:`RECHECK_DAYS` after the newest point (taken ``since``), in
        the user's working hours (their window and zone, like nudges); none for users who
        switched reminders off. A newer point moves it: only the latest one stays planned."""
        v.repo.outbox.cancel_pending(v.user_id, "recheck")
        settings = v.repo.cohorts.nudge_settings(v.user_id)
        window = v.knowledge.window(settings.window) or v.knowledge.window()
        if settings.off or window is None:
            return
        zone = ZoneInfo(settings.timezone) if settings.timezone else self.zone
        due = next_allowed(max(since + timedelta(days=RECHECK_DAYS), v.now), window, zone)
        key = f"recheck:{v.user_id}:{due.date().isoformat()}"
        v.repo.outbox.plan(v.user_id, "recheck", [(key, due, {"since": since.isoformat()})])

    def points(self, v: Visitor) -> list[Point]:
        """The user's timeline, oldest first: each day's point with the day's first
        state beside it when the day changed more than once."""
        points = []
        for s in v.repo.snapshots.history(v.user_id):
            day = self.today(s.taken_at)
            opened = None
            if s.before_answers is not None:
                opened = Point(day, dict(s.before_answers), s.before_dilemmas or (), s.kind)
            points.append(Point(day, dict(s.answers), s.dilemmas, s.kind, opened))
        return points

    def show(self, v: Visitor) -> None:
        """``/verloop``: the changes and the dated reflections."""
        reflections = [
            DatedReflection(r.subject, self.today(r.created_at), r.text)
            for r in v.repo.list_reflections(v.user_id)
        ]
        v.show(timeline_screen(v.say, self.points(v), reflections, self.today(v.now)))
