"""Conversation scripts (tests/scripts/*.yaml): what the user does, what the bot must say.

A step is ``send`` (a line: text or /command; ``{repeat, times}`` builds long text),
``press`` (an action id) or ``restart`` (the process restarts; stored state remains),
with an optional ``expect``: ``state``, ``says`` (substrings of the replies), ``absent``
(must not be said), ``offers`` (action ids on the buttons), ``buttons`` (labels),
``chosen``, ``notice``, ``effects`` (effect class names), ``replies`` (how many).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

SCRIPTS_DIR = Path(__file__).parent / "scripts"


@dataclass
class Step:
    send: str | None = None
    press: str | None = None
    restart: bool = False
    expect: dict[str, Any] = field(default_factory=dict)


@dataclass
class Script:
    name: str
    path: Path
    steps: list[Step]
    core_only: bool = False


def _text(raw: Any) -> str:
    if isinstance(raw, dict):
        return str(raw["repeat"]) * int(raw["times"])
    return str(raw)


def load_scripts() -> list[Script]:
    scripts = []
    for path in sorted(SCRIPTS_DIR.glob("*.yaml")):
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        steps = [
            Step(
                send=_text(s["send"]) if "send" in s else None,
                press=str(s["press"]) if "press" in s else None,
                restart=bool(s.get("restart", False)),
                expect=s.get("expect") or {},
            )
            for s in raw["steps"]
        ]
        scripts.append(Script(raw["name"], path, steps, bool(raw.get("core_only", False))))
    return scripts


def check_text(expect: dict[str, Any], said: str, where: str) -> None:
    for fragment in expect.get("says", []):
        assert fragment in said, f"{where}: expected {fragment!r} in:\n{said}"
    for fragment in expect.get("absent", []):
        assert fragment not in said, f"{where}: {fragment!r} must not be in:\n{said}"
