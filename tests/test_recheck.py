"""The re-check after three months: planned for users who keep reminders (on working
hours, moved by a new snapshot, cancelled by /stop), delivered when due, and the intake
again with "Ongewijzigd" per question, ending in the new advice beside the old."""

from __future__ import annotations

from datetime import UTC, timedelta
from typing import Any

import pytest
from telegram import Bot

from bot.telegram.outbox_sender import OutboxSender
from flows.timeline.recheck import RECHECK_DAYS
from knowledge.engine import Engine
from knowledge.model import Knowledge
from storage import Database, OutboxItem, OutboxMessage, Repository
from tests.followup_helpers import AMS, People, actions_of, in_window, local, text_of

pytest_plugins = ["tests.storage_fixtures"]

USER = "777"
ANSWERS = {"size": "middel", "subgroups": "geen", "mandate": "ruim", "interests": "laag"}


@pytest.fixture
def people(db: Database, clock: Any) -> People:
    clock.now = local(2026, 3, 12, 19).astimezone(UTC)  # a Thursday evening
    return People(db, clock)


async def advised(people: People) -> None:
    await people.answer_intake(USER, ANSWERS, await people.join_bot(USER))


async def rechecks(people: People, status: str = "pending") -> list[OutboxMessage]:
    return [m for m in await people.nudges(USER, status) if m.kind == "recheck"]


async def test_a_recheck_is_planned_three_months_on_within_working_hours(
    people: People, clock: Any
) -> None:
    await advised(people)
    (planned,) = await rechecks(people)
    earliest = clock.now + timedelta(days=RECHECK_DAYS)
    assert earliest <= planned.due_at <= earliest + timedelta(days=3)
    assert in_window(planned.due_at, "08:30", "17:30")
    # A changed answer a week later: the re-check moves with the newest point.
    clock.advance(days=7)
    await people.press(USER, "1:a:edit:size")
    await people.press(USER, "1:size:groot")
    (moved,) = await rechecks(people)
    assert moved.due_at >= clock.now + timedelta(days=RECHECK_DAYS)
    assert len(await rechecks(people, "cancelled")) == 1


async def test_no_recheck_for_users_without_reminders(people: People) -> None:
    await advised(people)
    assert await rechecks(people)
    await people.send(USER, "/stop")
    assert not await rechecks(people)
    await people.press(USER, "1:a:edit:size")
    await people.press(USER, "1:size:groot")
    assert not await rechecks(people), "reminders off: no new re-check either"


async def test_the_recheck_arrives_when_due_and_not_before(people: People, clock: Any) -> None:
    await advised(people)
    (planned,) = await rechecks(people)
    lease = timedelta(seconds=60)

    def claim(repo: Repository) -> list[OutboxItem]:
        return repo.outbox.claim_due(clock.now, 10, "test", lease)

    assert not await people.db.run(claim)
    clock.now = planned.due_at + timedelta(minutes=1)
    claimed = await people.db.run(claim)
    assert [item.kind for item in claimed] == ["recheck"]
    sender = OutboxSender(people.db, people.advisor.knowledge_store, Bot("1:token"), clock)
    reply = await sender.render(claimed[0])
    assert "Tijd voor een herijking" in reply.plain
    assert "1:t:recheck" in reply.actions and "1:n:stop" in reply.actions


async def test_the_recheck_pre_fills_offers_unchanged_and_compares(
    people: People, clock: Any, knowledge: Knowledge
) -> None:
    await advised(people)
    clock.now = local(2026, 6, 15, 10).astimezone(UTC)
    first = await people.press(USER, "1:t:recheck")
    assert "Herijking" in text_of(first)
    labels = [b.label for r in first.replies for row in r.buttons for b in row]
    assert "✓ 10 tot 30" in labels and "Ongewijzigd" in labels
    await people.press(USER, "1:size:klein")  # the one change
    outcome = first
    for _ in range(12):  # every other question: unchanged (bounded)
        question = next((a for a in actions_of(outcome) if a.endswith(":_same")), None)
        if question is None:
            break
        outcome = await people.press(USER, question)
    else:
        pytest.fail("the re-check did not end")
    text = text_of(outcome)
    assert "Herijking klaar" in text and "Vorige keer" in text and "Nu:" in text
    engine = Engine(knowledge)
    new_top = [s.dilemma.title.nl for s in engine.advise({**ANSWERS, "size": "klein"}).top()]
    assert all(title in text for title in new_top)
    user_id = await people.user_id(USER)
    history = await people.db.run(lambda repo: repo.snapshots.history(user_id))
    assert [p.kind for p in history] == ["intake", "recheck"]
    assert history[-1].answers == {**ANSWERS, "size": "klein"}
    timeline = text_of(await people.send(USER, "/verloop"))
    assert "15 juni (herijking): Omvang 10 tot 30 → Minder dan 10" in timeline


async def test_an_unchanged_recheck_is_a_point_too(people: People, clock: Any) -> None:
    await advised(people)
    clock.now = local(2026, 6, 15, 10).astimezone(UTC)
    outcome = await people.press(USER, "1:t:recheck")
    for _ in range(12):
        question = next((a for a in actions_of(outcome) if a.endswith(":_same")), None)
        if question is None:
            break
        outcome = await people.press(USER, question)
    assert "Dezelfde dilemma's passen nog het best" in text_of(outcome)
    timeline = text_of(await people.send(USER, "/verloop"))
    assert "15 juni (herijking): niets veranderd" in timeline
    (planned,) = await rechecks(people)
    assert planned.due_at.astimezone(AMS).date() >= (clock.now + timedelta(days=90)).date()


async def test_reminders_on_again_bring_the_recheck_back(people: People, clock: Any) -> None:
    await advised(people)
    (planned,) = await rechecks(people)
    await people.send(USER, "/stop")
    assert not await rechecks(people)
    clock.advance(days=30)
    await people.press(USER, "1:n:window:ochtend")  # mornings only, reminders on again
    (back,) = await rechecks(people)
    assert in_window(back.due_at, "08:30", "12:00")
    assert abs(back.due_at - planned.due_at) < timedelta(days=1)
    await people.send(USER, "/stop")
    clock.advance(days=90)  # its moment passes while reminders are off
    await people.press(USER, "1:n:window:werkdag")
    (late,) = await rechecks(people)
    assert clock.now <= late.due_at <= clock.now + timedelta(days=3)
