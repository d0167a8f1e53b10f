"""Webhook abuse: bodies that are no update, absurd nesting and a secret with bytes that
are not ASCII all get a 4xx, and together at most a short line in the log (a flood of
them cannot fill it with tracebacks); a real update still gets its answer."""

from __future__ import annotations

import asyncio
import json
import logging
from pathlib import Path

import aiohttp
import pytest

from bot.telegram.run import SECRET_HEADER, running_bot
from fakebotapi import FakeBotAPI
from tests.test_telegram import bot_settings, free_port, send

SECRET = "s3cret-token"
NOT_UPDATES = [
    b"[]",
    b"[1, 2]",
    b"42",
    b'"update"',
    b"null",
    b"{}",
    b'{"update_id": "1"}',
    b'{"update_id": 5, "message": "hallo"}',
    b'{"update_id": 6, "callback_query": [1]}',
    b"[" * 100_000 + b"]" * 100_000,
    b'{"a":' * 50_000 + b"1" + b"}" * 50_000,
    b"\xff\xfe not json",
]


async def raw_post(port: int, body: bytes, secret: bytes) -> int:
    """POST with the secret header as raw bytes (an HTTP client would refuse some)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    head = (
        b"POST /telegram HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        + SECRET_HEADER.encode()
        + b": "
        + secret
        + b"\r\nContent-Length: "
        + str(len(body)).encode()
        + b"\r\nConnection: close\r\n\r\n"
    )
    writer.write(head + body)
    await writer.drain()
    status_line = await reader.readline()
    writer.close()
    await writer.wait_closed()
    return int(status_line.split()[1])


async def test_bodies_that_are_no_update_get_400_and_no_traceback(
    api: FakeBotAPI, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    port = free_port()
    settings = bot_settings(
        api,
        tmp_path,
        WEBHOOK_URL=f"http://127.0.0.1:{port}/telegram",
        WEBHOOK_SECRET=SECRET,
        PORT=str(port),
    )
    async with running_bot(settings, webhook=True, host="127.0.0.1"):
        with caplog.at_level(logging.DEBUG):
            caplog.clear()
            statuses = [await raw_post(port, body, SECRET.encode()) for body in NOT_UPDATES]
            for secret in ("s3crét-token".encode(), b"\xff\xfe", "é".encode("latin-1")):
                statuses.append(await raw_post(port, b"{}", secret))
            async with aiohttp.ClientSession() as http:
                url = f"http://127.0.0.1:{port}/telegram"
                for _ in range(200):
                    async with http.post(url, data=b"[]", headers={SECRET_HEADER: SECRET}) as r:
                        statuses.append(r.status)
            records = list(caplog.records)
        reply = await send(api, "/start")
        assert "Welkom" in (reply.plain_text or "")
    assert all(400 <= status < 500 for status in statuses), statuses
    assert not [r for r in records if r.exc_info or r.levelno >= logging.ERROR]
    # The access log has its one line per request, as for any request.
    lines = [r.getMessage() for r in records if r.name != "aiohttp.access"]
    assert len(lines) <= 2 and all(len(line) < 200 for line in lines), lines


def test_not_updates_are_json_or_plainly_not() -> None:
    """The list above holds what it says (the deep ones make ``json`` recurse too deep)."""
    with pytest.raises(RecursionError):
        json.loads(NOT_UPDATES[9])
