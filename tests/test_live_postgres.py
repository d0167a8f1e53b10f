"""Two bot processes in webhook mode on one PostgreSQL database: a vote handled by one
reaches the projector page a viewer has open on the other, through LISTEN/NOTIFY (each
process has its own in-process hub, so nothing else could carry it).

PostgreSQL only (``TEST_DATABASE_URL``)."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta

import aiohttp
import pytest

from fakebotapi import FakeBotAPI
from storage import Database, Repository
from storage.migrate import upgrade
from tests.storage_fixtures import TEST_DATABASE_URL
from tests.test_multiprocess import database_url, start

pytestmark = pytest.mark.skipif(
    not TEST_DATABASE_URL, reason="set TEST_DATABASE_URL to test on PostgreSQL"
)
__all__ = ["database_url"]  # the fixture
MEMBER = 8801
CODE = "livecode_two_processes_0001"


async def seed(url: str) -> int:
    """A coordinator's cohort with one member, and a live session in its first round."""

    def work(repo: Repository) -> int:
        owner = repo.get_or_create_user("telegram", "8800", "nl")
        repo.set_consent(owner.id, True)
        member = repo.get_or_create_user("telegram", str(MEMBER), "nl")
        repo.set_consent(member.id, True)
        cohort = repo.cohorts.create(
            owner.id, "twoprocCODE00001", "Twee", datetime.now(UTC), "Europe/Amsterdam", "kort"
        )
        repo.cohorts.join(cohort.id, member.id)
        session = repo.live.create(
            CODE,
            cohort.id,
            owner.id,
            ["inclusief_vs_efficient"],
            datetime.now(UTC) + timedelta(hours=1),
        )
        repo.live.next_round(session.id)
        return session.id

    db = Database(url)
    try:
        await upgrade(db)
        return int(await db.run(work))
    finally:
        await db.dispose()


async def test_a_vote_on_one_process_shows_on_the_others_page(
    api: FakeBotAPI, database_url: str
) -> None:
    session_id = await seed(database_url)
    api.add_user(MEMBER)
    a = await start(api, database_url, web=True)
    b = await start(api, database_url, web=True)
    try:
        async with api.make_bot() as telegram:
            await telegram.delete_webhook()
        async with aiohttp.ClientSession() as http:
            events = f"http://127.0.0.1:{b.port}/live/{CODE}/events"
            async with http.get(events) as stream:
                first = await asyncio.wait_for(stream.content.readline(), 5)
                assert json.loads(first.decode().removeprefix("data: "))["voters"] == 0
                await stream.content.readline()
                api.user_presses(MEMBER, 1, f"live:v:{session_id}:1:3", strict=False)
                assert await a.post(http, api.pending_updates[-1]) == 200
                line = await asyncio.wait_for(stream.content.readline(), 2)
                assert json.loads(line.decode().removeprefix("data: "))["voters"] == 1
    finally:
        await a.stop()
        await b.stop()
