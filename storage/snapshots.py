"""Snapshots of a user's answers and advice: the points of their timeline (/verloop)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.models import Clock, Snapshot


@dataclass(frozen=True, slots=True)
class SnapshotInfo:
    answers: dict[str, str]
    dilemmas: tuple[str, ...]
    knowledge_version: str
    kind: str
    taken_at: datetime
    before_answers: dict[str, str] | None = None
    """The day's first state, when the day saw more than one (else None)."""
    before_dilemmas: tuple[str, ...] | None = None


class SnapshotStore:
    """Snapshots inside the caller's unit of work."""

    def __init__(self, session: Session, clock: Clock) -> None:
        self._session = session
        self._clock = clock

    def record(
        self,
        user_id: int,
        answers: Mapping[str, Any],
        dilemmas: Sequence[str],
        knowledge_version: str,
        kind: str,
        day_began: datetime,
    ) -> bool:
        """Keep the user's answers and advice now. A snapshot taken since ``day_began``
        (the start of the user's day) is replaced: a day's changes are one point of the
        timeline, its last state; the state it replaces first (the day's first) is kept
        as the point's "before". True when a new point was added."""
        latest = self._latest(user_id)
        now = self._clock()
        if latest is not None and latest.taken_at >= day_began:
            if latest.before_answers is None:
                latest.before_answers = dict(latest.answers)
                latest.before_dilemmas = list(latest.dilemmas)
            latest.answers = {k: str(v) for k, v in answers.items()}
            latest.dilemmas = list(dilemmas)
            latest.knowledge_version = knowledge_version
            latest.kind = kind if kind == "recheck" else latest.kind
            latest.taken_at = now
            return False
        self._session.add(
            Snapshot(
                user_id=user_id,
                answers={k: str(v) for k, v in answers.items()},
                dilemmas=list(dilemmas),
                knowledge_version=knowledge_version,
                kind=kind,
                taken_at=now,
            )
        )
        self._session.flush()
        return True

    def history(self, user_id: int) -> list[SnapshotInfo]:
        """The user's snapshots, oldest first."""
        query = (
            select(Snapshot)
            .where(Snapshot.user_id == user_id)
            .order_by(Snapshot.taken_at, Snapshot.id)
        )
        return [
            SnapshotInfo(
                dict(row.answers),
                tuple(row.dilemmas),
                row.knowledge_version,
                row.kind,
                row.taken_at,
                None if row.before_answers is None else dict(row.before_answers),
                None if row.before_dilemmas is None else tuple(row.before_dilemmas),
            )
            for row in self._session.scalars(query)
        ]

    def _latest(self, user_id: int) -> Snapshot | None:
        query = (
            select(Snapshot)
            .where(Snapshot.user_id == user_id)
            .order_by(Snapshot.taken_at.desc(), Snapshot.id.desc())
            .limit(1)
        )
        return self._session.scalars(query).first()
