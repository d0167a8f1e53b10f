"""Resident memory of the bot with 10,000 users stored: each with a conversation at the
advice, their answers and an advice record; 500 of them then write to the bot (so their
state is loaded, handled and saved) before the bot's memory is read from ``/proc``."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Connection, insert

from bench.report import Figure
from storage import AdviceGiven, Conversation, Database, User
from storage.migrate import upgrade

ROOT = Path(__file__).resolve().parent.parent
USERS = 10_000
ACTIVE = 500
FIRST_USER = 300_000
ANSWERS = {"size": "groot", "subgroups": "veel", "mandate": "beperkt", "interests": "hoog"}


def _fill(connection: Connection) -> None:
    now = datetime.now(UTC)
    connection.execute(
        insert(User),
        [
            {
                "channel": "telegram",
                "channel_user_id": str(FIRST_USER + i),
                "language": "nl",
                "created_at": now,
                "last_seen_at": now,
                "consent": True,
            }
            for i in range(USERS)
        ],
    )
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
    from tests.fakebotapi import FakeBotAPI

    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/memory.sqlite3"
        db = Database(url)
        await upgrade(db)
        await db.run_connection(_fill)
        await db.dispose()
        async with FakeBotAPI() as api:
            for i in range(ACTIVE):
                api.add_user(FIRST_USER + i)
            env = {
                **os.environ,
                "BOT_TOKEN": api.token,
                "BOT_API_URL": api.root_url,
                "DATABASE_URL": url,
                "LOG_LEVEL": "WARNING",
                "PTB_TIMEDELTA": "1",
            }
            env.pop("WEBHOOK_URL", None)
            bot = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot", "run", cwd=ROOT, env=env
            )
            try:
                await api.wait_for(lambda a: a.commands_for("default", ""), timeout=60)
                idle = _rss_mb(bot.pid)
                for i in range(ACTIVE):
                    api.user_sends(FIRST_USER + i, "/advies")
                await api.wait_for(
                    lambda a: all(a.sent_to(FIRST_USER + i) for i in range(ACTIVE)), timeout=120
                )
                return idle, _rss_mb(bot.pid)
            finally:
                bot.send_signal(signal.SIGTERM)
                await bot.wait()


def _rss_mb(pid: int) -> float:
    status = Path(f"/proc/{pid}/status").read_text()
    kb = next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS"))
    return kb / 1024


def memory_with_users() -> list[Figure]:
    idle, busy = asyncio.run(_measure())
    note = (
        f"{USERS:,} users stored (conversation, answers, advice); after {ACTIVE} of them "
        f"asked for their advice; {idle:.0f} MB before"
    )
    return [Figure(f"resident memory, {USERS:,} users stored", busy, "MB", 120, note)]
