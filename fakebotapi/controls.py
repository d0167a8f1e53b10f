"""What a test does with the fake server: look at chats and calls, wait for something,
act as users, and inject blocks, rate limits, failures and delays."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from typing import Self, TypeVar

from fakebotapi.constants import JSONDict
from fakebotapi.errors import DEFAULT_FAULT_DESCRIPTIONS, status_phrase
from fakebotapi.ratelimit import RateLimitConfig, RateLimiter
from fakebotapi.records import (
    CallbackQuery,
    ChatState,
    Fault,
    RecordedCall,
    StoredMessage,
    WebhookConfig,
)
from fakebotapi.state import ServerState
from fakebotapi.text import bot_command_entities

T = TypeVar("T")


class Controls(ServerState):
    """Observation, waiting, test controls and simulated users on top of the state."""

    # ---------------------------------------------------------------------------- observation

    def chat(self, chat_id: int) -> ChatState:
        """The state of a known private chat (KeyError if the user never appeared)."""
        return self.chats[chat_id]

    def messages_in(self, chat_id: int) -> list[StoredMessage]:
        """All messages of the chat, the user's and the bot's, in order (deleted included)."""
        chat = self.chats.get(chat_id)
        return list(chat.messages.values()) if chat else []

    def sent_to(self, chat_id: int) -> list[StoredMessage]:
        """The bot's messages in the chat, in order, in their current state after edits.

        Deleted messages stay in the list with ``deleted=True``.
        """
        return [message for message in self.messages_in(chat_id) if message.from_bot]

    def last_message(self, chat_id: int) -> StoredMessage | None:
        """The bot's most recent message in the chat that is not deleted."""
        for message in reversed(self.sent_to(chat_id)):
            if not message.deleted:
                return message
        return None

    def message(self, chat_id: int, message_id: int) -> StoredMessage:
        return self.chats[chat_id].messages[message_id]

    def calls_to(self, method: str) -> list[RecordedCall]:
        """Recorded calls of one method (name compared case-insensitively)."""
        wanted = method.lower()
        return [call for call in self.calls if call.method.lower() == wanted]

    def commands_for(self, scope: str = "default", language_code: str = "") -> list[JSONDict]:
        """Stored setMyCommands list for a scope key ("default", "all_private_chats",
        "chat:<id>", ...) and language code ("" = all languages)."""
        return self.commands.get((scope, language_code), [])

    @property
    def pending_updates(self) -> list[JSONDict]:
        """Updates not yet confirmed by getUpdates offset or delivered to the webhook."""
        return list(self.pending)

    @property
    def webhook(self) -> WebhookConfig | None:
        return self.webhook_config

    def transcript(self, last_calls: int = 40) -> str:
        """A readable dump of recent calls and all chats, for assertion messages."""
        lines = [f"Last {min(last_calls, len(self.calls))} of {len(self.calls)} calls:"]
        lines += [f"  {call}" for call in self.calls[-last_calls:]]
        for chat in self.chats.values():
            lines.append(
                f"Chat {chat.id} ({chat.first_name}){' [blocked]' if chat.blocked else ''}:"
            )
            for message in chat.messages.values():
                who = "bot " if message.from_bot else "user"
                flags = " [deleted]" if message.deleted else ""
                flags += f" [edited x{len(message.history)}]" if message.history else ""
                buttons = f" buttons={message.button_texts}" if message.buttons else ""
                lines.append(
                    f"  #{message.message_id} {who} {message.kind}: {message.content!r}"
                    f"{buttons}{flags}"
                )
        if self.pending:
            lines.append(f"Pending updates: {[update['update_id'] for update in self.pending]}")
        if self.internal_errors:
            lines.append(f"Internal errors of the fake server: {self.internal_errors!r}")
        return "\n".join(lines)

    # The ``timeout`` parameters of the wait helpers are their point, hence the noqa: ASYNC109.
    async def wait_for(
        self,
        predicate: Callable[[Self], T],
        timeout: float = 5.0,  # noqa: ASYNC109
        message: str = "",
    ) -> T:
        """Wait until ``predicate(api)`` is truthy and return its value.

        Re-checks on every change of the server state and at least every 50 ms. Raises
        AssertionError with :meth:`transcript` when ``timeout`` seconds pass first.
        """
        deadline = time.monotonic() + timeout
        while True:
            result = predicate(self)
            if result:
                return result
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                detail = f": {message}" if message else ""
                raise AssertionError(
                    f"condition not met within {timeout} s{detail}\n{self.transcript()}"
                )
            await self.changed.wait(min(remaining, 0.05))

    async def wait_for_messages(
        self,
        chat_id: int,
        count: int = 1,
        timeout: float = 5.0,  # noqa: ASYNC109
    ) -> list[StoredMessage]:
        """Wait until the bot has sent at least ``count`` messages to the chat."""
        await self.wait_for(
            lambda api: len(api.sent_to(chat_id)) >= count,
            timeout,
            f"{count} bot message(s) in chat {chat_id}",
        )
        return self.sent_to(chat_id)

    async def wait_idle(
        self,
        quiet: float = 0.1,
        timeout: float = 5.0,  # noqa: ASYNC109
    ) -> None:
        """Wait until every queued update was handed to the bot, no request (other than a
        long poll) is in flight and nothing happened for ``quiet`` seconds."""
        deadline = time.monotonic() + timeout
        while True:
            now = time.monotonic()
            all_handed_out = all(
                update["update_id"] <= self.handed_out_up_to for update in self.pending
            )
            idle_for = now - self.last_activity
            if all_handed_out and self.in_flight == 0 and idle_for >= quiet:
                return
            if now >= deadline:
                raise AssertionError(f"server not idle within {timeout} s\n{self.transcript()}")
            await self.changed.wait(min(deadline - now, max(quiet - idle_for, 0.01)))

    # --------------------------------------------------------------------------- test controls

    def add_user(
        self,
        user_id: int,
        *,
        first_name: str = "Test",
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = "nl",
    ) -> ChatState:
        """Make ``user_id`` a known chat (as if the user had started the bot earlier)."""
        if user_id <= 0:
            raise ValueError("user ids of private chats are positive")
        chat = self.chats.get(user_id)
        if chat is None:
            chat = ChatState(id=user_id, first_name=first_name)
            self.chats[user_id] = chat
        chat.first_name = first_name
        chat.last_name = last_name
        chat.username = username
        chat.language_code = language_code
        return chat

    def block(self, user_id: int, *, notify: bool = False) -> None:
        """The user blocks the bot: sends to the chat answer 403 from now on.

        With ``notify`` a ``my_chat_member`` update (member -> kicked) is queued, as Telegram
        does.
        """
        chat = self.chats.get(user_id) or self.add_user(user_id)
        chat.blocked = True
        if notify:
            self.enqueue_member_change(chat, "member", "kicked")
        self.changed.notify()

    def unblock(self, user_id: int, *, notify: bool = False) -> None:
        chat = self.chats.get(user_id) or self.add_user(user_id)
        chat.blocked = False
        if notify:
            self.enqueue_member_change(chat, "kicked", "member")
        self.changed.notify()

    def rate_limits(
        self,
        global_per_second: float | None = 30,
        per_chat_per_second: float = 1,
        per_chat_burst: int = 3,
        *,
        global_burst: float | None = None,
    ) -> None:
        """Switch rate limiting on (token buckets) or off with ``rate_limits(None)``.

        Counted methods: see ``RATE_LIMITED_METHODS``. A request that finds an empty bucket
        (global or its chat's) gets 429 with ``retry_after`` = ceil(wait), at least 1.
        """
        if global_per_second is None:
            self.rate_limiter = None
            return
        config = RateLimitConfig(
            global_per_second=global_per_second,
            global_burst=global_burst if global_burst is not None else global_per_second,
            per_chat_per_second=per_chat_per_second,
            per_chat_burst=per_chat_burst,
        )
        self.rate_limiter = RateLimiter(config)

    def fail_next(
        self,
        method: str,
        status: int = 500,
        times: int = 1,
        description: str | None = None,
        retry_after: int | None = None,
    ) -> None:
        """Answer the next ``times`` calls of ``method`` ("*" = any method) with an error,
        without performing them. Faults are consumed in the order they were added."""
        if status == 429 and retry_after is None:
            retry_after = 1
        if description is None:
            if status == 429:
                description = f"Too Many Requests: retry after {retry_after}"
            else:
                description = DEFAULT_FAULT_DESCRIPTIONS.get(status) or status_phrase(status)
        queue = self.faults.setdefault(method.lower(), deque())
        queue.extend(Fault(status, description, retry_after) for _ in range(times))

    def fail_in_chat(
        self, chat_id: int, method: str, status: int = 500, times: int = 1, after: int = 0
    ) -> None:
        """Let the chat's next ``after`` calls of ``method`` (those with its ``chat_id``) pass,
        then answer the ``times`` after them with ``status``: a fault schedule that does not
        depend on how other chats' calls interleave (a run longer than a client's retries
        defeats them). A call let pass here still meets the faults of :meth:`fail_next`."""
        description = DEFAULT_FAULT_DESCRIPTIONS.get(status) or status_phrase(status)
        schedule = self.chat_faults.setdefault((chat_id, method.lower()), deque())
        schedule.extend([None] * after)
        schedule.extend(Fault(status, description, None) for _ in range(times))

    def delay_next(self, method: str, seconds: float, times: int = 1) -> None:
        """Sleep ``seconds`` before handling the next ``times`` calls of ``method`` ("*" =
        any). The call is still performed afterwards, as when Telegram is slow: a client that
        timed out may find its message sent anyway."""
        self.delays.setdefault(method.lower(), deque()).extend([seconds] * times)

    def drop_next(self, method: str, times: int = 1) -> None:
        """Perform the next ``times`` calls of ``method`` ("*" = any), then close their
        connection without an answer: Telegram accepted the request (the message is
        sent) and the connection was lost before the client read the answer."""
        key = method.lower()
        self.drops[key] = self.drops.get(key, 0) + times

    def clear_faults(self) -> None:
        self.faults.clear()
        self.chat_faults.clear()
        self.delays.clear()
        self.drops.clear()

    # ------------------------------------------------------------------------ simulated users

    def user_sends(
        self,
        user_id: int,
        text: str,
        *,
        first_name: str = "Test",
        language_code: str | None = "nl",
        username: str | None = None,
        last_name: str | None = None,
    ) -> JSONDict:
        """The user writes ``text`` to the bot; returns the queued ``message`` Update.

        A leading ``/command`` (and any later one) gets a ``bot_command`` entity, so PTB's
        CommandHandler and ``/start payload`` deep links work. Writing unblocks the bot.
        """
        chat = self.add_user(
            user_id,
            first_name=first_name,
            last_name=last_name,
            username=username,
            language_code=language_code,
        )
        chat.blocked = False
        message = StoredMessage(
            chat_id=chat.id,
            message_id=chat.next_message_id,
            from_bot=False,
            date=int(time.time()),
            text=text,
            plain_text=text,
            entities=bot_command_entities(text),
        )
        chat.next_message_id += 1
        chat.messages[message.message_id] = message
        return self.enqueue({"message": self.message_json(message, language_code)})

    def user_presses(
        self,
        user_id: int,
        message_id: int,
        callback_data: str,
        *,
        language_code: str | None = "nl",
        strict: bool = True,
    ) -> JSONDict:
        """The user taps an inline button of the bot's message; returns the queued
        ``callback_query`` Update, whose ``message`` is the message's current state.

        With ``strict`` (default) the message must exist and currently carry a button with
        this ``callback_data`` (LookupError otherwise). ``strict=False`` allows stale or
        forged data; a missing message then appears as an inaccessible message (date 0).
        """
        chat = self.chats.get(user_id)
        if chat is None:
            raise LookupError(f"user {user_id} has no chat with the bot")
        message = chat.messages.get(message_id)
        if strict:
            if message is None or message.deleted or not message.from_bot:
                raise LookupError(f"no bot message {message_id} in chat {user_id}")
            data_values = [button.get("callback_data") for button in message.buttons]
            if callback_data not in data_values:
                raise LookupError(
                    f"message {message_id} has no button with callback_data {callback_data!r}; "
                    f"buttons: {message.buttons}"
                )
        if message is None or message.deleted:
            message_json: JSONDict = {
                "chat": chat.chat_json(),
                "message_id": message_id,
                "date": 0,
            }
        else:
            message_json = self.message_json(message)
        query_id = str(self.next_callback_id)
        self.next_callback_id += 1
        self.callback_queries[query_id] = CallbackQuery(
            query_id, user_id, message_id, callback_data
        )
        query = {
            "id": query_id,
            "from": chat.user_json(language_code),
            "message": message_json,
            "chat_instance": chat.chat_instance,
            "data": callback_data,
        }
        return self.enqueue({"callback_query": query})

    def user_presses_button(
        self,
        user_id: int,
        button_text: str,
        *,
        message_id: int | None = None,
        language_code: str | None = "nl",
    ) -> JSONDict:
        """Press the inline button labelled ``button_text`` on ``message_id`` or, by default,
        on the bot's latest message in the chat that has such a button."""
        candidates = (
            [self.message(user_id, message_id)]
            if message_id is not None
            else list(reversed(self.sent_to(user_id)))
        )
        for message in candidates:
            if message.deleted:
                continue
            for button in message.buttons:
                if button.get("text") == button_text and "callback_data" in button:
                    return self.user_presses(
                        user_id,
                        message.message_id,
                        button["callback_data"],
                        language_code=language_code,
                    )
        raise LookupError(f"no callback button {button_text!r} in chat {user_id}")

    def inject_update(self, update: JSONDict) -> JSONDict:
        """Queue an arbitrary Update dict (``update_id`` is assigned)."""
        return self.enqueue(dict(update))
