"""Messages: sending, editing, deleting, photos and documents, chat actions, callback
answers, getFile."""

from __future__ import annotations

import mimetypes
import time

from fakebotapi.constants import (
    CHAT_ACTIONS,
    MAX_CALLBACK_ANSWER_LENGTH,
    MAX_TEXT_LENGTH,
    NOT_MODIFIED,
    QUERY_INVALID,
    JSONDict,
)
from fakebotapi.errors import bad_request
from fakebotapi.keyboards import reply_markup
from fakebotapi.params import Params
from fakebotapi.state import Method, ServerState
from fakebotapi.text import SPACE


async def send_message(state: ServerState, params: Params) -> JSONDict:
    chat = state.writable_chat(params)
    text = params.get_str("text") or ""
    if not text.strip(SPACE):
        raise bad_request("message text is empty")
    formatted, parse_mode = state.format(
        text, params, mode_field="parse_mode", entities_field="entities"
    )
    if not formatted.text:
        raise bad_request("message text is empty")
    if len(formatted.text) > MAX_TEXT_LENGTH:
        raise bad_request("message is too long")
    markup = reply_markup(params)
    reply_to = state.reply_target(chat, params)
    link_preview = params.get_json("link_preview_options")
    if params.get_bool("disable_web_page_preview"):
        link_preview = {"is_disabled": True}
    state.check_rate_limit(chat.id)
    message = state.store_bot_message(
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
    return state.message_json(message)


async def edit_message_text(state: ServerState, params: Params) -> JSONDict:
    message = state.editable_message(params)
    if message.kind != "text":
        raise bad_request("there is no text in the message to edit")
    text = params.get_str("text") or ""
    if not text.strip(SPACE):
        raise bad_request("message text is empty")
    formatted, parse_mode = state.format(
        text, params, mode_field="parse_mode", entities_field="entities"
    )
    if not formatted.text:
        raise bad_request("message text is empty")
    if len(formatted.text) > MAX_TEXT_LENGTH:
        raise bad_request("message is too long")
    markup = reply_markup(params, inline_only=True)
    current_markup = {"inline_keyboard": message.inline_keyboard} if message.buttons else None
    if (
        formatted.text == message.plain_text
        and formatted.entities == message.entities
        and markup == current_markup
    ):
        raise bad_request(NOT_MODIFIED)
    message.history.append(message.snapshot())
    message.text = text
    message.plain_text = formatted.text
    message.parse_mode = parse_mode
    message.entities = formatted.entities
    message.reply_markup = markup  # no reply_markup in the edit removes the keyboard
    message.edit_date = int(time.time())
    return state.message_json(message)


async def edit_message_caption(state: ServerState, params: Params) -> JSONDict:
    message = state.editable_message(params)
    if message.kind == "text":
        raise bad_request("there is no caption in the message to edit")
    caption, formatted, parse_mode = state.formatted_caption(params)
    markup = reply_markup(params, inline_only=True)
    current_markup = {"inline_keyboard": message.inline_keyboard} if message.buttons else None
    if (
        formatted.text == (message.plain_caption or "")
        and formatted.entities == message.entities
        and markup == current_markup
    ):
        raise bad_request(NOT_MODIFIED)
    message.history.append(message.snapshot())
    message.caption = caption
    message.plain_caption = formatted.text
    message.parse_mode = parse_mode
    message.entities = formatted.entities
    message.reply_markup = markup
    message.edit_date = int(time.time())
    return state.message_json(message)


async def edit_message_reply_markup(state: ServerState, params: Params) -> JSONDict:
    message = state.editable_message(params)
    markup = reply_markup(params, inline_only=True)
    current_markup = {"inline_keyboard": message.inline_keyboard} if message.buttons else None
    if markup == current_markup:
        raise bad_request(NOT_MODIFIED)
    message.history.append(message.snapshot())
    message.reply_markup = markup
    message.edit_date = int(time.time())
    return state.message_json(message)


async def delete_message(state: ServerState, params: Params) -> bool:
    chat = state.known_chat(params)
    message_id = params.get_int("message_id", missing="message identifier is not specified")
    message = chat.messages.get(message_id or 0)
    if message is None or message.deleted:
        raise bad_request("message to delete not found")
    message.deleted = True
    return True


async def send_photo(state: ServerState, params: Params) -> JSONDict:
    return await state.send_media(params, "photo")


async def send_document(state: ServerState, params: Params) -> JSONDict:
    return await state.send_media(params, "document")


async def send_chat_action(state: ServerState, params: Params) -> bool:
    state.writable_chat(params)
    action = params.get_str("action")
    if action not in CHAT_ACTIONS:
        raise bad_request("wrong parameter action in request")
    return True


async def answer_callback_query(state: ServerState, params: Params) -> bool:
    query_id = params.get_str("callback_query_id") or ""
    query = state.callback_queries.get(query_id)
    if query is None or query.answered:
        raise bad_request(QUERY_INVALID)
    text = params.get_str("text")
    if text is not None and len(text) > MAX_CALLBACK_ANSWER_LENGTH:
        raise bad_request("MESSAGE_TOO_LONG")
    query.answered = True
    state.callback_answers[query_id] = dict(params.values)
    return True


async def get_file(state: ServerState, params: Params) -> JSONDict:
    file_id = params.get_str("file_id", missing="file_id is empty")
    stored = state.files.get(file_id or "")
    if stored is None:
        raise bad_request("invalid file_id")
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


METHODS: dict[str, Method] = {
    "sendMessage": send_message,
    "editMessageText": edit_message_text,
    "editMessageCaption": edit_message_caption,
    "editMessageReplyMarkup": edit_message_reply_markup,
    "deleteMessage": delete_message,
    "sendPhoto": send_photo,
    "sendDocument": send_document,
    "sendChatAction": send_chat_action,
    "answerCallbackQuery": answer_callback_query,
    "getFile": get_file,
}
