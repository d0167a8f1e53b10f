"""The knowledge in use, and reloading it safely: an invalid edit never replaces it."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

from knowledge.checked import ValidationCache
from knowledge.loader import BUNDLED_DIR, load_knowledge
from knowledge.model import Knowledge
from knowledge.problems import KnowledgeError, Problem

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ReloadResult:
    ok: bool
    version: str
    problems: list[Problem] = field(default_factory=list)


class KnowledgeStore:
    """Holds the current knowledge; :meth:`reload` swaps it only for a valid one."""

    def __init__(self, directory: Path | None = None, cache: ValidationCache | None = None) -> None:
        self.directory = directory or BUNDLED_DIR
        self.cache = cache
        self.current: Knowledge = load_knowledge(self.directory, cache)

    def reload(self) -> ReloadResult:
        """Load again from disk; on any problem keep the current knowledge and say why."""
        try:
            fresh = load_knowledge(self.directory, self.cache)
        except KnowledgeError as exc:
            log.warning(
                "knowledge reload refused, keeping version %s: %d problems, first: %s",
                self.current.version,
                len(exc.problems),
                exc.problems[0] if exc.problems else "?",
            )
            return ReloadResult(False, self.current.version, exc.problems)
        self.current = fresh
        log.info("knowledge reloaded: version %s", fresh.version)
        return ReloadResult(True, fresh.version)
