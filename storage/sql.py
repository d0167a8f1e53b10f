"""Small dialect helpers shared by the repository's stores."""

from __future__ import annotations

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from sqlalchemy.sql.dml import Insert

from storage.models import Base


def is_postgresql(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def insert_unless_exists(
    session: Session, model: type[Base], unique: str | tuple[str, ...]
) -> Insert:
    """INSERT … ON CONFLICT (unique columns) DO NOTHING, in this database's dialect."""
    columns = [unique] if isinstance(unique, str) else list(unique)
    if is_postgresql(session):
        return postgresql.insert(model).on_conflict_do_nothing(index_elements=columns)
    return sqlite.insert(model).on_conflict_do_nothing(index_elements=columns)
