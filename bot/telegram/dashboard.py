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

from bot.app.advisor import Advisor
from bot.app.dashboard import CHANNEL, LOGIN_VALID, Dashboard
from bot.telegram.ratelimit import Pacer, SendBudget
from bot.telegram.render import to_html
from flows.commands import ADMIN, COORDINATOR
from flows.screens import Say

log = logging.getLogger(__name__)

COMMAND = "dashboard"
MENU_LABEL = "Dashboard"
"""The menu button's label: the same word in Dutch and English."""
MENU_BUTTONS_PER_SECOND = 5.0
"""How fast start-up sets menu buttons: a small part of the send budget."""


def mini_app_url(web_url: str) -> str:
    return f"{web_url}/app?tg=1"


def login_url(web_url: str, token: str) -> str:
    return f"{web_url}/app/login/{token}"


def menu_button_opens(roles: Collection[str], web_url: str | None) -> str | None:
    """What a chat's menu button should open: the Mini App for a coordinator or admin
    (Telegram opens Mini Apps over https only), None (Telegram's default) for anyone else."""
    if web_url is None or not web_url.startswith("https://"):
        return None
    return mini_app_url(web_url) if {ADMIN, COORDINATOR} & set(roles) else None


async def set_menu_button(
    bot: Bot, advisor: Advisor, chat_id: int, roles: Collection[str], web_url: str | None
) -> bool:
    """The Mini App behind the menu button of a coordinator's or admin's chat; Telegram's
    default for everyone else; recorded, so that start-up need not set it again. Best
    effort: False when Telegram refused."""
    opens = menu_button_opens(roles, web_url)
    button: MenuButtonWebApp | MenuButtonDefault = (
        MenuButtonWebApp(MENU_LABEL, WebAppInfo(opens)) if opens else MenuButtonDefault()
    )
    try:
        await bot.set_chat_menu_button(chat_id=chat_id, menu_button=button)
    except TelegramError as exc:
        log.info("menu button of chat %s not changed: %s", chat_id, type(exc).__name__)
        return False
    await advisor.db.run(lambda repo: repo.web.record_menu_button(CHANNEL, str(chat_id), opens))
    return True


async def sync_menu_buttons(
    bot: Bot, advisor: Advisor, web_url: str | None, budget: SendBudget
) -> int:
    """Once at start-up: every coordinator's and admin's chat whose menu button does not
    open the Mini App yet gets it (those made coordinator before the dashboard existed,
    or while the bot could not reach them), and a chat whose button opens it but whose
    user has no such role any more gets Telegram's default back. Each chat's button is
    recorded, so a restart sends nothing again; paced at :data:`MENU_BUTTONS_PER_SECOND`
    within the bot's send budget. How many were changed."""
    admins = {user for channel, user in advisor.admins if channel == CHANNEL}
    found = await advisor.db.run(lambda repo: repo.web.menu_button_candidates(CHANNEL, admins))
    pacer = Pacer(budget, MENU_BUTTONS_PER_SECOND)
    changed = 0
    for _, chat, roles, current in found:
        held = roles | ({ADMIN} if chat in admins else frozenset())
        if menu_button_opens(held, web_url) == current:
            continue
        await pacer.wait()
        changed += await set_menu_button(bot, advisor, int(chat), held, web_url)
    if changed:
        log.info("menu buttons changed at start-up: %d", changed)
    return changed


class DashboardCommand:
    """``/dashboard``: the login link for a coordinator, the conversation for others."""

    def __init__(self, dashboard: Dashboard, web_url: str | None, fallback: object) -> None:
        self.dashboard = dashboard
        self.web_url = web_url
        self.fallback = fallback
        """The channel's message handler: what a non-coordinator's /dashboard goes to."""

    async def on_command(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Send the login link and the Mini App button (link preview off); without WEB_URL,
        say the dashboard is off (and make no login link nobody could open)."""
        message, user = update.effective_message, update.effective_user
        if message is None or user is None:
            await self.fallback(update, context)  # type: ignore[operator]
            return
        if self.web_url is None:
            caller = await self.dashboard.by_telegram(user.id)
            if caller is None:
                await self.fallback(update, context)  # type: ignore[operator]
                return
            say = Say(self.dashboard.knowledge, caller.language)
            await message.reply_text(to_html(say("dashboard_off")), parse_mode=ParseMode.HTML)
            return
        found = await self.dashboard.issue_login(str(user.id))
        if found is None:
            await self.fallback(update, context)  # type: ignore[operator]
            return
        token, caller = found
        say = Say(self.dashboard.knowledge, caller.language)
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
            context.bot,
            self.dashboard.advisor,
            message.chat_id,
            caller.user.roles | {COORDINATOR},
            self.web_url,
        )
