"""A reply to a button press that cannot go out is never silently dropped: Telegram
failing beyond the retries or asking to wait long leaves it to the outbox (the user gets
it a little later), a reply Telegram refuses gets the apology instead, and a failing
answerCallbackQuery or editMessageText costs only the spinner or the tick."""

from __future__ import annotations

import time

import pytest

from bot.telegram.run import RunningBot
from bot.telegram.send import SEND_ATTEMPTS
from fakebotapi import FakeBotAPI, StoredMessage
from tests.test_telegram import USER, bot, last_id, start

__all__ = ["bot"]  # the fixture


async def press_first_answer(api: FakeBotAPI, question: StoredMessage) -> int:
    before = last_id(api, USER)
    api.user_presses(USER, question.message_id, "1:size:groot")
    return before


async def next_question(api: FakeBotAPI, before: int, within: float = 10) -> StoredMessage:
    return await api.wait_for(
        lambda a: next(
            (
                m
                for m in a.sent_to(USER)
                if m.message_id > before and "Vraag 2 van" in (m.plain_text or "")
            ),
            None,
        ),
        timeout=within,
    )


@pytest.mark.parametrize("status", [500, 502])
async def test_a_reply_failing_beyond_the_retries_comes_later_through_the_outbox(
    api: FakeBotAPI, bot: RunningBot, status: int
) -> None:
    question = await start(api)
    api.fail_next("sendMessage", status=status, times=SEND_ATTEMPTS)
    before = await press_first_answer(api, question)
    await next_question(api, before)
    texts = [m.plain_text or "" for m in api.sent_to(USER) if m.message_id > before]
    assert not any("iets mis" in text for text in texts), "no apology: it came after all"


async def test_a_long_429_on_a_reply_is_waited_out_in_the_outbox(
    api: FakeBotAPI, bot: RunningBot
) -> None:
    question = await start(api)
    api.fail_next("sendMessage", status=429, retry_after=11)
    before = await press_first_answer(api, question)
    pressed = time.monotonic()
    await next_question(api, before, within=20)
    assert time.monotonic() - pressed >= 10, "after Telegram's pause, not before"


async def test_a_refused_reply_gets_the_apology(api: FakeBotAPI, bot: RunningBot) -> None:
    question = await start(api)
    api.fail_next("sendMessage", status=400, description="Bad Request: something odd")
    before = await press_first_answer(api, question)
    sorry = await api.wait_for(
        lambda a: next((m for m in a.sent_to(USER) if m.message_id > before), None)
    )
    assert "er ging iets mis" in (sorry.plain_text or "")


@pytest.mark.parametrize("method", ["answerCallbackQuery", "editMessageText"])
async def test_a_failing_answer_or_tick_leaves_the_reply_alone(
    api: FakeBotAPI, bot: RunningBot, method: str
) -> None:
    question = await start(api)
    api.fail_next(method, status=500, times=SEND_ATTEMPTS)
    before = await press_first_answer(api, question)
    await next_question(api, before)
    texts = [m.plain_text or "" for m in api.sent_to(USER) if m.message_id > before]
    assert not any("iets mis" in text for text in texts)
