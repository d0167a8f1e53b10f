"""The dashboard's cohorts page with 200 cohorts and 10,000 members: the median time of
``GET /app/api/overview`` (every cohort with its k-anonymous figures and plan progress,
what the cohorts page shows) over real HTTP on loopback, authenticated with Mini App
initData as Telegram signs it, against SQLite with every member having advice and a few
answered nudges.

It runs in a process of its own (``python -m bench.dashboard``), as the server does: in
the process of the whole bench, after the earlier suites, the same requests took about
twice as long (105 against 49 ms alone). The cause is the C heap those suites leave
behind (the memory suite's bulk inserts, for one: 54 ms before it, 96 ms after, 60 ms once
``malloc_trim(0)`` gave glibc's free chunks back), not Python's objects: ``gc.freeze()``
did not help.
"""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp
from sqlalchemy import Connection, insert

from bench.report import Figure
from bot.settings import Settings
from bot.web.context import WebContext
from bot.web.initdata import sign
from bot.web.server import start_site, web_application
from bot.wiring import open_advisor
from storage import AdviceGiven, OutboxMessage, Reflection, User
from storage.models import Cohort, Membership

COHORTS = 200
MEMBERS = 10_000
REQUESTS = 30
TOKEN = "123456:bench-token"
COORDINATOR_TELEGRAM_ID = 42
DILEMMAS = ["inclusief_vs_efficient", "autonoom_vs_integraal", "eigenheid_vs_uniformiteit"]


def _fill(connection: Connection) -> None:
    now = datetime.now(UTC)
    workshop = now - timedelta(days=20)

    def user(index: int, roles: str = "") -> dict[str, object]:
        return {
            "channel": "telegram",
            "channel_user_id": str(index),
            "language": "nl",
            "created_at": now,
            "last_seen_at": now - timedelta(days=index % 60),
            "consent": True,
            "roles": roles,
        }

    connection.execute(insert(User), [user(COORDINATOR_TELEGRAM_ID, "coordinator")])
    connection.execute(insert(User), [user(100_000 + i) for i in range(MEMBERS)])
    members = range(2, MEMBERS + 2)  # user ids; 1 is the coordinator
    connection.execute(
        insert(Cohort),
        [
            {
                "code": f"bench{i:011d}",
                "name": f"Workshop {i + 1}",
                "workshop_at": workshop,
                "timezone": "Europe/Amsterdam",
                "plan": "standaard",
                "owner_user_id": 1,
                "created_at": now,
            }
            for i in range(COHORTS)
        ],
    )
    per = MEMBERS // COHORTS
    connection.execute(
        insert(Membership),
        [
            {"cohort_id": 1 + i // per, "user_id": m, "joined_at": now}
            for i, m in enumerate(members)
        ],
    )
    connection.execute(
        insert(AdviceGiven),
        [
            {
                "user_id": m,
                "profile": {},
                "dilemmas": DILEMMAS[m % 3 :] + DILEMMAS[: m % 3],
                "knowledge_version": "bench",
                "created_at": now,
            }
            for m in members
        ],
    )
    connection.execute(
        insert(OutboxMessage),
        [
            {
                "user_id": m,
                "kind": "nudge",
                "due_at": workshop + timedelta(days=2),
                "payload": {"cohort": 1 + i // per, "plan": "standaard", "step": "twee_dagen"},
                "idempotency_key": f"nudge:{m}",
                "status": "sent",
                "created_at": now,
            }
            for i, m in enumerate(members)
        ],
    )
    connection.execute(
        insert(Reflection),
        [
            {
                "user_id": m,
                "subject": "followup",
                "text": "…",
                "created_at": now,
                "outbox_id": m - 1,
            }
            for m in members
            if m % 3 == 0
        ],
    )


async def _measure() -> tuple[float, float, int]:
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/dashboard.sqlite3"
        settings = Settings.from_env(
            {"BOT_TOKEN": TOKEN, "DATABASE_URL": url, "WEB_URL": "http://127.0.0.1"}
        )
        advisor = await open_advisor(settings)
        await advisor.db.run_connection(_fill)
        advisor.links.username = "netwerkwijzer_bench_bot"
        runner = await start_site(
            web_application(WebContext(advisor, settings, "bench")), "127.0.0.1", 0
        )
        try:
            port = runner.addresses[0][1]
            user = json.dumps({"id": COORDINATOR_TELEGRAM_ID})
            times, cpu = [], []
            async with aiohttp.ClientSession() as http:
                for _ in range(REQUESTS):
                    fields = {"user": user, "auth_date": str(int(time.time()))}
                    headers = {"Authorization": "tma " + sign(fields, TOKEN)}
                    started, used = time.perf_counter(), time.process_time()
                    async with http.get(
                        f"http://127.0.0.1:{port}/app/api/overview", headers=headers
                    ) as response:
                        body = await response.json()
                    times.append(time.perf_counter() - started)
                    cpu.append(time.process_time() - used)
                    assert response.status == 200 and len(body["cohorts"]) == COHORTS
            shown = sum(1 for r in body["cohorts"] if r["members"] is not None)
            return statistics.median(times) * 1000, statistics.median(cpu) * 1000, shown
        finally:
            await runner.cleanup()
            await advisor.db.dispose()


def cohorts_page() -> list[Figure]:
    out = subprocess.run(
        [sys.executable, "-m", "bench.dashboard"],
        check=True,
        capture_output=True,
        text=True,
        cwd=Path(__file__).resolve().parent.parent,
    ).stdout
    median_text, cpu_text, shown_text = out.split()
    median, cpu, shown = float(median_text), float(cpu_text), int(shown_text)
    load = os.getloadavg()[0]
    note = (
        f"GET /app/api/overview over HTTP, {COHORTS} cohorts, {MEMBERS:,} members with advice "
        f"and a nudge each (figures for the {shown} cohorts the anonymity check admits), "
        f"SQLite; median of {REQUESTS}; CPU {cpu:.0f} ms a request (client and server, in a "
        "process of their own); "
        f"load average {load:.1f}"
    )
    return [Figure("dashboard cohorts page", median, "ms", 100, note)]


if __name__ == "__main__":
    print(*asyncio.run(_measure()))
