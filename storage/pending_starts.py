"""The deep link someone opened before answering the privacy question, so that agreeing
later joins that cohort, by button or by typing "ja", in any process and after a restart.

Only a keyed hash of the chat (channel and channel user id; :func:`storage.keys.reference`,
not a plain SHA-256, which anyone could reverse by trying every user id) is kept with the
payload (a cohort code), for :data:`KEEP`, and dropped once the question is answered.
Every method runs inside the caller's unit of work (see :mod:`storage.repository`).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from storage.keys import known_reference, reference
from storage.models import Clock, PendingStart

KEEP = timedelta(hours=24)
"""How long a deep link waits for the privacy question's answer."""

_CHAT = "chat"
"""The kind of the references kept here (:func:`storage.keys.reference`)."""


def _chat(channel: str, channel_user_id: str) -> str:
    return f"{channel}:{channel_user_id}"


class PendingStartStore:
    """Deep-link payloads waiting for consent, inside one unit of work."""

    def __init__(self, session: Session, clock: Clock) -> None:
        self._session = session
        self._clock = clock

    def keep(self, channel: str, channel_user_id: str, payload: str) -> None:
        """Remember ``payload`` for this chat (the latest link counts); forget stale ones."""
        now = self._clock()
        key = reference(self._session, self._clock, _CHAT, _chat(channel, channel_user_id))
        self._session.execute(
            delete(PendingStart).where(
                (PendingStart.chat_hash == key) | (PendingStart.expires_at <= now)
            )
        )
        self._session.add(PendingStart(chat_hash=key, payload=payload, expires_at=now + KEEP))
        self._session.flush()

    def find(self, channel: str, channel_user_id: str) -> str | None:
        key = known_reference(self._session, _CHAT, _chat(channel, channel_user_id))
        if key is None:
            return None
        query = select(PendingStart.payload).where(
            PendingStart.chat_hash == key, PendingStart.expires_at > self._clock()
        )
        return self._session.execute(query).scalars().first()

    def drop(self, channel: str, channel_user_id: str) -> None:
        key = known_reference(self._session, _CHAT, _chat(channel, channel_user_id))
        if key is not None:
            self._session.execute(delete(PendingStart).where(PendingStart.chat_hash == key))

    def purge(self, now: datetime) -> int:
        """Forget every payload past its time; how many."""
        result = self._session.execute(delete(PendingStart).where(PendingStart.expires_at <= now))
        return int(getattr(result, "rowcount", 0) or 0)
