"""Polling Telegram for updates, acknowledging an update only once it has been handled.

Telegram keeps every update until a ``getUpdates`` call asks for a higher ``offset``.
PTB's own updater asks for the next offset as soon as it has *fetched* a batch, so an
update whose handling failed, or that was still waiting when the process died, is gone.
This poller moves the offset only past updates that are done: handled, or given up on
after the user was told. An update that failed for want of the database is handled again
after a pause (its retries are counted by the channel), and the offset waits for it; a
process that dies meanwhile leaves it to the next one, which gets it from Telegram again.

Updates fetched again because the offset waits (those above a waiting one) are known and
not handled twice; after a restart the conversation itself recognises them (it keeps the
ids of each user's recent updates). Per-user order and the cap on concurrent updates come
from the application's update processor, as in webhook mode.

Updates are fetched as raw JSON and read one by one: one that python-telegram-bot cannot
read (a newer Bot API field it requires, a malformed body) is logged by its id only and
confirmed, instead of failing the whole batch again and again.

One user's backlog must not hold up everyone else: Telegram hands out only a batch of
updates past the offset (at most 100; the poller asks for ``FETCH_LIMIT``), so 150
forwarded messages of one user, handled one at a time, would keep another user's message
out of reach for a minute or more. When the offset waits for
updates in hand (Telegram handed back only those, or more than ``REFETCH_BOUND`` are in
hand), the poller *holds* them in the database (``held_updates``, one write for all) and
moves the offset past them; a held update is deleted once handled, and one a dead process
left is handled at the next start. Without the database (an outage) the offset waits, as
before.

Stopping: no more fetching, updates being handled finish (up to ``STOP_GRACE``), one
waiting for its next try gets it at once, and a last ``getUpdates`` confirms what is done.
``getUpdates`` failing (5xx, 429, 409 from a second poller, no network) is retried after
a pause that doubles up to ``BACKOFF_MAX`` (at least what a 429 asks for).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Awaitable, Callable
from functools import partial
from typing import Any

from telegram import Update
from telegram.error import InvalidToken, NetworkError, TelegramError, TimedOut

from bot.telegram.channel import CHANNEL
from bot.telegram.ratelimit import retry_after_seconds
from storage import Database, Repository, StorageError

log = logging.getLogger(__name__)

LONG_POLL_SECONDS = 10
REFETCH_BOUND = 16
"""Updates in hand (fetched, not done) above which the poller does not ask Telegram again.
Every ``getUpdates`` brings those back, since the offset waits for them; asking while
many are in hand costs only parsing, and new updates would wait for the update processor
(8 at a time) anyway. Measured (bench, 100 busy users): without this bound the bot spent
nearly four times the CPU per Bot API call."""
FETCH_LIMIT = 2 * REFETCH_BOUND
"""Updates asked for per ``getUpdates`` (Telegram's most is 100). Each one in hand is a
parsed update, its raw body and a task, all waiting for the update processor, which takes
8 at a time: more buys no speed, only memory. Measured (``python -m bench telegram``, 100
busy users): with 100, the bot's resident memory after the run was 2 MB higher, at the
same calls per second."""
QUIET_TIMEOUTS = 2
"""Long polls in a row that may time out before polling counts as failing (logged, with a
pause): one cut short now and then is normal, a row of them is a network problem."""
IDLE_WAIT = 1.0
"""Seconds to wait for progress when Telegram hands back only updates already known."""
BACKOFF_START = 1.0
BACKOFF_MAX = 30.0
STOP_GRACE = 15.0
"""Seconds that updates being handled get to finish when the bot stops."""
HOLD_AFTER = 0.5
"""Seconds an update is in hand before it may be held: most are done sooner, and one whose
handling failed for want of the database is waiting for its retry by then (never held)."""
READ_MARGIN = 5.0
"""Seconds a long poll's answer may take beyond its ``timeout`` before it counts as lost."""


def _level(exc: Exception) -> int:
    """How loudly a failed ``getUpdates`` is logged: a network hiccup is a warning."""
    if isinstance(exc, InvalidToken):
        return logging.CRITICAL
    return logging.WARNING if isinstance(exc, NetworkError) else logging.ERROR


class Poller:
    """Fetches updates with ``getUpdates`` and hands each to the application once."""

    def __init__(
        self,
        application: Any,
        failed: set[int],
        retry_delay: Callable[[int], float],
        *,
        process: Callable[[Update], Awaitable[None]] | None = None,
        long_poll: int = LONG_POLL_SECONDS,
        db: Database | None = None,
    ) -> None:
        self.application = application
        self.process = process or self._process
        """Hands one update to the application (by default through its update processor)."""
        self.failed = failed
        """Shared with the channel: ids of updates whose handling failed and that should be
        handled again (the channel decides, counting attempts)."""
        self.retry_delay = retry_delay
        self.long_poll = long_poll
        self.db = db
        """Where updates in hand are held so that the offset can move on (None: never)."""
        self._next: int | None = None
        """One above the highest update id fetched so far."""
        self._acknowledged: int | None = None
        self._waiting: set[int] = set()
        self._known: set[int] = set()
        self._bodies: dict[int, tuple[str | None, dict[str, Any]]] = {}
        """The sender (Telegram user id) and raw JSON of the updates in hand not held."""
        self._held: set[int] = set()
        """Updates in hand that are held in the database: they do not hold the offset."""
        self._released: set[int] = set()
        """Held updates handled since, still to be deleted."""
        self._hold_failed = False
        """The last write of held updates failed (the database is away): the next waits
        ``IDLE_WAIT`` rather than being tried again at once, in a loop."""
        self._taken_at: dict[int, float] = {}
        self._senders: dict[int, str] = {}
        """The sender (Telegram user id) of each update in hand, held or not."""
        self._retrying: set[int] = set()
        """Updates waiting to be handled again for want of the database: never held (that
        needs the database too); the offset waits for them."""
        self._tasks: set[asyncio.Task[None]] = set()
        self._progress = asyncio.Event()
        self._stopping = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    @property
    def offset(self) -> int | None:
        """What to confirm: everything below the oldest update not done yet."""
        loose = self._waiting - self._held
        if loose:
            return min(loose)
        return self._next

    def start(self) -> None:
        self._task = asyncio.create_task(self.run(), name="poller")

    async def run(self) -> None:
        await self._take_held()
        backoff = BACKOFF_START
        failing: str | None = None  # the kind of error polling fails with, while it does
        timeouts = 0
        while not self._stopping.is_set():
            if len(self._waiting - self._held) > REFETCH_BOUND and not await self._hold():
                await self._wait_for_progress(self._until_holdable())
                continue
            if self._released:  # their deletion failed (the database was away): again
                await self._hold()
            offset = self.offset
            self._progress.clear()  # from here on: did anything finish meanwhile?
            try:
                updates = self._read(await self._fetch(offset, self.long_poll))
            except Exception as exc:
                if isinstance(exc, TimedOut) and timeouts < QUIET_TIMEOUTS:
                    timeouts += 1  # a long poll cut short: simply ask again
                    continue
                if type(exc).__name__ != failing:
                    failing = type(exc).__name__
                    log.log(
                        _level(exc),
                        "polling failed (%s); trying again",
                        failing,
                        exc_info=not isinstance(exc, TelegramError),
                    )
                await self._sleep(max(backoff, retry_after_seconds(exc)))
                backoff = min(backoff * 2, BACKOFF_MAX)
                continue
            timeouts = 0
            if failing:
                log.info("polling works again")
                failing, backoff = None, BACKOFF_START
            self._acknowledged = offset
            if offset is not None and any(u.update_id < offset for u in updates):
                self._renumbered(updates)
            fresh = [u for u in updates if self._is_new(u.update_id)]
            for held in (u.update_id for u in updates if u.update_id in self._held):
                # Held by the poller before this one, and still kept by Telegram.
                self._next = max(self._next or 0, held + 1)
            for update in fresh:
                self._take(update)
            if updates and not fresh and not await self._hold():
                # Only updates in hand came back, and they could not be held (yet):
                # asking again at once would bring them back again. Wait until one is
                # done (or was, since the ask), or may be held.
                await self._wait_for_progress(self._until_holdable(), clear=False)

    async def _fetch(self, offset: int | None, long_poll: int, limit: int = FETCH_LIMIT) -> Any:
        """``getUpdates`` as raw JSON (PTB's ``get_updates`` reads the whole batch at once,
        and one update it cannot read fails them all). The method is named in lower
        case, which Telegram accepts (its method names are case-insensitive): PTB warns
        when ``do_api_request`` is given the name of a method it has itself."""
        return await self.application.bot.do_api_request(
            "getupdates",
            api_kwargs={
                "offset": offset,
                "timeout": long_poll,
                "limit": limit,
                "allowed_updates": list(Update.ALL_TYPES),
            },
            read_timeout=long_poll + READ_MARGIN,
        )

    def _read(self, raw: Any) -> list[Update]:
        """The updates of a raw batch that can be read. One that cannot is logged by its
        id only (never its content: names, texts) and confirmed as done."""
        updates = []
        for item in raw if isinstance(raw, list) else ():
            update_id = item.get("update_id") if isinstance(item, dict) else None
            if not isinstance(update_id, int) or isinstance(update_id, bool):
                log.warning("skipped an update without an id")
                continue
            try:
                update = Update.de_json(item, self.application.bot)
            except Exception as exc:  # whatever a malformed body makes PTB raise
                if self._is_new(update_id):
                    self._known.add(update_id)
                    log.warning(
                        "update %s could not be read (%s); skipped", update_id, type(exc).__name__
                    )
                    self._next = max(self._next or 0, update_id + 1)
                continue
            if self._is_new(update_id):
                # Kept to be held while in hand (until done). Not for one that came back
                # in hand or done: nothing would pop it again.
                sender = update.effective_user
                self._bodies[update_id] = (str(sender.id) if sender else None, item)
            updates.append(update)
        return updates

    async def _take_held(self) -> None:
        """The updates a poller before this one held and did not finish."""
        if self.db is None:
            return
        try:
            held = await self.db.run(_held)
        except StorageError as exc:
            log.warning(
                "held updates not read (%s); they wait for the next start", type(exc).__name__
            )
            return
        for update_id, body in held:
            try:
                update = Update.de_json(json.loads(body), self.application.bot)
            except Exception:
                log.warning("held update %s could not be read; dropped", update_id)
                self._released.add(update_id)
                continue
            self._held.add(update_id)
            self._take(update, fetched=False)
        if held:
            log.info("handling %d updates held by the poller before", len(held))

    async def _hold(self) -> bool:
        """Hold the updates in hand that hold the offset, and delete the handled ones;
        False if there was nothing to hold or the database is away."""
        old = asyncio.get_running_loop().time() - HOLD_AFTER
        queued = self._queued()
        loose = {
            uid: self._bodies[uid]
            for uid in self._waiting - self._held - self._retrying
            if uid in self._bodies and (uid in queued or self._taken_at.get(uid, old) <= old)
        }
        if self.db is None or not (loose or self._released):
            return False
        if self._hold_failed:
            # Once a second at most while the database is away, not in a busy loop.
            self._hold_failed = False
            await self._sleep(IDLE_WAIT)
            if self._stopping.is_set():
                return False
        released = set(self._released)
        bodies = {
            uid: (sender, json.dumps(body, ensure_ascii=False))
            for uid, (sender, body) in loose.items()
        }
        try:
            await self.db.run(partial(_hold, bodies=bodies, released=released))
        except StorageError as exc:
            log.warning(
                "updates in hand not held (%s); the offset waits for them", type(exc).__name__
            )
            self._hold_failed = True
            return False
        self._released -= released
        for uid in loose:
            self._bodies.pop(uid, None)
        self._held |= loose.keys() & self._waiting
        late = loose.keys() - self._waiting
        if late:  # handled while the write was on its way: held for nothing
            self._released |= late
            await self._hold()
        return bool(loose)

    def _queued(self) -> set[int]:
        """Updates in hand behind an earlier one of the same sender, also in hand: they
        cannot start before it is done (per-user order), so they may be held at once. A
        backlog then takes one batch per ``getUpdates``, not one per ``HOLD_AFTER``."""
        seen: set[str] = set()
        queued: set[int] = set()
        for uid in sorted(self._waiting):
            sender = self._senders.get(uid)
            if sender in seen:
                queued.add(uid)
            elif sender is not None:
                seen.add(sender)
        return queued

    def _until_holdable(self) -> float:
        """Seconds until the oldest update in hand may be held (at most ``IDLE_WAIT``)."""
        loose = [self._taken_at[uid] for uid in self._waiting - self._held if uid in self._taken_at]
        if self.db is None or not loose:
            return IDLE_WAIT
        if self._queued() - self._retrying:
            return 0.0
        wait = min(loose) + HOLD_AFTER - asyncio.get_running_loop().time()
        return min(IDLE_WAIT, max(wait, 0.01))

    def _renumbered(self, updates: list[Update]) -> None:
        """Telegram returned ids below the offset asked for: after a week without updates
        it starts its numbering afresh, possibly lower. Count from the new numbers (what
        is still in hand keeps being handled, but no longer holds the offset)."""
        log.warning("Telegram numbers its updates afresh; the poller follows")
        self._waiting.clear()
        self._held.clear()
        self._bodies.clear()
        self._known.clear()
        self._next = None

    def _is_new(self, update_id: int) -> bool:
        """Not seen before. An update below the offset was done while the ``getUpdates``
        that brought it back (asked with an older offset) was on its way."""
        offset = self.offset
        return update_id not in self._known and (offset is None or update_id >= offset)

    def _take(self, update: Update, *, fetched: bool = True) -> None:
        update_id = update.update_id
        self._known.add(update_id)
        self._waiting.add(update_id)
        self._taken_at[update_id] = asyncio.get_running_loop().time()
        if update.effective_user is not None:
            self._senders[update_id] = str(update.effective_user.id)
        if fetched:  # a held one may be above one Telegram still keeps (a retrying one)
            self._next = max(self._next or 0, update_id + 1)
        task = asyncio.create_task(self._handle(update), name=f"update-{update_id}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _handle(self, update: Update) -> None:
        update_id = update.update_id
        attempt = 0
        try:
            while True:
                await self.process(update)
                if update_id not in self.failed:
                    break
                self.failed.discard(update_id)
                if self._stopping.is_set():
                    # Not confirmed: Telegram hands it to the next start.
                    return
                attempt += 1
                # Stopping cuts the pause short: one more try before the process goes.
                self._retrying.add(update_id)
                await self._sleep(self.retry_delay(attempt))
                self._retrying.discard(update_id)
        except Exception:
            log.exception("update %s could not be handled", update_id)
        self._done(update_id)

    async def _process(self, update: Update) -> None:
        app = self.application
        await app.update_processor.process_update(update, app.process_update(update))

    def _done(self, update_id: int) -> None:
        self._waiting.discard(update_id)
        self._retrying.discard(update_id)
        self._taken_at.pop(update_id, None)
        self._bodies.pop(update_id, None)
        self._senders.pop(update_id, None)
        if update_id in self._held:
            self._held.discard(update_id)
            self._released.add(update_id)
        offset = self.offset
        if offset is not None:
            self._known = {known for known in self._known if known >= offset}
        self._progress.set()

    async def _wait_for_progress(self, seconds: float, *, clear: bool = True) -> None:
        if clear:
            self._progress.clear()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._progress.wait(), timeout=seconds)

    async def _sleep(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopping.wait(), timeout=seconds)

    async def stop(self) -> None:
        """Stop fetching, confirm what is done, let updates in hand finish (up to
        ``STOP_GRACE``), and confirm again."""
        self._stopping.set()
        if self._task is not None:
            self._task.cancel()
            await asyncio.wait([self._task])  # its own end, not a cancellation of ours
        await self._confirm()  # a platform may not wait for the grace period
        if self._tasks:
            _, late = await asyncio.wait(set(self._tasks), timeout=STOP_GRACE)
            for task in late:
                task.cancel()
            if late:
                await asyncio.wait(late)
        await self._hold()  # the handled ones deleted, the rest kept for the next start
        await self._confirm()

    async def _confirm(self) -> None:
        """Tell Telegram which updates are done: everything below the offset."""
        offset = self.offset
        if offset is None or offset == self._acknowledged:
            return
        try:
            await self._fetch(offset, long_poll=0, limit=1)
            self._acknowledged = offset
        except TelegramError as exc:
            log.warning(
                "could not confirm the last updates (%s); they come again at the next start",
                type(exc).__name__,
            )


def _held(repo: Repository) -> list[tuple[int, str]]:
    return repo.held_updates.held()


def _hold(
    repo: Repository, *, bodies: dict[int, tuple[str | None, str]], released: set[int]
) -> None:
    repo.held_updates.release(released)
    repo.held_updates.hold(CHANNEL, bodies)
