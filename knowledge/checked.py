"""Remembering which knowledge passed its validation, so that a restart need not check it again.

The full validation (the walk over every profile, the guard's probes on long input) costs a
few hundred milliseconds of CPU, a quarter of the bot's start-up. Its outcome depends only
on the knowledge files and on the code that reads and checks them, so after a pass
:func:`knowledge.loader.load_knowledge` leaves an empty marker file named by a digest of
both; a later start with the same files and the same code finds it and skips the checks.
Only a pass is remembered: knowledge with errors is checked in full every time, and any
edit of a file, or of the code, is a new digest. ``python -m bot check`` never uses it.

The markers live in ``$XDG_CACHE_HOME/netwerkwijzer`` (default ``~/.cache/netwerkwijzer``);
a directory that cannot be written only costs the time of the checks.
"""

from __future__ import annotations

import hashlib
import logging
import os
import sys
from functools import cache
from pathlib import Path

from knowledge.model import Knowledge

log = logging.getLogger(__name__)

CODE_DIR = Path(__file__).parent


@cache
def code_digest() -> str:
    """A digest of the code that reads and validates knowledge (this package's sources)."""
    digest = hashlib.sha256(f"{sys.version_info[:2]}".encode())
    for path in sorted(CODE_DIR.glob("*.py")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


class ValidationCache:
    """Marker files of knowledge that passed validation, one per (files, code) digest."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    @classmethod
    def default(cls) -> ValidationCache:
        base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
        return cls(Path(base) / "netwerkwijzer")

    def marker(self, knowledge: Knowledge) -> Path:
        return self.directory / f"knowledge-{knowledge.version}-{code_digest()}.passed"

    def passed(self, knowledge: Knowledge) -> bool:
        """Did exactly these files pass with exactly this code before?"""
        return self.marker(knowledge).exists()

    def remember(self, knowledge: Knowledge) -> None:
        """Note that ``knowledge`` passed (never raises: a cache is only a shortcut)."""
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            self.marker(knowledge).touch()
        except OSError as exc:
            log.debug("cannot remember the validated knowledge in %s: %s", self.directory, exc)
