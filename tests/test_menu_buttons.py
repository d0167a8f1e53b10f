"""Every coordinator and admin gets the Mini App menu button, members never (issue 18):
at start-up the bot sets it for each coordinator's and admin's chat that lacks it —
those made coordinator before the dashboard existed — once, recorded, so that a restart
sends nothing again; a chat whose user lost the role gets Telegram's default back."""

from __future__ import annotations

from pathlib import Path

from bot.telegram.run import RunningBot, running_bot
from fakebotapi import FakeBotAPI
from storage import Repository
from tests.dashboard_helpers import ADMIN, COORDINATOR_A, COORDINATOR_B, MEMBER, seed
from tests.test_telegram import bot_settings, free_port

WEB_URL = "https://dashboard.example.test"
MINI_APP = f"{WEB_URL}/app?tg=1"
FORMER = 504
"""Had the button as a coordinator; the role is gone."""
CHATS = (COORDINATOR_A, COORDINATOR_B, MEMBER, ADMIN, FORMER)


def seed_with_a_former_coordinator(repo: Repository) -> None:
    seed(repo)
    user = repo.get_or_create_user("telegram", str(FORMER), "nl")
    repo.set_consent(user.id, True)
    repo.web.record_menu_button("telegram", str(FORMER), MINI_APP)


async def start_up(tmp_path: Path, first: bool = False) -> tuple[FakeBotAPI, list[int]]:
    """Start the bot on the test's database, let its start-up menu buttons finish, stop:
    the fake server and the chats whose menu button it was asked to set."""
    async with FakeBotAPI() as api:
        for chat in CHATS:
            api.add_user(chat)
        port = str(free_port())  # not the default 8080: other test runs serve there too
        settings = bot_settings(api, tmp_path, WEB_URL=WEB_URL, ADMIN_IDS=str(ADMIN), PORT=port)
        async with running_bot(settings, webhook=False, host="127.0.0.1") as bot:
            await finished(bot)
            if first:
                await bot.advisor.db.run(seed_with_a_former_coordinator)
        calls = [int(c.params["chat_id"]) for c in api.calls_to("setChatMenuButton")]
        return api, calls


async def finished(bot: RunningBot) -> None:
    assert bot.menu_buttons is not None
    await bot.menu_buttons


async def test_coordinators_and_admins_get_the_button_once_and_members_never(
    tmp_path: Path,
) -> None:
    # The first start: the people are made after start-up (as before the dashboard).
    _, calls = await start_up(tmp_path, first=True)
    assert calls == []
    api, calls = await start_up(tmp_path)
    assert sorted(calls) == sorted([COORDINATOR_A, COORDINATOR_B, ADMIN, FORMER])
    for chat in (COORDINATOR_A, COORDINATOR_B, ADMIN):
        button = api.menu_buttons[chat]
        assert button["type"] == "web_app" and button["web_app"]["url"] == MINI_APP
    assert api.menu_buttons[FORMER] == {"type": "default"}
    assert MEMBER not in api.menu_buttons
    # Recorded: the next start sends none.
    _, calls = await start_up(tmp_path)
    assert calls == []
