"""The dashboard's routes: the page, its login links and its JSON API.

| route | what |
|---|---|
| ``GET /app`` | the page (``?tg=1``: as the Telegram Mini App) |
| ``GET /app/login/<token>`` | the login page; its script spends the link (POST) |
| ``POST /app/login/<token>`` | spend a login link for a session cookie |
| ``POST /app/logout`` | end the session |
| ``GET /app/api/me`` | the caller's language, texts, role and the plans to choose from |
| ``GET /app/api/cohorts`` | the contract's list ``[{"id", "name", "members", "link"}]`` |
| ``POST /app/api/cohorts`` | create a cohort |
| ``GET /app/api/overview`` | every cohort with its figures, and all of them together |
| ``POST /app/api/cohorts/<id>/close`` | close a cohort |
| ``GET /app/api/cohorts/<id>/qr.png``, ``qr.svg``, ``poster.pdf`` | what to hand out |
| ``GET /app/api/broadcasts`` | broadcasts with reports and shared anonymous answers |
| ``GET /app/api/chart.svg[?cohort=<id>]`` | recognised dilemmas of a cohort (or all) |
| ``GET /app/api/insight.csv`` | the figures as CSV |

A bare GET of a login link changes nothing (a link preview cannot spend it). State
changes need a POST from the page itself: JSON, from the bot's own origin.
"""

from __future__ import annotations

import asyncio
import io
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from aiohttp import web

from bot.app.dashboard import SESSION_VALID, Caller, Dashboard, DashboardError, Overview
from bot.app.insight import dilemma_title, insight_csv, is_shown, ranked_dilemmas
from bot.web import pages
from bot.web.auth import SESSION_COOKIE, Guard
from bot.web.context import WebContext
from bot.web.security import MINI_APP, TELEGRAM_SCRIPT, client_of, same_origin
from flows.dates import when
from flows.screens import Say
from storage.insight import GroupFigures
from storage.withholding import ACTIVE, BROADCASTS_ANSWERED, NUDGES_ANSWERED

DASHBOARD_KEY = web.AppKey("dashboard", Dashboard)
GUARD_KEY = web.AppKey("dashboard_guard", Guard)
ORIGIN_KEY = web.AppKey("web_origin", str)
Api = Callable[[web.Request, Caller], Awaitable[web.StreamResponse]]


def setup(app: web.Application, context: WebContext) -> None:
    """Add the dashboard's routes to the web application."""
    settings = context.settings
    assert settings.web_url is not None and settings.bot_token is not None
    dashboard = Dashboard(context.advisor, settings.insight_min_group)
    app[DASHBOARD_KEY] = dashboard
    app[GUARD_KEY] = Guard(dashboard, settings.bot_token)
    parts = urlsplit(settings.web_url)
    app[ORIGIN_KEY] = f"{parts.scheme}://{parts.netloc}"
    router = app.router
    router.add_get("/app", page)
    router.add_get("/app/login/{token}", login_page)
    router.add_post("/app/login/{token}", login)
    router.add_post("/app/logout", logout)
    router.add_static("/app/static", pages.STATIC_DIR)
    apis: list[tuple[str, str, Api]] = [
        ("GET", "/app/api/me", me),
        ("GET", "/app/api/cohorts", cohorts),
        ("POST", "/app/api/cohorts", create_cohort),
        ("GET", "/app/api/overview", overview),
        ("POST", "/app/api/cohorts/{id:\\d+}/close", close_cohort),
        ("GET", "/app/api/cohorts/{id:\\d+}/qr.png", qr_png),
        ("GET", "/app/api/cohorts/{id:\\d+}/qr.svg", qr_svg),
        ("GET", "/app/api/cohorts/{id:\\d+}/poster.pdf", poster),
        ("GET", "/app/api/broadcasts", broadcasts),
        ("GET", "/app/api/chart.svg", chart),
        ("GET", "/app/api/insight.csv", csv_file),
    ]
    for method, path, handler in apis:
        router.add_route(method, path, _authenticated(handler))


def _authenticated(handler: Api) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    async def checked(request: web.Request) -> web.StreamResponse:
        caller = await request.app[GUARD_KEY].caller(request)
        if request.method == "POST":
            same_origin(request, request.app[ORIGIN_KEY])
        return await handler(request, caller)

    return checked


def _secure(request: web.Request) -> bool:
    return request.app[ORIGIN_KEY].startswith("https://")


def _say(request: web.Request, lang: str) -> Say:
    return Say(request.app[DASHBOARD_KEY].knowledge, lang)


# -- pages ---------------------------------------------------------------------------


async def page(request: web.Request) -> web.Response:
    """The dashboard page: a shell the script fills from the API."""
    mini_app = request.query.get("tg") == "1"
    if mini_app:
        request[MINI_APP] = True
    lang = pages.language_of(request.headers.get("Accept-Language"))
    html = pages.render(
        "app.html",
        t=pages.texts(lang),
        lang=lang,
        mini_app=mini_app,
        telegram_script=TELEGRAM_SCRIPT,
    )
    return web.Response(text=html, content_type="text/html")


async def login_page(request: web.Request) -> web.Response:
    """The login page; it spends nothing (its script POSTs the token back)."""
    lang = pages.language_of(request.headers.get("Accept-Language"))
    if not await request.app[DASHBOARD_KEY].attempt(client_of(request)):
        raise web.HTTPTooManyRequests(text=pages.texts(lang)["rate_limited"], headers=_retry())
    usable = await request.app[DASHBOARD_KEY].login_open(request.match_info["token"])
    html = pages.render("login.html", t=pages.texts(lang), lang=lang, usable=usable)
    return web.Response(text=html, content_type="text/html", status=200 if usable else 410)


def _retry() -> dict[str, str]:
    return {"Retry-After": "60"}


async def login(request: web.Request) -> web.Response:
    """Spend a login link: a session cookie, or 410 when the link is no good."""
    if not await request.app[DASHBOARD_KEY].attempt(client_of(request)):
        raise web.HTTPTooManyRequests(headers=_retry())
    same_origin(request, request.app[ORIGIN_KEY])
    found = await request.app[DASHBOARD_KEY].redeem(request.match_info["token"], "browser")
    if found is None:
        raise web.HTTPGone(text='{"error": "gone"}', content_type="application/json")
    session, _ = found
    response = web.json_response({"ok": True, "next": "/app"})
    response.set_cookie(
        SESSION_COOKIE,
        session,
        max_age=int(SESSION_VALID.total_seconds()),
        path="/app",
        httponly=True,
        secure=_secure(request),
        samesite="Strict",
    )
    return response


async def logout(request: web.Request) -> web.Response:
    same_origin(request, request.app[ORIGIN_KEY])
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        await request.app[DASHBOARD_KEY].logout(token)
    response = web.json_response({"ok": True})
    response.del_cookie(SESSION_COOKIE, path="/app")
    return response


# -- API -----------------------------------------------------------------------------


async def me(request: web.Request, caller: Caller) -> web.Response:
    dashboard = request.app[DASHBOARD_KEY]
    say = _say(request, caller.language)
    plans = [
        {"id": p.id, "title": say.plain(p.title), "default": p.default}
        for p in dashboard.knowledge.plans
    ]
    return web.json_response(
        {
            "lang": caller.language,
            "texts": pages.texts(caller.language),
            "admin": caller.admin,
            "plans": plans,
            "timezone": dashboard.advisor.timezone,
            "min_group": dashboard.min_group,
        }
    )


async def cohorts(request: web.Request, caller: Caller) -> web.Response:
    """The contract's list: ``members`` is null under the minimum group size."""
    dashboard = request.app[DASHBOARD_KEY]
    found = await dashboard.cohorts(caller)
    k = dashboard.min_group
    return web.json_response(
        [
            {
                "id": cohort.id,
                "name": cohort.name,
                "members": cohort.members if shown and cohort.members >= k else None,
                "link": link,
            }
            for cohort, link, shown in found
        ]
    )


def _figures(group: GroupFigures | None) -> dict[str, Any]:
    if group is None:
        return {"members": None}
    return {
        "members": group.members,
        # null: withheld (storage.withholding), in every group alike.
        "active_30d": group.figure(ACTIVE),
        "nudges_sent": group.nudges_sent,
        "nudges_answered": group.figure(NUDGES_ANSWERED),
        "broadcasts_sent": group.broadcasts_sent,
        "broadcasts_answered": group.figure(BROADCASTS_ANSWERED),
    }


def _when(say: Say, moment: datetime, zone: str) -> str:
    """A moment in the chat's words (:func:`flows.dates.when`) on ``zone``'s wall clock."""
    return when(say, moment.astimezone(ZoneInfo(zone)).replace(tzinfo=None))


def overview_json(found: Overview, say: Say) -> dict[str, Any]:
    rows = [
        {
            "id": row.cohort.id,
            "name": row.cohort.name,
            "link": row.link,
            "workshop": row.cohort.workshop_at.isoformat(),
            "workshop_text": _when(say, row.cohort.workshop_at, row.cohort.timezone),
            "timezone": row.cohort.timezone,
            "plan": row.cohort.plan,
            "closed": row.cohort.closed,
            "steps_done": row.steps_done,
            "steps": row.steps,
            **_figures(row.figures),
            "hidden": row.hidden,
        }
        for row in found.cohorts
    ]
    together = _figures(found.together) if found.together is not None else None
    return {"min_group": found.min_group, "cohorts": rows, "together": together}


async def overview(request: web.Request, caller: Caller) -> web.Response:
    found = await request.app[DASHBOARD_KEY].overview(caller)
    return web.json_response(overview_json(found, _say(request, caller.language)))


async def _json_body(request: web.Request) -> dict[str, Any]:
    try:
        body = await request.json()
    except (ValueError, UnicodeDecodeError):
        raise web.HTTPBadRequest(
            text='{"error": "not JSON"}', content_type="application/json"
        ) from None
    if not isinstance(body, dict):
        raise web.HTTPBadRequest(text='{"error": "not an object"}', content_type="application/json")
    return body


async def create_cohort(request: web.Request, caller: Caller) -> web.Response:
    body = await _json_body(request)
    dashboard = request.app[DASHBOARD_KEY]
    values = {key: body.get(key) for key in ("name", "workshop", "timezone", "plan")}
    if not all(isinstance(value, str) for value in values.values()):
        field = next(key for key, value in values.items() if not isinstance(value, str))
        return web.json_response({"error": "invalid", "field": field}, status=422)
    try:
        cohort = await dashboard.create_cohort(caller, **values)  # type: ignore[arg-type]
    except DashboardError as exc:
        return web.json_response({"error": "invalid", "field": exc.field}, status=422)
    body = {"id": cohort.id, "name": cohort.name, "members": None, "link": dashboard.link(cohort)}
    return web.json_response(body, status=201)


def _cohort_id(request: web.Request) -> int:
    return int(request.match_info["id"])


async def close_cohort(request: web.Request, caller: Caller) -> web.Response:
    closed = await request.app[DASHBOARD_KEY].close_cohort(caller, _cohort_id(request))
    if closed is None:
        raise web.HTTPNotFound(text='{"error": "not found"}', content_type="application/json")
    return web.json_response({"closed": True, "changed": closed})


async def _link_of(request: web.Request, caller: Caller) -> tuple[str, str]:
    """(cohort name, deep link) of one of the caller's cohorts; 404 otherwise."""
    dashboard = request.app[DASHBOARD_KEY]
    cohort = await dashboard.cohort(caller, _cohort_id(request))
    link = dashboard.link(cohort) if cohort is not None else None
    if cohort is None or link is None:
        raise web.HTTPNotFound(text='{"error": "not found"}', content_type="application/json")
    return cohort.name, link


def _download(body: bytes, content_type: str, name: str) -> web.Response:
    return web.Response(
        body=body,
        content_type=content_type,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


async def qr_png(request: web.Request, caller: Caller) -> web.Response:
    from bot.app.followup import qr_png as make

    _, link = await _link_of(request, caller)
    return _download(make(link), "image/png", f"cohort-{_cohort_id(request)}-qr.png")


async def qr_svg(request: web.Request, caller: Caller) -> web.Response:
    import segno

    _, link = await _link_of(request, caller)
    buffer = io.BytesIO()
    segno.make(link, error="m").save(buffer, kind="svg", scale=10, border=4, xmldecl=True)
    return _download(buffer.getvalue(), "image/svg+xml", f"cohort-{_cohort_id(request)}-qr.svg")


async def poster(request: web.Request, caller: Caller) -> web.Response:
    from bot.app.followup import qr_png as make
    from bot.web.poster import poster_pdf

    name, link = await _link_of(request, caller)
    lang = caller.language
    now = request.app[DASHBOARD_KEY].advisor.clock()
    pdf = await asyncio.to_thread(poster_pdf, pages.texts(lang), lang, name, link, make(link), now)
    return _download(pdf, "application/pdf", f"cohort-{_cohort_id(request)}-poster.pdf")


async def broadcasts(request: web.Request, caller: Caller) -> web.Response:
    found = await request.app[DASHBOARD_KEY].broadcasts(caller)
    say = _say(request, caller.language)
    zone = request.app[DASHBOARD_KEY].advisor.timezone
    items = []
    for report in found:
        template = report.info.template
        question = say.knowledge.questions.get(template) if template else None
        text = say.plain(question.text) if question is not None else report.info.text
        delivery = report.delivery
        figures = None
        if delivery is not None:
            figures = {
                "total": delivery.total,
                "sent": delivery.sent,
                "pending": delivery.pending,
                "blocked": delivery.blocked,
                "failed": delivery.failed,
                "answered": delivery.answered,
            }
        items.append(
            {
                "id": report.info.id,
                "text": text,
                "status": report.info.status,
                "created": report.info.created_at.isoformat(),
                "created_text": _when(say, report.info.created_at, zone),
                "figures": figures,
                "shared": list(report.shared.texts),
                "shared_withheld": report.shared.withheld,
            }
        )
    return web.json_response(items)


async def chart(request: web.Request, caller: Caller) -> web.Response:
    """The recognised dilemmas of one cohort (``?cohort=<id>``) or of all together, as
    SVG; 404 for a group that is not shown (too small, or not the caller's)."""
    dashboard = request.app[DASHBOARD_KEY]
    wanted = request.query.get("cohort")
    groups = await dashboard.insight(caller)
    key = int(wanted) if wanted and wanted.isdigit() else None
    if wanted and key is None:
        raise web.HTTPNotFound()
    group = next((g for g in groups if g.cohort_id == key), None)
    if group is None or not is_shown(group, dashboard.min_group):
        raise web.HTTPNotFound(text='{"error": "not shown"}', content_type="application/json")
    t = pages.texts(caller.language)
    say = _say(request, caller.language)
    name = group.name if key is not None else t["together"]
    bars = [
        pages.Bar(pages.wrapped(dilemma_title(say, d)), n)
        for d, n in ranked_dilemmas(say, group.shown_dilemmas(), group.withheld_dilemmas)
    ]
    values = {"name": name, "members": group.members}
    svg = pages.chart_svg(
        pages.fill(t["chart_title"], values), bars, pages.fill(t["chart_empty"], values)
    )
    return web.Response(text=svg, content_type="image/svg+xml")


async def csv_file(request: web.Request, caller: Caller) -> web.Response:
    dashboard = request.app[DASHBOARD_KEY]
    groups = await dashboard.insight(caller)
    body = insight_csv(_say(request, caller.language), groups, dashboard.min_group)
    return _download(body, "text/csv", "inzicht.csv")


__all__ = ["overview_json", "setup"]
