"""The bot over HTTP, side by side with a bare PTB echo bot, against the fake Bot API.

Each bot runs as its own process (``python -m bot run`` and :mod:`bench.echo_bot`), the
fake server and the simulated users in this one, all on 127.0.0.1:

* saturation: N users go through full journeys as fast as replies come back;
* latency: a steady, open-loop 50 updates/s; time from update to the first reply call;
* start-up time to the first ``getUpdates``, and resident memory after the run.
"""

from __future__ import annotations

import asyncio
import os
import signal
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from bench.report import Figure
from tests.fakebotapi import FakeBotAPI

ROOT = Path(__file__).resolve().parent.parent
ANSWERS = [
    "1:p:consent:yes",
    "1:size:groot",
    "1:subgroups:veel",
    "1:bestuurlijke_subgroep:informeel",
    "1:mandate:beperkt",
    "1:interests:hoog",
    "1:knelpunt:_skip",
    "1:fase:_skip",
    "1:draagvlak_intern:_skip",
    "1:a:why",
    "1:a:advice",
]
READY_USER = 1
ROUNDS = 3
"""Saturation runs per size; the median is reported."""
STEADY_TEXTS = ["groot", "geen", "beperkt", "hoog", "/advies", "/vraag", "/help", "/start"]


@dataclass
class BotProcess:
    process: asyncio.subprocess.Process
    startup: float

    def cpu_seconds(self) -> float:
        """User plus system CPU time the process has used so far."""
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def rss_mb(self) -> float:
        status = Path(f"/proc/{self.process.pid}/status").read_text()
        kb = next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS"))
        return kb / 1024

    async def stop(self) -> None:
        if self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(self.process.wait(), 15)
            except TimeoutError:
                self.process.kill()
                await self.process.wait()


async def start_process(api: FakeBotAPI, args: list[str], db_dir: str) -> BotProcess:
    env = {
        **os.environ,
        "BOT_TOKEN": api.token,
        "BOT_API_URL": api.root_url,
        "DATABASE_URL": f"sqlite:///{db_dir}/bench.sqlite3",
        "LOG_LEVEL": "WARNING",
        "PTB_TIMEDELTA": "1",
    }
    env.pop("WEBHOOK_URL", None)
    started = time.monotonic()
    process = await asyncio.create_subprocess_exec(
        sys.executable, *args, env=env, cwd=ROOT, stdin=asyncio.subprocess.DEVNULL
    )
    # Ready means answering: the first user's /start is queued before the bot is up.
    api.user_sends(READY_USER, "/start")
    await _reply(api, READY_USER, 0)
    return BotProcess(process, time.monotonic() - started)


def _newest(api: FakeBotAPI, chat: int, after: int) -> int | None:
    """The id of the chat's newest message if the bot sent it after ``after`` (O(1): the
    simulated users' waits must not slow the server down as the chats grow)."""
    state = api.chat(chat)
    newest = state.next_message_id - 1
    message = state.messages.get(newest)
    if newest > after and message is not None and message.from_bot:
        return newest
    return None


async def _reply(api: FakeBotAPI, chat: int, after: int) -> int:
    """Wait for a new bot message in ``chat``; return its id."""
    found: int = await api.wait_for(lambda a: _newest(a, chat, after), timeout=30)
    return found


async def _journey(api: FakeBotAPI, user: int) -> int:
    """/start and every button of the intake and the advice; returns updates sent."""
    api.user_sends(user, "/start")
    last = await _reply(api, user, 0)
    for data in ANSWERS:
        api.user_presses(user, last, data, strict=False)
        last = await _reply(api, user, last)
    return 1 + len(ANSWERS)


async def _echoes(api: FakeBotAPI, user: int) -> int:
    last = 0
    for number in range(1 + len(ANSWERS)):
        api.user_sends(user, f"hallo {number}")
        last = await _reply(api, user, last)
    return 1 + len(ANSWERS)


async def saturate(api: FakeBotAPI, users: int, echo: bool, base: int) -> tuple[float, float]:
    """Updates/s and Bot API calls/s with ``users`` users busy at once."""
    calls_before = len(api.calls)
    started = time.monotonic()
    runner = _echoes if echo else _journey
    counts = await asyncio.gather(*(runner(api, base + i) for i in range(users)))
    elapsed = time.monotonic() - started
    calls = [c for c in api.calls[calls_before:] if c.method != "getUpdates"]
    return sum(counts) / elapsed, len(calls) / elapsed


async def steady(
    api: FakeBotAPI, rate: float, seconds: float, echo: bool, base: int
) -> list[float]:
    """Latencies (s) from update to the first reply call at a steady ``rate``, open loop."""
    users = int(rate)  # one update per user per second: a user never waits on itself
    if not echo:  # past the privacy statement first, untimed, as a returning user would be
        for user in range(base, base + users):
            api.user_sends(user, "/start")
            last = await _reply(api, user, 0)
            api.user_presses(user, last, "1:p:consent:yes", strict=False)
            await _reply(api, user, last)
    sent: list[tuple[int, float, int]] = []
    interval = 1 / rate
    started = time.monotonic()
    for n in range(int(rate * seconds)):
        user = base + n % users
        at = started + n * interval
        await asyncio.sleep(max(0.0, at - time.monotonic()))
        text = f"hallo {n}" if echo else STEADY_TEXTS[(n // users) % len(STEADY_TEXTS)]
        before = len(api.sent_to(user))
        api.user_sends(user, text)
        sent.append((user, time.monotonic(), before))
    await api.wait_idle(quiet=0.5, timeout=30)
    latencies = []
    for user, at, before in sent:
        replies = [m for m in api.sent_to(user)[before:]]
        first = next(
            (
                c.time
                for c in api.calls_to("sendMessage")
                if c.time >= at and int(c.params["chat_id"]) == user
            ),
            None,
        )
        if first is not None and replies:
            latencies.append(first - at)
    return latencies


def _p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1] if len(values) >= 20 else max(values)


async def _run() -> list[Figure]:
    figures: list[Figure] = []
    results: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name, args in (
            ("echo", ["-m", "bench.echo_bot"]),
            ("ours", ["-m", "bot", "run"]),
        ):
            async with FakeBotAPI() as api:
                bot = await start_process(api, args, tmp)
                echo = name == "echo"
                try:
                    r: dict[str, float] = {"startup": bot.startup}
                    await saturate(api, 5, echo, base=9_000)  # warm up
                    for users in (20, 100):
                        cpu_before, calls_before = bot.cpu_seconds(), len(api.calls)
                        rounds = [
                            await saturate(api, users, echo, base=10_000 * users + 1_000 * n)
                            for n in range(ROUNDS)
                        ]
                        cpu = bot.cpu_seconds() - cpu_before
                        calls = sum(1 for c in api.calls[calls_before:] if c.method != "getUpdates")
                        r[f"ups{users}"] = statistics.median(u for u, _ in rounds)
                        r[f"cps{users}"] = statistics.median(c for _, c in rounds)
                        r[f"us_per_call{users}"] = cpu / calls * 1e6
                    lat = await steady(api, 50, 8, echo, base=500_000)
                    r["p50"], r["p95"] = statistics.median(lat) * 1e3, _p95(lat) * 1e3
                    r["rss"] = bot.rss_mb()
                finally:
                    await bot.stop()
                results[name] = r
    ours, echo_r = results["ours"], results["echo"]
    for users in (20, 100):
        # The target: each of our calls should cost about what the echo bot's does. It is
        # measured in the bot process's own CPU time per call, because the fake server
        # (one Python process, also running the simulated users) saturates first on our
        # larger messages, so calls/s measures it as much as the bot.
        cost_ratio = echo_r[f"us_per_call{users}"] / ours[f"us_per_call{users}"]
        figures.append(
            Figure(
                f"saturation {users} users: CPU per Bot API call, echo ÷ ours",
                cost_ratio * 100,
                "%",
                60,
                f"ours {ours[f'us_per_call{users}']:.0f} µs/call, "
                f"{ours[f'ups{users}']:.0f} updates/s, {ours[f'cps{users}']:.0f} calls/s; "
                f"echo {echo_r[f'us_per_call{users}']:.0f} µs/call, "
                f"{echo_r[f'ups{users}']:.0f} updates/s, {echo_r[f'cps{users}']:.0f} calls/s",
                higher_is_better=True,
            )
        )
    figures.append(
        Figure(
            "latency at 50 updates/s, p95",
            ours["p95"],
            "ms",
            30,
            f"p50 {ours['p50']:.1f} ms; echo bot p50 {echo_r['p50']:.1f}, "
            f"p95 {echo_r['p95']:.1f} ms",
        )
    )
    figures.append(
        Figure(
            "start-up to the first reply",
            ours["startup"],
            "s",
            None,
            f"echo bot {echo_r['startup']:.2f} s",
        )
    )
    figures.append(
        Figure(
            "resident memory after the run",
            ours["rss"],
            "MB",
            120,
            f"echo bot {echo_r['rss']:.0f} MB",
        )
    )
    return figures


def run_all() -> list[Figure]:
    return asyncio.run(_run())
