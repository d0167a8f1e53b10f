"""Errors raised by the storage layer.

Exception tree::

    StorageError              the database cannot be used as asked; the message says why
    ├── ConcurrentUpdate      another unit of work changed the row first; retry the event
    ├── SchemaBehind          migrations are pending; run ``python -m bot db upgrade``
    └── DatabaseUnavailable   no connection (server down, wrong address, file locked),
                              or it was lost where the unit could not run again

Errors of the database itself (constraint violations, bad SQL) are bugs and pass
through as SQLAlchemy exceptions.
"""

from __future__ import annotations

UPGRADE_COMMAND = "python -m bot db upgrade"


class StorageError(Exception):
    """The database cannot be used as asked; the message says why."""


class ConcurrentUpdate(StorageError):
    """Another unit of work changed the row since it was read; handle the event again."""


class SchemaBehind(StorageError):
    """The database schema is older than this code; the message says how to upgrade."""

    def __init__(self, current: str | None, expected: str) -> None:
        self.current = current
        self.expected = expected
        found = f"revision {current}" if current else "no revision (an empty database)"
        super().__init__(
            f"the database schema is at {found}, this version needs revision {expected}; "
            f"run `{UPGRADE_COMMAND}` to upgrade it"
        )


class DatabaseUnavailable(StorageError):
    """No connection to the database could be made (or it stayed locked too long), or the
    connection was lost where running the unit again is not safe: during its COMMIT, which
    may have gone through, or a second time."""
