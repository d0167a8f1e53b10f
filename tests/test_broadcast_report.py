"""The final report of a broadcast is delivered like any bulk message: a 429 or a 5xx on
it is waited out and tried again, and the broadcast counts as done only once the
coordinator has it. Progress edits that fail are coalesced into the next one."""

from __future__ import annotations

import asyncio
import dataclasses
from pathlib import Path

from sqlalchemy import select

from bot.telegram.run import running_bot
from fakebotapi import FakeBotAPI
from storage import Repository
from storage.models import Broadcast
from tests.broadcast_helpers import COORDINATOR, FIRST_MEMBER, report_of, seed
from tests.test_telegram import bot_settings

MEMBERS = 8


def broadcast_to_all(repo: Repository) -> int:
    owner = repo.get_or_create_user("telegram", str(COORDINATOR))
    recipients = repo.broadcasts.recipients(owner.id, None, None)
    return repo.broadcasts.create(owner.id, "Wat deed u anders?", {"cohorts": None}, recipients)


async def test_the_report_survives_a_429_and_5xx_and_the_broadcast_waits_for_it(
    api: FakeBotAPI, tmp_path: Path
) -> None:
    settings = bot_settings(api, tmp_path, ADMIN_IDS=str(COORDINATOR))
    await seed(settings.database_url, MEMBERS)
    for n in range(MEMBERS):
        api.add_user(FIRST_MEMBER + n)
    api.add_user(COORDINATOR)
    # The edits of the progress message fail for a while: first a 429, then 5xx.
    api.fail_next("editMessageText", status=429, retry_after=1)
    api.fail_next("editMessageText", status=502, times=3)
    async with running_bot(settings, webhook=False, host="127.0.0.1") as running:
        assert running.outbox_sender is not None
        running.outbox_sender.progress.every = 0.2
        # Two at a time, so that progress is shown before the report.
        running.outbox_sender.settings = dataclasses.replace(
            running.outbox_sender.settings, batch=2
        )
        db = running.advisor.db
        await db.run(broadcast_to_all)

        async def status() -> str:
            query = select(Broadcast.status)
            return str(await db.run_connection(lambda c: c.execute(query).scalar_one()))

        progress = await api.wait_for(lambda a: next(iter(a.sent_to(COORDINATOR)), None))
        report = await api.wait_for(report_of, timeout=20)
        assert report.message_id == progress.message_id, "the progress message became it"
        for _ in range(50):
            if await status() == "done":
                break
            await asyncio.sleep(0.1)
        assert await status() == "done"
    failed = [call.status for call in api.calls_to("editMessageText") if not call.ok]
    assert failed == [429, 502, 502, 502], "every fault met, and waited out"
