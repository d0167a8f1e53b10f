"""The Telegram channel: the app factory, thin handlers and the command menus (serving it,
by polling or webhook, is :mod:`bot.telegram.run`).

Updates become events for :class:`bot.app.advisor.Advisor`; outcomes become Telegram calls:
callback queries are always answered, a chosen answer marks its question message and
drops its keyboard, replies go out as escaped HTML split below 4096 characters.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
from collections.abc import Awaitable, Callable, Collection
from functools import partial
from typing import Any

from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeChat,
    Message,
    Update,
)
from telegram.error import (
    Forbidden,
    TelegramError,
)
from telegram.ext import (
    Application,
    ApplicationBuilder,
    BaseUpdateProcessor,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.app.advisor import Advisor, UserLocks, language_for
from bot.app.dashboard import Dashboard
from bot.settings import Settings
from bot.telegram.dashboard import COMMAND, DashboardCommand, set_menu_button
from bot.telegram.http import H11Request, perhaps_delivered
from bot.telegram.later import undelivered
from bot.telegram.live import add_live_handlers
from bot.telegram.membership import my_chat_member_handler
from bot.telegram.ratelimit import CURRENT_SLOT, SendBudget, UpdateSlot
from bot.telegram.send import combined, mark_chosen, replace_with, send_reply, with_retry
from flows import commands
from flows.commands import parse_command
from flows.events import Event, Outcome
from flows.replies import Reply
from flows.screens import Say, notice
from knowledge.model import LANGUAGES
from storage import StorageError

log = logging.getLogger(__name__)

CHANNEL = "telegram"
COMMANDS = commands.menu()
"""The menu of every user, from the command table; descriptions are ``cmd_<name>``."""
ROLE_COMMANDS = {
    role: tuple(name for name in commands.menu({role}) if name not in COMMANDS)
    for role in commands.ROLES
}
"""Extra commands in the menu of a coordinator's or admin's own chat (members never see
them; the commands check the role anyway)."""
MAX_CONCURRENT_UPDATES = 8
"""Measured: a small cap beats many requests in flight on one httpx client."""
BUDGET_KEY = "send_budget"
"""Where the application keeps the channel's :class:`SendBudget` for the outbox sender."""
CHANNEL_KEY = "channel"
LIVE_KEY = "live"
"""bot_data key of the live session's chat side (:class:`bot.telegram.live.LiveChat`)."""
HTTP_KEY = "http_clients"
"""The application's two :class:`H11Request` clients (calls, getUpdates)."""
UPDATE_RETRIES = 3
"""An update that failed for want of the database is handled again this often (polling:
by the poller, after a pause; webhook: by Telegram, after a 503) before the user is told."""
UPDATE_RETRY_DELAY = 2.0

AppType = Application[Any, Any, Any, Any, Any, Any]


class PerUserUpdateProcessor(BaseUpdateProcessor):
    """Updates of one user one at a time (double taps, two devices); users in parallel.

    Through :meth:`in_turn` an update waits for its user's turn before it takes one of the
    concurrent slots, so a burst from one user (thirty forwarded messages) waits in line
    without holding the slots other users' updates need; nor does a reply that waits for
    its chat's pace (a second between two messages to one chat).
    """

    def __init__(self, max_concurrent_updates: int) -> None:
        super().__init__(max_concurrent_updates)
        self._locks = UserLocks()

    async def in_turn(self, update: object, handle: Callable[[], Awaitable[Any]]) -> None:
        """``handle()`` the update once it is its user's turn and a slot is free."""
        user = update.effective_user if isinstance(update, Update) else None
        if user is None:
            await self.process_update(update, handle())
            return
        async with self._locks.hold((CHANNEL, str(user.id))):
            await self.process_update(update, handle())

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        """Handle the update in the slot it holds; a reply waiting for its chat's pace
        gives the slot back meanwhile (:class:`bot.telegram.ratelimit.UpdateSlot`)."""
        slot = UpdateSlot(self._semaphore)
        token = CURRENT_SLOT.set(slot)
        try:
            await coroutine
        finally:
            slot.done()
            CURRENT_SLOT.reset(token)

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to release."""


class TelegramChannel:
    """The handlers: translate the update, call the advisor, render the outcome."""

    def __init__(self, advisor: Advisor, budget: SendBudget | None = None) -> None:
        self.advisor = advisor
        self.budget = budget or SendBudget()
        """Replies are counted here, so that bulk traffic leaves them room."""
        self.failed: set[int] = set()
        """Updates whose handling failed for want of the database and that are to be
        handled again: webhook mode answers their request 503 (Telegram sends it again),
        the poller tries again after :meth:`retry_delay` before its offset moves on."""
        self._attempts: dict[int, int] = {}
        self.web_url: str | None = None
        """WEB_URL: coordinators' menu buttons open the dashboard there."""

    @staticmethod
    def retry_delay(attempt: int) -> float:
        """Seconds before handling a failed update for the ``attempt``-th time again."""
        return UPDATE_RETRY_DELAY * attempt

    async def on_message(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A message in a private chat: text or a command into the flow."""
        message, user = update.effective_message, update.effective_user
        if message is None or user is None:
            return
        text = message.text
        if text is None:
            lang = language_for(user.language_code)
            await self._send(context, message.chat_id, self._notice("only_text", lang))
            return
        event = (
            parse_command(text) if text.startswith("/") and len(text) > 1 else Event("text", text)
        )
        event = dataclasses.replace(event, update_id=update.update_id)
        outcome = await self.advisor.handle(CHANNEL, str(user.id), event, user.language_code)
        self._attempts.pop(update.update_id, None)
        await self.deliver(context, message.chat_id, outcome, update_id=update.update_id)

    async def on_callback(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A pressed button: answered always; a chosen answer marks its question."""
        query = update.callback_query
        if query is None:
            return
        event = Event("action", query.data or "", update_id=update.update_id)
        outcome = await self.advisor.handle(
            CHANNEL, str(query.from_user.id), event, query.from_user.language_code
        )
        self._attempts.pop(update.update_id, None)
        try:
            await with_retry(partial(query.answer, outcome.notice))
        except TelegramError as exc:  # "query is too old" when handled again later, a 5xx
            # Only the spinner on the button: the reply still goes out.
            log.info("callback query of update %s not answered: %s", update.update_id, exc)
        message = query.message
        if outcome.chosen and isinstance(message, Message):
            say = Say(self.advisor.knowledge, outcome.state.lang)
            mark = "".join(span.text for span in say("chosen", choice=outcome.chosen))
            await mark_chosen(query, message, mark, with_retry)
        chat_id = message.chat.id if message is not None else query.from_user.id
        replies = outcome.replies
        edit = outcome.edit and replies and isinstance(message, Message)
        if edit and await replace_with(query, replies[0], with_retry):
            replies = replies[1:]
        await self.deliver(context, chat_id, outcome, replies, update_id=update.update_id)

    def _notice(self, key: str, lang: str) -> Reply:
        return notice(Say(self.advisor.knowledge, lang), key)

    async def deliver(
        self,
        context: ContextTypes.DEFAULT_TYPE,
        chat_id: int,
        outcome: Outcome,
        replies: list[Reply] | None = None,
        *,
        update_id: int = 0,
    ) -> None:
        """The replies in order, combined where they read as one message (Telegram takes
        about one a second per chat); when one cannot go now, it and the rest are left to
        the outbox, or the user is told (see :func:`bot.telegram.later.undelivered`); one
        Telegram may have carried out (:func:`~bot.telegram.http.perhaps_delivered`) is
        neither sent again nor apologised for, and the rest go on."""
        pending = combined(outcome.replies if replies is None else replies)
        for index, reply in enumerate(pending):
            try:
                await self._send(context, chat_id, reply)
            except TelegramError as exc:
                if perhaps_delivered(exc):
                    # Most likely delivered: not sent again, no apology; the replies after
                    # it (the question to go on with) still go.
                    log.warning("a reply to update %s got no answer; probably delivered", update_id)
                    continue
                advisor = self.advisor
                lang = outcome.state.lang
                await undelivered(
                    advisor.db,
                    advisor.clock,
                    CHANNEL,
                    chat_id,
                    pending[index:],
                    exc,
                    update_id,
                    partial(self.apologise, context, chat_id, lang),
                )
                break
        for user_key, roles in outcome.menus.items():
            await set_menu(context.bot, self.advisor, int(user_key), roles)
            await set_menu_button(context.bot, self.advisor, int(user_key), roles, self.web_url)
        live = context.application.bot_data.get(LIVE_KEY)
        if outcome.live_session is not None and live is not None:
            # A private chat: its id is the user's.
            await live.show_round(context.bot, outcome.live_session, str(chat_id), chat_id)

    async def _send(self, context: ContextTypes.DEFAULT_TYPE, chat_id: int, reply: Reply) -> None:
        """One reply through the one send path, retried within the update."""
        try:
            await send_reply(context.bot, chat_id, reply, call=with_retry, budget=self.budget)
        except Forbidden:
            log.info("chat %s has blocked the bot; reply dropped", chat_id)

    async def on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Log with ids only (never texts or the token) and apologise to the user."""
        update_id = update.update_id if isinstance(update, Update) else None
        user = update.effective_user if isinstance(update, Update) else None
        if isinstance(context.error, Exception) and perhaps_delivered(context.error):
            # Telegram did not answer (in time, or the connection was lost once the reply
            # was written) but most likely delivered the reply: an apology would only add
            # to it.
            log.warning("a reply to update %s got no answer; probably delivered", update_id)
            return
        log.error(
            "update %s of user %s failed: %s",
            update_id,
            user.id if user else None,
            type(context.error).__name__,
            exc_info=context.error,
        )
        if not isinstance(update, Update) or user is None:
            return
        if isinstance(context.error, StorageError):
            # Nothing of the update was kept: have it handled again a moment later (the
            # user then gets the one real reply), and apologise only when giving up.
            attempt = self._attempts.get(update.update_id, 0) + 1
            self._attempts[update.update_id] = attempt
            if attempt <= UPDATE_RETRIES:
                self.failed.add(update.update_id)
                if update.callback_query is not None:
                    with contextlib.suppress(Exception):
                        await update.callback_query.answer()
                return
            del self._attempts[update.update_id]
        lang = language_for(user.language_code)
        if update.callback_query is not None:
            with contextlib.suppress(TelegramError):
                await update.callback_query.answer()
        chat_id = update.effective_chat.id if update.effective_chat else user.id
        await self.apologise(context, chat_id, lang)

    async def apologise(self, context: ContextTypes.DEFAULT_TYPE, chat_id: int, lang: str) -> None:
        """The bot's apology (the user may send their message again); logged if even
        that cannot go."""
        try:
            await self._send(context, chat_id, self._notice("error", lang))
        except TelegramError as exc:
            log.warning("apology to chat %s not delivered: %s", chat_id, type(exc).__name__)


async def process_in_turn(application: AppType, update: Update) -> None:
    """Hand ``update`` to the application, its user's updates one at a time (the poller
    and the webhook both come through here)."""
    processor = application.update_processor
    handle = partial(application.process_update, update)
    try:
        if isinstance(processor, PerUserUpdateProcessor):
            await processor.in_turn(update, handle)
        else:
            await processor.process_update(update, handle())
    finally:
        forget_persistence_marks(application)


def forget_persistence_marks(application: AppType) -> None:
    """PTB marks the chat and the user of every update for its persistence, also when there
    is none, in two sets it only empties when it saves: without persistence they kept one
    entry per user and chat ever seen. We have none (conversations live in the database)."""
    if application.persistence is None:
        application._chat_ids_to_be_updated_in_persistence.clear()
        application._user_ids_to_be_updated_in_persistence.clear()


def build_application(settings: Settings, advisor: Advisor) -> AppType:
    """The PTB application for ``settings``: Bot API URL, handlers, per-user processing.

    It has no updater: updates come from our :class:`bot.telegram.polling.Poller` or the webhook.
    """
    if not settings.bot_token:
        raise ValueError("BOT_TOKEN is not set")
    api = settings.bot_api_url
    requests = (H11Request(), H11Request(connection_pool_size=1))
    builder = (
        ApplicationBuilder()
        .token(settings.bot_token)
        .base_url(f"{api}/bot")
        .base_file_url(f"{api}/file/bot")
        .concurrent_updates(PerUserUpdateProcessor(MAX_CONCURRENT_UPDATES))
        .request(requests[0])
        .get_updates_request(requests[1])
        .updater(None)
    )
    application = builder.build()
    # PTB closes them in shutdown(), but not when initialize() failed (a refused token).
    application.bot_data[HTTP_KEY] = requests
    channel = TelegramChannel(advisor)
    channel.web_url = settings.web_url
    dashboard = DashboardCommand(
        Dashboard(advisor, settings.insight_min_group), settings.web_url, channel.on_message
    )
    application.bot_data[BUDGET_KEY] = channel.budget
    application.bot_data[CHANNEL_KEY] = channel
    private = filters.ChatType.PRIVATE
    application.bot_data[LIVE_KEY] = add_live_handlers(
        application, channel, settings.web_url, settings.insight_min_group
    )
    application.add_handler(CallbackQueryHandler(channel.on_callback))
    application.add_handler(my_chat_member_handler(advisor, CHANNEL))
    application.add_handler(
        CommandHandler(COMMAND, dashboard.on_command, private & ~filters.UpdateType.EDITED)
    )
    application.add_handler(
        MessageHandler(private & ~filters.UpdateType.EDITED, channel.on_message)
    )
    application.add_error_handler(channel.on_error)
    return application


def menu(advisor: Advisor, lang: str, roles: Collection[str] = ()) -> list[BotCommand]:
    """The command menu in ``lang``: everyone's commands, then those of the roles."""
    names = list(COMMANDS)
    for role in sorted(roles):
        names += [name for name in ROLE_COMMANDS.get(role, ()) if name not in names]
    knowledge = advisor.knowledge
    english = lang == "en"
    return [
        BotCommand(
            commands.ENGLISH_NAMES.get(name, name) if english else name,
            knowledge.message(f"cmd_{name}", lang),
        )
        for name in names
    ]


async def set_menu(bot: Bot, advisor: Advisor, chat_id: int, roles: Collection[str]) -> None:
    """A role's menu in that user's own chat, or back to everyone's when they have none.

    Best effort: a user who never opened a chat with the bot cannot get a menu (Telegram
    answers "chat not found"); the role itself is stored either way.
    """
    scope = BotCommandScopeChat(chat_id)
    try:
        for lang in LANGUAGES:
            language = None if lang == LANGUAGES[0] else lang
            if any(role in ROLE_COMMANDS for role in roles):
                await with_retry(
                    partial(
                        bot.set_my_commands,
                        menu(advisor, lang, roles),
                        scope=scope,
                        language_code=language,
                    )
                )
            else:
                await with_retry(
                    partial(bot.delete_my_commands, scope=scope, language_code=language)
                )
    except TelegramError as exc:
        log.info("menu of chat %s not changed: %s", chat_id, type(exc).__name__)


async def register_commands(application: AppType, advisor: Advisor) -> None:
    """The command menu, described in Dutch by default and in English for English users."""
    for lang in LANGUAGES:
        await application.bot.set_my_commands(
            menu(advisor, lang), language_code=None if lang == LANGUAGES[0] else lang
        )
