"""The dashboard's API over real HTTP: who may call it (Mini App initData, login links,
sessions), what each caller sees, and the headers every answer carries."""

from __future__ import annotations

import io
import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from sqlalchemy import select

from bot.web.initdata import InitDataError, sign, verify
from bot.web.pages import all_texts
from knowledge.model import LANGUAGES
from storage import AuditEntry, Repository
from storage.models import WebLogin
from tests.dashboard_helpers import (
    ADMIN,
    COORDINATOR_A,
    COORDINATOR_B,
    MEMBER,
    REPLY_WAIT,
    Site,
    init_data,
    reply_to,
    site,
)


def tma(s: Site, telegram_id: int, **options: Any) -> dict[str, str]:
    return {"Authorization": "tma " + init_data(s.api.token, telegram_id, **options)}


async def get(s: Site, path: str, headers: dict[str, str] | None = None) -> tuple[int, Any]:
    async with aiohttp.ClientSession() as http, http.get(s.root + path, headers=headers) as r:
        body = await r.json() if r.content_type == "application/json" else await r.read()
        return r.status, body


async def test_a_coordinator_sees_only_their_own_cohorts(tmp_path: Path) -> None:
    async with site(tmp_path) as s:
        status, cohorts = await get(s, "/app/api/cohorts", tma(s, COORDINATOR_A))
        assert status == 200
        assert {c["name"] for c in cohorts} == {"Workshop Zuid", "Klein"}
        assert all(set(c) == {"id", "name", "members", "link"} for c in cohorts)
        by_name = {c["name"]: c for c in cohorts}
        assert by_name["Workshop Zuid"]["members"] == 6
        assert by_name["Klein"]["members"] is None  # under INSIGHT_MIN_GROUP
        assert by_name["Workshop Zuid"]["link"].endswith("?start=zuidCODE00000001")

        status, theirs = await get(s, "/app/api/cohorts", tma(s, COORDINATOR_B))
        assert [c["name"] for c in theirs] == ["Workshop Noord"]
        zuid = s.cohorts["Workshop Zuid"]
        for path in ("qr.png", "qr.svg", "poster.pdf"):
            status, _ = await get(s, f"/app/api/cohorts/{zuid}/{path}", tma(s, COORDINATOR_B))
            assert status == 404, path
        status, _ = await get(s, f"/app/api/chart.svg?cohort={zuid}", tma(s, COORDINATOR_B))
        assert status == 404
        async with aiohttp.ClientSession() as http:
            headers = {**tma(s, COORDINATOR_B), "Content-Type": "application/json"}
            async with http.post(
                f"{s.root}/app/api/cohorts/{zuid}/close", headers=headers, data="{}"
            ) as r:
                assert r.status == 404
        status, overview = await get(s, "/app/api/overview", tma(s, COORDINATOR_A))
        assert all(row["closed"] is False for row in overview["cohorts"])
        # Dates in the chat's words (flows.dates), not the browser's own format.
        shown = "maandag 2 november 2026 om 10:00"
        assert all(row["workshop_text"] == shown for row in overview["cohorts"])


async def test_an_admin_sees_every_cohort(tmp_path: Path) -> None:
    async with site(tmp_path) as s:
        status, cohorts = await get(s, "/app/api/cohorts", tma(s, ADMIN))
        assert status == 200
        assert {c["name"] for c in cohorts} == {"Workshop Zuid", "Klein", "Workshop Noord"}
        status, me = await get(s, "/app/api/me", tma(s, ADMIN))
        assert me["admin"] is True


@pytest.mark.parametrize(
    "header",
    [
        None,
        "tma ",
        "Bearer abc",
        "tma query_id=1&user=%7B%22id%22%3A501%7D&auth_date=1&hash=00",
    ],
    ids=["missing", "empty", "other scheme", "garbage hash"],
)
async def test_no_or_bad_credentials_get_401(tmp_path: Path, header: str | None) -> None:
    async with site(tmp_path) as s:
        headers = {"Authorization": header} if header is not None else None
        status, body = await get(s, "/app/api/cohorts", headers)
        assert status == 401 and body == {"error": "unauthorized"}


async def test_forged_and_expired_init_data_get_401(tmp_path: Path) -> None:
    async with site(tmp_path) as s:
        forged = init_data("123:another-bots-token", COORDINATOR_A)
        status, _ = await get(s, "/app/api/cohorts", {"Authorization": f"tma {forged}"})
        assert status == 401
        # Signed for the member, then the user id swapped for a coordinator's.
        member = init_data(s.api.token, MEMBER).replace(f"%3A+{MEMBER}", f"%3A+{COORDINATOR_A}")
        assert str(COORDINATOR_A) in member
        status, _ = await get(s, "/app/api/cohorts", {"Authorization": f"tma {member}"})
        assert status == 401
        old = tma(s, COORDINATOR_A, age=timedelta(hours=1, minutes=1))
        status, _ = await get(s, "/app/api/cohorts", old)
        assert status == 401
        fresh = tma(s, COORDINATOR_A, age=timedelta(minutes=59))
        status, _ = await get(s, "/app/api/cohorts", fresh)
        assert status == 200


async def test_a_member_or_a_stranger_gets_403(tmp_path: Path) -> None:
    async with site(tmp_path) as s:
        for who in (MEMBER, 123456):
            status, body = await get(s, "/app/api/cohorts", tma(s, who))
            assert status == 403 and body == {"error": "forbidden"}, who


def test_init_data_checks_fields_and_time() -> None:
    from datetime import UTC, datetime

    now = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)
    fields = {"user": '{"id": 7, "language_code": "en"}', "auth_date": str(int(now.timestamp()))}
    user = verify(sign(fields, "1:T"), "1:T", now)
    assert (user.telegram_id, user.language_code) == (7, "en")
    for bad in (
        sign(fields, "1:T") + "&user=x",  # a field twice
        sign({**fields, "auth_date": str(int(now.timestamp()) + 3600)}, "1:T"),  # future
        sign({"auth_date": fields["auth_date"]}, "1:T"),  # no user
        "not a query",
    ):
        with pytest.raises(InitDataError):
            verify(bad, "1:T", now)


async def dashboard_link(s: Site, chat: int) -> str:
    message = await reply_to(s, "/dashboard", chat)
    assert message.link_preview_options == {"is_disabled": True}
    match = re.search(r"(http\S+/app/login/[\w-]+)", message.plain_text or "")
    assert match is not None, message.plain_text
    return match.group(1)


async def test_a_login_link_works_once_and_a_bare_get_does_not_spend_it(tmp_path: Path) -> None:
    async with site(tmp_path) as s:
        link = await dashboard_link(s, COORDINATOR_A)
        message = s.api.last_message(COORDINATOR_A)
        assert message is not None and message.link_preview_options == {"is_disabled": True}
        # A preview fetch, twice: the page says "logging you in", nothing is spent.
        for _ in range(2):
            async with aiohttp.ClientSession() as http, http.get(link) as r:
                assert r.status == 200 and "login.js" in await r.text()
        async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
            post = {"headers": {"Content-Type": "application/json"}, "data": "{}"}
            async with http.post(link, **post) as r:
                assert r.status == 200
                cookie = r.headers["Set-Cookie"]
            assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/app" in cookie
            assert "Secure" not in cookie  # WEB_URL is http here
            async with http.get(f"{s.root}/app/api/cohorts") as r:
                assert r.status == 200
                assert {c["name"] for c in await r.json()} == {"Workshop Zuid", "Klein"}
            async with http.post(link, **post) as r:
                assert r.status == 410
            async with http.get(link) as r:
                assert r.status == 410
            async with http.post(f"{s.root}/app/logout", **post) as r:
                assert r.status == 200
            async with http.get(f"{s.root}/app/api/cohorts") as r:
                assert r.status == 401

        def actions(repo: Repository) -> list[str]:
            return list(repo._session.scalars(select(AuditEntry.action)))

        assert {"dashboard.link", "dashboard.login"} <= set(await s.bot.advisor.db.run(actions))


async def test_a_login_link_expires_after_ten_minutes(tmp_path: Path) -> None:
    async with site(tmp_path) as s:
        link = await dashboard_link(s, COORDINATOR_B)
        real = s.bot.advisor.clock
        s.bot.advisor.clock = lambda: real() + timedelta(minutes=10, seconds=1)
        async with aiohttp.ClientSession() as http:
            async with http.get(link) as r:
                assert r.status == 410
            post = {"headers": {"Content-Type": "application/json"}, "data": "{}"}
            async with http.post(link, **post) as r:
                assert r.status == 410


async def test_without_web_url_dashboard_says_it_is_off_and_makes_no_login(
    tmp_path: Path,
) -> None:
    async with site(tmp_path, web=False) as s:
        message = await reply_to(s, "/dashboard", COORDINATOR_A)
        assert "Het dashboard staat uit" in (message.plain_text or "")
        assert "/app/login/" not in (message.plain_text or "")

        def made(repo: Repository) -> tuple[int, list[str]]:
            logins = len(list(repo._session.scalars(select(WebLogin))))
            return logins, list(repo._session.scalars(select(AuditEntry.action)))

        logins, audited = await s.bot.advisor.db.run(made)
        assert logins == 0 and "dashboard.link" not in audited
        member = await reply_to(s, "/dashboard", MEMBER)
        assert "Het dashboard staat uit" not in (member.plain_text or "")


async def test_a_members_dashboard_command_is_an_unknown_command(tmp_path: Path) -> None:
    async with site(tmp_path) as s:
        message = await reply_to(s, "/dashboard", MEMBER)
        assert "/app/login/" not in (message.plain_text or "")
        assert s.api.menu_buttons.get(MEMBER) is None


async def test_https_web_url_gives_a_secure_cookie_and_the_mini_app_buttons(
    tmp_path: Path,
) -> None:
    async with site(tmp_path, web_url="https://dashboard.example.test") as s:
        link = await dashboard_link(s, COORDINATOR_A)
        message = s.api.last_message(COORDINATOR_A)
        assert message is not None and message.reply_markup is not None
        buttons = [b for row in message.reply_markup["inline_keyboard"] for b in row]
        assert buttons[0]["web_app"]["url"] == "https://dashboard.example.test/app?tg=1"
        assert buttons[1]["url"] == link
        menu = await s.api.wait_for(lambda a: a.menu_buttons.get(COORDINATOR_A), REPLY_WAIT)
        assert menu["type"] == "web_app"
        assert menu["web_app"]["url"] == "https://dashboard.example.test/app?tg=1"
        local = link.replace("https://dashboard.example.test", s.root)
        async with aiohttp.ClientSession() as http:
            headers = {"Content-Type": "application/json"}
            async with http.post(
                local, headers={**headers, "Origin": "https://evil.example"}, data="{}"
            ) as r:
                assert r.status == 403  # not from the dashboard's own page
            origin = {**headers, "Origin": "https://dashboard.example.test"}
            async with http.post(local, headers=origin, data="{}") as r:
                assert r.status == 200
                assert "Secure" in r.headers["Set-Cookie"]


async def test_create_and_close_a_cohort_are_audited(tmp_path: Path) -> None:
    async with site(tmp_path) as s:
        headers = {**tma(s, COORDINATOR_A), "Content-Type": "application/json"}
        body = {
            "name": "Voorjaar",
            "workshop": "2027-03-01T14:00",
            "timezone": "Europe/Amsterdam",
            "plan": "standaard",
        }
        async with aiohttp.ClientSession() as http:
            async with http.post(f"{s.root}/app/api/cohorts", headers=headers, json=body) as r:
                assert r.status == 201
                created = await r.json()
            assert created["name"] == "Voorjaar" and created["link"].startswith("https://t.me/")
            for wrong, field in (
                ({"plan": "nope"}, "plan"),
                ({"timezone": "Mars/Base"}, "timezone"),
            ):
                async with http.post(
                    f"{s.root}/app/api/cohorts", headers=headers, json=body | wrong
                ) as r:
                    assert r.status == 422 and (await r.json())["field"] == field
            close = f"{s.root}/app/api/cohorts/{created['id']}/close"
            async with http.post(close, headers=headers, data="{}") as r:
                assert await r.json() == {"closed": True, "changed": True}
            async with http.post(close, headers=headers, data="{}") as r:
                assert await r.json() == {"closed": True, "changed": False}
            plain = {"Authorization": headers["Authorization"]}
            async with http.post(close, headers=plain, data="x") as r:
                assert r.status == 415  # a form post from elsewhere is no JSON

        def audit(repo: Repository) -> list[tuple[str, str, dict[str, Any]]]:
            rows = repo._session.scalars(select(AuditEntry).order_by(AuditEntry.id))
            return [(e.action, e.subject, e.detail) for e in rows]

        entries = await s.bot.advisor.db.run(audit)
        subject = f"cohort:{created['id']}"
        assert ("cohort.closed", subject, {"via": "dashboard"}) in entries
        assert any(a == "cohort.created" and sub == subject for a, sub, _ in entries)


async def test_figures_downloads_and_charts(tmp_path: Path) -> None:
    async with site(tmp_path) as s:
        auth = tma(s, COORDINATOR_A)
        status, overview = await get(s, "/app/api/overview", auth)
        rows = {row["name"]: row for row in overview["cohorts"]}
        assert rows["Klein"]["members"] is None and "active_30d" not in rows["Klein"]
        assert rows["Klein"]["hidden"] == "too_few" and rows["Workshop Zuid"]["hidden"] is None
        assert rows["Workshop Zuid"]["members"] == 6
        # Issue 13: 3 of the 6 nudges answered, by 3 people: about fewer than k people,
        # so null (the chat shows "–"); all 6 active is about nobody in particular.
        assert (rows["Workshop Zuid"]["nudges_sent"], rows["Workshop Zuid"]["nudges_answered"]) == (
            6,
            None,
        )
        assert rows["Workshop Zuid"]["active_30d"] == 6
        assert rows["Workshop Zuid"]["steps"] >= 1
        assert overview["together"] is None  # one cohort shown: no second row
        zuid = s.cohorts["Workshop Zuid"]
        status, png = await get(s, f"/app/api/cohorts/{zuid}/qr.png", auth)
        assert status == 200 and png.startswith(b"\x89PNG")
        status, svg = await get(s, f"/app/api/cohorts/{zuid}/qr.svg", auth)
        assert status == 200 and b"<svg" in svg
        status, pdf = await get(s, f"/app/api/cohorts/{zuid}/poster.pdf", auth)
        assert status == 200 and pdf.startswith(b"%PDF")
        from pypdf import PdfReader

        poster = PdfReader(io.BytesIO(pdf))
        text = poster.pages[0].extract_text()
        assert len(poster.pages) == 1 and "Workshop Zuid" in text and "zuidCODE00000001" in text
        assert "Doe mee met de vervolgvragen" in text
        status, chart = await get(s, f"/app/api/chart.svg?cohort={zuid}", auth)
        assert status == 200 and b"<rect" in chart and b"Workshop Zuid" in chart
        klein = s.cohorts["Klein"]
        status, _ = await get(s, f"/app/api/chart.svg?cohort={klein}", auth)
        assert status == 404  # too small to show
        status, csv = await get(s, "/app/api/insight.csv", auth)
        assert status == 200 and b"Workshop Zuid,6" in csv and b"Klein," in csv
        assert b"Klein,2" not in csv


async def test_headers_and_health(tmp_path: Path) -> None:
    async with site(tmp_path) as s, aiohttp.ClientSession() as http:
        async with http.get(f"{s.root}/app") as r:
            assert r.status == 200
            page = await r.text()
            csp = r.headers["Content-Security-Policy"]
            assert "script-src 'self';" in csp and "telegram-web-app.js" not in csp
            assert "telegram.org" not in page
            assert r.headers["X-Content-Type-Options"] == "nosniff"
            assert r.headers["Referrer-Policy"] == "no-referrer"
            assert r.headers["Cache-Control"] == "no-store"
        async with http.get(f"{s.root}/app?tg=1") as r:
            assert (
                "https://telegram.org/js/telegram-web-app.js"
                in r.headers["Content-Security-Policy"]
            )
            assert 'src="https://telegram.org/js/telegram-web-app.js"' in await r.text()
        async with http.get(f"{s.root}/app/api/cohorts", headers=tma(s, COORDINATOR_A)) as r:
            assert r.headers["Cache-Control"] == "no-store"
        async with http.get(f"{s.root}/app/static/app.js") as r:
            assert r.status == 200 and r.headers["X-Content-Type-Options"] == "nosniff"
        async with http.get(f"{s.root}/healthz") as r:
            assert (await r.json())["mode"] == "polling"


async def test_login_attempts_are_rate_limited(tmp_path: Path) -> None:
    async with site(tmp_path) as s, aiohttp.ClientSession() as http:
        statuses = []
        for number in range(12):
            async with http.get(f"{s.root}/app/login/guess{number}") as r:
                statuses.append(r.status)
        assert statuses[:10] == [410] * 10 and statuses[10:] == [429, 429]


async def test_webhook_mode_serves_the_dashboard_on_the_same_server(tmp_path: Path) -> None:
    async with site(tmp_path, webhook=True) as s:
        status, cohorts = await get(s, "/app/api/cohorts", tma(s, COORDINATOR_B))
        assert status == 200 and [c["name"] for c in cohorts] == ["Workshop Noord"]
        status, health = await get(s, "/healthz")
        assert health["mode"] == "webhook"


def test_every_dashboard_text_is_in_both_languages() -> None:
    for key, value in all_texts().items():
        assert set(value) == set(LANGUAGES) and all(value.values()), key


def test_web_url_is_checked_and_defaults_to_the_webhooks_origin() -> None:
    from bot.settings import Settings, SettingsError

    assert Settings.from_env({"WEB_URL": "https://x.example/"}).web_url == "https://x.example"
    hook = {"WEBHOOK_URL": "https://bot.example:8443/telegram"}
    assert Settings.from_env(hook).web_url == "https://bot.example:8443"
    assert Settings.from_env({}).web_url is None
    with pytest.raises(SettingsError, match="WEB_URL"):
        Settings.from_env({"WEB_URL": "example.org"})


async def test_a_revoked_coordinator_loses_access_at_once(tmp_path: Path) -> None:
    async with site(tmp_path) as s:
        link = await dashboard_link(s, COORDINATOR_A)
        post = {"headers": {"Content-Type": "application/json"}, "data": "{}"}
        async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
            async with http.post(link, **post) as r:
                assert r.status == 200

            def revoke(repo: Repository) -> None:
                user = repo.web.user("telegram", str(COORDINATOR_A))
                assert user is not None
                repo.cohorts.set_role(user.user_id, "coordinator", False)

            await s.bot.advisor.db.run(revoke)
            async with http.get(f"{s.root}/app/api/cohorts") as r:
                assert r.status == 403
        status, _ = await get(s, "/app/api/cohorts", tma(s, COORDINATOR_A))
        assert status == 403


async def test_broadcast_reports_follow_the_anonymity_rules(tmp_path: Path) -> None:
    async with site(tmp_path) as s:

        def broadcasts(repo: Repository) -> None:
            user = repo.web.user("telegram", str(COORDINATOR_A))
            assert user is not None
            members = repo.cohorts.members(s.cohorts["Workshop Zuid"])
            shown = repo.broadcasts.create(user.user_id, "Wat nam u mee?", {}, members)
            repo.broadcasts.create(user.user_id, "Klein?", {"figures": False}, members[:2])
            sent = repo.outbox.pending_for(members[0])[0]
            answer = repo.add_reflection(members[0], "followup", "Meer overleg.", sent.id)
            repo.broadcasts.share(members[0], answer)
            assert sent.broadcast_id == shown

        await s.bot.advisor.db.run(broadcasts)
        status, items = await get(s, "/app/api/broadcasts", tma(s, COORDINATOR_A))
        assert status == 200
        by_text = {item["text"]: item for item in items}
        assert by_text["Klein?"]["figures"] is None
        first = by_text["Wat nam u mee?"]
        assert first["figures"]["total"] == 6 and first["figures"]["answered"] == 1
        # One member shared: their "anonymous" answer would be theirs, so it is withheld.
        assert first["shared"] == [] and first["shared_withheld"] is True
        assert re.fullmatch(r"\w+dag \d{1,2} \w+ \d{4} om \d\d:\d\d", first["created_text"])
        status, theirs = await get(s, "/app/api/broadcasts", tma(s, COORDINATOR_B))
        assert theirs == []
