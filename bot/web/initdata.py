"""Telegram Mini App ``initData``: checking that Telegram signed it, and for whom.

Telegram hands a Mini App a query string (``query_id=…&user=…&auth_date=…&hash=…``).
The ``hash`` is HMAC-SHA256 over the other fields — sorted by name, each ``name=value``,
joined with line feeds — keyed with HMAC-SHA256("WebAppData", bot token). Only someone
with the bot token can make one, so a valid one proves who the user is. It is accepted
for :data:`MAX_AGE` after its ``auth_date`` (a copied one stops working), and compared in
constant time.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import parse_qsl, urlencode

MAX_AGE = timedelta(hours=1)
CLOCK_SKEW = timedelta(minutes=1)
"""An ``auth_date`` this far ahead of our clock still counts (clocks differ a little)."""
_KEY_SALT = b"WebAppData"


class InitDataError(ValueError):
    """The initData is malformed, forged or too old; the message says which (for logs)."""


@dataclass(frozen=True, slots=True)
class MiniAppUser:
    """Who opened the Mini App, as Telegram vouches."""

    telegram_id: int
    language_code: str | None
    signed_at: datetime


def _digest(fields: Mapping[str, str], bot_token: str) -> str:
    check = "\n".join(f"{name}={fields[name]}" for name in sorted(fields))
    secret = hmac.new(_KEY_SALT, bot_token.encode("utf-8"), hashlib.sha256).digest()
    return hmac.new(secret, check.encode("utf-8"), hashlib.sha256).hexdigest()


def sign(fields: Mapping[str, str], bot_token: str) -> str:
    """An initData string for ``fields`` as Telegram would sign it (tests, benchmarks)."""
    return urlencode({**fields, "hash": _digest(fields, bot_token)})


def verify(init_data: str, bot_token: str, now: datetime) -> MiniAppUser:
    """The user of a valid initData; :class:`InitDataError` otherwise."""
    try:
        pairs = parse_qsl(init_data, keep_blank_values=True, strict_parsing=True)
    except ValueError:
        raise InitDataError("not a query string") from None
    fields = dict(pairs)
    if len(fields) != len(pairs):
        raise InitDataError("a field appears twice")
    given = fields.pop("hash", "")
    if not hmac.compare_digest(_digest(fields, bot_token).encode(), given.encode("utf-8")):
        raise InitDataError("signature does not match")
    try:
        signed_at = datetime.fromtimestamp(int(fields["auth_date"]), tz=now.tzinfo)
        user = json.loads(fields["user"])
        telegram_id = int(user["id"])
    except (KeyError, ValueError, TypeError, OverflowError, OSError):
        raise InitDataError("no auth_date or user") from None
    if signed_at > now + CLOCK_SKEW:
        raise InitDataError("signed in the future")
    if now - signed_at > MAX_AGE:
        raise InitDataError("expired")
    language = user.get("language_code") if isinstance(user, dict) else None
    return MiniAppUser(telegram_id, language if isinstance(language, str) else None, signed_at)
