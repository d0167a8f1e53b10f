"""Whether the bot can reach a user: Telegram tells it when a user blocks the bot in their
chat, and when they start it again. A blocked user is left out of broadcasts (their
audiences and preview counts) and nudges, and their pending messages are cancelled."""

from __future__ import annotations

import logging
from functools import partial

from storage import Database, Repository

log = logging.getLogger(__name__)


def _mark(repo: Repository, *, channel: str, user_key: str, blocked: bool) -> bool:
    return repo.set_blocked_by_channel(channel, user_key, blocked)


async def note_reachable(db: Database, channel: str, user_key: str, *, reachable: bool) -> None:
    """The user blocked the bot (``reachable=False``) or started it again. Nothing is
    stored about someone the bot keeps nothing about."""
    known = await db.run(partial(_mark, channel=channel, user_key=user_key, blocked=not reachable))
    if known:
        log.info("a user %s the bot", "unblocked" if reachable else "blocked")
