"""``LISTEN`` for changed live sessions on PostgreSQL: every process that serves
projector pages hears the changes any process commits (see
:meth:`storage.live.LiveStore.announce`). One asyncpg connection of its own per process,
opened again after it was lost."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from functools import partial
from typing import Any

from storage.db import _parse
from storage.live import NOTIFY_CHANNEL

log = logging.getLogger(__name__)

RECONNECT_SECONDS = 2.0


def _set(event: asyncio.Event, _connection: Any) -> None:
    event.set()


def is_postgres(url: str) -> bool:
    return _parse(url).get_backend_name() == "postgresql"


async def listen_forever(url: str, on_change: Callable[[int], None]) -> None:
    """Call ``on_change(session_id)`` for every notification, until cancelled; when the
    connection is lost, every session counts as changed once it is back (a notification
    may have been missed), via ``on_change(0)``."""
    import asyncpg  # type: ignore[import-untyped]

    dsn = _parse(url).set(drivername="postgresql").render_as_string(hide_password=False)

    def heard(_connection: Any, _pid: int, _channel: str, payload: str) -> None:
        if payload.isdecimal():
            on_change(int(payload))

    while True:
        connection = None
        try:
            connection = await asyncpg.connect(dsn)
            await connection.add_listener(NOTIFY_CHANNEL, heard)
            on_change(0)
            lost = asyncio.Event()
            connection.add_termination_listener(partial(_set, lost))
            await lost.wait()
        except (OSError, asyncpg.PostgresError) as exc:
            log.warning("live LISTEN lost: %s", type(exc).__name__)
        finally:
            if connection is not None:
                with contextlib.suppress(Exception):
                    await connection.close()
        await asyncio.sleep(RECONNECT_SECONDS)
