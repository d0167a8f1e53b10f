"""After /vergeet the erased text is gone from the SQLite files themselves, not only from
the tables: secure_delete zeroes the freed space and a checkpoint empties the
write-ahead log, where the pages stood as they were before (issue 14)."""

from __future__ import annotations

from datetime import UTC
from pathlib import Path
from typing import Any

import pytest

from storage import Database
from tests.followup_helpers import People, actions_of, local

pytest_plugins = ["tests.storage_fixtures"]

MARKER = "zeldzaamwoord" + "Kwartelkoning" * 3


def _files(db: Database) -> list[Path]:
    main = Path(db.sync_engine.url.database or "")
    return [p for p in (main, Path(f"{main}-wal"), Path(f"{main}-journal")) if p.exists()]


def _readable(db: Database, needle: str) -> list[str]:
    data = needle.encode("utf-8")
    return [p.name for p in _files(db) if data in p.read_bytes()]


@pytest.fixture
def people(db: Database, clock: Any) -> People:
    clock.now = local(2026, 11, 23, 10).astimezone(UTC)
    return People(db, clock)


async def test_forgotten_text_is_not_in_the_database_files(people: People, db: Database) -> None:
    if not db.is_sqlite:
        pytest.skip("the files of SQLite")
    await people.join_bot("7")
    await people.send("7", "/vraag")
    noted = await people.send("7", f"Mijn reflectie: {MARKER} in het netwerk")
    if not any("redacted" in a for a in actions_of(noted)):
        # Stored as a reflection when the question screen takes a typed note; make sure
        # it is in the database whatever the screen did with it.
        uid = await people.user_id("7")
        await db.run(lambda repo: repo.add_reflection(uid, "general", f"{MARKER} notitie"))
    assert _readable(db, MARKER), "the marker was written (else the test proves nothing)"

    asked = await people.send("7", "/vergeet")
    confirm = next(a for a in actions_of(asked) if a.endswith(":forget:yes"))
    await people.press("7", confirm)

    assert _readable(db, MARKER) == []
    wal = [p for p in _files(db) if p.name.endswith("-wal")]
    assert all(p.stat().st_size == 0 for p in wal), "the log was emptied"


async def test_secure_delete_is_on_for_every_connection(db: Database) -> None:
    if not db.is_sqlite:
        pytest.skip("a SQLite pragma")

    def pragma(connection: Any) -> int:
        return int(connection.exec_driver_sql("PRAGMA secure_delete").scalar())

    assert await db.run_connection(pragma) == 1


async def test_after_erasure_on_any_database_is_harmless(db: Database) -> None:
    await db.after_erasure()
    assert await db.run(lambda repo: repo.privacy.forget(12345)) == 0
