"""The start-up and memory rows of the over-HTTP run (:mod:`bench.over_http`), beside the
echo bot: start-up is the median of the restarts, with the first start as a note."""

from __future__ import annotations

import importlib.util
import statistics
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from bench.report import Figure

STARTUP_TARGET = 1.0
"""Seconds from process start to the first reply, on a restart."""
MEMORY_TARGET = 75.0
"""MB resident after the run."""


def _compiled() -> str:
    """Whether our modules start from bytecode compiled ahead (``make bench`` compiles
    them, as ``make run`` does) or from source (``PYTHONDONTWRITEBYTECODE``, no cache)."""
    sources = list((Path(__file__).resolve().parent.parent / "bot").rglob("*.py"))
    cached = sum(Path(importlib.util.cache_from_source(str(p))).exists() for p in sources)
    if cached == len(sources):
        return "our modules compiled ahead, as `make run` does"
    if sys.dont_write_bytecode and not cached:
        return "our modules compiled from source at each start (no bytecode cache)"
    return f"{cached} of {len(sources)} of our modules in bot/ compiled ahead"


def startup_figures(
    restarts: Mapping[str, Sequence[Mapping[str, Any]]],
    first_start: float,
    rss: Mapping[str, float],
) -> list[Figure]:
    """``restarts``: per bot (``ours``, ``echo``) each restart's ``startup`` and ``cpu``
    seconds; ``first_start``: ours on an empty database; ``rss``: MB after the run."""
    start = {kind: statistics.median(r["startup"] for r in runs) for kind, runs in restarts.items()}
    cpu = {kind: statistics.median(r["cpu"] for r in runs) for kind, runs in restarts.items()}
    count = len(restarts["ours"])
    return [
        Figure(
            "start-up to the first reply (restart, median)",
            start["ours"],
            "s",
            STARTUP_TARGET,
            f"echo bot {start['echo']:.2f} s (ours ÷ echo {start['ours'] / start['echo']:.1f}); "
            f"CPU until then ours {cpu['ours']:.2f} s, echo {cpu['echo']:.2f} s; {count} "
            "restarts each, alternating; the first start (empty database, knowledge not yet "
            f"checked) {first_start:.2f} s; {_compiled()}",
        ),
        Figure(
            "resident memory after the run",
            rss["ours"],
            "MB",
            MEMORY_TARGET,
            f"echo bot {rss['echo']:.0f} MB (ours ÷ echo {rss['ours'] / rss['echo']:.1f})",
        ),
    ]
