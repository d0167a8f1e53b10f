"""A SQLite file deleted (or replaced) under a running bot: SQLite would go on writing to
the deleted inode and lose everything at the next restart. The bot notices within a few
seconds: it logs it, its health check answers 503, and it stops with exit status 1."""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
from pathlib import Path

import aiohttp
import pytest

from bot.telegram import run
from bot.telegram.run import running_bot, serve
from fakebotapi import FakeBotAPI
from tests.test_telegram import bot_settings, free_port, send


def remove_database(tmp_path: Path) -> None:
    for file in tmp_path.glob("bot.sqlite3*"):
        os.remove(file)


@pytest.fixture(autouse=True)
def check_often(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(run, "DATABASE_FILE_CHECK", 0.05)


async def test_a_deleted_database_file_stops_the_bot_with_status_1(
    api: FakeBotAPI, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    settings = bot_settings(api, tmp_path)
    serving = asyncio.create_task(serve(settings, webhook=False))
    await send(api, "/start")
    with caplog.at_level(logging.CRITICAL):
        remove_database(tmp_path)
        ok = await asyncio.wait_for(serving, timeout=10)
    assert ok is False, "not a clean stop: exit status 1"
    critical = [r.getMessage() for r in caplog.records if r.levelno == logging.CRITICAL]
    assert len(critical) == 1 and "deleted" in critical[0]
    assert str(tmp_path) not in critical[0], "the file's name, not where it lives"


async def test_a_replaced_database_file_fails_the_health_check(
    api: FakeBotAPI, tmp_path: Path
) -> None:
    port = free_port()
    settings = bot_settings(
        api, tmp_path, WEBHOOK_URL=f"http://127.0.0.1:{port}/telegram", PORT=str(port)
    )
    async with running_bot(settings, webhook=True, host="127.0.0.1") as bot:
        await send(api, "/start")
        health = f"http://127.0.0.1:{port}/healthz"
        async with aiohttp.ClientSession() as http:
            async with http.get(health) as response:
                assert response.status == 200
            file = tmp_path / "bot.sqlite3"
            shutil.copy(file, tmp_path / "restored.sqlite3")
            os.replace(tmp_path / "restored.sqlite3", file)  # a restore over the open file
            await asyncio.wait_for(bot.failed.wait(), timeout=5)
            async with http.get(health) as response:
                assert response.status == 503
                assert (await response.json())["status"] == "database file replaced"
