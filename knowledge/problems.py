"""Problems found in the knowledge base, and the errors that carry them.

Exception tree::

    KnowledgeError            the knowledge base cannot be used; ``problems`` says why
    UnknownProfileValue       a profile names a dimension or value that does not exist
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True, slots=True)
class Problem:
    """One problem, located as ``file:line``."""

    file: str
    line: int
    message: str
    severity: Severity = "error"

    def __str__(self) -> str:
        prefix = "warning: " if self.severity == "warning" else ""
        return f"{self.file}:{self.line}: {prefix}{self.message}"


def errors(problems: Iterable[Problem]) -> list[Problem]:
    """Only the problems that are errors."""
    return [p for p in problems if p.severity == "error"]


class KnowledgeError(Exception):
    """The knowledge base is invalid; every problem is in ``problems``."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = list(problems)
        shown = "\n".join(str(p) for p in self.problems[:20])
        more = len(self.problems) - 20
        super().__init__(shown + (f"\n… and {more} more" if more > 0 else ""))


class UnknownProfileValue(ValueError):
    """A profile names a dimension or value the intake does not have."""
