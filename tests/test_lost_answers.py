"""A connection lost after the request was written (review of issue 13): Telegram may
have sent the message, so nobody sends it again — not the HTTP client, not a reply's
retries, not the outbox sender, not the broadcast's report. Only what surely did not
reach Telegram (a failed connect) is tried again. Over real HTTP against the fake Bot
API, which performs the call and then drops the connection unanswered (``drop_next``)."""

from __future__ import annotations

import asyncio
import socket
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path

import pytest
from telegram import Bot
from telegram.error import NetworkError

from bot.telegram.broadcast_progress import BroadcastProgress
from bot.telegram.http import H11Request, MaybeDelivered, perhaps_delivered
from bot.telegram.outbox_sender import OutboxSender, SenderSettings
from bot.telegram.ratelimit import SendBudget
from bot.telegram.run import running_bot
from bot.telegram.send import with_retry
from fakebotapi import FakeBotAPI
from knowledge.store import KnowledgeStore
from storage import Database, OutboxMessage, Repository
from storage.migrate import upgrade
from tests.broadcast_helpers import COORDINATOR, report_of, seed
from tests.test_telegram import bot_settings, callback_datas, last_id, press, start

CHAT = 8101
NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


def h11_bot(api: FakeBotAPI) -> Bot:
    """A bot on the fake with the bot's own HTTP client."""
    return api.make_bot(request=H11Request(), get_updates_request=H11Request())


async def test_a_post_whose_connection_drops_after_it_was_read_may_be_delivered(
    api: FakeBotAPI,
) -> None:
    api.add_user(CHAT)
    api.drop_next("sendMessage")
    async with h11_bot(api) as bot:
        with pytest.raises(MaybeDelivered) as caught:
            await bot.send_message(CHAT, "Eén keer")
        assert perhaps_delivered(caught.value)
        assert [m.plain_text for m in api.sent_to(CHAT)] == ["Eén keer"]
        sent = await bot.send_message(CHAT, "Daarna gewoon")
    assert sent.text == "Daarna gewoon" and len(api.calls_to("sendMessage")) == 2


async def test_a_failed_connect_reached_nobody_and_may_be_tried_again() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # closed again: nobody listens there
    request = H11Request()
    await request.initialize()
    try:
        with pytest.raises(NetworkError) as caught:
            await request.post(f"http://127.0.0.1:{port}/botT/sendMessage")
    finally:
        await request.shutdown()
    assert not perhaps_delivered(caught.value)


async def test_a_reply_whose_connection_dropped_is_not_sent_twice(api: FakeBotAPI) -> None:
    """``with_retry`` retries network errors, but not this one: it went out."""
    api.add_user(CHAT)
    api.drop_next("sendMessage")
    async with h11_bot(api) as bot:
        with pytest.raises(MaybeDelivered):
            await with_retry(partial(bot.send_message, CHAT, "Eén keer"))
    assert [m.plain_text for m in api.sent_to(CHAT)] == ["Eén keer"]
    assert len(api.calls_to("sendMessage")) == 1


async def test_the_bot_answers_once_and_without_an_apology(api: FakeBotAPI, tmp_path: Path) -> None:
    async with running_bot(bot_settings(api, tmp_path), webhook=False, host="127.0.0.1"):
        api.drop_next("sendMessage")
        api.user_sends(CHAT, "/start")
        await api.wait_for(lambda a: a.sent_to(CHAT))
        await asyncio.sleep(0.8)  # a retry, or an apology, would have come by now
        sent = api.sent_to(CHAT)
    assert len(sent) == 1 and "1:p:consent:yes" in str(sent[0].reply_markup)
    assert not any("iets mis" in (m.plain_text or "") for m in sent)


async def test_an_outbox_row_whose_connection_dropped_counts_as_sent(
    api: FakeBotAPI, tmp_path: Path
) -> None:
    db = Database(f"sqlite:///{tmp_path / 'lost.sqlite3'}", clock=lambda: NOW)
    await upgrade(db)
    api.add_user(CHAT)

    def schedule(repo: Repository) -> None:
        user = repo.get_or_create_user("telegram", str(CHAT), "nl")
        repo.outbox.schedule(user.id, "reminder", NOW, {"subject": "advice"}, f"r:{CHAT}")

    def rows(repo: Repository) -> list[OutboxMessage]:
        return list(repo._session.query(OutboxMessage))

    try:
        await db.run(schedule)
        api.drop_next("sendMessage")
        async with h11_bot(api) as bot:
            settings = SenderSettings(per_second=1000.0)
            sender = OutboxSender(db, KnowledgeStore(), bot, lambda: NOW, settings)
            assert await sender.drain_once() == 1
            assert await sender.drain_once() == 0, "not given back to send again"
        [row] = await db.run(rows)
    finally:
        await db.dispose()
    assert row.status == "sent" and "connection lost" in (row.last_error or "")
    assert len(api.sent_to(CHAT)) == 1


async def test_a_broadcast_report_whose_connection_dropped_is_not_sent_twice(
    api: FakeBotAPI, tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'report.sqlite3'}"
    await seed(url, 2, broadcast="Wat neemt u mee?")
    db = Database(url)

    def deliver(repo: Repository) -> None:
        now = datetime.now(UTC)
        for row in repo.outbox.claim_due(now, 10, "t", timedelta(minutes=1)):
            repo.outbox.mark_sent(row.id, "t", now)

    try:
        await db.run(deliver)
        api.add_user(COORDINATOR)
        api.drop_next("sendMessage")
        async with h11_bot(api) as bot:
            progress = BroadcastProgress(
                db, KnowledgeStore(), bot, SendBudget(), lambda: datetime.now(UTC), every=0
            )
            await progress.report(force=True)
            await progress.report(force=True)
        sending = await db.run(lambda repo: repo.broadcasts.sending())
    finally:
        await db.dispose()
    assert report_of(api) is not None and sending == []
    assert len(api.sent_to(COORDINATOR)) == 1, "the report once"


async def test_the_replies_after_one_probably_delivered_still_go(
    api: FakeBotAPI, tmp_path: Path
) -> None:
    """/mijngegevens at a question: the export's connection drops once it was written; the
    question after it still comes, and nothing is sent twice or apologised for."""
    async with running_bot(bot_settings(api, tmp_path), webhook=False, host="127.0.0.1"):
        first = await start(api, chat=CHAT)
        await press(api, first, "1:size:groot", chat=CHAT)
        before = last_id(api, CHAT)
        api.drop_next("sendDocument")
        api.user_sends(CHAT, "/mijngegevens")
        question = await api.wait_for(
            lambda a: next(
                (
                    m
                    for m in a.sent_to(CHAT)
                    if "Vraag 2 van" in m.content and m.message_id > before
                ),
                None,
            )
        )
        await asyncio.sleep(0.5)
        after = [m for m in api.sent_to(CHAT) if m.message_id > before]
    assert [m.kind for m in after] == ["document", "text"]
    assert after[-1].message_id == question.message_id
    assert "1:subgroups:_skip" in callback_datas(question)
    assert not any("iets mis" in m.content for m in after)
