"""Settings from the environment, and logs that never show the token."""

from __future__ import annotations

import logging

import pytest

from bot.settings import Settings, SettingsError
from bot.wiring import RedactingFormatter


def test_defaults() -> None:
    settings = Settings.from_env({})
    assert settings.bot_token is None
    assert settings.database_url.startswith("sqlite:///")
    assert settings.bot_api_url == "https://api.telegram.org"
    assert settings.timezone == "Europe/Amsterdam" and settings.port == 8080
    assert settings.admin_ids == frozenset() and settings.log_level is None
    assert settings.broadcast_rate == 28 and settings.dispatch_lease_seconds == 60
    assert settings.insight_min_group == 5
    assert settings.chat_rate == 1.0, "about a message a second per chat, as Telegram asks"


def test_values_are_read_and_cleaned() -> None:
    settings = Settings.from_env(
        {
            "BOT_TOKEN": " 123:abc ",
            "BOT_API_URL": "http://127.0.0.1:8081/",
            "ADMIN_IDS": "1, 2,,3",
            "PORT": "5000",
            "LOG_LEVEL": "debug",
            "BOT_TIMEZONE": "Europe/London",
            "BROADCAST_RATE": "20",
            "DISPATCH_LEASE_SECONDS": "2.5",
            "INSIGHT_MIN_GROUP": "10",
            "CHAT_RATE": "0.5",
        }
    )
    assert settings.chat_rate == 0.5
    assert Settings.from_env({"CHAT_RATE": " OFF "}).chat_rate is None
    assert settings.broadcast_rate == 20 and settings.dispatch_lease_seconds == 2.5
    assert settings.insight_min_group == 10
    assert settings.bot_token == "123:abc"
    assert settings.bot_api_url == "http://127.0.0.1:8081"
    assert settings.admin_ids == {1, 2, 3}
    assert settings.port == 5000 and settings.log_level == "DEBUG"


@pytest.mark.parametrize(
    ("env", "names"),
    [
        ({"PORT": "http"}, "PORT"),
        ({"PORT": "70000"}, "PORT"),
        ({"ADMIN_IDS": "1,bob"}, "ADMIN_IDS"),
        ({"BOT_TIMEZONE": "Mars/Olympus"}, "BOT_TIMEZONE"),
        ({"LOG_LEVEL": "LOUD"}, "LOG_LEVEL"),
        ({"BROADCAST_RATE": "40"}, "BROADCAST_RATE"),
        ({"BROADCAST_RATE": "snel"}, "BROADCAST_RATE"),
        ({"DISPATCH_LEASE_SECONDS": "0"}, "DISPATCH_LEASE_SECONDS"),
        ({"CHAT_RATE": "0"}, "CHAT_RATE"),
        ({"CHAT_RATE": "nooit"}, "CHAT_RATE"),
        ({"INSIGHT_MIN_GROUP": "1"}, "INSIGHT_MIN_GROUP"),
    ],
)
def test_bad_values_name_the_variable(env: dict[str, str], names: str) -> None:
    with pytest.raises(SettingsError, match=names):
        Settings.from_env(env)


def test_the_token_never_reaches_the_log() -> None:
    formatter = RedactingFormatter("123:secret")
    try:
        raise RuntimeError("The token `123:secret` was rejected")
    except RuntimeError:
        record = logging.LogRecord(
            "x", logging.ERROR, __file__, 1, "POST %s", ("https://h/bot123:secret/getMe",), None
        )
        import sys

        record.exc_info = sys.exc_info()
    text = formatter.format(record)
    assert "123:secret" not in text and text.count("<BOT_TOKEN>") >= 2
