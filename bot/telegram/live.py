"""The live session on the Telegram side: ``/live`` for coordinators, the buttons of the
control message and of the participants' live screens, ``/start live_<code>`` from the
join QR, and pushing each round to every participant's one live message (edited in
place, sent once when they have none yet).

The buttons are answered here, not by the conversation (:mod:`flows.live.screens`), so
a participant can vote whatever else they were doing with the bot.
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
from bot.app.followup import qr_png
from bot.app.live import JOIN_PREFIX, Live, Moved, view_of
from bot.app.live_chart import summary_chart
from bot.telegram.ratelimit import Pacer, SendBudget
from bot.telegram.send import edit_reply, not_modified, send_reply, with_retry
from flows.events import Event
from flows.live import screens
from flows.replies import Attachment, Reply
from flows.screens import Say
from storage.live import LiveInfo

log = logging.getLogger(__name__)

COMMAND = "live"
PUSH_PER_SECOND = 25.0
"""Participants' screens sent or edited per second at most when a round moves on, within
the bot's shared send budget (:mod:`bot.telegram.ratelimit`): replies first, and this
together with the outbox sender's broadcasts never past Telegram's 30 a second."""

Handler = Callable[[Update, ContextTypes.DEFAULT_TYPE], Awaitable[None]]


def projector_url(web_url: str, code: str) -> str:
    return f"{web_url}/live/{code}"


class LiveChat:
    """``/live``, its buttons, the join link and the pushing of rounds."""

    def __init__(
        self,
        live: Live,
        web_url: str | None,
        fallback: Handler,
        conversation: Callable[[Update, ContextTypes.DEFAULT_TYPE, Event], Awaitable[None]],
        deep_link: Callable[[str], str | None],
        budget: SendBudget,
    ) -> None:
        self.live = live
        self.budget = budget
        """The process's send budget, shared with replies and the outbox sender."""
        self.pacer = Pacer(budget, PUSH_PER_SECOND)
        self.web_url = web_url
        self.fallback = fallback
        """The channel's message handler: what a non-coordinator's /live goes to."""
        self.conversation = conversation
        self.deep_link = deep_link
        self._tasks: set[asyncio.Task[None]] = set()

    def _say(self, lang: str) -> Say:
        return Say(self.live.knowledge, lang)

    # -- the facilitator ---------------------------------------------------------------

    async def on_command(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message, user = update.effective_message, update.effective_user
        if message is None or user is None:
            return
        found = await self.live.cohorts(str(user.id))
        if found is None:
            await self.fallback(update, context)
            return
        who, cohorts = found
        say = self._say(who.language)
        if self.web_url is None:
            await self._send(context, message.chat_id, Reply(tuple(say("dashboard_off"))))
            return
        args = (message.text or "").partition(" ")[2].strip()
        if args:
            picked = screens.pick_numbers(self.live.knowledge, args)
            if picked is None:
                count = len(self.live.knowledge.dilemmas)
                await self._send(
                    context, message.chat_id, Reply(tuple(say("live_numbers_unknown", count=count)))
                )
                return
            every = [d.id for d in self.live.knowledge.dilemmas]
            numbers = ".".join(str(every.index(d) + 1) for d in picked)
            reply = screens.choose_cohort(say, cohorts)
            reply = Reply(
                reply.spans,
                tuple(
                    (type(b)(b.label, screens.button_data("p", b.action.split(":")[2], numbers)),)
                    for row in reply.buttons
                    for b in row
                ),
            )
        else:
            reply = screens.choose_cohort(say, cohorts)
        await self._send(context, message.chat_id, reply)

    async def on_callback(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        if query is None:
            return
        parts = screens.parse(query.data or "")
        user_key = str(query.from_user.id)
        if parts is None or not all(p.isdecimal() or p.isalpha() or "." in p for p in parts):
            await self._answer(query, None)
            return
        head = parts[0]
        if head in ("v", "s") and len(parts) == 3 + (head == "v"):
            choice = parts[3] if head == "v" else "s"
            if not (parts[1].isdecimal() and parts[2].isdecimal()) or choice not in "01234s":
                await self._answer(query, None)
                return
            await self._vote(query, user_key, int(parts[1]), int(parts[2]), choice)
        elif head in ("c", "d", "p"):
            await self._setup(query, context, user_key, parts)
        elif head in ("n", "x", "e") and parts[1].isdecimal():
            round_ = int(parts[2]) if len(parts) > 2 and parts[2].isdecimal() else None
            await self._move(query, context, user_key, int(parts[1]), head, round_)
        else:
            await self._answer(query, None)

    async def _setup(
        self,
        query: CallbackQuery,
        context: ContextTypes.DEFAULT_TYPE,
        user_key: str,
        parts: tuple[str, ...],
    ) -> None:
        found = await self.live.cohorts(user_key)
        if found is None or not parts[1].isdecimal() or self.web_url is None:
            await self._answer(query, None)
            return
        who, cohorts = found
        say = self._say(who.language)
        cohort_id = int(parts[1])
        if cohort_id not in {c for c, _ in cohorts}:
            await self._answer(query, None)
            return
        knowledge = self.live.knowledge
        if parts[0] == "c":
            await self._answer(query, "")
            await self._edit_or_send(
                query, context, screens.choose_dilemmas(say, knowledge, cohort_id)
            )
            return
        if parts[0] == "d" and len(parts) == 3:
            dilemmas = screens.pick(knowledge, parts[2])
        elif parts[0] == "p" and len(parts) == 3:
            dilemmas = screens.pick_numbers(knowledge, parts[2].replace(".", " ")) or []
        else:
            dilemmas = []
        started = await self.live.start(user_key, cohort_id, dilemmas)
        if started is None:
            await self._answer(query, None)
            return
        await self._answer(query, "")
        who, session, cohort = started
        chat_id = query.message.chat.id if query.message is not None else query.from_user.id
        join = self.deep_link(JOIN_PREFIX + session.code) or ""
        link = projector_url(self.web_url, session.code)
        qr = Reply(
            tuple(say("live_qr_caption")),
            attachment=Attachment("photo", "live.png", qr_png(join or link), caption=True),
        )
        await self._send(context, chat_id, qr)
        sent = await self._send(context, chat_id, await self._control(say, session, cohort))
        if sent is not None:
            await self.live.set_control(session.id, sent.message_id)
        self._push_later(context, session.id)

    async def _move(
        self,
        query: CallbackQuery,
        context: ContextTypes.DEFAULT_TYPE,
        user_key: str,
        session_id: int,
        what: str,
        round_: int | None,
    ) -> None:
        moved = await self.live.move(user_key, session_id, what, round_)
        if moved is None:
            await self._answer(query, None)
            return
        await self._answer(query, "")
        who, session, cohort = moved
        say = self._say(who.language)
        await self._edit_or_send(query, context, await self._control(say, session, cohort))
        self._push_later(context, session.id)
        if session.ended:
            chat_id = query.message.chat.id if query.message is not None else query.from_user.id
            await self._summary(context, chat_id, say, session.id, cohort)

    async def moved_on_the_page(self, bot: Any, moved: Moved) -> None:
        """The facilitator moved the session on from the projector page: their control
        message follows, and every participant's screen."""
        session = moved.session
        if moved.facilitator_chat is not None and session.control_message is not None:
            reply = await self._control(self._say(moved.language), session, moved.cohort)
            chat = int(moved.facilitator_chat)
            await self._edit(chat, session.control_message, reply, bot)
        self._push_task(bot, session.id)

    async def _control(self, say: Say, session: LiveInfo, cohort: str) -> Reply:
        """The control message of the session as it is now."""
        participants = await self.live.participants(session.id)
        link = projector_url(self.web_url or "", session.code)
        key = session.facilitator_key
        return screens.control(
            say,
            view_of(self.live.knowledge, session),
            cohort=cohort,
            link=link,
            join=self.deep_link(JOIN_PREFIX + session.code) or "",
            participants=len(participants[1]) if participants is not None else 0,
            host=f"{link}#{key}" if key else None,
        )

    async def _summary(
        self,
        context: ContextTypes.DEFAULT_TYPE,
        chat_id: int,
        say: Say,
        session_id: int,
        cohort: str,
    ) -> None:
        """Per round the spread and how many recognise it, the top dilemmas, a chart (when
        a round may be shown) and a CSV."""
        knowledge = self.live.knowledge
        k = self.live.min_group
        rounds = [
            (knowledge.dilemma(d), t.counts, t.voters, t.strong)
            for d, t in await self.live.results(session_id)
        ]
        # Drawn off the event loop, while the text goes: matplotlib takes a while.
        drawing = asyncio.create_task(asyncio.to_thread(summary_chart, say, rounds, k))
        await self._send(context, chat_id, screens.summary(say, cohort, rounds, k))
        chart = await drawing
        if chart is not None:
            photo = Attachment("photo", "live.png", chart, caption=True)
            await self._send(
                context, chat_id, Reply(tuple(say("live_chart_caption", k=k)), attachment=photo)
            )
        document = Attachment("document", "live.csv", screens.summary_csv(say, rounds, k))
        await self._send(context, chat_id, Reply((), attachment=document))

    # -- participants ------------------------------------------------------------------

    async def _vote(
        self, query: CallbackQuery, user_key: str, session_id: int, round_: int, choice: str
    ) -> None:
        result = await self.live.vote(user_key, session_id, round_, choice)
        say = self._say(result.language)
        if result.outcome == "ok":
            await self._answer(query, say.label("live_vote_ok"))
        elif result.outcome == "closed":
            await self._answer(query, say.label("live_vote_closed"))
        else:
            await self._answer(query, None, result.language)
            return
        if result.view is not None and isinstance(query.message, Message):
            mine = result.mine
            reply = screens.participant(
                say, result.view, mine.position if mine else None, bool(mine and mine.strong)
            )
            await self._edit(
                query.message.chat.id, query.message.message_id, reply, query.get_bot()
            )

    async def on_start(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """``/start live_<code>``: join the session's cohort and get its live screen."""
        message, user = update.effective_message, update.effective_user
        if message is None or user is None:
            return
        code = (message.text or "").partition(" ")[2].strip().removeprefix(JOIN_PREFIX)
        outcome, session = await self.live.join(str(user.id), code)
        if outcome == "unknown" or session is None:
            say = self._say(language_for(user.language_code))
            await self._send(context, message.chat_id, Reply(tuple(say("live_join_unknown"))))
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
        found = await self.live.screen_for(session_id, user_key)
        if found is None:
            return
        session, who, mine = found
        view = view_of(self.live.knowledge, session)
        reply = screens.participant(self._say(who.language), view, mine.position, mine.strong)
        try:
            sent = await send_reply(bot, chat_id, reply, call=with_retry, budget=self.budget)
        except Forbidden:
            return
        if sent is not None:
            await self.live.set_screen(session.id, who.user_id, sent.message_id)

    # -- pushing -----------------------------------------------------------------------

    def _push_later(self, context: ContextTypes.DEFAULT_TYPE, session_id: int) -> None:
        self._push_task(context.bot, session_id)

    def _push_task(self, bot: Any, session_id: int) -> None:
        task = asyncio.create_task(self.push(bot, session_id), name=f"live-{session_id}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def push(self, bot: Any, session_id: int) -> None:
        """Every participant's live screen to the session's current round."""
        found = await self.live.participants(session_id)
        if found is None:
            return
        session, participants, shown = found
        view = view_of(self.live.knowledge, session)
        for person in participants:
            mine = await self.live.screen_of(session_id, person.user_id)
            reply = screens.participant(
                self._say(person.language), view, mine.position, mine.strong
            )
            chat = int(person.channel_user_id)
            await self.pacer.wait()  # counts the message in the budget
            try:
                message_id = shown.get(person.user_id)
                if message_id is not None and await self._edit(
                    chat, message_id, reply, bot, counted=False
                ):
                    pass
                else:
                    sent = await send_reply(bot, chat, reply, call=with_retry)
                    if sent is not None:
                        await self.live.set_screen(session_id, person.user_id, sent.message_id)
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

    async def _answer(self, query: CallbackQuery, text: str | None, lang: str = "nl") -> None:
        """Answer the button; ``None``: it has expired."""
        if text is None:
            text = self._say(lang).label("stale")
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

    async def _edit_or_send(
        self, query: CallbackQuery, context: ContextTypes.DEFAULT_TYPE, reply: Reply
    ) -> None:
        message = query.message
        if isinstance(message, Message) and await self._edit(
            message.chat.id, message.message_id, reply, context.bot
        ):
            return
        await self._send(context, query.from_user.id, reply)

    async def _send(
        self, context: ContextTypes.DEFAULT_TYPE, chat_id: int, reply: Reply
    ) -> Message | None:
        try:
            return await send_reply(
                context.bot, chat_id, reply, call=with_retry, budget=self.budget
            )
        except Forbidden:
            return None


def add_live_handlers(
    application: Any, channel: Any, web_url: str | None, min_group: int
) -> LiveChat:
    """``/live``, ``/start live_<code>`` and the live buttons, ahead of the channel's own
    handlers (the first handler that matches an update takes it)."""
    from telegram.ext import CallbackQueryHandler, CommandHandler, filters

    advisor = channel.advisor
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

    chat = LiveChat(
        live, web_url, channel.on_message, converse, advisor.links.deep_link, channel.budget
    )
    private = filters.ChatType.PRIVATE & ~filters.UpdateType.EDITED
    application.add_handler(CallbackQueryHandler(chat.on_callback, pattern=r"^live:"))
    application.add_handler(CommandHandler(COMMAND, chat.on_command, private))
    application.add_handler(
        CommandHandler("start", chat.on_start, private & filters.Regex(r"^/start live_"))
    )
    return chat
