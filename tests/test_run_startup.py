"""Starting `python -m bot run`: a missing or refused token and an unreachable server are one
line on stderr and exit 1; BOT_API_URL takes the server's root or PTB's form ending in /bot."""

from __future__ import annotations

import asyncio
import os
import socket
import sys
from pathlib import Path

import pytest

from bot.settings import Settings, api_root
from bot.telegram.run import running_bot
from fakebotapi import FakeBotAPI

USER = 6161


async def run_bot(tmp_path: Path, **env: str) -> tuple[int, str]:
    """``python -m bot run`` with only ``env`` (and the basics) set: exit code and stderr."""
    environ = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "PTB_TIMEDELTA": "1",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'bot.sqlite3'}",
        **env,
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "run",
        env=environ,
        cwd=tmp_path,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    _, err = await asyncio.wait_for(process.communicate(), timeout=60)
    assert process.returncode is not None
    return process.returncode, err.decode()


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def one_clean_line(stderr: str) -> str:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert "Traceback" not in stderr and "Unclosed" not in stderr, stderr
    return lines[0]


async def test_run_without_a_token_is_one_line_and_exit_1(tmp_path: Path) -> None:
    code, err = await run_bot(tmp_path)
    assert code == 1
    assert one_clean_line(err).startswith("netwerkwijzer: BOT_TOKEN is not set")


async def test_a_token_the_server_rejects_is_one_line_without_the_token(
    api: FakeBotAPI, tmp_path: Path
) -> None:
    wrong = "123456:NotTheRightToken"
    code, err = await run_bot(tmp_path, BOT_TOKEN=wrong, BOT_API_URL=api.root_url)
    assert code == 1
    line = one_clean_line(err)
    assert "rejected BOT_TOKEN" in line and api.root_url in line
    assert wrong not in err and "NotTheRightToken" not in err
    assert [call.status for call in api.calls_to("getMe")] == [401]


async def test_a_server_out_of_reach_is_one_line(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{closed_port()}"
    code, err = await run_bot(tmp_path, BOT_TOKEN="123456:Whatever", BOT_API_URL=url)
    assert code == 1
    assert f"cannot reach the Bot API server at {url}" in one_clean_line(err)


@pytest.mark.parametrize("suffix", ["", "/", "/bot", "/bot/"])
async def test_bot_api_url_takes_the_root_or_ptbs_form(
    api: FakeBotAPI, tmp_path: Path, suffix: str
) -> None:
    settings = Settings.from_env(
        {
            "BOT_TOKEN": api.token,
            "BOT_API_URL": api.root_url + suffix,
            "DATABASE_URL": f"sqlite:///{tmp_path / 'bot.sqlite3'}",
        }
    )
    assert settings.bot_api_url == api.root_url
    async with running_bot(settings, webhook=False, host="127.0.0.1"):
        api.user_sends(USER, "/start")
        await api.wait_for_messages(USER)
    assert [call.status for call in api.calls_to("getMe")] == [200]


def test_api_root_strips_only_ptbs_suffix() -> None:
    assert api_root("https://api.telegram.org") == "https://api.telegram.org"
    assert api_root("https://api.telegram.org/bot/") == "https://api.telegram.org"
    assert api_root(" http://127.0.0.1:8081/ ") == "http://127.0.0.1:8081"
    assert api_root("http://proxy.example/telegram/bot") == "http://proxy.example/telegram"
    assert api_root("http://proxy.example/robot") == "http://proxy.example/robot"
