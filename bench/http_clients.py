"""Bot API clients side by side: CPU per call and memory of aiohttp's, ours (h11) and
PTB's default (httpx), and the bot's memory after a restart.

The fake Bot API runs in a process of its own (``serve``); each round starts one process
per client (``calls <client>``), which imports python-telegram-bot and the client, makes
``WARMUP`` calls, then ``CALLS`` ``sendMessage`` calls with a keyboard, ``IN_FLIGHT`` at a
time as the bot makes them, and reports its own CPU time over those calls and its
resident memory after ``import telegram``, after the client's import and first call, and
at the end. Rounds interleave the three clients (``ROUNDS`` each); medians are reported.

The bot's memory: our bot (``python -m bot run``, polling) started twice on one database, the
second start being a restart as in over_http's memory row; its resident memory once it
answered a /start. ``python -m bench.http_clients restart /other/checkout`` measures that
checkout's bot the same way (its own venv), to compare two versions in one run.

:class:`AiohttpRequest` is the client the bot used until it moved to h11, kept here as the
baseline.
"""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.procs import ROOT, rss_mb
from bench.report import Figure, table

CLIENTS = ("aiohttp", "h11", "httpx")
ROUNDS = 5
WARMUP = 200
CALLS = 2000
IN_FLIGHT = 8
CHAT = 7


def make_aiohttp_request() -> Any:
    """The bot's former client: PTB's BaseRequest on one aiohttp ``ClientSession``."""
    import aiohttp
    from telegram._utils.defaultvalue import DefaultValue
    from telegram.request import BaseRequest, RequestData

    class AiohttpRequest(BaseRequest):
        def __init__(self) -> None:
            self._session: aiohttp.ClientSession | None = None

        @property
        def read_timeout(self) -> float | None:
            return 5.0

        async def initialize(self) -> None:
            if self._session is None:
                self._session = aiohttp.ClientSession(
                    connector=aiohttp.TCPConnector(limit=256),
                    headers={"User-Agent": self.USER_AGENT},
                )

        async def shutdown(self) -> None:
            if self._session is not None:
                await self._session.close()

        async def do_request(
            self,
            url: str,
            method: str,
            request_data: RequestData | None = None,
            read_timeout: Any = BaseRequest.DEFAULT_NONE,
            write_timeout: Any = BaseRequest.DEFAULT_NONE,
            connect_timeout: Any = BaseRequest.DEFAULT_NONE,
            pool_timeout: Any = BaseRequest.DEFAULT_NONE,
        ) -> tuple[int, bytes]:
            assert self._session is not None
            read = 5.0 if isinstance(read_timeout, DefaultValue) else read_timeout
            timeout = aiohttp.ClientTimeout(connect=6.0, sock_connect=5.0, sock_read=read)
            data = request_data.json_parameters if request_data else None
            async with self._session.request(method, url, data=data, timeout=timeout) as resp:
                return resp.status, await resp.read()

    return AiohttpRequest()


def make_request(client: str) -> Any:
    if client == "aiohttp":
        return make_aiohttp_request()
    if client == "h11":
        from bot.telegram.http import H11Request

        return H11Request()
    from telegram.request import HTTPXRequest

    return HTTPXRequest(connection_pool_size=256)


async def calls(client: str, url: str, token: str) -> dict[str, float]:
    """One round of one client, in this process: see the module's docstring."""
    import telegram

    after_telegram = rss_mb(os.getpid())
    from telegram import InlineKeyboardButton, InlineKeyboardMarkup

    request = make_request(client)
    bot = telegram.Bot(token, base_url=f"{url}/bot", request=request)
    keyboard = InlineKeyboardMarkup(
        [[InlineKeyboardButton(f"Antwoord {n}", callback_data=f"1:q:{n}")] for n in range(3)]
    )

    async def send(count: int) -> None:
        for n in range(count):
            await bot.send_message(
                CHAT, f"Vraag {n} van 9: hoe groot is het netwerk?", reply_markup=keyboard
            )

    async with bot:
        await send(1)
        after_client = rss_mb(os.getpid())
        await asyncio.gather(*(send(WARMUP // IN_FLIGHT) for _ in range(IN_FLIGHT)))
        cpu, wall = time.process_time(), time.perf_counter()
        await asyncio.gather(*(send(CALLS // IN_FLIGHT) for _ in range(IN_FLIGHT)))
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    return {
        "cpu_us": cpu / CALLS * 1e6,
        "wall_us": wall / CALLS * 1e6,
        "rss_telegram": after_telegram,
        "rss_client": after_client,
        "rss_end": rss_mb(os.getpid()),
    }


async def serve() -> None:
    """The fake Bot API until stdin closes; prints its root URL and token as one JSON line."""
    from fakebotapi import FakeBotAPI

    async with FakeBotAPI() as api:
        api.add_user(CHAT)
        print(json.dumps({"url": api.root_url, "token": api.token}), flush=True)
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)


async def child(*args: str, python: str = sys.executable, cwd: Path = ROOT) -> Any:
    process = await asyncio.create_subprocess_exec(
        python, "-m", "bench.http_clients", *args, cwd=cwd, stdout=asyncio.subprocess.PIPE
    )
    out, _ = await process.communicate()
    assert process.returncode == 0, f"bench.http_clients {args[0]} failed"
    return json.loads(out)


async def restart_rss(python: str, cwd: Path) -> dict[str, float]:
    """Our bot's memory after its first start and after a restart (see the docstring)."""
    from bench.bench_api import BenchAPI

    rss: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        env = {
            **os.environ,
            "DATABASE_URL": f"sqlite:///{tmp}/bench.sqlite3",
            "XDG_CACHE_HOME": f"{tmp}/cache",
            "LOG_LEVEL": "WARNING",
            "PTB_TIMEDELTA": "1",
        }
        env.pop("WEBHOOK_URL", None)
        async with BenchAPI() as api:
            env |= {"BOT_TOKEN": api.token, "BOT_API_URL": api.root_url}
            for start in ("first start", "restart"):
                bot = await asyncio.create_subprocess_exec(
                    python, "-m", "bot", "run", cwd=cwd, env=env, stdin=asyncio.subprocess.DEVNULL
                )
                user = api.new_user()
                api.user_sends(user, "/start")
                await api.reply(user, 0)
                await asyncio.sleep(1.0)  # its polling settled
                rss[start] = rss_mb(bot.pid)
                bot.terminate()
                await bot.wait()
    return rss


async def compare() -> dict[str, Any]:
    server = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bench.http_clients",
        "serve",
        cwd=ROOT,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
    )
    assert server.stdout is not None and server.stdin is not None
    fake = json.loads(await server.stdout.readline())
    rounds: dict[str, list[dict[str, float]]] = {client: [] for client in CLIENTS}
    try:
        for n in range(1, ROUNDS + 1):
            for client in CLIENTS:
                rounds[client].append(await child("calls", client, fake["url"], fake["token"]))
            line = ", ".join(f"{c} {rounds[c][-1]['cpu_us']:.0f} µs" for c in CLIENTS)
            print(f"  round {n}: CPU per call {line}", file=sys.stderr, flush=True)
    finally:
        server.stdin.close()
        await server.wait()
    return {
        client: {key: statistics.median(r[key] for r in measured) for key in measured[0]}
        for client, measured in rounds.items()
    }


def figures(medians: dict[str, Any], rss: dict[str, float]) -> list[Figure]:
    """The table's rows: CPU per call and memory of ours beside the other two."""
    ours, aio, httpx = (medians[c] for c in ("h11", "aiohttp", "httpx"))
    rounds = f"{ROUNDS} rounds of {CALLS} sendMessage calls each, {IN_FLIGHT} in flight"
    return [
        Figure(
            "Bot API call CPU, our client (h11, median)",
            ours["cpu_us"],
            "µs",
            None,
            f"aiohttp's client {aio['cpu_us']:.0f} µs (ours ÷ aiohttp "
            f"{ours['cpu_us'] / aio['cpu_us']:.0%}), httpx {httpx['cpu_us']:.0f} µs; {rounds}, "
            "clients interleaved, fake Bot API in a process of its own",
        ),
        Figure(
            "memory of a PTB process with our client",
            ours["rss_client"],
            "MB",
            None,
            f"with aiohttp's {aio['rss_client']:.1f} MB, httpx's {httpx['rss_client']:.1f} MB, "
            f"PTB alone {ours['rss_telegram']:.1f} MB; the bot after a restart "
            f"{rss['restart']:.1f} MB (first start {rss['first start']:.1f} MB)",
        ),
    ]


async def clients_and_restart() -> list[Figure]:
    return figures(await compare(), await restart_rss(sys.executable, ROOT))


def run_all() -> list[Figure]:
    return asyncio.run(clients_and_restart())


async def measure_restarts(root: Path, python: str) -> None:
    rss = await restart_rss(python, root)
    print(f"{root}: " + "; ".join(f"{start} {value:.1f} MB" for start, value in rss.items()))


def main(args: list[str]) -> None:
    match args:
        case ["serve"]:
            asyncio.run(serve())
        case ["calls", client, url, token]:
            print(json.dumps(asyncio.run(calls(client, url, token))))
        case ["restart", checkout]:
            root = Path(checkout).resolve()
            asyncio.run(measure_restarts(root, str(root / ".venv/bin/python")))
        case _:
            print(table(run_all()))


if __name__ == "__main__":
    main(sys.argv[1:])
