"""The hashes that stand for a chat (a deep link waiting for consent) or a client's
address (a login attempt) cannot be reversed by trying every Telegram user id or IPv4
address: they are keyed with the installation's secret, which every process on the
database shares and a restart keeps. On SQLite, and on PostgreSQL when
``TEST_DATABASE_URL`` is set."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from sqlalchemy import Connection, delete, select, text

from storage import Database, Repository
from storage.keys import installation_key
from storage.migrate import upgrade
from storage.models import InstallationKey, PendingStart, WebAttempt
from tests.test_migrations_upgrade import migrate

pytest_plugins = ["tests.storage_fixtures"]

CHAT = ("telegram", "5550123")


def stored(model: type[PendingStart] | type[WebAttempt]) -> Callable[[Repository], list[str]]:
    column = PendingStart.chat_hash if model is PendingStart else WebAttempt.client_hash
    return lambda repo: list(repo._session.scalars(select(column)))


def key_rows(repo: Repository) -> list[str]:
    return list(repo._session.scalars(select(InstallationKey.secret)))


async def test_the_stored_reference_is_no_plain_hash_of_the_chat(db: Database) -> None:
    await db.run(lambda repo: repo.pending_starts.keep(*CHAT, "CODE123"))
    [reference] = await db.run(stored(PendingStart))
    # What an attacker with the table would try, for every user id.
    for guess in ("telegram:5550123", "5550123", "telegram\x005550123", "chat\x00telegram:5550123"):
        assert reference != hashlib.sha256(guess.encode()).hexdigest(), guess
    [secret] = await db.run(key_rows)
    key = bytes.fromhex(secret)
    assert len(key) == 32
    keyed = hmac.new(key, b"chat\x00telegram:5550123", hashlib.sha256).hexdigest()
    assert reference == keyed, "only with the installation's key does the chat match"


async def test_the_stored_address_is_keyed_too(db: Database, clock: Any) -> None:
    now = clock()
    await db.run(lambda repo: repo.web.attempt("203.0.113.7", now, timedelta(minutes=1), 5, 10))
    [reference] = await db.run(stored(WebAttempt))
    assert reference != hashlib.sha256(b"203.0.113.7").hexdigest()
    [secret] = await db.run(key_rows)
    keyed = hmac.new(bytes.fromhex(secret), b"address\x00203.0.113.7", hashlib.sha256)
    assert reference == keyed.hexdigest()


async def test_two_processes_agree_on_the_key(
    db: Database, make_database: Callable[[], Database]
) -> None:
    other = make_database()  # the second process, its own engine and connections
    await db.run(lambda repo: repo.pending_starts.keep(*CHAT, "CODE123"))
    assert await other.run(lambda repo: repo.pending_starts.find(*CHAT)) == "CODE123"
    await other.run(lambda repo: repo.pending_starts.drop(*CHAT))
    assert await db.run(stored(PendingStart)) == []
    assert len(await other.run(key_rows)) == 1


async def test_two_processes_making_the_first_key_at_once_get_one(
    db: Database, make_database: Callable[[], Database], clock: Any
) -> None:
    handles = [db, make_database(), make_database()]
    keys = await asyncio.gather(
        *(handle.run(lambda repo: installation_key(repo._session, clock)) for handle in handles)
    )
    assert len(set(keys)) == 1
    assert await db.run(key_rows) == [keys[0].hex()]


async def test_a_restart_keeps_the_key(db: Database, make_database: Callable[[], Database]) -> None:
    await db.run(lambda repo: repo.pending_starts.keep(*CHAT, "CODE123"))
    before = await db.run(key_rows)
    await db.dispose()
    restarted = make_database()
    assert await restarted.run(lambda repo: repo.pending_starts.find(*CHAT)) == "CODE123"
    assert await restarted.run(key_rows) == before


async def test_an_erased_key_is_replaced_and_leaves_nothing_readable(db: Database) -> None:
    """What docs/operations.md promises an operator who deletes the key."""
    await db.run(lambda repo: repo.pending_starts.keep(*CHAT, "CODE123"))
    [old] = await db.run(key_rows)
    await db.run(lambda repo: repo._session.execute(delete(InstallationKey)))
    assert await db.run(lambda repo: repo.pending_starts.find(*CHAT)) is None
    await db.run(lambda repo: repo.pending_starts.keep(*CHAT, "CODE456"))
    [new] = await db.run(key_rows)
    assert new != old
    assert await db.run(lambda repo: repo.pending_starts.find(*CHAT)) == "CODE456"


async def test_looking_up_makes_no_key_only_storing_does(db: Database) -> None:
    """Before consent the bot looks for a pending link at every event: that stores nothing."""
    assert await db.run(lambda repo: repo.pending_starts.find(*CHAT)) is None
    await db.run(lambda repo: repo.pending_starts.drop(*CHAT))
    assert await db.run(key_rows) == []
    await db.run(lambda repo: repo.pending_starts.keep(*CHAT, "CODE123"))
    assert len(await db.run(key_rows)) == 1


async def test_the_upgrade_deletes_the_rows_of_the_plain_hash(empty_db: Database) -> None:
    await migrate(empty_db, "upgrade", "0014_coord6_pending_starts")
    plain = hashlib.sha256(b"telegram:5550123").hexdigest()

    def fill(connection: Connection) -> None:
        for statement in (
            "INSERT INTO pending_starts (chat_hash, payload, expires_at) "
            "VALUES (:hash, 'CODE123', '2026-03-03 09:30:00+00:00')",
            "INSERT INTO web_attempts (client_hash, at) "
            "VALUES (:hash, '2026-03-02 09:30:00+00:00')",
        ):
            connection.execute(text(statement), {"hash": plain})

    await empty_db.run_connection(fill)
    await upgrade(empty_db)
    assert await empty_db.run(stored(PendingStart)) == []
    assert await empty_db.run(stored(WebAttempt)) == []
