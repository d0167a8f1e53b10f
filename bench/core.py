"""Benchmarks of the core: one advice decision, a full ``check``, one event through
flow and storage on SQLite. Each returns its figures; :mod:`bench.__main__` prints them."""

from __future__ import annotations

import asyncio
import io
import statistics
import tempfile
import time
from pathlib import Path

from bench.report import Figure
from bot.app.advisor import Advisor
from bot.cli import run_check
from flows.events import Event
from knowledge.engine import Engine
from knowledge.loader import BUNDLED_DIR, load_knowledge
from knowledge.store import KnowledgeStore
from knowledge.validator import core_walk
from storage import Database
from storage.migrate import upgrade


def advice_decision(rounds: int = 20) -> Figure:
    """Median time of ``Engine.advise`` over every core profile, ``rounds`` times."""
    knowledge = load_knowledge()
    engine = Engine(knowledge)
    profiles = list(core_walk(knowledge))
    per_round = []
    for _ in range(rounds):
        started = time.perf_counter()
        for profile in profiles:
            engine.advise(profile)
        per_round.append((time.perf_counter() - started) / len(profiles))
    median_us = statistics.median(per_round) * 1e6
    return Figure("advice decision (median)", median_us, "µs", 50, f"{len(profiles)} profiles")


def full_check(rounds: int = 5) -> Figure:
    """Median wall time of ``python -m bot check`` in-process (validation, walk, tests);
    the note gives the median CPU time, and that of the walk over the advice and "Waarom"
    screens (``flows.checks.longest_screens``) alone."""
    from flows.checks import longest_screens
    from flows.screens import Say
    from knowledge.model import LANGUAGES

    times, cpu, walk = [], [], []
    knowledge = load_knowledge()
    says = [Say(knowledge, lang) for lang in LANGUAGES]
    for _ in range(rounds):
        started, started_cpu = time.perf_counter(), time.process_time()
        code = run_check(BUNDLED_DIR, strict=True, out=io.StringIO())
        times.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
        assert code == 0, "the bundled knowledge must pass check"
        started_cpu = time.process_time()
        longest_screens(knowledge, Engine(knowledge), says)
        walk.append(time.process_time() - started_cpu)
    note = (
        f"{rounds} runs; CPU {statistics.median(cpu):.2f} s, of which the screen walk "
        f"{statistics.median(walk):.2f} s"
    )
    return Figure("full check (median)", statistics.median(times), "s", 2, note)


SCRIPT = [
    Event("command", name="start"),
    Event("action", text="1:p:consent:yes"),
    Event("action", text="1:size:groot"),
    Event("action", text="1:subgroups:geen"),
    Event("text", text="beperkt"),
    Event("action", text="1:interests:hoog"),
    Event("command", name="advies"),
    Event("action", text="1:a:why"),
    Event("action", text="1:a:advice"),
]


async def _events(users: int) -> list[float]:
    with tempfile.TemporaryDirectory() as tmp:
        db = Database(f"sqlite:///{Path(tmp) / 'bench.sqlite3'}")
        await upgrade(db)
        advisor = Advisor(db, KnowledgeStore())
        timings = []
        try:
            for user in range(users):
                for event in SCRIPT:
                    started = time.perf_counter()
                    await advisor.handle("console", f"bench-{user}", event)
                    timings.append(time.perf_counter() - started)
        finally:
            await db.dispose()
        return timings


def event_handling(users: int = 60) -> Figure:
    """Median time to handle one event (flow + one unit of work) on SQLite."""
    timings = asyncio.run(_events(users))
    median_ms = statistics.median(timings) * 1e3
    p95 = statistics.quantiles(timings, n=20)[-1] * 1e3
    return Figure(
        "event through flow + storage, SQLite (median)",
        median_ms,
        "ms",
        2,
        f"{len(timings)} events, p95 {p95:.2f} ms",
    )
