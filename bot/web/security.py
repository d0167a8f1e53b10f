"""Headers every web response carries, and who a caller is (their address).

The pages run no inline script and load nothing from elsewhere, so the
Content-Security-Policy allows only the bot's own origin — plus, inside the Telegram
Mini App only, Telegram's ``telegram-web-app.js`` (see :data:`TELEGRAM_SCRIPT`). Personal
pages and API answers are never cached.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web

TELEGRAM_SCRIPT = "https://telegram.org/js/telegram-web-app.js"
"""The one outside script, and only on the Mini App's page (``/app?tg=1``)."""
MINI_APP = web.RequestKey("mini_app_page", bool)
"""Set on a request whose page is the Mini App's: its CSP allows Telegram's script."""
_POLICY = (
    "default-src 'none'; script-src 'self'{extra}; style-src 'self'; img-src 'self' blob: data:; "
    "connect-src 'self'; form-action 'self'; base-uri 'none'; "
    "frame-ancestors 'self' https://web.telegram.org"
)
CSP = _POLICY.format(extra="")
CSP_MINI_APP = _POLICY.format(extra=" " + TELEGRAM_SCRIPT)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@web.middleware
async def security_headers(request: web.Request, handler: Handler) -> web.StreamResponse:
    """CSP, no sniffing, no referrer; no caching but for the static files."""
    try:
        response = await handler(request)
    except web.HTTPException as exc:
        response = exc
    mini_app = request.get(MINI_APP) is True
    response.headers["Content-Security-Policy"] = CSP_MINI_APP if mini_app else CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    if request.path.startswith("/app/static/"):
        response.headers.setdefault("Cache-Control", "public, max-age=3600")
    else:
        response.headers["Cache-Control"] = "no-store"
    if isinstance(response, web.HTTPException) and response.status >= 400:
        raise response
    return response


def same_origin(request: web.Request, origin: str) -> None:
    """A change must come from the page itself: JSON (a form of another site cannot send
    it without asking first, and we never answer such a question), and from ``origin``
    when the browser names where it comes from."""
    sent_from = request.headers.get("Origin")
    if sent_from is not None and sent_from != origin:
        raise web.HTTPForbidden(text="cross-origin request")
    if request.content_type != "application/json":
        raise web.HTTPUnsupportedMediaType(text="send JSON")


def client_of(request: web.Request) -> str:
    """The caller's address: behind a platform's router (which appends the address it saw
    to X-Forwarded-For) that last entry, else the connection's own."""
    forwarded = request.headers.get("X-Forwarded-For", "")
    last = forwarded.rsplit(",", 1)[-1].strip()
    return last or request.remote or "?"
