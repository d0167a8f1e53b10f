"""Request parameters: form, JSON or multipart, decoded into the types Telegram gives them."""

from __future__ import annotations

import json
import re
from typing import Any, Final

import aiohttp
from aiohttp import hdrs, web

from fakebotapi.constants import JSONDict
from fakebotapi.errors import bad_request
from fakebotapi.files import UploadedFile

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


def decode_value(name: str, value: Any) -> Any:
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
                raise bad_request(missing)
            return None
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, int | float):
            return str(value)
        if not isinstance(value, str):
            raise bad_request(f'field "{name}" must be of type String')
        return value

    def get_int(self, name: str, *, missing: str | None = None) -> int | None:
        value = self.values.get(name)
        if value is None or value == "":
            if missing is not None:
                raise bad_request(missing)
            return None
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise bad_request(f'field "{name}" must be of type Integer')
        if isinstance(value, float) and not value.is_integer():
            raise bad_request(f'field "{name}" must be of type Integer')
        return int(value)

    def get_float(self, name: str) -> float | None:
        value = self.values.get(name)
        if value is None or value == "":
            return None
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise bad_request(f'field "{name}" must be of type Number')
        return float(value)

    def get_bool(self, name: str) -> bool:
        value = self.values.get(name)
        if value is None:
            return False
        if not isinstance(value, bool):
            raise bad_request(f'field "{name}" must be of type Boolean')
        return value

    def get_json(self, name: str) -> Any:
        """A JSON-valued field (objects/arrays); a string here means it was not valid JSON."""
        value = self.values.get(name)
        if isinstance(value, str):
            if name == "reply_markup":
                raise bad_request("can't parse reply keyboard markup JSON object")
            raise bad_request(f"can't parse {name} JSON object")
        return value


async def read_params(request: web.Request) -> Params:
    values: JSONDict = dict(request.query)
    files: dict[str, UploadedFile] = {}
    if request.method == "POST" and request.body_exists:
        content_type = request.content_type
        if content_type == "application/json":
            try:
                body = json.loads(await request.text())
            except ValueError as exc:
                raise bad_request("can't parse JSON encoded request") from exc
            if not isinstance(body, dict):
                raise bad_request("JSON object expected as request body")
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
    return Params({key: decode_value(key, value) for key, value in values.items()}, files)
