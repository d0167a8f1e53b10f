"""Noticing that the SQLite file was deleted or replaced under a running bot.

SQLite keeps writing to a file it has open even after it was deleted (the directory entry
is gone, the inode lives on until the last connection closes): every answer, reflection
and broadcast from then on is lost at the next restart, with no error anywhere. A moved
or restored file is no better: the bot goes on writing into the old one. The bot checks
the file's identity (device and inode) every few seconds and stops when it changed.
"""

from __future__ import annotations

import os
from pathlib import Path

from storage.db import Database


class DatabaseFile:
    """The SQLite file a database had open when this was made."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._identity = _identity(path)

    @classmethod
    def of(cls, db: Database) -> DatabaseFile | None:
        """The file of ``db`` (which has been opened); None for PostgreSQL or memory."""
        return cls(db.file) if db.file is not None else None

    def problem(self) -> str | None:
        """What happened to the file ("deleted", "replaced"), or None while it is the one
        opened."""
        identity = _identity(self.path)
        if identity is None:
            return "deleted"
        if identity != self._identity:
            return "replaced"
        return None


def _identity(path: Path) -> tuple[int, int] | None:
    try:
        status = os.stat(path)
    except FileNotFoundError:
        return None
    return status.st_dev, status.st_ino
