"""Persistence: SQLAlchemy 2 models, the (synchronous) repository and Alembic migrations.

Typical use, one unit of work per handled event: a plain function gets a
:class:`Repository`, runs in one transaction (committed when it returns, rolled back when
it raises) and its result comes back::

    db = Database(settings.database_url)
    await ensure_schema(db, auto_upgrade=db.is_sqlite)   # from storage.migrate
    user = await db.run(lambda repo: repo.get_or_create_user("telegram", "12345", "nl"))
    await db.dispose()

On SQLite every unit runs whole and inline on the event loop (sync ``sqlite3``, no thread
hop); on PostgreSQL it runs on the loop through asyncpg. See :mod:`storage.db`.
"""

from storage.db import Database, normalize_url
from storage.dispatchers import DispatcherStore
from storage.errors import ConcurrentUpdate, DatabaseUnavailable, SchemaBehind, StorageError
from storage.models import (
    AdviceGiven,
    AuditEntry,
    Clock,
    Conversation,
    DispatcherHeartbeat,
    OutboxMessage,
    Reflection,
    User,
    utc_now,
)
from storage.outbox import OutboxItem, OutboxKind, OutboxStore
from storage.repository import ConversationRecord, Repository, Visit

__all__ = [
    "AdviceGiven",
    "AuditEntry",
    "Clock",
    "ConcurrentUpdate",
    "Conversation",
    "ConversationRecord",
    "Database",
    "DatabaseUnavailable",
    "DispatcherHeartbeat",
    "DispatcherStore",
    "OutboxItem",
    "OutboxKind",
    "OutboxMessage",
    "OutboxStore",
    "Reflection",
    "Repository",
    "SchemaBehind",
    "StorageError",
    "User",
    "Visit",
    "normalize_url",
    "utc_now",
]
