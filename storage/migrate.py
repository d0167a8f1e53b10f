"""Schema migrations (Alembic), run from code: no ``alembic.ini`` needed.

Alembic is synchronous: it gets the connection of :meth:`Database.run_connection
<storage.db.Database.run_connection>`, so it runs in one transaction; on SQLite with
foreign keys checked at the end.

``python -m bot db upgrade`` calls :func:`upgrade_url`; at start-up the bot calls
:func:`ensure_schema`, which upgrades the embedded SQLite database itself and asks the
operator to upgrade any other.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection

from storage.db import Database
from storage.errors import SchemaBehind, StorageError

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def alembic_config() -> Config:
    """The Alembic configuration, built in code; set ``attributes["connection"]`` to use it."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


def head_revision() -> str:
    """The newest revision this code knows."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    if head is None:
        raise StorageError(f"no migrations found in {MIGRATIONS_DIR}")
    return head


def _known_revisions() -> set[str]:
    scripts = ScriptDirectory.from_config(alembic_config()).walk_revisions()
    return {script.revision for script in scripts}


def _upgrade_to_head(connection: Connection) -> None:
    config = alembic_config()
    config.attributes["connection"] = connection
    command.upgrade(config, "head")


def _revision_of(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


async def upgrade(db: Database) -> None:
    """Apply every pending migration, in one transaction."""
    await db.run_connection(_upgrade_to_head, schema_change=True)


async def current_revision(db: Database) -> str | None:
    """The revision the database is at; None for an empty database."""
    return await db.run_connection(_revision_of)


async def ensure_schema(db: Database, *, auto_upgrade: bool) -> None:
    """Make sure the schema is current: upgrade it, or raise :class:`SchemaBehind`.

    A revision this code does not know (the database is newer than the code) is a
    :class:`StorageError`: we never guess how to go back.
    """
    current, head = await current_revision(db), head_revision()
    if current == head:
        return
    if current is not None and current not in _known_revisions():
        raise StorageError(
            f"the database schema is at revision {current}, which this version does not "
            "know; is a newer version of the bot using this database?"
        )
    if not auto_upgrade:
        raise SchemaBehind(current, head)
    await upgrade(db)


async def _upgrade_url(url: str) -> None:
    db = Database(url)
    try:
        await upgrade(db)
    finally:
        await db.dispose()


def upgrade_url(url: str) -> None:
    """``python -m bot db upgrade``: bring the database at ``url`` to the newest schema."""
    asyncio.run(_upgrade_url(url))
