"""The live projector page: ``/live/<code>`` (the page), ``/live/<code>/state`` (its JSON)
and ``/live/<code>/events`` (the same JSON as Server-Sent Events on every change), and
``/live/<code>/qr.svg`` (the join QR shown in the lobby). No login: the unguessable code
is the secret, and the page shows nothing of anyone — counts only, from
``INSIGHT_MIN_GROUP`` voters on.

The facilitator's link is the page with their key after a ``#`` (``/live/<code>#<key>``:
a fragment, so the key never reaches a server log or a referrer). Their page shows two
buttons, next round and close the round, which ``POST /live/<code>/control`` the JSON
``{"key", "action", "round"}`` from the page's own script: JSON from our own origin only
(a form of another site cannot send it), the key compared in constant time, and the
round the page showed, so a double click does not skip one.

Per session and language one :class:`Feed` computes the state once per change (changes
within :data:`COALESCE` seconds count as one) and every viewer's stream sends that; so
a hundred viewers cost one query per change, not a hundred. Changes come from the
process's :class:`bot.app.live.LiveHub`; on PostgreSQL a ``LISTEN`` task feeds it with
the changes of every process.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import io
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast
from urllib.parse import urlsplit

from aiohttp import web

from bot.app.live import Live, Moved
from bot.web.context import WebContext
from bot.web.security import CSP, same_origin
from flows.live.dialogue import JOIN_PREFIX
from flows.screens import Say
from knowledge.model import LANGUAGES

STATIC = Path(__file__).resolve().parent / "static"
LIVE_KEY = web.AppKey("live", Live)
FEEDS_KEY = web.AppKey("live_feeds", dict)
ORIGIN_KEY = web.AppKey("live_origin", str)
MOVED_KEY = web.AppKey("live_moved", object)
ACTIONS = {"next": "n", "close": "x"}
"""The moves the facilitator's page may make (ending the session stays in the chat,
where its summary goes)."""
COALESCE = 0.25
"""Seconds a feed waits after a change for others to come with it."""
KEEPALIVE = 15.0
"""Seconds between comments on an idle stream (proxies close silent connections)."""
MAX_STREAM = 12 * 3600.0
"""A stream ends after this long at the latest (the browser reconnects)."""
_CODE = r"{code:[A-Za-z0-9_-]{16,64}}"


@dataclass
class Feed:
    """The latest state of one session in one language, for every viewer."""

    code: str
    lang: str
    state: dict[str, Any]
    version: int = 0
    viewers: int = 0
    news: asyncio.Event = field(default_factory=asyncio.Event)
    task: asyncio.Task[None] | None = None

    def publish(self, state: dict[str, Any]) -> None:
        if state != self.state:
            self.state = state
            self.version += 1
            news, self.news = self.news, asyncio.Event()
            news.set()


def _lang(request: web.Request) -> str:
    accept = request.headers.get("Accept-Language", "")
    first = accept.split(",")[0].strip().lower()[:2]
    return first if first in LANGUAGES else LANGUAGES[0]


def setup(app: web.Application, context: WebContext) -> None:
    """Add the live page's routes (and its ``LISTEN`` task on PostgreSQL)."""
    advisor = context.advisor
    live = Live(
        advisor.db,
        lambda: advisor.knowledge,
        advisor.clock,
        advisor.admins,
        advisor.live_hub,
        context.settings.insight_min_group,
    )
    live.links = advisor.links
    app[LIVE_KEY] = live
    app[FEEDS_KEY] = {}
    parts = urlsplit(context.settings.web_url or "")
    app[ORIGIN_KEY] = f"{parts.scheme}://{parts.netloc}"
    app[MOVED_KEY] = context.live_moved
    router = app.router
    router.add_get(f"/live/{_CODE}", page)
    router.add_post(f"/live/{_CODE}/control", control)
    router.add_get(f"/live/{_CODE}/state", state)
    router.add_get(f"/live/{_CODE}/events", events)
    router.add_get(f"/live/{_CODE}/qr.svg", qr_svg)
    router.add_static("/live/static", STATIC)
    url = context.settings.database_url
    from storage.live_listen import is_postgres

    if is_postgres(url):
        app.cleanup_ctx.append(partial_listener(url, live))


def partial_listener(url: str, live: Live) -> Any:
    async def listener(app: web.Application) -> Any:
        from storage.live_listen import listen_forever

        def changed(session_id: int) -> None:
            if session_id == 0:  # reconnected: anything may have changed
                for feed in app[FEEDS_KEY].values():
                    feed.news.set()
                return
            live.hub.changed(session_id)

        task = asyncio.create_task(listen_forever(url, changed), name="live-listen")
        yield
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    return listener


async def _state(request: web.Request) -> tuple[int, dict[str, Any]]:
    found = await request.app[LIVE_KEY].state(request.match_info["code"], _lang(request))
    if found is None:
        raise web.HTTPNotFound()
    return found


async def state(request: web.Request) -> web.Response:
    _, current = await _state(request)
    return web.json_response(current)


async def qr_svg(request: web.Request) -> web.Response:
    import segno

    await _state(request)
    username = live_username(request)
    code = request.match_info["code"]
    link = f"https://t.me/{username}?start={JOIN_PREFIX}{code}" if username else code
    buffer = io.BytesIO()
    segno.make(link, error="m").save(buffer, kind="svg", scale=10, border=2, xmldecl=True)
    return web.Response(body=buffer.getvalue(), content_type="image/svg+xml")


async def control(request: web.Request) -> web.Response:
    """The facilitator's page moves the session on: 204, or 403 for a wrong key, 409 for
    a round that moved on already (the page then shows the state as it is)."""
    same_origin(request, request.app[ORIGIN_KEY])
    try:
        sent = await request.json()
    except ValueError:
        raise web.HTTPBadRequest(text="not JSON") from None
    if not isinstance(sent, dict):
        raise web.HTTPBadRequest(text="not an object")
    key, action, round_ = sent.get("key"), sent.get("action"), sent.get("round")
    if not isinstance(key, str) or action not in ACTIONS or type(round_) is not int:
        raise web.HTTPBadRequest(text="key, action and round expected")
    live: Live = request.app[LIVE_KEY]
    moved = await live.move_by_key(request.match_info["code"], key, ACTIONS[action], round_)
    if moved == "unknown":
        raise web.HTTPNotFound()
    if moved == "forbidden":
        raise web.HTTPForbidden(text="not the facilitator's key")
    if moved == "stale":
        raise web.HTTPConflict(text="the session has moved on")
    assert isinstance(moved, Moved)
    follow = cast(Callable[[Moved], Awaitable[None]] | None, request.app[MOVED_KEY])
    if follow is not None:
        await follow(moved)
    return web.Response(status=204)


def live_username(request: web.Request) -> str | None:
    links = request.app[LIVE_KEY].links
    return links.username if links is not None else None


async def page(request: web.Request) -> web.Response:
    _, current = await _state(request)
    lang = _lang(request)
    say = Say(request.app[LIVE_KEY].knowledge, lang)
    k = current["min_group"]
    texts = {
        "voters": say.label("live_page_voters", voters="{voters}"),
        "waiting": say.label("live_page_waiting", k=k),
        "lobby": say.label("live_page_lobby"),
        "ended": say.label("live_page_ended"),
        "closed": say.label("live_page_closed"),
        "first": say.label("btn_live_first"),
        "next": say.label("btn_live_next"),
        "refused": say.label("live_page_refused"),
    }
    code = request.match_info["code"]
    body = f"""<!doctype html>
<html lang="{lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(say.label("live_page_title"))}</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/live/static/live.css">
<script src="/live/static/live.js" defer></script>
</head>
<body data-code="{html.escape(code)}" data-texts="{html.escape(json.dumps(texts))}">
<main>
<p id="round" class="round"></p>
<h1 id="question"></h1>
<div id="lobby" class="lobby" hidden><p id="lobby-text"></p>
<img id="qr" src="/live/{html.escape(code)}/qr.svg" alt=""></div>
<div id="chart" class="chart">
<div class="poles"><span id="left"></span><span id="right"></span></div>
<div id="bars" class="bars" role="img"></div>
</div>
<p id="voters" class="voters" aria-live="polite"></p>
<p id="note" class="note"></p>
</main>
<nav id="host" class="host" hidden aria-label="{html.escape(say.label("live_page_host"))}">
<span id="refused" class="refused" hidden></span>
<button id="close" type="button">{html.escape(say.label("btn_live_close"))}</button>
<button id="next" type="button"></button>
</nav>
</body>
</html>
"""
    return web.Response(text=body, content_type="text/html")


def _feed(request: web.Request, session_id: int, current: dict[str, Any]) -> Feed:
    feeds: dict[tuple[int, str], Feed] = request.app[FEEDS_KEY]
    key = (session_id, _lang(request))
    feed = feeds.get(key)
    if feed is None:
        feed = feeds[key] = Feed(request.match_info["code"], key[1], current)
    if feed.task is None or feed.task.done():
        feed.task = asyncio.create_task(_follow(request.app, key, feed))
    return feed


async def _follow(app: web.Application, key: tuple[int, str], feed: Feed) -> None:
    """Keep ``feed`` current while anyone watches it."""
    live: Live = app[LIVE_KEY]
    try:
        while True:
            await live.hub.wait(key[0], KEEPALIVE)
            await asyncio.sleep(COALESCE)
            found = await live.state(feed.code, feed.lang)
            if found is None:
                feed.publish({**feed.state, "ended": True, "gone": True})
                break
            feed.publish(found[1])
            if feed.viewers == 0:
                break
    finally:
        app[FEEDS_KEY].pop(key, None)


async def events(request: web.Request) -> web.StreamResponse:
    session_id, current = await _state(request)
    feed = _feed(request, session_id, current)
    response = web.StreamResponse(
        headers={
            "Content-Type": "text/event-stream",
            "Cache-Control": "no-store",
            "X-Accel-Buffering": "no",
            "Content-Security-Policy": CSP,
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "no-referrer",
        }
    )
    await response.prepare(request)
    feed.viewers += 1
    loop = asyncio.get_running_loop()
    until = loop.time() + MAX_STREAM
    try:
        version = -1
        while loop.time() < until:
            if feed.version != version:
                version = feed.version
                await response.write(f"data: {json.dumps(feed.state)}\n\n".encode())
                if feed.state.get("gone"):
                    break
            news = feed.news
            try:
                await asyncio.wait_for(news.wait(), KEEPALIVE)
            except TimeoutError:
                await response.write(b": keepalive\n\n")
    except ConnectionResetError:
        pass
    finally:
        feed.viewers -= 1
    return response
