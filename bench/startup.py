"""The start-up and memory rows of the over-HTTP run (:mod:`bench.over_http`), beside the
echo bot: start-up is the median of the restarts, with the first start as a note."""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence
from typing import Any

from bench.report import Figure

STARTUP_TARGET = 1.0
"""Seconds from process start to the first reply, on a restart."""
MEMORY_TARGET = 75.0
"""MB resident after the run."""


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
            f"checked) {first_start:.2f} s",
        ),
        Figure(
            "resident memory after the run",
            rss["ours"],
            "MB",
            MEMORY_TARGET,
            f"echo bot {rss['echo']:.0f} MB (ours ÷ echo {rss['ours'] / rss['echo']:.1f})",
        ),
    ]
