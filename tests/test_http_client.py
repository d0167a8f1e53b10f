"""The bot's Bot API client (bot/telegram/http.py) against real servers on loopback: a raw
asyncio server that answers as each test scripts it, aiohttp's server reading a
multipart upload back, and the fake Bot API through python-telegram-bot's ``Bot``."""

from __future__ import annotations

import asyncio
import socket
import ssl
import subprocess
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from aiohttp import web
from telegram import Bot
from telegram.error import NetworkError, RetryAfter, TimedOut

from bot.telegram.http import H11Request
from fakebotapi import FakeBotAPI


@dataclass
class Received:
    method: str
    target: str
    headers: dict[str, str]
    body: bytes


Answer = Callable[[int, Received], Awaitable[list[bytes] | None]]
"""What the server writes for its n-th request (pieces, written apart), or ``None``: it
closes the connection without answering."""


@dataclass
class RawServer:
    """Counts connections and requests; closes a connection after its answer when
    ``close_after`` says so, and notes when a client closed one."""

    answer: Answer
    close_after: bool = False
    connections: int = 0
    requests: list[Received] = field(default_factory=list)
    client_closed: int = 0
    port: int = 0

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            while True:
                try:
                    head = await reader.readuntil(b"\r\n\r\n")
                except asyncio.IncompleteReadError:
                    self.client_closed += 1
                    return
                lines = head.decode().split("\r\n")
                method, target, _ = lines[0].split(" ")
                headers = dict(line.split(": ", 1) for line in lines[1:] if line)
                lowered = {name.lower(): value for name, value in headers.items()}
                body = await reader.readexactly(int(lowered.get("content-length", "0")))
                received = Received(method, target, lowered, body)
                self.requests.append(received)
                pieces = await self.answer(len(self.requests), received)
                if pieces is None:
                    return
                for piece in pieces:
                    writer.write(piece)
                    await writer.drain()
                    await asyncio.sleep(0.01)
                if self.close_after:
                    return
        finally:
            writer.close()

    @asynccontextmanager
    async def running(self) -> AsyncIterator[str]:
        server = await asyncio.start_server(self.handle, "127.0.0.1", 0)
        self.port = server.sockets[0].getsockname()[1]
        async with server:
            yield f"http://127.0.0.1:{self.port}"


def response(body: bytes, status: str = "200 OK", extra: bytes = b"") -> bytes:
    head = f"HTTP/1.1 {status}\r\nContent-Type: application/json\r\n".encode()
    return head + extra + b"Content-Length: %d\r\n\r\n" % len(body) + body


async def ok(n: int, received: Received) -> list[bytes]:
    return [response(b'{"ok":true,"result":%d}' % n)]


@asynccontextmanager
async def client(**options: float) -> AsyncIterator[H11Request]:
    request = H11Request(**options)  # type: ignore[arg-type]
    await request.initialize()
    try:
        yield request
    finally:
        await request.shutdown()


async def test_calls_to_one_server_reuse_one_kept_alive_connection() -> None:
    server = RawServer(ok)
    async with server.running() as url, client() as request:
        results = [await request.do_request(f"{url}/botT/getMe", "POST") for _ in range(3)]
    assert results == [(200, b'{"ok":true,"result":%d}' % n) for n in (1, 2, 3)]
    assert server.connections == 1
    assert server.requests[0].headers["host"] == f"127.0.0.1:{server.port}"


async def test_a_chunked_response_arrives_whole() -> None:
    async def chunked(n: int, received: Received) -> list[bytes]:
        head = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
        return [head, b'5\r\n{"ok"\r\n', b'd\r\n:true,"a":"b"\r\n', b"1\r\n}\r\n0\r\n\r\n"]

    server = RawServer(chunked)
    async with server.running() as url, client() as request:
        first = await request.do_request(f"{url}/botT/getMe", "POST")
        second = await request.do_request(f"{url}/botT/getMe", "POST")
    assert first == second == (200, b'{"ok":true,"a":"b"}')
    assert server.connections == 1


async def test_a_content_length_response_written_in_pieces_arrives_whole() -> None:
    body = "é".encode() * 40_000

    async def pieces(n: int, received: Received) -> list[bytes]:
        whole = response(body)
        return [whole[:30], whole[30:50_000], whole[50_000:]]

    server = RawServer(pieces)
    async with server.running() as url, client() as request:
        assert await request.do_request(f"{url}/botT/getMe", "POST") == (200, body)


async def test_a_connection_the_server_closed_while_idle_is_replaced_and_nothing_sent_twice() -> (
    None
):
    server = RawServer(ok, close_after=True)
    async with server.running() as url, client() as request:
        await request.do_request(f"{url}/botT/sendMessage", "POST")
        await asyncio.sleep(0.1)  # the server has closed it by now
        status, body = await request.do_request(f"{url}/botT/sendMessage", "POST")
    assert (status, body) == (200, b'{"ok":true,"result":2}')
    assert len(server.requests) == 2 and server.connections == 2


async def test_a_response_saying_connection_close_is_not_reused() -> None:
    async def closing(n: int, received: Received) -> list[bytes]:
        return [response(b"{}", extra=b"Connection: close\r\n")]

    server = RawServer(closing)
    async with server.running() as url, client() as request:
        for _ in range(2):
            await request.do_request(f"{url}/botT/getMe", "POST")
    assert server.connections == 2


async def unanswered_second(n: int, received: Received) -> list[bytes] | None:
    return None if n == 2 else await ok(n, received)


async def test_a_post_dropped_unanswered_on_a_kept_connection_is_not_sent_again() -> None:
    """It may have reached Telegram: a second copy is the caller's choice, not the client's."""
    server = RawServer(unanswered_second)
    async with server.running() as url, client() as request:
        await request.do_request(f"{url}/botT/sendMessage", "POST")
        with pytest.raises(NetworkError, match="without sending a response") as caught:
            await request.do_request(f"{url}/botT/sendMessage", "POST")
        assert not isinstance(caught.value, TimedOut)
        assert await request.do_request(f"{url}/botT/getMe", "POST") == (
            200,
            b'{"ok":true,"result":3}',
        )
    assert len(server.requests) == 3


async def test_a_get_dropped_unanswered_on_a_kept_connection_is_sent_once_more() -> None:
    server = RawServer(unanswered_second)
    async with server.running() as url, client() as request:
        await request.do_request(f"{url}/botT/getMe", "GET")
        assert await request.do_request(f"{url}/botT/getMe", "GET") == (
            200,
            b'{"ok":true,"result":3}',
        )
    assert len(server.requests) == 3 and server.connections == 2


async def never(n: int, received: Received) -> list[bytes]:
    await asyncio.sleep(30)
    return []


async def test_no_answer_within_the_read_timeout_is_timed_out() -> None:
    server = RawServer(never)
    async with server.running() as url, client(read_timeout=0.2) as request:
        with pytest.raises(TimedOut):
            await request.do_request(f"{url}/botT/sendMessage", "POST")
        with pytest.raises(TimedOut):
            await request.do_request(f"{url}/botT/sendMessage", "POST", read_timeout=0.1)
    assert len(server.requests) == 2 and server.connections == 2


async def test_a_full_pool_times_out_without_sending() -> None:
    server = RawServer(never)
    async with server.running() as url, client(connection_pool_size=1) as request:
        hanging = asyncio.create_task(request.do_request(f"{url}/botT/getUpdates", "POST"))
        await asyncio.sleep(0.1)
        with pytest.raises(TimedOut, match="Pool timeout"):
            await request.do_request(f"{url}/botT/sendMessage", "POST", pool_timeout=0.2)
        hanging.cancel()
        with pytest.raises(asyncio.CancelledError):
            await hanging
    assert [received.target for received in server.requests] == ["/botT/getUpdates"]


async def test_a_refused_connection_is_a_network_error() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    async with client() as request:
        with pytest.raises(NetworkError) as caught:
            await request.do_request(f"http://127.0.0.1:{port}/botT/getMe", "POST")
    assert not isinstance(caught.value, TimedOut)


async def test_429_and_5xx_come_back_with_their_status_and_body_for_ptb_to_map() -> None:
    too_many = b'{"ok":false,"error_code":429,"description":"Too Many Requests: retry after 3",'
    too_many += b'"parameters":{"retry_after":3}}'

    async def errors(n: int, received: Received) -> list[bytes]:
        if n % 2:
            return [response(too_many, "429 Too Many Requests")]
        return [response(b"Bad Gateway", "502 Bad Gateway")]

    server = RawServer(errors)
    async with server.running() as url, client() as request:
        assert await request.do_request(f"{url}/botT/sendMessage", "POST") == (429, too_many)
        assert await request.do_request(f"{url}/botT/sendMessage", "POST") == (502, b"Bad Gateway")
        with pytest.raises(RetryAfter):
            await request.post(f"{url}/botT/sendMessage")
        with pytest.raises(NetworkError, match="Bad Gateway"):
            await request.post(f"{url}/botT/sendMessage")
    assert server.connections == 1


async def test_shutdown_closes_every_connection_and_the_client_is_then_unusable() -> None:
    server = RawServer(ok)
    async with server.running() as url:
        request = H11Request()
        await request.initialize()
        await request.do_request(f"{url}/botT/getMe", "POST")
        await request.shutdown()
        await asyncio.sleep(0.05)
        assert server.client_closed == 1
        with pytest.raises(RuntimeError, match="not initialized"):
            await request.do_request(f"{url}/botT/getMe", "POST")
        await request.initialize()
        assert (await request.do_request(f"{url}/botT/getMe", "POST"))[0] == 200
        await request.shutdown()


async def test_a_file_goes_as_multipart_and_the_server_reads_it_back() -> None:
    seen: dict[str, object] = {}

    async def upload(http: web.Request) -> web.Response:
        form = await http.post()
        document = form["document"]
        assert isinstance(document, web.FileField)
        seen.update(
            chat_id=form["chat_id"],
            caption=form["caption"],
            filename=document.filename,
            content_type=document.content_type,
            data=document.file.read(),
        )
        message = {"message_id": 1, "date": 0, "chat": {"id": 7, "type": "private"}}
        return web.json_response({"ok": True, "result": message})

    app = web.Application()
    app.router.add_post("/botT/sendDocument", upload)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    pdf = b"%PDF-1.4\r\n--not-a-boundary\r\n" + bytes(range(256)) * 100
    try:
        async with client() as request:
            bot = Bot("T", base_url=f"http://127.0.0.1:{port}/bot", request=request)
            name = "Overzicht één.pdf"
            sent = await bot.send_document(7, pdf, filename=name, caption="Uw overzicht ✓")
    finally:
        await runner.cleanup()
    assert sent.message_id == 1
    assert seen == {
        "chat_id": "7",
        "caption": "Uw overzicht ✓",
        "filename": "Overzicht één.pdf",
        "content_type": "application/pdf",
        "data": pdf,
    }


async def test_4096_characters_with_emoji_and_the_handout_reach_the_fake_bot_api_intact() -> None:
    text = ("Uw netwerk 🤝 één regie: " * 200)[:4095] + "✓"
    assert len(text) == 4096
    async with FakeBotAPI() as api, client() as request:
        api.add_user(7)
        bot = Bot(api.token, base_url=f"{api.root_url}/bot", request=request)
        await bot.send_message(7, text)
        await bot.send_document(7, b"%PDF-1.4 handout", filename="overzicht.pdf")
    messages = api.sent_to(7)
    assert messages[0].text == text
    assert messages[1].file is not None
    assert api.calls_to("sendDocument")[0].files["document"].data == b"%PDF-1.4 handout"


@pytest.fixture
def certificate(tmp_path: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 and its key (openssl, as on any server)."""
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    new = ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"]
    subject = ["-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"]
    subprocess.run(
        ["openssl", *new, *subject, "-keyout", str(key), "-out", str(cert)],
        check=True,
        capture_output=True,
    )
    return cert, key


async def test_https_checks_the_certificate_and_speaks_tls(
    certificate: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    cert, key = certificate
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    received = RawServer(ok)
    server = await asyncio.start_server(received.handle, "127.0.0.1", 0, ssl=context)
    url = f"https://127.0.0.1:{server.sockets[0].getsockname()[1]}/botT/getMe"
    async with server:
        async with client() as request:
            with pytest.raises(NetworkError, match="CERTIFICATE_VERIFY_FAILED"):
                await request.do_request(url, "POST")
        trusting = ssl.create_default_context(cafile=cert)
        monkeypatch.setattr("bot.telegram.http.tls_context", lambda: trusting)
        async with client() as request:
            assert await request.do_request(url, "POST") == (200, b'{"ok":true,"result":1}')
            assert await request.do_request(url, "POST") == (200, b'{"ok":true,"result":2}')
    assert received.connections == 1


def answer_once_per_connection(listener: socket.socket, seen: list[bytes]) -> None:
    """A blocking server (a thread, apart from the event loop): each connection gets one
    answer, then the server closes it."""
    while True:
        try:
            connection, _ = listener.accept()
        except OSError:
            return
        with connection:
            request = b""
            while b"\r\n\r\n" not in request:
                request += connection.recv(4096)
            seen.append(request)
            connection.sendall(response(b'{"ok":true,"result":%d}' % len(seen)))


async def test_a_close_the_event_loop_has_not_read_yet_is_seen_before_sending() -> None:
    seen: list[bytes] = []
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        url = f"http://127.0.0.1:{listener.getsockname()[1]}/botT/sendMessage"
        thread = threading.Thread(target=answer_once_per_connection, args=(listener, seen))
        thread.start()
        try:
            async with client() as request:
                await request.do_request(url, "POST")
                # Blocking on purpose: the server's close stays unread in the socket.
                time.sleep(0.2)  # noqa: ASYNC251
                assert await request.do_request(url, "POST") == (200, b'{"ok":true,"result":2}')
        finally:
            listener.shutdown(socket.SHUT_RDWR)
            thread.join()
    assert len(seen) == 2
