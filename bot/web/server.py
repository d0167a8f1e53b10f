"""The web server: one aiohttp application made of route modules plus ``/healthz``.

Polling mode serves it on its own on ``PORT`` when ``WEB_URL`` is set; webhook mode adds
the webhook's route to the same application. A route module is a function that adds its
routes (and whatever it keeps in the application) given the :class:`WebContext`; a new
page (the live projector) is one more entry in :data:`ROUTE_MODULES`.
"""

from __future__ import annotations

from collections.abc import Sequence

from aiohttp import web

from bot.web.context import RouteModule, WebContext
from bot.web.security import security_headers


def _dashboard(app: web.Application, context: WebContext) -> None:
    from bot.web import dashboard

    dashboard.setup(app, context)


def _live(app: web.Application, context: WebContext) -> None:
    from bot.web import live

    live.setup(app, context)


ROUTE_MODULES: tuple[RouteModule, ...] = (_dashboard, _live)
"""Every page of the bot; each needs ``WEB_URL`` (links and cookies are made for it)."""


def web_application(
    context: WebContext, modules: Sequence[RouteModule] | None = None
) -> web.Application:
    """``/healthz`` always; the route modules' pages when ``WEB_URL`` is set."""
    app = web.Application(middlewares=[security_headers])

    async def health(request: web.Request) -> web.Response:
        file = context.database_file
        problem = file.problem() if file is not None else None
        if problem is not None:
            return web.json_response({"status": f"database file {problem}"}, status=503)
        knowledge = context.advisor.knowledge.version
        return web.json_response({"status": "ok", "mode": context.mode, "knowledge": knowledge})

    app.router.add_get("/healthz", health)
    if context.settings.web_url:
        for setup in ROUTE_MODULES if modules is None else modules:
            setup(app, context)
    return app


async def start_site(app: web.Application, host: str, port: int) -> web.AppRunner:
    """Serve ``app`` on ``host:port``; stop it with the runner's ``cleanup()``."""
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    try:
        await web.TCPSite(runner, host, port).start()
    except BaseException:
        await runner.cleanup()
        raise
    return runner
