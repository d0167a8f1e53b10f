"""Updates the poller holds for Telegram: fetched, not yet handled (see
:mod:`bot.polling`). Rows live for seconds; the poller deletes them in batches."""

from __future__ import annotations

from collections.abc import Collection, Mapping

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from storage.models import Clock, HeldUpdate, User
from storage.sql import insert_unless_exists


class HeldUpdateStore:
    """The held updates, inside the caller's unit of work."""

    def __init__(self, session: Session, clock: Clock) -> None:
        self._session = session
        self._clock = clock

    def hold(self, channel: str, updates: Mapping[int, tuple[str | None, str]]) -> None:
        """Keep these updates (update id → (sender's channel user id or None, raw JSON));
        one already held stays as it is. A sender the bot knows is linked to their row,
        so that their held updates are exported and erased with the rest of their data."""
        if not updates:
            return
        senders = {sender for sender, _ in updates.values() if sender is not None}
        query = select(User.channel_user_id, User.id).where(
            User.channel == channel, User.channel_user_id.in_(sorted(senders))
        )
        known = {
            channel_user_id: user_id for channel_user_id, user_id in self._session.execute(query)
        }
        now = self._clock()
        rows = [
            {
                "update_id": update_id,
                "user_id": known.get(sender) if sender is not None else None,
                "body": body,
                "held_at": now,
            }
            for update_id, (sender, body) in updates.items()
        ]
        self._session.execute(insert_unless_exists(self._session, HeldUpdate, "update_id"), rows)

    def release(self, update_ids: Collection[int]) -> None:
        """These updates are handled: forget them."""
        if update_ids:
            self._session.execute(
                delete(HeldUpdate).where(HeldUpdate.update_id.in_(list(update_ids)))
            )

    def held(self) -> list[tuple[int, str]]:
        """Every held update (id, raw JSON), oldest first: what a poller that died left."""
        query = select(HeldUpdate.update_id, HeldUpdate.body).order_by(HeldUpdate.update_id)
        return [(int(uid), str(body)) for uid, body in self._session.execute(query)]
