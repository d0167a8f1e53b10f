"""Error answers of the Bot API: an HTTP status plus Telegram's JSON error body."""

from __future__ import annotations

from http import HTTPStatus
from typing import Final

from fakebotapi.constants import BLOCKED, JSONDict


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


def status_phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return f"Error {status}"


def bad_request(message: str) -> ApiError:
    return ApiError(400, f"Bad Request: {message}")


def too_many_requests(retry_after: int) -> ApiError:
    return ApiError(
        429, f"Too Many Requests: retry after {retry_after}", {"retry_after": retry_after}
    )


DEFAULT_FAULT_DESCRIPTIONS: Final = {
    400: "Bad Request: injected failure",
    401: "Unauthorized",
    403: BLOCKED,
    404: "Not Found",
    409: "Conflict: terminated by other getUpdates request; "
    "make sure that only one bot instance is running",
    500: "Internal Server Error",
    502: "Bad Gateway",
}
