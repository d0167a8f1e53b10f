"""The live session under load: 200 participants vote within 10 s while 100 projector
viewers are connected. The bot runs as its own process (``python -m bot run``, polling,
SQLite, WEB_URL set) against the fake Bot API; this process is the participants (their
button presses are queued as updates, one every 50 ms) and the viewers (100 Server-Sent
Events streams of ``/live/<code>/events``).

Figures: how many votes were acknowledged (``answerCallbackQuery``), the time from the
last vote to the moment the last of the 100 viewers saw all 200 voters, and the median of
the vote-to-answer latency. Then the facilitator closes the round from the projector page
(their link's key): the time until all 200 participants' screens were pushed, and the
most messages the bot sent in any one second meanwhile (the pushes go within the bot's
one send budget of 30 a second, at most 25 a second of their own)."""

from __future__ import annotations

import asyncio
import os
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp

from bench.report import Figure
from storage import Database, Repository
from storage.migrate import upgrade

PARTICIPANTS = 200
VIEWERS = 100
SPREAD = 10.0
"""Seconds over which the votes arrive."""
CODE = "benchLIVEcode000000000001"
KEY = "benchLIVEfacilitator00001"
MESSAGES = frozenset({"sendMessage", "editMessageText", "sendPhoto", "sendDocument"})
FIRST = 500_000
ROOT = Path(__file__).resolve().parent.parent


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _seed(repo: Repository) -> int:
    owner = repo.get_or_create_user("telegram", "42", "nl")
    repo.set_consent(owner.id, True)
    now = datetime.now(UTC)
    cohort = repo.cohorts.create(
        owner.id, "benchLIVEcohort01", "Bench", now, "Europe/Amsterdam", "kort"
    )
    for n in range(PARTICIPANTS):
        member = repo.get_or_create_user("telegram", str(FIRST + n), "nl")
        repo.set_consent(member.id, True)
        repo.cohorts.join(cohort.id, member.id)
    session = repo.live.create(
        CODE,
        cohort.id,
        owner.id,
        ["inclusief_vs_efficient"],
        now + timedelta(hours=1),
        facilitator_key=KEY,
    )
    repo.live.next_round(session.id)
    return session.id


async def _viewer(
    http: aiohttp.ClientSession, url: str, ready: asyncio.Event, seen: list[float]
) -> None:
    async with http.get(url, timeout=aiohttp.ClientTimeout(total=120)) as stream:
        ready.set()
        async for raw in stream.content:
            if f'"voters": {PARTICIPANTS},'.encode() in raw:
                seen.append(time.monotonic())
                return


async def _push(api: Any, http: aiohttp.ClientSession, root: str) -> tuple[float, int]:
    """Close the round from the facilitator's page: seconds until every participant's
    screen was pushed, and the most messages sent in one second meanwhile."""
    before = len(api.calls)
    start = time.monotonic()
    move = {"key": KEY, "action": "close", "round": 1}
    async with http.post(f"{root}/live/{CODE}/control", json=move) as r:
        assert r.status == 204, r.status

    def pushed(_api: Any) -> bool:
        chats = {c.params.get("chat_id") for c in api.calls[before:] if c.method in MESSAGES}
        return len(chats) >= PARTICIPANTS

    await api.wait_for(pushed, timeout=60)
    times = [c.time for c in api.calls[before:] if c.method in MESSAGES]
    busiest = max(sum(1 for u in times if t <= u < t + 1.0) for t in times)
    return max(times) - start, busiest


async def _measure() -> tuple[int, float, float, float, float, int]:
    from fakebotapi import FakeBotAPI

    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/live.sqlite3"
        db = Database(url)
        await upgrade(db)
        session_id = int(await db.run(_seed))
        await db.dispose()
        port = _free_port()
        root = f"http://127.0.0.1:{port}"
        async with FakeBotAPI() as api:
            for n in range(PARTICIPANTS):
                api.add_user(FIRST + n)
            env = {
                **os.environ,
                "BOT_TOKEN": api.token,
                "BOT_API_URL": api.root_url,
                "DATABASE_URL": url,
                "WEB_URL": root,
                "PORT": str(port),
                "LOG_LEVEL": "WARNING",
                "PTB_TIMEDELTA": "1",
            }
            env.pop("WEBHOOK_URL", None)
            bot = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot", "run", cwd=ROOT, env=env
            )
            try:
                connector = aiohttp.TCPConnector(limit=VIEWERS + 10)
                async with aiohttp.ClientSession(connector=connector) as http:
                    for _ in range(300):
                        try:
                            async with http.get(f"{root}/healthz") as r:
                                if r.status == 200:
                                    break
                        except aiohttp.ClientError:
                            pass
                        await asyncio.sleep(0.1)
                    events = f"{root}/live/{CODE}/events"
                    seen: list[float] = []
                    readies = [asyncio.Event() for _ in range(VIEWERS)]
                    viewers = [
                        asyncio.create_task(_viewer(http, events, ready, seen)) for ready in readies
                    ]
                    await asyncio.wait_for(asyncio.gather(*(r.wait() for r in readies)), 30)
                    pressed: dict[str, float] = {}
                    answered: dict[str, float] = {}

                    def count() -> bool:
                        now = time.monotonic()
                        for key in api.callback_answers:
                            answered.setdefault(key, now)
                        return len(answered) >= PARTICIPANTS

                    start = time.monotonic()
                    for n in range(PARTICIPANTS):
                        update = api.user_presses(
                            FIRST + n, 1, f"live:v:{session_id}:1:{n % 5}", strict=False
                        )
                        pressed[update["callback_query"]["id"]] = time.monotonic()
                        count()
                        await asyncio.sleep(
                            max(0.0, start + SPREAD * (n + 1) / PARTICIPANTS - time.monotonic())
                        )
                    last = time.monotonic()
                    await api.wait_for(lambda _api: count(), timeout=30)
                    await asyncio.wait_for(asyncio.gather(*viewers), 30)
                    reflected = max(seen) - last
                    latencies = [answered[k] - pressed[k] for k in answered if k in pressed]
                    pushing, busiest = await _push(api, http, root)
                    median = statistics.median(latencies)
                    return len(answered), reflected, median, len(seen), pushing, busiest
            finally:
                bot.terminate()
                await bot.wait()


def live_session() -> list[Figure]:
    acknowledged, reflected, latency, viewers, pushing, busiest = asyncio.run(_measure())
    note = (
        f"{PARTICIPANTS} participants voting within {SPREAD:.0f} s, {VIEWERS} projector viewers "
        f"connected by SSE ({viewers} saw all votes); the bot a process of its own on SQLite, "
        "polling the fake Bot API"
    )
    return [
        Figure(
            "live: votes acknowledged", acknowledged, "", PARTICIPANTS, note, higher_is_better=True
        ),
        Figure("live: last vote to all 100 pages showing it", reflected, "s", 2.0, note),
        Figure("live: vote to its answer (median)", latency * 1000, "ms", None, note),
        Figure(
            "live: a round pushed to 200 participants",
            pushing,
            "s",
            PARTICIPANTS / 25 + 2,
            "the facilitator closes the round from the projector page; every participant's "
            "screen sent (they had none yet), at most 25 a second within the send budget",
        ),
        Figure(
            "live: most messages in one second while pushing",
            busiest,
            "",
            30,
            "the same push: Telegram allows a bot about 30 messages a second",
        ),
    ]
