"""Two bot processes in webhook mode on one PostgreSQL database, fed by this test as a load
balancer would: one user's double tap landing on both advances the conversation once,
and a broadcast delivered by both dispatchers reaches each member once; with Telegram's
overall limit enforced, the two share it by themselves (no ``BROADCAST_RATE`` set). And a
polling process killed while it handles an update leaves that update to the next one.

PostgreSQL only (``TEST_DATABASE_URL``): each run gets a database of its own.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from sqlalchemy import select
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from bot.telegram.run import SECRET_HEADER
from fakebotapi import FakeBotAPI
from storage import Database, DispatcherHeartbeat, OutboxMessage, Repository, normalize_url
from storage.migrate import upgrade
from tests.broadcast_helpers import COORDINATOR, FIRST_MEMBER, received, seed
from tests.storage_fixtures import TEST_DATABASE_URL
from tests.test_telegram import free_port

pytestmark = pytest.mark.skipif(
    not TEST_DATABASE_URL, reason="set TEST_DATABASE_URL to test on PostgreSQL"
)
ROOT = Path(__file__).resolve().parent.parent
SECRET = "shared-secret"
USER = 4242


@pytest.fixture
async def database_url() -> AsyncIterator[str]:
    """A fresh PostgreSQL database, dropped afterwards."""
    name = f"nw_multi_{uuid.uuid4().hex[:10]}"
    # CREATE/DROP DATABASE cannot run inside a transaction block.
    admin = create_async_engine(normalize_url(TEST_DATABASE_URL), isolation_level="AUTOCOMMIT")

    async def execute(statement: str) -> None:
        async with admin.connect() as connection:
            await connection.exec_driver_sql(statement)

    await execute(f"CREATE DATABASE {name}")
    url = make_url(TEST_DATABASE_URL).set(database=name).render_as_string(hide_password=False)
    try:
        yield url
    finally:
        await execute(f"DROP DATABASE {name} WITH (FORCE)")
        await admin.dispose()


class BotProcess:
    def __init__(self, process: asyncio.subprocess.Process, port: int) -> None:
        self.process = process
        self.port = port
        self.url = f"http://127.0.0.1:{port}/telegram"

    async def post(self, http: aiohttp.ClientSession, update: dict[str, Any]) -> int:
        async with http.post(self.url, json=update, headers={SECRET_HEADER: SECRET}) as resp:
            return resp.status

    async def stop(self) -> None:
        if self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(self.process.wait(), 20)
            except TimeoutError:
                self.process.kill()
                await self.process.wait()


async def start(api: FakeBotAPI, url: str, *, web: bool = False) -> BotProcess:
    """``python -m bot run --webhook`` on a free port, back once /healthz answers; with
    ``web``, its web pages too (WEB_URL)."""
    port = free_port()
    root = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "BOT_TOKEN": api.token,
        "BOT_API_URL": api.root_url,
        "DATABASE_URL": url,
        "WEBHOOK_URL": f"{root}/telegram",
        "WEBHOOK_SECRET": SECRET,
        "PORT": str(port),
        "LOG_LEVEL": "WARNING",
        "PTB_TIMEDELTA": "1",
        **({"WEB_URL": root} if web else {}),
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", "--webhook", cwd=ROOT, env=env
    )
    bot = BotProcess(process, port)
    async with aiohttp.ClientSession() as http:
        for _ in range(200):
            try:
                async with http.get(f"{root}/healthz") as resp:
                    if resp.status == 200:
                        return bot
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.1)
    await bot.stop()
    raise AssertionError("the bot did not come up")


async def test_two_processes_on_one_database(api: FakeBotAPI, database_url: str) -> None:
    members = 200
    await seed(database_url, members, broadcast="Een vraag aan iedereen")
    for n in range(members):
        api.add_user(FIRST_MEMBER + n)
    api.add_user(USER)
    a = await start(api, database_url)
    b = await start(api, database_url)
    try:
        # From here on this test is the load balancer: updates wait for it to post them.
        async with api.make_bot() as telegram:
            await telegram.delete_webhook()
        async with aiohttp.ClientSession() as http:

            async def deliver(process: BotProcess) -> int:
                update = api.pending_updates[-1]
                return await process.post(http, update)

            api.user_sends(USER, "/start")
            assert await deliver(a) == 200
            consent = (await api.wait_for_messages(USER, 1))[-1]
            api.user_presses(USER, consent.message_id, "1:p:consent:yes")
            assert await deliver(b) == 200
            question = (await api.wait_for_messages(USER, 2))[-1]
            assert "Vraag 1 van" in (question.plain_text or "")
            # A double tap: two updates, one to each process, at the same moment.
            api.user_presses(USER, question.message_id, "1:size:groot")
            first = api.pending_updates[-1]
            api.user_presses(USER, question.message_id, "1:size:groot")
            second = api.pending_updates[-1]
            statuses = await asyncio.gather(a.post(http, first), b.post(http, second))
            assert statuses == [200, 200]
            await api.wait_for(lambda x: len(x.calls_to("answerCallbackQuery")) >= 3)
            texts = [m.plain_text or "" for m in api.sent_to(USER)]
            assert sum("Vraag 2 van" in t for t in texts) == 1, "advanced once"
            api.user_sends(USER, "/start")
            assert await deliver(a) == 200
            await api.wait_for(
                lambda x: "Vraag 2 van" in (x.sent_to(USER)[-1].plain_text or ""), timeout=10
            )
        # Both dispatchers deliver the broadcast: each member once.
        marker = "Een vraag aan iedereen"
        await api.wait_for(lambda x: sum(received(x, members, marker)) >= members, 60)
        await asyncio.sleep(1.0)
        assert received(api, members, marker) == [1] * members
    finally:
        await a.stop()
        await b.stop()


async def broadcast(url: str, members: int, text: str) -> None:
    """The coordinator's broadcast of ``text`` to the ``members`` that :func:`seed` made."""

    def create(repo: Repository) -> None:
        owner = repo.get_or_create_user("telegram", str(COORDINATOR), "nl")
        ids = [
            repo.get_or_create_user("telegram", str(FIRST_MEMBER + n), "nl").id
            for n in range(members)
        ]
        repo.broadcasts.create(owner.id, text, {"cohorts": None}, ids)

    db = Database(url)
    try:
        await db.run(create)
    finally:
        await db.dispose()


async def senders(url: str) -> tuple[set[str], set[str]]:
    """The dispatchers registered, and those that sent a broadcast message."""
    sent_by = (
        select(OutboxMessage.claimed_by)
        .where(OutboxMessage.kind == "broadcast", OutboxMessage.status == "sent")
        .distinct()
    )
    db = Database(url)
    try:
        registered = await db.run_connection(
            lambda c: set(c.execute(select(DispatcherHeartbeat.name)).scalars())
        )
        delivered = await db.run_connection(
            lambda c: {str(n) for n in c.execute(sent_by).scalars()}
        )
    finally:
        await db.dispose()
    return registered, delivered


async def test_two_processes_share_telegrams_overall_limit(
    api: FakeBotAPI, database_url: str
) -> None:
    """No BROADCAST_RATE: each process finds the other by its heartbeat and sends half."""
    members = 300
    await seed(database_url, members)
    for n in range(members):
        api.add_user(FIRST_MEMBER + n)
    api.add_user(COORDINATOR)
    api.rate_limits(30)  # Telegram's ~30 messages a second per bot, enforced
    a = await start(api, database_url)
    b = await start(api, database_url)
    try:
        # A process answers its health check before its dispatcher's first heartbeat.
        for _ in range(100):
            registered, _ = await senders(database_url)
            if len(registered) == 2:
                break
            await asyncio.sleep(0.1)
        assert len(registered) == 2, registered
        marker = "Aan alle deelnemers"
        await broadcast(database_url, members, marker)
        await api.wait_for(lambda x: sum(received(x, members, marker)) >= members, 40)
        assert received(api, members, marker) == [1] * members
    finally:
        await a.stop()
        await b.stop()
    assert api.stats.rate_limited == 0, "together within Telegram's overall limit"
    registered, delivered = await senders(database_url)
    assert registered == set(), "each deleted its heartbeat when it stopped"
    assert len(delivered) == 2, "both processes delivered"


async def start_polling(api: FakeBotAPI, url: str) -> BotProcess:
    """``python -m bot run`` without a webhook: ready once it asks for updates."""
    env = {
        **os.environ,
        "BOT_TOKEN": api.token,
        "BOT_API_URL": api.root_url,
        "DATABASE_URL": url,
        "LOG_LEVEL": "WARNING",
        "PTB_TIMEDELTA": "1",
    }
    env.pop("WEBHOOK_URL", None)
    polls = len(api.calls_to("getUpdates"))
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", cwd=ROOT, env=env
    )
    await api.wait_for(lambda a: len(a.calls_to("getUpdates")) > polls, timeout=30)
    return BotProcess(process, 0)


async def test_a_polling_process_killed_while_handling_leaves_the_update_to_the_next(
    api: FakeBotAPI, database_url: str
) -> None:
    """SIGKILL while an update is being handled (its unit waits for a lock): Telegram was
    not told it was handled, so the next process gets it and answers it, once."""
    db = Database(database_url)
    await upgrade(db)
    await db.dispose()
    api.add_user(USER)
    first = await start_polling(api, database_url)
    admin = create_async_engine(normalize_url(database_url))
    try:
        api.user_sends(USER, "/start")
        consent = (await api.wait_for_messages(USER, 1))[-1]
        api.user_presses(USER, consent.message_id, "1:p:consent:yes")
        question = (await api.wait_for_messages(USER, 2))[-1]
        assert "Vraag 1 van" in (question.plain_text or "")
        async with admin.connect() as locker:
            await locker.exec_driver_sql("LOCK TABLE conversations IN ACCESS EXCLUSIVE MODE")
            api.user_presses(USER, question.message_id, "1:size:groot")
            held = int(api.pending_updates[-1]["update_id"])

            def fetched(a: FakeBotAPI) -> bool:
                return any(
                    held in [u["update_id"] for u in (call.result or [])]
                    for call in a.calls_to("getUpdates")
                    if call.ok
                )

            await api.wait_for(fetched)
            await asyncio.sleep(0.5)  # its unit now waits for the lock
            first.process.send_signal(signal.SIGKILL)
            await first.process.wait()
            await locker.rollback()
        assert held in [int(u["update_id"]) for u in api.pending_updates], "not confirmed"
        assert len(api.sent_to(USER)) == 2, "no reply from the killed process"
        second = await start_polling(api, database_url)
        try:
            reply = (await api.wait_for_messages(USER, 3))[-1]
            assert "Vraag 2 van" in (reply.plain_text or "")
            await api.wait_for(lambda a: not a.pending_updates)
            await asyncio.sleep(0.5)
            assert len(api.sent_to(USER)) == 3, "answered once"
        finally:
            await second.stop()
    finally:
        await first.stop()
        await admin.dispose()
