"""Alembic environment; migrations run on the sync connection of ``Database.run_connection``.

With ``config.attributes["connection"]`` set (how :mod:`storage.migrate` calls us) the
migrations run on that connection, inside its transaction. Otherwise a
:class:`~storage.db.Database` is opened on ``config.attributes["url"]`` (or the
``sqlalchemy.url`` option) and closed again afterwards.
"""

from __future__ import annotations

import asyncio
from typing import Any, Literal

from alembic import context
from alembic.autogenerate.api import AutogenContext
from sqlalchemy import Connection

from storage.db import Database
from storage.errors import StorageError
from storage.models import Base, UTCDateTime

config = context.config


def render_item(kind: str, item: Any, _context: AutogenContext) -> str | Literal[False]:
    """Write ``UTCDateTime`` as the column type it stores, so migrations need no models."""
    if kind == "type" and isinstance(item, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def run_migrations(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=True,  # SQLite alters tables by rebuilding them
        compare_type=True,
        render_item=render_item,
    )
    with context.begin_transaction():
        context.run_migrations()


async def run_migrations_on_url(url: str) -> None:
    db = Database(url)
    try:
        await db.run_connection(run_migrations, schema_change=True)
    finally:
        await db.dispose()


def main() -> None:
    if context.is_offline_mode():
        raise StorageError("offline (--sql) migrations are not supported")
    connection = config.attributes.get("connection")
    if connection is not None:
        run_migrations(connection)
        return
    url = config.attributes.get("url") or config.get_main_option("sqlalchemy.url")
    if not url:
        raise StorageError("no database URL given to the migrations")
    asyncio.run(run_migrations_on_url(url))


main()
