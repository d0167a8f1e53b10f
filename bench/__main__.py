"""``make bench``: run every benchmark and print one table (Markdown, for the README)."""

from __future__ import annotations

import os
import platform
import sys
from collections.abc import Callable

os.environ.setdefault("PTB_TIMEDELTA", "1")

from bench import (
    broadcast,
    core,
    dashboard,
    handout,
    held_updates,
    http_clients,
    live,
    memory,
    outbox,
    over_http,
    reading,
    sender_memory,
)
from bench.report import Figure, table


def machine() -> str:
    return f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"


def load() -> str:
    """The 1-minute load average now: the machine may be shared, and the figures say so."""
    return f"{os.getloadavg()[0]:.1f}"


SUBSETS = {"check"}
"""Suites that are part of another (``check`` of ``core``): run only when named."""


def main(argv: list[str]) -> int:
    only = set(argv)
    figures: list[Figure] = []
    suites: dict[str, Callable[[], list[Figure]]] = {
        "core": lambda: [core.advice_decision(), core.full_check(), core.event_handling()],
    }
    suites["check"] = lambda: [core.full_check()]
    suites["reading"] = reading.reading
    suites["outbox"] = lambda: [
        *outbox.claim_next_batch(),
        *sender_memory.sender_memory(),
    ]
    suites["handout"] = lambda: [handout.handout()]
    suites["telegram"] = over_http.run_all
    suites["clients"] = http_clients.run_all
    suites["broadcast"] = broadcast.broadcast_rate
    suites["memory"] = memory.memory_with_users
    suites["dashboard"] = dashboard.cohorts_page
    suites["live"] = live.live_session
    suites["held"] = held_updates.held_updates
    started = load()
    for name, run in suites.items():
        if name not in only if only else name in SUBSETS:
            continue
        print(f"running {name} benchmarks…", file=sys.stderr, flush=True)
        figures.extend(run())
    print(f"Measured on {machine()}; load average {started} at the start, {load()} at the end.\n")
    print(table(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
