"""Export and erasure walk the schema itself; retention; declining consent stores nothing."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from sqlalchemy import Connection, func, select

from bot.app.advisor import Advisor
from flows.events import Event
from knowledge.store import KnowledgeStore
from storage import Database, Repository
from storage.models import Base, User
from storage.privacy import user_references

pytest_plugins = ["tests.storage_fixtures"]

WEEK = timedelta(days=7)


def populate(repo: Repository, key: str) -> int:
    """A user with a row in every table that refers to users."""
    user = repo.get_or_create_user("telegram", key, "nl")
    repo.set_consent(user.id, True)
    repo.save_conversation(user.id, "advice", 1, {"size": "groot"}, {}, None)
    repo.record_advice(user.id, {"size": "groot"}, ["inclusief_vs_efficient"], "v1")
    repo.snapshots.record(
        user.id, {"size": "groot"}, ["inclusief_vs_efficient"], "v1", "intake", user.created_at
    )
    repo.add_reflection(user.id, "inclusief_vs_efficient", f"reflectie van {key}")
    repo.outbox.schedule(
        user.id, "reminder", user.created_at + WEEK, {"subject": "advice"}, f"r:{key}"
    )
    repo.audit(user.id, "test", f"user:{user.id}", {"why": "test"})
    cohort = repo.cohorts.create(
        user.id, f"code{key}", f"workshop van {key}", user.created_at, "Europe/Amsterdam", "kort"
    )
    repo.cohorts.join(cohort.id, user.id)
    repo.cohorts.add_invite(f"inv_{key}", user.id)
    repo.cohorts.redeem_invite(f"inv_{key}", user.id)
    repo.broadcasts.create(user.id, f"bericht van {key}", {}, [user.id])
    repo.web.add_login(user.id, f"login-{key}", user.created_at + WEEK)
    repo.web.add_session(user.id, f"session-{key}", user.created_at + WEEK)
    repo.held_updates.hold("telegram", {user.id: (key, f'{{"text": "van {key}"}}')})
    live = repo.live.create(
        f"live{key}", cohort.id, user.id, ["inclusief_vs_efficient"], user.created_at + WEEK
    )
    live = repo.live.next_round(live.id) or live
    repo.live.vote(live, user.id, position=2, toggle_strong=True)
    repo.live.set_screen(live.id, user.id, 42)
    return user.id


def rows_naming(connection: Connection, user_id: int) -> dict[str, int]:
    counts = {
        "users": connection.execute(
            select(func.count()).select_from(User).where(User.id == user_id)
        ).scalar_one()
    }
    for table, column, _ in user_references():
        counts[table.name] = (
            counts.get(table.name, 0)
            + connection.execute(
                select(func.count()).select_from(table).where(column == user_id)
            ).scalar_one()
        )
    return counts


async def test_every_table_that_names_a_user_is_covered(db: Database) -> None:
    referencing = {table.name for table, _, _ in user_references()}
    # dispatchers: the running bot processes' heartbeats, nothing about a person;
    # web_attempts: a minute's login attempts by hashed address, no user;
    # pending_starts: a deep link's cohort code by hashed chat, for a day before consent;
    # installation_keys: the key of those hashes.
    unnamed = {"users", "dispatchers", "web_attempts", "pending_starts", "installation_keys"}
    assert referencing == {t.name for t in Base.metadata.sorted_tables} - unnamed


async def test_export_has_every_row_of_the_user_and_nothing_of_others(db: Database) -> None:
    alice = await db.run(lambda repo: populate(repo, "alice"))
    await db.run(lambda repo: populate(repo, "bob"))
    export = await db.run(lambda repo: repo.privacy.export(alice))
    json.dumps(export)  # JSON-ready
    counts = await db.run_connection(lambda c: rows_naming(c, alice))
    for table, count in counts.items():
        assert len(export[table]) == count >= 1, table
    assert "bob" not in json.dumps(export)


async def test_forget_leaves_no_row_naming_the_user(db: Database) -> None:
    alice = await db.run(lambda repo: populate(repo, "alice"))
    bob = await db.run(lambda repo: populate(repo, "bob"))
    await db.run(lambda repo: repo.privacy.forget(alice))
    assert set((await db.run_connection(lambda c: rows_naming(c, alice))).values()) == {0}
    assert min((await db.run_connection(lambda c: rows_naming(c, bob))).values()) >= 1
    subjects = await db.run_connection(
        lambda c: c.exec_driver_sql("SELECT subject FROM audit").scalars().all()
    )
    assert f"user:{alice}" not in subjects and "anonymous" in subjects


async def test_retention_forgets_only_the_inactive(db: Database, clock: Any) -> None:
    old = await db.run(lambda repo: populate(repo, "old"))
    clock.advance(days=300)
    recent = await db.run(lambda repo: populate(repo, "recent"))
    clock.advance(days=100)
    cutoff = clock() - timedelta(days=365)
    assert await db.run(lambda repo: repo.privacy.forget_inactive(cutoff)) == 1
    assert set((await db.run_connection(lambda c: rows_naming(c, old))).values()) == {0}
    assert (await db.run_connection(lambda c: rows_naming(c, recent)))["users"] == 1


async def test_declining_consent_stores_nothing_but_the_choice(db: Database) -> None:
    advisor = Advisor(db, KnowledgeStore())

    def totals(connection: Connection) -> dict[str, int]:
        return {
            t.name: connection.execute(select(func.count()).select_from(t)).scalar_one()
            for t in Base.metadata.sorted_tables
            if t.name != "alembic_version"
        }

    before = await db.run_connection(totals)
    await advisor.handle("telegram", "555", Event("command", name="start"))
    await advisor.handle("telegram", "555", Event("text", text="we zijn met 70 organisaties"))
    assert await db.run_connection(totals) == before, "stored before consent was asked"
    for event in (
        Event("action", text="1:p:consent:no"),
        Event("command", name="advies"),
        Event("action", text="1:b:show:inclusief_vs_efficient"),
    ):
        await advisor.handle("telegram", "555", event)
    after = await db.run_connection(totals)
    assert after["users"] == before["users"] + 1
    assert {k: v for k, v in after.items() if k != "users"} == {
        k: v for k, v in before.items() if k != "users"
    }
    consent = await db.run(lambda repo: repo.get_or_create_user("telegram", "555", "nl").consent)
    assert consent is False


async def test_reflections_are_listed_deleted_and_never_stored_raw(db: Database) -> None:
    advisor = Advisor(db, KnowledgeStore())

    async def say(kind: str, text: str = "", name: str = "") -> list[str]:
        outcome = await advisor.handle("telegram", "777", Event(kind, text=text, name=name))
        return [reply.plain for reply in outcome.replies] + [
            a for reply in outcome.replies for a in reply.actions
        ]

    await say("command", name="start")
    await say("action", "1:p:consent:yes")
    await say("command", name="advies")
    await say("action", "1:a:note:inclusief_vs_efficient")
    warned = await say("text", "Cliënt met BSN 123456782 besproken in het overleg.")
    assert any("gegevens van cliënten" in line for line in warned)
    await say("action", "1:a:redacted")
    await say("action", "1:a:note:inclusief_vs_efficient")
    await say("text", "Eerst de RvT meenemen.")
    listed = await say("command", name="reflecties")
    assert any("[verwijderd]" in line and "Eerst de RvT meenemen." in line for line in listed)
    delete = [a for a in listed if a.startswith("1:p:delref:")]
    assert len(delete) == 2
    stored = await db.run_connection(
        lambda c: c.exec_driver_sql("SELECT text FROM reflections").scalars().all()
    )
    assert len(stored) == 2 and not any("123456782" in text for text in stored)
    await say("action", delete[0])
    remaining = await db.run_connection(
        lambda c: c.exec_driver_sql("SELECT text FROM reflections").scalars().all()
    )
    assert remaining == ["Eerst de RvT meenemen."]
