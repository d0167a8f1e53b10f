"""One row of the benchmark table, and the table itself."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Figure:
    name: str
    value: float
    unit: str
    target: float | None
    note: str = ""
    higher_is_better: bool = False

    @property
    def verdict(self) -> str:
        if self.target is None:
            return ""
        ok = self.value >= self.target if self.higher_is_better else self.value <= self.target
        return "ok" if ok else "MISSED"

    @property
    def target_text(self) -> str:
        if self.target is None:
            return "–"
        sign = "≥" if self.higher_is_better else "≤"
        return f"{sign} {self.target:g} {self.unit}"


def table(figures: Sequence[Figure]) -> str:
    """A Markdown table, ready for the README."""
    lines = ["| benchmark | result | target | | notes |", "|---|---:|---:|---|---|"]
    for f in figures:
        value = f"{f.value:.3g} {f.unit}" if f.value < 100 else f"{f.value:.0f} {f.unit}"
        lines.append(f"| {f.name} | {value} | {f.target_text} | {f.verdict} | {f.note} |")
    return "\n".join(lines)
