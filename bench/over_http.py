"""The bot over HTTP, side by side with a bare PTB echo bot, against the fake Bot API.

Each side is a driver process of its own (``python -m bench.over_http echo|ours``): the
fake Bot API server and the simulated users, with the bot (``python -m bot run`` or
:mod:`bench.echo_bot`) as its child, all on 127.0.0.1. This process only orchestrates: it
starts both sides, asks them for measurements over their stdin/stdout (one JSON object a
line) and interleaves the two bots' saturation rounds, so that both see the same machine.
The drivers and bots run at a raised priority where allowed (see ``PRIORITY``).

* saturation: N users go through full journeys as fast as replies come back (ours with
  ``CHAT_RATE=off``, as the echo bot has no per-chat pacing nor the fake a per-chat limit);
* latency: a steady, open-loop 50 updates/s; time from update to the first reply call;
* start-up time to the first reply, and resident memory after the run.

Start-up: the first start (empty database, knowledge not yet checked) is a note; the
figure is the median of ``RESTARTS`` restarts after it, echo and ours alternating, as
when a deployed bot restarts. The run that follows, and its memory, is the last restart's.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import statistics
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from bench.bench_api import BenchAPI
from bench.procs import rss_mb
from bench.report import Figure
from bench.startup import startup_figures

ROOT = Path(__file__).resolve().parent.parent
BOTS = {"echo": ["-m", "bench.echo_bot"], "ours": ["-m", "bot", "run"]}
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
SIZES = (20, 100)
RESTARTS = 5
"""Restarts per bot for the start-up figure (after the first start); the median counts."""
ROUNDS = 5
"""Saturation rounds per size and bot, echo and ours alternating; medians are reported."""
ROUND_SECONDS = 8.0
"""A round's users start journey after journey (each as a new user) until this long has
passed, then finish the one they are in: an echo round lasts about as long as one of ours,
so the two see the same spell of the machine, although ours answers fewer updates/s."""
PRIORITY = -10
"""Niceness of the drivers and their bots where allowed (as root): the machine is shared,
and other people's tests should not decide which bot looks faster. Each driver is a session
of its own, so that with the kernel's autogroups on, its group gets the priority too."""
STEADY_RATE = 50
"""Updates per second of the latency measurement, for ``STEADY_SECONDS`` seconds."""
STEADY_SECONDS = 8
STEADY_TEXTS = ["groot", "geen", "beperkt", "hoog", "/advies", "/vraag", "/help", "/start"]

JSONDict = dict[str, Any]


# --------------------------------------------------------------------------------------------
# The driver: fake server, simulated users and the bot, in a process of their own
# --------------------------------------------------------------------------------------------


@dataclass
class BotProcess:
    process: asyncio.subprocess.Process
    startup: float
    startup_cpu: float = 0.0

    def cpu_seconds(self) -> float:
        """User plus system CPU time the process has used so far."""
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def rss_mb(self) -> float:
        return rss_mb(self.process.pid)

    async def stop(self) -> None:
        if self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(self.process.wait(), 15)
            except TimeoutError:
                self.process.kill()
                await self.process.wait()


async def start_process(api: BenchAPI, args: list[str], db_dir: str) -> BotProcess:
    env = {
        **os.environ,
        "BOT_TOKEN": api.token,
        "BOT_API_URL": api.root_url,
        "DATABASE_URL": f"sqlite:///{db_dir}/bench.sqlite3",
        "XDG_CACHE_HOME": f"{db_dir}/cache",  # the first start checks the knowledge in full
        "LOG_LEVEL": "WARNING",
        "PTB_TIMEDELTA": "1",
        "CHAT_RATE": "off",  # see the module's docstring: saturation
    }
    env.pop("WEBHOOK_URL", None)
    started = time.monotonic()
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        *args,
        env=env,
        cwd=ROOT,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=sys.stderr.fileno(),  # the driver's stdout carries its answers
    )
    # Ready means answering: the first user's /start is queued before the bot is up.
    ready_user = api.new_user()
    api.user_sends(ready_user, "/start")
    await api.reply(ready_user, 0)
    bot = BotProcess(process, time.monotonic() - started)
    bot.startup_cpu = bot.cpu_seconds()
    return bot


async def _journey(api: BenchAPI) -> int:
    """A new user's /start and every button of the intake and the advice; returns updates
    sent."""
    user = api.new_user()
    api.user_sends(user, "/start")
    last = await api.reply(user, 0)
    for data in ANSWERS:
        api.user_presses(user, last, data, strict=False)
        last = await api.reply(user, last)
    return 1 + len(ANSWERS)


async def _echoes(api: BenchAPI) -> int:
    """As many texts as a journey has updates, from a new user, each echoed."""
    user = api.new_user()
    last = 0
    for number in range(1 + len(ANSWERS)):
        api.user_sends(user, f"hallo {number}")
        last = await api.reply(user, last)
    return 1 + len(ANSWERS)


@dataclass(frozen=True)
class Round:
    """One saturation round of one bot, as its driver measured it."""

    updates: int
    calls: int
    """Bot API calls of the bot other than ``getUpdates``."""
    seconds: float
    bot_cpu: float
    """CPU seconds of the bot process."""
    harness_cpu: float
    """CPU seconds of the driver process: the fake server and the simulated users."""

    @property
    def calls_per_s(self) -> float:
        return self.calls / self.seconds


async def saturate(api: BenchAPI, bot: BotProcess, users: int, echo: bool, seconds: float) -> Round:
    """One round with ``users`` users busy at once, each going through journeys back to
    back until ``seconds`` have passed (at least one)."""
    journey = _echoes if echo else _journey
    calls_before = len(api.calls)
    bot_cpu, harness_cpu = bot.cpu_seconds(), time.process_time()
    started = time.monotonic()

    async def busy_user() -> int:
        updates = await journey(api)
        while time.monotonic() - started < seconds:
            updates += await journey(api)
        return updates

    counts = await asyncio.gather(*(busy_user() for _ in range(users)))
    return Round(
        updates=sum(counts),
        calls=sum(1 for c in api.calls[calls_before:] if c.method != "getUpdates"),
        seconds=time.monotonic() - started,
        bot_cpu=bot.cpu_seconds() - bot_cpu,
        harness_cpu=time.process_time() - harness_cpu,
    )


async def steady(api: BenchAPI, rate: float, seconds: float, echo: bool) -> list[float]:
    """Latencies (s) from update to the first reply call at a steady ``rate``, open loop."""
    # One update per user per second: a user never waits on itself.
    users = [api.new_user() for _ in range(int(rate))]
    if not echo:  # past the privacy statement first, untimed, as a returning user would be
        for user in users:
            api.user_sends(user, "/start")
            last = await api.reply(user, 0)
            api.user_presses(user, last, "1:p:consent:yes", strict=False)
            await api.reply(user, last)
    calls_before = len(api.calls)
    sent: list[tuple[int, float]] = []
    interval = 1 / rate
    started = time.monotonic()
    for n in range(int(rate * seconds)):
        user = users[n % len(users)]
        at = started + n * interval
        await asyncio.sleep(max(0.0, at - time.monotonic()))
        text = f"hallo {n}" if echo else STEADY_TEXTS[(n // len(users)) % len(STEADY_TEXTS)]
        api.user_sends(user, text)
        sent.append((user, time.monotonic()))
    await api.wait_idle(quiet=0.5, timeout=30)
    replies: dict[int, list[float]] = {user: [] for user in users}
    for call in api.calls[calls_before:]:
        if call.method == "sendMessage" and call.status == 200:
            replies[int(call.params["chat_id"])].append(call.time)
    latencies = []
    for user, at in sent:
        first = next((replied for replied in replies[user] if replied >= at), None)
        if first is not None:
            latencies.append(first - at)
    return latencies


def _raise_priority() -> None:
    """This process and its children ahead of other sessions', where the system allows."""
    with contextlib.suppress(OSError):
        os.nice(PRIORITY)
    with contextlib.suppress(OSError):  # absent without autogroups; needs CAP_SYS_NICE
        Path("/proc/self/autogroup").write_text(str(PRIORITY))


def _answer(value: JSONDict) -> None:
    print(json.dumps(value), flush=True)


async def drive(kind: str) -> None:
    """Start the fake server and the bot, then answer the orchestrator's requests, one JSON
    object a line, until its stdin closes."""
    loop = asyncio.get_running_loop()
    requests = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(requests), sys.stdin)
    echo = kind == "echo"
    _raise_priority()
    with tempfile.TemporaryDirectory() as tmp:
        async with BenchAPI() as api:
            bot = await start_process(api, BOTS[kind], tmp)
            try:
                await saturate(api, bot, 5, echo, seconds=0)  # warm up: one journey each
                _answer({"startup": bot.startup, "cpu": bot.startup_cpu})
                while line := await requests.readline():
                    request = json.loads(line)
                    match request["measure"]:
                        case "restart":
                            await bot.stop()
                            bot = await start_process(api, BOTS[kind], tmp)
                            await saturate(api, bot, 5, echo, seconds=0)
                            _answer({"startup": bot.startup, "cpu": bot.startup_cpu})
                        case "saturation":
                            users = request["users"]
                            measured = await saturate(api, bot, users, echo, ROUND_SECONDS)
                            _answer(asdict(measured))
                        case "latency":
                            latencies = await steady(api, STEADY_RATE, STEADY_SECONDS, echo)
                            _answer({"latencies": latencies})
                        case "rss":
                            _answer({"rss": bot.rss_mb()})
                        case unknown:
                            raise ValueError(f"unknown measurement {unknown!r}")
            finally:
                await bot.stop()


# --------------------------------------------------------------------------------------------
# The orchestrator: both drivers, rounds interleaved, figures
# --------------------------------------------------------------------------------------------


@dataclass
class Driver:
    """A driver process, seen from the orchestrator."""

    kind: str
    process: asyncio.subprocess.Process
    startup: float = 0.0

    @classmethod
    async def start(cls, kind: str) -> Driver:
        """Start the driver; back once its bot answers and has been warmed up."""
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bench.over_http",
            kind,
            cwd=ROOT,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            start_new_session=True,  # an autogroup of its own: see PRIORITY
        )
        driver = cls(kind, process)
        driver.startup = (await driver._read())["startup"]
        return driver

    async def ask(self, measure: str, **request: Any) -> JSONDict:
        assert self.process.stdin is not None
        self.process.stdin.write(json.dumps({"measure": measure, **request}).encode() + b"\n")
        await self.process.stdin.drain()
        return await self._read()

    async def _read(self) -> JSONDict:
        assert self.process.stdout is not None
        line = await self.process.stdout.readline()
        if not line:
            raise RuntimeError(f"the {self.kind} driver stopped (exit code {await self.stop()})")
        answer: JSONDict = json.loads(line)
        return answer

    async def stop(self) -> int:
        """Close its stdin, which stops its bot and then itself; returns its exit code."""
        if self.process.stdin is not None and not self.process.stdin.is_closing():
            self.process.stdin.close()
        try:
            return await asyncio.wait_for(self.process.wait(), 30)
        except TimeoutError:
            self.process.kill()
            return await self.process.wait()


@dataclass(frozen=True)
class Saturation:
    """One bot's saturation rounds at one size."""

    rounds: list[Round]

    @property
    def calls_per_s(self) -> float:
        return statistics.median(r.calls_per_s for r in self.rounds)

    @property
    def updates_per_s(self) -> float:
        return statistics.median(r.updates / r.seconds for r in self.rounds)

    @property
    def cpu_per_call(self) -> float:
        """Seconds of the bot's CPU per Bot API call, over all rounds."""
        return sum(r.bot_cpu for r in self.rounds) / sum(r.calls for r in self.rounds)

    @property
    def harness_load(self) -> float:
        """The busiest round's CPU share of the driver process (fake server and users)."""
        return max(r.harness_cpu / r.seconds for r in self.rounds)

    def summary(self, name: str) -> str:
        return (
            f"{name} {self.calls_per_s:.0f} calls/s, {self.updates_per_s:.0f} updates/s, "
            f"{self.cpu_per_call * 1e6:.0f} µs CPU/call"
        )


def _saturation_figure(users: int, ours: Saturation, echo: Saturation) -> Figure:
    side_by_side = zip(ours.rounds, echo.rounds, strict=True)
    paired = sorted(o.calls_per_s / e.calls_per_s for o, e in side_by_side)
    return Figure(
        f"saturation {users} users: Bot API calls/s, ours ÷ echo",
        ours.calls_per_s / echo.calls_per_s * 100,
        "%",
        60,
        f"{ours.summary('ours')}; {echo.summary('echo')}; rounds side by side "
        f"{paired[0]:.0%}–{paired[-1]:.0%}; CPU per call echo ÷ ours "
        f"{echo.cpu_per_call / ours.cpu_per_call:.0%}; fake server and users at most "
        f"{max(ours.harness_load, echo.harness_load):.0%} of a core; no per-chat pacing",
        higher_is_better=True,
    )


def _p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1] if len(values) >= 20 else max(values)


async def _run() -> list[Figure]:
    drivers: dict[str, Driver] = {}
    rounds: dict[tuple[str, int], list[Round]] = {}
    latencies: dict[str, list[float]] = {}
    rss: dict[str, float] = {}
    restarts: dict[str, list[JSONDict]] = {kind: [] for kind in BOTS}
    try:
        for kind in BOTS:  # one after the other, so that the two start-ups do not overlap
            drivers[kind] = await Driver.start(kind)
        for _ in range(RESTARTS):
            for kind, driver in drivers.items():
                restarts[kind].append(await driver.ask("restart"))
        print(
            "  start-up: "
            + "; ".join(
                f"{kind} " + " ".join(f"{r['startup']:.2f}" for r in measured) + " s"
                for kind, measured in restarts.items()
            ),
            file=sys.stderr,
            flush=True,
        )
        for users in SIZES:
            for n in range(1, ROUNDS + 1):
                progress = f"  saturation, {users} users, round {n}:"
                for kind, driver in drivers.items():  # interleaved: echo, ours, echo, ours…
                    measured = Round(**await driver.ask("saturation", users=users))
                    rounds.setdefault((kind, users), []).append(measured)
                    progress += f" {kind} {measured.calls_per_s:.0f} calls/s"
                    progress += f" (bot {measured.bot_cpu / measured.seconds:.0%} of a core)"
                print(progress, file=sys.stderr, flush=True)
        for kind, driver in drivers.items():
            latencies[kind] = (await driver.ask("latency"))["latencies"]
            rss[kind] = (await driver.ask("rss"))["rss"]
    finally:
        for driver in drivers.values():
            await driver.stop()
    figures = [
        _saturation_figure(
            users, Saturation(rounds["ours", users]), Saturation(rounds["echo", users])
        )
        for users in SIZES
    ]
    ours, echo = latencies["ours"], latencies["echo"]
    figures.append(
        Figure(
            f"latency at {STEADY_RATE} updates/s, p95",
            _p95(ours) * 1e3,
            "ms",
            30,
            f"p50 {statistics.median(ours) * 1e3:.1f} ms; echo bot p50 "
            f"{statistics.median(echo) * 1e3:.1f}, p95 {_p95(echo) * 1e3:.1f} ms",
        )
    )
    figures += startup_figures(restarts, drivers["ours"].startup, rss)
    return figures


def run_all() -> list[Figure]:
    return asyncio.run(_run())


if __name__ == "__main__":
    asyncio.run(drive(sys.argv[1]))
