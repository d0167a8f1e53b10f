"""A fake Telegram Bot API server for tests.

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
  delays per method.

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
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import math
import mimetypes
import re
import struct
import time
import zlib
from collections import Counter, deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from http import HTTPStatus
from types import TracebackType
from typing import TYPE_CHECKING, Any, Final, Self, TypeVar

import aiohttp
from aiohttp import hdrs, web

if TYPE_CHECKING:  # telegram is imported lazily, see FakeBotAPI.make_bot
    from telegram import Bot
    from telegram.ext import ApplicationBuilder
    from telegram.request import HTTPXRequest

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

JSONDict = dict[str, Any]
T = TypeVar("T")

_LOGGER = logging.getLogger(__name__)

BOT_USER_ID: Final = 777000111
BOT_FIRST_NAME: Final = "Netwerkwijzer"
BOT_USERNAME: Final = "netwerkwijzer_test_bot"
DEFAULT_TOKEN: Final = f"{BOT_USER_ID}:AAFakeTokenForNetwerkwijzerTests_0123"

MAX_TEXT_LENGTH: Final = 4096
MAX_CAPTION_LENGTH: Final = 1024
MAX_CALLBACK_DATA_BYTES: Final = 64
MAX_INLINE_BUTTONS: Final = 100
MAX_CALLBACK_ANSWER_LENGTH: Final = 200
SECRET_TOKEN_HEADER: Final = "X-Telegram-Bot-Api-Secret-Token"

#: Methods that count against the rate limits of :meth:`FakeBotAPI.rate_limits`.
RATE_LIMITED_METHODS: Final = frozenset({"sendMessage", "sendPhoto", "sendDocument"})

ALL_UPDATE_TYPES: Final = frozenset(
    {
        "message",
        "edited_message",
        "channel_post",
        "edited_channel_post",
        "business_connection",
        "business_message",
        "edited_business_message",
        "deleted_business_messages",
        "message_reaction",
        "message_reaction_count",
        "inline_query",
        "chosen_inline_result",
        "callback_query",
        "shipping_query",
        "pre_checkout_query",
        "purchased_paid_media",
        "poll",
        "poll_answer",
        "my_chat_member",
        "chat_member",
        "chat_join_request",
        "chat_boost",
        "removed_chat_boost",
    }
)
#: What Telegram delivers when ``allowed_updates`` is empty or was never given.
DEFAULT_ALLOWED_UPDATES: Final = ALL_UPDATE_TYPES - {
    "chat_member",
    "message_reaction",
    "message_reaction_count",
}

_CHAT_ACTIONS: Final = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)
_COMMAND_SCOPES: Final = frozenset(
    {
        "default",
        "all_private_chats",
        "all_group_chats",
        "all_chat_administrators",
        "chat",
        "chat_administrators",
        "chat_member",
    }
)
_INLINE_BUTTON_ACTIONS: Final = (
    "callback_data",
    "url",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "callback_game",
    "pay",
    "web_app",
    "copy_text",
)

_BLOCKED: Final = "Forbidden: bot was blocked by the user"
_NOT_MODIFIED: Final = (
    "message is not modified: specified new message content and reply markup are exactly "
    "the same as a current content and reply markup of the message"
)
_QUERY_INVALID: Final = "query is too old and response timeout expired or query ID is invalid"


# --------------------------------------------------------------------------------------------
# Small helpers
# --------------------------------------------------------------------------------------------


def utf16_len(text: str) -> int:
    """Length of ``text`` in UTF-16 code units, the unit of Telegram's entity offsets."""
    return len(text.encode("utf-16-le")) // 2


def make_png(width: int = 1, height: int = 1) -> bytes:
    """A valid, fully transparent RGBA PNG of the given size (for ``sendPhoto`` tests)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    raw = b"".join(b"\x00" + b"\x00" * (4 * width) for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


#: A 1x1 PNG; ``sendPhoto`` rejects bytes that are not an image, like Telegram does.
TINY_PNG: Final = make_png()


def _image_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) if ``data`` looks like an image Telegram accepts as a photo."""
    if data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) >= 24:
        width, height = struct.unpack(">II", data[16:24])
        return int(width), int(height)
    if data.startswith((b"\xff\xd8\xff", b"GIF87a", b"GIF89a", b"BM")) or (
        data.startswith(b"RIFF") and data[8:12] == b"WEBP"
    ):
        return 800, 600  # dimensions of non-PNG images are not decoded
    return None


class _Signal:
    """Wakes every waiter on :meth:`notify` (an ``asyncio.Event`` that re-arms itself)."""

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def notify(self) -> None:
        self._event.set()
        self._event = asyncio.Event()

    async def wait(self, max_wait: float | None) -> bool:
        """Wait for the next :meth:`notify`; False when ``max_wait`` seconds passed first."""
        event = self._event
        try:
            async with asyncio.timeout(max_wait):
                await event.wait()
        except TimeoutError:
            return False
        return True


# --------------------------------------------------------------------------------------------
# Errors
# --------------------------------------------------------------------------------------------


class ApiError(Exception):
    """An error answer of the Bot API: HTTP status plus Telegram's JSON error body."""

    def __init__(self, status: int, description: str, parameters: JSONDict | None = None):
        super().__init__(description)
        self.status = status
        self.description = description
        self.parameters = parameters

    def body(self) -> JSONDict:
        result: JSONDict = {"ok": False, "error_code": self.status, "description": self.description}
        if self.parameters:
            result["parameters"] = self.parameters
        return result


def _status_phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return f"Error {status}"


def _bad_request(message: str) -> ApiError:
    return ApiError(400, f"Bad Request: {message}")


def _too_many_requests(retry_after: int) -> ApiError:
    return ApiError(
        429, f"Too Many Requests: retry after {retry_after}", {"retry_after": retry_after}
    )


_DEFAULT_FAULT_DESCRIPTIONS: Final = {
    400: "Bad Request: injected failure",
    401: "Unauthorized",
    403: _BLOCKED,
    404: "Not Found",
    409: "Conflict: terminated by other getUpdates request; "
    "make sure that only one bot instance is running",
    500: "Internal Server Error",
    502: "Bad Gateway",
}


# --------------------------------------------------------------------------------------------
# Formatted text: HTML, MarkdownV2 and legacy Markdown, as Telegram parses them
# --------------------------------------------------------------------------------------------


class EntityParseError(ValueError):
    """The text is not valid for its parse mode ("can't parse entities: ...")."""


@dataclass
class FormattedText:
    """Text as Telegram stores it after parsing: plain text plus entities (UTF-16 offsets)."""

    text: str
    entities: list[JSONDict] = field(default_factory=list)


_SPACE: Final = " \t\r\n\f\v"
_HTML_TAGS: Final = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "span": "spoiler",
    "tg-spoiler": "spoiler",
    "tg-emoji": "custom_emoji",
}
_HTML_NAMED_ENTITIES: Final = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_HTML_ENTITY_RE: Final = re.compile(r"&(?:#([0-9]+)|#[xX]([0-9a-fA-F]+)|([A-Za-z][A-Za-z0-9]*));")


def _byte_offset(source: str, index: int) -> int:
    return len(source[:index].encode())


class _TextBuilder:
    """Collects plain text and tracks the current position in UTF-16 code units."""

    def __init__(self) -> None:
        self._parts: list[str] = []
        self.pos = 0

    def add(self, text: str) -> None:
        self._parts.append(text)
        self.pos += utf16_len(text)

    def text(self) -> str:
        return "".join(self._parts)


@dataclass
class _OpenTag:
    name: str
    start: int
    byte_offset: int
    attrs: dict[str, str]
    language: str | None = None


def _decode_html_entity(source: str, index: int, *, strict: bool) -> tuple[str, int] | None:
    """Decode the character reference at ``source[index] == "&"``.

    Returns (character, index after it), or None when it is no supported reference and
    ``strict`` is off (Telegram then keeps the ``&`` literally).
    """
    match = _HTML_ENTITY_RE.match(source, index)
    if match:
        decimal, hexadecimal, name = match.groups()
        if name is not None:
            char = _HTML_NAMED_ENTITIES.get(name)
            if char is not None:
                return char, match.end()
        else:
            code_point = int(decimal) if decimal is not None else int(hexadecimal, 16)
            if 0 < code_point <= 0x10FFFF and not 0xD800 <= code_point <= 0xDFFF:
                return chr(code_point), match.end()
    if not strict:
        return None
    offset = _byte_offset(source, index)
    if match and match.group(3) is not None:
        raise EntityParseError(
            f'Unsupported HTML entity "{match.group(0)}" at byte offset {offset}; only &lt; '
            "&gt; &amp; &quot; and numeric character references are supported"
        )
    if match:
        raise EntityParseError(f"Invalid character reference at byte offset {offset}")
    raise EntityParseError(f'Character "&" at byte offset {offset} must be escaped as "&amp;"')


def _decode_html_text(source: str, start: int, end: int, *, strict: bool) -> str:
    """Decode the character references in ``source[start:end]`` (an attribute value)."""
    parts: list[str] = []
    index = start
    while index < end:
        if source[index] == "&":
            decoded = _decode_html_entity(source, index, strict=strict)
            if decoded is not None and decoded[1] <= end:
                parts.append(decoded[0])
                index = decoded[1]
                continue
        parts.append(source[index])
        index += 1
    return "".join(parts)


def _parse_html_attributes(
    source: str, index: int, tag: str, begin: int, *, strict: bool
) -> tuple[dict[str, str], int]:
    """Parse ``attr="value"`` pairs up to the ``>`` of a start tag; returns (attrs, next index)."""
    attrs: dict[str, str] = {}
    size = len(source)

    def unclosed() -> EntityParseError:
        return EntityParseError(f"Unclosed start tag at byte offset {_byte_offset(source, begin)}")

    while True:
        while index < size and source[index] in _SPACE:
            index += 1
        if index >= size:
            raise unclosed()
        if source[index] == ">":
            return attrs, index + 1
        name_end = index
        while name_end < size and source[name_end] not in _SPACE and source[name_end] not in "=>":
            name_end += 1
        name = source[index:name_end].lower()
        if not name:
            raise EntityParseError(
                f'Empty attribute name in the tag "{tag}" at byte offset '
                f"{_byte_offset(source, begin)}"
            )
        index = name_end
        while index < size and source[index] in _SPACE:
            index += 1
        if index >= size:
            raise unclosed()
        if source[index] != "=":
            if tag == "blockquote" and name == "expandable":
                attrs[name] = ""
                continue
            raise EntityParseError(
                f'Expected equal sign in declaration of an attribute of the tag "{tag}" at byte '
                f"offset {_byte_offset(source, begin)}"
            )
        index += 1
        while index < size and source[index] in _SPACE:
            index += 1
        if index >= size:
            raise unclosed()
        if source[index] in "\"'":
            closing = source.find(source[index], index + 1)
            if closing == -1:
                raise EntityParseError(
                    f"Unclosed end of start tag at byte offset {_byte_offset(source, begin)}"
                )
            value = _decode_html_text(source, index + 1, closing, strict=strict)
            index = closing + 1
        else:
            value_end = index
            while value_end < size and source[value_end] not in _SPACE and source[value_end] != ">":
                value_end += 1
            value = _decode_html_text(source, index, value_end, strict=strict)
            index = value_end
        attrs[name] = value


def _close_html_tag(tag: _OpenTag, end: int, parent: _OpenTag | None, out: list[JSONDict]) -> None:
    if tag.name == "code" and parent is not None and parent.name == "pre":
        # <pre><code class="language-x">...</code></pre> is one pre entity with a language.
        css_class = tag.attrs.get("class", "")
        if css_class.startswith("language-") and len(css_class) > len("language-"):
            parent.language = css_class.removeprefix("language-")
        return
    length = end - tag.start
    if length <= 0:
        return  # Telegram drops empty entities
    entity: JSONDict = {"type": _HTML_TAGS[tag.name], "offset": tag.start, "length": length}
    if tag.name == "a":
        href = tag.attrs.get("href", "")
        if not href:
            return
        entity["url"] = href
    elif tag.name == "pre" and tag.language:
        entity["language"] = tag.language
    elif tag.name == "blockquote" and "expandable" in tag.attrs:
        entity["type"] = "expandable_blockquote"
    elif tag.name == "tg-emoji":
        entity["custom_emoji_id"] = tag.attrs["emoji-id"]
    out.append(entity)


def _parse_html(source: str, *, strict: bool) -> FormattedText:
    """Telegram's HTML parse mode (modelled on tdlib's ``parse_html``)."""
    out = _TextBuilder()
    stack: list[_OpenTag] = []
    entities: list[JSONDict] = []
    index = 0
    size = len(source)
    while index < size:
        char = source[index]
        if char == "&":
            decoded = _decode_html_entity(source, index, strict=strict)
            if decoded is not None:
                out.add(decoded[0])
                index = decoded[1]
            else:
                out.add("&")
                index += 1
            continue
        if char != "<":
            out.add(char)
            index += 1
            continue

        begin = index
        offset = _byte_offset(source, begin)
        if index + 1 < size and source[index + 1] == "/":
            end = source.find(">", index)
            if end == -1:
                raise EntityParseError(f"Unclosed end tag at byte offset {offset}")
            name = source[index + 2 : end].strip(_SPACE).lower()
            if not stack:
                raise EntityParseError(f"Unexpected end tag at byte offset {offset}")
            tag = stack.pop()
            if name != tag.name:
                raise EntityParseError(
                    f'Unmatched end tag at byte offset {offset}, expected "</{tag.name}>", '
                    f'found "</{name}>"'
                )
            _close_html_tag(tag, out.pos, stack[-1] if stack else None, entities)
            index = end + 1
            continue

        name_end = index + 1
        while name_end < size and source[name_end] not in _SPACE and source[name_end] != ">":
            name_end += 1
        if name_end >= size:
            raise EntityParseError(f"Unclosed start tag at byte offset {offset}")
        name = source[index + 1 : name_end].lower()
        if name not in _HTML_TAGS:
            raise EntityParseError(f'Unsupported start tag "{name}" at byte offset {offset}')
        attrs, index = _parse_html_attributes(source, name_end, name, begin, strict=strict)
        if name == "span" and attrs.get("class") != "tg-spoiler":
            raise EntityParseError(
                f'Tag "span" must have class "tg-spoiler" at byte offset {offset}'
            )
        if name == "tg-emoji" and not attrs.get("emoji-id", "").isdigit():
            raise EntityParseError(
                f'Tag "tg-emoji" must have a numeric attribute "emoji-id" at byte offset {offset}'
            )
        stack.append(_OpenTag(name=name, start=out.pos, byte_offset=offset, attrs=attrs))

    if stack:
        raise EntityParseError(f'Can\'t find end tag corresponding to start tag "{stack[-1].name}"')
    return FormattedText(out.text(), entities)


_MARKDOWN_V2_RESERVED: Final = frozenset("_*[]()~`>#+-=|{}.!")
_ENTITY_DISPLAY_NAMES: Final = {
    "bold": "Bold",
    "italic": "Italic",
    "underline": "Underline",
    "strikethrough": "Strikethrough",
    "spoiler": "Spoiler",
    "text_link": "TextUrl",
    "code": "Code",
    "pre": "Pre",
}


def _read_markdown_url(source: str, index: int) -> tuple[str, int] | None:
    """Read ``(url)`` starting at ``source[index] == "("``; returns (url, index after ``)``)."""
    if index >= len(source) or source[index] != "(":
        return None
    parts: list[str] = []
    index += 1
    while index < len(source):
        char = source[index]
        if char == "\\" and index + 1 < len(source):
            parts.append(source[index + 1])
            index += 2
            continue
        if char == ")":
            return "".join(parts), index + 1
        parts.append(char)
        index += 1
    return None


def _parse_markdown_v2(source: str) -> FormattedText:
    """Telegram's MarkdownV2 parse mode (the commonly used subset, strict about escaping)."""
    out = _TextBuilder()
    stack: list[_OpenTag] = []
    entities: list[JSONDict] = []
    quote_start: int | None = None
    quote_end = 0
    in_quote_line = False
    index = 0
    size = len(source)

    def close_quote() -> None:
        nonlocal quote_start
        if quote_start is not None and quote_end > quote_start:
            entities.append(
                {"type": "blockquote", "offset": quote_start, "length": quote_end - quote_start}
            )
        quote_start = None

    while index < size:
        char = source[index]
        at_line_start = index == 0 or source[index - 1] == "\n"
        if at_line_start and not stack:
            if char == ">":
                if quote_start is None:
                    quote_start = out.pos
                in_quote_line = True
                index += 1
                continue
            if quote_start is not None and not in_quote_line:
                close_quote()
        if char == "\\" and index + 1 < size and 0 < ord(source[index + 1]) <= 126:
            out.add(source[index + 1])
            index += 2
            continue
        top = stack[-1] if stack else None
        if top is not None and top.name in ("code", "pre"):
            fence = "```" if top.name == "pre" else "`"
            if source.startswith(fence, index):
                stack.pop()
                if out.pos > top.start:
                    entity: JSONDict = {
                        "type": top.name,
                        "offset": top.start,
                        "length": out.pos - top.start,
                    }
                    if top.language:
                        entity["language"] = top.language
                    entities.append(entity)
                index += len(fence)
            else:
                out.add(char)
                index += 1
            continue
        if char == "\n" and in_quote_line:
            in_quote_line = False
            quote_end = out.pos
            out.add(char)
            index += 1
            continue
        if char not in _MARKDOWN_V2_RESERVED:
            out.add(char)
            index += 1
            continue

        offset = _byte_offset(source, index)
        closing: str | None = None
        if top is not None:
            if top.name == "underline" and source.startswith("__", index):
                closing = "__"
            elif (top.name == "italic" and char == "_") or (top.name == "bold" and char == "*"):
                closing = char
            elif top.name == "strikethrough" and char == "~":
                closing = "~"
            elif top.name == "spoiler" and source.startswith("||", index):
                closing = "||"
            elif top.name == "text_link" and char == "]":
                closing = "]"
        if closing is not None and top is not None:
            stack.pop()
            index += len(closing)
            entity = {"type": top.name, "offset": top.start, "length": out.pos - top.start}
            if top.name == "text_link":
                url = _read_markdown_url(source, index)
                if url is None:
                    raise EntityParseError(
                        f"Can't find end of a URL at byte offset {_byte_offset(source, index)}"
                    )
                entity["url"], index = url
            if entity["length"] > 0:
                entities.append(entity)
            continue

        if char == "*":
            name, width = "bold", 1
        elif char == "_":
            name, width = ("underline", 2) if source.startswith("__", index) else ("italic", 1)
        elif char == "~":
            name, width = "strikethrough", 1
        elif char == "|" and source.startswith("||", index):
            name, width = "spoiler", 2
        elif char == "[":
            name, width = "text_link", 1
        elif char == "`":
            name, width = ("pre", 3) if source.startswith("```", index) else ("code", 1)
        else:
            raise EntityParseError(
                f"Character '{char}' is reserved and must be escaped with the preceding '\\'"
            )
        tag = _OpenTag(name=name, start=out.pos, byte_offset=offset, attrs={})
        index += width
        if name == "pre":
            newline = source.find("\n", index)
            if newline != -1 and re.fullmatch(r"[A-Za-z0-9_+#.-]*", source[index:newline]):
                tag.language = source[index:newline] or None
                index = newline + 1
        tag.start = out.pos
        stack.append(tag)

    if stack:
        raise EntityParseError(
            f"Can't find end of {_ENTITY_DISPLAY_NAMES[stack[-1].name]} entity at byte offset "
            f"{stack[-1].byte_offset}"
        )
    if in_quote_line:
        quote_end = out.pos
    close_quote()
    return FormattedText(out.text(), entities)


def _parse_markdown_legacy(source: str) -> FormattedText:
    """Telegram's legacy Markdown parse mode: *bold*, _italic_, `code`, ```pre```, [t](url)."""
    out = _TextBuilder()
    entities: list[JSONDict] = []
    index = 0
    size = len(source)
    delimiters = {"*": "bold", "_": "italic", "`": "code"}
    while index < size:
        char = source[index]
        if char == "\\" and index + 1 < size and source[index + 1] in "_*`[":
            out.add(source[index + 1])
            index += 2
            continue
        if char not in "*_`[":
            out.add(char)
            index += 1
            continue
        offset = _byte_offset(source, index)
        start = out.pos
        if source.startswith("```", index):
            end = source.find("```", index + 3)
            if end == -1:
                raise EntityParseError(
                    f"Can't find end of the entity starting at byte offset {offset}"
                )
            out.add(source[index + 3 : end])
            kind, index = "pre", end + 3
        elif char == "[":
            end = source.find("]", index + 1)
            url = _read_markdown_url(source, end + 1) if end != -1 else None
            if end == -1 or url is None:
                raise EntityParseError(
                    f"Can't find end of the entity starting at byte offset {offset}"
                )
            out.add(source[index + 1 : end])
            if out.pos > start:
                entities.append(
                    {"type": "text_link", "offset": start, "length": out.pos - start, "url": url[0]}
                )
            index = url[1]
            continue
        else:
            end = source.find(char, index + 1)
            if end == -1:
                raise EntityParseError(
                    f"Can't find end of the entity starting at byte offset {offset}"
                )
            out.add(source[index + 1 : end])
            kind, index = delimiters[char], end + 1
        if out.pos > start:
            entities.append({"type": kind, "offset": start, "length": out.pos - start})
    return FormattedText(out.text(), entities)


def _strip_formatted(formatted: FormattedText) -> FormattedText:
    """Trim surrounding whitespace like Telegram does, moving entities along."""
    text = formatted.text
    lstripped = text.lstrip(_SPACE)
    lead = utf16_len(text) - utf16_len(lstripped)
    stripped = lstripped.rstrip(_SPACE)
    total = utf16_len(stripped)
    entities: list[JSONDict] = []
    for entity in formatted.entities:
        start = max(entity["offset"] - lead, 0)
        end = min(entity["offset"] + entity["length"] - lead, total)
        if end > start:
            entities.append({**entity, "offset": start, "length": end - start})
    entities.sort(key=lambda entity: (entity["offset"], -entity["length"]))
    return FormattedText(stripped, entities)


def parse_formatted_text(
    text: str, parse_mode: str | None, *, strict_html: bool = True
) -> FormattedText:
    """Parse ``text`` like Telegram does for ``parse_mode`` (None, HTML, MarkdownV2, Markdown).

    Raises :class:`EntityParseError` for invalid markup and ``ValueError`` for an unknown
    parse mode. The result is trimmed of surrounding whitespace, as Telegram stores it.
    """
    mode = (parse_mode or "").lower()
    if mode == "":
        formatted = FormattedText(text)
    elif mode == "html":
        formatted = _parse_html(text, strict=strict_html)
    elif mode == "markdownv2":
        formatted = _parse_markdown_v2(text)
    elif mode == "markdown":
        formatted = _parse_markdown_legacy(text)
    else:
        raise ValueError(f"unsupported parse_mode {parse_mode!r}")
    return _strip_formatted(formatted)


def validate_html(source: str, *, strict: bool = True) -> str | None:
    """Return Telegram's complaint about ``source`` in HTML parse mode, or None if it is valid."""
    try:
        _parse_html(source, strict=strict)
    except EntityParseError as exc:
        return str(exc)
    return None


_BOT_COMMAND_RE: Final = re.compile(r"(?<!\S)/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{3,32})?(?![\w/])")


def _bot_command_entities(text: str) -> list[JSONDict]:
    return [
        {
            "type": "bot_command",
            "offset": utf16_len(text[: match.start()]),
            "length": utf16_len(match.group(0)),
        }
        for match in _BOT_COMMAND_RE.finditer(text)
    ]


# --------------------------------------------------------------------------------------------
# Recorded state
# --------------------------------------------------------------------------------------------


@dataclass
class UploadedFile:
    """One file part of a multipart request."""

    field: str
    filename: str
    content_type: str
    data: bytes


@dataclass
class StoredFile:
    """A file the fake server knows (uploaded by the bot or referenced by URL)."""

    file_id: str
    file_unique_id: str
    kind: str  # "photo" or "document"
    data: bytes | None  # None when the bot sent a URL: the fake does not download it
    file_name: str | None = None
    mime_type: str | None = None
    source_url: str | None = None
    width: int = 0
    height: int = 0
    file_path: str | None = None

    @property
    def file_size(self) -> int | None:
        return None if self.data is None else len(self.data)


@dataclass
class RecordedCall:
    """One request the bot made, as the server saw and answered it."""

    method: str  # canonical name such as "sendMessage" (as requested when unknown)
    params: JSONDict  # decoded parameters (reply_markup etc. parsed from JSON)
    time: float  # time.monotonic() when the request arrived
    http_method: str = "POST"
    files: dict[str, UploadedFile] = field(default_factory=dict)
    status: int = 0
    response: JSONDict = field(default_factory=dict)
    duration: float = 0.0
    #: The client had disconnected before the answer (it timed out or was cancelled, e.g. the
    #: long poll PTB abandons when its updater stops). Not counted in ``Stats.statuses``.
    abandoned: bool = False

    @property
    def ok(self) -> bool:
        return self.status == 200

    @property
    def result(self) -> Any:
        return self.response.get("result")

    @property
    def description(self) -> str | None:
        return self.response.get("description")

    @property
    def upload(self) -> UploadedFile | None:
        """The (first) uploaded file of this call, if any."""
        return next(iter(self.files.values()), None)

    def __str__(self) -> str:
        shown = {key: value for key, value in self.params.items() if key != "reply_markup"}
        outcome = "ok" if self.ok else f"{self.status} {self.description}"
        if self.abandoned:
            outcome += " [client gone]"
        params = json.dumps(shown, ensure_ascii=False, default=str)[:200]
        return f"{self.method}({params}) -> {outcome}"


@dataclass
class MessageVersion:
    """The content of a message at one point in time (see :attr:`StoredMessage.history`)."""

    text: str | None
    plain_text: str | None
    caption: str | None
    plain_caption: str | None
    parse_mode: str | None
    entities: list[JSONDict]
    reply_markup: JSONDict | None
    edit_date: int | None


@dataclass
class StoredMessage:
    """A message in a private chat; its fields hold the *current* state after edits.

    ``text``/``caption`` are the source as the bot sent it (e.g. HTML), ``plain_text``/
    ``plain_caption`` what the user sees. ``reply_markup`` is the markup as sent (inline
    keyboards and reply keyboards alike; only inline keyboards appear in the Message JSON).
    """

    chat_id: int
    message_id: int
    from_bot: bool
    date: int
    kind: str = "text"  # "text", "photo" or "document"
    text: str | None = None
    plain_text: str | None = None
    caption: str | None = None
    plain_caption: str | None = None
    parse_mode: str | None = None
    entities: list[JSONDict] = field(default_factory=list)
    reply_markup: JSONDict | None = None
    link_preview_options: JSONDict | None = None
    reply_to_message_id: int | None = None
    file: StoredFile | None = None
    edit_date: int | None = None
    deleted: bool = False
    history: list[MessageVersion] = field(default_factory=list)

    @property
    def content(self) -> str:
        """What the user reads: the plain text, or the plain caption of a media message."""
        return self.plain_text if self.kind == "text" else (self.plain_caption or "")

    @property
    def inline_keyboard(self) -> list[list[JSONDict]]:
        if self.reply_markup is None:
            return []
        rows = self.reply_markup.get("inline_keyboard")
        return rows if isinstance(rows, list) else []

    @property
    def buttons(self) -> list[JSONDict]:
        """The inline keyboard buttons, row by row, flattened."""
        return [button for row in self.inline_keyboard for button in row]

    @property
    def button_texts(self) -> list[str]:
        return [button["text"] for button in self.buttons]

    def button(self, text: str) -> JSONDict:
        """The inline button labelled ``text`` (LookupError if there is none)."""
        for button in self.buttons:
            if button.get("text") == text:
                return button
        raise LookupError(f"no button {text!r} in message {self.message_id}: {self.button_texts}")

    def snapshot(self) -> MessageVersion:
        return MessageVersion(
            text=self.text,
            plain_text=self.plain_text,
            caption=self.caption,
            plain_caption=self.plain_caption,
            parse_mode=self.parse_mode,
            entities=list(self.entities),
            reply_markup=self.reply_markup,
            edit_date=self.edit_date,
        )

    @property
    def versions(self) -> list[MessageVersion]:
        """All versions, oldest first; the last one is the current state."""
        return [*self.history, self.snapshot()]


@dataclass
class ChatState:
    """A private chat with a user (chat id == user id)."""

    id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = None
    blocked: bool = False
    next_message_id: int = 1
    messages: dict[int, StoredMessage] = field(default_factory=dict)

    @property
    def chat_instance(self) -> str:
        return str((self.id * 2654435761 + 97) % 10**19)

    def user_json(self, language_code: str | None = None) -> JSONDict:
        user: JSONDict = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        if self.last_name:
            user["last_name"] = self.last_name
        if self.username:
            user["username"] = self.username
        if language_code or self.language_code:
            user["language_code"] = language_code or self.language_code
        return user

    def chat_json(self) -> JSONDict:
        chat: JSONDict = {"id": self.id, "type": "private", "first_name": self.first_name}
        if self.last_name:
            chat["last_name"] = self.last_name
        if self.username:
            chat["username"] = self.username
        return chat


@dataclass
class WebhookConfig:
    url: str
    secret_token: str | None
    max_connections: int
    allowed_updates: list[str] | None
    last_error_date: int | None = None
    last_error_message: str | None = None


@dataclass
class WebhookDelivery:
    """One attempt to POST an update to the webhook."""

    update_id: int
    url: str
    time: float
    status: int | None  # HTTP status of the receiver, None on a connection error
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


@dataclass
class Stats:
    """Counters over all recorded calls."""

    calls: Counter[str] = field(default_factory=Counter)  # method -> number of calls
    statuses: Counter[int] = field(default_factory=Counter)  # HTTP status -> number of answers
    errors: Counter[str] = field(default_factory=Counter)  # method -> number of non-200 answers
    abandoned: int = 0  # calls whose client had disconnected before the answer

    @property
    def rate_limited(self) -> int:
        """Number of 429 answers."""
        return self.statuses[429]

    @property
    def forbidden(self) -> int:
        """Number of 403 answers."""
        return self.statuses[403]

    @property
    def total(self) -> int:
        return sum(self.calls.values())


@dataclass(frozen=True)
class RateLimitConfig:
    global_per_second: float
    global_burst: float
    per_chat_per_second: float
    per_chat_burst: float


@dataclass
class _TokenBucket:
    rate: float
    capacity: float
    tokens: float
    stamp: float

    def refill(self, now: float) -> None:
        self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now

    def wait_time(self) -> float:
        return 0.0 if self.tokens >= 1 else (1 - self.tokens) / self.rate


class _RateLimiter:
    def __init__(self, config: RateLimitConfig) -> None:
        self.config = config
        now = time.monotonic()
        self._global = _TokenBucket(
            config.global_per_second, config.global_burst, config.global_burst, now
        )
        self._per_chat: dict[int, _TokenBucket] = {}

    def acquire(self, chat_id: int, now: float) -> int | None:
        """Take one token from the global and the chat's bucket; else return retry_after."""
        chat_bucket = self._per_chat.get(chat_id)
        if chat_bucket is None:
            burst = self.config.per_chat_burst
            chat_bucket = _TokenBucket(self.config.per_chat_per_second, burst, burst, now)
            self._per_chat[chat_id] = chat_bucket
        buckets = (self._global, chat_bucket)
        for bucket in buckets:
            bucket.refill(now)
        wait = max(bucket.wait_time() for bucket in buckets)
        if wait > 0:
            return max(1, math.ceil(wait))
        for bucket in buckets:
            bucket.tokens -= 1
        return None


@dataclass
class _Fault:
    status: int
    description: str
    retry_after: int | None


@dataclass
class _CallbackQuery:
    id: str
    user_id: int
    message_id: int
    data: str
    answered: bool = False


# --------------------------------------------------------------------------------------------
# Request parameters
# --------------------------------------------------------------------------------------------

_JSON_FIELDS: Final = frozenset(
    {
        "reply_markup",
        "reply_parameters",
        "link_preview_options",
        "entities",
        "caption_entities",
        "allowed_updates",
        "commands",
        "scope",
        "menu_button",
    }
)
_INT_FIELDS: Final = frozenset(
    {
        "chat_id",
        "message_id",
        "offset",
        "limit",
        "max_connections",
        "message_thread_id",
        "cache_time",
        "reply_to_message_id",
    }
)
_FLOAT_FIELDS: Final = frozenset({"timeout"})
_BOOL_FIELDS: Final = frozenset(
    {
        "drop_pending_updates",
        "show_alert",
        "disable_notification",
        "protect_content",
        "disable_web_page_preview",
        "allow_sending_without_reply",
        "has_spoiler",
        "disable_content_type_detection",
        "show_caption_above_media",
        "allow_paid_broadcast",
    }
)
_INT_RE: Final = re.compile(r"\s*-?\d+\s*")


def _decode_value(name: str, value: Any) -> Any:
    """Turn a form field (always a string) into the type Telegram gives it."""
    if not isinstance(value, str):
        return value
    if name in _JSON_FIELDS:
        try:
            return json.loads(value)
        except ValueError:
            return value
    if name in _INT_FIELDS:
        return int(value) if _INT_RE.fullmatch(value) else value
    if name in _FLOAT_FIELDS:
        if _INT_RE.fullmatch(value):
            return int(value)
        try:
            return float(value)
        except ValueError:
            return value
    if name in _BOOL_FIELDS:
        lowered = value.strip().lower()
        if lowered in ("true", "1"):
            return True
        if lowered in ("false", "0", ""):
            return False
    return value


class Params:
    """Decoded request parameters with typed, Telegram-style validating getters."""

    def __init__(self, values: JSONDict, files: dict[str, UploadedFile]) -> None:
        self.values = values
        self.files = files

    def get_str(self, name: str, *, missing: str | None = None) -> str | None:
        """The string ``name``; ``missing`` is the Bad Request message if it is absent."""
        value = self.values.get(name)
        if value is None:
            if missing is not None:
                raise _bad_request(missing)
            return None
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, int | float):
            return str(value)
        if not isinstance(value, str):
            raise _bad_request(f'field "{name}" must be of type String')
        return value

    def get_int(self, name: str, *, missing: str | None = None) -> int | None:
        value = self.values.get(name)
        if value is None or value == "":
            if missing is not None:
                raise _bad_request(missing)
            return None
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise _bad_request(f'field "{name}" must be of type Integer')
        if isinstance(value, float) and not value.is_integer():
            raise _bad_request(f'field "{name}" must be of type Integer')
        return int(value)

    def get_float(self, name: str) -> float | None:
        value = self.values.get(name)
        if value is None or value == "":
            return None
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise _bad_request(f'field "{name}" must be of type Number')
        return float(value)

    def get_bool(self, name: str) -> bool:
        value = self.values.get(name)
        if value is None:
            return False
        if not isinstance(value, bool):
            raise _bad_request(f'field "{name}" must be of type Boolean')
        return value

    def get_json(self, name: str) -> Any:
        """A JSON-valued field (objects/arrays); a string here means it was not valid JSON."""
        value = self.values.get(name)
        if isinstance(value, str):
            if name == "reply_markup":
                raise _bad_request("can't parse reply keyboard markup JSON object")
            raise _bad_request(f"can't parse {name} JSON object")
        return value


# --------------------------------------------------------------------------------------------
# The server
# --------------------------------------------------------------------------------------------

Handler = Callable[[Params], Awaitable[Any]]


class FakeBotAPI:
    """The fake Bot API server. See the module docstring for an overview."""

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        *,
        bot_first_name: str = BOT_FIRST_NAME,
        bot_username: str = BOT_USERNAME,
        webhook_retry_delay: float = 0.2,
        webhook_timeout: float = 5.0,
        strict_html: bool = True,
        host: str = "127.0.0.1",
    ) -> None:
        prefix = token.split(":", 1)[0]
        self._token = token
        self.bot_id = int(prefix) if prefix.isdigit() else BOT_USER_ID
        self.bot_first_name = bot_first_name
        self.bot_username = bot_username
        self.webhook_retry_delay = webhook_retry_delay
        self.webhook_timeout = webhook_timeout
        self.strict_html = strict_html
        self._host = host
        self._port: int | None = None
        self._runner: web.AppRunner | None = None

        # Observation (public, read by tests)
        self.calls: list[RecordedCall] = []
        self.stats = Stats()
        self.callback_answers: dict[str, JSONDict] = {}
        self.commands: dict[tuple[str, str], list[JSONDict]] = {}
        self.bot_texts: dict[tuple[str, str], str] = {}  # (field, language_code) -> value
        self.menu_buttons: dict[int | None, JSONDict] = {}
        self.webhook_deliveries: list[WebhookDelivery] = []
        self.internal_errors: list[BaseException] = []

        # Simulated Telegram state
        self._chats: dict[int, ChatState] = {}
        self._files: dict[str, StoredFile] = {}
        self._file_counter = 0
        self._pending: list[JSONDict] = []
        self._next_update_id = 10_001
        self._handed_out_up_to = 0  # highest update_id given to the bot at least once
        self._allowed_updates: frozenset[str] = DEFAULT_ALLOWED_UPDATES
        self._poll_generation = 0
        self._webhook: WebhookConfig | None = None
        self._webhook_task: asyncio.Task[None] | None = None
        self._callback_queries: dict[str, _CallbackQuery] = {}
        self._next_callback_id = 4_200_000_000_000_000_001

        # Test controls
        self._faults: dict[str, deque[_Fault]] = {}
        self._delays: dict[str, deque[float]] = {}
        self._rate_limiter: _RateLimiter | None = None

        # Coordination
        self._updates_signal = _Signal()
        self._changed = _Signal()
        self._closing = asyncio.Event()
        self._in_flight = 0
        self._last_activity = time.monotonic()

        self._methods: dict[str, tuple[str, Handler]] = {
            name.lower(): (name, handler)
            for name, handler in {
                "getMe": self._get_me,
                "logOut": self._return_true,
                "close": self._return_true,
                "getUpdates": self._get_updates,
                "setWebhook": self._set_webhook,
                "deleteWebhook": self._delete_webhook,
                "getWebhookInfo": self._get_webhook_info,
                "sendMessage": self._send_message,
                "editMessageText": self._edit_message_text,
                "editMessageCaption": self._edit_message_caption,
                "editMessageReplyMarkup": self._edit_message_reply_markup,
                "deleteMessage": self._delete_message,
                "sendPhoto": self._send_photo,
                "sendDocument": self._send_document,
                "sendChatAction": self._send_chat_action,
                "answerCallbackQuery": self._answer_callback_query,
                "getFile": self._get_file,
                "setMyCommands": self._set_my_commands,
                "getMyCommands": self._get_my_commands,
                "deleteMyCommands": self._delete_my_commands,
                "setMyDescription": self._bot_text_setter("description"),
                "getMyDescription": self._bot_text_getter("description"),
                "setMyShortDescription": self._bot_text_setter("short_description"),
                "getMyShortDescription": self._bot_text_getter("short_description"),
                "setMyName": self._bot_text_setter("name"),
                "getMyName": self._bot_text_getter("name"),
                "setChatMenuButton": self._set_chat_menu_button,
                "getChatMenuButton": self._get_chat_menu_button,
            }.items()
        }

    # ---------------------------------------------------------------- lifecycle and addresses

    async def start(self) -> None:
        """Start listening on an ephemeral port of ``host``."""
        if self._runner is not None:
            raise RuntimeError("FakeBotAPI is already running")
        app = web.Application()
        app.router.add_route("GET", "/bot{token}/{method}", self._handle_api)
        app.router.add_route("POST", "/bot{token}/{method}", self._handle_api)
        app.router.add_route("GET", "/file/bot{token}/{file_path:.+}", self._handle_file)
        app.router.add_route("*", "/{tail:.*}", self._handle_not_found)
        self._closing.clear()
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await runner.setup()
        site = web.TCPSite(runner, self._host, 0)
        try:
            await site.start()
        except BaseException:
            await runner.cleanup()
            raise
        self._runner = runner
        self._port = site.port

    async def stop(self) -> None:
        """Stop the server: end long polls, stop webhook delivery, close connections."""
        self._closing.set()
        self._updates_signal.notify()
        self._changed.notify()
        await self._stop_webhook_worker()
        if self._runner is not None:
            runner, self._runner = self._runner, None
            await runner.cleanup()

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.stop()

    @property
    def token(self) -> str:
        return self._token

    @property
    def port(self) -> int:
        if self._port is None:
            raise RuntimeError("FakeBotAPI is not started")
        return self._port

    @property
    def root_url(self) -> str:
        """``http://127.0.0.1:PORT``."""
        return f"http://{self._host}:{self.port}"

    @property
    def base_url(self) -> str:
        """For ``ApplicationBuilder().base_url(...)`` / ``Bot(base_url=...)``: PTB appends
        the token."""
        return f"{self.root_url}/bot"

    @property
    def base_file_url(self) -> str:
        """For ``ApplicationBuilder().base_file_url(...)`` (file downloads after getFile)."""
        return f"{self.root_url}/file/bot"

    def method_url(self, method: str) -> str:
        """Full URL of one method, for raw HTTP tests."""
        return f"{self.base_url}{self._token}/{method}"

    # ----------------------------------------------------------- ready-made PTB clients

    def httpx_request(self, **kwargs: Any) -> HTTPXRequest:
        """A PTB ``HTTPXRequest`` suited to the local fake server.

        It ignores proxy environment variables (``trust_env=False``) and skips loading the CA
        bundle (``verify=False``; that alone costs ~50 ms per client). Keyword arguments go to
        ``HTTPXRequest``; ``httpx_kwargs`` entries are merged.
        """
        from telegram.request import HTTPXRequest  # lazy: importable without telegram

        httpx_kwargs = {"verify": False, "trust_env": False, **kwargs.pop("httpx_kwargs", {})}
        return HTTPXRequest(httpx_kwargs=httpx_kwargs, **kwargs)

    def make_bot(self, **kwargs: Any) -> Bot:
        """A ``telegram.Bot`` talking to this server (use ``async with`` or initialize it).

        Set the environment variable ``PTB_TIMEDELTA=1`` before telegram is first imported,
        otherwise every ``RetryAfter`` emits a deprecation warning.
        """
        from telegram import Bot

        kwargs.setdefault("request", self.httpx_request())
        kwargs.setdefault("get_updates_request", self.httpx_request())
        return Bot(self._token, base_url=self.base_url, base_file_url=self.base_file_url, **kwargs)

    def application_builder(self) -> ApplicationBuilder[Any, Any, Any, Any, Any, Any]:
        """``ApplicationBuilder`` with token, base URLs and requests set for this server."""
        from telegram.ext import ApplicationBuilder

        return (
            ApplicationBuilder()
            .token(self._token)
            .base_url(self.base_url)
            .base_file_url(self.base_file_url)
            .request(self.httpx_request())
            .get_updates_request(self.httpx_request())
        )

    @property
    def bot_user(self) -> JSONDict:
        """The bot as a User object (as in ``from`` of its messages)."""
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": self.bot_first_name,
            "username": self.bot_username,
        }

    # ---------------------------------------------------------------------------- observation

    def chat(self, chat_id: int) -> ChatState:
        """The state of a known private chat (KeyError if the user never appeared)."""
        return self._chats[chat_id]

    def messages_in(self, chat_id: int) -> list[StoredMessage]:
        """All messages of the chat, the user's and the bot's, in order (deleted included)."""
        chat = self._chats.get(chat_id)
        return list(chat.messages.values()) if chat else []

    def sent_to(self, chat_id: int) -> list[StoredMessage]:
        """The bot's messages in the chat, in order, in their current state after edits.

        Deleted messages stay in the list with ``deleted=True``.
        """
        return [message for message in self.messages_in(chat_id) if message.from_bot]

    def last_message(self, chat_id: int) -> StoredMessage | None:
        """The bot's most recent message in the chat that is not deleted."""
        for message in reversed(self.sent_to(chat_id)):
            if not message.deleted:
                return message
        return None

    def message(self, chat_id: int, message_id: int) -> StoredMessage:
        return self._chats[chat_id].messages[message_id]

    def calls_to(self, method: str) -> list[RecordedCall]:
        """Recorded calls of one method (name compared case-insensitively)."""
        wanted = method.lower()
        return [call for call in self.calls if call.method.lower() == wanted]

    def commands_for(self, scope: str = "default", language_code: str = "") -> list[JSONDict]:
        """Stored setMyCommands list for a scope key ("default", "all_private_chats",
        "chat:<id>", ...) and language code ("" = all languages)."""
        return self.commands.get((scope, language_code), [])

    @property
    def pending_updates(self) -> list[JSONDict]:
        """Updates not yet confirmed by getUpdates offset or delivered to the webhook."""
        return list(self._pending)

    @property
    def webhook(self) -> WebhookConfig | None:
        return self._webhook

    def transcript(self, last_calls: int = 40) -> str:
        """A readable dump of recent calls and all chats, for assertion messages."""
        lines = [f"Last {min(last_calls, len(self.calls))} of {len(self.calls)} calls:"]
        lines += [f"  {call}" for call in self.calls[-last_calls:]]
        for chat in self._chats.values():
            lines.append(
                f"Chat {chat.id} ({chat.first_name}){' [blocked]' if chat.blocked else ''}:"
            )
            for message in chat.messages.values():
                who = "bot " if message.from_bot else "user"
                flags = " [deleted]" if message.deleted else ""
                flags += f" [edited x{len(message.history)}]" if message.history else ""
                buttons = f" buttons={message.button_texts}" if message.buttons else ""
                lines.append(
                    f"  #{message.message_id} {who} {message.kind}: {message.content!r}"
                    f"{buttons}{flags}"
                )
        if self._pending:
            lines.append(f"Pending updates: {[update['update_id'] for update in self._pending]}")
        if self.internal_errors:
            lines.append(f"Internal errors of the fake server: {self.internal_errors!r}")
        return "\n".join(lines)

    # The ``timeout`` parameters of the wait helpers are their point, hence the noqa: ASYNC109.
    async def wait_for(
        self,
        predicate: Callable[[FakeBotAPI], T],
        timeout: float = 5.0,  # noqa: ASYNC109
        message: str = "",
    ) -> T:
        """Wait until ``predicate(api)`` is truthy and return its value.

        Re-checks on every change of the server state and at least every 50 ms. Raises
        AssertionError with :meth:`transcript` when ``timeout`` seconds pass first.
        """
        deadline = time.monotonic() + timeout
        while True:
            result = predicate(self)
            if result:
                return result
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                detail = f": {message}" if message else ""
                raise AssertionError(
                    f"condition not met within {timeout} s{detail}\n{self.transcript()}"
                )
            await self._changed.wait(min(remaining, 0.05))

    async def wait_for_messages(
        self,
        chat_id: int,
        count: int = 1,
        timeout: float = 5.0,  # noqa: ASYNC109
    ) -> list[StoredMessage]:
        """Wait until the bot has sent at least ``count`` messages to the chat."""
        await self.wait_for(
            lambda api: len(api.sent_to(chat_id)) >= count,
            timeout,
            f"{count} bot message(s) in chat {chat_id}",
        )
        return self.sent_to(chat_id)

    async def wait_idle(
        self,
        quiet: float = 0.1,
        timeout: float = 5.0,  # noqa: ASYNC109
    ) -> None:
        """Wait until every queued update was handed to the bot, no request (other than a
        long poll) is in flight and nothing happened for ``quiet`` seconds."""
        deadline = time.monotonic() + timeout
        while True:
            now = time.monotonic()
            all_handed_out = all(
                update["update_id"] <= self._handed_out_up_to for update in self._pending
            )
            idle_for = now - self._last_activity
            if all_handed_out and self._in_flight == 0 and idle_for >= quiet:
                return
            if now >= deadline:
                raise AssertionError(f"server not idle within {timeout} s\n{self.transcript()}")
            await self._changed.wait(min(deadline - now, max(quiet - idle_for, 0.01)))

    # --------------------------------------------------------------------------- test controls

    def add_user(
        self,
        user_id: int,
        *,
        first_name: str = "Test",
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = "nl",
    ) -> ChatState:
        """Make ``user_id`` a known chat (as if the user had started the bot earlier)."""
        if user_id <= 0:
            raise ValueError("user ids of private chats are positive")
        chat = self._chats.get(user_id)
        if chat is None:
            chat = ChatState(id=user_id, first_name=first_name)
            self._chats[user_id] = chat
        chat.first_name = first_name
        chat.last_name = last_name
        chat.username = username
        chat.language_code = language_code
        return chat

    def block(self, user_id: int, *, notify: bool = False) -> None:
        """The user blocks the bot: sends to the chat answer 403 from now on.

        With ``notify`` a ``my_chat_member`` update (member -> kicked) is queued, as Telegram
        does.
        """
        chat = self._chats.get(user_id) or self.add_user(user_id)
        chat.blocked = True
        if notify:
            self._enqueue_member_change(chat, "member", "kicked")
        self._changed.notify()

    def unblock(self, user_id: int, *, notify: bool = False) -> None:
        chat = self._chats.get(user_id) or self.add_user(user_id)
        chat.blocked = False
        if notify:
            self._enqueue_member_change(chat, "kicked", "member")
        self._changed.notify()

    def rate_limits(
        self,
        global_per_second: float | None = 30,
        per_chat_per_second: float = 1,
        per_chat_burst: int = 3,
        *,
        global_burst: float | None = None,
    ) -> None:
        """Switch rate limiting on (token buckets) or off with ``rate_limits(None)``.

        Counted methods: see ``RATE_LIMITED_METHODS``. A request that finds an empty bucket
        (global or its chat's) gets 429 with ``retry_after`` = ceil(wait), at least 1.
        """
        if global_per_second is None:
            self._rate_limiter = None
            return
        config = RateLimitConfig(
            global_per_second=global_per_second,
            global_burst=global_burst if global_burst is not None else global_per_second,
            per_chat_per_second=per_chat_per_second,
            per_chat_burst=per_chat_burst,
        )
        self._rate_limiter = _RateLimiter(config)

    def fail_next(
        self,
        method: str,
        status: int = 500,
        times: int = 1,
        description: str | None = None,
        retry_after: int | None = None,
    ) -> None:
        """Answer the next ``times`` calls of ``method`` ("*" = any method) with an error,
        without performing them. Faults are consumed in the order they were added."""
        if status == 429 and retry_after is None:
            retry_after = 1
        if description is None:
            if status == 429:
                description = f"Too Many Requests: retry after {retry_after}"
            else:
                description = _DEFAULT_FAULT_DESCRIPTIONS.get(status) or _status_phrase(status)
        queue = self._faults.setdefault(method.lower(), deque())
        queue.extend(_Fault(status, description, retry_after) for _ in range(times))

    def delay_next(self, method: str, seconds: float, times: int = 1) -> None:
        """Sleep ``seconds`` before handling the next ``times`` calls of ``method`` ("*" =
        any). The call is still performed afterwards, as when Telegram is slow: a client that
        timed out may find its message sent anyway."""
        self._delays.setdefault(method.lower(), deque()).extend([seconds] * times)

    def clear_faults(self) -> None:
        self._faults.clear()
        self._delays.clear()

    # ------------------------------------------------------------------------ simulated users

    def user_sends(
        self,
        user_id: int,
        text: str,
        *,
        first_name: str = "Test",
        language_code: str | None = "nl",
        username: str | None = None,
        last_name: str | None = None,
    ) -> JSONDict:
        """The user writes ``text`` to the bot; returns the queued ``message`` Update.

        A leading ``/command`` (and any later one) gets a ``bot_command`` entity, so PTB's
        CommandHandler and ``/start payload`` deep links work. Writing unblocks the bot.
        """
        chat = self.add_user(
            user_id,
            first_name=first_name,
            last_name=last_name,
            username=username,
            language_code=language_code,
        )
        chat.blocked = False
        message = StoredMessage(
            chat_id=chat.id,
            message_id=chat.next_message_id,
            from_bot=False,
            date=int(time.time()),
            text=text,
            plain_text=text,
            entities=_bot_command_entities(text),
        )
        chat.next_message_id += 1
        chat.messages[message.message_id] = message
        return self._enqueue({"message": self._message_json(message, language_code)})

    def user_presses(
        self,
        user_id: int,
        message_id: int,
        callback_data: str,
        *,
        language_code: str | None = "nl",
        strict: bool = True,
    ) -> JSONDict:
        """The user taps an inline button of the bot's message; returns the queued
        ``callback_query`` Update, whose ``message`` is the message's current state.

        With ``strict`` (default) the message must exist and currently carry a button with
        this ``callback_data`` (LookupError otherwise). ``strict=False`` allows stale or
        forged data; a missing message then appears as an inaccessible message (date 0).
        """
        chat = self._chats.get(user_id)
        if chat is None:
            raise LookupError(f"user {user_id} has no chat with the bot")
        message = chat.messages.get(message_id)
        if strict:
            if message is None or message.deleted or not message.from_bot:
                raise LookupError(f"no bot message {message_id} in chat {user_id}")
            data_values = [button.get("callback_data") for button in message.buttons]
            if callback_data not in data_values:
                raise LookupError(
                    f"message {message_id} has no button with callback_data {callback_data!r}; "
                    f"buttons: {message.buttons}"
                )
        if message is None or message.deleted:
            message_json: JSONDict = {
                "chat": chat.chat_json(),
                "message_id": message_id,
                "date": 0,
            }
        else:
            message_json = self._message_json(message)
        query_id = str(self._next_callback_id)
        self._next_callback_id += 1
        self._callback_queries[query_id] = _CallbackQuery(
            query_id, user_id, message_id, callback_data
        )
        query = {
            "id": query_id,
            "from": chat.user_json(language_code),
            "message": message_json,
            "chat_instance": chat.chat_instance,
            "data": callback_data,
        }
        return self._enqueue({"callback_query": query})

    def user_presses_button(
        self,
        user_id: int,
        button_text: str,
        *,
        message_id: int | None = None,
        language_code: str | None = "nl",
    ) -> JSONDict:
        """Press the inline button labelled ``button_text`` on ``message_id`` or, by default,
        on the bot's latest message in the chat that has such a button."""
        candidates = (
            [self.message(user_id, message_id)]
            if message_id is not None
            else list(reversed(self.sent_to(user_id)))
        )
        for message in candidates:
            if message.deleted:
                continue
            for button in message.buttons:
                if button.get("text") == button_text and "callback_data" in button:
                    return self.user_presses(
                        user_id,
                        message.message_id,
                        button["callback_data"],
                        language_code=language_code,
                    )
        raise LookupError(f"no callback button {button_text!r} in chat {user_id}")

    def inject_update(self, update: JSONDict) -> JSONDict:
        """Queue an arbitrary Update dict (``update_id`` is assigned)."""
        return self._enqueue(dict(update))

    # ----------------------------------------------------------------------- update plumbing

    def _enqueue(self, update: JSONDict) -> JSONDict:
        body = {key: value for key, value in update.items() if key != "update_id"}
        update = {"update_id": self._next_update_id, **body}
        self._next_update_id += 1
        update_type = next((key for key in update if key != "update_id"), "")
        if update_type in self._allowed_updates:
            self._pending.append(update)
        self._updates_signal.notify()
        self._touch()
        return update

    def _enqueue_member_change(self, chat: ChatState, old: str, new: str) -> None:
        def member(status: str) -> JSONDict:
            result: JSONDict = {"user": self.bot_user, "status": status}
            if status == "kicked":
                result["until_date"] = 0
            return result

        change = {
            "chat": chat.chat_json(),
            "from": chat.user_json(),
            "date": int(time.time()),
            "old_chat_member": member(old),
            "new_chat_member": member(new),
        }
        self._enqueue({"my_chat_member": change})

    def _confirm_updates(self, offset: int) -> None:
        if offset > 0:
            self._pending = [u for u in self._pending if u["update_id"] >= offset]
        elif offset < 0:
            self._pending = self._pending[offset:]

    def _touch(self) -> None:
        self._last_activity = time.monotonic()
        self._changed.notify()

    # -------------------------------------------------------------------------- HTTP handling

    async def _handle_not_found(self, request: web.Request) -> web.Response:
        return web.json_response(ApiError(404, "Not Found").body(), status=404)

    async def _handle_file(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self._token:
            return web.json_response(ApiError(401, "Unauthorized").body(), status=401)
        file_path = request.match_info["file_path"]
        for stored in self._files.values():
            if stored.file_path == file_path and stored.data is not None:
                return web.Response(
                    body=stored.data, content_type=stored.mime_type or "application/octet-stream"
                )
        return web.json_response(ApiError(404, "Not Found").body(), status=404)

    async def _handle_api(self, request: web.Request) -> web.Response:
        started = time.monotonic()
        requested = request.match_info["method"]
        entry = self._methods.get(requested.lower())
        call = RecordedCall(
            method=entry[0] if entry else requested,
            params={},
            time=started,
            http_method=request.method,
        )
        long_poll = call.method == "getUpdates"
        if not long_poll:
            self._in_flight += 1
            self._touch()
        try:
            status, body = await self._process(request, call, entry)
        finally:
            if not long_poll:
                self._in_flight -= 1
        call.status = status
        call.response = body
        call.duration = time.monotonic() - started
        call.abandoned = (
            call.abandoned or request.transport is None or request.transport.is_closing()
        )
        self._record(call)
        return web.json_response(body, status=status)

    async def _process(
        self, request: web.Request, call: RecordedCall, entry: tuple[str, Handler] | None
    ) -> tuple[int, JSONDict]:
        try:
            if request.match_info["token"] != self._token:
                raise ApiError(401, "Unauthorized")
            if entry is None:
                raise ApiError(404, "Not Found")
            params = await self._read_params(request)
            call.params = params.values
            call.files = params.files
            await self._apply_delay(call.method)
            self._apply_fault(call.method)
            result = await entry[1](params)
        except ApiError as exc:
            return exc.status, exc.body()
        except ConnectionResetError:
            # The client went away while we read its request (a bot stopping mid-poll):
            # nobody to answer, and no fault of the server.
            call.abandoned = True
            return 499, ApiError(499, "Client Closed Request").body()
        except Exception as exc:
            _LOGGER.exception("FakeBotAPI failed on %s", call.method)
            self.internal_errors.append(exc)
            return 500, ApiError(500, "Internal Server Error").body()
        return 200, {"ok": True, "result": result}

    def _record(self, call: RecordedCall) -> None:
        self.calls.append(call)
        self.stats.calls[call.method] += 1
        if call.abandoned:
            self.stats.abandoned += 1
        else:
            self.stats.statuses[call.status] += 1
            if call.status != 200:
                self.stats.errors[call.method] += 1
        if call.method != "getUpdates" or call.result:
            self._touch()
        else:
            self._changed.notify()

    async def _read_params(self, request: web.Request) -> Params:
        values: JSONDict = dict(request.query)
        files: dict[str, UploadedFile] = {}
        if request.method == "POST" and request.body_exists:
            content_type = request.content_type
            if content_type == "application/json":
                try:
                    body = json.loads(await request.text())
                except ValueError as exc:
                    raise _bad_request("can't parse JSON encoded request") from exc
                if not isinstance(body, dict):
                    raise _bad_request("JSON object expected as request body")
                values.update(body)
            elif content_type == "multipart/form-data":
                reader = await request.multipart()
                while (part := await reader.next()) is not None:
                    if not isinstance(part, aiohttp.BodyPartReader) or part.name is None:
                        continue
                    if part.filename is not None:
                        files[part.name] = UploadedFile(
                            field=part.name,
                            filename=part.filename,
                            content_type=part.headers.get(
                                hdrs.CONTENT_TYPE, "application/octet-stream"
                            ),
                            data=bytes(await part.read(decode=True)),
                        )
                    else:
                        values[part.name] = await part.text()
            else:
                form = await request.post()
                values.update({key: v for key, v in form.items() if isinstance(v, str)})
        return Params({key: _decode_value(key, value) for key, value in values.items()}, files)

    async def _apply_delay(self, method: str) -> None:
        for key in (method.lower(), "*"):
            queue = self._delays.get(key)
            if queue:
                seconds = queue.popleft()
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(seconds):
                        await self._closing.wait()
                return

    def _apply_fault(self, method: str) -> None:
        for key in (method.lower(), "*"):
            queue = self._faults.get(key)
            if queue:
                fault = queue.popleft()
                parameters = {"retry_after": fault.retry_after} if fault.retry_after else None
                raise ApiError(fault.status, fault.description, parameters)

    # ------------------------------------------------------------------ shared method helpers

    def _known_chat(self, params: Params) -> ChatState:
        chat_id = params.values.get("chat_id")
        if chat_id is None or chat_id == "":
            raise _bad_request("chat_id is empty")
        if isinstance(chat_id, bool) or not isinstance(chat_id, int):
            raise _bad_request("chat not found")
        chat = self._chats.get(chat_id)
        if chat is None:
            raise _bad_request("chat not found")
        return chat

    def _writable_chat(self, params: Params) -> ChatState:
        chat = self._known_chat(params)
        if chat.blocked:
            raise ApiError(403, _BLOCKED)
        return chat

    def _check_rate_limit(self, chat_id: int) -> None:
        if self._rate_limiter is None:
            return
        retry_after = self._rate_limiter.acquire(chat_id, time.monotonic())
        if retry_after is not None:
            raise _too_many_requests(retry_after)

    def _format(
        self, text: str, params: Params, *, mode_field: str, entities_field: str
    ) -> tuple[FormattedText, str | None]:
        parse_mode = params.get_str(mode_field) or None
        explicit_entities = params.get_json(entities_field)
        try:
            formatted = parse_formatted_text(text, parse_mode, strict_html=self.strict_html)
        except EntityParseError as exc:
            raise _bad_request(f"can't parse entities: {exc}") from exc
        except ValueError as exc:
            raise _bad_request(f"unsupported parse_mode {parse_mode}") from exc
        if parse_mode is None and isinstance(explicit_entities, list):
            formatted.entities = [e for e in explicit_entities if isinstance(e, dict)]
        return formatted, parse_mode

    def _formatted_caption(self, params: Params) -> tuple[str | None, FormattedText, str | None]:
        caption = params.get_str("caption")
        formatted, parse_mode = self._format(
            caption or "", params, mode_field="parse_mode", entities_field="caption_entities"
        )
        if len(formatted.text) > MAX_CAPTION_LENGTH:
            raise _bad_request("message caption is too long")
        return caption, formatted, parse_mode

    def _reply_markup(self, params: Params, *, inline_only: bool = False) -> JSONDict | None:
        markup = params.get_json("reply_markup")
        if markup is None:
            return None
        if not isinstance(markup, dict):
            raise _bad_request("can't parse reply keyboard markup JSON object")
        if "inline_keyboard" in markup:
            _validate_inline_keyboard(markup["inline_keyboard"])
        elif inline_only:
            raise _bad_request("inline keyboard expected")
        elif "keyboard" in markup:
            _validate_reply_keyboard(markup["keyboard"])
        elif markup.get("remove_keyboard") is not True and markup.get("force_reply") is not True:
            raise _bad_request("can't parse reply keyboard markup JSON object")
        return markup

    def _reply_target(self, chat: ChatState, params: Params) -> int | None:
        reply = params.get_json("reply_parameters")
        if reply is None and params.values.get("reply_to_message_id") is not None:
            reply = {
                "message_id": params.get_int("reply_to_message_id"),
                "allow_sending_without_reply": params.get_bool("allow_sending_without_reply"),
            }
        if reply is None:
            return None
        if not isinstance(reply, dict) or not isinstance(reply.get("message_id"), int):
            raise _bad_request("can't parse reply parameters JSON object")
        target = chat.messages.get(reply["message_id"])
        if target is None or target.deleted:
            if reply.get("allow_sending_without_reply"):
                return None
            raise _bad_request("message to be replied not found")
        return target.message_id

    def _store_bot_message(self, chat: ChatState, **fields: Any) -> StoredMessage:
        message = StoredMessage(
            chat_id=chat.id,
            message_id=chat.next_message_id,
            from_bot=True,
            date=int(time.time()),
            **fields,
        )
        chat.next_message_id += 1
        chat.messages[message.message_id] = message
        return message

    def _message_json(
        self, message: StoredMessage, language_code: str | None = None, *, nested: bool = False
    ) -> JSONDict:
        chat = self._chats[message.chat_id]
        result: JSONDict = {
            "message_id": message.message_id,
            "from": self.bot_user if message.from_bot else chat.user_json(language_code),
            "chat": chat.chat_json(),
            "date": message.date,
        }
        if message.edit_date is not None:
            result["edit_date"] = message.edit_date
        if message.reply_to_message_id is not None and not nested:
            target = chat.messages.get(message.reply_to_message_id)
            if target is not None:
                result["reply_to_message"] = self._message_json(target, nested=True)
        if message.kind == "text":
            result["text"] = message.plain_text
            if message.entities:
                result["entities"] = message.entities
            if message.link_preview_options:
                result["link_preview_options"] = message.link_preview_options
        else:
            if message.file is not None:
                result.update(_media_json(message.file))
            if message.plain_caption:
                result["caption"] = message.plain_caption
                if message.entities:
                    result["caption_entities"] = message.entities
        if message.inline_keyboard:
            result["reply_markup"] = {"inline_keyboard": message.inline_keyboard}
        return result

    def _editable_message(self, params: Params) -> StoredMessage:
        if params.values.get("inline_message_id") is not None:
            raise _bad_request("MESSAGE_ID_INVALID")
        chat = self._writable_chat(params)
        message_id = params.get_int("message_id", missing="message identifier is not specified")
        assert message_id is not None
        message = chat.messages.get(message_id)
        if message is None or message.deleted:
            raise _bad_request("message to edit not found")
        if not message.from_bot:
            raise _bad_request("message can't be edited")
        return message

    def _new_file(self, kind: str, data: bytes | None, **fields: Any) -> StoredFile:
        self._file_counter += 1
        prefix = "AgACAgQAAxkDAAI" if kind == "photo" else "BQACAgQAAxkDAAI"
        stored = StoredFile(
            file_id=f"{prefix}{self._file_counter:06d}FakeFile",
            file_unique_id=f"AQAD{self._file_counter:06d}",
            kind=kind,
            data=data,
            **fields,
        )
        self._files[stored.file_id] = stored
        if kind == "photo":
            self._files[f"{stored.file_id}_s"] = stored  # the thumbnail PhotoSize
        return stored

    def _input_file(self, params: Params, field_name: str, kind: str) -> StoredFile:
        """Resolve a file parameter: multipart upload, attach://, known file_id or URL."""
        value = params.values.get(field_name)
        upload = params.files.get(field_name)
        if upload is None and isinstance(value, str) and value.startswith("attach://"):
            upload = params.files.get(value.removeprefix("attach://"))
            if upload is None:
                raise _bad_request(f"there is no {field_name} in the request")
        if upload is not None:
            if not upload.data:
                raise _bad_request("file must be non-empty")
            size = _image_size(upload.data) if kind == "photo" else None
            if kind == "photo" and size is None:
                raise _bad_request("IMAGE_PROCESS_FAILED")
            mime_type = upload.content_type
            if mime_type == "application/octet-stream":
                mime_type = mimetypes.guess_type(upload.filename)[0] or mime_type
            width, height = size or (0, 0)
            return self._new_file(
                kind,
                upload.data,
                file_name=upload.filename,
                mime_type=mime_type,
                width=width,
                height=height,
            )
        if not isinstance(value, str) or not value:
            raise _bad_request(f"there is no {field_name} in the request")
        known = self._files.get(value)
        if known is not None:
            if known.kind != kind:
                raise _bad_request(f"can't use file of type {known.kind.title()} as {kind.title()}")
            return known
        if re.match(r"https?://[^\s/]+", value):
            name = value.rstrip("/").rsplit("/", 1)[-1] or "file"
            return self._new_file(
                kind,
                None,
                file_name=name,
                mime_type=mimetypes.guess_type(name)[0] or "application/octet-stream",
                source_url=value,
                width=800 if kind == "photo" else 0,
                height=600 if kind == "photo" else 0,
            )
        raise _bad_request("wrong file identifier/HTTP URL specified")

    async def _send_media(self, params: Params, kind: str) -> JSONDict:
        chat = self._writable_chat(params)
        stored = self._input_file(params, kind, kind)
        caption, formatted, parse_mode = self._formatted_caption(params)
        markup = self._reply_markup(params)
        reply_to = self._reply_target(chat, params)
        self._check_rate_limit(chat.id)
        message = self._store_bot_message(
            chat,
            kind=kind,
            caption=caption,
            plain_caption=formatted.text,
            parse_mode=parse_mode,
            entities=formatted.entities,
            reply_markup=markup,
            reply_to_message_id=reply_to,
            file=stored,
        )
        return self._message_json(message)

    # ------------------------------------------------------------------------ method handlers

    async def _return_true(self, params: Params) -> bool:
        return True

    async def _get_me(self, params: Params) -> JSONDict:
        return {
            **self.bot_user,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    async def _get_updates(self, params: Params) -> list[JSONDict]:
        if self._webhook is not None:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        offset = params.get_int("offset") or 0
        limit = min(max(params.get_int("limit") or 100, 1), 100)
        timeout = max(params.get_float("timeout") or 0.0, 0.0)
        allowed = params.get_json("allowed_updates")
        if isinstance(allowed, list):
            self._allowed_updates = frozenset(allowed) & ALL_UPDATE_TYPES or (
                DEFAULT_ALLOWED_UPDATES
            )
        self._poll_generation += 1
        generation = self._poll_generation
        self._updates_signal.notify()  # a newer getUpdates terminates a waiting one
        self._confirm_updates(offset)
        deadline = time.monotonic() + timeout
        while True:
            if self._webhook is not None:
                raise ApiError(409, "Conflict: terminated by setWebhook request")
            if generation != self._poll_generation:
                raise ApiError(
                    409,
                    "Conflict: terminated by other getUpdates request; "
                    "make sure that only one bot instance is running",
                )
            batch = self._pending[:limit]
            if batch:
                self._handed_out_up_to = max(self._handed_out_up_to, batch[-1]["update_id"])
                return batch
            remaining = deadline - time.monotonic()
            if remaining <= 0 or self._closing.is_set():
                return []
            await self._updates_signal.wait(remaining)

    async def _set_webhook(self, params: Params) -> bool:
        url = params.get_str("url") or ""
        if not url:
            return await self._delete_webhook(params)
        if not re.match(r"https?://[^\s/]+", url):
            raise _bad_request("bad webhook: An HTTPS URL must be provided for webhook")
        secret = params.get_str("secret_token")
        if secret is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", secret):
            raise _bad_request("secret token contains unallowed characters")
        max_connections = params.get_int("max_connections") or 40
        if not 1 <= max_connections <= 100:
            raise _bad_request("bad webhook: max_connections must be between 1 and 100")
        allowed = params.get_json("allowed_updates")
        if isinstance(allowed, list):
            self._allowed_updates = frozenset(allowed) & ALL_UPDATE_TYPES or (
                DEFAULT_ALLOWED_UPDATES
            )
        if params.get_bool("drop_pending_updates"):
            self._pending.clear()
        await self._stop_webhook_worker()
        self._webhook = WebhookConfig(
            url=url,
            secret_token=secret,
            max_connections=max_connections,
            allowed_updates=allowed if isinstance(allowed, list) else None,
        )
        self._webhook_task = asyncio.create_task(
            self._webhook_worker(self._webhook), name="FakeBotAPI webhook delivery"
        )
        self._updates_signal.notify()  # terminates a waiting getUpdates with 409
        return True

    async def _delete_webhook(self, params: Params) -> bool:
        await self._stop_webhook_worker()
        self._webhook = None
        if params.get_bool("drop_pending_updates"):
            self._pending.clear()
        return True

    async def _get_webhook_info(self, params: Params) -> JSONDict:
        info: JSONDict = {
            "url": self._webhook.url if self._webhook else "",
            "has_custom_certificate": False,
            "pending_update_count": len(self._pending),
        }
        if self._webhook is not None:
            info["max_connections"] = self._webhook.max_connections
            if self._webhook.allowed_updates is not None:
                info["allowed_updates"] = self._webhook.allowed_updates
            if self._webhook.last_error_date is not None:
                info["last_error_date"] = self._webhook.last_error_date
                info["last_error_message"] = self._webhook.last_error_message
        return info

    async def _send_message(self, params: Params) -> JSONDict:
        chat = self._writable_chat(params)
        text = params.get_str("text") or ""
        if not text.strip(_SPACE):
            raise _bad_request("message text is empty")
        formatted, parse_mode = self._format(
            text, params, mode_field="parse_mode", entities_field="entities"
        )
        if not formatted.text:
            raise _bad_request("message text is empty")
        if len(formatted.text) > MAX_TEXT_LENGTH:
            raise _bad_request("message is too long")
        markup = self._reply_markup(params)
        reply_to = self._reply_target(chat, params)
        link_preview = params.get_json("link_preview_options")
        if params.get_bool("disable_web_page_preview"):
            link_preview = {"is_disabled": True}
        self._check_rate_limit(chat.id)
        message = self._store_bot_message(
            chat,
            kind="text",
            text=text,
            plain_text=formatted.text,
            parse_mode=parse_mode,
            entities=formatted.entities,
            reply_markup=markup,
            link_preview_options=link_preview if isinstance(link_preview, dict) else None,
            reply_to_message_id=reply_to,
        )
        return self._message_json(message)

    async def _edit_message_text(self, params: Params) -> JSONDict:
        message = self._editable_message(params)
        if message.kind != "text":
            raise _bad_request("there is no text in the message to edit")
        text = params.get_str("text") or ""
        if not text.strip(_SPACE):
            raise _bad_request("message text is empty")
        formatted, parse_mode = self._format(
            text, params, mode_field="parse_mode", entities_field="entities"
        )
        if not formatted.text:
            raise _bad_request("message text is empty")
        if len(formatted.text) > MAX_TEXT_LENGTH:
            raise _bad_request("message is too long")
        markup = self._reply_markup(params, inline_only=True)
        current_markup = {"inline_keyboard": message.inline_keyboard} if message.buttons else None
        if (
            formatted.text == message.plain_text
            and formatted.entities == message.entities
            and markup == current_markup
        ):
            raise _bad_request(_NOT_MODIFIED)
        message.history.append(message.snapshot())
        message.text = text
        message.plain_text = formatted.text
        message.parse_mode = parse_mode
        message.entities = formatted.entities
        message.reply_markup = markup  # no reply_markup in the edit removes the keyboard
        message.edit_date = int(time.time())
        return self._message_json(message)

    async def _edit_message_caption(self, params: Params) -> JSONDict:
        message = self._editable_message(params)
        if message.kind == "text":
            raise _bad_request("there is no caption in the message to edit")
        caption, formatted, parse_mode = self._formatted_caption(params)
        markup = self._reply_markup(params, inline_only=True)
        current_markup = {"inline_keyboard": message.inline_keyboard} if message.buttons else None
        if (
            formatted.text == (message.plain_caption or "")
            and formatted.entities == message.entities
            and markup == current_markup
        ):
            raise _bad_request(_NOT_MODIFIED)
        message.history.append(message.snapshot())
        message.caption = caption
        message.plain_caption = formatted.text
        message.parse_mode = parse_mode
        message.entities = formatted.entities
        message.reply_markup = markup
        message.edit_date = int(time.time())
        return self._message_json(message)

    async def _edit_message_reply_markup(self, params: Params) -> JSONDict:
        message = self._editable_message(params)
        markup = self._reply_markup(params, inline_only=True)
        current_markup = {"inline_keyboard": message.inline_keyboard} if message.buttons else None
        if markup == current_markup:
            raise _bad_request(_NOT_MODIFIED)
        message.history.append(message.snapshot())
        message.reply_markup = markup
        message.edit_date = int(time.time())
        return self._message_json(message)

    async def _delete_message(self, params: Params) -> bool:
        chat = self._known_chat(params)
        message_id = params.get_int("message_id", missing="message identifier is not specified")
        message = chat.messages.get(message_id or 0)
        if message is None or message.deleted:
            raise _bad_request("message to delete not found")
        message.deleted = True
        return True

    async def _send_photo(self, params: Params) -> JSONDict:
        return await self._send_media(params, "photo")

    async def _send_document(self, params: Params) -> JSONDict:
        return await self._send_media(params, "document")

    async def _send_chat_action(self, params: Params) -> bool:
        self._writable_chat(params)
        action = params.get_str("action")
        if action not in _CHAT_ACTIONS:
            raise _bad_request("wrong parameter action in request")
        return True

    async def _answer_callback_query(self, params: Params) -> bool:
        query_id = params.get_str("callback_query_id") or ""
        query = self._callback_queries.get(query_id)
        if query is None or query.answered:
            raise _bad_request(_QUERY_INVALID)
        text = params.get_str("text")
        if text is not None and len(text) > MAX_CALLBACK_ANSWER_LENGTH:
            raise _bad_request("MESSAGE_TOO_LONG")
        query.answered = True
        self.callback_answers[query_id] = dict(params.values)
        return True

    async def _get_file(self, params: Params) -> JSONDict:
        file_id = params.get_str("file_id", missing="file_id is empty")
        stored = self._files.get(file_id or "")
        if stored is None:
            raise _bad_request("invalid file_id")
        if stored.file_path is None:
            folder = "photos" if stored.kind == "photo" else "documents"
            extension = (mimetypes.guess_extension(stored.mime_type or "") or "").lstrip(".")
            stored.file_path = f"{folder}/file_{stored.file_unique_id}.{extension or 'bin'}"
        result: JSONDict = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_path": stored.file_path,
        }
        if stored.file_size is not None:
            result["file_size"] = stored.file_size
        return result

    def _command_key(self, params: Params) -> tuple[str, str]:
        scope = params.get_json("scope")
        language_code = params.get_str("language_code") or ""
        if language_code and not re.fullmatch(r"[a-z]{2}", language_code):
            raise _bad_request("invalid language code specified")
        if scope is None:
            return "default", language_code
        if not isinstance(scope, dict) or scope.get("type") not in _COMMAND_SCOPES:
            raise _bad_request("can't parse BotCommandScope JSON object")
        scope_type = scope["type"]
        if scope_type in ("chat", "chat_administrators", "chat_member"):
            if "chat_id" not in scope:
                raise _bad_request("can't parse BotCommandScope JSON object")
            key = f"{scope_type}:{scope['chat_id']}"
            if scope_type == "chat_member":
                key += f":{scope.get('user_id')}"
            return key, language_code
        return scope_type, language_code

    async def _set_my_commands(self, params: Params) -> bool:
        commands = params.get_json("commands")
        if not isinstance(commands, list):
            raise _bad_request("can't parse commands JSON object")
        key = self._command_key(params)
        stored: list[JSONDict] = []
        for command in commands:
            if not isinstance(command, dict):
                raise _bad_request("can't parse BotCommand JSON object")
            name = command.get("command")
            description = command.get("description")
            if not isinstance(name, str) or not re.fullmatch(r"[a-z0-9_]{1,32}", name):
                raise _bad_request("BOT_COMMAND_INVALID")
            if not isinstance(description, str) or not 1 <= len(description) <= 256:
                raise _bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
            stored.append({"command": name, "description": description})
        if stored:
            self.commands[key] = stored
        else:
            self.commands.pop(key, None)
        return True

    async def _get_my_commands(self, params: Params) -> list[JSONDict]:
        return self.commands.get(self._command_key(params), [])

    async def _delete_my_commands(self, params: Params) -> bool:
        self.commands.pop(self._command_key(params), None)
        return True

    def _bot_text_setter(self, name: str) -> Handler:
        async def handler(params: Params) -> bool:
            language_code = params.get_str("language_code") or ""
            value = params.get_str(name)
            if value:
                self.bot_texts[(name, language_code)] = value
            else:
                self.bot_texts.pop((name, language_code), None)
            return True

        return handler

    def _bot_text_getter(self, name: str) -> Handler:
        async def handler(params: Params) -> JSONDict:
            language_code = params.get_str("language_code") or ""
            value = self.bot_texts.get((name, language_code), self.bot_texts.get((name, ""), ""))
            if name == "name" and not value:
                value = self.bot_first_name
            return {name: value}

        return handler

    async def _set_chat_menu_button(self, params: Params) -> bool:
        chat_id = params.get_int("chat_id")
        button = params.get_json("menu_button") or {"type": "default"}
        if not isinstance(button, dict) or "type" not in button:
            raise _bad_request("can't parse menu button JSON object")
        if button["type"] == "web_app":
            _validate_web_app(button.get("web_app"))
            if not isinstance(button.get("text"), str) or not button["text"]:
                raise _bad_request("can't parse menu button JSON object: text is empty")
        if chat_id is not None and chat_id not in self._chats:
            raise _bad_request("chat not found")
        self.menu_buttons[chat_id] = button
        return True

    async def _get_chat_menu_button(self, params: Params) -> JSONDict:
        chat_id = params.get_int("chat_id")
        return self.menu_buttons.get(chat_id, self.menu_buttons.get(None, {"type": "default"}))

    # -------------------------------------------------------------------------------- webhook

    async def _stop_webhook_worker(self) -> None:
        task, self._webhook_task = self._webhook_task, None
        if task is not None and not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _webhook_worker(self, config: WebhookConfig) -> None:
        headers = {"Content-Type": "application/json"}
        if config.secret_token:
            headers[SECRET_TOKEN_HEADER] = config.secret_token
        timeout = aiohttp.ClientTimeout(total=self.webhook_timeout)
        async with aiohttp.ClientSession(timeout=timeout) as session:
            while not self._closing.is_set():
                if not self._pending:
                    await self._updates_signal.wait(None)
                    continue
                update = self._pending[0]
                self._handed_out_up_to = max(self._handed_out_up_to, update["update_id"])
                status: int | None = None
                error: str | None = None
                try:
                    async with session.post(
                        config.url, data=json.dumps(update), headers=headers
                    ) as response:
                        await response.read()
                        status = response.status
                        if not 200 <= status < 300:
                            error = f"Wrong response from the webhook: {status} {response.reason}"
                except (aiohttp.ClientError, TimeoutError) as exc:
                    error = f"Connection error: {exc.__class__.__name__}: {exc}"
                self.webhook_deliveries.append(
                    WebhookDelivery(
                        update["update_id"], config.url, time.monotonic(), status, error
                    )
                )
                if error is None:
                    if self._pending and self._pending[0] is update:
                        self._pending.pop(0)
                    self._touch()
                    continue
                config.last_error_date = int(time.time())
                config.last_error_message = error
                self._touch()
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(self.webhook_retry_delay):
                        await self._closing.wait()


# --------------------------------------------------------------------------------------------
# Keyboard validation and media JSON
# --------------------------------------------------------------------------------------------


def _validate_inline_keyboard(rows: Any) -> None:
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise _bad_request(
            "can't parse inline keyboard button: InlineKeyboardMarkup must be an Array"
        )
    if sum(len(row) for row in rows) > MAX_INLINE_BUTTONS:
        raise _bad_request("REPLY_MARKUP_TOO_LONG")
    for row in rows:
        for button in row:
            if not isinstance(button, dict):
                raise _bad_request(
                    "can't parse inline keyboard button: InlineKeyboardButton must be an Object"
                )
            if not isinstance(button.get("text"), str):
                raise _bad_request(
                    'can\'t parse inline keyboard button: Field "text" must be of type String'
                )
            actions = [name for name in _INLINE_BUTTON_ACTIONS if button.get(name) is not None]
            if not actions:
                raise _bad_request("text buttons are unallowed in the inline keyboard")
            if len(actions) > 1:
                raise _bad_request(
                    "can't parse inline keyboard button: exactly one of the optional fields "
                    f"must be used, got {actions}"
                )
            data = button.get("callback_data")
            if data is not None and (
                not isinstance(data, str) or not 1 <= len(data.encode()) <= MAX_CALLBACK_DATA_BYTES
            ):
                raise _bad_request("BUTTON_DATA_INVALID")
            url = button.get("url")
            if url is not None and (
                not isinstance(url, str) or not re.match(r"(https?|tg)://\S+$", url)
            ):
                raise _bad_request("BUTTON_URL_INVALID")
            if "web_app" in button:
                _validate_web_app(button["web_app"])


def _validate_web_app(web_app: Any) -> None:
    """A Mini App opens over https only (Telegram answers this for http or no URL)."""
    url = web_app.get("url") if isinstance(web_app, dict) else None
    if not isinstance(url, str) or not re.match(r"https://\S+$", url):
        raise _bad_request("BUTTON_URL_INVALID")


def _validate_reply_keyboard(rows: Any) -> None:
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise _bad_request("can't parse reply keyboard markup JSON object")
    for row in rows:
        for button in row:
            text = button if isinstance(button, str) else None
            if isinstance(button, dict):
                text = button.get("text")
            if not isinstance(text, str) or not text:
                raise _bad_request(
                    'can\'t parse keyboard button: Field "text" must be of type String'
                )


def _media_json(stored: StoredFile) -> JSONDict:
    if stored.kind == "photo":
        sizes: list[JSONDict] = []
        width, height = stored.width, stored.height
        if max(width, height) > 90:
            scale = 90 / max(width, height)
            sizes.append(
                {
                    "file_id": f"{stored.file_id}_s",
                    "file_unique_id": f"{stored.file_unique_id}_s",
                    "width": max(1, round(width * scale)),
                    "height": max(1, round(height * scale)),
                }
            )
        full: JSONDict = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "width": width,
            "height": height,
        }
        if stored.file_size is not None:
            full["file_size"] = stored.file_size
        sizes.append(full)
        return {"photo": sizes}
    document: JSONDict = {"file_id": stored.file_id, "file_unique_id": stored.file_unique_id}
    if stored.file_name:
        document["file_name"] = stored.file_name
    if stored.mime_type:
        document["mime_type"] = stored.mime_type
    if stored.file_size is not None:
        document["file_size"] = stored.file_size
    return {"document": document}
