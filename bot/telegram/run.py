"""Serving the Telegram bot: start-up (polling or webhook), the webhook server with its
health endpoint, and the bot's background tasks (the outbox dispatcher, daily retention);
stopping it all again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import signal
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from urllib.parse import urlparse

from aiohttp import web
from telegram import Update

from bot.app.advisor import Advisor
from bot.settings import Settings
from bot.telegram.channel import (
    BUDGET_KEY,
    CHANNEL_KEY,
    HTTP_KEY,
    AppType,
    TelegramChannel,
    build_application,
    process_in_turn,
    register_commands,
)
from bot.telegram.outbox_sender import Dispatcher, DispatchSettings
from bot.telegram.polling import Poller
from bot.telegram.ratelimit import SendBudget
from bot.wiring import open_advisor
from storage import Repository

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
RETENTION_INTERVAL = timedelta(days=1)
DEFAULT_WEBHOOK_PATH = "/telegram"


@dataclass
class RunningBot:
    """A started bot: stop it with :meth:`stop`."""

    application: AppType
    advisor: Advisor
    runner: web.AppRunner | None = None
    poller: Poller | None = None
    dispatcher: Dispatcher | None = None
    dispatching: asyncio.Task[None] | None = None
    retention: asyncio.Task[None] | None = None

    def start_retention(self, days: int) -> None:
        """Once a day, forget every user inactive for ``days`` days."""
        self.retention = asyncio.create_task(
            forget_inactive_daily(self.advisor, timedelta(days=days)), name="retention"
        )

    def start_dispatcher(self, settings: DispatchSettings | None = None) -> None:
        """Deliver the outbox (reminders, nudges, broadcasts) beside the replies, as its
        own task, within the message budget the replies leave."""
        advisor = self.advisor
        budget = self.application.bot_data.get(BUDGET_KEY)
        self.dispatcher = Dispatcher(
            advisor.db,
            advisor.knowledge_store,
            self.application.bot,
            lambda: advisor.clock(),
            settings,
            budget=budget if isinstance(budget, SendBudget) else None,
        )
        self.dispatching = asyncio.create_task(self.dispatcher.run(), name="dispatcher")

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
        if self.dispatcher is not None and self.dispatching is not None:
            self.dispatcher.stop()
            steps.append(("dispatcher", partial(_finished, self.dispatching)))
        if app.running:
            steps.append(("application", app.stop))
        if self.runner is not None:
            steps.append(("webhook server", self.runner.cleanup))
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


async def _cancelled(task: asyncio.Task[None]) -> None:
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


async def _finished(task: asyncio.Task[None]) -> None:
    await task


async def _close_http(application: AppType) -> None:
    """Close the HTTP clients (already done by a shutdown after a successful start)."""
    for request in application.bot_data.get(HTTP_KEY, ()):
        await request.shutdown()


def _forget_inactive(repo: Repository, *, cutoff: datetime) -> int:
    return repo.privacy.forget_inactive(cutoff)


async def forget_inactive_daily(advisor: Advisor, period: timedelta) -> None:
    """The retention rule: at start and then every day."""
    while True:
        cutoff = advisor.clock() - period
        try:
            forgotten = await advisor.db.run(partial(_forget_inactive, cutoff=cutoff))
            if forgotten:
                log.info("retention: forgot %d inactive users", forgotten)
                await advisor.db.after_erasure()
        except Exception:
            log.exception("retention run failed; trying again tomorrow")
        await asyncio.sleep(RETENTION_INTERVAL.total_seconds())


def _channel(application: AppType) -> TelegramChannel:
    channel = application.bot_data[CHANNEL_KEY]
    assert isinstance(channel, TelegramChannel)
    return channel


def webhook_app(application: AppType, advisor: Advisor, secret: str, path: str) -> web.Application:
    """The aiohttp app: POST ``path`` for Telegram, GET /healthz for the platform."""

    async def receive(request: web.Request) -> web.Response:
        if not secrets.compare_digest(request.headers.get(SECRET_HEADER, ""), secret):
            return web.Response(status=403, text="forbidden")
        try:
            data = await request.json()
            update = Update.de_json(data, application.bot)
        except (ValueError, TypeError, KeyError):
            return web.Response(status=400, text="not an update")
        await process_in_turn(application, update)
        failed = _channel(application).failed
        if update.update_id in failed:
            failed.discard(update.update_id)
            # Not handled (the database was away): Telegram delivers it again later.
            return web.Response(status=503, text="try again")
        return web.Response(text="ok")

    async def health(request: web.Request) -> web.Response:
        return web.json_response(
            {"status": "ok", "mode": "webhook", "knowledge": advisor.knowledge.version}
        )

    app = web.Application()
    app.router.add_post(path, receive)
    app.router.add_get("/healthz", health)
    return app


async def start_bot(settings: Settings, *, webhook: bool, host: str = "0.0.0.0") -> RunningBot:
    """Open the advisor, build the application and start polling or the webhook server."""
    advisor = await open_advisor(settings)
    application = build_application(settings, advisor)
    running = RunningBot(application, advisor)
    try:
        await application.initialize()
        advisor.links.username = application.bot.username
        await register_commands(application, advisor)
        if webhook:
            if not settings.webhook_url:
                raise ValueError("webhook mode needs WEBHOOK_URL (the public https URL)")
            secret = settings.webhook_secret or secrets.token_urlsafe(32)
            path = urlparse(settings.webhook_url).path or DEFAULT_WEBHOOK_PATH
            running.runner = web.AppRunner(webhook_app(application, advisor, secret, path))
            await running.runner.setup()
            await web.TCPSite(running.runner, host, settings.port).start()
            await application.start()
            # Only now: Telegram may push the moment setWebhook returns.
            await application.bot.set_webhook(
                settings.webhook_url, secret_token=secret, allowed_updates=Update.ALL_TYPES
            )
        else:
            await application.bot.delete_webhook()
            await application.start()
            running.poller = Poller(
                application,
                _channel(application).failed,
                TelegramChannel.retry_delay,
                process=partial(process_in_turn, application),
            )
            running.poller.start()
    except BaseException:
        await running.stop()
        raise
    running.start_dispatcher(
        DispatchSettings(
            per_second=settings.broadcast_rate,
            lease=timedelta(seconds=settings.dispatch_lease_seconds),
        )
    )
    running.start_retention(settings.retention_days)
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


async def serve(settings: Settings, *, webhook: bool) -> None:
    """Run until SIGINT or SIGTERM; SIGHUP reloads the knowledge base."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    async with running_bot(settings, webhook=webhook) as bot:
        # SIGHUP reloads the knowledge; an invalid edit is refused and the old one kept.
        loop.add_signal_handler(signal.SIGHUP, bot.advisor.knowledge_store.reload)
        await stop.wait()


def run_telegram(settings: Settings, *, webhook: bool) -> int:
    """``python -m bot run [--webhook]``: webhook when asked or when WEBHOOK_URL is set."""
    asyncio.run(serve(settings, webhook=webhook or bool(settings.webhook_url)))
    return 0
