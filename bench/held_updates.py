"""One user's backlog held in ``held_updates`` while everyone else is answered.

The bot polls the fake Bot API (in this process, over 127.0.0.1, SQLite), which keeps to
Telegram's limits: 30 messages a second per bot, one a second per chat after a burst of
three. One user who agreed to the privacy statement forwards ``BACKLOG`` messages at once
(Telegram hands out at most 100 updates past the offset, and the bot answers that chat one
message a second); meanwhile another user sends ``/start`` every ``EVERY`` seconds,
``OTHERS`` users in all. Figures: the time from each other user's update to the bot's
first message to them (median and worst), how many of the backlog's updates the poller
held in the database, and how many of its replies went out meanwhile.
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
import statistics
import tempfile
import time
from pathlib import Path

from bench.report import Figure

BACKLOG = 150
OTHERS = 20
EVERY = 0.5
"""Seconds between two other users' first messages."""
BACKLOGGED = 900_001
FIRST_OTHER = 900_100


async def _measure(db_dir: Path) -> tuple[list[float], int, int]:
    os.environ.setdefault("PTB_TIMEDELTA", "1")
    from bot.settings import Settings
    from bot.telegram.run import running_bot
    from fakebotapi import FakeBotAPI

    async with FakeBotAPI() as api:
        settings = Settings.from_env(
            {
                "BOT_TOKEN": api.token,
                "BOT_API_URL": api.root_url,
                "DATABASE_URL": f"sqlite:///{db_dir / 'held.sqlite3'}",
                "LOG_LEVEL": "WARNING",
            }
        )
        api.rate_limits(global_per_second=30, per_chat_per_second=1, per_chat_burst=3)
        async with running_bot(settings, webhook=False, host="127.0.0.1"):
            api.user_sends(BACKLOGGED, "/start")
            consent = await api.wait_for(lambda a: a.last_message(BACKLOGGED), timeout=30)
            assert consent is not None
            api.user_presses(BACKLOGGED, consent.message_id, "1:p:consent:yes")
            await api.wait_for(lambda a: len(a.sent_to(BACKLOGGED)) >= 2, timeout=30)
            await asyncio.sleep(3)  # the chat's burst back
            before = len(api.sent_to(BACKLOGGED))
            for number in range(BACKLOG):
                api.user_sends(BACKLOGGED, f"bericht {number}")
            began = time.monotonic()
            latencies: list[float] = []

            async def other(user: int) -> None:
                asked = time.monotonic()
                api.user_sends(user, "/start")
                await api.wait_for(lambda a: a.sent_to(user), timeout=60)
                latencies.append(time.monotonic() - asked)

            waits = []
            for n in range(OTHERS):
                waits.append(asyncio.create_task(other(FIRST_OTHER + n)))
                await asyncio.sleep(EVERY)
            await asyncio.gather(*waits)
            with sqlite3.connect(db_dir / "held.sqlite3") as db:
                (held,) = db.execute("SELECT count(*) FROM held_updates").fetchone()
            replies = len(api.sent_to(BACKLOGGED)) - before
            per_second = replies / (time.monotonic() - began)
            return latencies, held, round(per_second * 100)


def held_updates() -> list[Figure]:
    with tempfile.TemporaryDirectory() as tmp:
        latencies, held, per_100s = asyncio.run(_measure(Path(tmp)))
    load = os.getloadavg()[0]
    note = (
        f"one user's {BACKLOG} messages at once, {OTHERS} other users' /start one every "
        f"{EVERY} s meanwhile; worst {max(latencies) * 1000:.0f} ms; {held} of the backlog "
        f"still held in `held_updates` at the end; the backlog answered at "
        f"{per_100s / 100:.2f} replies/s (Telegram's 1 a second per chat); "
        f"load average {load:.1f} (`python -m bench held`)"
    )
    return [
        Figure(
            "held updates: another user's answer during a backlog (median)",
            statistics.median(latencies) * 1000,
            "ms",
            1000.0,
            note,
        )
    ]


if __name__ == "__main__":
    from bench.report import table

    print(table(held_updates()))
