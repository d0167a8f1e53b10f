"""Telegram failing 30 % of the bot's sends, edits and callback answers at random (5xx):
every user's journey from /start to the advice completes, or the user is told that
something went wrong; none is left with nothing.

Random faults alone seldom defeat the retries (five tries a reply), so each user also
meets a deterministic run of failures in their own chat, longer than the retries, at a
different step of the journey: that reply must come later through the outbox (or the
user be told), never be lost. Without the outbox the journeys stop there.
(tests/test_reply_failures.py has each case by itself.)"""

from __future__ import annotations

import asyncio
import dataclasses
import random
import sqlite3
from datetime import timedelta
from pathlib import Path

from bot.app.later_replies import KIND
from bot.telegram.run import running_bot
from bot.telegram.send import SEND_ATTEMPTS
from fakebotapi import FakeBotAPI, StoredMessage
from fakebotapi.records import Fault
from tests.test_telegram import bot_settings, callback_datas

FLAKY = ("sendmessage", "editmessagetext", "answercallbackquery")
USERS = range(7001, 7007)


class RandomFaults:
    """Stands in for the fake's queue of injected faults: a 502 for 30 % of the calls."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.served = 0

    def __bool__(self) -> bool:
        return self.rng.random() < 0.3

    def popleft(self) -> Fault:
        self.served += 1
        return Fault(502, "Bad Gateway", None)


async def journey(api: FakeBotAPI, user: int) -> str:
    """/start, then the first option of every question: "advice", or "told" when the
    bot apologised."""
    seen = 0
    api.user_sends(user, "/start")
    for _ in range(20):

        def news(a: FakeBotAPI, seen: int = seen) -> StoredMessage | None:
            return next(
                (
                    m
                    for m in a.sent_to(user)
                    if m.message_id > seen and (m.buttons or "iets mis" in (m.plain_text or ""))
                ),
                None,
            )

        try:
            message = await api.wait_for(news, timeout=45)
        except AssertionError:
            return "lost"
        if "iets mis" in (message.plain_text or ""):
            return "told"
        if any("Waarom" in label for label in message.button_texts):
            return "advice"
        seen = message.message_id
        api.user_presses(user, message.message_id, callback_datas(message)[0])
    return "lost"


async def test_with_30_percent_5xx_every_journey_completes_or_the_user_is_told(
    api: FakeBotAPI, tmp_path: Path
) -> None:
    faults = RandomFaults(random.Random(14))
    for method in FLAKY:
        api.faults[method] = faults  # type: ignore[assignment]
    for step, user in enumerate(USERS, start=1):
        # The user's sendMessage calls after the first ``step`` fail, as many as the retries:
        # one reply cannot go within its update, whatever the random faults do.
        api.fail_in_chat(user, "sendMessage", 502, times=SEND_ATTEMPTS, after=step)
    async with running_bot(bot_settings(api, tmp_path), webhook=False, host="127.0.0.1") as bot:
        assert bot.outbox_sender is not None
        bot.outbox_sender.settings = dataclasses.replace(
            bot.outbox_sender.settings, backoff=timedelta(seconds=0.3)
        )
        ends = await asyncio.gather(*(journey(api, user) for user in USERS))
        api.faults.clear()
    assert set(ends) <= {"advice", "told"}, ends
    assert faults.served > 20, "Telegram did fail, often"
    with sqlite3.connect(tmp_path / "bot.sqlite3") as db:
        (later,) = db.execute("SELECT count(*) FROM outbox WHERE kind = ?", (KIND,)).fetchone()
    told = ends.count("told")
    assert later + told >= len(USERS), "each run defeated the retries: outbox or apology"
