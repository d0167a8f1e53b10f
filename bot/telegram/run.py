"""Serving the Telegram bot: start-up (polling or webhook), the webhook server with its
health endpoint, and the bot's background tasks (the outbox sender, daily retention);
stopping it all again.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import secrets
import signal
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

from telegram import Bot, Update

from bot.app.advisor import Advisor
from bot.settings import Settings
from bot.telegram.channel import (
    BUDGET_KEY,
    CHANNEL_KEY,
    HTTP_KEY,
    LIVE_KEY,
    AppType,
    TelegramChannel,
    build_application,
    process_in_turn,
    register_commands,
)
from bot.telegram.dashboard import sync_menu_buttons
from bot.telegram.outbox_sender import OutboxSender, SenderSettings
from bot.telegram.polling import Poller
from bot.telegram.ratelimit import SendBudget, set_chat_rate
from bot.wiring import open_advisor
from storage import Repository
from storage.sqlite_file import DatabaseFile

if TYPE_CHECKING:
    from aiohttp import web

    from bot.web.context import WebContext

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
RETENTION_INTERVAL = timedelta(days=1)
DEFAULT_WEBHOOK_PATH = "/telegram"
REFUSALS_LOGGED_EVERY = 60.0
DATABASE_FILE_CHECK = 5.0
"""Seconds between checks that the SQLite file is still the one the bot opened."""


@dataclass
class RunningBot:
    """A started bot: stop it with :meth:`stop`."""

    application: AppType
    advisor: Advisor
    runner: web.AppRunner | None = None
    poller: Poller | None = None
    outbox_sender: OutboxSender | None = None
    sending: asyncio.Task[None] | None = None
    retention: asyncio.Task[None] | None = None
    menu_buttons: asyncio.Task[int] | None = None
    database_file: DatabaseFile | None = None
    watching: asyncio.Task[None] | None = None
    failed: asyncio.Event = field(default_factory=asyncio.Event)
    """Set when the bot cannot go on (its SQLite file is gone): :func:`serve` stops it."""

    def start_watching_the_database_file(self) -> None:
        """Every few seconds: is the SQLite file still the one opened? If not, log it and
        set :attr:`failed` (see :mod:`storage.sqlite_file`)."""
        self.database_file = DatabaseFile.of(self.advisor.db)
        if self.database_file is not None:
            self.watching = asyncio.create_task(
                watch_database_file(self.database_file, self.failed), name="database-file"
            )

    def start_retention(self, days: int) -> None:
        """Once a day, forget every user inactive for ``days`` days."""
        self.retention = asyncio.create_task(
            forget_inactive_daily(self.advisor, timedelta(days=days)), name="retention"
        )

    def start_menu_buttons(self, web_url: str | None) -> None:
        """Give every coordinator and admin whose chat lacks it the Mini App menu button
        (once: see :func:`bot.telegram.dashboard.sync_menu_buttons`)."""
        budget = self.application.bot_data.get(BUDGET_KEY)
        self.menu_buttons = asyncio.create_task(
            sync_menu_buttons(
                self.application.bot,
                self.advisor,
                web_url,
                budget if isinstance(budget, SendBudget) else SendBudget(),
            ),
            name="menu-buttons",
        )

    def start_outbox_sender(self, settings: SenderSettings | None = None) -> None:
        """Deliver the outbox (reminders, nudges, broadcasts) beside the replies, as its
        own task, within the message budget the replies leave."""
        advisor = self.advisor
        budget = self.application.bot_data.get(BUDGET_KEY)
        self.outbox_sender = OutboxSender(
            advisor.db,
            advisor.knowledge_store,
            self.application.bot,
            lambda: advisor.clock(),
            settings,
            budget=budget if isinstance(budget, SendBudget) else None,
        )
        self.sending = asyncio.create_task(self.outbox_sender.run(), name="outbox-sender")

    async def stop(self) -> None:
        """Stop taking updates, let those being handled finish, then stop the rest.

        Every step is taken even when one before it fails (each failure is logged), so a
        stopped bot never goes on polling or delivering.
        """
        app = self.application
        steps: list[tuple[str, Callable[[], Awaitable[object]]]] = []
        if self.poller is not None:
            steps.append(("poller", self.poller.stop))
        if self.retention is not None:
            steps.append(("retention", partial(_cancelled, self.retention)))
        if self.menu_buttons is not None:
            steps.append(("menu buttons", partial(_cancelled, self.menu_buttons)))
        if self.watching is not None:
            steps.append(("database file watch", partial(_cancelled, self.watching)))
        if self.outbox_sender is not None and self.sending is not None:
            self.outbox_sender.stop()
            steps.append(("outbox sender", partial(_finished, self.sending)))
        if app.running:
            steps.append(("application", app.stop))
        if self.runner is not None:
            steps.append(("web server", self.runner.cleanup))
        steps += [
            ("application", app.shutdown),
            ("http clients", partial(_close_http, app)),
            ("database", self.advisor.db.dispose),
        ]
        for name, step in steps:
            try:
                await step()
            except Exception:
                log.exception("stopping the %s failed; stopping the rest", name)


async def _cancelled(task: asyncio.Task[Any]) -> None:
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


async def _finished(task: asyncio.Task[None]) -> None:
    await task


async def _close_http(application: AppType) -> None:
    """Close the HTTP clients (already done by a shutdown after a successful start)."""
    for request in application.bot_data.get(HTTP_KEY, ()):
        await request.shutdown()


def _forget_inactive(repo: Repository, *, cutoff: datetime, now: datetime) -> int:
    """Users inactive since ``cutoff``, and deep links past their day (pending_starts)."""
    repo.pending_starts.purge(now)
    return repo.privacy.forget_inactive(cutoff)


async def forget_inactive_daily(advisor: Advisor, period: timedelta) -> None:
    """The retention rule: at start and then every day."""
    while True:
        now = advisor.clock()
        try:
            work = partial(_forget_inactive, cutoff=now - period, now=now)
            forgotten = await advisor.db.run(work)
            if forgotten:
                log.info("retention: forgot %d inactive users", forgotten)
                await advisor.db.after_erasure()
        except Exception:
            log.exception("retention run failed; trying again tomorrow")
        await asyncio.sleep(RETENTION_INTERVAL.total_seconds())


async def watch_database_file(file: DatabaseFile, failed: asyncio.Event) -> None:
    """Check ``file`` every ``DATABASE_FILE_CHECK`` seconds; set ``failed`` when it was
    deleted or replaced (everything stored from then on would be lost)."""
    while True:
        await asyncio.sleep(DATABASE_FILE_CHECK)
        problem = file.problem()
        if problem is not None:
            log.critical(
                "the SQLite database file %s was %s while the bot ran; stopping, since "
                "nothing stored from now on would be kept (see docs/operations.md)",
                file.path.name,
                problem,
            )
            failed.set()
            return


def _channel(application: AppType) -> TelegramChannel:
    channel = application.bot_data[CHANNEL_KEY]
    assert isinstance(channel, TelegramChannel)
    return channel


class Refusals:
    """Bodies refused as no update: logged in one short line at most every
    ``REFUSALS_LOGGED_EVERY`` seconds, so that a flood of them cannot fill the log."""

    def __init__(self) -> None:
        self.count = 0
        self._logged_at: float | None = None

    def note(self, reason: str) -> None:
        self.count += 1
        now = time.monotonic()
        if self._logged_at is None or now - self._logged_at >= REFUSALS_LOGGED_EVERY:
            log.warning(
                "webhook: refused %d request(s) without an update (latest: %s)", self.count, reason
            )
            self._logged_at, self.count = now, 0


def read_update(body: bytes, bot: Bot, refusals: Refusals) -> Update | None:
    """The update in a webhook body, or None (noted in ``refusals``) when it holds none:
    not JSON, JSON that is no object with an integer ``update_id``, nesting too deep for
    the parser, or fields python-telegram-bot cannot read (``"message": "hallo"``)."""
    try:
        data = json.loads(body)
    except (ValueError, RecursionError) as exc:
        refusals.note(type(exc).__name__)
        return None
    update_id = data.get("update_id") if isinstance(data, dict) else None
    if not isinstance(update_id, int) or isinstance(update_id, bool):
        refusals.note("no update_id")
        return None
    try:
        return Update.de_json(data, bot)
    except Exception as exc:  # whatever a malformed body makes PTB raise
        refusals.note(f"update {update_id}: {type(exc).__name__}")
        return None


def web_context(
    application: AppType,
    advisor: Advisor,
    settings: Settings,
    mode: str,
    database_file: DatabaseFile | None,
) -> WebContext:
    """What the web pages are built from; a live session moved on from its page is
    followed by the chat side (the control message, the participants' screens)."""
    from bot.web.context import WebContext

    live = application.bot_data[LIVE_KEY]
    moved = partial(live.moved_on_the_page, application.bot)
    return WebContext(advisor, settings, mode, database_file, live_moved=moved)


def webhook_app(
    application: AppType,
    advisor: Advisor,
    settings: Settings,
    secret: str,
    path: str,
    database_file: DatabaseFile | None = None,
) -> web.Application:
    """The aiohttp app: POST ``path`` for Telegram, GET /healthz for the platform (503
    once the SQLite ``database_file`` was deleted or replaced), and the web pages when
    WEB_URL is set (:mod:`bot.web.server`)."""

    from aiohttp import web

    expected = secret.encode()
    refusals = Refusals()

    async def receive(request: web.Request) -> web.Response:
        # As bytes: a header may carry any byte, and compare_digest refuses str that is
        # not ASCII (it would raise, a 500 with a traceback for anyone to provoke).
        given = request.headers.get(SECRET_HEADER, "").encode("utf-8", "surrogateescape")
        if not secrets.compare_digest(given, expected):
            return web.Response(status=403, text="forbidden")
        update = read_update(await request.read(), application.bot, refusals)
        if update is None:
            return web.Response(status=400, text="not an update")
        await process_in_turn(application, update)
        failed = _channel(application).failed
        if update.update_id in failed:
            failed.discard(update.update_id)
            # Not handled (the database was away): Telegram delivers it again later.
            return web.Response(status=503, text="try again")
        return web.Response(text="ok")

    app = web_pages(web_context(application, advisor, settings, "webhook", database_file))
    app.router.add_post(path, receive)
    return app


def web_pages(context: WebContext) -> web.Application:
    """The web server's application (:mod:`bot.web.server`). aiohttp's server and the web
    pages are imported here and in :func:`web_context`, when a server is started: a
    polling bot without WEB_URL serves none and does not carry them (see the memory row
    of the benchmark table)."""
    from bot.web.server import web_application

    return web_application(context)


async def serve_web(app: web.Application, host: str, port: int) -> web.AppRunner:
    from bot.web.server import start_site

    return await start_site(app, host, port)


async def start_bot(settings: Settings, *, webhook: bool, host: str = "0.0.0.0") -> RunningBot:
    """Open the advisor, build the application and start polling or the webhook server."""
    advisor = await open_advisor(settings)
    application = build_application(settings, advisor)
    set_chat_rate(application.bot.token, settings.chat_rate)
    running = RunningBot(application, advisor)
    running.start_watching_the_database_file()
    try:
        await application.initialize()
        advisor.links.username = application.bot.username
        await register_commands(application, advisor)
        if webhook:
            if not settings.webhook_url:
                raise ValueError("webhook mode needs WEBHOOK_URL (the public https URL)")
            secret = settings.webhook_secret or secrets.token_urlsafe(32)
            path = urlparse(settings.webhook_url).path or DEFAULT_WEBHOOK_PATH
            app = webhook_app(application, advisor, settings, secret, path, running.database_file)
            running.runner = await serve_web(app, host, settings.port)
            await application.start()
            # Only now: Telegram may push the moment setWebhook returns.
            await application.bot.set_webhook(
                settings.webhook_url, secret_token=secret, allowed_updates=Update.ALL_TYPES
            )
        else:
            if settings.web_url:
                context = web_context(
                    application, advisor, settings, "polling", running.database_file
                )
                running.runner = await serve_web(web_pages(context), host, settings.port)
            await application.bot.delete_webhook()
            await application.start()
            running.poller = Poller(
                application,
                _channel(application).failed,
                TelegramChannel.retry_delay,
                process=partial(process_in_turn, application),
                db=advisor.db,
            )
            running.poller.start()
    except BaseException:
        await running.stop()
        raise
    running.start_outbox_sender(
        SenderSettings(
            per_second=settings.broadcast_rate,
            lease=timedelta(seconds=settings.dispatch_lease_seconds),
        )
    )
    running.start_retention(settings.retention_days)
    running.start_menu_buttons(settings.web_url)
    log.info("bot ready (%s)", "webhook" if webhook else "polling")
    return running


@contextlib.asynccontextmanager
async def running_bot(
    settings: Settings, *, webhook: bool, host: str = "0.0.0.0"
) -> AsyncIterator[RunningBot]:
    """:func:`start_bot` as a context manager that always stops the bot."""
    bot = await start_bot(settings, webhook=webhook, host=host)
    try:
        yield bot
    finally:
        await bot.stop()


async def serve(settings: Settings, *, webhook: bool) -> bool:
    """Run until SIGINT or SIGTERM (True), or until the bot cannot go on (False); SIGHUP
    reloads the knowledge base."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    async with running_bot(settings, webhook=webhook) as bot:
        # SIGHUP reloads the knowledge; an invalid edit is refused and the old one kept.
        loop.add_signal_handler(signal.SIGHUP, bot.advisor.knowledge_store.reload)
        waits = {asyncio.create_task(stop.wait()), asyncio.create_task(bot.failed.wait())}
        _, pending = await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
        for wait in pending:
            wait.cancel()
        return not bot.failed.is_set()


def run_telegram(settings: Settings, *, webhook: bool) -> int:
    """``python -m bot run [--webhook]``: webhook when asked or when WEBHOOK_URL is set.
    Exit status 1 when the bot stopped because it could not go on."""
    ok = asyncio.run(serve(settings, webhook=webhook or bool(settings.webhook_url)))
    return 0 if ok else 1
