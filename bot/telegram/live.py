"""The live session's channel glue on Telegram: its buttons and ``/start live_<code>``
from the join QR are read by the live dialogue (:mod:`flows.live.dialogue`) and applied
by the live service (:mod:`bot.app.live_effects`); this sends the answers, and pushes
each round to every participant's one live message (edited in place, sent once when
they have none yet). ``/live`` itself goes through the conversation like any command.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from functools import partial
from typing import Any

from telegram import CallbackQuery, Message, Update
from telegram.error import BadRequest, Forbidden, TelegramError
from telegram.ext import ContextTypes

from bot.app.advisor import language_for
from bot.app.live import Live, Moved
from bot.app.live_effects import LiveAnswer, LiveEffects, Summary
from bot.telegram.ratelimit import Pacer, SendBudget
from bot.telegram.send import edit_reply, not_modified, send_reply, with_retry
from flows.events import Event
from flows.live.dialogue import join_code, read_button
from flows.replies import Reply
from flows.screens import Say

log = logging.getLogger(__name__)

PUSH_PER_SECOND = 25.0
"""Participants' screens sent or edited per second at most when a round moves on, within
the bot's shared send budget (:mod:`bot.telegram.ratelimit`): replies first, and this
together with the outbox sender's broadcasts never past Telegram's 30 a second."""

Conversation = Callable[[Update, ContextTypes.DEFAULT_TYPE, Event], Awaitable[None]]


class LiveChat:
    """The live buttons, the join link and the pushing of rounds."""

    def __init__(
        self, effects: LiveEffects, conversation: Conversation, budget: SendBudget
    ) -> None:
        self.effects = effects
        self.live: Live = effects.live
        self.budget = budget
        """The process's send budget, shared with replies and the outbox sender."""
        self.pacer = Pacer(budget, PUSH_PER_SECOND)
        self.conversation = conversation
        self._tasks: set[asyncio.Task[None]] = set()

    # -- buttons -----------------------------------------------------------------------

    async def on_callback(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        if query is None:
            return
        effect = read_button(self.live.knowledge, query.data or "")
        answer = await self.effects.apply(str(query.from_user.id), effect)
        await self._answer(query, answer.notice, answer.lang)
        if answer.notice is not None:
            await self._show(query, context.bot, answer)

    async def _show(self, query: CallbackQuery, bot: Any, answer: LiveAnswer) -> None:
        """Send what the button's answer shows, then push the session on."""
        message = query.message
        chat_id = message.chat.id if message is not None else query.from_user.id
        if answer.edit is not None:
            if isinstance(message, Message):
                edited = await self._edit(message.chat.id, message.message_id, answer.edit, bot)
            else:
                edited = False
            if not edited and not answer.edit_only:
                await self._send(bot, query.from_user.id, answer.edit)
        for reply in answer.replies:
            await self._send(bot, chat_id, reply)
        if answer.control is not None:
            sent = await self._send(bot, chat_id, answer.control)
            if sent is not None and answer.push is not None:
                await self.live.set_control(answer.push, sent.message_id)
        if answer.push is not None:
            self._push_task(bot, answer.push)
        if answer.summary is not None:
            await self._summary(bot, chat_id, answer.summary)

    async def _summary(self, bot: Any, chat_id: int, summary: Summary) -> None:
        # Drawn off the event loop, while the text goes: matplotlib takes a while.
        drawing = asyncio.create_task(asyncio.to_thread(summary.chart))
        await self._send(bot, chat_id, summary.text)
        chart = await drawing
        if chart is not None:
            await self._send(bot, chat_id, chart)
        await self._send(bot, chat_id, summary.csv)

    async def moved_on_the_page(self, bot: Any, moved: Moved) -> None:
        """The facilitator moved the session on from the projector page: their control
        message follows, and every participant's screen."""
        session = moved.session
        if moved.facilitator_chat is not None and session.control_message is not None:
            say = self.effects.say(moved.language)
            reply = await self.effects.control(say, session, moved.cohort)
            await self._edit(int(moved.facilitator_chat), session.control_message, reply, bot)
        self._push_task(bot, session.id)

    # -- joining -----------------------------------------------------------------------

    async def on_start(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """``/start live_<code>``: join the session's cohort and get its live screen."""
        message, user = update.effective_message, update.effective_user
        if message is None or user is None:
            return
        code = join_code((message.text or "").partition(" ")[2])
        outcome, session = await self.live.join(str(user.id), code)
        if outcome == "unknown" or session is None:
            say = Say(self.live.knowledge, language_for(user.language_code))
            await self._send(context.bot, message.chat_id, Reply(tuple(say("live_join_unknown"))))
            return
        if outcome == "consent":
            cohort_code = await self.live.cohort_code(session.cohort_id)
            event = Event("command", text=cohort_code, name="start", update_id=update.update_id)
            await self.conversation(update, context, event)
            return
        await self.show_round(context.bot, session.id, str(user.id), message.chat_id)

    async def show_round(self, bot: Any, session_id: int, user_key: str, chat_id: int) -> None:
        """A member's live screen of the session's current round, as a new message that
        later rounds edit (someone who just joined: they vote in this round already)."""
        screen = await self.effects.screen_for(session_id, user_key)
        if screen is None:
            return
        try:
            sent = await send_reply(bot, chat_id, screen.reply, call=with_retry, budget=self.budget)
        except Forbidden:
            return
        if sent is not None:
            await self.live.set_screen(session_id, screen.user_id, sent.message_id)

    # -- pushing -----------------------------------------------------------------------

    def _push_task(self, bot: Any, session_id: int) -> None:
        task = asyncio.create_task(self.push(bot, session_id), name=f"live-{session_id}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def push(self, bot: Any, session_id: int) -> None:
        """Every participant's live screen to the session's current round."""
        async for screen in self.effects.participant_screens(session_id):
            chat = int(screen.chat)
            await self.pacer.wait()  # counts the message in the budget
            try:
                if screen.message_id is None or not await self._edit(
                    chat, screen.message_id, screen.reply, bot, counted=False
                ):
                    sent = await send_reply(bot, chat, screen.reply, call=with_retry)
                    if sent is not None:
                        await self.live.set_screen(session_id, screen.user_id, sent.message_id)
            except Forbidden:
                log.info("live screen of chat %s not sent: blocked", chat)
            except TelegramError as exc:
                log.info("live screen of chat %s not sent: %s", chat, type(exc).__name__)

    async def close(self) -> None:
        """Wait for the pushes under way (at shutdown)."""
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    # -- helpers -----------------------------------------------------------------------

    async def _answer(self, query: CallbackQuery, text: str | None, lang: str) -> None:
        """Answer the button; ``None``: it has expired."""
        if text is None:
            text = Say(self.live.knowledge, lang).label("stale")
        try:
            await with_retry(partial(query.answer, text or None))
        except BadRequest as exc:
            log.info("live callback not answered: %s", exc)

    async def _edit(
        self, chat_id: int, message_id: int, reply: Reply, bot: Any, *, counted: bool = True
    ) -> bool:
        """Show ``reply`` in an earlier message; False when that message is gone.
        ``counted`` False: the caller's pacer counted it already."""
        budget = self.budget if counted else None
        try:
            await edit_reply(bot, chat_id, message_id, reply, call=with_retry, budget=budget)
        except BadRequest as exc:
            return not_modified(exc)
        return True

    async def _send(self, bot: Any, chat_id: int, reply: Reply) -> Message | None:
        try:
            return await send_reply(bot, chat_id, reply, call=with_retry, budget=self.budget)
        except Forbidden:
            return None


def add_live_handlers(
    application: Any, channel: Any, web_url: str | None, min_group: int
) -> LiveChat:
    """``/start live_<code>`` and the live buttons, ahead of the channel's own handlers
    (the first handler that matches an update takes it)."""
    from telegram.ext import CallbackQueryHandler, CommandHandler, filters

    advisor = channel.advisor
    advisor.links.web_url = web_url
    live = Live(
        advisor.db,
        lambda: advisor.knowledge,
        advisor.clock,
        advisor.admins,
        advisor.live_hub,
        min_group,
    )

    async def converse(update: Update, context: ContextTypes.DEFAULT_TYPE, event: Event) -> None:
        user, message = update.effective_user, update.effective_message
        if user is None or message is None:
            return
        outcome = await advisor.handle("telegram", str(user.id), event, user.language_code)
        await channel.deliver(context, message.chat_id, outcome)

    chat = LiveChat(LiveEffects(live, advisor.links), converse, channel.budget)
    private = filters.ChatType.PRIVATE & ~filters.UpdateType.EDITED
    application.add_handler(CallbackQueryHandler(chat.on_callback, pattern=r"^live:"))
    application.add_handler(
        CommandHandler("start", chat.on_start, private & filters.Regex(r"^/start live_"))
    )
    return chat
