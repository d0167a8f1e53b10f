"""What the fake server records and keeps: calls, messages, chats, webhook deliveries,
counters, and the signal that wakes waiters."""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from fakebotapi.constants import JSONDict
from fakebotapi.files import StoredFile, UploadedFile


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
        return (self.plain_text if self.kind == "text" else self.plain_caption) or ""

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


@dataclass
class Fault:
    status: int
    description: str
    retry_after: int | None


@dataclass
class CallbackQuery:
    id: str
    user_id: int
    message_id: int
    data: str
    answered: bool = False


class Signal:
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
