"""Who is calling the dashboard's API, checked on every request.

Either the header ``Authorization: tma <initData>`` (the Telegram Mini App; see
:mod:`bot.web.initdata`) or the session cookie a login link was exchanged for. Missing,
forged or expired: 401. Valid but no coordinator or admin (any more): 403. Failed
attempts count against the client's login attempts.
"""

from __future__ import annotations

from aiohttp import web

from bot.app.dashboard import Caller, Dashboard
from bot.web.initdata import InitDataError, verify
from bot.web.security import client_of

SESSION_COOKIE = "nw_session"
SCHEME = "tma"


class Guard:
    """Authenticates API requests for :class:`bot.dashboard.Dashboard`."""

    def __init__(self, dashboard: Dashboard, bot_token: str) -> None:
        self.dashboard = dashboard
        self.bot_token = bot_token

    async def _refuse(self, request: web.Request) -> web.HTTPException:
        if not await self.dashboard.attempt(client_of(request)):
            return web.HTTPTooManyRequests(headers={"Retry-After": "60"})
        return web.HTTPUnauthorized(
            text='{"error": "unauthorized"}',
            content_type="application/json",
            headers={"WWW-Authenticate": SCHEME},
        )

    async def caller(self, request: web.Request) -> Caller:
        """The coordinator or admin calling; raises 401, 403 or 429."""
        header = request.headers.get("Authorization")
        if header is not None:
            scheme, _, init_data = header.partition(" ")
            if scheme.lower() != SCHEME or not init_data.strip():
                raise await self._refuse(request)
            try:
                user = verify(init_data.strip(), self.bot_token, self.dashboard.advisor.clock())
            except InitDataError:
                raise await self._refuse(request) from None
            caller = await self.dashboard.by_telegram(user.telegram_id)
        else:
            token = request.cookies.get(SESSION_COOKIE)
            if not token:
                raise await self._refuse(request)
            valid, caller = await self.dashboard.by_session(token)
            if not valid:
                raise await self._refuse(request)
        if caller is None:
            raise web.HTTPForbidden(text='{"error": "forbidden"}', content_type="application/json")
        return caller
