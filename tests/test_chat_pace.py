"""About one message a second per chat, as Telegram allows: replies that read as one are
one message (joining a cohort: the confirmation and the first question), files carry
their explanation as caption, and a chat past its short burst gets one message a second,
without other chats waiting for it. Over real HTTP against the fake Bot API, which answers
429 beyond Telegram's limits (``rate_limits``: a burst of three, then one a second)."""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.telegram.channel import MAX_CONCURRENT_UPDATES
from bot.telegram.ratelimit import (
    CURRENT_SLOT,
    PER_CHAT_BURST,
    PER_CHAT_PER_SECOND,
    ChatPace,
    UpdateSlot,
    pace_of,
    set_chat_rate,
)
from bot.telegram.run import running_bot
from bot.telegram.send import CAPTION_LIMIT, MESSAGE_LIMIT, combined
from fakebotapi import FakeBotAPI
from flows.replies import APART, Attachment, Button, Reply, Span, last
from storage import Database, Repository
from storage.migrate import upgrade
from tests.test_telegram import (
    bot_settings,
    callback_datas,
    last_id,
    next_message,
    press,
    start,
)

COORDINATOR = 5100
MEMBER = 5200


def text(body: str, *buttons: str, **meta: str) -> Reply:
    rows = tuple((Button(label, f"1:x:{label}"),) for label in buttons)
    return Reply((Span(body),), rows, meta=dict(meta))


def like_telegram(api: FakeBotAPI) -> None:
    """Telegram's limits: 30 messages a second per bot, one a second per chat after a
    burst of three; a 429 with ``retry_after`` beyond them."""
    api.rate_limits(global_per_second=30, per_chat_per_second=1, per_chat_burst=3)


def send_times(api: FakeBotAPI) -> dict[int, list[float]]:
    """When each chat's accepted messages reached the fake, in order."""
    times: dict[int, list[float]] = defaultdict(list)
    for call in api.calls:
        if call.method in ("sendMessage", "sendPhoto", "sendDocument") and call.ok:
            times[int(str(call.params["chat_id"]))].append(call.time)
    return times


# -- combining -------------------------------------------------------------------------


def test_a_notice_and_the_question_after_it_are_one_message() -> None:
    joined = text("U volgt nu de workshop Zuid.", screen="joined")
    question = text("Vraag 1 van 9", "klein", "groot", screen="question")
    [one] = combined([joined, question])
    assert one.plain == "U volgt nu de workshop Zuid.\n\nVraag 1 van 9"
    assert one.buttons == question.buttons and one.meta["screen"] == "question"


def test_a_file_carries_the_text_before_and_after_it_as_caption() -> None:
    photo = Reply((Span("De QR-code"),), attachment=Attachment("photo", "qr.png", b"png"))
    [one] = combined([text("Het cohort is aangemaakt."), photo, text("Verder?", "verder")])
    assert one.attachment is photo.attachment
    assert one.plain == "Het cohort is aangemaakt.\n\nDe QR-code\n\nVerder?"
    assert one.actions == ["1:x:verder"]


def test_what_does_not_read_as_one_stays_apart() -> None:
    question = text("Vraag 1 van 9", "klein")
    after = text("Wilt u dit delen?", "ja")
    assert combined([question, after]) == [question, after], "buttons stay under their text"
    chart = Reply((Span("grafiek"),), attachment=Attachment("photo", "c.png", b"png"))
    csv = Reply((Span("csv"),), attachment=Attachment("document", "c.csv", b"a,b"))
    assert combined([chart, csv]) == [chart, csv], "one file a message"
    long = text("x" * (MESSAGE_LIMIT - 5))
    assert combined([long, text("Vraag 1")]) == [long, text("Vraag 1")], "at most 1,200"
    caption = text("y" * (CAPTION_LIMIT - 5))
    assert len(combined([caption, chart])) == 2, "a caption holds at most 1,024"
    sample = text("Vraag van uw coördinator", **{APART: "yes"})
    assert len(combined([sample, text("☝ Zo krijgen de deelnemers het bericht", "ok")])) == 2


def test_the_screen_to_go_on_from_is_never_a_files_caption() -> None:
    """A question, or the screen the core marks LAST (the question again after a side
    screen), stays a message of its own after a file: its buttons under its text."""
    export = Reply((Span("Hier is alles"),), attachment=Attachment("document", "u.json", b"{}"))
    question = text("Vraag 2 van 9", "geen", screen="question", question="subgroups")
    assert combined([export, question]) == [export, question]
    again = last(text("Verder waar we waren", "verder", screen="resume_intake"))
    assert combined([export, again]) == [export, again]
    notice = text("U volgt nu de workshop Zuid.")
    [one] = combined([notice, question])
    assert one.plain.endswith("Vraag 2 van 9"), "a text before the question still joins"


async def test_a_question_after_a_file_keeps_its_own_message_over_http(
    api: FakeBotAPI, tmp_path: Path
) -> None:
    """/mijngegevens in the middle of the intake: the export, then the question again as a
    text message with its keyboard, which an answer marks (a caption it could not)."""
    async with running_bot(bot_settings(api, tmp_path), webhook=False, host="127.0.0.1"):
        first = await start(api, chat=MEMBER)
        second = await press(api, first, "1:size:groot", chat=MEMBER)
        assert "1:subgroups:_skip" in callback_datas(second)
        before = last_id(api, MEMBER)
        api.user_sends(MEMBER, "/mijngegevens")
        await api.wait_for(
            lambda a: len([m for m in a.sent_to(MEMBER) if m.message_id > before]) == 2
        )
        document, question = [m for m in api.sent_to(MEMBER) if m.message_id > before]
        assert document.kind == "document" and document.buttons == []
        assert "Vraag 2 van" not in (document.plain_caption or "")
        assert question.kind == "text" and "Vraag 2 van" in (question.plain_text or "")
        assert "1:subgroups:_skip" in callback_datas(question)
        await press(api, question, "1:subgroups:geen", chat=MEMBER)
        marked = next(m for m in api.sent_to(MEMBER) if m.message_id == question.message_id)
        assert marked.edit_date is not None and marked.buttons == []


# -- pacing ----------------------------------------------------------------------------


async def test_a_chat_gets_a_short_burst_then_a_message_a_second() -> None:
    now = [10.0]
    pace = ChatPace(rate=1.0, burst=3, clock=lambda: now[0])
    assert [pace.reserve(1) for _ in range(5)] == pytest.approx([0, 0, 0, 1.0, 2.0])
    assert pace.reserve(2) == 0, "another chat does not wait"
    now[0] += 2.0  # the fifth goes now
    assert pace.free_in(1) == pytest.approx(1.0), "no turn left after them"
    now[0] += 10.0
    assert pace.free_in(1) == 0


async def test_chat_rate_off_gives_every_chat_its_turn_now() -> None:
    now = [10.0]
    pace = ChatPace(rate=None, burst=3, clock=lambda: now[0])
    assert [pace.reserve(1) for _ in range(10)] == [0] * 10
    pace.answered(1, now[0] - 5)
    assert pace.free_in(1) == 0 and await pace.wait(1) == now[0]


async def test_set_chat_rate_replaces_the_bots_pace() -> None:
    paced = set_chat_rate("42:rate", 2.0)
    assert pace_of("42:rate") is paced and paced.paced and paced.rate == 2.0
    assert not set_chat_rate("42:rate", None).paced
    assert pace_of("42:rate").reserve(7) == 0


async def test_a_message_counts_when_telegram_answered_it() -> None:
    now = [10.0]
    pace = ChatPace(rate=1.0, burst=1, clock=lambda: now[0])
    since = await pace.wait(1)
    now[0] += 0.4  # under way: Telegram may have counted it only now
    pace.answered(1, since)
    assert pace.free_in(1) == pytest.approx(1.0), "a second after the answer"


async def test_a_paced_wait_gives_the_update_slot_back_but_a_started_task_does_not() -> None:
    semaphore = asyncio.Semaphore(1)
    await semaphore.acquire()
    slot = UpdateSlot(semaphore)
    CURRENT_SLOT.set(slot)
    async with slot.given_back():
        assert not semaphore.locked(), "free for another update while waiting"

        async def child() -> bool:
            async with slot.given_back():
                return semaphore.locked()

        assert not await asyncio.create_task(child())
    assert semaphore.locked(), "held again afterwards"

    async def started() -> bool:
        async with slot.given_back():  # inherits the context, is not the holder
            return semaphore.locked()

    assert await asyncio.create_task(started()), "a task of its own leaves the slot alone"


async def seed_cohort(url: str) -> None:
    db = Database(url)
    await upgrade(db)

    def fill(repo: Repository) -> None:
        owner = repo.get_or_create_user("telegram", str(COORDINATOR), "nl")
        repo.set_consent(owner.id, True)
        repo.cohorts.set_role(owner.id, "coordinator", True)
        repo.cohorts.create(
            owner.id,
            "c0de",
            "Zuid",
            datetime(2030, 1, 4, 9, tzinfo=UTC),
            "Europe/Amsterdam",
            "kort",
        )

    await db.run(fill)
    await db.dispose()


async def test_joining_a_cohort_is_one_message_and_the_next_reply_is_not_held_up(
    api: FakeBotAPI, tmp_path: Path
) -> None:
    settings = bot_settings(api, tmp_path)
    await seed_cohort(settings.database_url)
    like_telegram(api)
    async with running_bot(settings, webhook=False, host="127.0.0.1"):
        before = last_id(api, MEMBER)
        api.user_sends(MEMBER, "/start c0de")
        consent = await next_message(api, MEMBER, before)
        await asyncio.sleep(1.1)  # reading it
        api.user_presses(MEMBER, consent.message_id, callback_datas(consent)[0])
        joined = await next_message(api, MEMBER, consent.message_id)
        assert "Zuid" in (joined.plain_text or "") and "Vraag 1 van" in (joined.plain_text or "")
        await asyncio.sleep(1.1)  # reading it; nothing else came meanwhile
        assert last_id(api, MEMBER) == joined.message_id, "one message, not a burst"
        pressed = time.monotonic()
        api.user_presses(MEMBER, joined.message_id, callback_datas(joined)[0])
        question = await next_message(api, MEMBER, joined.message_id)
        assert "Vraag 2 van" in (question.plain_text or "")
        assert time.monotonic() - pressed < 0.9, "no 429 to wait out"
    assert api.stats.rate_limited == 0


async def test_a_chat_past_its_burst_is_paced_without_a_429_and_others_do_not_wait(
    api: FakeBotAPI, tmp_path: Path
) -> None:
    """A new user types four times before agreeing to the privacy statement: each time
    the statement and the request to answer it first, eight messages, three at once and
    then one a second. Another user meanwhile is answered at once."""
    like_telegram(api)
    async with running_bot(bot_settings(api, tmp_path), webhook=False, host="127.0.0.1"):
        for number in range(4):
            api.user_sends(6001, f"hallo {number}")
        await api.wait_for(lambda a: len(a.sent_to(6001)) >= 3, timeout=10)
        asked = time.monotonic()
        api.user_sends(6002, "/start")
        await api.wait_for(lambda a: a.sent_to(6002), timeout=10)
        answered = time.monotonic() - asked
        await api.wait_for(lambda a: len(a.sent_to(6001)) == 8, timeout=30)
    assert api.stats.rate_limited == 0, "paced, not refused"
    times = send_times(api)[6001]
    assert times[-1] - times[0] >= 4.5, "five of them a second apart"
    assert answered < 1.0, f"the other user waited {answered:.2f} s"


async def test_a_reply_waiting_for_its_chat_does_not_hold_up_other_chats(
    api: FakeBotAPI, tmp_path: Path
) -> None:
    """Eight users' second messages wait for their chats (here 4 s a message, to be clear of a slow
    machine's noise), as many as the bot handles updates at once: a ninth user is
    answered meanwhile, since a waiting reply gives its update slot back."""
    users = range(6001, 6001 + MAX_CONCURRENT_UPDATES)
    pace = pace_of(api.token)
    pace.burst = 1
    settings = dataclasses.replace(bot_settings(api, tmp_path), chat_rate=0.25)
    try:
        async with running_bot(settings, webhook=False, host="127.0.0.1"):
            for user in users:
                api.user_sends(user, "hallo")
            await api.wait_for(lambda a: all(a.sent_to(u) for u in users), timeout=30)
            asked = time.monotonic()
            api.user_sends(6100, "/start")
            await api.wait_for(lambda a: a.sent_to(6100), timeout=10)
            answered = time.monotonic() - asked
            assert not any(len(api.sent_to(u)) == 2 for u in users), "still waiting"
    finally:
        pace.rate, pace.burst = PER_CHAT_PER_SECOND, PER_CHAT_BURST
    assert answered < 3.0, f"the ninth user waited {answered:.2f} s"
