"""One send path in the Telegram channel: what the bot sends on its own (a reminder from
the outbox) goes out exactly like a reply, link previews off, and no module of the
channel but bot/telegram/send.py calls sendMessage itself."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

from bot.telegram.outbox_sender import OutboxSender, SenderSettings
from fakebotapi import FakeBotAPI
from knowledge.store import KnowledgeStore
from storage import Database, Repository
from storage.migrate import upgrade

ROOT = Path(__file__).resolve().parent.parent
NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


async def test_an_outbox_message_has_no_link_preview_like_a_reply(
    api: FakeBotAPI, tmp_path: Path
) -> None:
    db = Database(f"sqlite:///{tmp_path / 'send.sqlite3'}", clock=lambda: NOW)
    await upgrade(db)
    bot = api.make_bot()
    await bot.initialize()
    try:
        api.add_user(301)

        def schedule(repo: Repository) -> None:
            user = repo.get_or_create_user("telegram", "301", "nl")
            repo.outbox.schedule(user.id, "reminder", NOW, {"subject": "advice"}, "r:301")

        await db.run(schedule)
        sender = OutboxSender(
            db, KnowledgeStore(), bot, lambda: NOW, SenderSettings(per_second=1000.0)
        )
        assert await sender.drain_once() == 1
        sent = api.sent_to(301)
        assert len(sent) == 1 and sent[0].link_preview_options == {"is_disabled": True}
    finally:
        await bot.shutdown()
        await db.dispose()


def test_only_the_send_module_sends_messages() -> None:
    calls = re.compile(r"\.(send_message|send_photo|send_document|edit_message_text)\b")
    senders = {
        str(path.relative_to(ROOT))
        for path in (ROOT / "bot" / "telegram").rglob("*.py")
        if calls.search(path.read_text(encoding="utf-8"))
    }
    # The channel edits the pressed message through its callback query (query.edit_...);
    # /dashboard sends its login link with a Mini App button, which a channel-neutral
    # Reply cannot carry.
    allowed = {"bot/telegram/send.py", "bot/telegram/channel.py", "bot/telegram/dashboard.py"}
    assert senders <= allowed, senders
    channel = (ROOT / "bot" / "telegram" / "channel.py").read_text(encoding="utf-8")
    assert not re.search(r"bot\.(send_message|send_photo|send_document)\b", channel)
