"""The timeline service: a snapshot of each day's completed intake, and ``/verloop``.

A snapshot is kept whenever the advice shown changes (the intake completed, an answer
changed, a re-check); the day's last state is the day's point (days in the bot's time
zone). Snapshots are rows about the user like any other: exported by ``/mijngegevens``,
erased by ``/vergeet`` and by retention (both walk the schema).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from flows.events import Outcome
from flows.replies import Span
from flows.screens import Say
from flows.timeline.content import DatedReflection, Point, change_line, timeline_screen
from knowledge.model import Knowledge
from storage import Repository


class Timelines:
    """Snapshots and the timeline, in ``timezone`` (the bot's)."""

    def __init__(self, timezone: str) -> None:
        self.zone = ZoneInfo(timezone)

    def today(self, now: datetime) -> date:
        return now.astimezone(self.zone).date()

    def snapshot(
        self,
        repo: Repository,
        user_id: int,
        answers: dict[str, str],
        dilemmas: tuple[str, ...],
        knowledge: Knowledge,
        now: datetime,
        kind: str = "intake",
    ) -> None:
        """Keep the answers and advice as today's point of the user's timeline."""
        day_began = datetime.combine(self.today(now), time(0), self.zone).astimezone(UTC)
        repo.snapshots.record(user_id, answers, dilemmas, knowledge.version, kind, day_began)

    def points(self, repo: Repository, user_id: int) -> list[Point]:
        return [
            Point(self.today(s.taken_at), dict(s.answers), s.dilemmas, s.kind)
            for s in repo.snapshots.history(user_id)
        ]

    def last_change(self, repo: Repository, say: Say, user_id: int, now: datetime) -> list[Span]:
        """ "Sinds 12 maart: …" between the last two points; nothing with fewer than two."""
        points = self.points(repo, user_id)
        if len(points) < 2:
            return []
        return change_line(say, points[-2], points[-1], self.today(now))

    def show(
        self, repo: Repository, knowledge: Knowledge, user_id: int, outcome: Outcome, now: datetime
    ) -> None:
        say = Say(knowledge, outcome.state.lang)
        reflections = [
            DatedReflection(r.subject, self.today(r.created_at), r.text)
            for r in repo.list_reflections(user_id)
        ]
        points = self.points(repo, user_id)
        outcome.replies.append(timeline_screen(say, points, reflections, self.today(now)))
