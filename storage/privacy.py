"""Everything the database holds about one person: handed back, or forgotten.

Both walk the schema itself (every table with a column that refers to ``users.id``), so
a table added later is exported and erased without anyone remembering to add it here.
A reference declared ``ON DELETE SET NULL`` (the audit trail's actor) is anonymised
instead of deleted: the trail keeps what happened, not who did it.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from typing import Any

from sqlalchemy import Column, Table, case, delete, select, update
from sqlalchemy.orm import Session

from storage.models import Base, Broadcast, Cohort, OutboxMessage, User

ANONYMOUS = "anonymous"
ERASED_NAME = "—"
"""The name of a cohort whose coordinator erased their data."""


def user_references() -> Iterator[tuple[Table, Column[Any], str | None]]:
    """(table, column, ondelete) for every column that refers to ``users.id``."""
    for table in Base.metadata.sorted_tables:
        for column in table.columns:
            for key in column.foreign_keys:
                if key.column.table.name == User.__tablename__:
                    yield table, column, key.ondelete


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def _changed(result: Any) -> int:
    """Rows an UPDATE or DELETE changed (a CursorResult's rowcount)."""
    return int(result.rowcount or 0)


class PrivacyStore:
    """Export and erasure inside the caller's unit of work."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def export(self, user_id: int) -> dict[str, list[dict[str, Any]]]:
        """Every row about the user, table by table, as JSON-ready values."""
        users = Base.metadata.tables[User.__tablename__]
        result = {
            users.name: [
                {k: _plain(v) for k, v in row._mapping.items()}
                for row in self._session.execute(select(users).where(users.c.id == user_id))
            ]
        }
        for table, column, _ in user_references():
            rows = self._session.execute(select(table).where(column == user_id))
            result.setdefault(table.name, []).extend(
                {k: _plain(v) for k, v in row._mapping.items()} for row in rows
            )
        return result

    def forget(self, user_id: int) -> int:
        """Delete the user and every row about them; anonymise audit rows. Returns rows touched.

        What a coordinator wrote that stays for others goes too: the names of their
        cohorts (shown to members; the cohorts live on without owner, see
        bot.app.stewardship) become :data:`ERASED_NAME`, and their broadcasts lose
        their text, with the deliveries not made yet cancelled.
        """
        touched = self._forget_authored(user_id)
        marker = f"user:{user_id}"
        for table, column, ondelete in user_references():
            if (ondelete or "").upper() == "SET NULL":
                statement = update(table).where(column == user_id).values({column.name: None})
                touched += _changed(self._session.execute(statement))
                if "subject" in table.c:
                    scrub = update(table).where(table.c.subject == marker).values(subject=ANONYMOUS)
                    touched += _changed(self._session.execute(scrub))
            else:
                touched += _changed(self._session.execute(delete(table).where(column == user_id)))
        touched += _changed(self._session.execute(delete(User).where(User.id == user_id)))
        return touched

    def _forget_authored(self, user_id: int) -> int:
        owned = select(Broadcast.id).where(Broadcast.owner_user_id == user_id)
        touched = _changed(
            self._session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.broadcast_id.in_(owned), OutboxMessage.status == "pending")
                .values(status="cancelled")
            )
        )
        touched += _changed(
            self._session.execute(
                update(Broadcast)
                .where(Broadcast.owner_user_id == user_id)
                .values(
                    text="",
                    status=case(
                        (Broadcast.status == "sending", "cancelled"), else_=Broadcast.status
                    ),
                )
            )
        )
        touched += _changed(
            self._session.execute(
                update(Cohort).where(Cohort.owner_user_id == user_id).values(name=ERASED_NAME)
            )
        )
        return touched

    def forget_inactive(self, last_seen_before: datetime) -> int:
        """Forget every user not seen since ``last_seen_before`` (the retention rule)."""
        stale = self._session.scalars(
            select(User.id).where(User.last_seen_at < last_seen_before)
        ).all()
        for user_id in stale:
            self.forget(user_id)
        return len(stale)
