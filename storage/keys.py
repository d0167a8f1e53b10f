"""Keyed hashes of small spaces: what the database keeps in place of a chat (a Telegram
user id, below ~10^10) or a client's IP address (2^32 for IPv4).

A plain SHA-256 of such a value is no protection: anyone with the rows tries every value
in minutes and reads them back. :func:`reference` is an HMAC-SHA256 under this
installation's key instead, a 256-bit secret made once with :func:`secrets.token_bytes`
and kept in its own table (``installation_keys``), so that every process on the database
uses the same key and a restart keeps it. Without the key the references are 64 hex
digits that name nobody: a copy of those tables (a partial dump, an export, a server log
of statement parameters) gives nobody a chat or an address. The key is in the same
database, though: whoever has all of it, or a backup of all of it, has the key too and
can still try every id (docs/operations.md).

Every function runs inside the caller's unit of work (see :mod:`storage.repository`). The
key is made by the first unit that stores a reference (looking one up makes none, so an
event before consent still stores nothing), and read from the database on each use (one
lookup by primary key) rather than kept in the process: a key an operator erased is then
replaced for every process at once. Two processes making it at once get one key: each
inserts unless it exists (on PostgreSQL the second insert waits for the first
transaction) and reads back the one that won.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.models import Clock, InstallationKey
from storage.sql import insert_unless_exists

KEY_BYTES = 32
REFERENCES = "references"
"""The name of the key of :func:`reference`."""

_KEY = select(InstallationKey.secret).where(InstallationKey.name == REFERENCES)


def installation_key(session: Session, clock: Clock) -> bytes:
    """This installation's key for references, made (once) when there is none yet."""
    found = _existing_key(session)
    if found is not None:
        return found
    session.execute(
        insert_unless_exists(session, InstallationKey, "name").values(
            name=REFERENCES, secret=secrets.token_bytes(KEY_BYTES).hex(), created_at=clock()
        )
    )
    return bytes.fromhex(session.execute(_KEY).scalar_one())


def reference(session: Session, clock: Clock, kind: str, value: str) -> str:
    """What is stored in place of ``value`` (a ``kind`` of thing: "chat", "address"): its
    HMAC-SHA256 under the installation's key, hex. The kind is hashed along, so the same
    text of two kinds gives two references."""
    return _digest(installation_key(session, clock), kind, value)


def known_reference(session: Session, kind: str, value: str) -> str | None:
    """:func:`reference` to look up or delete by: None, and no key made, while there is
    no key (nothing was stored under one), so that only storing makes the key."""
    key = _existing_key(session)
    return None if key is None else _digest(key, kind, value)


def _existing_key(session: Session) -> bytes | None:
    found = session.execute(_KEY).scalar_one_or_none()
    return None if found is None else bytes.fromhex(found)


def _digest(key: bytes, kind: str, value: str) -> str:
    return hmac.new(key, f"{kind}\x00{value}".encode(), hashlib.sha256).hexdigest()
