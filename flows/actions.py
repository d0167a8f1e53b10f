"""Action ids (Telegram callback data): ``<flow version>:<tag>:<choice>``, at most 64 bytes.

The tag says where an action is valid: an intake question's id (only while that question
is asked), ``a`` (anywhere in the advice phase) or ``b`` (browsing, valid anywhere).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from flows.definition import FLOW_VERSION

MAX_ACTION_BYTES = 64
_ID = re.compile(r"[0-9]{1,18}")
START_PAYLOAD_PATTERN = re.compile(r"[A-Za-z0-9_-]{1,64}")
"""A Telegram deep-link payload (``t.me/<bot>?start=<payload>``)."""
INVITE_PREFIX = "inv_"
"""Start payloads of coordinator invites begin with this; cohort codes never do."""


def is_id(text: str) -> bool:
    """Whether ``text`` is a row id or number we made: ASCII digits that fit in 63 bits
    (``str.isdigit`` also accepts "²", which ``int`` refuses)."""
    return _ID.fullmatch(text) is not None


def action(tag: str, *choice: str) -> str:
    """The action id for ``choice`` (one or more parts) under ``tag``."""
    return ":".join((str(FLOW_VERSION), tag, *choice))


@dataclass(frozen=True, slots=True)
class ParsedAction:
    version: int
    tag: str
    choice: tuple[str, ...]


def parse_action(data: str) -> ParsedAction | None:
    """Split an action id; ``None`` for anything that is not one of ours (forged, garbage)."""
    if not data or len(data.encode("utf-8", "surrogatepass")) > MAX_ACTION_BYTES:
        return None
    version, _, rest = data.partition(":")
    tag, _, choice = rest.partition(":")
    if not is_id(version) or not tag or not choice:
        return None
    return ParsedAction(int(version), tag, tuple(choice.split(":")))
