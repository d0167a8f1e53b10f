"""Regular expressions of the knowledge base: compiled with the reason when they do not,
and probed for catastrophic backtracking (``check`` refuses a pattern that is slow on a
probe, so a scan by :class:`knowledge.guard.Guard` stays linear in the text's length)."""

from __future__ import annotations

import re
import threading
import time


def compile_pattern(regex: str) -> re.Pattern[str] | str:
    """The compiled pattern, or why it does not compile (``check`` reports that)."""
    try:
        return re.compile(regex)
    except re.error as exc:
        where = f" at position {exc.pos}" if exc.pos is not None else ""
        return f"{exc.msg}{where}"
    except (RecursionError, OverflowError, ValueError) as exc:
        return str(exc) or type(exc).__name__


# Inputs that make a badly written pattern backtrack: long runs of one shape that a
# pattern almost matches, ended by a character nothing expects.
_PROBE_UNITS = ("1", "a", "A", " ", ".", "1 ", "1.", "1-", "a.", "a-", "a@", "Aa ", "+1", "0 ")
# Small steps first (an exponential pattern doubles its time with every character), then
# growing by about 1.6 (a cubic one quadruples per step), so no probe runs for long.
_PROBE_SIZES = (10, 14, 18, 22, 26, 30, 40, 60, 100, 160, 250, 400, 640, 1000, 1600, 2500, 4000)
PROBE_LIMIT = 0.05
"""Seconds a pattern may take on one probe; a linear pattern needs about a millisecond."""

_PROBED: dict[str, tuple[float, str]] = {}
_PROBED_LOCK = threading.Lock()


def slowest_probe(pattern: re.Pattern[str], limit: float = PROBE_LIMIT) -> tuple[float, str]:
    """The time the pattern takes on the first probe that exceeds ``limit`` seconds (or on
    the slowest probe when none does), and that probe. Probes grow from 10 to 4000
    characters and stop at the first slow one, so an exponential pattern is caught before
    it hangs. A pattern that was fast once is not probed again in this process."""
    key = f"{pattern.flags}:{pattern.pattern}"
    with _PROBED_LOCK:
        known = _PROBED.get(key)
    if known is not None:
        return known
    worst: tuple[float, str] = (0.0, "")
    for size in _PROBE_SIZES:
        for unit in _PROBE_UNITS:
            probe = unit * (size // len(unit)) + "!"
            seconds = _time_scan(pattern, probe)
            if seconds > limit:  # measure again: the machine may just have been busy
                seconds = min(seconds, _time_scan(pattern, probe))
            if seconds > limit:
                return seconds, probe
            worst = max(worst, (seconds, probe))
    with _PROBED_LOCK:
        _PROBED[key] = worst
    return worst


def _time_scan(pattern: re.Pattern[str], text: str) -> float:
    started = time.perf_counter()
    for _ in pattern.finditer(text):
        pass
    return time.perf_counter() - started
