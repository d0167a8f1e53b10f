"""The state of the simulated Telegram, and the helpers the method handlers share."""

from __future__ import annotations

import asyncio
import contextlib
import mimetypes
import re
import time
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any

from fakebotapi.constants import BLOCKED, DEFAULT_ALLOWED_UPDATES, MAX_CAPTION_LENGTH, JSONDict
from fakebotapi.errors import ApiError, bad_request, too_many_requests
from fakebotapi.files import StoredFile, image_size, media_json
from fakebotapi.formatting import parse_formatted_text
from fakebotapi.keyboards import reply_markup
from fakebotapi.params import Params
from fakebotapi.ratelimit import RateLimiter
from fakebotapi.records import (
    CallbackQuery,
    ChatState,
    Fault,
    RecordedCall,
    Signal,
    Stats,
    StoredMessage,
    WebhookConfig,
    WebhookDelivery,
)
from fakebotapi.text import EntityParseError, FormattedText


class ServerState:
    """The simulated Telegram: the bot, chats and messages, files, queued updates, and what
    the method handlers share. :class:`~fakebotapi.server.FakeBotAPI` builds on it."""

    def __init__(
        self,
        *,
        bot_id: int,
        bot_first_name: str,
        bot_username: str,
        webhook_retry_delay: float,
        webhook_timeout: float,
        strict_html: bool,
    ) -> None:
        self.bot_id = bot_id
        self.bot_first_name = bot_first_name
        self.bot_username = bot_username
        self.webhook_retry_delay = webhook_retry_delay
        self.webhook_timeout = webhook_timeout
        self.strict_html = strict_html

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
        self.chats: dict[int, ChatState] = {}
        self.files: dict[str, StoredFile] = {}
        self.file_counter = 0
        self.pending: list[JSONDict] = []
        self.next_update_id = 10_001
        self.handed_out_up_to = 0  # highest update_id given to the bot at least once
        self.allowed_updates: frozenset[str] = DEFAULT_ALLOWED_UPDATES
        self.poll_generation = 0
        self.webhook_config: WebhookConfig | None = None
        self.webhook_task: asyncio.Task[None] | None = None
        self.callback_queries: dict[str, CallbackQuery] = {}
        self.next_callback_id = 4_200_000_000_000_000_001

        # Test controls
        self.faults: dict[str, deque[Fault]] = {}
        self.chat_faults: dict[tuple[int, str], deque[Fault | None]] = {}
        """(chat, method) → the fate of its next calls: None passes, a Fault fails."""
        self.delays: dict[str, deque[float]] = {}
        self.drops: dict[str, int] = {}
        """Method → how many of its next calls are performed and then left unanswered."""
        self.rate_limiter: RateLimiter | None = None

        # Coordination
        self.updates_signal = Signal()
        self.changed = Signal()
        self.closing = asyncio.Event()
        self.in_flight = 0
        self.last_activity = time.monotonic()

    @property
    def bot_user(self) -> JSONDict:
        """The bot as a User object (as in ``from`` of its messages)."""
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": self.bot_first_name,
            "username": self.bot_username,
        }

    # ----------------------------------------------------------------------- update plumbing

    def enqueue(self, update: JSONDict) -> JSONDict:
        body = {key: value for key, value in update.items() if key != "update_id"}
        update = {"update_id": self.next_update_id, **body}
        self.next_update_id += 1
        update_type = next((key for key in update if key != "update_id"), "")
        if update_type in self.allowed_updates:
            self.pending.append(update)
        self.updates_signal.notify()
        self.touch()
        return update

    def enqueue_member_change(self, chat: ChatState, old: str, new: str) -> None:
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
        self.enqueue({"my_chat_member": change})

    def confirm_updates(self, offset: int) -> None:
        if offset > 0:
            self.pending = [u for u in self.pending if u["update_id"] >= offset]
        elif offset < 0:
            self.pending = self.pending[offset:]

    def touch(self) -> None:
        self.last_activity = time.monotonic()
        self.changed.notify()

    # ------------------------------------------------------------------ shared method helpers

    def known_chat(self, params: Params) -> ChatState:
        chat_id = params.values.get("chat_id")
        if chat_id is None or chat_id == "":
            raise bad_request("chat_id is empty")
        if isinstance(chat_id, bool) or not isinstance(chat_id, int):
            raise bad_request("chat not found")
        chat = self.chats.get(chat_id)
        if chat is None:
            raise bad_request("chat not found")
        return chat

    def writable_chat(self, params: Params) -> ChatState:
        chat = self.known_chat(params)
        if chat.blocked:
            raise ApiError(403, BLOCKED)
        return chat

    def check_rate_limit(self, chat_id: int) -> None:
        if self.rate_limiter is None:
            return
        retry_after = self.rate_limiter.acquire(chat_id, time.monotonic())
        if retry_after is not None:
            raise too_many_requests(retry_after)

    def format(
        self, text: str, params: Params, *, mode_field: str, entities_field: str
    ) -> tuple[FormattedText, str | None]:
        parse_mode = params.get_str(mode_field) or None
        explicit_entities = params.get_json(entities_field)
        try:
            formatted = parse_formatted_text(text, parse_mode, strict_html=self.strict_html)
        except EntityParseError as exc:
            raise bad_request(f"can't parse entities: {exc}") from exc
        except ValueError as exc:
            raise bad_request(f"unsupported parse_mode {parse_mode}") from exc
        if parse_mode is None and isinstance(explicit_entities, list):
            formatted.entities = [e for e in explicit_entities if isinstance(e, dict)]
        return formatted, parse_mode

    def formatted_caption(self, params: Params) -> tuple[str | None, FormattedText, str | None]:
        caption = params.get_str("caption")
        formatted, parse_mode = self.format(
            caption or "", params, mode_field="parse_mode", entities_field="caption_entities"
        )
        if len(formatted.text) > MAX_CAPTION_LENGTH:
            raise bad_request("message caption is too long")
        return caption, formatted, parse_mode

    def reply_target(self, chat: ChatState, params: Params) -> int | None:
        reply = params.get_json("reply_parameters")
        if reply is None and params.values.get("reply_to_message_id") is not None:
            reply = {
                "message_id": params.get_int("reply_to_message_id"),
                "allow_sending_without_reply": params.get_bool("allow_sending_without_reply"),
            }
        if reply is None:
            return None
        if not isinstance(reply, dict) or not isinstance(reply.get("message_id"), int):
            raise bad_request("can't parse reply parameters JSON object")
        target = chat.messages.get(reply["message_id"])
        if target is None or target.deleted:
            if reply.get("allow_sending_without_reply"):
                return None
            raise bad_request("message to be replied not found")
        return target.message_id

    def store_bot_message(self, chat: ChatState, **fields: Any) -> StoredMessage:
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

    def message_json(
        self, message: StoredMessage, language_code: str | None = None, *, nested: bool = False
    ) -> JSONDict:
        chat = self.chats[message.chat_id]
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
                result["reply_to_message"] = self.message_json(target, nested=True)
        if message.kind == "text":
            result["text"] = message.plain_text
            if message.entities:
                result["entities"] = message.entities
            if message.link_preview_options:
                result["link_preview_options"] = message.link_preview_options
        else:
            if message.file is not None:
                result.update(media_json(message.file))
            if message.plain_caption:
                result["caption"] = message.plain_caption
                if message.entities:
                    result["caption_entities"] = message.entities
        if message.inline_keyboard:
            result["reply_markup"] = {"inline_keyboard": message.inline_keyboard}
        return result

    def editable_message(self, params: Params) -> StoredMessage:
        if params.values.get("inline_message_id") is not None:
            raise bad_request("MESSAGE_ID_INVALID")
        chat = self.writable_chat(params)
        message_id = params.get_int("message_id", missing="message identifier is not specified")
        assert message_id is not None
        message = chat.messages.get(message_id)
        if message is None or message.deleted:
            raise bad_request("message to edit not found")
        if not message.from_bot:
            raise bad_request("message can't be edited")
        return message

    def new_file(self, kind: str, data: bytes | None, **fields: Any) -> StoredFile:
        self.file_counter += 1
        prefix = "AgACAgQAAxkDAAI" if kind == "photo" else "BQACAgQAAxkDAAI"
        stored = StoredFile(
            file_id=f"{prefix}{self.file_counter:06d}FakeFile",
            file_unique_id=f"AQAD{self.file_counter:06d}",
            kind=kind,
            data=data,
            **fields,
        )
        self.files[stored.file_id] = stored
        if kind == "photo":
            self.files[f"{stored.file_id}_s"] = stored  # the thumbnail PhotoSize
        return stored

    def input_file(self, params: Params, field_name: str, kind: str) -> StoredFile:
        """Resolve a file parameter: multipart upload, attach://, known file_id or URL."""
        value = params.values.get(field_name)
        upload = params.files.get(field_name)
        if upload is None and isinstance(value, str) and value.startswith("attach://"):
            upload = params.files.get(value.removeprefix("attach://"))
            if upload is None:
                raise bad_request(f"there is no {field_name} in the request")
        if upload is not None:
            if not upload.data:
                raise bad_request("file must be non-empty")
            size = image_size(upload.data) if kind == "photo" else None
            if kind == "photo" and size is None:
                raise bad_request("IMAGE_PROCESS_FAILED")
            mime_type = upload.content_type
            if mime_type == "application/octet-stream":
                mime_type = mimetypes.guess_type(upload.filename)[0] or mime_type
            width, height = size or (0, 0)
            return self.new_file(
                kind,
                upload.data,
                file_name=upload.filename,
                mime_type=mime_type,
                width=width,
                height=height,
            )
        if not isinstance(value, str) or not value:
            raise bad_request(f"there is no {field_name} in the request")
        known = self.files.get(value)
        if known is not None:
            if known.kind != kind:
                raise bad_request(f"can't use file of type {known.kind.title()} as {kind.title()}")
            return known
        if re.match(r"https?://[^\s/]+", value):
            name = value.rstrip("/").rsplit("/", 1)[-1] or "file"
            return self.new_file(
                kind,
                None,
                file_name=name,
                mime_type=mimetypes.guess_type(name)[0] or "application/octet-stream",
                source_url=value,
                width=800 if kind == "photo" else 0,
                height=600 if kind == "photo" else 0,
            )
        raise bad_request("wrong file identifier/HTTP URL specified")

    async def send_media(self, params: Params, kind: str) -> JSONDict:
        chat = self.writable_chat(params)
        stored = self.input_file(params, kind, kind)
        caption, formatted, parse_mode = self.formatted_caption(params)
        markup = reply_markup(params)
        reply_to = self.reply_target(chat, params)
        self.check_rate_limit(chat.id)
        message = self.store_bot_message(
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
        return self.message_json(message)

    # -------------------------------------------------------------------------------- webhook

    async def stop_webhook_worker(self) -> None:
        task, self.webhook_task = self.webhook_task, None
        if task is not None and not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task


Method = Callable[[ServerState, Params], Awaitable[Any]]
"""A Bot API method: what it does to the state and the ``result`` it answers."""
