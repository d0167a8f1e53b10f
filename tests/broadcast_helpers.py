"""A coordinator's cohort of members ready for a broadcast, and what the members got:
shared by the broadcast tests and ``bench/broadcast.py``."""

from __future__ import annotations

from datetime import UTC, datetime

from fakebotapi import FakeBotAPI, StoredMessage
from storage import Database, Repository
from storage.migrate import upgrade

COORDINATOR = 4242
FIRST_MEMBER = 100_000


async def seed(url: str, members: int, *, broadcast: str | None = None) -> None:
    """A coordinator with one cohort of ``members`` who agreed to the privacy statement;
    with ``broadcast``, a broadcast of that text to all of them, ready to be delivered."""
    db = Database(url)
    await upgrade(db)
    now = datetime.now(UTC)

    def fill(repo: Repository) -> None:
        owner = repo.get_or_create_user("telegram", str(COORDINATOR), "nl")
        repo.set_consent(owner.id, True)
        repo.cohorts.set_role(owner.id, "coordinator", True)
        cohort = repo.cohorts.create(owner.id, "c0de", "Groot", now, "Europe/Amsterdam", "kort")
        ids = []
        for n in range(members):
            user = repo.get_or_create_user("telegram", str(FIRST_MEMBER + n), "nl")
            repo.set_consent(user.id, True)
            repo.cohorts.join(cohort.id, user.id)
            ids.append(user.id)
        if broadcast is not None:
            repo.broadcasts.create(owner.id, broadcast, {"cohorts": None}, ids)

    await db.run(fill)
    await db.dispose()


def received(api: FakeBotAPI, members: int, marker: str) -> list[int]:
    """How many messages with ``marker`` each member got."""
    return [
        sum(marker in (m.plain_text or "") for m in api.sent_to(FIRST_MEMBER + n))
        for n in range(members)
    ]


def report_of(api: FakeBotAPI) -> StoredMessage | None:
    """The coordinator's progress message once it has become the final report."""
    for message in api.sent_to(COORDINATOR):
        if "Verslag van uw bericht" in (message.plain_text or ""):
            return message
    return None
