"""The bot's web pages, served by its own aiohttp server on ``PORT`` when ``WEB_URL`` is
set: the coordinator dashboard (a Telegram Mini App, or a login link on a laptop) and
``/healthz``. :mod:`bot.web.server` builds the application from route modules; each
module adds its routes (see :data:`bot.web.server.ROUTE_MODULES`).
"""
