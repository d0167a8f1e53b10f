"""Telegram's ``my_chat_member`` updates in private chats: the user blocked the bot
(status ``kicked``) or started it again (``member``)."""

from __future__ import annotations

from telegram import ChatMember, Update
from telegram.constants import ChatType
from telegram.ext import ChatMemberHandler, ContextTypes

from bot.app.advisor import Advisor
from bot.app.reachability import note_reachable


def my_chat_member_handler(
    advisor: Advisor, channel: str
) -> ChatMemberHandler[ContextTypes.DEFAULT_TYPE, None]:
    """The handler that keeps the users' blocked flag (users of ``channel``) as Telegram
    reports it."""

    async def changed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """The bot's membership of a private chat changed: blocked, or started again."""
        change = update.my_chat_member
        if change is None or change.chat.type != ChatType.PRIVATE:
            return
        status = change.new_chat_member.status
        if status in (ChatMember.BANNED, ChatMember.LEFT):
            reachable = False
        elif status == ChatMember.MEMBER:
            reachable = True
        else:
            return
        await note_reachable(advisor.db, channel, str(change.from_user.id), reachable=reachable)

    return ChatMemberHandler(changed, ChatMemberHandler.MY_CHAT_MEMBER)
