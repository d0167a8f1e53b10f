"""Wiring shared by every channel: settings → database, knowledge, advisor."""

from __future__ import annotations

import logging

from bot.app.advisor import Advisor
from bot.settings import Settings
from knowledge.checked import ValidationCache
from knowledge.store import KnowledgeStore
from storage import Database
from storage.migrate import ensure_schema

QUIET_LOGGERS = ("httpx", "transitions", "alembic", "aiohttp.access")
"""Chatty at INFO (a line per request or transition); heard only when debugging."""


LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class RedactingFormatter(logging.Formatter):
    """Formats as usual, then replaces the bot token wherever it shows (URLs, tracebacks)."""

    def __init__(self, token: str | None) -> None:
        super().__init__(LOG_FORMAT)
        self.token = token

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        return text.replace(self.token, "<BOT_TOKEN>") if self.token else text


def configure_logging(settings: Settings, *, default: str = "INFO") -> None:
    """Log lines at ``LOG_LEVEL`` (or ``default``) with the token redacted."""
    level = settings.log_level or default
    logging.basicConfig(level=level, format=LOG_FORMAT)
    for handler in logging.getLogger().handlers:
        handler.setFormatter(RedactingFormatter(settings.bot_token))
    if level != "DEBUG":
        for name in QUIET_LOGGERS:
            logging.getLogger(name).setLevel(logging.WARNING)


async def open_advisor(settings: Settings) -> Advisor:
    """Knowledge loaded and validated, database reachable and its schema current.

    The embedded SQLite default upgrades its own schema; any other database must be
    upgraded with ``python -m bot db upgrade`` (we say so rather than touch it).
    """
    # A restart with knowledge that passed before skips the checks (see knowledge.checked).
    knowledge = KnowledgeStore(settings.knowledge_dir, ValidationCache.default())
    db = Database(settings.database_url)
    try:
        await ensure_schema(db, auto_upgrade=db.is_sqlite)
    except BaseException:
        await db.dispose()
        raise
    admins = [("telegram", str(admin)) for admin in settings.admin_ids]
    return Advisor(
        db,
        knowledge,
        admins=admins,
        timezone=settings.timezone,
        insight_min_group=settings.insight_min_group,
        invite_days=settings.invite_days,
    )
