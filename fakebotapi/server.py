"""The fake Bot API server: HTTP on 127.0.0.1, routing each call to its method, recording it."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self

from aiohttp import web

from fakebotapi.constants import BOT_FIRST_NAME, BOT_USER_ID, BOT_USERNAME, DEFAULT_TOKEN, JSONDict
from fakebotapi.controls import Controls
from fakebotapi.errors import ApiError
from fakebotapi.methods import METHODS
from fakebotapi.params import read_params
from fakebotapi.records import RecordedCall
from fakebotapi.state import Method

if TYPE_CHECKING:  # telegram is imported lazily, see FakeBotAPI.make_bot
    from telegram import Bot
    from telegram.ext import ApplicationBuilder
    from telegram.request import HTTPXRequest

_LOGGER = logging.getLogger(__name__)


class FakeBotAPI(Controls):
    """The fake Bot API server. See the module docstring for an overview."""

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        *,
        bot_first_name: str = BOT_FIRST_NAME,
        bot_username: str = BOT_USERNAME,
        webhook_retry_delay: float = 0.2,
        webhook_timeout: float = 5.0,
        strict_html: bool = True,
        host: str = "127.0.0.1",
    ) -> None:
        prefix = token.split(":", 1)[0]
        self._token = token
        super().__init__(
            bot_id=int(prefix) if prefix.isdigit() else BOT_USER_ID,
            bot_first_name=bot_first_name,
            bot_username=bot_username,
            webhook_retry_delay=webhook_retry_delay,
            webhook_timeout=webhook_timeout,
            strict_html=strict_html,
        )
        self._host = host
        self._port: int | None = None
        self._runner: web.AppRunner | None = None

    # ---------------------------------------------------------------- lifecycle and addresses

    async def start(self) -> None:
        """Start listening on an ephemeral port of ``host``."""
        if self._runner is not None:
            raise RuntimeError("FakeBotAPI is already running")
        app = web.Application()
        app.router.add_route("GET", "/bot{token}/{method}", self._handle_api)
        app.router.add_route("POST", "/bot{token}/{method}", self._handle_api)
        app.router.add_route("GET", "/file/bot{token}/{file_path:.+}", self._handle_file)
        app.router.add_route("*", "/{tail:.*}", self._handle_not_found)
        self.closing.clear()
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await runner.setup()
        site = web.TCPSite(runner, self._host, 0)
        try:
            await site.start()
        except BaseException:
            await runner.cleanup()
            raise
        self._runner = runner
        self._port = site.port

    async def stop(self) -> None:
        """Stop the server: end long polls, stop webhook delivery, close connections."""
        self.closing.set()
        self.updates_signal.notify()
        self.changed.notify()
        await self.stop_webhook_worker()
        if self._runner is not None:
            runner, self._runner = self._runner, None
            await runner.cleanup()

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.stop()

    @property
    def token(self) -> str:
        return self._token

    @property
    def port(self) -> int:
        if self._port is None:
            raise RuntimeError("FakeBotAPI is not started")
        return self._port

    @property
    def root_url(self) -> str:
        """``http://127.0.0.1:PORT``."""
        return f"http://{self._host}:{self.port}"

    @property
    def base_url(self) -> str:
        """For ``ApplicationBuilder().base_url(...)`` / ``Bot(base_url=...)``: PTB appends
        the token."""
        return f"{self.root_url}/bot"

    @property
    def base_file_url(self) -> str:
        """For ``ApplicationBuilder().base_file_url(...)`` (file downloads after getFile)."""
        return f"{self.root_url}/file/bot"

    def method_url(self, method: str) -> str:
        """Full URL of one method, for raw HTTP tests."""
        return f"{self.base_url}{self._token}/{method}"

    # ----------------------------------------------------------- ready-made PTB clients

    def httpx_request(self, **kwargs: Any) -> HTTPXRequest:
        """A PTB ``HTTPXRequest`` suited to the local fake server.

        It ignores proxy environment variables (``trust_env=False``) and skips loading the CA
        bundle (``verify=False``; that alone costs ~50 ms per client). Keyword arguments go to
        ``HTTPXRequest``; ``httpx_kwargs`` entries are merged.
        """
        from telegram.request import HTTPXRequest  # lazy: importable without telegram

        httpx_kwargs = {"verify": False, "trust_env": False, **kwargs.pop("httpx_kwargs", {})}
        return HTTPXRequest(httpx_kwargs=httpx_kwargs, **kwargs)

    def make_bot(self, **kwargs: Any) -> Bot:
        """A ``telegram.Bot`` talking to this server (use ``async with`` or initialize it).

        Set the environment variable ``PTB_TIMEDELTA=1`` before telegram is first imported,
        otherwise every ``RetryAfter`` emits a deprecation warning.
        """
        from telegram import Bot

        kwargs.setdefault("request", self.httpx_request())
        kwargs.setdefault("get_updates_request", self.httpx_request())
        return Bot(self._token, base_url=self.base_url, base_file_url=self.base_file_url, **kwargs)

    def application_builder(self) -> ApplicationBuilder[Any, Any, Any, Any, Any, Any]:
        """``ApplicationBuilder`` with token, base URLs and requests set for this server."""
        from telegram.ext import ApplicationBuilder

        return (
            ApplicationBuilder()
            .token(self._token)
            .base_url(self.base_url)
            .base_file_url(self.base_file_url)
            .request(self.httpx_request())
            .get_updates_request(self.httpx_request())
        )

    # -------------------------------------------------------------------------- HTTP handling

    async def _handle_not_found(self, request: web.Request) -> web.Response:
        return web.json_response(ApiError(404, "Not Found").body(), status=404)

    async def _handle_file(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self._token:
            return web.json_response(ApiError(401, "Unauthorized").body(), status=401)
        file_path = request.match_info["file_path"]
        for stored in self.files.values():
            if stored.file_path == file_path and stored.data is not None:
                return web.Response(
                    body=stored.data, content_type=stored.mime_type or "application/octet-stream"
                )
        return web.json_response(ApiError(404, "Not Found").body(), status=404)

    async def _handle_api(self, request: web.Request) -> web.Response:
        started = time.monotonic()
        requested = request.match_info["method"]
        entry = METHODS.get(requested.lower())
        call = RecordedCall(
            method=entry[0] if entry else requested,
            params={},
            time=started,
            http_method=request.method,
        )
        long_poll = call.method == "getUpdates"
        if not long_poll:
            self.in_flight += 1
            self.touch()
        try:
            status, body = await self._process(request, call, entry)
        finally:
            if not long_poll:
                self.in_flight -= 1
        call.status = status
        call.response = body
        call.duration = time.monotonic() - started
        if status == 200 and self._take_drop(call.method) and request.transport is not None:
            request.transport.abort()  # performed; the answer is lost with the connection
        call.abandoned = (
            call.abandoned or request.transport is None or request.transport.is_closing()
        )
        self._record(call)
        return web.json_response(body, status=status)

    async def _process(
        self, request: web.Request, call: RecordedCall, entry: tuple[str, Method] | None
    ) -> tuple[int, JSONDict]:
        try:
            if request.match_info["token"] != self._token:
                raise ApiError(401, "Unauthorized")
            if entry is None:
                raise ApiError(404, "Not Found")
            params = await read_params(request)
            call.params = params.values
            call.files = params.files
            await self._apply_delay(call.method)
            self._apply_fault(call.method, params.values.get("chat_id"))
            result = await entry[1](self, params)
        except ApiError as exc:
            return exc.status, exc.body()
        except ConnectionResetError:
            # The client went away while we read its request (a bot stopping mid-poll):
            # nobody to answer, and no fault of the server.
            call.abandoned = True
            return 499, ApiError(499, "Client Closed Request").body()
        except Exception as exc:
            _LOGGER.exception("FakeBotAPI failed on %s", call.method)
            self.internal_errors.append(exc)
            return 500, ApiError(500, "Internal Server Error").body()
        return 200, {"ok": True, "result": result}

    def _record(self, call: RecordedCall) -> None:
        self.calls.append(call)
        self.stats.calls[call.method] += 1
        if call.abandoned:
            self.stats.abandoned += 1
        else:
            self.stats.statuses[call.status] += 1
            if call.status != 200:
                self.stats.errors[call.method] += 1
        if call.method != "getUpdates" or call.result:
            self.touch()
        else:
            self.changed.notify()

    async def _apply_delay(self, method: str) -> None:
        for key in (method.lower(), "*"):
            queue = self.delays.get(key)
            if queue:
                seconds = queue.popleft()
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(seconds):
                        await self.closing.wait()
                return

    def _take_drop(self, method: str) -> bool:
        for key in (method.lower(), "*"):
            if self.drops.get(key):
                self.drops[key] -= 1
                return True
        return False

    def _apply_fault(self, method: str, chat_id: object = None) -> None:
        schedule = None
        if isinstance(chat_id, str | int) and str(chat_id).lstrip("-").isdecimal():
            schedule = self.chat_faults.get((int(chat_id), method.lower()))
        if schedule:
            planned = schedule.popleft()
            if planned is not None:
                raise ApiError(planned.status, planned.description)
        for key in (method.lower(), "*"):
            queue = self.faults.get(key)
            if queue:
                fault = queue.popleft()
                parameters = {"retry_after": fault.retry_after} if fault.retry_after else None
                raise ApiError(fault.status, fault.description, parameters)
