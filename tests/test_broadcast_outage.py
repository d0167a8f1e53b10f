"""A database outage in the middle of a broadcast, longer than the outbox sender's lease:
the member whose message Telegram accepted just before the outage gets no second copy
(the outbox sender records it first thing once the database is back, before it claims
anything), and everyone else gets theirs once."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from bot.telegram.run import running_bot
from fakebotapi import FakeBotAPI
from storage import DatabaseUnavailable, OutboxItem, Repository
from tests.broadcast_helpers import COORDINATOR, FIRST_MEMBER, received, report_of, seed
from tests.test_telegram import bot_settings

MEMBERS = 6
TEXT = "Wat deed u anders?"
MARKER = "Vraag van uw workshopcoördinator"


def broadcast_to_all(repo: Repository) -> int:
    owner = repo.get_or_create_user("telegram", str(COORDINATOR))
    recipients = repo.broadcasts.recipients(owner.id, None, None)
    return repo.broadcasts.create(owner.id, TEXT, {"cohorts": None}, recipients)


@pytest.mark.parametrize("outage", [1.5, 4.0])
async def test_an_outage_after_a_send_sends_no_second_copy(
    api: FakeBotAPI, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, outage: float
) -> None:
    settings = bot_settings(api, tmp_path, ADMIN_IDS=str(COORDINATOR), DISPATCH_LEASE_SECONDS="1")
    await seed(settings.database_url, MEMBERS)
    for n in range(MEMBERS):
        api.add_user(FIRST_MEMBER + n)
    api.add_user(COORDINATOR)
    async with running_bot(settings, webhook=False, host="127.0.0.1") as running:
        sender = running.outbox_sender
        assert sender is not None
        db = running.advisor.db
        real_run, real_send = db.run, sender._send
        away_until = [0.0]

        async def run(work: Any) -> Any:
            if time.monotonic() < away_until[0]:
                raise DatabaseUnavailable("the database went away")
            return await real_run(work)

        async def send_then_outage(item: OutboxItem, reply: Any) -> None:
            await real_send(item, reply)
            if item.kind == "broadcast" and not away_until[0]:
                away_until[0] = time.monotonic() + outage  # right after Telegram took it

        monkeypatch.setattr(db, "run", run)
        monkeypatch.setattr(sender, "_send", send_then_outage)
        await real_run(broadcast_to_all)
        await api.wait_for(report_of, timeout=30)
    assert received(api, MEMBERS, MARKER) == [1] * MEMBERS
