"""A member who *types* the answer to a coordinator's question (or a nudge) instead of
tapping "Antwoorden": the text is not read as the answer to the intake question that
happens to be open; it is offered to be kept as the answer, client data replaced first,
and the intake question waits unchanged (review 6, F12)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import event

from storage import Database, OutboxMessage, Repository
from tests.followup_helpers import People, actions_of, local, text_of
from tests.test_broadcasts import broadcast_rows, two_cohorts

pytest_plugins = ["tests.storage_fixtures"]


@pytest.fixture
def people(db: Database, clock: Any) -> People:
    clock.now = local(2026, 11, 23, 10)
    return People(db, clock, min_group=1)


async def broadcast_delivered(people: People, db: Database) -> dict[int, OutboxMessage]:
    """Coordinator 5 asks cohorts A (7, 8) and B (9) a question; every copy delivered."""
    await two_cohorts(people)
    await people.broadcast("5", "Welke afspraak uit de workshop heeft u sindsdien uitgevoerd?")
    people.clock.now += timedelta(minutes=1)

    def deliver(repo: Repository) -> None:
        now = people.clock.now
        for row in repo.outbox.claim_due(now, 10, "t", timedelta(minutes=1)):
            repo.outbox.mark_sent(row.id, "t", now)

    await db.run(deliver)
    people.clock.now += timedelta(minutes=1)
    return {r.user_id: r for r in await broadcast_rows(db)}


async def answers_of(people: People, user: str) -> dict[str, Any]:
    user_id = await people.user_id(user)
    record = await people.db.run(lambda repo: repo.load_conversation(user_id))
    return dict(record.answers) if record is not None else {}


async def test_a_typed_answer_to_a_broadcast_is_kept_not_read_as_the_size(
    people: People, db: Database
) -> None:
    rows = await broadcast_delivered(people, db)
    seven = rows[await people.user_id("7")]
    typed = "We hebben het A4 met besluiten gemaakt, maar de wethouder wilde er nog niet aan."
    offered = await people.send("7", typed)
    said = text_of(offered)
    assert "Genoteerd" not in said, "read as the answer to the open intake question"
    assert await answers_of(people, "7") == {}
    keep = f"1:n:keep:{seven.id}"
    assert keep in actions_of(offered)
    # The intake question is still on screen, with its buttons.
    assert any(r.meta.get("screen") == "question" for r in offered.replies)
    kept = await people.press("7", keep)
    assert "bewaard" in text_of(kept)
    assert any(a.startswith("1:n:share:") for a in actions_of(kept)), "the share offer"
    report = await people.press("5", f"1:c:brep:{seven.broadcast_id}")
    assert "Beantwoord: 1" in text_of(report)
    # Answered: the next typed text is read as usual again, and a second tap keeps nothing.
    again = await people.press("7", keep)
    assert "bewaard" not in text_of(again)
    size = await people.send("7", "ongeveer 30 organisaties")
    assert "Genoteerd" in text_of(size)
    assert f"1:n:keep:{seven.id}" not in actions_of(size)


async def test_client_data_is_replaced_before_the_text_is_held(
    people: People, db: Database
) -> None:
    rows = await broadcast_delivered(people, db)
    eight = rows[await people.user_id("8")]
    offered = await people.send("8", "Ik heb de moeder van Sanne gebeld op 06-12345678.")
    held = await people.db.run(lambda repo, uid=eight.user_id: repo.load_conversation(uid))
    assert held is not None and "typed_reply" in held.data
    assert "06-12345678" not in str(held.data), "client data held in the conversation"
    await people.press("8", f"1:n:keep:{eight.id}")
    reflections = await people.db.run(
        lambda repo, uid=eight.user_id: [r.text for r in repo.list_reflections(uid)]
    )
    assert reflections and "06-12345678" not in reflections[0]
    assert "1:n:keep" in " ".join(actions_of(offered))


async def test_without_an_open_prompt_typed_text_answers_the_question(people: People) -> None:
    await people.join_bot("30")
    said = await people.send("30", "ongeveer 30 organisaties")
    assert "Genoteerd" in text_of(said)
    assert not any(a.startswith("1:n:keep:") for a in actions_of(said))


@contextmanager
def statements_of(db: Database) -> Iterator[list[str]]:
    """The SQL statements run meanwhile."""
    run: list[str] = []

    def note(*args: Any) -> None:
        run.append(" ".join(str(args[2]).split()))

    event.listen(db.sync_engine, "before_cursor_execute", note)
    try:
        yield run
    finally:
        event.remove(db.sync_engine, "before_cursor_execute", note)


def own_outbox_queries(statements: list[str]) -> list[str]:
    """Statements that look for an open prompt by themselves (not within the visit)."""
    return [s for s in statements if s.upper().startswith("SELECT OUTBOX.ID FROM OUTBOX")]


async def test_typed_text_finds_the_open_prompt_within_the_visit_of_its_user(
    people: People, db: Database
) -> None:
    """No query of its own for the prompt typed text may answer, with one or without:
    the user's visit reads it (by the outbox's index on its user) in the same SELECT."""
    rows = await broadcast_delivered(people, db)
    seven = rows[await people.user_id("7")]
    await people.join_bot("30")
    with statements_of(db) as without:
        said = await people.send("30", "ongeveer 30 organisaties")
    assert "Genoteerd" in text_of(said) and not any("1:n:keep:" in a for a in actions_of(said))
    with statements_of(db) as waiting:
        offered = await people.send("7", "We hebben het A4 met besluiten gemaakt.")
    assert f"1:n:keep:{seven.id}" in actions_of(offered)
    assert own_outbox_queries(without) == [] and own_outbox_queries(waiting) == []
    visits = [s for s in waiting if "AS open_prompt" in s and "FROM users" in s]
    assert len(visits) == 1, waiting
