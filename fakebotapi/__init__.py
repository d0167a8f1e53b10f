"""A fake Telegram Bot API server, for the tests and the benchmarks.

Telegram cannot be reached from the test environment, so the real bot (a python-telegram-bot
``Application`` or a bare ``telegram.Bot``) is pointed at this server with ``base_url``. The
server speaks real HTTP on 127.0.0.1 and answers like the Bot API does in the places where
PTB or a user would notice: JSON envelopes (``{"ok": true, "result": ...}`` or
``{"ok": false, "error_code": ..., "description": ...}``), HTTP status codes (PTB maps 400 to
``BadRequest``, 403 to ``Forbidden``, 409 to ``Conflict``, 429 with ``retry_after`` to
``RetryAfter``, 5xx to ``NetworkError``), Telegram's HTML formatting rules, inline keyboard
limits, "message is not modified", long polling and webhook delivery.

Typical use::

    async with FakeBotAPI() as api:
        app = ApplicationBuilder().token(api.token).base_url(api.base_url).build()
        ...  # start the app and polling
        api.user_sends(42, "/start")
        await api.wait_for(lambda a: a.last_message(42) is not None)
        assert "Welkom" in api.last_message(42).plain_text
        api.user_presses_button(42, "Ja")

What the server simulates:

* One bot (``getMe``) and private chats with users. A user becomes a known chat by writing to
  the bot (:meth:`FakeBotAPI.user_sends`) or via :meth:`FakeBotAPI.add_user`; sending to any
  other chat id answers ``400 chat not found``. Message ids count up per chat, shared by the
  user's and the bot's messages, like in a real private chat.
* Updates are queued and handed out with ``getUpdates`` (offset confirmation, ``limit``, long
  polling with ``timeout``, ``409 Conflict`` for a competing or webhook-terminated poll) or
  POSTed to a webhook set with ``setWebhook`` (secret token header, retried in order after a
  non-2xx answer or a connection error).
* Methods: getMe, getUpdates, setWebhook, deleteWebhook, getWebhookInfo, sendMessage,
  editMessageText, editMessageCaption, editMessageReplyMarkup, deleteMessage, sendPhoto,
  sendDocument, sendChatAction, answerCallbackQuery, getFile (plus downloads under
  :attr:`FakeBotAPI.base_file_url`), setMyCommands, getMyCommands, deleteMyCommands,
  set/getMyDescription, set/getMyShortDescription, set/getMyName, set/getChatMenuButton
  (a Mini App button needs an https URL, as on Telegram),
  close and logOut. Any other method answers ``404 Not Found`` like an unknown method.
* Test controls: blocked users (403), token-bucket rate limits (429), injected failures and
  delays per method, and calls performed whose connection is then dropped unanswered.

Known simplifications (deliberate, keep them in mind when a test depends on them):

* HTML is checked *stricter* than Telegram's server by default: a bare ``&`` or an unknown
  named entity such as ``&nbsp;`` is rejected (Telegram's documentation requires escaping,
  its parser silently keeps such text). Pass ``strict_html=False`` for Telegram's leniency.
* Telegram's automatic entity detection in the bot's own messages (URLs, @mentions, hashtags)
  is not simulated; only the entities produced by ``parse_mode``/``entities`` are returned.
  User messages get ``bot_command`` entities only.
* Only private chats exist. Inline mode, payments, media groups, copy/forward are absent.
* ``setWebhook`` accepts plain ``http://`` URLs on any port (Telegram requires HTTPS on
  443/80/88/8443), so a test can run its receiver on 127.0.0.1. Updates are delivered one at a
  time, in order, regardless of ``max_connections``.
* Callback queries never expire by age; they become invalid only once answered.

Where things are (each module says more)::

    server.py      FakeBotAPI: HTTP on 127.0.0.1, routing, recording, faults and delays
    controls.py    what a test does: observe, wait, act as users, block, rate-limit, fail
    state.py       the simulated Telegram (chats, messages, files, updates) and the helpers
                   every method shares (chat lookup, formatting, storing a bot message)
    methods/       the Bot API methods, one module per area, each ending in a METHODS table
    webhook.py     delivering updates to a webhook
    params.py, keyboards.py, formatting.py (parse_html.py, parse_markdown.py, text.py),
    files.py, records.py, ratelimit.py, errors.py, constants.py

Adding a Bot API method (say ``setChatTitle``): write ``async def set_chat_title(state:
ServerState, params: Params) -> ...`` in the module of its area under ``methods/`` (or a
new module, then add it to ``AREAS`` in ``methods/__init__.py``), and list it in that
module's ``METHODS`` table under Telegram's spelling. Read parameters with
``params.get_str/get_int/get_bool/get_json`` (a field that arrives as JSON text must be
listed in ``params._JSON_FIELDS``); raise ``bad_request("...")`` with Telegram's own
wording; use ``state.known_chat``/``writable_chat`` for chats. A new update type (say
``my_chat_member``) is queued with ``state.enqueue({...})``; a new simulated user action
belongs in :class:`~fakebotapi.controls.Controls`. Add a test in ``tests/test_fakebotapi.py``
that drives it with PTB over HTTP, and the method to the list above.
"""

from __future__ import annotations

from fakebotapi.constants import (
    BOT_FIRST_NAME,
    BOT_USER_ID,
    BOT_USERNAME,
    DEFAULT_TOKEN,
    MAX_CALLBACK_DATA_BYTES,
    MAX_CAPTION_LENGTH,
    MAX_TEXT_LENGTH,
    SECRET_TOKEN_HEADER,
    JSONDict,
)
from fakebotapi.errors import ApiError
from fakebotapi.files import TINY_PNG, StoredFile, UploadedFile, make_png, utf16_len
from fakebotapi.formatting import parse_formatted_text, validate_html
from fakebotapi.ratelimit import RateLimitConfig
from fakebotapi.records import (
    ChatState,
    MessageVersion,
    RecordedCall,
    Stats,
    StoredMessage,
    WebhookConfig,
    WebhookDelivery,
)
from fakebotapi.server import FakeBotAPI
from fakebotapi.text import EntityParseError, FormattedText

__all__ = [
    "BOT_FIRST_NAME",
    "BOT_USERNAME",
    "BOT_USER_ID",
    "DEFAULT_TOKEN",
    "MAX_CALLBACK_DATA_BYTES",
    "MAX_CAPTION_LENGTH",
    "MAX_TEXT_LENGTH",
    "SECRET_TOKEN_HEADER",
    "TINY_PNG",
    "ApiError",
    "ChatState",
    "EntityParseError",
    "FakeBotAPI",
    "FormattedText",
    "JSONDict",
    "MessageVersion",
    "RateLimitConfig",
    "RecordedCall",
    "Stats",
    "StoredFile",
    "StoredMessage",
    "UploadedFile",
    "WebhookConfig",
    "WebhookDelivery",
    "make_png",
    "parse_formatted_text",
    "utf16_len",
    "validate_html",
]
