"""Schema migrations (Alembic), run from code: no ``alembic.ini`` needed.

Alembic is synchronous: it gets the connection of :meth:`Database.run_connection
<storage.db.Database.run_connection>`, so it runs in one transaction; on SQLite with
foreign keys checked at the end.

``python -m bot db upgrade`` calls :func:`upgrade_url`; at start-up the bot calls
:func:`ensure_schema`, which upgrades the embedded SQLite database itself and asks the
operator to upgrade any other.

Alembic (with Mako and Pygments: a sixth of the bot's start-up and 10 MB) is imported only
to change or inspect the history: a start on a current schema reads the version table and
the revision ids of the migration files itself.
"""

from __future__ import annotations

import asyncio
import re
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, inspect, text

from storage.db import Database
from storage.errors import SchemaBehind, StorageError

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
VERSION_TABLE = "alembic_version"
_REVISION = re.compile(r"^revision(?:: str)? = [\"']([^\"']+)[\"']$", re.MULTILINE)
_DOWN_REVISION = re.compile(r"^down_revision(?:: [^=]+)? = (.+)$", re.MULTILINE)


def alembic_config() -> Config:
    """The Alembic configuration, built in code; set ``attributes["connection"]`` to use it."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


def head_revision() -> str:
    """The newest revision this code knows."""
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    if head is None:
        raise StorageError(f"no migrations found in {MIGRATIONS_DIR}")
    return head


def head_of_files() -> str | None:
    """The head revision read from the migration files without Alembic; None when their
    history is not one straight line (then ask Alembic)."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in (MIGRATIONS_DIR / "versions").glob("*.py"):
        source = path.read_text(encoding="utf-8")
        revision, down = _REVISION.search(source), _DOWN_REVISION.search(source)
        if revision is None or down is None:
            return None
        revisions.add(revision.group(1))
        parents.update(re.findall(r"[\"']([^\"']+)[\"']", down.group(1)))
    heads = revisions - parents
    return heads.pop() if len(heads) == 1 else None


def _known_revisions() -> set[str]:
    from alembic.script import ScriptDirectory

    scripts = ScriptDirectory.from_config(alembic_config()).walk_revisions()
    return {script.revision for script in scripts}


def _upgrade_to_head(connection: Connection) -> None:
    from alembic import command

    config = alembic_config()
    config.attributes["connection"] = connection
    command.upgrade(config, "head")


def _revision_of(connection: Connection) -> str | None:
    if not inspect(connection).has_table(VERSION_TABLE):
        return None
    rows = connection.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).scalars().all()
    if len(rows) > 1:
        raise StorageError(f"the database is at several revisions at once: {', '.join(rows)}")
    return str(rows[0]) if rows else None


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
    current = await current_revision(db)
    if current is not None and current == head_of_files():
        return
    head = head_revision()
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
