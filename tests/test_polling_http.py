"""The poller over real HTTP against the fake Bot API: an update python-telegram-bot
cannot read silences nobody, and one user's backlog holds up no one else."""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.telegram import polling
from bot.telegram.run import RunningBot, running_bot
from fakebotapi import FakeBotAPI
from tests.test_telegram import bot_settings, last_id, next_message, send, start

USER = 5151
OTHER = 5252


@pytest.fixture
async def bot(
    api: FakeBotAPI, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[RunningBot]:
    monkeypatch.setattr(polling, "STOP_GRACE", 0.5)  # a backlog is left for the next start
    async with running_bot(bot_settings(api, tmp_path), webhook=False, host="127.0.0.1") as running:
        yield running


def poll_answer_of_an_older_bot_api() -> dict[str, object]:
    """A ``poll_answer`` without ``option_persistent_ids``, which PTB 22 requires."""
    return {
        "poll_answer": {
            "poll_id": "77",
            "user": {"id": USER, "is_bot": False, "first_name": "Geheimnaam"},
            "option_ids": [0],
        }
    }


async def test_an_update_ptb_cannot_read_is_skipped_and_confirmed(
    api: FakeBotAPI, bot: RunningBot, caplog: pytest.LogCaptureFixture
) -> None:
    await start(api)
    with caplog.at_level(logging.DEBUG, logger="bot"):
        bad = api.inject_update(poll_answer_of_an_older_bot_api())
        api.user_sends(USER, "een bericht met een geheime tekst", first_name="Geheimnaam")
        answer = await next_message(api, USER, last_id(api, USER))
        assert answer.plain_text
        other = await send(api, "/start", chat=OTHER)
        assert other.plain_text
        await api.wait_for(lambda a: not a.pending_updates)
    bot_lines = [r.getMessage() for r in caplog.records if r.name.startswith("bot")]
    skipped = [line for line in bot_lines if str(bad["update_id"]) in line]
    assert len(skipped) == 1 and "skipped" in skipped[0], bot_lines
    assert not any("Geheimnaam" in line or "geheime tekst" in line for line in bot_lines)


async def test_another_user_is_answered_within_a_second_of_a_150_message_backlog(
    api: FakeBotAPI, bot: RunningBot
) -> None:
    """Telegram lets a client forward 100 messages at once; replies to one chat go out at
    1 a second. The backlog is handled in its order, and the other user waits for none
    of it."""
    await start(api)
    await start(api, chat=OTHER)
    api.rate_limits(global_per_second=30, per_chat_per_second=1, per_chat_burst=3)
    for number in range(150):
        api.user_sends(USER, f"bericht {number}")
    await api.wait_for(lambda a: len(a.sent_to(USER)) > 4)  # the backlog is being handled
    before = last_id(api, OTHER)
    asked = time.monotonic()
    api.user_sends(OTHER, "/help")
    answer = await next_message(api, OTHER, before)
    assert answer.plain_text
    assert time.monotonic() - asked < 1.0
    assert len(api.sent_to(USER)) < 100, "the backlog was still being worked off"
    await api.wait_for(lambda a: len(a.sent_to(USER)) > 12, timeout=15)
    await api.wait_for(lambda a: not a.pending_updates, timeout=5)  # held, not lost


async def test_a_backlog_is_held_batch_after_batch_without_waiting_for_each(
    api: FakeBotAPI, bot: RunningBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Updates behind an earlier one of the same user cannot start before it, so they are
    held at once: the poller takes the whole backlog off Telegram in one ``getUpdates``
    per batch, not one ``HOLD_AFTER`` per batch (with each batch's first update waiting)."""
    await start(api)
    monkeypatch.setattr(polling, "HOLD_AFTER", 5.0)
    api.rate_limits(global_per_second=30, per_chat_per_second=1, per_chat_burst=3)
    for number in range(150):
        api.user_sends(USER, f"bericht {number}")
    asked = time.monotonic()
    await api.wait_for(lambda a: not a.pending_updates, timeout=10)
    assert time.monotonic() - asked < 2.5, "a batch waited HOLD_AFTER before it was held"
    assert len(api.sent_to(USER)) < 20, "taken off Telegram long before being answered"


async def test_no_user_is_remembered_for_a_persistence_there_is_none_of(
    api: FakeBotAPI, bot: RunningBot
) -> None:
    """PTB marks every update's chat and user for its persistence and empties the marks
    only when it saves; without one they grew by an entry per user, for good."""
    for chat in (USER, OTHER):
        assert (await send(api, "/start", chat=chat)).plain_text
    app = bot.application
    assert app.persistence is None
    assert not app._user_ids_to_be_updated_in_persistence
    assert not app._chat_ids_to_be_updated_in_persistence
