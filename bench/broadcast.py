"""A broadcast to 5,000 members against the fake Bot API enforcing Telegram's limits
(30 messages/s overall, 1/s per chat), with the bot as its own process; meanwhile one
user chats. Sustained rate, exactly-once delivery, and the chatting user's reply latency.
"""

from __future__ import annotations

import asyncio
import os
import signal
import statistics
import tempfile
import time
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from bench.procs import start_polling_bot
from bench.report import Figure
from tests.broadcast_helpers import COORDINATOR, FIRST_MEMBER, seed

if TYPE_CHECKING:
    from fakebotapi import FakeBotAPI

ROOT = Path(__file__).resolve().parent.parent
MEMBERS = int(os.environ.get("BENCH_BROADCAST_MEMBERS", "5000"))
MARKER = "Een vraag voor het benchmark"
CHATTER = 4343
CHAT_TEXTS = ["/help", "/vraag", "/dilemmas", "/privacy"]


def _more_than(seen: int, api: FakeBotAPI) -> bool:
    """The chatting user got more than ``seen`` messages."""
    return len(api.sent_to(CHATTER)) > seen


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]


async def _measure() -> tuple[float, float, float, int, int, int]:
    from fakebotapi import FakeBotAPI

    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/broadcast.sqlite3"
        await seed(url, MEMBERS, broadcast=MARKER)
        async with FakeBotAPI() as api:
            for n in range(MEMBERS):
                api.add_user(FIRST_MEMBER + n)
            api.add_user(CHATTER)
            api.add_user(COORDINATOR)  # who gets the progress and the report, as in life
            api.rate_limits(30)
            bot = await start_polling_bot(api.token, api.root_url, url)
            latencies: list[float] = []
            try:
                deadline = time.monotonic() + MEMBERS / 20 + 60

                def delivered() -> int:
                    return sum(
                        1
                        for call in api.calls_to("sendMessage")
                        if call.status == 200 and MARKER in str(call.params.get("text", ""))
                    )

                turn = 0
                while delivered() < MEMBERS and time.monotonic() < deadline:
                    before = len(api.sent_to(CHATTER))
                    started = time.monotonic()
                    api.user_sends(CHATTER, CHAT_TEXTS[turn % len(CHAT_TEXTS)])
                    turn += 1
                    await api.wait_for(partial(_more_than, before), 10)
                    latencies.append(time.monotonic() - started)
                    await asyncio.sleep(1.0)
            finally:
                bot.send_signal(signal.SIGTERM)
                await bot.wait()
            sends = [
                call
                for call in api.calls_to("sendMessage")
                if call.status == 200 and MARKER in str(call.params.get("text", ""))
            ]
            chats = [int(str(call.params.get("chat_id"))) for call in sends]
            times = sorted(call.time for call in sends)
            span = times[-1] - times[0] if len(times) > 1 else float("inf")
            rate = (len(times) - 1) / span
            lost = MEMBERS - len(set(chats))
            twice = len(chats) - len(set(chats))
            return (
                rate,
                _p95(latencies) * 1e3,
                statistics.median(latencies) * 1e3,
                lost,
                twice,
                api.stats.rate_limited,
            )


def broadcast_rate() -> list[Figure]:
    rate, p95, p50, lost, twice, limited = asyncio.run(_measure())
    note = (
        f"{MEMBERS:,} members, fake server enforcing 30 msg/s; lost {lost}, sent twice "
        f"{twice}; 429s: {limited}"
    )
    chat_note = f"one user chatting during the broadcast; p50 {p50:.0f} ms"
    return [
        Figure("broadcast rate", rate, "msg/s", 27, note, higher_is_better=True),
        Figure("reply latency during the broadcast, p95", p95, "ms", 1000, chat_note),
    ]
