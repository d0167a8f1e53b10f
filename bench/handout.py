"""Benchmark of the handout: ``/samenvatting`` through the advisor service to the PDF
(advice, two ticked reflections, the page drawn off the event loop), on SQLite."""

from __future__ import annotations

import asyncio
import statistics
import tempfile
import time
from pathlib import Path

from bench.report import Figure
from bot.app.advisor import Advisor
from flows.events import Event
from knowledge.store import KnowledgeStore
from storage import Database
from storage.migrate import upgrade

USER = "bench-handout"
SETUP = [
    Event("command", name="start"),
    Event("action", text="1:p:consent:yes"),
    Event("action", text="1:size:zeer_groot"),
    Event("action", text="1:subgroups:veel"),
    Event("command", name="advies"),
    Event("action", text="1:a:note"),
    Event("text", text="Met de raad van toezicht bespreken wat wij van het netwerk verwachten."),
    Event("action", text="1:a:note"),
    Event("text", text="Eerst in het MT: wie zit namens ons aan tafel, met welk mandaat?"),
]


async def _handouts(rounds: int) -> tuple[float, list[float], list[float], int]:
    with tempfile.TemporaryDirectory() as tmp:
        db = Database(f"sqlite:///{Path(tmp) / 'bench.sqlite3'}")
        await upgrade(db)
        advisor = Advisor(db, KnowledgeStore())
        try:
            for event in SETUP:
                await advisor.handle("console", USER, event)
            choice = await advisor.handle("console", USER, Event("command", name="samenvatting"))
            for tick in [a for r in choice.replies for a in r.actions if ":h:tick:" in a]:
                await advisor.handle("console", USER, Event("action", text=tick))
            make = Event("action", text="1:h:make")
            timings, cpu, size = [], [], 0
            for _ in range(rounds + 1):
                started, cpu_started = time.perf_counter(), time.process_time()
                outcome = await advisor.handle("console", USER, make)
                timings.append(time.perf_counter() - started)
                cpu.append(time.process_time() - cpu_started)
                (pdf,) = [r.attachment for r in outcome.replies if r.attachment is not None]
                size = len(pdf.data)
                # A second press of the same button is a double tap: a new screen first.
                await advisor.handle("console", USER, Event("command", name="advies"))
        finally:
            await db.dispose()
    return timings[0], timings[1:], cpu[1:], size


def handout(rounds: int = 20) -> Figure:
    """Median time of one handout, the first of the process (fpdf2 imported) in the note."""
    first, timings, cpu, size = asyncio.run(_handouts(rounds))
    median_ms = statistics.median(timings) * 1e3
    cpu_ms = statistics.median(cpu) * 1e3
    return Figure(
        "handout PDF, /samenvatting to the document (median)",
        median_ms,
        "ms",
        300,
        f"{rounds} handouts of {size // 1024} KB, {cpu_ms:.0f} ms of CPU each; the first in a "
        f"process {first * 1e3:.0f} ms (imports fpdf2)",
    )
