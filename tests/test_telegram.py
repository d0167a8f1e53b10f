"""The real bot from the app factory, over real HTTP, against the fake Bot API server."""

from __future__ import annotations

import asyncio
import json
import re
import socket
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from sqlalchemy import select

from bot.settings import Settings
from bot.telegram.channel import COMMANDS
from bot.telegram.run import SECRET_HEADER, RunningBot, running_bot
from fakebotapi import FakeBotAPI, StoredMessage
from flows.commands import ENGLISH_NAMES
from knowledge.model import Knowledge
from storage import Database, DatabaseUnavailable, OutboxMessage
from storage.migrate import upgrade

USER = 4242
ENGLISH_USER = 4343


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def bot_settings(api: FakeBotAPI, tmp_path: Path, **extra: str) -> Settings:
    env = {
        "BOT_TOKEN": api.token,
        "BOT_API_URL": api.root_url,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'bot.sqlite3'}",
        **extra,
    }
    return Settings.from_env(env)


@pytest.fixture
async def bot(api: FakeBotAPI, tmp_path: Path) -> AsyncIterator[RunningBot]:
    async with running_bot(bot_settings(api, tmp_path), webhook=False, host="127.0.0.1") as running:
        yield running


async def next_message(api: FakeBotAPI, chat: int, after: int) -> StoredMessage:
    """The first bot message in ``chat`` with an id above ``after``."""

    def found(a: FakeBotAPI) -> StoredMessage | None:
        return next((m for m in a.sent_to(chat) if m.message_id > after), None)

    return await api.wait_for(found)


def last_id(api: FakeBotAPI, chat: int) -> int:
    sent = api.sent_to(chat)
    return sent[-1].message_id if sent else 0


async def send(api: FakeBotAPI, text: str, chat: int = USER, lang: str = "nl") -> StoredMessage:
    before = last_id(api, chat)
    api.user_sends(chat, text, language_code=lang)
    return await next_message(api, chat, before)


async def press(
    api: FakeBotAPI, message: StoredMessage, data: str, chat: int = USER, lang: str = "nl"
) -> StoredMessage:
    before = last_id(api, chat)
    api.user_presses(chat, message.message_id, data, language_code=lang)
    return await next_message(api, chat, before)


async def start(api: FakeBotAPI, chat: int = USER, lang: str = "nl") -> StoredMessage:
    """/start and agree to the privacy statement: returns the first question."""
    consent = await send(api, "/start", chat=chat, lang=lang)
    assert "1:p:consent:yes" in callback_datas(consent)
    return await press(api, consent, "1:p:consent:yes", chat=chat, lang=lang)


def callback_datas(message: StoredMessage) -> list[str]:
    return [str(b.get("callback_data")) for b in message.buttons]


async def test_full_intake_with_buttons_to_advice_and_why(api: FakeBotAPI, bot: RunningBot) -> None:
    question = await start(api)
    assert "Vraag 1 van" in (question.plain_text or "")
    assert "1:size:zeer_groot" in callback_datas(question)
    answers = [
        "1:size:zeer_groot",
        "1:subgroups:veel",
        "1:sturingsvorm:_skip",
        "1:rol:_skip",
        "1:mandate:beperkt",
        "1:interests:hoog",
        "1:vertrouwen:_skip",
        "1:bestuurlijke_subgroep:informeel",
        "1:draagvlak_intern:_skip",
        "1:fase:_skip",
        "1:knelpunt:_skip",
    ]
    message = question
    for data in answers:
        pressed = message
        message = await press(api, pressed, data)
        edited = api.message(USER, pressed.message_id)
        assert edited.reply_markup is None or not edited.buttons, "keyboard not dropped"
        assert "✓" in (edited.plain_text or ""), "choice not shown on the question"
        bold = [e for e in edited.entities if e["type"] == "bold"]
        assert len(bold) >= 2, "the question's own bold and the bold choice"
        assert (edited.plain_text or "").endswith(
            (edited.plain_text or "")[bold[-1]["offset"] : bold[-1]["offset"] + bold[-1]["length"]]
        )
    advice = message
    assert "passen deze" in (advice.plain_text or "")
    assert "1:a:why" in callback_datas(advice)
    why = await press(api, advice, "1:a:why")
    assert "Waarom dit advies?" in (why.plain_text or "") and "Omvang: Meer dan 65" in (
        why.plain_text or ""
    )
    calls = api.calls_to("answerCallbackQuery")
    assert len(calls) == len(answers) + 2 and all(c.ok for c in calls)


async def test_free_text_back_skip_and_edit(api: FakeBotAPI, bot: RunningBot) -> None:
    await start(api)
    reply = await send(api, "we zitten met zo'n 70 partijen aan tafel")
    assert "Genoteerd: Meer dan 65" in (reply.plain_text or "")
    back = await press(api, reply, "1:subgroups:_back")
    assert "Vraag 1 van" in (back.plain_text or "")
    assert "✓ Meer dan 65" in [b["text"] for b in back.buttons]
    skipped = await press(api, back, "1:size:_skip")
    assert "Vraag 2 van" in (skipped.plain_text or "")
    advice = await send(api, "/advies")
    profile = await press(api, advice, "1:a:edit")
    question = await press(api, profile, "1:a:edit:size")
    recalculated = await press(api, question, "1:size:klein")
    assert "opnieuw berekend" in (recalculated.plain_text or "")


async def test_stale_and_forged_buttons_expire(api: FakeBotAPI, bot: RunningBot) -> None:
    first = await start(api)
    second = await press(api, first, "1:size:groot")
    for data in ("1:size:klein", "0:subgroups:veel", "<b>forged</b>", "1:a:why"):
        before = last_id(api, USER)
        api.user_presses(USER, first.message_id, data, strict=False)
        again = await next_message(api, USER, before)
        assert "Vraag 2 van" in (again.plain_text or "")
        answer = api.calls_to("answerCallbackQuery")[-1]
        assert answer.params.get("text") == "Deze knop is verlopen."
    assert second.message_id < last_id(api, USER)


async def test_double_tap_advances_once(api: FakeBotAPI, bot: RunningBot) -> None:
    question = await start(api)
    before = last_id(api, USER)
    api.user_presses(USER, question.message_id, "1:size:middel")
    api.user_presses(USER, question.message_id, "1:size:middel")
    await api.wait_for(lambda a: len(a.calls_to("answerCallbackQuery")) == 3)
    await asyncio.sleep(0.3)
    new = [m for m in api.sent_to(USER) if m.message_id > before]
    assert len(new) == 1 and "Vraag 2 van" in (new[0].plain_text or "")
    texts = [c.params.get("text") for c in api.calls_to("answerCallbackQuery")]
    assert "Al ontvangen." in texts


async def test_restart_mid_intake_resumes_at_the_same_question(
    api: FakeBotAPI, tmp_path: Path
) -> None:
    settings = bot_settings(api, tmp_path)
    async with running_bot(settings, webhook=False, host="127.0.0.1"):
        first = await start(api)
        await press(api, first, "1:size:groot")
    async with running_bot(settings, webhook=False, host="127.0.0.1"):
        resumed = await send(api, "/start")
        assert "We waren gebleven bij" in (resumed.plain_text or "")
        assert "Vraag 2 van" in (resumed.plain_text or "")


async def test_typed_html_is_escaped(api: FakeBotAPI, bot: RunningBot) -> None:
    await start(api)
    advice = await send(api, "/advies")
    detail = await press(api, advice, callback_datas(advice)[0])
    prompt = await press(api, detail, next(d for d in callback_datas(detail) if ":note:" in d))
    assert "Typ uw reflectie" in (prompt.plain_text or "")
    saved = await send(api, "<b>vet</b> & <script>alert(1)</script>")
    assert "<b>vet</b> & <script>alert(1)</script>" in (saved.plain_text or "")
    assert "&lt;b&gt;vet&lt;/b&gt; &amp; &lt;script&gt;" in (saved.text or "")


async def test_english_user_and_commands_per_language(
    api: FakeBotAPI, bot: RunningBot, knowledge: Knowledge
) -> None:
    welcome = await send(api, "/start", chat=ENGLISH_USER, lang="en-GB")
    assert "Welcome to" in (welcome.plain_text or "") and "May I keep" in (welcome.plain_text or "")
    question = await press(api, welcome, "1:p:consent:yes", chat=ENGLISH_USER, lang="en-GB")
    assert "Question 1 of" in (question.plain_text or "")
    dutch = api.commands_for("default", "")
    english = api.commands_for("default", "en")
    assert [c["command"] for c in dutch] == list(COMMANDS)
    assert [c["command"] for c in english] == [ENGLISH_NAMES.get(c, c) for c in COMMANDS]
    assert dutch[1]["description"] == knowledge.message("cmd_advies", "nl")
    assert english[1]["description"] == knowledge.message("cmd_advies", "en")


async def test_replies_survive_429_and_5xx(api: FakeBotAPI, bot: RunningBot) -> None:
    api.fail_next("sendMessage", status=429, retry_after=1)
    api.fail_next("sendMessage", status=502)
    reply = await send(api, "/start")
    assert "Welkom" in (reply.plain_text or "")
    assert api.stats.rate_limited == 1


async def test_polling_survives_getupdates_failing(
    api: FakeBotAPI, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Telegram answering getUpdates with 5xx, 429 or 409 (another poller): polling goes on
    after a pause (at least the one Telegram asked for), and every message gets its one
    reply."""
    monkeypatch.setattr("bot.telegram.polling.BACKOFF_START", 0.05)
    async with running_bot(bot_settings(api, tmp_path), webhook=False, host="127.0.0.1"):
        await send(api, "/start")
        api.fail_next("getUpdates", status=502)
        api.fail_next("getUpdates", status=429, retry_after=1)
        api.fail_next("getUpdates", status=409)
        before = last_id(api, USER)
        api.user_sends(USER, "/help")
        reply = await next_message(api, USER, before)
        assert "Zo werkt Netwerkwijzer" in (reply.plain_text or "")
        calls = api.calls_to("getUpdates")
        failed = [(index, call.status) for index, call in enumerate(calls) if not call.ok]
        assert sorted(status for _, status in failed) == [409, 429, 502]
        after_429 = next(index for index, status in failed if status == 429) + 1
        assert calls[after_429].time - calls[after_429 - 1].time >= 0.9, "waited as asked"
        await asyncio.sleep(0.3)
        assert [m.message_id for m in api.sent_to(USER) if m.message_id > before] == [
            reply.message_id
        ]


async def test_a_burst_of_users_gets_one_reply_each(api: FakeBotAPI, bot: RunningBot) -> None:
    """More updates at once than the poller keeps in hand: each handled once, and all
    confirmed to Telegram afterwards."""
    users = range(7000, 7060)
    for user in users:
        api.user_sends(user, "/start")
    await api.wait_for(lambda a: all(a.sent_to(u) for u in users), timeout=30)
    await api.wait_for(lambda a: not a.pending_updates)
    await asyncio.sleep(0.3)
    assert all(len(api.sent_to(user)) == 1 for user in users)


async def test_a_burst_from_one_user_does_not_hold_up_the_others(
    api: FakeBotAPI, bot: RunningBot
) -> None:
    """Thirty messages from one user at once: another user's message, sent right after,
    is answered long before the thirty are through."""
    for _ in range(30):
        api.user_sends(USER, "/help")
    other = await send(api, "/help", chat=ENGLISH_USER, lang="en")
    assert "How Netwerkwijzer works" in (other.plain_text or "")
    assert len(api.sent_to(USER)) < 15, len(api.sent_to(USER))
    await api.wait_for(lambda a: len(a.sent_to(USER)) == 30, timeout=30)


async def test_blocked_user_does_not_break_the_bot(api: FakeBotAPI, bot: RunningBot) -> None:
    await send(api, "/start")
    api.block(USER)
    api.user_sends(5151, "/start")
    api.block(5151)
    await api.wait_for(lambda a: a.stats.forbidden >= 1)
    api.unblock(5151)
    reply = await send(api, "/help", chat=5151)
    assert "Zo werkt Netwerkwijzer" in (reply.plain_text or "")


async def test_webhook_mode_secret_and_health(api: FakeBotAPI, tmp_path: Path) -> None:
    port = free_port()
    settings = bot_settings(
        api,
        tmp_path,
        WEBHOOK_URL=f"http://127.0.0.1:{port}/telegram",
        WEBHOOK_SECRET="s3cret-token",
        PORT=str(port),
    )
    async with running_bot(settings, webhook=True, host="127.0.0.1"):
        assert api.webhook is not None and api.webhook.secret_token == "s3cret-token"
        reply = await send(api, "/start")
        assert "Welkom" in (reply.plain_text or "")
        async with aiohttp.ClientSession() as http:
            update = {
                "update_id": 999,
                "message": {
                    "message_id": 1,
                    "date": 0,
                    "chat": {"id": 1, "type": "private"},
                    "text": "hi",
                },
            }
            url = f"http://127.0.0.1:{port}/telegram"
            async with http.post(url, json=update, headers={SECRET_HEADER: "wrong"}) as resp:
                assert resp.status == 403
            async with http.post(url, json=update) as resp:
                assert resp.status == 403
            async with http.get(f"http://127.0.0.1:{port}/healthz") as resp:
                assert resp.status == 200
                assert (await resp.json())["status"] == "ok"


def database_failing(monkeypatch: pytest.MonkeyPatch, db: Database, times: int) -> list[int]:
    """The next ``times`` units of work on ``db`` fail as if the database went away.
    Returns the count of failures still to come, in a list the test may change."""
    real_run = db.run
    failures = [times]

    async def flaky(work: Any) -> Any:
        if failures[0]:
            failures[0] -= 1
            raise DatabaseUnavailable("the database went away")
        return await real_run(work)

    monkeypatch.setattr(db, "run", flaky)
    return failures


async def test_database_failure_apologises_and_loses_nothing(
    api: FakeBotAPI, bot: RunningBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Polling: an update that failed for want of the database is handled again a moment
    later and gets its one real reply; only when it keeps failing is the user told."""
    monkeypatch.setattr("bot.telegram.channel.UPDATE_RETRY_DELAY", 0.2)
    first = await start(api)
    await press(api, first, "1:size:groot")
    failures = database_failing(monkeypatch, bot.advisor.db, 2)
    answered = await send(api, "veel werkgroepen")
    assert "Vraag 3 van" in (answered.plain_text or ""), "handled after all, once"
    assert failures == [0]
    # A button pressed while the database is away: answered, then handled.
    failures[0] = 1
    before = last_id(api, USER)
    api.user_presses(USER, answered.message_id, "1:sturingsvorm:gedeeld")
    handled = await next_message(api, USER, before)
    assert "Vraag 4 van" in (handled.plain_text or "")
    assert not any("iets mis" in (m.plain_text or "") for m in api.sent_to(USER))
    # Down for longer than the retries: the user is told, and nothing changed.
    failures[0] = 10
    sorry = await send(api, "/advies")
    assert "er ging iets mis" in (sorry.plain_text or "")
    failures[0] = 0
    resumed = await send(api, "/start")
    assert "Vraag 4 van" in (resumed.plain_text or "")


def pending_ids(api: FakeBotAPI) -> list[int]:
    return [int(update["update_id"]) for update in api.pending_updates]


async def test_polling_confirms_a_failed_update_only_once_it_is_handled(
    api: FakeBotAPI, bot: RunningBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The offset waits for an update that failed for want of the database; updates
    after it are handled meanwhile, each once, though Telegram hands them out again."""
    monkeypatch.setattr("bot.telegram.channel.UPDATE_RETRY_DELAY", 3.0)
    question = await press(api, await start(api), "1:size:groot")
    english = await start(api, chat=ENGLISH_USER, lang="en")
    failures = database_failing(monkeypatch, bot.advisor.db, 1)
    before = last_id(api, USER)
    api.user_sends(USER, "veel werkgroepen")
    held = pending_ids(api)[-1]
    await api.wait_for(lambda _: failures == [0])
    # Another user meanwhile: answered at once.
    answer = await press(api, english, "1:size:klein", chat=ENGLISH_USER, lang="en")
    assert "Question 2 of" in (answer.plain_text or "")
    assert held in pending_ids(api), "not confirmed before it is handled"
    polls = len(api.calls_to("getUpdates"))
    await api.wait_for(lambda a: len(a.calls_to("getUpdates")) > polls + 1)
    offsets = [call.params.get("offset") for call in api.calls_to("getUpdates")[polls:]]
    assert offsets and all(offset == held for offset in offsets), "it waits for the update"
    assert held in pending_ids(api)
    handled = await next_message(api, USER, before)
    assert "Vraag 3 van" in (handled.plain_text or ""), "handled after the pause"
    await api.wait_for(lambda a: not a.pending_updates)  # now confirmed, all of them
    user_texts = [m.plain_text or "" for m in api.sent_to(USER) if m.message_id > before]
    assert user_texts == [handled.plain_text], "one reply, no apology"
    english_texts = [m.plain_text or "" for m in api.sent_to(ENGLISH_USER)]
    assert sum("Question 2 of" in t for t in english_texts) == 1, "handed out again, handled once"
    assert question.message_id < handled.message_id


async def test_polling_leaves_an_unhandled_update_to_the_next_start(
    api: FakeBotAPI, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Stopped while an update waits for the database: it is not confirmed, and the next
    process handles it (once, without an apology); a press handled after it is handed
    out again but changes nothing."""
    monkeypatch.setattr("bot.telegram.channel.UPDATE_RETRY_DELAY", 30.0)
    settings = bot_settings(api, tmp_path)
    async with running_bot(settings, webhook=False, host="127.0.0.1") as first_bot:
        await press(api, await start(api), "1:size:groot")
        db = first_bot.advisor.db
        real_run = db.run
        attempts = [0]

        async def away(work: Any) -> Any:
            attempts[0] += 1
            raise DatabaseUnavailable("the database went away")

        monkeypatch.setattr(db, "run", away)
        before = last_id(api, USER)
        api.user_sends(USER, "veel werkgroepen")
        held = pending_ids(api)[-1]
        await api.wait_for(lambda _: attempts[0] >= 1)
        monkeypatch.setattr(db, "run", real_run)
        english = await start(api, chat=ENGLISH_USER, lang="en")
        answer = await press(api, english, "1:size:klein", chat=ENGLISH_USER, lang="en")
        assert "Question 2 of" in (answer.plain_text or "")
        monkeypatch.setattr(db, "run", away)  # still away when the process stops
    assert held in pending_ids(api), "left for the next start"
    assert not [m for m in api.sent_to(USER) if m.message_id > before], "no apology"
    async with running_bot(settings, webhook=False, host="127.0.0.1"):
        handled = await next_message(api, USER, before)
        assert "Vraag 3 van" in (handled.plain_text or "")
        await api.wait_for(lambda a: not a.pending_updates)
        await asyncio.sleep(0.3)
        resumed = await send(api, "/start", chat=ENGLISH_USER, lang="en")
    user_texts = [m.plain_text or "" for m in api.sent_to(USER) if m.message_id > before]
    assert user_texts == [handled.plain_text], "one reply"
    english_texts = [m.plain_text or "" for m in api.sent_to(ENGLISH_USER)]
    assert not any("Question 3 of" in t for t in english_texts), "the press counted once"
    assert "Question 2 of" in (resumed.plain_text or "")


async def test_webhook_answers_503_when_the_database_is_away_and_takes_the_retry(
    api: FakeBotAPI, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    port = free_port()
    settings = bot_settings(
        api,
        tmp_path,
        WEBHOOK_URL=f"http://127.0.0.1:{port}/telegram",
        WEBHOOK_SECRET="s3cret",
        PORT=str(port),
    )
    async with running_bot(settings, webhook=True, host="127.0.0.1") as running:
        first = await start(api)
        question = await press(api, first, "1:size:groot")
        db = running.advisor.db
        real_run = db.run
        down = [True]

        async def flaky(work: Any) -> Any:
            if down[0]:
                raise DatabaseUnavailable("the database went away")
            return await real_run(work)

        monkeypatch.setattr(db, "run", flaky)
        api.user_presses(USER, question.message_id, "1:subgroups:veel")
        update = api.pending_updates[-1]
        url = f"http://127.0.0.1:{port}/telegram"
        headers = {SECRET_HEADER: "s3cret"}
        async with aiohttp.ClientSession() as http:
            async with http.post(url, json=update, headers=headers) as resp:
                assert resp.status == 503, "Telegram is asked to deliver it again"
            down[0] = False
            async with http.post(url, json=update, headers=headers) as resp:
                assert resp.status == 200
            # Delivered a third time (a retry racing the first answer): no second reply.
            async with http.post(url, json=update, headers=headers) as resp:
                assert resp.status == 200
        # The fake delivers the update itself too, and tries again after its 503.
        await api.wait_for(lambda a: not a.pending_updates, timeout=10)
        texts = [m.plain_text or "" for m in api.sent_to(USER)]
        assert not any("iets mis" in t for t in texts), "nothing to apologise for"
        # Handled once; each other delivery (a post above, the fake's own) shows it again.
        assert sum("Vraag 3 van" in t for t in texts) == 3, "the question, then again"
        resumed = await send(api, "/start")
        assert "Vraag 3 van" in (resumed.plain_text or "")


async def test_remind_me_later_arrives_when_due(api: FakeBotAPI, bot: RunningBot) -> None:
    now = [datetime.now(UTC)]
    bot.advisor.clock = lambda: now[0]
    assert bot.outbox_sender is not None
    bot.outbox_sender.clock = lambda: now[0]
    await start(api)
    advice = await send(api, "/advies")
    reminded = await press(api, advice, "1:a:remind")
    # A week on, moved into the working hours like a nudge (it was now + 7 days, at
    # whatever hour, weekend or not); the answer names that moment.
    # (tests/test_reminders.py pins the moment.)
    assert "stuur ik u een herinnering" in (reminded.plain_text or "")
    assert "7 dagen" not in (reminded.plain_text or "")
    await asyncio.sleep(1.5)
    assert last_id(api, USER) == reminded.message_id, "sent before it was due"
    due = await bot.advisor.db.run(
        lambda repo: repo._session.scalars(
            select(OutboxMessage.due_at).where(OutboxMessage.kind == "reminder")
        ).one()
    )
    assert due.replace(tzinfo=UTC) - now[0] >= timedelta(days=7)
    now[0] = due.replace(tzinfo=UTC) + timedelta(minutes=1)  # inside the window, as planned
    reminder = await next_message(api, USER, reminded.message_id)
    assert "herinnering aan uw advies" in (reminder.plain_text or "")
    assert "1:a:open" in [b["callback_data"] for b in reminder.buttons]


async def test_privacy_journey_over_http(api: FakeBotAPI, bot: RunningBot) -> None:
    """Consent, a reflection with a phone number stored only redacted, the export as a
    document, and erasure that empties the user's data."""
    first = await start(api)
    advice = await send(api, "/advies")
    detail = await press(api, advice, callback_datas(advice)[0])
    prompt = await press(api, detail, next(d for d in callback_datas(detail) if ":note:" in d))
    assert "Typ uw reflectie" in (prompt.plain_text or "")
    warning = await send(api, "Bel de moeder van Sanne op 06-12345678 over de afspraak.")
    assert "gegevens van cliënten" in (warning.plain_text or "")
    assert "06-12345678" not in (warning.plain_text or "")
    saved = await press(api, warning, "1:a:redacted")
    assert "Uw reflectie is bewaard" in (saved.plain_text or "")
    export_reply = await send(api, "/mijngegevens")
    document = export_reply
    assert document.kind == "document", "the file carries its explanation as caption"
    assert "Hier is alles wat ik over u bewaar" in (document.plain_caption or "")
    assert document.file is not None
    exported = json.loads(document.file.data)
    texts = [r["text"] for r in exported["reflections"]]
    assert texts and all("06-12345678" not in t and "[verwijderd]" in t for t in texts)
    assert exported["users"][0]["channel_user_id"] == str(USER)
    assert first.message_id < export_reply.message_id
    confirm = await send(api, "/vergeet")
    gone = await press(api, confirm, "1:p:forget:yes")
    assert "verwijderd" in (gone.plain_text or "")
    remaining = await bot.advisor.db.run(
        lambda repo: repo.privacy.export(repo.get_or_create_user("telegram", str(USER), "nl").id)
    )
    assert all(not rows for table, rows in remaining.items() if table != "users")


async def test_retention_runs_when_the_bot_starts(api: FakeBotAPI, tmp_path: Path) -> None:
    settings = bot_settings(api, tmp_path, RETENTION_DAYS="365")
    old = Database(settings.database_url, clock=lambda: datetime.now(UTC) - timedelta(days=400))
    await upgrade(old)
    await old.run(lambda repo: repo.get_or_create_user("telegram", "31337", "nl"))
    await old.dispose()

    async def users(running: RunningBot) -> int:
        query = "SELECT count(*) FROM users WHERE channel_user_id = '31337'"
        return int(
            await running.advisor.db.run_connection(lambda c: c.exec_driver_sql(query).scalar_one())
        )

    async with running_bot(settings, webhook=False, host="127.0.0.1") as running:
        for _ in range(50):
            if not await users(running):
                break
            await asyncio.sleep(0.05)
        assert await users(running) == 0, "the inactive user was not forgotten"


async def test_cohort_deep_link_and_nudges_end_to_end(api: FakeBotAPI, tmp_path: Path) -> None:
    """A coordinator (an admin here) creates a cohort, a member joins through the deep
    link, the first nudge arrives at its planned time; the member snoozes and answers."""
    settings = bot_settings(api, tmp_path, ADMIN_IDS=str(USER))
    async with running_bot(settings, webhook=False, host="127.0.0.1") as running:
        now = [datetime(2026, 11, 23, 9, 0, tzinfo=UTC)]  # Monday
        running.advisor.clock = lambda: now[0]
        assert running.outbox_sender is not None
        running.outbox_sender.clock = lambda: now[0]
        await start(api)
        menu = [c["command"] for c in api.commands_for(f"chat:{USER}", "")]
        assert {"cohort", "coordinator"} <= set(menu), "the admin's own menu"
        assert "cohort" not in [c["command"] for c in api.commands_for("default", "")]

        listing = await send(api, "/cohort")
        ask_name = await press(api, listing, "1:c:new")
        assert "Hoe heet de workshop?" in (ask_name.plain_text or "")
        ask_when = await send(api, "Regio <Utrecht>")
        assert "«Regio <Utrecht>»" in (ask_when.plain_text or "")
        plans = await send(api, "24-11-2026 10:00")
        confirm = await press(api, plans, "1:c:plan:standaard")
        assert "dinsdag 24 november 2026 om 10:00" in (confirm.plain_text or "")
        before = last_id(api, USER)
        await press(api, confirm, "1:c:create")
        photo = await next_message(api, USER, before)
        assert photo.kind == "photo", "the QR code with the link as its caption"
        match = re.search(r"https://t\.me/(\w+)\?start=([A-Za-z0-9]+)", photo.plain_caption or "")
        assert match is not None and match.group(1) == api.bot_username
        code = match.group(2)

        member = 777
        consent = await send(api, f"/start {code}", chat=member)
        joined = await press(api, consent, f"1:p:consent:yes:{code}", chat=member)
        assert "U volgt nu: Regio <Utrecht>" in (joined.plain_text or "")
        assert "donderdag 26 november 2026 om 10:00" in (joined.plain_text or "")
        question = joined  # one message: the confirmation, then the first question
        assert "Vraag 1 van" in (question.plain_text or "")

        await asyncio.sleep(1.2)
        assert last_id(api, member) == question.message_id, "no nudge before its time"
        now[0] = datetime(2026, 11, 26, 9, 0, 30, tzinfo=UTC)  # Thursday 10:00:30 local
        nudge = await next_message(api, member, question.message_id)
        assert "Reflectievraag na de workshop" in (nudge.plain_text or "")
        data = callback_datas(nudge)
        later = next(d for d in data if d.startswith("1:n:later:"))
        snoozed = await press(api, nudge, later, chat=member)
        assert "vrijdag 27 november 2026 om 08:30" in (snoozed.plain_text or "")
        reply = next(d for d in data if d.startswith("1:n:reply:"))
        prompt = await press(api, nudge, reply, chat=member)
        assert "Typ uw antwoord" in (prompt.plain_text or "")
        kept = await send(api, "We bespreken het dilemma in het <b>bestuur</b>.", chat=member)
        assert "Uw reflectie is bewaard" in (kept.plain_text or "")
        assert "<b>bestuur</b>" in (kept.plain_text or ""), "typed HTML shown as text"
        assert "Vraag 1 van" in (kept.plain_text or ""), "back at the member's question"
        listing = await send(api, "/cohort")
        # One member is fewer than INSIGHT_MIN_GROUP: the count is not shown (issue 14).
        assert "aantal deelnemers niet getoond" in (listing.plain_text or "")
        assert "1 deelnemer(s)" not in (listing.plain_text or "")
        assert "ken ik niet" in ((await send(api, "/cohort", chat=member)).plain_text or "")


async def test_typed_answers_are_read_the_same_on_telegram(
    api: FakeBotAPI, bot: RunningBot
) -> None:
    """Issue 15 over HTTP: "ok" agrees, digits are a count, a denial is never noted."""
    consent = await send(api, "/start")
    assert "1:p:consent:yes" in callback_datas(consent)
    question = await send(api, "ok")
    assert "Vraag 1 van" in (question.plain_text or "")
    counted = await send(api, "4")
    assert "Genoteerd: Minder dan 10" in (counted.plain_text or "")
    not_known = await send(api, "geen idee")
    assert "noteer ik hier niets" in (not_known.plain_text or "")
    assert "1:subgroups:_skip" in callback_datas(not_known)
    await send(api, "3 werkgroepen")
    await send(api, "overslaan")  # sturingsvorm
    await send(api, "overslaan")  # rol
    denied = await send(api, "geen ruim mandaat")
    assert "niet Ruim mandaat" in (denied.plain_text or "")
    assert "Genoteerd" not in (denied.plain_text or "")


async def test_consent_buttons_make_way_for_the_choice(api: FakeBotAPI, bot: RunningBot) -> None:
    consent = await send(api, "/start")
    assert "1:p:consent:yes" in callback_datas(consent)
    await press(api, consent, "1:p:consent:yes")
    answered = api.message(USER, consent.message_id)
    assert not answered.buttons, "the consent buttons are gone once answered"
    assert "Akkoord" in (answered.plain_text or ""), "the choice is shown instead"
