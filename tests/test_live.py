"""The live workshop session over real HTTP against the fake Bot API: a coordinator runs
three rounds with the six members of a cohort, votes are changed, a late joiner comes in
through the join link, a closed round refuses votes, a stale round's buttons expire, and
the projector's state and events show counts only from the minimum group on."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import aiohttp

from bot.telegram.channel import BUDGET_KEY, LIVE_KEY
from fakebotapi import FakeBotAPI
from fakebotapi.records import StoredMessage
from storage import Repository
from tests.dashboard_helpers import COORDINATOR_A, Site, site
from tests.test_telegram import callback_datas, send

LATE = 777


def members(s: Site) -> list[int]:
    cohort = s.cohorts["Workshop Zuid"]
    return [10_000 + cohort * 100 + n for n in range(6)]


async def press_and_answer(api: FakeBotAPI, chat: int, message_id: int, data: str) -> str:
    """Press a button (stale ones too) and return the text the bot answered it with."""
    update = api.user_presses(chat, message_id, data, strict=False)
    query_id = update["callback_query"]["id"]
    answer = await api.wait_for(lambda a: a.callback_answers.get(query_id))
    return str(answer.get("text") or "")


async def screen(api: FakeBotAPI, chat: int, contains: str) -> StoredMessage:
    """The member's live screen once it reads ``contains``."""

    def found(a: FakeBotAPI) -> StoredMessage | None:
        return next((m for m in a.sent_to(chat) if contains in m.content), None)

    return await api.wait_for(found, timeout=10)


async def state(s: Site, code: str) -> dict[str, Any]:
    async with aiohttp.ClientSession() as http, http.get(f"{s.root}/live/{code}/state") as r:
        assert r.status == 200
        return dict(await r.json())


async def open_session(s: Site, numbers: str) -> tuple[StoredMessage, str, str]:
    """The coordinator starts a session of the dilemmas ``numbers`` for "Workshop Zuid"
    and its first round: the control message, the code and the session id."""
    api = s.api
    for chat in members(s):
        api.add_user(chat)
    zuid = s.cohorts["Workshop Zuid"]
    choose = await send(api, f"/live {numbers}", chat=COORDINATOR_A)
    data = next(d for d in callback_datas(choose) if d.startswith(f"live:p:{zuid}:"))
    await press_and_answer(api, COORDINATOR_A, choose.message_id, data)
    control = await screen(api, COORDINATOR_A, "Projector")
    code = control.content.split("/live/")[1].split()[0]
    first = next(d for d in callback_datas(control) if d.startswith("live:n:"))
    await press_and_answer(api, COORDINATOR_A, control.message_id, first)
    return control, code, first.split(":")[2]


async def test_six_members_three_rounds_with_a_late_joiner(tmp_path: Path) -> None:
    async with site(tmp_path) as s:
        api = s.api
        for chat in (*members(s), LATE):
            api.add_user(chat)

        def consent(repo: Repository) -> None:
            repo.set_consent(repo.get_or_create_user("telegram", str(LATE), "nl").id, True)

        await s.bot.advisor.db.run(consent)
        zuid = s.cohorts["Workshop Zuid"]
        choose = await send(api, "/live 1 2 3", chat=COORDINATOR_A)
        data = next(d for d in callback_datas(choose) if d.startswith(f"live:p:{zuid}:"))
        await press_and_answer(api, COORDINATOR_A, choose.message_id, data)
        control = await screen(api, COORDINATOR_A, "Projector")
        assert "3 dilemma's" in control.content
        code = control.content.split("/live/")[1].split()[0]
        assert len(code) >= 24
        photo = next(m for m in api.sent_to(COORDINATOR_A) if m.kind == "photo")
        assert photo.file is not None
        for chat in members(s):
            await screen(api, chat, "U doet mee aan de live-sessie")
        assert (await state(s, code))["dilemma"] is None

        # Round 1: everyone places themselves; one changes their mind.
        first = next(d for d in callback_datas(control) if d.startswith("live:n:"))
        await press_and_answer(api, COORDINATOR_A, control.message_id, first)
        screens = {chat: await screen(api, chat, "Ronde 1 van 3") for chat in members(s)}
        sid = first.split(":")[2]
        for index, chat in enumerate(members(s)[:4]):
            answer = await press_and_answer(
                api, chat, screens[chat].message_id, f"live:v:{sid}:1:{index % 2}"
            )
            assert answer == "Genoteerd."
        assert (await state(s, code))["counts"] is None  # 4 voters, k = 5
        assert (await state(s, code))["voters"] == 4
        chat5, chat6 = members(s)[4:]
        await press_and_answer(api, chat5, screens[chat5].message_id, f"live:v:{sid}:1:4")
        await press_and_answer(api, chat6, screens[chat6].message_id, f"live:v:{sid}:1:4")
        await press_and_answer(api, chat6, screens[chat6].message_id, f"live:v:{sid}:1:3")
        await press_and_answer(api, chat6, screens[chat6].message_id, f"live:s:{sid}:1")
        now = await state(s, code)
        assert now["counts"] == [2, 2, 0, 1, 1] and now["voters"] == 6
        assert now["strong"] == 1
        assert set(now) >= {"dilemma", "poles", "counts", "voters"}
        edited = api.message(chat6, screens[chat6].message_id)
        assert "Uw keuze: 4, en dit speelt bij u sterk" in edited.content

        # Close: a vote is refused and the screen says so.
        close = f"live:x:{sid}:1"
        await press_and_answer(api, COORDINATOR_A, control.message_id, close)
        refused = await press_and_answer(api, chat5, screens[chat5].message_id, f"live:v:{sid}:1:0")
        assert "gesloten" in refused
        assert (await state(s, code))["counts"] == [2, 2, 0, 1, 1]
        await screen(api, chat5, "is gesloten")

        # The late joiner comes in through the join link, in the middle of the session.
        await send(api, f"/start live_{code}", chat=LATE)
        await press_and_answer(api, COORDINATOR_A, control.message_id, f"live:n:{sid}:1")
        round2 = {chat: await screen(api, chat, "Ronde 2 van 3") for chat in (*members(s), LATE)}
        # Edited in place: the members' round 2 is the message that showed round 1.
        assert round2[chat5].message_id == screens[chat5].message_id
        answer = await press_and_answer(api, LATE, round2[LATE].message_id, f"live:v:{sid}:2:2")
        assert answer == "Genoteerd."
        # A stale round's button: expired.
        stale = await press_and_answer(api, chat5, screens[chat5].message_id, f"live:v:{sid}:1:1")
        assert stale == "Deze knop is verlopen."
        assert (await state(s, code))["voters"] == 1

        # Round 3 and the end.
        await press_and_answer(api, COORDINATOR_A, control.message_id, f"live:n:{sid}:2")
        await screen(api, LATE, "Ronde 3 van 3")
        await press_and_answer(api, COORDINATOR_A, control.message_id, f"live:e:{sid}")
        for chat in (*members(s), LATE):
            await screen(api, chat, "De live-sessie is afgelopen")
        assert (await state(s, code))["ended"] is True
        summary = await screen(api, COORDINATOR_A, "Samenvatting van de live-sessie")
        assert (
            "6 stemmen, van Inclusief naar Efficiënt: 2 · 2 · 0 · 1 · 1; bij 1 speelt"
            in summary.content
        )
        assert "te weinig stemmen" in summary.content  # rounds 2 and 3: 1 and 0 voters
        csv = await api.wait_for(
            lambda a: next((m for m in a.sent_to(COORDINATOR_A) if m.kind == "document"), None),
            timeout=30,  # after the chart: matplotlib's first import is slow on a busy machine
        )
        assert csv.file is not None and b",6,2,2,0,1,1,1" in csv.file.data
        # The chart: a PNG sent as a photo (after the QR's), its explanation as the caption.
        chart = [m for m in api.sent_to(COORDINATOR_A) if m.kind == "photo"][-1]
        assert chart.message_id > summary.message_id
        assert chart.file is not None and chart.file.data.startswith(b"\x89PNG\r\n\x1a\n")
        assert "Waar de zaal stond, per dilemma" in chart.content
        assert "minder dan 5 stemmen staan er niet in" in chart.content

        # Anonymous: nothing per person in the projector state; in the member's export.
        def export(repo: Repository) -> dict[str, Any]:
            user = repo.get_or_create_user("telegram", str(chat6), "nl")
            return repo.privacy.export(user.id)

        exported = await s.bot.advisor.db.run(export)
        assert [v["position"] for v in exported["live_votes"]] == [3]


async def test_the_events_stream_sends_the_state_on_a_change(tmp_path: Path) -> None:
    async with site(tmp_path) as s:
        api = s.api
        for chat in members(s):
            api.add_user(chat)
        zuid = s.cohorts["Workshop Zuid"]
        choose = await send(api, "/live 5", chat=COORDINATOR_A)
        data = next(d for d in callback_datas(choose) if d.startswith(f"live:p:{zuid}:"))
        await press_and_answer(api, COORDINATOR_A, choose.message_id, data)
        control = await screen(api, COORDINATOR_A, "Projector")
        code = control.content.split("/live/")[1].split()[0]
        first = next(d for d in callback_datas(control) if d.startswith("live:n:"))
        await press_and_answer(api, COORDINATOR_A, control.message_id, first)
        sid = first.split(":")[2]
        chat = members(s)[0]
        live_screen = await screen(api, chat, "Ronde 1 van 1")
        async with aiohttp.ClientSession() as http:
            async with http.get(f"{s.root}/live/{code}/events") as r:
                assert r.headers["Content-Type"].startswith("text/event-stream")
                line = await asyncio.wait_for(r.content.readline(), 5)
                assert json.loads(line.decode().removeprefix("data: "))["voters"] == 0
                await r.content.readline()
                await press_and_answer(api, chat, live_screen.message_id, f"live:v:{sid}:1:2")
                line = await asyncio.wait_for(r.content.readline(), 1.5)
                assert json.loads(line.decode().removeprefix("data: "))["voters"] == 1
            async with http.get(f"{s.root}/live/{code}") as r:
                page = await r.text()
                assert '<script src="/live/static/live.js"' in page and "<script>" not in page
                assert "script-src 'self'" in r.headers["Content-Security-Policy"]
            async with http.get(f"{s.root}/live/{'x' * 24}/state") as r:
                assert r.status == 404


async def test_a_new_user_joining_by_the_qr_votes_in_the_current_round(tmp_path: Path) -> None:
    async with site(tmp_path) as s:
        api = s.api
        control, code, sid = await open_session(s, "4 5")
        newcomer = 888
        api.add_user(newcomer)
        consent = await send(api, f"/start live_{code}", chat=newcomer)
        agree = next(d for d in callback_datas(consent) if d.startswith("1:p:consent:yes"))
        await press_and_answer(api, newcomer, consent.message_id, agree)
        # Not from the next round on: round 1's screen comes now, and takes a vote.
        live_screen = await screen(api, newcomer, "Ronde 1 van 2")
        answer = await press_and_answer(api, newcomer, live_screen.message_id, f"live:v:{sid}:1:2")
        assert answer == "Genoteerd."
        assert (await state(s, code))["voters"] == 1
        # The next round edits that same message.
        await press_and_answer(api, COORDINATOR_A, control.message_id, f"live:n:{sid}:1")
        round2 = await screen(api, newcomer, "Ronde 2 van 2")
        assert round2.message_id == live_screen.message_id
        # The pushes count in the one budget the replies and the outbox sender share.
        shared = s.bot.application.bot_data
        assert shared[LIVE_KEY].pacer.budget is shared[BUDGET_KEY]


async def control(s: Site, code: str, body: object, **headers: str) -> int:
    """POST a move as the projector page's script does; the response's status."""
    url = f"{s.root}/live/{code}/control"
    async with aiohttp.ClientSession() as http:
        if isinstance(body, str):
            async with http.post(url, data=body, headers=headers) as r:
                return r.status
        async with http.post(url, json=body, headers=headers) as r:
            return r.status


async def test_the_facilitators_link_moves_the_session_on_from_the_page(tmp_path: Path) -> None:
    async with site(tmp_path) as s:
        api = s.api
        control_message, code, _ = await open_session(s, "4 5")
        edited = await api.wait_for(
            lambda a: (
                (m := a.message(COORDINATOR_A, control_message.message_id))
                and "Bedienen vanaf de laptop" in m.content
                and m
            ),
        )
        host = edited.content.split("Bedienen vanaf de laptop")[1].split(": ", 1)[1].split()[0]
        assert host.startswith(f"{s.root}/live/{code}#")
        key = host.split("#", 1)[1]
        assert len(key) >= 24 and key != code
        chat = members(s)[0]
        live_screen = await screen(api, chat, "Ronde 1 van 2")

        # Only the facilitator's key, only JSON, only from the page's own origin.
        close = {"key": key, "action": "close", "round": 1}
        assert await control(s, code, {**close, "key": "x" * len(key)}) == 403
        assert await control(s, code, "key=" + key + "&action=close&round=1") == 415
        assert await control(s, code, close, Origin="https://elsewhere.example") == 403
        assert await control(s, code, {**close, "action": "end"}) == 400
        assert (await state(s, code))["open"] is True

        assert await control(s, code, close, Origin=s.root) == 204
        assert (await state(s, code))["open"] is False
        await screen(api, chat, "is gesloten")
        assert "Ronde 1 van 2 is gesloten" in api.message(COORDINATOR_A, edited.message_id).content
        assert await control(s, code, {**close, "action": "next"}) == 204
        round2 = await screen(api, chat, "Ronde 2 van 2")
        assert round2.message_id == live_screen.message_id  # edited in place, as from the chat
        # The page showed round 1: a second click of "next" does not skip round 2.
        assert await control(s, code, {**close, "action": "next"}) == 409
        now = await state(s, code)
        assert now["round"] == 2 and key not in json.dumps(now)
        async with aiohttp.ClientSession() as http, http.get(f"{s.root}/live/{code}") as r:
            assert key not in await r.text()


async def test_a_session_of_one_level_starts_from_the_level_button(tmp_path: Path) -> None:
    """``/live`` without numbers: a cohort, then a level (its id has an underscore, which
    the buttons' check refused: every level button answered "expired")."""
    async with site(tmp_path) as s:
        api = s.api
        zuid = s.cohorts["Workshop Zuid"]
        choose = await send(api, "/live", chat=COORDINATOR_A)
        cohort = next(d for d in callback_datas(choose) if d == f"live:c:{zuid}")
        assert await press_and_answer(api, COORDINATOR_A, choose.message_id, cohort) == ""

        def levels(a: FakeBotAPI) -> list[str]:
            shown = callback_datas(a.message(COORDINATOR_A, choose.message_id))
            return [d for d in shown if d.startswith(f"live:d:{zuid}:")]

        level = (await api.wait_for(levels))[0]
        assert "_" in level
        assert await press_and_answer(api, COORDINATOR_A, choose.message_id, level) == ""
        control = await screen(api, COORDINATOR_A, "Projector")
        assert "3 dilemma's" in control.content
