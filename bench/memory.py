"""Resident memory of the bot with 10,000 users stored: each with a conversation at the
advice, their answers and an advice record; 500 of them then write to the bot (so their
state is loaded, handled and saved) before the bot's memory is read from ``/proc``."""

from __future__ import annotations

import asyncio
import signal
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Connection, insert

from bench.procs import rss_mb, start_polling_bot
from bench.report import Figure
from bench.rows import filled_with_api, insert_users
from storage import AdviceGiven, Conversation

ROOT = Path(__file__).resolve().parent.parent
USERS = 10_000
ACTIVE = 500
FIRST_USER = 300_000
ANSWERS = {"size": "groot", "subgroups": "veel", "mandate": "beperkt", "interests": "hoog"}


def _fill(connection: Connection) -> None:
    now = datetime.now(UTC)
    insert_users(connection, USERS, FIRST_USER, now)
    connection.execute(
        insert(Conversation),
        [
            {
                "user_id": 1 + i,
                "flow": "advisor",
                "state": "advice",
                "flow_version": 1,
                "answers": ANSWERS,
                "data": {},
                "version": 1,
                "updated_at": now,
            }
            for i in range(USERS)
        ],
    )
    connection.execute(
        insert(AdviceGiven),
        [
            {
                "user_id": 1 + i,
                "profile": ANSWERS,
                "dilemmas": ["inclusief_vs_efficient", "handelingsruimte_vs_draagvlak"],
                "knowledge_version": "bench",
                "created_at": now,
            }
            for i in range(USERS)
        ],
    )


async def _measure() -> tuple[float, float]:
    async with filled_with_api("memory.sqlite3", _fill, ACTIVE, FIRST_USER) as (url, api):
        bot = await start_polling_bot(api.token, api.root_url, url)
        try:
            await api.wait_for(lambda a: a.commands_for("default", ""), timeout=60)
            idle = rss_mb(bot.pid)
            for i in range(ACTIVE):
                api.user_sends(FIRST_USER + i, "/advies")
            await api.wait_for(
                lambda a: all(a.sent_to(FIRST_USER + i) for i in range(ACTIVE)), timeout=120
            )
            return idle, rss_mb(bot.pid)
        finally:
            bot.send_signal(signal.SIGTERM)
            await bot.wait()


def memory_with_users() -> list[Figure]:
    idle, busy = asyncio.run(_measure())
    note = (
        f"{USERS:,} users stored (conversation, answers, advice); after {ACTIVE} of them "
        f"asked for their advice; {idle:.0f} MB before"
    )
    return [Figure(f"resident memory, {USERS:,} users stored", busy, "MB", 120, note)]
