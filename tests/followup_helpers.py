"""Users talking to the advisor service (Telegram channel, injected clock), for the
cohort and follow-up tests."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.app.advisor import Advisor
from flows.events import Event, Outcome
from knowledge.store import KnowledgeStore
from storage import Database, OutboxMessage, Repository

ADMIN = "1"
AMS = ZoneInfo("Europe/Amsterdam")


def local(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=AMS)


def text_of(outcome: Outcome) -> str:
    return "\n".join(reply.plain for reply in outcome.replies)


def actions_of(outcome: Outcome) -> list[str]:
    return [action for reply in outcome.replies for action in reply.actions]


class People:
    """Users talking to one advisor on the Telegram channel."""

    def __init__(
        self,
        db: Database,
        clock: Any,
        knowledge: KnowledgeStore | None = None,
        *,
        min_group: int = 5,
    ) -> None:
        self.db = db
        self.clock = clock
        self.advisor = Advisor(
            db,
            knowledge or KnowledgeStore(),
            clock=clock,
            admins=[("telegram", ADMIN)],
            insight_min_group=min_group,
        )
        self.advisor.links.username = "netwerkwijzer_test_bot"

    async def send(self, user: str, text: str) -> Outcome:
        if text.startswith("/"):
            name, _, args = text[1:].partition(" ")
            event = Event("command", args, name)
        else:
            event = Event("text", text)
        return await self.advisor.handle("telegram", user, event)

    async def press(self, user: str, data: str) -> Outcome:
        return await self.advisor.handle("telegram", user, Event("action", data))

    async def join_bot(self, user: str, payload: str = "") -> Outcome:
        """/start (with a deep-link payload) and agree: the outcome of agreeing."""
        consent = await self.send(user, f"/start {payload}".strip())
        agree = next(a for a in actions_of(consent) if a.startswith("1:p:consent:yes"))
        return await self.press(user, agree)

    async def answer_intake(self, user: str, answers: dict[str, str], shown: Outcome) -> Outcome:
        """From the question ``shown``, each question in turn: its answer in ``answers``,
        or skipped; the outcome of the last press (the advice)."""
        for _ in range(30):  # bounded: an intake has far fewer questions
            question = next(
                (r.meta["question"] for r in shown.replies if r.meta.get("screen") == "question"),
                None,
            )
            if question is None:
                return shown
            shown = await self.press(user, f"1:{question}:{answers.get(question, '_skip')}")
        raise AssertionError("the intake did not end")

    async def create_cohort(
        self, user: str, name: str, when: str, plan: str = "standaard", zone: str | None = None
    ) -> tuple[Outcome, str]:
        """The whole dialogue; returns the outcome of creating it and the cohort's code."""
        listing = await self.send(user, "/cohort")
        assert "1:c:new" in actions_of(listing)
        await self.press(user, "1:c:new")
        await self.send(user, name)
        await self.send(user, when)
        await self.press(user, f"1:c:plan:{plan}")
        if zone is not None:
            await self.press(user, "1:c:zone")
            await self.send(user, zone)
        created = await self.press(user, "1:c:create")
        match = re.search(r"start=([A-Za-z0-9_-]+)", text_of(created))
        assert match is not None, text_of(created)
        return created, match.group(1)

    async def broadcast(self, user: str, text: str) -> None:
        """Coordinator ``user`` writes ``text`` to all their cohorts and sends it."""
        await self.send(user, "/broadcast")
        await self.send(user, text)
        await self.press(user, "1:c:bnext")
        await self.press(user, "1:c:bsend")

    async def reply_to_broadcast(self, user: str, text: str) -> Outcome:
        """Member ``user`` presses "reply" under the broadcast sent to them and types ``text``."""
        user_id = await self.user_id(user)

        def row(repo: Repository) -> OutboxMessage:
            query = select(OutboxMessage).where(
                OutboxMessage.kind == "broadcast", OutboxMessage.user_id == user_id
            )
            found = repo._session.scalars(query.order_by(OutboxMessage.id.desc())).first()
            assert found is not None, f"no broadcast to {user}"
            return found

        sent = await self.db.run(row)
        await self.press(user, f"1:n:reply:{sent.id}")
        return await self.send(user, text)

    async def invite(self) -> str:
        """An admin's one-time coordinator invitation (the admin agrees first if needed):
        the token of its link."""
        if not await self.db.run(lambda repo: repo.cohorts.consented_user("telegram", ADMIN)):
            await self.join_bot(ADMIN)
        made = await self.press(ADMIN, "1:c:invite")
        token = re.search(r"start=(inv_[A-Za-z0-9]+)", text_of(made))
        assert token is not None
        return token.group(1)

    async def coordinator(self, user: str) -> None:
        """Make ``user`` a coordinator through an admin's one-time invite link."""
        if not await self.db.run(lambda repo: repo.cohorts.consented_user("telegram", ADMIN)):
            await self.join_bot(ADMIN)
        await self.send(ADMIN, "/coordinator")
        await self.join_bot(user, await self.invite())

    async def user_id(self, user: str) -> int:
        found = await self.db.run(lambda repo: repo.cohorts.consented_user("telegram", user))
        assert found is not None
        return found

    async def nudges(self, user: str, status: str = "pending") -> list[OutboxMessage]:
        user_id = await self.user_id(user)

        def rows(repo: Repository) -> list[OutboxMessage]:
            session = repo._session
            query = (
                select(OutboxMessage)
                .where(OutboxMessage.user_id == user_id, OutboxMessage.status == status)
                .order_by(OutboxMessage.due_at)
            )
            return list(session.scalars(query))

        return await self.db.run(rows)


def in_window(moment: datetime, start: str, end: str, zone: ZoneInfo = AMS) -> bool:
    """Whether ``moment`` falls on a working day between ``start`` and ``end`` local time."""
    wall = moment.astimezone(zone)
    return wall.weekday() < 5 and start <= wall.strftime("%H:%M") < end
