"""Persistence: SQLAlchemy 2 async models, the repository and Alembic migrations.

Typical use, one unit of work per handled event::

    db = Database(settings.database_url)
    await ensure_schema(db, auto_upgrade=db.is_sqlite)   # from storage.migrate
    async with db.unit() as repo:
        user = await repo.get_or_create_user("telegram", "12345", "nl")
    await db.dispose()
"""

from storage.db import Database, normalize_url
from storage.errors import ConcurrentUpdate, DatabaseUnavailable, SchemaBehind, StorageError
from storage.models import (
    AdviceGiven,
    AuditEntry,
    Conversation,
    OutboxMessage,
    Reflection,
    User,
    utc_now,
)
from storage.repository import Clock, ConversationRecord, OutboxKind, Repository, Visit

__all__ = [
    "AdviceGiven",
    "AuditEntry",
    "Clock",
    "ConcurrentUpdate",
    "Conversation",
    "ConversationRecord",
    "Database",
    "DatabaseUnavailable",
    "OutboxKind",
    "OutboxMessage",
    "Reflection",
    "Repository",
    "SchemaBehind",
    "StorageError",
    "User",
    "Visit",
    "normalize_url",
    "utc_now",
]
