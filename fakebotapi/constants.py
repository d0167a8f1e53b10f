"""Telegram's names and limits as the fake server enforces them, and the fake bot's identity."""

from __future__ import annotations

from typing import Any, Final

JSONDict = dict[str, Any]

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

CHAT_ACTIONS: Final = frozenset(
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
COMMAND_SCOPES: Final = frozenset(
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
INLINE_BUTTON_ACTIONS: Final = (
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

BLOCKED: Final = "Forbidden: bot was blocked by the user"
NOT_MODIFIED: Final = (
    "message is not modified: specified new message content and reply markup are exactly "
    "the same as a current content and reply markup of the message"
)
QUERY_INVALID: Final = "query is too old and response timeout expired or query ID is invalid"
