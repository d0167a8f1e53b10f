"""One typed settings object, read from the environment once at start-up.

Every default is here, once (the language and the time zone come from the content, in
:mod:`knowledge.model`, since every layer needs them); the rest of the code takes the
values from :class:`Settings` or from these constants.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from knowledge.model import DEFAULT_LANGUAGE, DEFAULT_TIMEZONE

DEFAULT_API_URL = "https://api.telegram.org"
DEFAULT_DATABASE_URL = "sqlite:///data/netwerkwijzer.sqlite3"
DEFAULT_PORT = 8080
DEFAULT_RETENTION_DAYS = 365
DEFAULT_BROADCAST_RATE = 28.0
"""Bulk messages per second, under Telegram's ~30 (MAX_BROADCAST_RATE)."""
MAX_BROADCAST_RATE = 30.0
DEFAULT_CHAT_RATE = 1.0
"""Messages per second to one chat after a short burst: Telegram's advice."""
DEFAULT_DISPATCH_LEASE_SECONDS = 60.0
DEFAULT_INSIGHT_MIN_GROUP = 5
DEFAULT_INVITE_DAYS = 7
MIN_INSIGHT_MIN_GROUP = 2

__all__ = [
    "DEFAULT_API_URL",
    "DEFAULT_BROADCAST_RATE",
    "DEFAULT_CHAT_RATE",
    "DEFAULT_DATABASE_URL",
    "DEFAULT_DISPATCH_LEASE_SECONDS",
    "DEFAULT_INSIGHT_MIN_GROUP",
    "DEFAULT_LANGUAGE",
    "DEFAULT_PORT",
    "DEFAULT_RETENTION_DAYS",
    "DEFAULT_TIMEZONE",
    "MAX_BROADCAST_RATE",
    "Settings",
    "SettingsError",
    "api_root",
]


class SettingsError(ValueError):
    """An environment variable has a value we cannot use; the message names it."""


@dataclass(frozen=True)
class Settings:
    bot_token: str | None
    database_url: str
    bot_api_url: str
    webhook_url: str | None
    webhook_secret: str | None
    port: int
    admin_ids: frozenset[int]
    timezone: str
    knowledge_dir: Path | None
    retention_days: int
    """Data of users inactive this long is deleted by a daily job."""
    log_level: str | None
    """None when LOG_LEVEL is unset: each command picks its own default."""
    broadcast_rate: float = DEFAULT_BROADCAST_RATE
    """BROADCAST_RATE: bulk messages (nudges, broadcasts) per second, under Telegram's ~30.
    Per bot: the processes on one database share it (see :mod:`bot.telegram.outbox_sender`)."""
    chat_rate: float | None = DEFAULT_CHAT_RATE
    """CHAT_RATE: messages per second to one chat, after a burst of three; None (``off``):
    no pacing per chat, for a Bot API server that has no such limit (the benchmark's)."""
    dispatch_lease_seconds: float = DEFAULT_DISPATCH_LEASE_SECONDS
    """DISPATCH_LEASE_SECONDS: a bulk message claimed by a process that died is sent by
    another after this long."""
    insight_min_group: int = DEFAULT_INSIGHT_MIN_GROUP
    """INSIGHT_MIN_GROUP: groups smaller than this show no figures in /inzicht."""
    invite_days: int = DEFAULT_INVITE_DAYS
    """INVITE_DAYS: a coordinator invitation works this many days."""
    web_url: str | None = None
    """WEB_URL: the public base URL of the bot's web pages (no trailing slash); in webhook
    mode the webhook's origin when unset. None: no web pages are served."""

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Read every variable of the interface contract; raise :class:`SettingsError`."""
        env = os.environ if environ is None else environ

        def get(name: str) -> str | None:
            value = env.get(name, "").strip()
            return value or None

        port_text = get("PORT") or str(DEFAULT_PORT)
        if not port_text.isdigit() or not 0 < int(port_text) < 65536:
            raise SettingsError(f"PORT must be a port number, not {port_text!r}")
        admin_ids: set[int] = set()
        for part in (get("ADMIN_IDS") or "").split(","):
            part = part.strip()
            if not part:
                continue
            if not part.lstrip("-").isdigit():
                raise SettingsError(
                    f"ADMIN_IDS must be comma-separated Telegram user ids, not {part!r}"
                )
            admin_ids.add(int(part))
        timezone = get("BOT_TIMEZONE") or DEFAULT_TIMEZONE
        try:
            ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise SettingsError(f"BOT_TIMEZONE {timezone!r} is not a known time zone") from exc
        level = (get("LOG_LEVEL") or "").upper() or None
        if level not in (None, "DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"):
            raise SettingsError(f"LOG_LEVEL must be DEBUG, INFO, WARNING or ERROR, not {level!r}")
        retention = get("RETENTION_DAYS") or str(DEFAULT_RETENTION_DAYS)
        if not retention.isdigit() or int(retention) < 1:
            raise SettingsError(f"RETENTION_DAYS must be a number of days ≥ 1, not {retention!r}")
        knowledge = get("KNOWLEDGE_DIR")
        rate = _positive(
            get("BROADCAST_RATE"), "BROADCAST_RATE", DEFAULT_BROADCAST_RATE, MAX_BROADCAST_RATE
        )
        chat_text = get("CHAT_RATE")
        chat_rate = (
            None
            if chat_text is not None and chat_text.lower() == "off"
            else _positive(chat_text, "CHAT_RATE (or off)", DEFAULT_CHAT_RATE)
        )
        lease = _positive(
            get("DISPATCH_LEASE_SECONDS"), "DISPATCH_LEASE_SECONDS", DEFAULT_DISPATCH_LEASE_SECONDS
        )
        group = get("INSIGHT_MIN_GROUP") or str(DEFAULT_INSIGHT_MIN_GROUP)
        if not group.isdigit() or int(group) < MIN_INSIGHT_MIN_GROUP:
            raise SettingsError(
                f"INSIGHT_MIN_GROUP must be a whole number ≥ {MIN_INSIGHT_MIN_GROUP}, not {group!r}"
            )
        webhook_url = get("WEBHOOK_URL")
        invite_days = get("INVITE_DAYS") or str(DEFAULT_INVITE_DAYS)
        if not invite_days.isdigit() or int(invite_days) < 1:
            raise SettingsError(f"INVITE_DAYS must be a number of days ≥ 1, not {invite_days!r}")
        return cls(
            bot_token=get("BOT_TOKEN"),
            database_url=get("DATABASE_URL") or DEFAULT_DATABASE_URL,
            bot_api_url=api_root(get("BOT_API_URL") or DEFAULT_API_URL),
            webhook_url=webhook_url,
            webhook_secret=get("WEBHOOK_SECRET"),
            port=int(port_text),
            admin_ids=frozenset(admin_ids),
            timezone=timezone,
            knowledge_dir=Path(knowledge) if knowledge else None,
            retention_days=int(retention),
            log_level=level,
            broadcast_rate=rate,
            chat_rate=chat_rate,
            dispatch_lease_seconds=lease,
            insight_min_group=int(group),
            invite_days=int(invite_days),
            web_url=_web_url(get("WEB_URL"), webhook_url),
        )


def _web_url(text: str | None, webhook_url: str | None) -> str | None:
    """WEB_URL without its trailing slash, or the webhook's origin; None when neither."""
    if text is None:
        if not webhook_url:
            return None
        parts = urlsplit(webhook_url)
        return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else None
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query:
        raise SettingsError(
            f"WEB_URL must be an http(s) URL such as https://example.org, not {text!r}"
        )
    return text.rstrip("/")


def api_root(url: str) -> str:
    """The Bot API server's root from BOT_API_URL: the root itself, or PTB's ``base_url``
    form ending in ``/bot`` (``https://api.telegram.org/bot``), with or without a slash."""
    root = url.strip().rstrip("/")
    return root.removesuffix("/bot").rstrip("/") if root.endswith("/bot") else root


def _positive(text: str | None, name: str, default: float, maximum: float | None = None) -> float:
    """A positive number from the environment (at most ``maximum``), or ``default``."""
    if text is None:
        return default
    try:
        value = float(text)
    except ValueError:
        raise SettingsError(f"{name} must be a number, not {text!r}") from None
    if not value > 0 or (maximum is not None and value > maximum):
        limit = f" and at most {maximum:g}" if maximum is not None else ""
        raise SettingsError(f"{name} must be more than 0{limit}, not {text!r}")
    return value
