"""Memory of the outbox sender: a process of its own drains the due nudges of an outbox with
100,000 pending rows through the fake Bot API, and reports its resident memory.

Run by :func:`sender_memory` (``make bench``); the child is ``python -m
bench.sender_memory <database url> <api url> <token> <due>``.
"""

from __future__ import annotations

import asyncio
import os
import sys
from datetime import timedelta
from pathlib import Path

from sqlalchemy import Connection

from bench.outbox import NOW, ROWS, USERS, fill
from bench.report import Figure
from bench.rows import filled_with_api
from storage import Database

DUE = 2_000
"""Nudges due when the outbox sender starts (the rest are weeks ahead)."""


def _status_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


FIRST_USER = 1000


def _fill(connection: Connection) -> None:
    """The rows of :mod:`bench.outbox`, ``DUE`` of them due, the rest days ahead."""
    fill(
        connection,
        due=DUE,
        first_user=FIRST_USER,
        later=lambda i: NOW + timedelta(days=1 + i % 40),
    )


async def _child(url: str, api_url: str, token: str, due: int) -> None:
    """Drain every due nudge, then print baseline, final and peak RSS (kB)."""
    from telegram import Bot

    from bot.telegram.outbox_sender import OutboxSender, SenderSettings
    from knowledge.store import KnowledgeStore

    db = Database(url)
    store = KnowledgeStore()
    bot = Bot(token, base_url=f"{api_url}/bot", base_file_url=f"{api_url}/file/bot")
    await bot.initialize()
    settings = SenderSettings(per_second=100_000.0, batch=50)
    sender = OutboxSender(db, store, bot, lambda: NOW, settings, claimer="bench")
    baseline = _status_kb("VmRSS")
    sent = 0
    while sent < due:
        handled = await sender.drain_once()
        if not handled:
            break
        sent += handled
    print(baseline, _status_kb("VmRSS"), _status_kb("VmHWM"), sent, flush=True)
    await bot.shutdown()
    await db.dispose()


async def _measure() -> tuple[float, float, int]:
    async with filled_with_api("dispatch.sqlite3", _fill, USERS, FIRST_USER) as (url, api):
        child = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bench.sender_memory",
            url,
            api.root_url,
            api.token,
            str(DUE),
            stdout=asyncio.subprocess.PIPE,
            env={**os.environ, "PTB_TIMEDELTA": "1"},
        )
        out, _ = await child.communicate()
        baseline, final, peak, sent = (int(x) for x in out.split())
        delivered = sum(len(api.sent_to(FIRST_USER + i)) for i in range(USERS))
        assert sent == DUE == delivered, (sent, delivered)
    return peak / 1024, (final - baseline) / 1024, sent


def sender_memory() -> list[Figure]:
    peak, growth, sent = asyncio.run(_measure())
    note = (
        f"peak RSS of an outbox sender process draining {sent:,} due nudges of {ROWS:,} pending "
        f"(SQLite); +{growth:.1f} MB while draining"
    )
    return [Figure("outbox sender memory (peak RSS)", peak, "MB", None, note)]


if __name__ == "__main__":
    asyncio.run(_child(sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])))
