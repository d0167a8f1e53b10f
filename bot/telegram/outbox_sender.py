"""The outbox sender: delivers what the bot sends on its own (reminders, follow-up
nudges), durably.

It claims due rows in small batches, sends them one at a time within a rate, and marks
each row sent. Rows to a chat that had a message within the last second (Telegram takes
about one a second per chat) go at the end of their batch, so that the others do not
wait. A 429 pauses it for ``retry_after`` and puts the row back; a 403 marks the
user as having blocked the bot and cancels their pending rows; network errors are retried
with backoff and then marked failed with the reason. Rows overdue by more than the grace
period (the bot was down) are skipped with a reason. A row claimed by a process that died
before sending is claimed again once its lease has expired.

Exactly once, as far as it can be: the only duplicate possible is a crash after Telegram
accepted a message and before ``mark_sent`` committed; then that one row is sent again
after the lease. The outbox sender sends one message at a time, so that is at most one
message per crash. A send Telegram may have carried out without our hearing it (no
answer in time, or the connection lost once the request was written:
:func:`bot.telegram.http.perhaps_delivered`) counts as sent, with a note, and is not sent
again: the row's at-least-once (its lease, its retries) covers only what surely did not
reach Telegram (a failed connect, a 5xx), so it is not at-least-once for these, by
choice: a second copy is worse for a member than a rare missing one.

Replies to users never wait for it: it runs as its own task, one request at a time, and
pauses (rather than the whole bot) when Telegram says to slow down.

Telegram's limit is per bot, and every process on the database runs an outbox sender. So
each one beats a heartbeat in the database (``dispatchers``) and counts the outbox senders
seen lately: with ``k`` of them it sends bulk at ``per_second ÷ k`` within ``30 ÷ k`` (see
:mod:`bot.telegram.ratelimit`). One that stops deletes its row, and the others speed up at their
next heartbeat; one that died is no longer counted after :data:`ALIVE_HEARTBEATS`. A
outbox sender that joins others holds its bulk until they have all had a heartbeat to
notice it; until then they still send as if it were not there. When the heartbeat
cannot be written, the last share is kept.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial

from telegram import Bot
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut

from bot.app import later_replies
from bot.settings import DEFAULT_BROADCAST_RATE, DEFAULT_DISPATCH_LEASE_SECONDS
from bot.telegram.broadcast_progress import BroadcastProgress
from bot.telegram.http import perhaps_delivered
from bot.telegram.ratelimit import Pacer, SendBudget, pace_of, retry_after_seconds
from bot.telegram.send import send_reply
from flows.advice.reminder import reminder
from flows.broadcasts.screens import message as broadcast_message
from flows.cohorts.screens import nudge
from flows.replies import Reply, Span
from flows.screens import Say
from flows.timeline.recheck import recheck_message
from knowledge.store import KnowledgeStore
from storage import Database, OutboxItem, Repository
from storage.broadcasts import BLOCKED_REASON

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
ALIVE_HEARTBEATS = 3
"""An outbox sender counts as running while its last heartbeat is at most this many heartbeat
intervals old."""
FORGET_WINDOWS = 10
"""The row of an outbox sender not seen for this many liveness windows is deleted."""
JOIN_HOLD = 1.5
"""Heartbeat intervals a joining outbox sender holds its bulk: one for the others to notice
it at their next heartbeat, half of one for that heartbeat to take."""


@dataclass(frozen=True)
class SenderSettings:
    batch: int = 20
    idle_interval: float = 1.0
    lease: timedelta = timedelta(seconds=DEFAULT_DISPATCH_LEASE_SECONDS)
    """A claimed row not settled within this time is claimed again (its claimer died).
    Far longer than a batch takes: 20 rows at 28/s; a 429 gives the batch back at once."""
    grace: timedelta = timedelta(hours=24)
    per_second: float = DEFAULT_BROADCAST_RATE
    backoff: timedelta = timedelta(seconds=30)
    progress_every: float = 3.0
    """Seconds between edits of a broadcast's progress message."""
    heartbeat: timedelta = timedelta(seconds=5)
    """How often the outbox sender renews its row in ``dispatchers`` and counts the others:
    how soon the others notice it come or go."""


def claimer_name() -> str:
    """Who claims: host and process, so a restarted process is a new claimer (at most 64
    characters, the width of the columns that keep it)."""
    # The end of a long host name: where platforms put what tells their machines apart.
    return f"{socket.gethostname()[-50:]}:{os.getpid()}"


class OutboxSender:
    """Drains the outbox of one database through one Telegram bot."""

    def __init__(
        self,
        db: Database,
        knowledge: KnowledgeStore,
        bot: Bot,
        clock: Callable[[], datetime],
        settings: SenderSettings | None = None,
        claimer: str | None = None,
        budget: SendBudget | None = None,
    ) -> None:
        self.db = db
        self.knowledge = knowledge
        self.bot = bot
        self.clock = clock
        self.settings = settings or SenderSettings()
        self.claimer = claimer or claimer_name()
        self.pacer = Pacer(budget or SendBudget(), self.settings.per_second)
        self.progress = BroadcastProgress(
            db, knowledge, bot, self.pacer.budget, clock, self.settings.progress_every
        )
        self.shares = 1
        """How many outbox senders share the bot's budget, as of the last heartbeat."""
        self._beat_at: float | None = None
        self._beat_failing = False
        self._broadcasts: dict[int, tuple[str, str | None]] = {}
        self._unrecorded: Callable[[Repository], object] | None = None
        """What became of the last row sent, when the database could not take it."""
        self._stopping = asyncio.Event()

    async def run(self) -> None:
        """Deliver until :meth:`stop`; sleeps while nothing is due. Beats the heartbeat
        meanwhile, and deletes it when stopped."""
        await self.heartbeat()
        beating = asyncio.create_task(self._keep_beating(), name=f"heartbeat {self.claimer}")
        try:
            while not self._stopping.is_set():
                try:
                    delivered = await self.drain_once()
                    await self.progress.report()
                except Exception:
                    log.exception("outbox sender round failed; trying again shortly")
                    delivered = 0
                if not delivered:
                    await self._sleep(self.settings.idle_interval)
        finally:
            self._stopping.set()
            await beating
            await self._leave()

    def stop(self) -> None:
        self._stopping.set()

    async def heartbeat(self) -> int:
        """Say that this outbox sender runs, count those that do, and take this one's share:
        with ``k`` of them, bulk at ``per_second ÷ k`` within ``30 ÷ k``. Returns ``k``.

        Never raises: when the database cannot be reached the last share stays, and the
        first failure of a row of them is logged as a warning.
        """
        s = self.settings
        alive = s.heartbeat * ALIVE_HEARTBEATS
        began = time.monotonic()
        try:
            live = await self.db.run(
                lambda repo: repo.dispatchers.heartbeat(self.claimer, alive, alive * FORGET_WINDOWS)
            )
        except Exception:
            if not self._beat_failing:
                self._beat_failing = True
                log.warning(
                    "outbox sender heartbeat failed; sending at 1/%d of the bot's budget until "
                    "it works again",
                    self.shares,
                    exc_info=True,
                )
            return self.shares
        if self._beat_failing:
            self._beat_failing = False
            log.info("outbox sender heartbeat works again")
        # Not seen for a liveness window (or ever): the others may not count this one.
        joined = self._beat_at is None or began - self._beat_at > alive.total_seconds()
        self._beat_at = began
        if live != self.shares:
            log.info(
                "%d outbox senders share the bot's budget: bulk at %.1f/s",
                live,
                s.per_second / live,
            )
            self.shares = live
            self.pacer.share(live)
        if joined and live > 1:
            self.pacer.pause(s.heartbeat.total_seconds() * JOIN_HOLD)
        return live

    async def _keep_beating(self) -> None:
        while not self._stopping.is_set():
            await self._sleep(self.settings.heartbeat.total_seconds())
            if not self._stopping.is_set():
                await self.heartbeat()

    async def _leave(self) -> None:
        """Delete the heartbeat, so that the others take over this share at once."""
        try:
            await self.db.run(lambda repo: repo.dispatchers.leave(self.claimer))
        except Exception:
            log.warning(
                "outbox sender %s stopped without deleting its heartbeat; the others stop "
                "counting it within %s",
                self.claimer,
                self.settings.heartbeat * ALIVE_HEARTBEATS,
                exc_info=True,
            )

    async def _sleep(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopping.wait(), timeout=seconds)

    async def drain_once(self) -> int:
        """Claim one batch of due rows and deliver each; returns how many were handled.

        A row is sent only while at most half its lease has passed: a batch slowed down
        (timeouts, a busy database) gives its rest back rather than risk sending a row
        another process may meanwhile have claimed after the lease ran out.
        """
        s = self.settings
        if self._unrecorded is not None:
            await self.db.run(self._unrecorded)
            self._unrecorded = None
        now = self.clock()
        claimed_at = time.monotonic()
        items = self._paced(
            await self.db.run(
                lambda repo: repo.outbox.claim_due(now, s.batch, self.claimer, s.lease)
            )
        )
        for index, item in enumerate(items):
            if self._stopping.is_set():
                # Not sent: the lease gives them to the next process or round.
                break
            rest = [i.id for i in items[index:]]
            if time.monotonic() - claimed_at > s.lease.total_seconds() / 2:
                await self.db.run(partial(self._give_back, ids=rest, due=now))
                break
            if not await self.deliver(item):
                # Telegram said to slow down: the rest of the batch goes back at once,
                # so that no other outbox sender has to wait for the lease.
                await self.db.run(partial(self._give_back, ids=rest[1:], due=now))
                break
        return len(items)

    def _paced(self, items: list[OutboxItem]) -> list[OutboxItem]:
        """``items`` in the order that keeps to each chat's pace without waiting for it:
        first one row of each chat that may have a message now, then the rest (a chat
        just answered, a second row to one chat), which wait for their turn last."""
        pace = pace_of(str(getattr(self.bot, "token", "")))
        now: list[OutboxItem] = []
        after: list[OutboxItem] = []
        chats: set[str] = set()
        for item in items:
            chat = item.channel_user_id
            busy = chat.isdecimal() and pace.free_in(int(chat)) > 0
            (after if busy or chat in chats else now).append(item)
            chats.add(chat)
        return now + after

    def _give_back(self, repo: Repository, *, ids: list[int], due: datetime) -> None:
        for item_id in ids:
            repo.outbox.release(item_id, self.claimer, due)

    async def deliver(self, item: OutboxItem) -> bool:
        """Send one claimed row and record what happened; False after a 429."""
        now = self.clock()
        claimer = self.claimer
        if now - item.due_at > self.settings.grace:
            reason = f"overdue by {now - item.due_at}, more than the grace period"
            await self.db.run(lambda repo: repo.outbox.skip(item.id, claimer, reason))
            return True
        if item.channel != "telegram":
            reason = f"channel {item.channel} cannot receive messages from the bot"
            await self.db.run(lambda repo: repo.outbox.mark_failed(item.id, claimer, reason))
            return True
        record: Callable[[Repository], object]
        try:
            reply = await self.render(item)
            await self.pacer.wait()
            await self._send(item, reply)
        except RetryAfter as exc:
            seconds = retry_after_seconds(exc)
            retry_at = now + timedelta(seconds=seconds)
            await self._record(lambda repo: repo.outbox.release(item.id, claimer, retry_at, "429"))
            log.info("Telegram asks to slow down: outbox sender pauses %.1f s", seconds)
            self.pacer.pause(seconds)
            return False
        except Forbidden:
            record = partial(self._blocked, item=item)
        except BadRequest as exc:
            reason = f"refused by Telegram: {exc.message}"[:250]
            record = partial(_failed, item_id=item.id, claimer=claimer, reason=reason)
        except NetworkError as exc:
            reason = f"{type(exc).__name__}: {exc.message}"[:250]
            if perhaps_delivered(exc):
                # No answer (in time, or the connection lost once the request was written):
                # Telegram has most likely sent it. Sending it again risks a second copy,
                # which is worse for a member than a rare missing one.
                record = partial(self._sent_unconfirmed, item_id=item.id, error=exc)
            elif item.attempts >= MAX_ATTEMPTS:
                record = partial(_failed, item_id=item.id, claimer=claimer, reason=reason)
            else:
                retry_at = now + self.settings.backoff * 2 ** (item.attempts - 1)
                record = partial(
                    _released, item_id=item.id, claimer=claimer, due=retry_at, reason=reason
                )
        else:
            record = partial(_sent, item_id=item.id, claimer=claimer, at=self.clock())
        await self._record(record)
        if item.kind == "broadcast":
            self.progress.touched()
        return True

    async def _record(self, record: Callable[[Repository], object]) -> None:
        """Record what became of a row Telegram was asked to send. While the database is
        away the record is kept, and made first thing in the next round, before anything
        is claimed: left undone, the row's lease would run out and the message go out a
        second time (the window is then a crash's: between Telegram's answer and this)."""
        self._unrecorded = record
        await self.db.run(record)
        self._unrecorded = None

    def _sent_unconfirmed(self, repo: Repository, *, item_id: int, error: Exception) -> None:
        repo.outbox.mark_sent(item_id, self.claimer, self.clock())
        what = "timed out" if isinstance(error, TimedOut) else "connection lost after sending"
        repo.outbox.note(item_id, f"{what}: assumed delivered, not sent again")

    def _blocked(self, repo: Repository, *, item: OutboxItem) -> None:
        repo.set_blocked(item.user_id, True)
        repo.outbox.mark_failed(item.id, self.claimer, BLOCKED_REASON)
        repo.outbox.cancel_pending(item.user_id)

    async def render(self, item: OutboxItem) -> Reply:
        """The message of an outbox row, in the user's language, from the current knowledge."""
        knowledge = self.knowledge.current
        say = Say(knowledge, item.language)
        if item.kind == "broadcast":
            return await self._broadcast(say, item)
        if item.kind == "recheck":
            return recheck_message(say, item.id)
        if item.kind == later_replies.KIND:
            return later_replies.from_payload(item.payload)
        if item.kind != "nudge":
            return reminder(say, str(item.payload.get("subject", "advice")), item.id)
        plan = knowledge.plan(str(item.payload.get("plan", "")))
        step_id = item.payload.get("step")
        step = next((s for s in plan.steps if s.id == step_id), None) if plan else None
        title, from_live = None, False
        if step is not None and step.personal is not None:
            first_id, from_live = await self.db.run(
                lambda repo: personal_dilemma(repo, item.user_id)
            )
            first = knowledge.dilemma(first_id) if first_id is not None else None
            title = say.plain(first.title) if first is not None else None
        return nudge(say, step, item.id, title, from_live=from_live)

    async def _broadcast(self, say: Say, item: OutboxItem) -> Reply:
        """A broadcast in the member's language: a ready-made question is translated,
        a typed text is sent as the coordinator wrote it (escaped)."""
        broadcast_id = int(item.payload.get("broadcast", 0))
        if broadcast_id not in self._broadcasts:
            info = await self.db.run(lambda repo: repo.broadcasts.get(broadcast_id))
            template = info.template if info is not None else None
            self._broadcasts[broadcast_id] = (info.text if info else "", template)
        text, template = self._broadcasts[broadcast_id]
        question = say.knowledge.questions.get(template) if template else None
        spans = say.text(question.text) if question is not None else [Span(text)]
        return broadcast_message(say, spans, item.id)

    async def _send(self, item: OutboxItem, reply: Reply) -> None:
        await send_reply(self.bot, int(item.channel_user_id), reply)


def _sent(repo: Repository, *, item_id: int, claimer: str, at: datetime) -> None:
    repo.outbox.mark_sent(item_id, claimer, at)


def _failed(repo: Repository, *, item_id: int, claimer: str, reason: str) -> None:
    repo.outbox.mark_failed(item_id, claimer, reason)


def _released(repo: Repository, *, item_id: int, claimer: str, due: datetime, reason: str) -> None:
    repo.outbox.release(item_id, claimer, due, reason)


def personal_dilemma(repo: Repository, user_id: int) -> tuple[str | None, bool]:
    """The dilemma a personal nudge is about, and whether it came from a live session:
    the latest one the member said plays strongly with them there, else the first of
    their latest advice."""
    recognised = repo.live.recognised(user_id)
    if recognised:
        return recognised[0], True
    advice = repo.latest_advice(user_id)
    return (advice.dilemmas[0] if advice is not None and advice.dilemmas else None), False
