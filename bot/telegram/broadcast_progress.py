"""The coordinator's view of a running broadcast: one message, edited at most every few
seconds ("sent 120 of 1,000"), that becomes the delivery report when the last recipient
has been handled.

Owned by the outbox sender that delivers the broadcast; all it needs is in the database
(the message's id is stored with the broadcast), so after a restart the next process
goes on editing the same message.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import datetime
from functools import partial

from telegram import Bot
from telegram.error import BadRequest, Forbidden, RetryAfter, TelegramError

from bot.app.broadcasting import progress_reply, report_reply
from bot.telegram.http import perhaps_delivered
from bot.telegram.ratelimit import SendBudget, retry_after_seconds
from bot.telegram.send import edit_reply, not_modified, send_reply
from flows.screens import Say
from knowledge.store import KnowledgeStore
from storage import Database, Repository
from storage.broadcasts import BroadcastInfo, Delivery

log = logging.getLogger(__name__)


def _delivery(repo: Repository, *, broadcast_id: int) -> Delivery:
    return repo.broadcasts.delivery(broadcast_id)


def _finish(repo: Repository, *, broadcast_id: int) -> bool:
    return repo.broadcasts.finish(broadcast_id, "done")


class BroadcastProgress:
    """Edits the progress messages of the broadcasts still being sent."""

    def __init__(
        self,
        db: Database,
        knowledge: KnowledgeStore,
        bot: Bot,
        budget: SendBudget,
        clock: Callable[[], datetime],
        every: float,
    ) -> None:
        self.db = db
        self.knowledge = knowledge
        self.bot = bot
        self.budget = budget
        self.clock = clock
        self.every = every
        self._last = 0.0
        self._dirty = False
        self._not_before = 0.0
        """No edit before this (monotonic) time: Telegram answered 429 with a pause."""

    def touched(self) -> None:
        """A broadcast message was handled: there is progress to show."""
        self._dirty = True

    async def report(self, *, force: bool = False) -> None:
        """Show progress (when due) and finish broadcasts whose recipients were all handled."""
        now = time.monotonic()
        if not force and now - self._last < self.every:
            return
        self._last = now
        dirty, self._dirty = self._dirty, False
        db = self.db
        if now < self._not_before:
            self._dirty = self._dirty or dirty
            return
        for info in await db.run(lambda repo: repo.broadcasts.sending()):
            delivery = await db.run(partial(_delivery, broadcast_id=info.id))
            if delivery.finished:
                # Done only once the coordinator has the report: a report that could not
                # go (429, 5xx, no network) is tried again at the next round.
                if await self._show(info, delivery, final=True):
                    await db.run(partial(_finish, broadcast_id=info.id))
            elif (dirty or info.progress_message_id is None) and not await self._show(
                info, delivery, final=False
            ):
                self._dirty = True  # the next edit shows it, with what came since

    async def _show(self, info: BroadcastInfo, delivery: Delivery, *, final: bool) -> bool:
        """Send or edit the progress message; False when it is to be tried again later
        (Telegram asked to wait, failed, or could not be reached). A new message that
        perhaps reached the coordinator (:func:`~bot.telegram.http.perhaps_delivered`)
        counts as shown: the report is not sent twice."""
        db = self.db
        contact = await db.run(lambda repo: repo.broadcasts.owner_contact(info.id))
        if contact is None or contact[0] != "telegram":
            return True
        say = Say(self.knowledge.current, contact[2])
        if final:
            audience = info.audience
            shared = await db.run(lambda repo: repo.audiences.shared_answers(info.id, audience))
            reply = report_reply(say, info, delivery, shared)
        else:
            reply = progress_reply(say, info, delivery)
        chat_id = int(contact[1])
        message_id = info.progress_message_id
        try:
            if message_id is not None:
                try:
                    await edit_reply(self.bot, chat_id, message_id, reply)
                except BadRequest as exc:
                    if not_modified(exc):
                        return True
                    # The message is gone (deleted by the coordinator): a new one.
                    log.info("progress of broadcast %s not edited: %s", info.id, exc.message)
                    message_id = None
            if message_id is None:
                sent = await send_reply(self.bot, chat_id, reply, budget=self.budget)
                message_id = sent.message_id if sent is not None else None
        except RetryAfter as exc:
            self._not_before = time.monotonic() + retry_after_seconds(exc)
            log.info("progress of broadcast %s waits %s s (429)", info.id, retry_after_seconds(exc))
            return False
        except (BadRequest, Forbidden) as exc:
            # Never deliverable (the coordinator blocked the bot, the chat is gone).
            log.warning("progress of broadcast %s not shown: %s", info.id, type(exc).__name__)
            return True
        except TelegramError as exc:
            if message_id is not None or not perhaps_delivered(exc):
                log.info("progress of broadcast %s not shown yet: %s", info.id, type(exc).__name__)
                return False
            # A new message Telegram may have shown: not sent again (a second report), and
            # its id unknown (a later progress comes as a new message).
            log.info("progress of broadcast %s probably shown: %s", info.id, type(exc).__name__)
        await db.run(lambda repo: self._store(repo, info.id, message_id))
        return True

    def _store(self, repo: Repository, broadcast_id: int, message_id: int | None) -> None:
        repo.broadcasts.set_progress(broadcast_id, message_id, self.clock())
