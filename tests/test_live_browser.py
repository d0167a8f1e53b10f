"""The live projector page in headless Chromium (as the dashboard's browser tests): the
bars reach the right counts without a reload while votes arrive, with no console or CSP
error on the way. Skips outside CI without /usr/bin/chromium, fails on CI."""

from __future__ import annotations

from pathlib import Path

from playwright.async_api import Browser

from tests.dashboard_helpers import site
from tests.test_dashboard_browser import browser, watch
from tests.test_live import members, open_session, press_and_answer, screen

__all__ = ["browser"]


async def test_the_projector_bars_follow_the_votes_without_a_reload(
    browser: Browser, tmp_path: Path
) -> None:
    async with site(tmp_path) as s:
        _, code, sid = await open_session(s, "2")
        page = await browser.new_page(viewport={"width": 1280, "height": 720})
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
        assert navigations == []
        assert problems == []
        await page.close()
