"""The terminal chat in tests: an advisor on a fresh SQLite file, one console user, and
what each line they type makes the chat print."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from bot.app.advisor import Advisor
from bot.console import ConsoleChat
from knowledge.store import KnowledgeStore
from storage import Database
from storage.migrate import upgrade


async def open_test_advisor(url: str) -> Advisor:
    db = Database(url)
    await upgrade(db)
    return Advisor(db, KnowledgeStore())


class Console:
    """One user at the terminal chat; :meth:`said` types a line."""

    def __init__(self, advisor: Advisor, user_key: str = "tester") -> None:
        self.advisor = advisor
        self.out = io.StringIO()
        self.chat = ConsoleChat(advisor, user_key, self.out)

    async def said(self, line: str) -> str:
        """What typing ``line`` printed."""
        before = self.out.tell()
        await self.chat.say(self.chat.to_event(line), line)
        return self.out.getvalue()[before:]

    @property
    def printed(self) -> str:
        """Everything printed so far."""
        return self.out.getvalue()


@asynccontextmanager
async def console(tmp_path: Path, user_key: str = "tester") -> AsyncIterator[Console]:
    """A console chat with an advisor on ``chat.sqlite3`` in ``tmp_path``, closed after."""
    advisor = await open_test_advisor(f"sqlite:///{tmp_path / 'chat.sqlite3'}")
    try:
        yield Console(advisor, user_key)
    finally:
        await advisor.db.dispose()
