"""A language chosen before consent is kept: on the consent buttons, then with the choice."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection, func, select

from bot.app.advisor import Advisor
from flows.events import Event
from knowledge.store import KnowledgeStore
from storage import Database
from storage.models import Base

pytest_plugins = ["tests.storage_fixtures"]


def totals(connection: Connection) -> dict[str, int]:
    return {
        t.name: connection.execute(select(func.count()).select_from(t)).scalar_one()
        for t in Base.metadata.sorted_tables
        if t.name != "alembic_version"
    }


async def consent_buttons_after_taal_en(advisor: Advisor, db: Database, user: str) -> list[str]:
    before = await db.run_connection(totals)
    await advisor.handle("telegram", user, Event("command", name="start"))
    chosen = await advisor.handle("telegram", user, Event("command", text="en", name="taal"))
    assert "May I keep your answers" in chosen.replies[-1].plain
    assert await db.run_connection(totals) == before, "stored before consent"
    return [a for reply in chosen.replies for a in reply.actions if ":p:consent:" in a]


async def test_agreeing_after_taal_en_stays_english(db: Database) -> None:
    advisor = Advisor(db, KnowledgeStore())
    buttons = await consent_buttons_after_taal_en(advisor, db, "601")
    agree = next(a for a in buttons if ":yes" in a)
    agreed = await advisor.handle("telegram", "601", Event("action", text=agree))
    assert agreed.chosen == "I agree, continue"
    assert "Question 1 of" in agreed.replies[0].plain
    helped = await advisor.handle("telegram", "601", Event("command", name="help"))
    assert "How Netwerkwijzer works" in helped.replies[0].plain


async def test_declining_after_taal_en_stays_english(db: Database) -> None:
    advisor = Advisor(db, KnowledgeStore())
    buttons = await consent_buttons_after_taal_en(advisor, db, "602")
    decline = next(a for a in buttons if ":no" in a)
    declined = await advisor.handle("telegram", "602", Event("action", text=decline))
    assert "Fine, I keep nothing about you" in declined.replies[0].plain
    for name in ("help", "dilemmas"):
        later = await advisor.handle("telegram", "602", Event("command", name=name))
        assert later.replies
        assert (
            later.replies[0].plain
            == (await advisor.handle("telegram", "603", Event("command", name=name), "en"))
            .replies[0]
            .plain
        )
    # Nothing of the network is kept: the user row (choice and language) only.
    user = await db.run(lambda repo: repo.get_or_create_user("telegram", "602", "nl"))
    assert (user.consent, user.language) == (False, "en")


async def test_declined_user_choosing_english_is_remembered(db: Database) -> None:
    advisor = Advisor(db, KnowledgeStore())
    await advisor.handle("telegram", "604", Event("command", name="start"))
    await advisor.handle("telegram", "604", Event("action", text="1:p:consent:no"))
    await advisor.handle("telegram", "604", Event("command", text="en", name="taal"))
    helped = await advisor.handle("telegram", "604", Event("command", name="help"))
    assert "How Netwerkwijzer works" in helped.replies[0].plain


async def test_every_text_after_taal_en_at_the_open_question_is_english(db: Database) -> None:
    """The choice is kept in memory, not stored: /help, browsing, typed text and the
    consent question itself all come in English, and agreeing stores English."""
    advisor = Advisor(db, KnowledgeStore())
    await consent_buttons_after_taal_en(advisor, db, "605")
    before = await db.run_connection(totals)
    helped = await advisor.handle("telegram", "605", Event("command", name="help"))
    assert "How Netwerkwijzer works" in helped.replies[0].plain
    assert "/advice" in helped.replies[0].plain
    browsed = await advisor.handle("telegram", "605", Event("command", name="dilemmas"))
    english = await advisor.handle("telegram", "699", Event("command", name="dilemmas"), "en")
    assert browsed.replies[0].plain == english.replies[0].plain
    typed = await advisor.handle("telegram", "605", Event("text", text="hallo"))
    assert "may I keep your answers" in typed.replies[-1].plain
    assert await db.run_connection(totals) == before, "stored before consent"
    agreed = await advisor.handle("telegram", "605", Event("text", text="yes"))
    assert "Question 1 of" in agreed.replies[0].plain
    user = await db.run(lambda repo: repo.get_or_create_user("telegram", "605", "nl"))
    assert (user.consent, user.language) == (True, "en")
    assert len(advisor.gate_languages) == 0, "kept in memory after it was stored"


async def test_a_language_chosen_before_consent_is_forgotten_after_a_day(db: Database) -> None:
    now = [datetime(2026, 3, 2, 9, 0, tzinfo=UTC)]
    advisor = Advisor(db, KnowledgeStore(), clock=lambda: now[0])
    await consent_buttons_after_taal_en(advisor, db, "606")
    now[0] += timedelta(hours=25)
    helped = await advisor.handle("telegram", "606", Event("command", name="help"))
    assert "Zo werkt Netwerkwijzer" in helped.replies[0].plain
