"""Replies that could not go out when they were made (Telegram refused for longer than a
reply may wait, failed, or could not be reached): kept in the outbox as ``reply`` rows
and delivered by the outbox sender, with its retries, instead of being dropped."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from functools import partial
from typing import Any, Final

from flows.replies import Button, Reply, Span
from storage import Database, Repository, StorageError

KIND: Final = "reply"
STYLES = ("plain", "bold", "italic")


def payload(reply: Reply) -> dict[str, Any]:
    """A reply as outbox payload (text and buttons; an attachment cannot wait here)."""
    return {
        "spans": [[span.text, span.style] for span in reply.spans],
        "buttons": [[[b.label, b.action] for b in row] for row in reply.buttons],
    }


def from_payload(data: dict[str, Any]) -> Reply:
    """The reply an outbox ``reply`` row holds."""
    spans = tuple(
        Span(str(text), style if style in STYLES else "plain")
        for text, style in data.get("spans", ())
    )
    buttons = tuple(
        tuple(Button(str(label), str(action)) for label, action in row)
        for row in data.get("buttons", ())
    )
    return Reply(spans, buttons)


def _keep(
    repo: Repository,
    *,
    channel: str,
    user_key: str,
    replies: Sequence[Reply],
    due: datetime,
    key: str,
) -> bool:
    user_id = repo.cohorts.consented_user(channel, user_key)
    if user_id is None:
        return False  # nothing is stored about them, not even a reply
    for index, reply in enumerate(replies):
        repo.outbox.schedule(
            user_id, KIND, due + timedelta(milliseconds=index), payload(reply), f"{key}:{index}"
        )
    return True


async def keep_for_later(
    db: Database,
    channel: str,
    user_key: str,
    replies: Sequence[Reply],
    *,
    due: datetime,
    key: str,
) -> bool:
    """Have the outbox sender deliver ``replies`` from ``due`` on; False when they cannot
    wait (an attachment, a user the bot keeps nothing about, no database): then the
    user is to be told instead. ``key`` makes keeping them twice keep them once."""
    if any(reply.attachment is not None for reply in replies):
        return False
    work = partial(_keep, channel=channel, user_key=user_key, replies=replies, due=due, key=key)
    try:
        return await db.run(work)
    except StorageError:  # the database is away: the caller apologises
        return False
