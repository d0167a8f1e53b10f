"""The running outbox dispatchers, by heartbeat: how many share the bot's message budget.

Every dispatcher renews its row (its claimer name, the time) every few seconds and counts
the rows renewed within a liveness window: itself and the others still running. A
dispatcher that stops deletes its row; the row of one that died ages out of the window,
and is deleted by the others once it is far older than that.

Times come from the repository's clock, so the hosts' clocks must agree to well within the
liveness window (they do when they keep time by NTP).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.dml import Insert

from storage.models import Clock, DispatcherHeartbeat
from storage.sql import dialect_insert


class DispatcherStore:
    """Heartbeats inside the caller's unit of work."""

    def __init__(self, session: Session, clock: Clock) -> None:
        self._session = session
        self._clock = clock

    def heartbeat(self, name: str, alive: timedelta, forget: timedelta) -> int:
        """Record that dispatcher ``name`` runs now; delete the rows not renewed within
        ``forget``; return how many dispatchers renewed theirs within ``alive``, this
        one included."""
        now = self._clock()
        self._session.execute(self._upsert(name, now))
        self._session.execute(
            delete(DispatcherHeartbeat).where(DispatcherHeartbeat.seen_at < now - forget)
        )
        live = (
            select(func.count())
            .select_from(DispatcherHeartbeat)
            .where(DispatcherHeartbeat.seen_at >= now - alive)
        )
        return int(self._session.execute(live).scalar_one())

    def _upsert(self, name: str, now: datetime) -> Insert:
        """INSERT … ON CONFLICT (name) DO UPDATE SET seen_at, in this database's dialect."""
        return (
            dialect_insert(self._session)(DispatcherHeartbeat)
            .values(name=name, seen_at=now)
            .on_conflict_do_update(index_elements=["name"], set_={"seen_at": now})
        )

    def leave(self, name: str) -> None:
        """Dispatcher ``name`` stops: the others need not wait for its row to age."""
        self._session.execute(delete(DispatcherHeartbeat).where(DispatcherHeartbeat.name == name))
