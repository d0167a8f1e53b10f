"""Small dialect helpers and queries shared by the repository's stores."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.dml import Insert
from sqlalchemy.sql.expression import Executable

from storage.models import AdviceGiven, Base

if TYPE_CHECKING:
    from sqlalchemy.dialects import postgresql, sqlite

    DialectInsert = postgresql.Insert | sqlite.Insert

ADVICE_SHOWN = 3
"""How many dilemmas the advice shows (``knowledge.engine.TOP_N``): a member recognises
the dilemmas among the first this many of their latest advice."""


def is_postgresql(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def dialect_insert(session: Session) -> Callable[[type[Base]], DialectInsert]:
    """This database's INSERT, with its ON CONFLICT clauses. PostgreSQL's dialect module is
    imported only where it is the database (it costs start-up time on SQLite)."""
    if is_postgresql(session):
        from sqlalchemy.dialects import postgresql

        return postgresql.insert
    from sqlalchemy.dialects import sqlite

    return sqlite.insert


def insert_unless_exists(
    session: Session, model: type[Base], unique: str | tuple[str, ...]
) -> Insert:
    """INSERT … ON CONFLICT (unique columns) DO NOTHING, in this database's dialect."""
    columns = [unique] if isinstance(unique, str) else list(unique)
    return dialect_insert(session)(model).on_conflict_do_nothing(index_elements=columns)


def plain_rows(session: Session, query: Executable) -> list[Sequence[Any]]:
    """The rows of ``query`` as the database driver returns them, without SQLAlchemy's
    result rows around each: for many rows of plain numbers (10,000 memberships take
    3 ms against 17 ms). Only for columns the driver gives as they are (integers,
    text); JSON, timestamps and anything else SQLAlchemy converts go through
    :func:`reader`."""
    result = session.connection().execute(query)
    try:
        return list(result.cursor.fetchall())
    finally:
        result.close()


def reader(session: Session, column: ColumnElement[Any]) -> Callable[[Any], Any]:
    """How SQLAlchemy turns what this database's driver gives for ``column`` into its
    Python value (JSON text into a dict, for one), for a column of :func:`plain_rows`
    that needs it: used on the few rows that do, the many others stay plain."""
    dialect = session.get_bind().dialect
    processor = column.type.dialect_impl(dialect).result_processor(dialect, None)
    return processor if processor is not None else _as_is


def _as_is(value: Any) -> Any:
    return value


def latest_advice(users: Sequence[int] | Select[Any]) -> Select[Any]:
    """The query of (user id, dilemmas) of each of these users' latest advice (by time,
    then id): one row per advised user, the dilemmas best first."""
    newest_first = func.row_number().over(
        partition_by=AdviceGiven.user_id,
        order_by=(AdviceGiven.created_at.desc(), AdviceGiven.id.desc()),
    )
    who: ColumnElement[bool] = AdviceGiven.user_id.in_(
        users if isinstance(users, Select) else list(users)
    )
    ranked = (
        select(AdviceGiven.user_id, AdviceGiven.dilemmas, newest_first.label("rank"))
        .where(who)
        .subquery()
    )
    return select(ranked.c.user_id, ranked.c.dilemmas).where(ranked.c.rank == 1)


def shown_of(dilemmas: Sequence[object]) -> tuple[str, ...]:
    """The dilemmas an advice showed: its first :data:`ADVICE_SHOWN`, each once."""
    return tuple(dict.fromkeys(str(d) for d in dilemmas[:ADVICE_SHOWN]))


def latest_advice_shown(
    session: Session, users: Sequence[int] | Select[Any]
) -> dict[int, tuple[str, ...]]:
    """Per user (ids, or a query of them): the dilemmas shown in their latest advice."""
    return {
        user_id: shown_of(dilemmas) for user_id, dilemmas in session.execute(latest_advice(users))
    }
