"""Telegram's ``my_chat_member`` updates: a member who blocks the bot is left out of the
next broadcast's audience and its preview count (not tried and refused with a 403), and
counted again once they start the bot again."""

from __future__ import annotations

from pathlib import Path

from bot.telegram.run import running_bot
from fakebotapi import FakeBotAPI, StoredMessage
from tests.broadcast_helpers import COORDINATOR, FIRST_MEMBER, received, report_of, seed
from tests.test_telegram import bot_settings, callback_datas, press, send, start

MEMBERS = 20
BLOCKED = 6
"""Enough that the count differs from the cohort's by the minimum group (5): shown."""
MARKER = "Vraag van uw workshopcoördinator"


async def summary_of_a_broadcast(api: FakeBotAPI, text: str) -> StoredMessage:
    """A broadcast to all of the coordinator's members, composed up to its summary."""
    await send(api, "/broadcast", chat=COORDINATOR)
    await handled(api)
    before = api.sent_to(COORDINATOR)[-1].message_id
    api.user_sends(COORDINATOR, text)
    audience = await api.wait_for(
        lambda a: next(
            (
                m
                for m in a.sent_to(COORDINATOR)
                if m.message_id > before and "1:c:bnext" in callback_datas(m)
            ),
            None,
        )
    )
    sample = await press(api, audience, "1:c:bnext", chat=COORDINATOR)
    return await api.wait_for(
        lambda a: next(
            (m for m in a.sent_to(COORDINATOR) if m.message_id > sample.message_id), None
        )
    )


async def handled(api: FakeBotAPI) -> None:
    """Every update so far handled (the poller confirms an update only then)."""
    await api.wait_for(lambda a: not a.pending_updates)


async def test_a_member_who_blocked_the_bot_is_left_out_until_they_start_it_again(
    api: FakeBotAPI, tmp_path: Path
) -> None:
    settings = bot_settings(api, tmp_path, ADMIN_IDS=str(COORDINATOR))
    await seed(settings.database_url, MEMBERS)
    for n in range(MEMBERS):
        api.add_user(FIRST_MEMBER + n)
    async with running_bot(settings, webhook=False, host="127.0.0.1"):
        await start(api, chat=COORDINATOR)
        for n in range(BLOCKED):  # Telegram: my_chat_member, member -> kicked
            api.block(FIRST_MEMBER + n, notify=True)
        await handled(api)
        summary = await summary_of_a_broadcast(api, "Wat deed u anders?")
        assert f"naar {MEMBERS - BLOCKED} deelnemer(s)" in (summary.plain_text or "")
        await press(api, summary, "1:c:bsend", chat=COORDINATOR)
        report = await api.wait_for(report_of, timeout=30)
        assert api.stats.forbidden == 0, "not even tried"
        assert received(api, MEMBERS, MARKER) == [0] * BLOCKED + [1] * (MEMBERS - BLOCKED)
        assert "Bot geblokkeerd: 0" in (report.plain_text or "")
        api.unblock(FIRST_MEMBER, notify=True)  # started again: kicked -> member
        await handled(api)
        again = await summary_of_a_broadcast(api, "En deze week?")
        assert f"naar {MEMBERS - BLOCKED + 1} deelnemer(s)" in (again.plain_text or "")
