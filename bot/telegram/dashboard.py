"""The dashboard on the Telegram side: ``/dashboard`` answers a coordinator with a
one-time login link (for a laptop) and a button that opens the Mini App, and the
coordinator's own chat gets a menu button that opens it. Members never see either:
their ``/dashboard`` goes to the conversation like any unknown command.
"""

from __future__ import annotations

import logging
from collections.abc import Collection

from telegram import (
    Bot,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    LinkPreviewOptions,
    MenuButtonDefault,
    MenuButtonWebApp,
    Update,
    WebAppInfo,
)
from telegram.constants import ParseMode
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from bot.app.dashboard import LOGIN_VALID, Dashboard
from bot.telegram.render import to_html
from flows.commands import ADMIN, COORDINATOR
from flows.screens import Say

log = logging.getLogger(__name__)

COMMAND = "dashboard"
MENU_LABEL = "Dashboard"
"""The menu button's label: the same word in Dutch and English."""


def mini_app_url(web_url: str) -> str:
    return f"{web_url}/app?tg=1"


def login_url(web_url: str, token: str) -> str:
    return f"{web_url}/app/login/{token}"


async def set_menu_button(
    bot: Bot, chat_id: int, roles: Collection[str], web_url: str | None
) -> None:
    """The Mini App behind the menu button of a coordinator's or admin's chat; Telegram's
    default for everyone else. Telegram opens Mini Apps over https only. Best effort."""
    opens = web_url is not None and web_url.startswith("https://")
    if opens and {ADMIN, COORDINATOR} & set(roles):
        assert web_url is not None
        button: MenuButtonWebApp | MenuButtonDefault = MenuButtonWebApp(
            MENU_LABEL, WebAppInfo(mini_app_url(web_url))
        )
    else:
        button = MenuButtonDefault()
    try:
        await bot.set_chat_menu_button(chat_id=chat_id, menu_button=button)
    except TelegramError as exc:
        log.info("menu button of chat %s not changed: %s", chat_id, type(exc).__name__)


class DashboardCommand:
    """``/dashboard``: the login link for a coordinator, the conversation for others."""

    def __init__(self, dashboard: Dashboard, web_url: str | None, fallback: object) -> None:
        self.dashboard = dashboard
        self.web_url = web_url
        self.fallback = fallback
        """The channel's message handler: what a non-coordinator's /dashboard goes to."""

    async def on_command(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Send the login link and the Mini App button (link preview off)."""
        message, user = update.effective_message, update.effective_user
        found = None
        if message is not None and user is not None:
            found = await self.dashboard.issue_login(str(user.id))
        if found is None or message is None:
            await self.fallback(update, context)  # type: ignore[operator]
            return
        token, caller = found
        say = Say(self.dashboard.knowledge, caller.language)
        if self.web_url is None:
            await message.reply_text(to_html(say("dashboard_off")), parse_mode=ParseMode.HTML)
            return
        link = login_url(self.web_url, token)
        minutes = int(LOGIN_VALID.total_seconds() // 60)
        rows = [[InlineKeyboardButton(say.label("btn_dashboard_browser"), url=link)]]
        if self.web_url.startswith("https://"):
            app = WebAppInfo(mini_app_url(self.web_url))
            rows.insert(0, [InlineKeyboardButton(say.label("btn_dashboard_app"), web_app=app)])
        await context.bot.send_message(
            message.chat_id,
            to_html(say("dashboard_link", link=link, minutes=minutes)),
            parse_mode=ParseMode.HTML,
            reply_markup=InlineKeyboardMarkup(rows),
            link_preview_options=LinkPreviewOptions(is_disabled=True),
        )
        await set_menu_button(
            context.bot, message.chat_id, caller.user.roles | {COORDINATOR}, self.web_url
        )
