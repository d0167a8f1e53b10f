"""A running bot with its web server on loopback, seeded with coordinators, cohorts and
members, for the dashboard's API and browser tests."""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.telegram.run import RunningBot, running_bot
from bot.web.initdata import sign
from fakebotapi import FakeBotAPI, StoredMessage
from storage import OutboxMessage, Repository
from storage.cohorts import COORDINATOR
from tests.test_telegram import bot_settings, free_port

REPLY_WAIT = 30.0
"""Seconds a test waits for the bot's reply in the chat. The fake server's default (5 s)
is too short on a loaded machine: the first update a just-started bot handles can take
longer while the full suite keeps both cores busy, and six tests failed that way in one
run (they passed alone). A wait ends the moment the reply is there."""

COORDINATOR_A = 501
COORDINATOR_B = 502
MEMBER = 503
ADMIN = 900
K = 5
DILEMMAS = ["inclusief_vs_efficient", "autonoom_vs_integraal", "eigenheid_vs_uniformiteit"]


@dataclass
class Site:
    """The bot, its web root and the ids of what was seeded."""

    bot: RunningBot
    api: FakeBotAPI
    root: str
    cohorts: dict[str, int]


def _user(repo: Repository, telegram_id: int, *roles: str, lang: str = "nl") -> int:
    user = repo.get_or_create_user("telegram", str(telegram_id), lang)
    repo.set_consent(user.id, True)
    for role in roles:
        repo.cohorts.set_role(user.id, role, True)
    return user.id


def seed(repo: Repository) -> dict[str, int]:
    """Coordinator A: "Workshop Zuid" (6 members, one active lately) and "Klein" (2);
    coordinator B: "Workshop Noord" (5); a member; the admin (from ADMIN_IDS)."""
    a = _user(repo, COORDINATOR_A, COORDINATOR)
    b = _user(repo, COORDINATOR_B, COORDINATOR, lang="en")
    _user(repo, MEMBER)
    _user(repo, ADMIN)
    workshop = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
    ids = {}
    for owner, name, code, members in (
        (a, "Workshop Zuid", "zuidCODE00000001", 6),
        (a, "Klein", "kleinCODE0000001", 2),
        (b, "Workshop Noord", "noordCODE0000001", K),
    ):
        cohort = repo.cohorts.create(owner, code, name, workshop, "Europe/Amsterdam", "standaard")
        ids[name] = cohort.id
        for number in range(members):
            member = _user(repo, 10_000 + cohort.id * 100 + number)
            repo.cohorts.join(cohort.id, member)
            shown = DILEMMAS[number % 3 :] + DILEMMAS[: number % 3]
            repo.record_advice(member, {}, shown, "t")
            _answered_nudge(repo, member, cohort.id, workshop, answered=number % 2 == 0)
    return ids


def _answered_nudge(
    repo: Repository, user_id: int, cohort_id: int, workshop: datetime, *, answered: bool
) -> None:
    """The plan's first nudge, sent; answered by a reflection or not."""
    nudge = OutboxMessage(
        user_id=user_id,
        kind="nudge",
        due_at=workshop + timedelta(days=2),
        payload={"cohort": cohort_id, "plan": "standaard", "step": "twee_dagen"},
        idempotency_key=f"seed:{user_id}:{cohort_id}",
        status="sent",
        created_at=workshop,
    )
    session = repo._session
    session.add(nudge)
    session.flush()
    if answered:
        repo.add_reflection(user_id, "followup", "Wij spreken nu vaker af.", outbox_id=nudge.id)


def init_data(token: str, telegram_id: int, *, age: timedelta = timedelta(0)) -> str:
    """initData as Telegram signs it for this user, ``age`` old."""
    signed = int(time.time() - age.total_seconds())
    user = json.dumps({"id": telegram_id, "first_name": "Test", "language_code": "nl"})
    return sign({"query_id": "AAF", "user": user, "auth_date": str(signed)}, token)


async def reply_to(s: Site, text: str, chat: int) -> StoredMessage:
    """What the bot answers when ``chat`` sends ``text`` (waiting up to :data:`REPLY_WAIT`)."""
    sent = s.api.sent_to(chat)
    before = sent[-1].message_id if sent else 0
    s.api.user_sends(chat, text, language_code="nl")

    def found(api: FakeBotAPI) -> StoredMessage | None:
        return next((m for m in api.sent_to(chat) if m.message_id > before), None)

    return await s.api.wait_for(found, timeout=REPLY_WAIT)


@contextlib.asynccontextmanager
async def site(
    tmp_path: Path, *, web_url: str | None = None, webhook: bool = False, web: bool = True
) -> AsyncIterator[Site]:
    """A polling (or webhook) bot serving its web pages on a free loopback port; ``web``
    False: a bot without WEB_URL and PORT, serving no pages."""
    port = free_port()
    root = f"http://127.0.0.1:{port}"
    async with FakeBotAPI() as api:
        extra = {"WEB_URL": web_url or root, "PORT": str(port), "ADMIN_IDS": str(ADMIN)}
        if not web:
            del extra["WEB_URL"], extra["PORT"]
        if webhook:
            extra["WEBHOOK_URL"] = f"{root}/telegram"
        settings = bot_settings(api, tmp_path, **extra)
        async with running_bot(settings, webhook=webhook, host="127.0.0.1") as bot:
            cohorts = await bot.advisor.db.run(seed)
            for chat in (COORDINATOR_A, COORDINATOR_B, MEMBER, ADMIN):
                api.add_user(chat)
            yield Site(bot, api, root, cohorts)
        assert not api.internal_errors
