"""The bot starts without the heavy libraries: charts, QR codes, PDFs and Alembic load only
when they are used, the web server only when one is started (webhook, or WEB_URL), the
reading libraries with the first typed text, and aiohttp not at all when polling (our Bot
API client is h11's), nor rapidfuzz (see the start-up and memory rows of the benchmark
table)."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import textwrap
from pathlib import Path

from fakebotapi import FakeBotAPI
from storage.migrate import head_of_files, head_revision

ROOT = Path(__file__).resolve().parent.parent
HEAVY = ("matplotlib", "segno", "fpdf", "fontTools", "alembic", "mako", "pygments")
WEB = ("aiohttp", "aiohttp.web", "bot.web")
READING = ("Stemmer", "text_to_num")
NEVER = ("rapidfuzz",)
"""Not needed to run at all: misspellings are forgiven by :mod:`knowledge.reading.similar`
(rapidfuzz's ratio; rapidfuzz's import alone costs 3.4 MB of resident memory)."""


def run_python(code: str, tmp_path: Path) -> str:
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "PTB_TIMEDELTA": "1"},
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_importing_the_start_up_path_loads_nothing_heavy(tmp_path: Path) -> None:
    loaded = run_python(
        f"""
        import sys
        import bot.cli, bot.main, bot.telegram.run, bot.wiring
        from knowledge.store import KnowledgeStore
        KnowledgeStore().current  # loaded as at start
        print(sorted(m for m in {(*HEAVY, *WEB, *READING, *NEVER)!r} if m in sys.modules))
        """,
        tmp_path,
    )
    assert loaded == "[]"


def test_the_reading_libraries_load_with_the_first_typed_answer(tmp_path: Path) -> None:
    loaded = run_python(
        f"""
        import sys
        from flows.advisor import AdvisorFlow
        from flows.events import Event, StoredState
        from knowledge.store import KnowledgeStore
        flow = AdvisorFlow(KnowledgeStore().current)
        state = StoredState(state="size", flow_version=1, consent=True)
        before = sorted(m for m in {READING!r} if m in sys.modules)
        flow.handle(state, Event("action", text="1:size:groot"))
        pressed = sorted(m for m in {READING!r} if m in sys.modules)
        flow.handle(state, Event("text", text="een groot netwerk, geen idee hoeveel"))
        words = sorted(m for m in {READING!r} if m in sys.modules)
        flow.handle(state, Event("text", text="ongeveer vijfenveertig organisaties"))
        typed = sorted(m for m in {READING!r} if m in sys.modules)
        mandate = StoredState(state="mandate", flow_version=1, consent=True)
        flow.handle(mandate, Event("text", text="beperkd"))  # misspelt: "beperkt"
        print(before, pressed, words, typed, sorted(m for m in {NEVER!r} if m in sys.modules))
        """,
        tmp_path,
    )
    # text2num only with the first word that can be a number word ("vijfenveertig"),
    # not with every typed text ("groot", "geen").
    assert loaded == "[] [] ['Stemmer'] ['Stemmer', 'text_to_num'] []"


async def test_a_start_on_a_current_schema_to_the_first_reply_loads_nothing_heavy(
    tmp_path: Path,
) -> None:
    """The real start in a process of its own (the fake Bot API, on aiohttp, runs here):
    settings, knowledge, database, getMe, commands, polling, a reply; then the bot prints
    what it loaded of the heavy libraries and of aiohttp."""
    database = f"sqlite:///{tmp_path / 'bot.sqlite3'}"
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "PTB_TIMEDELTA": "1"}
    upgrade = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "db", "upgrade", env={**env, "DATABASE_URL": database}
    )
    assert await upgrade.wait() == 0
    async with FakeBotAPI() as api:
        code = f"""
            import asyncio, sys
            from bot.settings import Settings
            from bot.telegram.run import running_bot

            async def main():
                settings = Settings.from_env({{
                    "BOT_TOKEN": {api.token!r}, "BOT_API_URL": {api.root_url!r},
                    "DATABASE_URL": {database!r},
                }})
                async with running_bot(settings, webhook=False, host="127.0.0.1"):
                    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
            asyncio.run(main())
            print(sorted(m for m in {(*HEAVY, *NEVER, "aiohttp")!r} if m in sys.modules))
            """
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-c",
            textwrap.dedent(code),
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            cwd=ROOT,
            env=env,
        )
        try:
            api.user_sends(7, "/start")
            await api.wait_for_messages(7, timeout=60)
            out, err = await asyncio.wait_for(process.communicate(b"\n"), timeout=60)
        finally:
            if process.returncode is None:
                process.kill()
                await process.wait()
    assert process.returncode == 0, err.decode()
    assert out.decode().strip() == "[]"


def test_the_head_read_from_the_files_is_alembics() -> None:
    assert head_of_files() == head_revision()
