"""Edits of the message whose button was pressed: the chosen answer marked on its
question, or the reply shown in the message itself (a toggle). Both are extras: when
Telegram refuses or fails one, the user still gets the reply (as a new message)."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from functools import partial
from typing import Any

from telegram import CallbackQuery, Message, MessageEntity
from telegram.constants import ParseMode
from telegram.error import BadRequest, TelegramError

from bot.telegram.render import keyboard, split_spans, to_html, utf16_len
from bot.telegram.send import Call, not_modified
from flows.replies import Reply

log = logging.getLogger(__name__)


async def _edit(retrying: Call, make: Callable[[], Awaitable[Any]], what: str) -> bool:
    """Make the edit; False (logged) when Telegram refused or failed it."""
    try:
        await retrying(make)
    except TelegramError as exc:
        if isinstance(exc, BadRequest) and not_modified(exc):
            return True
        log.info("%s not edited: %s", what, type(exc).__name__)
        return False
    return True


async def replace_with(query: CallbackQuery, reply: Reply, retrying: Call) -> bool:
    """Show ``reply`` in the pressed message itself; False if it cannot (too long, a
    file, or the edit failed): then it goes out as a new message."""
    chunks = split_spans(reply.spans)
    if reply.attachment is not None or len(chunks) != 1:
        return False
    edit = partial(
        query.edit_message_text,
        to_html(chunks[0]),
        parse_mode=ParseMode.HTML,
        reply_markup=keyboard(reply.buttons),
        disable_web_page_preview=True,
    )
    return await _edit(retrying, edit, "pressed message")


async def mark_chosen(query: CallbackQuery, message: Message, mark: str, retrying: Call) -> None:
    """The question as it was (its own entities, not re-rendered), then ``mark`` (the
    choice) in bold; its keyboard dropped."""
    head = f"{message.text or ''}\n\n"
    bold = MessageEntity(MessageEntity.BOLD, utf16_len(head), utf16_len(mark))
    entities = [*message.entities, bold]
    await _edit(
        retrying, partial(query.edit_message_text, head + mark, entities=entities), "question"
    )
