"""The bot as a process of its own, for the benchmarks: start it against a Bot API server
and a database, and read its memory from ``/proc``."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


async def start_polling_bot(
    token: str, api_url: str, database_url: str
) -> asyncio.subprocess.Process:
    """``python -m bot run`` (long polling) with warnings-only logging."""
    env = {
        **os.environ,
        "BOT_TOKEN": token,
        "BOT_API_URL": api_url,
        "DATABASE_URL": database_url,
        "LOG_LEVEL": "WARNING",
        "PTB_TIMEDELTA": "1",
    }
    env.pop("WEBHOOK_URL", None)
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", cwd=ROOT, env=env
    )


def rss_mb(pid: int) -> float:
    """The process's resident memory now, in MB."""
    status = Path(f"/proc/{pid}/status").read_text()
    kb = next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS"))
    return kb / 1024
