"""A reply that cannot go out now is never silently dropped: it is left to the outbox
(delivered by the outbox sender, with its retries and Telegram's pauses) or, when it cannot
wait there, the user is told that something went wrong.

What cannot go now: Telegram asked to wait longer than a reply may (``retry_after`` over
10 s), or failed (5xx) or could not be reached beyond the retries. What cannot wait: a
reply Telegram refused (400: sending it again would be refused again), one with a file,
one to someone the bot keeps nothing about, any when the database is away.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime, timedelta

from telegram.error import BadRequest, TelegramError

from bot.app.later_replies import keep_for_later
from bot.telegram.ratelimit import retry_after_seconds
from flows.replies import Reply
from storage import Database

log = logging.getLogger(__name__)


async def undelivered(
    db: Database,
    clock: Callable[[], datetime],
    channel: str,
    chat_id: int,
    replies: Sequence[Reply],
    error: TelegramError,
    update_id: int,
    apologise: Callable[[], Awaitable[None]],
) -> None:
    """``replies`` (the first of which just failed with ``error``) to the outbox, due
    once Telegram's pause is over; else the apology."""
    if not isinstance(error, BadRequest):
        due = clock() + timedelta(seconds=retry_after_seconds(error))
        key = f"reply:{update_id or chat_id}:{due.isoformat()}"
        if await keep_for_later(db, channel, str(chat_id), replies, due=due, key=key):
            log.info("reply to update %s left to the outbox (%s)", update_id, type(error).__name__)
            return
    log.warning("reply to update %s not delivered (%s)", update_id, type(error).__name__)
    await apologise()
