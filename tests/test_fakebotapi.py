"""Tests of the fake Bot API server, driven by a real python-telegram-bot client over HTTP."""

import os

# Must be set before telegram is imported: without it, every 429 (RetryAfter) raises a
# PTBDeprecationWarning, and warnings are errors in this test suite.
os.environ.setdefault("PTB_TIMEDELTA", "1")

import asyncio
import datetime as dtm
import time
from collections.abc import AsyncIterator

import aiohttp
import pytest
from aiohttp import web
from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeAllPrivateChats,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    ReplyParameters,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import (
    BadRequest,
    Conflict,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TimedOut,
)
from telegram.ext import (
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from fakebotapi import (
    BOT_USER_ID,
    BOT_USERNAME,
    SECRET_TOKEN_HEADER,
    TINY_PNG,
    FakeBotAPI,
    JSONDict,
    make_png,
    parse_formatted_text,
    validate_html,
)

USER = 4242
OTHER_USER = 5353


def keyboard(*buttons: tuple[str, str]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(text, callback_data=data)] for text, data in buttons]
    )


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    """PTB's httpx client honours proxy variables; the fake server lives on 127.0.0.1."""
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("all_proxy", raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")


@pytest.fixture
async def api() -> AsyncIterator[FakeBotAPI]:
    async with FakeBotAPI(webhook_retry_delay=0.05) as server:
        yield server


@pytest.fixture
async def bot(api: FakeBotAPI) -> AsyncIterator[Bot]:
    async with api.make_bot() as client:
        yield client


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


# ------------------------------------------------------------------------------ text parsing


def test_html_parser_produces_plain_text_and_utf16_entities() -> None:
    parsed = parse_formatted_text(
        "<b>Hallo</b> &lt;wereld&gt; 👋 <i>x</i> <a href='https://e.nl/?a=1&amp;b=2'>link</a>",
        "HTML",
    )
    assert parsed.text == "Hallo <wereld> 👋 x link"
    assert parsed.entities == [
        {"type": "bold", "offset": 0, "length": 5},
        {"type": "italic", "offset": 18, "length": 1},  # 👋 counts as two UTF-16 units
        {"type": "text_link", "offset": 20, "length": 4, "url": "https://e.nl/?a=1&b=2"},
    ]


@pytest.mark.parametrize(
    "source",
    [
        "<b>vet <i>schuin</i></b>",
        "<strong>a</strong><em>b</em><ins>c</ins><del>d</del><s>e</s><strike>f</strike><u>g</u>",
        '<tg-spoiler>x</tg-spoiler> <span class="tg-spoiler">y</span>',
        "<blockquote expandable>lang citaat</blockquote>",
        '<tg-emoji emoji-id="5368324170671202286">👍</tg-emoji>',
        "&#72;&#x49; &quot;x&quot; a &gt; b",
        "<B>hoofdletters</B>",
    ],
)
def test_html_parser_accepts_telegram_html(source: str) -> None:
    assert validate_html(source) is None


def test_html_pre_with_language_becomes_one_entity() -> None:
    parsed = parse_formatted_text('<pre><code class="language-python">x = 1</code></pre>', "HTML")
    assert parsed.entities == [{"type": "pre", "offset": 0, "length": 5, "language": "python"}]


@pytest.mark.parametrize(
    ("source", "complaint"),
    [
        ("<b>vet", 'Can\'t find end tag corresponding to start tag "b"'),
        ("<div>x</div>", 'Unsupported start tag "div" at byte offset 0'),
        ("a < b", 'Unsupported start tag "" at byte offset 2'),
        ("<b><i>x</b></i>", 'Unmatched end tag at byte offset 7, expected "</i>", found "</b>"'),
        ("x</b>", "Unexpected end tag at byte offset 1"),
        ("x <b", "Unclosed start tag at byte offset 2"),
        ("<br/>", 'Unsupported start tag "br/"'),
        ("a &nbsp; b", 'Unsupported HTML entity "&nbsp;"'),
        ("Jeugd & Gezin", 'Character "&" at byte offset 6'),
        ('<span class="rood">x</span>', 'Tag "span" must have class "tg-spoiler"'),
        ("<a href>x</a>", "Expected equal sign"),
    ],
)
def test_html_parser_rejects_what_telegram_rejects(source: str, complaint: str) -> None:
    error = validate_html(source)
    assert error is not None
    assert complaint in error


def test_lenient_html_keeps_bare_ampersands_like_telegram() -> None:
    assert validate_html("Jeugd & Gezin &nbsp;", strict=False) is None
    assert parse_formatted_text("a & b", "HTML", strict_html=False).text == "a & b"


def test_markdown_v2_requires_escaping_reserved_characters() -> None:
    parsed = parse_formatted_text(r"*vet* en _schuin_ \- klaar\.", "MarkdownV2")
    assert parsed.text == "vet en schuin - klaar."
    assert [entity["type"] for entity in parsed.entities] == ["bold", "italic"]
    with pytest.raises(ValueError, match=r"Character '\.' is reserved"):
        parse_formatted_text("Klaar.", "MarkdownV2")
    with pytest.raises(ValueError, match="Can't find end of Bold entity"):
        parse_formatted_text("*vet", "MarkdownV2")


def test_surrounding_whitespace_is_trimmed_and_entities_shift() -> None:
    parsed = parse_formatted_text("\n  <b>hoi</b>  \n", "HTML")
    assert parsed.text == "hoi"
    assert parsed.entities == [{"type": "bold", "offset": 0, "length": 3}]


# ---------------------------------------------------------------------------- bot basics


async def test_get_me(api: FakeBotAPI, bot: Bot) -> None:
    me = bot.bot
    assert me.id == BOT_USER_ID
    assert me.is_bot
    assert me.first_name == "Netwerkwijzer"
    assert me.username == BOT_USERNAME
    assert me.can_join_groups is True
    assert me.can_read_all_group_messages is False
    assert me.supports_inline_queries is False
    assert [call.method for call in api.calls] == ["getMe"]


async def test_wrong_token_is_invalid_token(api: FakeBotAPI) -> None:
    client = Bot("123:wrong", base_url=api.base_url)
    with pytest.raises(InvalidToken, match="rejected by the server"):
        await client.initialize()
    await client.shutdown()


async def test_send_message_with_html_stores_source_and_plain_text(
    api: FakeBotAPI, bot: Bot
) -> None:
    api.user_sends(USER, "hallo")  # message 1 is the user's
    source = "<b>Welkom</b> bij &lt;Netwerkwijzer&gt;"
    message = await bot.send_message(USER, source, parse_mode=ParseMode.HTML)

    assert message.text == "Welkom bij <Netwerkwijzer>"
    assert message.entities[0].type == "bold"
    assert message.message_id == 2
    assert message.from_user is not None and message.from_user.id == BOT_USER_ID
    assert message.chat.id == USER and message.chat.type == "private"

    stored = api.last_message(USER)
    assert stored is not None
    assert stored.text == source
    assert stored.plain_text == "Welkom bij <Netwerkwijzer>"
    assert stored.parse_mode == "HTML"
    second = await bot.send_message(USER, "nog een")
    assert second.message_id == 3
    assert [m.message_id for m in api.sent_to(USER)] == [2, 3]
    assert api.calls[-1].params == {"chat_id": USER, "text": "nog een"}


@pytest.mark.parametrize("source", ["<b>niet gesloten", "<div>blok</div>", "a < b"])
async def test_malformed_html_is_bad_request(api: FakeBotAPI, bot: Bot, source: str) -> None:
    api.add_user(USER)
    with pytest.raises(BadRequest, match=r"(?i)can't parse entities"):
        await bot.send_message(USER, source, parse_mode=ParseMode.HTML)
    assert api.sent_to(USER) == []
    assert api.calls[-1].status == 400


async def test_text_length_limits(api: FakeBotAPI, bot: Bot) -> None:
    api.add_user(USER)
    with pytest.raises(BadRequest, match=r"(?i)message is too long"):
        await bot.send_message(USER, "x" * 4097)
    await bot.send_message(USER, "x" * 4096)
    # The limit applies after entity parsing: markup does not count.
    await bot.send_message(USER, "<b>" + "x" * 4096 + "</b>", parse_mode=ParseMode.HTML)
    with pytest.raises(BadRequest, match=r"(?i)message text is empty"):
        await bot.send_message(USER, "<b></b>", parse_mode=ParseMode.HTML)


async def test_unknown_chat_is_chat_not_found(bot: Bot) -> None:
    with pytest.raises(BadRequest, match=r"(?i)chat not found"):
        await bot.send_message(OTHER_USER, "hallo")


async def test_callback_data_is_limited_to_64_bytes(api: FakeBotAPI, bot: Bot) -> None:
    api.add_user(USER)
    with pytest.raises(BadRequest, match=r"(?i)button_data_invalid"):
        await bot.send_message(USER, "kies", reply_markup=keyboard(("te lang", "é" * 33)))
    message = await bot.send_message(USER, "kies", reply_markup=keyboard(("past", "é" * 32)))
    assert message.reply_markup is not None
    assert api.last_message(USER) is not None
    assert api.calls[-1].params["reply_markup"] == {
        "inline_keyboard": [[{"text": "past", "callback_data": "é" * 32}]]
    }


async def test_edit_with_identical_content_is_not_modified(api: FakeBotAPI, bot: Bot) -> None:
    api.add_user(USER)
    markup = keyboard(("Ja", "yes"), ("Nee", "no"))
    sent = await bot.send_message(USER, "<b>Vraag</b>", parse_mode="HTML", reply_markup=markup)

    with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
        await bot.edit_message_text(
            "<b>Vraag</b>", USER, sent.message_id, parse_mode="HTML", reply_markup=markup
        )
    edited = await bot.edit_message_text(
        "<b>Vraag 2</b>", USER, sent.message_id, parse_mode="HTML", reply_markup=markup
    )
    assert not isinstance(edited, bool)
    assert edited.text == "Vraag 2" and edited.edit_date is not None
    # Like Telegram, an edit without reply_markup removes the keyboard: that is a change.
    await bot.edit_message_text("<b>Vraag 2</b>", USER, sent.message_id, parse_mode="HTML")

    stored = api.message(USER, sent.message_id)
    assert stored.plain_text == "Vraag 2"
    assert stored.buttons == []
    assert [version.plain_text for version in stored.versions] == ["Vraag", "Vraag 2", "Vraag 2"]
    with pytest.raises(BadRequest, match=r"(?i)message to edit not found"):
        await bot.edit_message_text("x", USER, 999)
    with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
        await bot.edit_message_reply_markup(USER, sent.message_id)


async def test_delete_message(api: FakeBotAPI, bot: Bot) -> None:
    api.add_user(USER)
    sent = await bot.send_message(USER, "weg ermee")
    assert await bot.delete_message(USER, sent.message_id) is True
    assert api.sent_to(USER)[0].deleted
    assert api.last_message(USER) is None
    with pytest.raises(BadRequest, match=r"(?i)message to delete not found"):
        await bot.delete_message(USER, sent.message_id)


# ------------------------------------------------------------------------------- updates


async def test_user_message_update_has_bot_command_entity(api: FakeBotAPI, bot: Bot) -> None:
    raw = api.user_sends(USER, "/start bestuur", first_name="Anna", username="anna")
    updates = await bot.get_updates()
    assert len(updates) == 1
    message = updates[0].message
    assert message is not None
    assert updates[0].update_id == raw["update_id"]
    assert message.text == "/start bestuur"
    assert message.entities[0].type == "bot_command"
    assert (message.entities[0].offset, message.entities[0].length) == (0, 6)
    assert message.from_user is not None and message.from_user.language_code == "nl"
    assert message.from_user.username == "anna"
    assert message.chat.first_name == "Anna"


async def test_get_updates_offset_confirms_and_limit(api: FakeBotAPI, bot: Bot) -> None:
    ids = [api.user_sends(USER, f"bericht {n}")["update_id"] for n in range(3)]

    assert [u.update_id for u in await bot.get_updates()] == ids
    # Not confirmed yet: the same updates come again.
    assert [u.update_id for u in await bot.get_updates(limit=2)] == ids[:2]
    # offset = last + 1 confirms everything before it.
    assert [u.update_id for u in await bot.get_updates(offset=ids[1])] == ids[1:]
    assert await bot.get_updates(offset=ids[-1] + 1) == ()
    assert api.pending_updates == []

    newer = [api.user_sends(USER, f"later {n}")["update_id"] for n in range(3)]
    assert [u.update_id for u in await bot.get_updates(offset=-1)] == newer[-1:]


async def test_long_poll_returns_early_when_an_update_arrives(api: FakeBotAPI, bot: Bot) -> None:
    started = time.monotonic()
    assert await bot.get_updates(timeout=dtm.timedelta(seconds=0.3)) == ()
    assert time.monotonic() - started >= 0.25

    poll = asyncio.create_task(bot.get_updates(timeout=5))
    await asyncio.sleep(0.1)
    started = time.monotonic()
    api.user_sends(USER, "hoi")
    updates = await poll
    assert time.monotonic() - started < 1
    assert updates[0].message is not None and updates[0].message.text == "hoi"


async def test_competing_get_updates_is_conflict(
    api: FakeBotAPI, http: aiohttp.ClientSession
) -> None:
    url = api.method_url("getUpdates")
    first = asyncio.create_task(http.post(url, json={"timeout": 5}))
    await asyncio.sleep(0.1)
    async with http.post(url, json={"timeout": 0}) as second:
        assert second.status == 200
    async with await first as response:
        assert response.status == 409
        body = await response.json()
    assert "terminated by other getUpdates request" in body["description"]

    waiting = asyncio.create_task(http.post(url, json={"timeout": 5}))
    await asyncio.sleep(0.1)
    async with http.post(
        api.method_url("setWebhook"), data={"url": "http://127.0.0.1:9/hook"}
    ) as response:
        assert (await response.json()) == {"ok": True, "result": True}
    async with await waiting as response:
        assert response.status == 409
        assert (await response.json())["description"] == (
            "Conflict: terminated by setWebhook request"
        )


async def test_callback_press_carries_the_current_message(api: FakeBotAPI, bot: Bot) -> None:
    api.add_user(USER)
    markup = keyboard(("Ja", "antwoord:ja"), ("Nee", "antwoord:nee"))
    sent = await bot.send_message(USER, "Eerste versie", reply_markup=markup)
    await bot.edit_message_text("Tweede versie", USER, sent.message_id, reply_markup=markup)

    raw = api.user_presses_button(USER, "Nee")
    (update,) = await bot.get_updates()
    query = update.callback_query
    assert query is not None
    assert query.id == raw["callback_query"]["id"]
    assert query.data == "antwoord:nee"
    assert query.from_user.id == USER
    assert query.chat_instance
    assert query.message is not None and query.message.message_id == sent.message_id
    assert query.message.text == "Tweede versie"  # type: ignore[union-attr]
    assert query.message.reply_markup == markup  # type: ignore[union-attr]

    with pytest.raises(LookupError):
        api.user_presses(USER, sent.message_id, "bestaat-niet")


async def test_answer_callback_query_only_once(api: FakeBotAPI, bot: Bot) -> None:
    api.add_user(USER)
    sent = await bot.send_message(USER, "Kies", reply_markup=keyboard(("Ja", "ja")))
    query_id = api.user_presses(USER, sent.message_id, "ja")["callback_query"]["id"]

    assert await bot.answer_callback_query(query_id, text="Genoteerd") is True
    assert api.callback_answers[query_id]["text"] == "Genoteerd"
    with pytest.raises(BadRequest, match=r"(?i)query is too old"):
        await bot.answer_callback_query(query_id)
    with pytest.raises(BadRequest, match=r"(?i)query id is invalid"):
        await bot.answer_callback_query("12345")


# ---------------------------------------------------------------------- errors and limits


async def test_blocked_user_is_forbidden(api: FakeBotAPI, bot: Bot) -> None:
    api.add_user(USER)
    api.block(USER)
    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await bot.send_message(USER, "hallo?")
    with pytest.raises(Forbidden):
        await bot.send_chat_action(USER, "typing")
    assert api.stats.forbidden == 2
    api.user_sends(USER, "/start")  # writing to the bot again unblocks it
    await bot.send_message(USER, "welkom terug")

    api.block(USER, notify=True)
    (*_, update) = await bot.get_updates()
    assert update.my_chat_member is not None
    assert update.my_chat_member.new_chat_member.status == "kicked"
    assert update.my_chat_member.new_chat_member.user.id == BOT_USER_ID


async def test_rate_limits_answer_retry_after(api: FakeBotAPI, bot: Bot) -> None:
    api.add_user(USER)
    api.add_user(OTHER_USER)
    api.rate_limits(global_per_second=30, per_chat_per_second=1, per_chat_burst=3)
    for n in range(3):
        await bot.send_message(USER, f"burst {n}")
    with pytest.raises(RetryAfter) as caught:
        await bot.send_message(USER, "te veel")
    assert caught.value.retry_after == dtm.timedelta(seconds=1)
    assert api.calls[-1].response["parameters"] == {"retry_after": 1}
    await bot.send_message(OTHER_USER, "andere chat heeft een eigen emmer")
    assert api.stats.rate_limited == 1

    api.rate_limits(global_per_second=1, per_chat_per_second=100, per_chat_burst=100)
    await bot.send_message(OTHER_USER, "1")
    with pytest.raises(RetryAfter):
        await bot.send_message(USER, "globaal te veel")

    api.rate_limits(None)
    for n in range(5):
        await bot.send_message(USER, f"vrij {n}")


@pytest.mark.parametrize(
    ("status", "error", "match"),
    [
        (500, NetworkError, "Internal Server Error"),
        (502, NetworkError, "Bad Gateway"),
        (400, BadRequest, "(?i)injected failure"),
        (403, Forbidden, "bot was blocked"),
        (429, RetryAfter, "Flood control exceeded"),
    ],
)
async def test_fail_next_injects_errors(
    api: FakeBotAPI, bot: Bot, status: int, error: type[Exception], match: str
) -> None:
    api.add_user(USER)
    api.fail_next("sendMessage", status=status)
    with pytest.raises(error, match=match) as caught:
        await bot.send_message(USER, "eerste poging")
    if status >= 500:
        assert not isinstance(caught.value, BadRequest | Forbidden | RetryAfter)
    assert api.sent_to(USER) == []  # a failed call has no effect
    await bot.send_message(USER, "tweede poging")
    assert api.stats.errors["sendMessage"] == 1
    assert api.stats.calls["sendMessage"] == 2


async def test_faults_are_consumed_in_order(api: FakeBotAPI, bot: Bot) -> None:
    api.add_user(USER)
    api.fail_next("sendmessage", status=429, retry_after=7)
    api.fail_next("*", status=500, times=2)
    with pytest.raises(RetryAfter) as caught:
        await bot.send_message(USER, "1")
    assert caught.value.retry_after == dtm.timedelta(seconds=7)
    with pytest.raises(NetworkError):
        await bot.send_message(USER, "2")
    with pytest.raises(NetworkError):
        await bot.send_chat_action(USER, "typing")
    await bot.send_message(USER, "3")


async def test_delay_next_makes_the_client_time_out(api: FakeBotAPI, bot: Bot) -> None:
    api.add_user(USER)
    api.delay_next("sendMessage", 0.5)
    with pytest.raises(TimedOut):
        await bot.send_message(USER, "traag", read_timeout=0.1)
    # As with a slow Telegram: the message was sent although the client gave up.
    await api.wait_for(lambda a: a.last_message(USER) is not None)


async def test_wait_for_reports_the_transcript(api: FakeBotAPI) -> None:
    api.user_sends(USER, "hallo")
    with pytest.raises(AssertionError, match=r"(?s)antwoord.*Chat 4242"):
        await api.wait_for(lambda a: a.last_message(USER), timeout=0.05, message="antwoord")


# -------------------------------------------------------------------------------- webhook


async def test_webhook_delivery_with_secret_and_retry(api: FakeBotAPI, bot: Bot) -> None:
    received: list[tuple[str | None, JSONDict]] = []
    answers = [500, 200, 200]

    async def receive(request: web.Request) -> web.Response:
        received.append((request.headers.get(SECRET_TOKEN_HEADER), await request.json()))
        return web.Response(status=answers.pop(0))

    app = web.Application()
    app.router.add_post("/hook", receive)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        url = f"http://127.0.0.1:{site.port}/hook"
        assert await bot.set_webhook(url, secret_token="geheim-123") is True
        info = await bot.get_webhook_info()
        assert info.url == url

        update = api.user_sends(USER, "via webhook")
        await api.wait_for(lambda a: len(received) == 2 and not a.pending_updates)
        assert received == [("geheim-123", update), ("geheim-123", update)]
        assert [d.status for d in api.webhook_deliveries] == [500, 200]
        info = await bot.get_webhook_info()
        assert info.pending_update_count == 0
        assert info.last_error_message is not None and "500" in info.last_error_message

        with pytest.raises(Conflict, match="webhook is active"):
            await bot.get_updates()
        assert await bot.delete_webhook() is True
        api.user_sends(USER, "weer via polling")
        assert len(await bot.get_updates()) == 1
        assert len(received) == 2
    finally:
        await runner.cleanup()


async def test_webhook_connection_errors_are_retried(api: FakeBotAPI, bot: Bot) -> None:
    await bot.set_webhook("http://127.0.0.1:9/unreachable")  # discard port: refused
    api.user_sends(USER, "komt niet aan")
    await api.wait_for(lambda a: len(a.webhook_deliveries) >= 2)
    assert all(d.status is None and d.error for d in api.webhook_deliveries)
    assert len(api.pending_updates) == 1
    await bot.delete_webhook(drop_pending_updates=True)
    assert api.pending_updates == []


# ---------------------------------------------------------------------------------- media


async def test_send_photo_records_uploaded_bytes(api: FakeBotAPI, bot: Bot) -> None:
    api.add_user(USER)
    picture = make_png(200, 100)
    message = await bot.send_photo(
        USER,
        picture,
        caption="<b>Organogram</b>",
        parse_mode="HTML",
        reply_markup=keyboard(("Meer", "meer")),
    )
    assert message.caption == "Organogram"
    assert (message.photo[-1].width, message.photo[-1].height) == (200, 100)
    assert message.photo[0].width == 90  # thumbnail first, like Telegram

    call = api.calls[-1]
    assert call.method == "sendPhoto"
    assert call.upload is not None and call.upload.data == picture
    assert call.params["reply_markup"] == {
        "inline_keyboard": [[{"text": "Meer", "callback_data": "meer"}]]
    }
    stored = api.last_message(USER)
    assert stored is not None and stored.kind == "photo"
    assert stored.file is not None and stored.file.data == picture
    assert stored.plain_caption == "Organogram"

    again = await bot.send_photo(USER, message.photo[-1].file_id)
    assert again.photo[-1].file_id == message.photo[-1].file_id
    downloaded = await (await bot.get_file(message.photo[-1].file_id)).download_as_bytearray()
    assert bytes(downloaded) == picture

    with pytest.raises(BadRequest, match=r"(?i)image_process_failed"):
        await bot.send_photo(USER, b"geen plaatje")
    with pytest.raises(BadRequest, match=r"(?i)message caption is too long"):
        await bot.send_photo(USER, TINY_PNG, caption="x" * 1025)


async def test_send_document(api: FakeBotAPI, bot: Bot) -> None:
    api.add_user(USER)
    message = await bot.send_document(USER, b"%PDF-1.4 ...", filename="handreiking.pdf")
    assert message.document is not None
    assert message.document.file_name == "handreiking.pdf"
    assert message.document.mime_type == "application/pdf"
    assert message.document.file_size == len(b"%PDF-1.4 ...")
    assert api.calls[-1].files["document"].data == b"%PDF-1.4 ..."


# ------------------------------------------------------------------------------- commands


async def test_set_my_commands_per_scope_and_language(api: FakeBotAPI, bot: Bot) -> None:
    await bot.set_my_commands([BotCommand("start", "Begin")])
    await bot.set_my_commands(
        [BotCommand("start", "Begin"), BotCommand("hulp", "Hulp")], language_code="nl"
    )
    await bot.set_my_commands([BotCommand("start", "Start")], language_code="en")
    await bot.set_my_commands(
        [BotCommand("menu", "Menu")],
        scope=BotCommandScopeAllPrivateChats(),
    )

    assert [c.command for c in await bot.get_my_commands(language_code="nl")] == ["start", "hulp"]
    assert [c.description for c in await bot.get_my_commands(language_code="en")] == ["Start"]
    assert api.commands_for("default", "") == [{"command": "start", "description": "Begin"}]
    assert api.commands_for("all_private_chats") == [{"command": "menu", "description": "Menu"}]
    assert set(api.commands) == {
        ("default", ""),
        ("default", "nl"),
        ("default", "en"),
        ("all_private_chats", ""),
    }
    await bot.delete_my_commands(language_code="en")
    assert await bot.get_my_commands(language_code="en") == ()
    with pytest.raises(BadRequest, match=r"(?i)bot_command_invalid"):
        await bot.set_my_commands([BotCommand("Met Spatie", "x")])


# -------------------------------------------------------------------------------- raw HTTP


async def test_raw_http_envelopes(api: FakeBotAPI, http: aiohttp.ClientSession) -> None:
    async with http.get(f"{api.base_url}wrong:token/getMe") as response:
        assert response.status == 401
        assert await response.json() == {
            "ok": False,
            "error_code": 401,
            "description": "Unauthorized",
        }
    async with http.post(api.method_url("sendTelepathy")) as response:
        assert response.status == 404
        assert await response.json() == {
            "ok": False,
            "error_code": 404,
            "description": "Not Found",
        }
    async with http.get(api.method_url("GETME")) as response:
        assert response.status == 200
        body = await response.json()
        assert body["ok"] is True and body["result"]["id"] == BOT_USER_ID

    api.add_user(USER)
    markup = {"inline_keyboard": [[{"text": "A", "callback_data": "a"}]]}
    async with http.post(
        api.method_url("sendMessage"),
        json={"chat_id": USER, "text": "json", "reply_markup": markup},
    ) as response:
        assert (await response.json())["result"]["reply_markup"] == markup
    form = {"chat_id": str(USER), "text": "form", "reply_markup": '{"remove_keyboard": true}'}
    async with http.post(api.method_url("sendMessage"), data=form) as response:
        assert response.status == 200
    async with http.get(
        api.method_url("sendMessage"), params={"chat_id": USER, "text": ""}
    ) as response:
        assert response.status == 400
        assert (await response.json())["description"] == "Bad Request: message text is empty"

    assert api.calls[-3].params["reply_markup"] == markup
    assert api.calls[-2].params == {
        "chat_id": USER,
        "text": "form",
        "reply_markup": {"remove_keyboard": True},
    }
    assert api.calls[-2].method == "sendMessage"


# ---------------------------------------------------------------------- PTB Application


async def test_application_echoes_through_polling(api: FakeBotAPI) -> None:
    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.message is not None and update.message.text is not None
        await update.message.reply_text(f"echo: {update.message.text}")

    app = ApplicationBuilder().token(api.token).base_url(api.base_url).build()
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, echo))
    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0, timeout=1)
        api.user_sends(USER, "Hallo bot")
        reply = await api.wait_for(lambda a: a.last_message(USER))
        assert reply.plain_text == "echo: Hallo bot"
        await app.updater.stop()
        await app.stop()
    assert api.pending_updates == []  # the final getUpdates confirmed the update
    assert api.calls[0].method == "getMe"
    assert api.calls_to("deleteWebhook")  # PTB's polling bootstrap
    # The long poll PTB abandons on stop is answered 409 by the newer poll, to nobody.
    assert all(call.ok or call.abandoned for call in api.calls)
    assert api.stats.errors == {}
    assert api.internal_errors == []


async def test_application_commands_and_buttons(api: FakeBotAPI) -> None:
    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.message is not None
        payload = " ".join(context.args or [])
        await update.message.reply_html(
            f"<b>Welkom</b> ({payload})", reply_markup=keyboard(("Ja", "q1:ja"), ("Nee", "q1:nee"))
        )

    async def button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query is not None
        await query.answer("Dank je")
        await query.edit_message_text(f"Gekozen: {query.data}")

    app = api.application_builder().build()
    app.add_handler(CommandHandler("start", start))
    app.add_handler(CallbackQueryHandler(button))
    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0, timeout=1)
        api.user_sends(USER, "/start bestuur")
        (question,) = await api.wait_for_messages(USER, 1)
        assert question.plain_text == "Welkom (bestuur)"
        assert question.button_texts == ["Ja", "Nee"]

        query_id = api.user_presses_button(USER, "Nee")["callback_query"]["id"]
        await api.wait_idle()
        assert api.callback_answers[query_id]["text"] == "Dank je"
        assert question.plain_text == "Gekozen: q1:nee"
        assert question.buttons == []  # edit_message_text without markup drops the keyboard
        await app.updater.stop()
        await app.stop()
    assert api.stats.errors == {}


async def test_reply_parameters(api: FakeBotAPI, bot: Bot) -> None:
    api.user_sends(USER, "vraag")
    reply = await bot.send_message(USER, "antwoord", reply_parameters=ReplyParameters(1))
    assert reply.reply_to_message is not None and reply.reply_to_message.text == "vraag"
    with pytest.raises(BadRequest, match=r"(?i)message to be replied not found"):
        await bot.send_message(USER, "x", reply_parameters=ReplyParameters(99))
