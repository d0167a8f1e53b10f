"""The soak test: about a minute of everything at once, with faults, on PostgreSQL.

Two bot processes in webhook mode share one database; this test is their load balancer
(an update to a process that died goes to the other, as Telegram redelivers). Fifty
users chat; a broadcast to 2,000 members and 100 nudges go out; the fake Bot API enforces
Telegram's rate limits and injects 5xx answers and timeouts; the test terminates every
database connection once and kills one bot process once (SIGKILL).

Afterwards: every user message got its one reply; every member got the broadcast and
every nudge arrived, each once; the surviving process logged no error; its memory did not
grow in the second half.

"Once" has one exception that no bot can avoid, because Telegram cannot tell a bot whether
it already sent something: a process killed after Telegram accepted a message and before
the process recorded that. The test does not allow a blanket margin for it; it names the
messages that were in that window and allows a second copy of those only: a reply whose
update was in flight at the victim when it died (the balancer had to deliver it again),
and one bulk message whose first copy Telegram answered in the last moment before the
kill (the victim's dispatcher sends one at a time).
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from sqlalchemy.ext.asyncio import create_async_engine

from bot.telegram.run import SECRET_HEADER
from fakebotapi import FakeBotAPI
from storage import Database, Repository, normalize_url
from tests.broadcast_helpers import FIRST_MEMBER, received, seed
from tests.storage_fixtures import TEST_DATABASE_URL
from tests.test_multiprocess import database_url  # noqa: F401 (a fixture)
from tests.test_telegram import free_port

pytestmark = pytest.mark.skipif(
    not TEST_DATABASE_URL, reason="set TEST_DATABASE_URL to test on PostgreSQL"
)
ROOT = Path(__file__).resolve().parent.parent
SECRET = "soak-secret"
MEMBERS = 2000
NUDGED = 100
CHATTERS = 50
THINK = 5.0
"""Seconds a user takes between reading a reply and sending the next message: 50 users
then ask about 9 replies a second. The two processes share Telegram's 30/s by heartbeat
(bulk 14/s each, replies and bulk within 15/s each), so replies crowd out bulk; after
the kill the survivor takes the whole budget once the victim's heartbeat is 15 s old."""
FIRST_CHATTER = 500_000
BROADCAST = "Soak: wat neemt u mee uit de workshop?"
JOURNEY = ["/start", "consent", "groot", "veel", "/help", "/vraag", "/dilemmas", "/help"]
"""Each step gets exactly one message back."""


class Process:
    def __init__(self, name: str, api: FakeBotAPI, url: str, logs: Path) -> None:
        self.name = name
        self.api = api
        self.db_url = url
        self.log_path = logs / f"{name}.log"
        self.port = free_port()
        self.process: asyncio.subprocess.Process | None = None
        self.killed = False
        """SIGKILL was sent: the balancer delivers nothing to it any more (the process may
        take a moment to be reaped, and a pooled connection to it would break)."""

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/telegram"

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.returncode is None and not self.killed

    async def start(self) -> None:
        env = {
            **os.environ,
            "BOT_TOKEN": self.api.token,
            "BOT_API_URL": self.api.root_url,
            "DATABASE_URL": self.db_url,
            "WEBHOOK_URL": self.url,
            "WEBHOOK_SECRET": SECRET,
            "PORT": str(self.port),
            "LOG_LEVEL": "WARNING",
            "PTB_TIMEDELTA": "1",
            "DISPATCH_LEASE_SECONDS": "15",
        }
        with self.log_path.open("w") as log:
            self.process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot", "run", "--webhook", cwd=ROOT, env=env, stderr=log
            )
        async with aiohttp.ClientSession() as http:
            for _ in range(300):
                try:
                    async with http.get(f"http://127.0.0.1:{self.port}/healthz") as resp:
                        if resp.status == 200:
                            return
                except aiohttp.ClientError:
                    pass
                await asyncio.sleep(0.1)
        raise AssertionError(f"{self.name} did not come up")

    def rss_mb(self) -> float:
        assert self.process is not None
        status = Path(f"/proc/{self.process.pid}/status").read_text()
        kb = next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS"))
        return kb / 1024

    async def stop(self) -> None:
        if self.process is not None and self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(self.process.wait(), 20)
            except TimeoutError:
                self.process.kill()
                await self.process.wait()


class Balancer:
    """Posts each update to the next living process; redelivers what failed."""

    def __init__(self, processes: list[Process]) -> None:
        self.processes = processes
        self.turn = 0
        self.cut_off: list[tuple[dict[str, Any], Process, bool]] = []
        """Updates whose connection broke, with the process they were posted to and whether
        it had been killed by then: delivered again elsewhere."""

    async def post(self, http: aiohttp.ClientSession, update: dict[str, Any]) -> None:
        for _ in range(30):
            alive = [p for p in self.processes if p.alive]
            target = alive[self.turn % len(alive)]
            self.turn += 1
            try:
                headers = {SECRET_HEADER: SECRET}
                async with http.post(target.url, json=update, headers=headers) as resp:
                    if resp.status == 200:
                        return
            except aiohttp.ClientConnectorError:
                pass  # never reached a process
            except aiohttp.ClientError:
                self.cut_off.append((update, target, target.killed))
            await asyncio.sleep(0.5)
        raise AssertionError(f"update {update['update_id']} was never accepted")


async def add_nudges(url: str) -> None:
    db = Database(url)
    now = datetime.now(UTC)

    def schedule(repo: Repository) -> None:
        for n in range(NUDGED):
            user = repo.cohorts.consented_user("telegram", str(FIRST_MEMBER + n))
            assert user is not None
            payload = {"cohort": 1, "plan": "kort", "step": "na_een_dag"}
            repo.outbox.schedule(user, "nudge", now, payload, f"soak-nudge:{n}")

    await db.run(schedule)
    await db.dispose()


async def terminate_connections(url: str) -> int:
    name = url.rsplit("/", 1)[1]
    admin = create_async_engine(normalize_url(TEST_DATABASE_URL), isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as connection:
            result = await connection.exec_driver_sql(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                f"WHERE datname = '{name}' AND pid <> pg_backend_pid()"
            )
            return int(result.scalar_one())
    finally:
        await admin.dispose()


async def test_soak(api: FakeBotAPI, database_url: str, tmp_path: Path) -> None:  # noqa: F811
    await seed(database_url, MEMBERS, broadcast=BROADCAST)
    await add_nudges(database_url)
    for n in range(MEMBERS):
        api.add_user(FIRST_MEMBER + n)
    for n in range(CHATTERS):
        api.add_user(FIRST_CHATTER + n)
    api.rate_limits(30)
    survivor = Process("a", api, database_url, tmp_path)
    victim = Process("b", api, database_url, tmp_path)
    await survivor.start()
    await victim.start()
    async with api.make_bot() as telegram:
        await telegram.delete_webhook()  # from now on the test delivers updates
    balancer = Balancer([survivor, victim])
    posted = dict.fromkeys(range(CHATTERS), 0)
    memory: list[tuple[float, float]] = []
    killed_at: list[float] = []
    started = time.monotonic()

    async def chat(http: aiohttp.ClientSession, n: int) -> None:
        user = FIRST_CHATTER + n
        await asyncio.sleep(n * THINK / CHATTERS)
        for step in JOURNEY:
            before = len(api.sent_to(user))
            if step == "consent":
                consent = api.sent_to(user)[-1]
                assert "1:p:consent:yes" in str(consent.reply_markup), [
                    m.plain_text for m in api.sent_to(user)
                ]
                api.user_presses(user, consent.message_id, "1:p:consent:yes")
            else:
                api.user_sends(user, step)
            update = api.pending_updates[-1]
            await balancer.post(http, update)
            posted[n] += 1
            try:
                await api.wait_for(lambda a, b=before: len(a.sent_to(user)) > b, timeout=30)
            except AssertionError:
                calls = [
                    (c.method, c.status, str(c.params.get("text", ""))[:60])
                    for c in api.calls
                    if str(c.params.get("chat_id")) == str(user)
                    or str(c.params.get("callback_query_id", "")).startswith(str(user))
                ]
                raise AssertionError(f"user {user} step {step}: no reply; calls {calls}") from None
            await asyncio.sleep(THINK)

    async def faults() -> None:
        await asyncio.sleep(3)
        api.fail_next("sendMessage", status=500, times=2)
        await asyncio.sleep(2)
        api.fail_next("sendMessage", status=502)
        await asyncio.sleep(1)
        api.delay_next("sendMessage", 6.0)  # longer than the bot waits for an answer
        await asyncio.sleep(2)
        assert await terminate_connections(database_url) >= 1
        await asyncio.sleep(6)
        assert victim.process is not None
        victim.killed = True
        victim.process.send_signal(signal.SIGKILL)
        await victim.process.wait()
        killed_at.append(time.monotonic())

    async def watch_memory(stop: asyncio.Event) -> None:
        while not stop.is_set():
            memory.append((time.monotonic() - started, survivor.rss_mb()))
            await asyncio.sleep(1.0)

    stop = asyncio.Event()
    watcher = asyncio.create_task(watch_memory(stop))
    try:
        async with aiohttp.ClientSession() as http:
            await asyncio.gather(faults(), *(chat(http, n) for n in range(CHATTERS)))
        await api.wait_for(lambda a: sum(received(a, MEMBERS, BROADCAST)) >= MEMBERS, timeout=150)
        await api.wait_for(
            lambda a: all(
                any(
                    "Reflectievraag na de workshop" in (m.plain_text or "")
                    for m in a.sent_to(FIRST_MEMBER + n)
                )
                for n in range(NUDGED)
            ),
            timeout=30,
        )
        await asyncio.sleep(2.0)
    finally:
        stop.set()
        await watcher
        await survivor.stop()
        await victim.stop()

    # Every user message got its one reply; a second copy only for an update that was in
    # flight at the victim when it died (its reply may have gone out before the kill; the
    # survivor, handling it again, shows the same screen).
    # How many were in flight depends on how fast the machine is; what does not: every
    # broken connection was to the victim, broken by the kill (nothing is posted to it
    # after), and a user waits for each reply, so no user had two updates in flight.
    broken = [(u["update_id"], p.name, killed) for u, p, killed in balancer.cut_off]
    assert all(p is victim and killed for _, p, killed in balancer.cut_off), broken
    updates = [u for u, _, _ in balancer.cut_off]
    cut_off = {int(u["message"]["chat"]["id"]) for u in updates if "message" in u}
    cut_off |= {int(u["callback_query"]["from"]["id"]) for u in updates if "callback_query" in u}
    assert len(cut_off) == len(updates), f"a user cut off twice: {broken}"
    for n in range(CHATTERS):
        user = FIRST_CHATTER + n
        replies = len(api.sent_to(user))
        assert posted[n] == len(JOURNEY) and replies >= posted[n], f"user {user}: a lost reply"
        allowed = posted[n] + (1 if user in cut_off else 0)
        assert replies <= allowed, f"user {user}: {replies} replies to {posted[n]} messages"
    # The broadcast and the nudges: everyone, once; a second copy only of the one message
    # the victim's dispatcher had sent and not yet recorded when it died.
    counts = received(api, MEMBERS, BROADCAST)
    nudges = [
        sum(
            "Reflectievraag na de workshop" in (m.plain_text or "")
            for m in api.sent_to(FIRST_MEMBER + n)
        )
        for n in range(NUDGED)
    ]
    assert min(counts) == 1 and min(nudges) == 1, "everyone reached"
    twice = [FIRST_MEMBER + n for n, c in enumerate(counts) if c > 1]
    twice += [FIRST_MEMBER + n for n, c in enumerate(nudges) if c > 1]
    assert max(counts + nudges) <= 2 and len(twice) <= 1, f"sent again: {twice}"
    for chat_id in twice:
        first = next(
            c
            for c in api.calls_to("sendMessage")
            if c.ok and str(c.params.get("chat_id")) == str(chat_id)
        )
        answered = first.time + first.duration
        assert killed_at[0] - 1.0 < answered <= killed_at[0], (
            f"{chat_id} got a second copy though the first was answered "
            f"{killed_at[0] - answered:.2f} s before the kill"
        )
    # The surviving process: no error logged, memory flat in the second half.
    log = survivor.log_path.read_text()
    assert "Traceback" not in log and " ERROR " not in log, log[-3000:]
    half = memory[-1][0] / 2
    first = max(rss for t, rss in memory if t <= half)
    second = max(rss for t, rss in memory if t > half)
    assert second - first < 15, f"memory grew from {first:.0f} to {second:.0f} MB"
