"""What the web pages are built from: the :class:`WebContext` each route module gets
(apart from :mod:`bot.web.server`, so that route modules need not import the server that
imports them)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from aiohttp import web

from bot.app.advisor import Advisor
from bot.app.live import Moved
from bot.settings import Settings
from storage.sqlite_file import DatabaseFile


@dataclass(frozen=True)
class WebContext:
    """What the route modules are built from."""

    advisor: Advisor
    settings: Settings
    mode: str
    """"polling" or "webhook": reported by /healthz."""
    database_file: DatabaseFile | None = None
    """The SQLite file, watched: /healthz answers 503 once it was deleted or replaced."""
    live_moved: Callable[[Moved], Awaitable[None]] | None = None
    """What follows a live session moved on from its projector page: the chat side edits
    the facilitator's control message and every participant's screen."""


RouteModule = Callable[[web.Application, WebContext], None]
