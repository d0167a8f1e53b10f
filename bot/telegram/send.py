"""The one way a reply reaches a Telegram chat: replies to users, nudges, reminders,
broadcasts and the coordinator's progress message all go through :func:`send_reply` (its
attachment, then its text as HTML in chunks with the buttons on the last, no link
previews). Callers differ only in what they do when Telegram says no: replies are retried
within their update (``call=with_retry``), the outbox sender records the failure on the
row, the progress message tries again at its next turn.

Every message keeps to the chat's pace (:class:`bot.telegram.ratelimit.ChatPace`: about
one a second per chat after a short burst), rather than meeting Telegram's 429 and arriving
a second late anyway. :func:`combined` spends fewer of a chat's turns by joining what reads
as one message.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from functools import partial
from typing import Any, cast

from telegram import Bot, CallbackQuery, Message, MessageEntity
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError

from bot.telegram.http import perhaps_delivered
from bot.telegram.ratelimit import ChatPace, SendBudget, pace_of, retry_after_seconds
from bot.telegram.render import keyboard, split_spans, to_html, utf16_len
from flows.replies import APART, LAST, LEAD_GAP, Reply, Span

log = logging.getLogger(__name__)

SEND_ATTEMPTS = 5
MAX_RETRY_AFTER = 10.0
"""The longest 429 pause a reply waits for within its update; a longer one fails it."""
CAPTION_LIMIT = 1024
"""Telegram's limit on a photo's or document's caption."""
MESSAGE_LIMIT = 1200
"""The longest message the bot sends (the screens' limit): replies are combined up to it."""

Call = Callable[[Callable[[], Awaitable[Any]]], Awaitable[Any]]
"""How a Bot API call is made: at once (:func:`at_once`) or with :func:`with_retry`."""


def not_modified(exc: BadRequest) -> bool:
    """Telegram refused an edit because the message already reads so: nothing to do."""
    return "not modified" in str(exc).lower()


async def at_once(make: Callable[[], Awaitable[Any]]) -> Any:
    return await make()


async def with_retry(make: Callable[[], Awaitable[Any]]) -> Any:
    """Await ``make()``; on 429 wait ``retry_after`` (bounded), on network errors that
    surely did not reach Telegram retry (not when it may have acted: :func:`perhaps_delivered`)."""
    for attempt in range(1, SEND_ATTEMPTS + 1):
        try:
            return await make()
        except RetryAfter as exc:
            wait = retry_after_seconds(exc)
            if attempt == SEND_ATTEMPTS or wait > MAX_RETRY_AFTER:
                raise
            await asyncio.sleep(wait)
        except NetworkError as exc:
            # A timeout is no answer, and neither is a connection lost once the request was
            # written: Telegram may have sent the message anyway, so it is not sent again
            # (the user would get it twice). Only what surely did not reach it is retried.
            if isinstance(exc, BadRequest | Forbidden) or perhaps_delivered(exc):
                raise
            if attempt == SEND_ATTEMPTS:
                raise
            await asyncio.sleep(0.2 * attempt)
    return None


def _fits(reply: Reply, attachment: bool) -> bool:
    limit = CAPTION_LIMIT if attachment else MESSAGE_LIMIT
    return utf16_len(reply.plain) <= limit


def goes_on_from(reply: Reply) -> bool:
    """Whether ``reply`` is the screen the user goes on from: a question, or what the core
    marked :data:`~flows.replies.LAST` (the question shown again after a side screen)."""
    return "question" in reply.meta or LAST in reply.meta


def combined(replies: Sequence[Reply]) -> list[Reply]:
    """``replies`` with each one that has no buttons joined to the next, where the two
    read as one message: a confirmation and the question after it ("U volgt nu: …" and
    "Vraag 1 van 9"), a text and the file it explains (the text as its
    caption). Never two files in one, never past :data:`MESSAGE_LIMIT` characters (a
    caption: :data:`CAPTION_LIMIT`), never a reply marked :data:`APART`, and never the
    screen the user goes on from as a file's caption (:func:`goes_on_from`): under a PDF
    its buttons would hang on the file, an answer could not mark it (a caption is no
    text to edit), and the question would read as the file's explanation.

    Telegram takes about one message a second per chat: each one saved is a second the
    user does not wait for the reply after it.
    """
    out: list[Reply] = []
    for reply in replies:
        before = out[-1] if out else None
        if (
            before is not None
            and not before.buttons
            and not (before.attachment is not None and reply.attachment is not None)
            and APART not in before.meta
            and APART not in reply.meta
            and not (before.attachment is not None and goes_on_from(reply))
        ):
            attachment = before.attachment or reply.attachment
            gap = (Span(LEAD_GAP),) if before.plain.strip() and reply.plain.strip() else ()
            joined = Reply(
                (*before.spans, *gap, *reply.spans),
                reply.buttons,
                attachment,
                {**before.meta, **reply.meta},
            )
            if _fits(joined, attachment is not None) and (attachment is None or attachment.caption):
                out[-1] = joined
                continue
        out.append(reply)
    return out


async def send_reply(
    bot: Bot,
    chat_id: int,
    reply: Reply,
    *,
    call: Call = at_once,
    budget: SendBudget | None = None,
    pace: ChatPace | None = None,
) -> Message | None:
    """Send ``reply``: its attachment (with the text as caption when the attachment asks
    for it and the text fits), then its text in chunks, the buttons on the last; every
    message at the chat's pace (``pace``: the bot's, by default) and counted in
    ``budget``. Returns the last message sent."""
    chunks = split_spans(reply.spans)
    markup = keyboard(reply.buttons)
    pace = pace or pace_of(str(getattr(bot, "token", "")))
    sent: Message | None = None

    async def paced(make: Callable[[], Awaitable[Any]]) -> Any:
        since = await pace.wait(chat_id)
        try:
            result = await call(make)
        finally:
            pace.answered(chat_id, since)
        if budget is not None:
            budget.note()
        return result

    if reply.attachment is not None:
        file = reply.attachment
        method = bot.send_photo if file.kind == "photo" else bot.send_document
        caption = to_html(chunks[0]) if file.caption and len(chunks) == 1 else None
        if caption is not None and utf16_len(reply.plain) <= CAPTION_LIMIT:
            # The explanation goes with the file, its buttons under it.
            return cast(
                Message | None,
                await paced(
                    partial(
                        method,
                        chat_id,
                        file.data,
                        filename=file.name,
                        caption=caption,
                        parse_mode=ParseMode.HTML,
                        reply_markup=markup,
                    )
                ),
            )
        sent = await paced(partial(method, chat_id, file.data, filename=file.name))
    for index, chunk in enumerate(chunks, start=1):
        sent = await paced(
            partial(
                bot.send_message,
                chat_id,
                to_html(chunk),
                parse_mode=ParseMode.HTML,
                reply_markup=markup if index == len(chunks) else None,
                disable_web_page_preview=True,
            )
        )
    return sent


async def edit_reply(
    bot: Bot,
    chat_id: int,
    message_id: int,
    reply: Reply,
    *,
    call: Call = at_once,
    budget: SendBudget | None = None,
) -> None:
    """Show ``reply`` (one chunk) in an earlier message instead of what it said; the
    edit counted in ``budget`` (Telegram counts it as a message)."""
    await call(
        partial(
            bot.edit_message_text,
            to_html(list(reply.spans)),
            chat_id,
            message_id,
            parse_mode=ParseMode.HTML,
            reply_markup=keyboard(reply.buttons),
            disable_web_page_preview=True,
        )
    )
    if budget is not None:
        budget.note()


# The pressed message: the chosen answer marked on its question, or the reply shown in
# the message itself (a toggle). Both are extras: when Telegram refuses or fails one,
# the user still gets the reply (as a new message).
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
