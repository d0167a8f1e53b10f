"""python-telegram-bot's requests over asyncio streams and h11, with keep-alive.

PTB's default httpx client costs over twice the CPU per Bot API call of aiohttp's, and
aiohttp's client, once imported, about 9 MB of memory the bot keeps (bench/http_clients.py
measures the three side by side). This one is asyncio's streams plus h11, the pure-Python
HTTP/1.1 state machine (framing, chunked bodies, keep-alive) that httpx, which PTB
imports anyway, already loads; per call it costs about what aiohttp's client does.

Behaviour follows PTB's own client: the same default timeouts (read, write and connect
5 s, pool 1 s, 20 s to write a file), a timeout becomes ``TimedOut`` and a failed
connection ``NetworkError``; TLS checks certificates against certifi's bundle when it is
installed (as httpx does), else the system's. Parameters go as one JSON object
(:attr:`RequestData.json_payload`), files as multipart/form-data. Unlike httpx it reads
no proxy settings from the environment.

A request is sent again, once and on a fresh connection, only when the kept-alive
connection it took turned out closed before anything was written, or when the method is
safe (GET): a POST that may have reached Telegram is never sent twice by this client. Nor
by its callers: a connection lost after a POST was written is :class:`MaybeDelivered`,
which, like a timeout, no caller sends again (:func:`perhaps_delivered`); a failed
connect, or a connection found closed before writing, is a plain ``NetworkError``, which
callers may retry (nothing reached Telegram).
"""

from __future__ import annotations

import asyncio
import secrets
import select
import ssl
import time
from collections.abc import Iterator
from typing import NamedTuple
from urllib.parse import urlsplit

import h11
from telegram._utils.defaultvalue import DefaultValue
from telegram._utils.types import ODVInput
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

KEEPALIVE_EXPIRY = 15.0
"""Seconds a connection may sit idle before it is closed rather than reused (aiohttp's
default, which the bot used before): an older one is likelier to be closed by the server
just as a request goes out."""
READ_SIZE = 65536
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CLOSE_TIMEOUT = 1.0
"""How long shutdown waits for a connection (TLS: its close_notify) before aborting it."""


class Origin(NamedTuple):
    scheme: str
    host: str
    port: int


class NotSent(Exception):
    """A kept-alive connection was found closed before any byte of the request went out."""


class Dropped(Exception):
    """The connection failed after the request was (perhaps partly) written."""


class MaybeDelivered(NetworkError):
    """The connection was lost after a POST was written (all or part of it), before its
    answer: Telegram may have acted on it (the message sent). A ``NetworkError``, so that
    code that knows nothing of it still handles it; code that sends again must not."""


def perhaps_delivered(error: Exception) -> bool:
    """Whether Telegram may have carried out the failed request: no answer in time
    (``TimedOut``) or the connection lost after it was written (:class:`MaybeDelivered`).
    Sending it again risks a second copy, which is worse for a user than a rare missing
    one: replies are not retried (:func:`bot.telegram.send.with_retry`), and the outbox
    counts the row as sent (:mod:`bot.telegram.outbox_sender`)."""
    return isinstance(error, TimedOut | MaybeDelivered)


def split_url(url: str) -> tuple[Origin, str]:
    """The origin of ``url`` and the request target (path and query) to send to it."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise NetworkError(f"Unsupported URL for Bot API requests: {parts.scheme}://…")
    port = parts.port or (443 if parts.scheme == "https" else 80)
    target = parts.path or "/"
    if parts.query:
        target = f"{target}?{parts.query}"
    return Origin(parts.scheme, parts.hostname, port), target


def tls_context() -> ssl.SSLContext:
    """Certificates checked against certifi's bundle if installed, as httpx does."""
    try:
        import certifi
    except ImportError:
        return ssl.create_default_context()
    return ssl.create_default_context(cafile=certifi.where())


def quoted(value: str) -> bytes:
    """A multipart parameter value in quotes, as browsers (and httpx) escape it."""
    escaped = value.replace('"', "%22").replace("\r", "%0D").replace("\n", "%0A")
    return f'"{escaped}"'.encode()


def multipart_body(request_data: RequestData) -> tuple[bytes, bytes]:
    """The content type (with its boundary) and the body of a request that carries files."""
    boundary = secrets.token_hex(16).encode()
    parts: list[bytes] = []
    for name, value in request_data.json_parameters.items():
        parts += [b"--", boundary, b"\r\nContent-Disposition: form-data; name=", quoted(name)]
        parts += [b"\r\n\r\n", value.encode(), b"\r\n"]
    for name, (filename, content, mime_type) in request_data.multipart_data.items():
        data = content if isinstance(content, bytes) else content.read()
        parts += [b"--", boundary, b"\r\nContent-Disposition: form-data; name=", quoted(name)]
        parts += [b"; filename=", quoted(filename), b"\r\nContent-Type: ", mime_type.encode()]
        parts += [b"\r\n\r\n", data, b"\r\n"]
    parts += [b"--", boundary, b"--\r\n"]
    return b"multipart/form-data; boundary=" + boundary, b"".join(parts)


def request_body(request_data: RequestData | None) -> tuple[bytes | None, bytes]:
    """The content type (``None`` without parameters) and the body of a request."""
    if request_data is None:
        return None, b""
    if request_data.contains_files:
        return multipart_body(request_data)
    return b"application/json", request_data.json_payload


class Request(NamedTuple):
    method: str
    target: str
    headers: list[tuple[bytes, bytes]]
    body: bytes

    def framed(self, http: h11.Connection) -> bytes:
        """The request's bytes as ``http`` frames them (which then expects its response)."""
        head = http.send(h11.Request(method=self.method, target=self.target, headers=self.headers))
        body = http.send(h11.Data(data=self.body)) if self.body else b""
        return b"".join((head or b"", body or b"", http.send(h11.EndOfMessage()) or b""))


class Connection:
    """One HTTP/1.1 connection: a stream pair and h11's view of it."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer
        self.http = h11.Connection(h11.CLIENT)
        self.idle_since = time.monotonic()
        self.reused = False

    def usable(self, now: float) -> bool:
        """Still open, not too long idle, and nothing arrived while idle (an idle server
        sends nothing but its close, which the event loop may not have read yet)."""
        if now - self.idle_since > KEEPALIVE_EXPIRY or self.writer.is_closing():
            return False
        if self.reader.at_eof() or self.http.our_state is not h11.IDLE:
            return False
        if self.http.trailing_data[0]:
            return False
        sock = self.writer.get_extra_info("socket")
        return sock is None or not readable(sock.fileno())

    async def exchange(
        self, request: Request, write_timeout: float | None, read_timeout: float | None
    ) -> tuple[int, bytes, bool]:
        """Send ``request`` and read the response: status, body, and whether the connection
        can be kept for another request."""
        if self.writer.is_closing() or self.reader.at_eof():
            raise NotSent("Server closed the kept-alive connection")
        try:
            self.writer.write(request.framed(self.http))
            async with asyncio.timeout(write_timeout):
                await self.writer.drain()
            return await self.response(read_timeout)
        except TimeoutError:
            raise
        except (OSError, h11.ProtocolError) as err:
            raise Dropped(f"{type(err).__name__}: {err}") from err

    async def response(self, read_timeout: float | None) -> tuple[int, bytes, bool]:
        status = 0
        chunks: list[bytes] = []
        while True:
            event = self.http.next_event()
            if event is h11.NEED_DATA:
                async with asyncio.timeout(read_timeout):
                    data = await self.reader.read(READ_SIZE)
                if not data and not status:
                    raise Dropped("Server disconnected without sending a response")
                self.http.receive_data(data)
            elif isinstance(event, h11.Response):
                status = event.status_code
            elif isinstance(event, h11.Data):
                chunks.append(bytes(event.data))
            elif isinstance(event, h11.EndOfMessage):
                break
            elif isinstance(event, h11.ConnectionClosed):
                raise Dropped("Server disconnected before the end of its response")
        keep = self.http.our_state is h11.DONE and self.http.their_state is h11.DONE
        if keep:
            self.http.start_next_cycle()
        return status, b"".join(chunks), keep

    def abort(self) -> None:
        self.writer.transport.abort()

    async def close(self) -> None:
        self.writer.close()
        try:
            async with asyncio.timeout(CLOSE_TIMEOUT):
                await self.writer.wait_closed()
        except (OSError, TimeoutError):
            self.abort()


def readable(fileno: int) -> bool:
    """Whether the socket has something to read right now (without waiting). ``poll``, not
    ``select``, which refuses descriptors above 1023."""
    poller = select.poll()
    poller.register(fileno, select.POLLIN)
    return bool(poller.poll(0))


class Pool:
    """Keep-alive connections to one origin: at most ``size`` open, the idle ones reused
    newest first."""

    def __init__(self, origin: Origin, size: int, tls: ssl.SSLContext | None) -> None:
        self.origin = origin
        self.slots = asyncio.Semaphore(size)
        self.idle: list[Connection] = []
        self.busy: set[Connection] = set()
        self.tls = tls
        self.closed = False

    async def acquire(
        self, pool_timeout: float | None, connect_timeout: float | None
    ) -> Connection:
        """A connection of this pool's (kept-alive or new), counted as busy."""
        if self.slots.locked():
            try:
                async with asyncio.timeout(pool_timeout):
                    await self.slots.acquire()
            except TimeoutError as err:
                raise TimedOut(
                    "Pool timeout: all connections in the connection pool are occupied. "
                    "The request was not sent to Telegram."
                ) from err
        else:
            await self.slots.acquire()
        try:
            connection = self.kept_alive() or await self.connect(connect_timeout)
        except BaseException:
            self.slots.release()
            raise
        self.busy.add(connection)
        return connection

    def kept_alive(self) -> Connection | None:
        now = time.monotonic()
        while self.idle and now - self.idle[0].idle_since > KEEPALIVE_EXPIRY:
            self.idle.pop(0).abort()  # the oldest first: no file stays open for long unused
        while self.idle:
            connection = self.idle.pop()
            if connection.usable(now):
                connection.reused = True
                return connection
            connection.abort()
        return None

    async def connect(self, connect_timeout: float | None) -> Connection:
        host, port = self.origin.host, self.origin.port
        try:
            async with asyncio.timeout(connect_timeout):
                reader, writer = await asyncio.open_connection(
                    host, port, ssl=self.tls, server_hostname=host if self.tls else None
                )
        except TimeoutError as err:
            raise TimedOut(f"Connect timeout: {host}:{port}") from err
        except OSError as err:
            raise NetworkError(f"{type(err).__name__}: {err}") from err
        return Connection(reader, writer)

    def release(self, connection: Connection, keep: bool) -> None:
        """Give ``connection`` back: kept for reuse, or closed (a failed or unfinished one)."""
        self.busy.discard(connection)
        self.slots.release()
        if keep and not self.closed:
            connection.idle_since = time.monotonic()
            connection.reused = False
            self.idle.append(connection)
        else:
            connection.abort()

    def connections(self) -> Iterator[Connection]:
        yield from self.idle
        yield from self.busy


class H11Request(BaseRequest):
    """PTB's :class:`~telegram.request.BaseRequest` on asyncio streams and h11, one
    keep-alive :class:`Pool` per origin."""

    def __init__(
        self,
        connection_pool_size: int = 256,
        read_timeout: float | None = 5.0,
        write_timeout: float | None = 5.0,
        connect_timeout: float | None = 5.0,
        pool_timeout: float | None = 1.0,
        media_write_timeout: float | None = 20.0,
    ) -> None:
        self._pool_size = connection_pool_size
        self._read_timeout = read_timeout
        self._write_timeout = write_timeout
        self._connect_timeout = connect_timeout
        self._pool_timeout = pool_timeout
        self._media_write_timeout = media_write_timeout
        self._pools: dict[Origin, Pool] | None = None
        self._tls: ssl.SSLContext | None = None
        self._user_agent = self.USER_AGENT.encode()

    @property
    def read_timeout(self) -> float | None:
        return self._read_timeout

    async def initialize(self) -> None:
        if self._pools is None:
            self._pools = {}

    async def shutdown(self) -> None:
        """Close every connection, idle or in use (a request still running then fails)."""
        pools, self._pools = self._pools, None
        for pool in (pools or {}).values():
            pool.closed = True
            connections = list(pool.connections())
            pool.idle.clear()
            await asyncio.gather(*(connection.close() for connection in connections))

    def pool(self, origin: Origin) -> Pool:
        if self._pools is None:
            raise RuntimeError("This H11Request is not initialized!")
        pool = self._pools.get(origin)
        if pool is None:
            tls = None
            if origin.scheme == "https":
                self._tls = tls = self._tls or tls_context()
            pool = self._pools[origin] = Pool(origin, self._pool_size, tls)
        return pool

    def encode(self, method: str, origin: Origin, target: str, data: RequestData | None) -> Request:
        """The request with its headers (Content-Length: h11 frames the body by it)."""
        content_type, body = request_body(data)
        host = f"[{origin.host}]" if ":" in origin.host else origin.host
        if origin.port != (443 if origin.scheme == "https" else 80):
            host = f"{host}:{origin.port}"
        headers = [(b"Host", host.encode()), (b"User-Agent", self._user_agent)]
        if content_type is not None:
            headers.append((b"Content-Type", content_type))
        if body or method not in SAFE_METHODS:
            headers.append((b"Content-Length", str(len(body)).encode()))
        return Request(method, target, headers, body)

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        write_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        connect_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        pool_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        origin, target = split_url(url)
        pool = self.pool(origin)
        if isinstance(write_timeout, DefaultValue):
            files = request_data is not None and request_data.contains_files
            write_timeout = self._media_write_timeout if files else self._write_timeout
        read = self._read_timeout if isinstance(read_timeout, DefaultValue) else read_timeout
        connect = (
            self._connect_timeout if isinstance(connect_timeout, DefaultValue) else connect_timeout
        )
        wait = self._pool_timeout if isinstance(pool_timeout, DefaultValue) else pool_timeout
        request = self.encode(method, origin, target, request_data)
        for attempt in (1, 2):
            connection = await pool.acquire(wait, connect)
            keep = False
            try:
                status, content, keep = await connection.exchange(request, write_timeout, read)
            except TimeoutError as err:
                raise TimedOut from err
            except (NotSent, Dropped) as err:
                again = isinstance(err, NotSent) or method in SAFE_METHODS
                if attempt == 1 and connection.reused and again:
                    continue
                if isinstance(err, Dropped) and method not in SAFE_METHODS:
                    raise MaybeDelivered(str(err)) from err
                raise NetworkError(str(err)) from err
            finally:
                pool.release(connection, keep)
            return status, content
        raise AssertionError("unreachable")
