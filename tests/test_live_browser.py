"""The live projector page in headless Chromium (as the dashboard's browser tests): the
bars reach the right counts without a reload while votes arrive, with no console or CSP
error on the way. Skips outside CI without /usr/bin/chromium, fails on CI.
``LIVE_SCREENSHOT=path.png`` saves the projector with its bars (docs/live.png is made so)."""

from __future__ import annotations

import os
from pathlib import Path

from playwright.async_api import Browser

from tests.dashboard_helpers import COORDINATOR_A, site
from tests.test_dashboard_browser import browser, watch
from tests.test_live import members, open_session, press_and_answer, screen, state

__all__ = ["browser"]


async def test_the_projector_bars_follow_the_votes_without_a_reload(
    browser: Browser, tmp_path: Path
) -> None:
    async with site(tmp_path) as s:
        _, code, sid = await open_session(s, "2")
        page = await browser.new_page(viewport={"width": 1280, "height": 720}, locale="nl-NL")
        problems = watch(page)
        await page.goto(f"{s.root}/live/{code}")
        await page.wait_for_function("document.getElementById('voters').dataset.voters === '0'")
        assert await page.locator("#question").inner_text() != ""
        navigations: list[str] = []
        page.on("framenavigated", lambda frame: navigations.append(frame.url))
        places = [0, 0, 1, 4, 4, 2]
        for index, chat in enumerate(members(s)):
            message = await screen(s.api, chat, "Ronde 1 van 1")
            await press_and_answer(
                s.api, chat, message.message_id, f"live:v:{sid}:1:{places[index]}"
            )
            if index == 3:  # 4 voters: under the minimum of 5, no bars yet
                await page.wait_for_selector("#voters[data-voters='4']")
                assert await page.get_attribute("#bars", "data-counts") == "0,0,0,0,0"
                assert "5" in await page.locator("#note").inner_text()
        await page.wait_for_selector("#bars[data-counts='2,1,1,0,2']")
        assert await page.locator(".bar .count").all_inner_texts() == ["2", "1", "1", "0", "2"]
        assert "6" in await page.locator("#voters").inner_text()
        if target := os.environ.get("LIVE_SCREENSHOT"):
            await page.wait_for_timeout(400)  # the bars' height transition
            await page.screenshot(path=target)
        assert navigations == []
        assert problems == []
        await page.close()


async def test_the_facilitators_page_moves_the_session_on_and_hides_its_key(
    browser: Browser, tmp_path: Path
) -> None:
    async with site(tmp_path) as s:
        control_message, code, _ = await open_session(s, "2 3")
        edited = await s.api.wait_for(
            lambda a: (
                (m := a.message(COORDINATOR_A, control_message.message_id))
                and "Bedienen vanaf de laptop" in m.content
                and m
            ),
        )
        host = edited.content.split("Bedienen vanaf de laptop")[1].split(": ", 1)[1].split()[0]
        page = await browser.new_page(viewport={"width": 1280, "height": 720})
        problems = watch(page)
        await page.goto(host)
        await page.wait_for_selector("#host:not([hidden]) #close:not([disabled])")
        assert "#" not in page.url, "the key is off the address bar (a beamer shows it)"
        await page.click("#close")
        await page.wait_for_selector("#close[disabled]")
        assert (await state(s, code))["open"] is False
        await page.click("#next")
        await page.wait_for_selector("#round:has-text('2 / 2')")
        await page.wait_for_selector("#next[disabled]")  # the last round: no next one
        await screen(s.api, members(s)[0], "Ronde 2 van 2")
        # The projector page without the key has no buttons.
        viewer = await browser.new_page()
        await viewer.goto(f"{s.root}/live/{code}")
        await viewer.wait_for_selector("#round:has-text('2 / 2')")
        assert await viewer.locator("#host").is_hidden()
        assert problems == []
        await page.close()
        await viewer.close()
