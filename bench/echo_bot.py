"""A bare python-telegram-bot echo bot: the floor any PTB bot pays, for side-by-side runs.

Reads ``BOT_TOKEN`` and ``BOT_API_URL``; processes up to 8 updates at once, like ours.
"""

from __future__ import annotations

import os

os.environ.setdefault("PTB_TIMEDELTA", "1")

from telegram import Update
from telegram.ext import ApplicationBuilder, ContextTypes, MessageHandler, filters


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Send the text back."""
    if update.effective_message and update.effective_message.text:
        await update.effective_message.reply_text(update.effective_message.text)


def main() -> None:
    api = os.environ["BOT_API_URL"].rstrip("/")
    application = (
        ApplicationBuilder()
        .token(os.environ["BOT_TOKEN"])
        .base_url(f"{api}/bot")
        .base_file_url(f"{api}/file/bot")
        .concurrent_updates(8)
        .build()
    )
    application.add_handler(MessageHandler(filters.TEXT, echo))
    application.run_polling(poll_interval=0.0, timeout=10)


if __name__ == "__main__":
    main()
