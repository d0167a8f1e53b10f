"""The bot's own settings: its commands, description, short description, name and menu
button."""

from __future__ import annotations

import re

from fakebotapi.constants import COMMAND_SCOPES, JSONDict
from fakebotapi.errors import bad_request
from fakebotapi.keyboards import validate_web_app
from fakebotapi.params import Params
from fakebotapi.state import Method, ServerState


def command_key(params: Params) -> tuple[str, str]:
    scope = params.get_json("scope")
    language_code = params.get_str("language_code") or ""
    if language_code and not re.fullmatch(r"[a-z]{2}", language_code):
        raise bad_request("invalid language code specified")
    if scope is None:
        return "default", language_code
    if not isinstance(scope, dict) or scope.get("type") not in COMMAND_SCOPES:
        raise bad_request("can't parse BotCommandScope JSON object")
    scope_type = scope["type"]
    if scope_type in ("chat", "chat_administrators", "chat_member"):
        if "chat_id" not in scope:
            raise bad_request("can't parse BotCommandScope JSON object")
        key = f"{scope_type}:{scope['chat_id']}"
        if scope_type == "chat_member":
            key += f":{scope.get('user_id')}"
        return key, language_code
    return scope_type, language_code


async def set_my_commands(state: ServerState, params: Params) -> bool:
    commands = params.get_json("commands")
    if not isinstance(commands, list):
        raise bad_request("can't parse commands JSON object")
    key = command_key(params)
    stored: list[JSONDict] = []
    for command in commands:
        if not isinstance(command, dict):
            raise bad_request("can't parse BotCommand JSON object")
        name = command.get("command")
        description = command.get("description")
        if not isinstance(name, str) or not re.fullmatch(r"[a-z0-9_]{1,32}", name):
            raise bad_request("BOT_COMMAND_INVALID")
        if not isinstance(description, str) or not 1 <= len(description) <= 256:
            raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
        stored.append({"command": name, "description": description})
    if stored:
        state.commands[key] = stored
    else:
        state.commands.pop(key, None)
    return True


async def get_my_commands(state: ServerState, params: Params) -> list[JSONDict]:
    return state.commands.get(command_key(params), [])


async def delete_my_commands(state: ServerState, params: Params) -> bool:
    state.commands.pop(command_key(params), None)
    return True


def bot_text_setter(name: str) -> Method:
    """setMy<Name>: store the text ``name`` for a language ("" = all), or drop it."""

    async def handler(state: ServerState, params: Params) -> bool:
        language_code = params.get_str("language_code") or ""
        value = params.get_str(name)
        if value:
            state.bot_texts[(name, language_code)] = value
        else:
            state.bot_texts.pop((name, language_code), None)
        return True

    return handler


def bot_text_getter(name: str) -> Method:
    """getMy<Name>: the text for a language, falling back to all languages."""

    async def handler(state: ServerState, params: Params) -> JSONDict:
        language_code = params.get_str("language_code") or ""
        value = state.bot_texts.get((name, language_code), state.bot_texts.get((name, ""), ""))
        if name == "name" and not value:
            value = state.bot_first_name
        return {name: value}

    return handler


async def set_chat_menu_button(state: ServerState, params: Params) -> bool:
    chat_id = params.get_int("chat_id")
    button = params.get_json("menu_button") or {"type": "default"}
    if not isinstance(button, dict) or "type" not in button:
        raise bad_request("can't parse menu button JSON object")
    if button["type"] == "web_app":
        validate_web_app(button.get("web_app"))
        if not isinstance(button.get("text"), str) or not button["text"]:
            raise bad_request("can't parse menu button JSON object: text is empty")
    if chat_id is not None and chat_id not in state.chats:
        raise bad_request("chat not found")
    state.menu_buttons[chat_id] = button
    return True


async def get_chat_menu_button(state: ServerState, params: Params) -> JSONDict:
    chat_id = params.get_int("chat_id")
    return state.menu_buttons.get(chat_id, state.menu_buttons.get(None, {"type": "default"}))


METHODS: dict[str, Method] = {
    "setMyCommands": set_my_commands,
    "getMyCommands": get_my_commands,
    "deleteMyCommands": delete_my_commands,
    "setMyDescription": bot_text_setter("description"),
    "getMyDescription": bot_text_getter("description"),
    "setMyShortDescription": bot_text_setter("short_description"),
    "getMyShortDescription": bot_text_getter("short_description"),
    "setMyName": bot_text_setter("name"),
    "getMyName": bot_text_getter("name"),
    "setChatMenuButton": set_chat_menu_button,
    "getChatMenuButton": get_chat_menu_button,
}
