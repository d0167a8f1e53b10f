"""Broadcast delivery end to end over HTTP against the fake Bot API with its rate limits
on: the real bot from the factory, a coordinator composing over Telegram, 1,000 members
(20 of whom blocked the bot), injected 500s and 429s; and a bot process killed mid-way."""

from __future__ import annotations

import asyncio
import dataclasses
import os
import signal
import sys
from datetime import timedelta
from pathlib import Path

from bot.telegram.run import running_bot
from fakebotapi import FakeBotAPI
from tests.broadcast_helpers import COORDINATOR, FIRST_MEMBER, received, report_of, seed
from tests.test_telegram import bot_settings, callback_datas, press, send, start

ROOT = Path(__file__).resolve().parent.parent


async def test_a_broadcast_to_1000_members_with_faults_reaches_each_once(
    api: FakeBotAPI, tmp_path: Path
) -> None:
    members, blocked = 1000, set(range(0, 1000, 50))
    settings = bot_settings(api, tmp_path, ADMIN_IDS=str(COORDINATOR))
    await seed(settings.database_url, members)
    for n in range(members):
        api.add_user(FIRST_MEMBER + n)
        if n in blocked:
            api.block(FIRST_MEMBER + n)
    api.rate_limits(30)
    async with running_bot(settings, webhook=False, host="127.0.0.1") as running:
        assert running.outbox_sender is not None
        running.outbox_sender.settings = dataclasses.replace(
            running.outbox_sender.settings, backoff=timedelta(seconds=0.5)
        )
        await start(api, chat=COORDINATOR)
        await send(api, "/broadcast", chat=COORDINATOR)
        audience = await send(api, "Wat heeft u deze maand anders gedaan?", chat=COORDINATOR)
        sample = await press(api, audience, "1:c:bnext", chat=COORDINATOR)
        summary = await api.wait_for(
            lambda a: next(
                (m for m in a.sent_to(COORDINATOR) if m.message_id > sample.message_id), None
            )
        )
        assert "naar 1000 deelnemer(s)" in (summary.plain_text or "")
        assert "1:c:bsend" in callback_datas(summary)
        await press(api, summary, "1:c:bsend", chat=COORDINATOR)
        api.fail_next("sendMessage", status=500, times=3)
        api.fail_next("sendMessage", status=429, retry_after=1, times=2)
        # Someone chatting meanwhile is answered at once, not after the broadcast.
        chatting = 4343
        started = asyncio.get_running_loop().time()
        reply = await send(api, "/help", chat=chatting)
        assert "Zo werkt Netwerkwijzer" in (reply.plain_text or "")
        assert asyncio.get_running_loop().time() - started < 3
        report = await api.wait_for(report_of, timeout=120)
    counts = received(api, members, "Vraag van uw workshopcoördinator")
    assert all(counts[n] == 0 for n in blocked)
    assert all(counts[n] == 1 for n in range(members) if n not in blocked), "exactly once"
    text = report.plain_text or ""
    delivered = sum(counts)
    assert delivered == 980
    assert f"Afgeleverd: {delivered}" in text and "Bot geblokkeerd: 20" in text
    assert "Mislukt: 0" in text and "aan 1000 deelnemer(s)" in text
    assert api.stats.rate_limited >= 2 and api.stats.forbidden >= 20


async def start_process(api: FakeBotAPI, url: str) -> asyncio.subprocess.Process:
    env = {
        **os.environ,
        "BOT_TOKEN": api.token,
        "BOT_API_URL": api.root_url,
        "DATABASE_URL": url,
        "DISPATCH_LEASE_SECONDS": "2",
        "LOG_LEVEL": "WARNING",
        "PTB_TIMEDELTA": "1",
    }
    env.pop("WEBHOOK_URL", None)
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", cwd=ROOT, env=env
    )


async def test_a_bot_killed_mid_broadcast_goes_on_after_restart_without_repeats(
    api: FakeBotAPI, tmp_path: Path
) -> None:
    members = 300
    url = f"sqlite:///{tmp_path / 'crash.sqlite3'}"
    await seed(url, members, broadcast="Een vraag na de workshop")
    for n in range(members):
        api.add_user(FIRST_MEMBER + n)
    api.add_user(COORDINATOR)
    marker = "Een vraag na de workshop"
    first = await start_process(api, url)
    try:
        await api.wait_for(lambda a: sum(received(a, members, marker)) >= 100, timeout=60)
        # Kill it while nothing is in flight: Telegram has just said to slow down.
        api.fail_next("sendMessage", status=429, retry_after=4)
        await api.wait_for(lambda a: a.stats.rate_limited >= 1, timeout=10)
        first.send_signal(signal.SIGKILL)
        await first.wait()
        halfway = sum(received(api, members, marker))
        assert 100 <= halfway < members
        second = await start_process(api, url)
        try:
            await api.wait_for(lambda a: sum(received(a, members, marker)) >= members, 90)
            report = await api.wait_for(report_of, timeout=30)
        finally:
            second.send_signal(signal.SIGTERM)
            await second.wait()
    finally:
        if first.returncode is None:
            first.kill()
            await first.wait()
    assert received(api, members, marker) == [1] * members, "each member exactly once"
    assert f"Afgeleverd: {members}" in (report.plain_text or "")
