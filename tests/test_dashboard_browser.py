"""The dashboard in a real browser: Debian's headless Chromium driven by Playwright.

Outside CI the tests skip when /usr/bin/chromium is missing (``apt-get install
chromium``); on CI (``CI=true``, where ``.ci/run`` installs it) they fail instead.
``DASHBOARD_SCREENSHOT=path.png`` saves the laptop view (docs/dashboard.png is made so).
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import quote

import pytest
from playwright.async_api import Browser, ConsoleMessage, Page, async_playwright

from tests.dashboard_helpers import COORDINATOR_A, COORDINATOR_B, Site, init_data, site
from tests.test_dashboard_api import dashboard_link

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
TIMEOUT_MS = 15_000

if not CHROMIUM.exists():
    if os.environ.get("CI") == "true":
        pytest.fail(f"{CHROMIUM} is missing on CI: .ci/run should have installed it")
    pytest.skip(
        f"{CHROMIUM} is missing: `apt-get install chromium` to run the browser tests",
        allow_module_level=True,
    )


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            yield launched
        finally:
            await launched.close()


def watch(page: Page) -> list[str]:
    """Every script error and console error of the page (a CSP violation is one)."""
    problems: list[str] = []

    def console(message: ConsoleMessage) -> None:
        if message.type == "error":
            problems.append(message.text)

    page.on("console", console)
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.set_default_timeout(TIMEOUT_MS)
    return problems


async def log_in(browser: Browser, s: Site, chat: int) -> tuple[Page, list[str]]:
    link = await dashboard_link(s, chat)
    page = await browser.new_page(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    problems = watch(page)
    await page.goto(link)
    await page.wait_for_url(f"{s.root}/app")
    await page.wait_for_selector("table.cohorts")
    return page, problems


async def test_log_in_create_a_cohort_download_the_qr_and_see_the_chart(
    browser: Browser, tmp_path: Path
) -> None:
    async with site(tmp_path) as s:
        page, problems = await log_in(browser, s, COORDINATOR_A)
        rows = page.locator("table.cohorts tbody tr")
        names = await page.locator("table.cohorts tbody tr strong").all_inner_texts()
        assert sorted(names) == ["Klein", "Workshop Zuid"]
        assert "Workshop Noord" not in await page.content()
        klein = rows.filter(has_text="Klein")
        assert "te weinig deelnemers" in await klein.inner_text()
        # 3 of 6 answered: both the 3 who did and the 3 who did not are fewer than the
        # minimum group (5), so the answered figure is withheld (storage/withholding.py).
        zuid = await rows.filter(has_text="Workshop Zuid").inner_text()
        assert "(3 van 6)" not in zuid
        assert "niet getoond: zou over te weinig mensen gaan" in zuid
        if target := os.environ.get("DASHBOARD_SCREENSHOT"):
            await page.screenshot(path=target, full_page=True)

        await page.fill("#create input[name=name]", "Voorjaar <b>2027</b>")
        await page.fill("#create input[name=workshop]", "2027-03-01T14:00")
        await page.click("#create button[type=submit]")
        await page.wait_for_selector("table.cohorts tbody tr:has-text('Voorjaar <b>2027</b>')")
        assert "Voorjaar" in await page.inner_text("#create-result")

        zuid = s.cohorts["Workshop Zuid"]
        async with page.expect_download() as waiting:
            await page.click(f"tr[data-cohort='{zuid}'] button[data-download='qr.png']")
        download = await waiting.value
        saved = tmp_path / "qr.png"
        await download.save_as(saved)
        assert saved.read_bytes().startswith(b"\x89PNG")
        assert download.suggested_filename == f"cohort-{zuid}-qr.png"

        await page.click("#tabs button[data-tab=insight]")
        bars = page.locator("#charts figure svg .chart-bar")
        await bars.first.wait_for()
        assert await bars.count() >= 2
        assert "Workshop Zuid" in await page.inner_text("#charts")

        await page.click("#tabs button[data-tab=broadcasts]")
        await page.wait_for_selector("#broadcasts p")
        assert "/broadcast" in await page.inner_text("#broadcasts")  # none sent yet

        assert problems == []


async def test_the_mini_app_signs_its_calls_with_init_data_on_a_phone(
    browser: Browser, tmp_path: Path
) -> None:
    async with site(tmp_path) as s:
        page = await browser.new_page(viewport={"width": 390, "height": 844})
        problems = watch(page)
        data = init_data(s.api.token, COORDINATOR_B)
        await page.goto(f"{s.root}/app#tgWebAppData={quote(data)}")
        await page.wait_for_selector("table.cohorts tbody tr")
        text = await page.inner_text("table.cohorts")
        assert "Workshop Noord" in text and "Workshop Zuid" not in text
        assert await page.locator("#logout").is_hidden()  # nothing to log out of
        width = await page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390  # no sideways scrolling on a phone
        assert problems == []


async def test_without_a_login_the_page_says_how_to_get_one(
    browser: Browser, tmp_path: Path
) -> None:
    async with site(tmp_path) as s:
        page = await browser.new_page()
        problems = watch(page)
        await page.goto(f"{s.root}/app")
        await page.wait_for_function(
            "document.getElementById('status').textContent.includes('/dashboard')"
        )
        assert await page.locator("#tabs").is_hidden()
        assert [p for p in problems if "401" not in p] == []
