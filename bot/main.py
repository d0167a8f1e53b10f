"""Long-running commands: the Telegram bot, the terminal chat, database upgrades."""

from __future__ import annotations

import argparse
import asyncio
import gc
import getpass
import sys

from bot.console import ConsoleChat
from bot.settings import Settings, SettingsError
from bot.wiring import configure_logging, open_advisor
from knowledge.model import DEFAULT_LANGUAGE
from knowledge.problems import KnowledgeError
from storage import StorageError

EXIT_FAILURE = 1


async def _chat(settings: Settings, greeting: bool) -> None:
    advisor = await open_advisor(settings)
    try:
        if greeting:
            print(advisor.knowledge.message("connect_telegram", DEFAULT_LANGUAGE), file=sys.stderr)
        await ConsoleChat(advisor, getpass.getuser()).run()
    finally:
        await advisor.db.dispose()


def _run_telegram(settings: Settings, webhook: bool) -> int:
    """Run the bot; a token the server refuses, or a server out of reach, is one line."""
    from telegram.error import InvalidToken, NetworkError

    from bot.telegram.run import run_telegram

    # What start-up imported lives as long as the process: out of the collector's reach, a
    # full collection scans only what serving makes (here 90 ms for the ~94,000 objects of
    # the imports, each time one came, in the middle of answering someone).
    gc.freeze()
    try:
        return run_telegram(settings, webhook=webhook)
    except InvalidToken:
        # PTB's message repeats the token: name the variable instead.
        raise SettingsError(
            f"the Bot API server at {settings.bot_api_url} rejected BOT_TOKEN (check the token)"
        ) from None
    except NetworkError as exc:
        raise SettingsError(
            f"cannot reach the Bot API server at {settings.bot_api_url} ({exc})"
        ) from None


def run_command(command: str | None, args: argparse.Namespace) -> int:
    """Run ``run``, ``chat``, ``db upgrade`` or the default (run with a token, else chat)."""
    try:
        settings = Settings.from_env()
        chatting = command == "chat" or (command is None and not settings.bot_token)
        # In the terminal the conversation is the output: only warnings go to the log.
        configure_logging(settings, default="WARNING" if chatting or command == "db" else "INFO")
        if command == "db":
            from storage.migrate import upgrade_url

            upgrade_url(settings.database_url)
            print("database is up to date")
            return 0
        if chatting:
            asyncio.run(_chat(settings, greeting=command is None))
            return 0
        if not settings.bot_token:
            raise SettingsError("BOT_TOKEN is not set: `run` needs the token BotFather gave")
        return _run_telegram(settings, webhook=bool(getattr(args, "webhook", False)))
    except (SettingsError, KnowledgeError, StorageError) as exc:
        print(f"netwerkwijzer: {exc}", file=sys.stderr)
        return EXIT_FAILURE
    except KeyboardInterrupt:
        return 0
