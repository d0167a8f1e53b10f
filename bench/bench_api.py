"""The fake Bot API server as the benchmarks use it: many simulated users, each waiting
for its own chat's next bot message."""

from __future__ import annotations

import asyncio
import itertools
from typing import Any

from fakebotapi import ChatState, FakeBotAPI, StoredMessage

REPLY_TIMEOUT = 30.0


class BenchAPI(FakeBotAPI):
    """The fake server, with a wait for one chat's next bot message that wakes only its user.

    ``FakeBotAPI.wait_for`` re-checks every waiter on every change of the server: with 100
    users waiting that is 100 wake-ups per Bot API call, and the fake server's process, not
    the bot, saturated first.
    """

    def __init__(self) -> None:
        super().__init__()
        self._waiting: dict[int, asyncio.Future[int]] = {}
        self._user_ids = itertools.count(1)

    def new_user(self) -> int:
        """An id no simulated user has had yet."""
        return next(self._user_ids)

    def store_bot_message(self, chat: ChatState, **fields: Any) -> StoredMessage:
        message = super().store_bot_message(chat, **fields)
        waiter = self._waiting.pop(chat.id, None)
        if waiter is not None and not waiter.done():
            waiter.set_result(message.message_id)
        return message

    async def reply(self, chat: int, after: int) -> int:
        """The id of the chat's newest message once the bot has sent one after ``after``."""
        state = self.chat(chat)
        newest = state.next_message_id - 1
        message = state.messages.get(newest)
        if newest > after and message is not None and message.from_bot:
            return newest
        waiter: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        self._waiting[chat] = waiter
        try:
            async with asyncio.timeout(REPLY_TIMEOUT):
                return await waiter
        except TimeoutError:
            last_calls = "\n".join(f"  {call}" for call in self.calls[-10:])
            raise AssertionError(
                f"no reply in chat {chat} within {REPLY_TIMEOUT} s; last calls:\n{last_calls}"
            ) from None
        finally:
            self._waiting.pop(chat, None)
