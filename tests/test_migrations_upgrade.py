"""Migrations against data: a database of the first release (revision 0001), filled the
way that release filled it, upgraded to whatever head this code has.

Rows go in as plain SQL (no models: the models are the newest schema, not the first
release's), with typed parameters so timestamps and JSON are stored as the first release
stored them. After the upgrade every row must be there with every value, read through
the current models, and the app's repository must work on them. Runs on SQLite, and on
PostgreSQL when ``TEST_DATABASE_URL`` is set (each test in a schema of its own).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import JSON, Connection, DateTime, bindparam, inspect, select, text

from storage import Database, Repository
from storage.migrate import alembic_config, current_revision, head_revision, upgrade
from storage.models import Base

pytest_plugins = ["tests.storage_fixtures"]

FIRST_RELEASE = "0001"
FIRST_RELEASE_TABLES = ("users", "conversations", "advice_given", "reflections", "outbox", "audit")
NOW = datetime(2026, 2, 1, 12, 0, tzinfo=UTC)
"""When the data was written: a while before the upgrade (the fake clock's 2 March)."""
REFLECTION = "Ideeën voor het overleg: wie mist er aan tafel? Morgen de wethouder bellen."


def at(**delta: float) -> datetime:
    return NOW + timedelta(**delta)


async def migrate(db: Database, direction: str, revision: str) -> None:
    """``alembic upgrade|downgrade revision`` the way :func:`storage.migrate.upgrade` runs
    it: on the connection of one schema-changing unit of work."""

    def run(connection: Connection) -> None:
        config = alembic_config()
        config.attributes["connection"] = connection
        getattr(command, direction)(config, revision)

    await db.run_connection(run, schema_change=True)


def _typed(name: str, value: Any) -> Any:
    """A bound parameter typed as the first release typed its column."""
    if isinstance(value, datetime):
        return bindparam(name, value, type_=DateTime(timezone=True))
    if isinstance(value, dict | list):
        return bindparam(name, value, type_=JSON())
    return bindparam(name, value)


def insert_row(connection: Connection, table: str, row: dict[str, Any]) -> int:
    """``INSERT INTO table (…) VALUES (…) RETURNING id``: the database picks the id, so
    PostgreSQL's sequences are where the first release would have left them."""
    columns = ", ".join(row)
    values = ", ".join(f":{name}" for name in row)
    statement = text(f"INSERT INTO {table} ({columns}) VALUES ({values}) RETURNING id")
    statement = statement.bindparams(*(_typed(name, value) for name, value in row.items()))
    return int(connection.execute(statement).scalar_one())


@dataclass
class FirstReleaseData:
    """What the first release stored, table by table, ids included once inserted."""

    rows: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    def add(self, connection: Connection, table: str, **row: Any) -> int:
        row_id = insert_row(connection, table, row)
        self.rows.setdefault(table, []).append({"id": row_id, **row})
        return row_id

    def fill(self, connection: Connection) -> None:
        """Three users (agreed, declined, never answered) and everything the first
        agreed to: a conversation at the advice, advice given, a reflection, reminders in
        each state, an audit trail."""
        member = self.add(
            connection,
            "users",
            channel="telegram",
            channel_user_id="5550001",
            language="en",
            created_at=at(days=-30),
            last_seen_at=at(),
            consent=True,
            roles="coordinator",
            blocked=False,
        )
        declined = self.add(
            connection,
            "users",
            channel="telegram",
            channel_user_id="5550002",
            language="nl",
            created_at=at(days=-3),
            last_seen_at=at(days=-3),
            consent=False,
            roles="",
            blocked=True,
        )
        # A console user of the first release: the server defaults fill in the rest.
        self.add(
            connection,
            "users",
            channel="console",
            channel_user_id="bestuurder",
            created_at=at(hours=-1),
            last_seen_at=at(hours=-1),
        )
        self.rows["users"][-1].update(language="nl", consent=None, roles="", blocked=False)
        profile = {"size": "zeer_groot", "subgroups": "veel", "mandate": "beperkt"}
        self.add(
            connection,
            "conversations",
            user_id=member,
            flow="advisor",
            state="advice",
            flow_version=1,
            answers={**profile, "interests": "hoog"},
            data={"shown": ["autonoom_vs_integraal"], "note": "één"},
            version=7,
            updated_at=at(minutes=-5),
        )
        self.add(
            connection,
            "advice_given",
            user_id=member,
            profile=profile,
            dilemmas=["autonoom_vs_integraal", "eigenheid_vs_uniformiteit"],
            knowledge_version="2026.01-3f2a",
            created_at=at(minutes=-5),
        )
        self.add(
            connection,
            "reflections",
            user_id=member,
            subject="autonoom_vs_integraal",
            text=REFLECTION,
            created_at=at(minutes=-4),
        )
        reminder = {"user_id": member, "kind": "reminder", "lane": "bulk"}
        self.add(
            connection,
            "outbox",
            **reminder,
            due_at=at(days=14),
            payload={"subject": "autonoom_vs_integraal"},
            idempotency_key=f"reminder:{member}:autonoom_vs_integraal:2026-02-15",
            status="pending",
            attempts=0,
            created_at=at(minutes=-4),
        )
        self.add(
            connection,
            "outbox",
            **reminder,
            due_at=at(days=-7),
            payload={"subject": "advice"},
            idempotency_key=f"reminder:{member}:advice:2026-01-25",
            status="sent",
            attempts=1,
            claimed_at=at(days=-7, seconds=1),
            claimed_by="web.1:4242",
            sent_at=at(days=-7, seconds=2),
            created_at=at(days=-14),
        )
        self.add(
            connection,
            "outbox",
            **reminder,
            due_at=at(days=-2),
            payload={},
            idempotency_key=f"reminder:{member}:advice:2026-01-30",
            status="failed",
            attempts=5,
            claimed_at=at(days=-1),
            claimed_by="worker.1:77",
            last_error="NetworkError: timed out",
            created_at=at(days=-9),
        )
        self.add(
            connection,
            "audit",
            at=at(days=-10),
            actor_user_id=member,
            action="role.grant",
            subject=f"user:{declined}",
            detail={"role": "coordinator"},
        )
        self.add(
            connection,
            "audit",
            at=at(days=-1),
            actor_user_id=None,
            action="outbox.expire",
            subject="outbox:3",
            detail={},
        )

    def expected(self, table: str) -> list[dict[str, Any]]:
        """The rows of ``table`` with every column any of them set (NULL where not)."""
        rows = self.rows[table]
        columns = list(dict.fromkeys(column for row in rows for column in row))
        return [{column: row.get(column) for column in columns} for row in rows]

    def stored(self, connection: Connection) -> dict[str, list[dict[str, Any]]]:
        """The same rows and columns as stored now, read through the current models."""
        found = {}
        for name in self.rows:
            table = Base.metadata.tables[name]
            columns = [table.c[column] for column in self.expected(name)[0]]
            result = connection.execute(select(*columns).order_by(table.c.id))
            found[name] = [dict(row._mapping) for row in result]
        return found

    @property
    def member(self) -> dict[str, Any]:
        return self.rows["users"][0]


async def first_release_with_data(db: Database) -> FirstReleaseData:
    await migrate(db, "upgrade", FIRST_RELEASE)
    assert await current_revision(db) == FIRST_RELEASE
    data = FirstReleaseData()
    await db.run_connection(data.fill)
    assert set(data.rows) == set(FIRST_RELEASE_TABLES)
    return data


async def assert_survived(db: Database, data: FirstReleaseData) -> None:
    stored = await db.run_connection(data.stored)
    for table in FIRST_RELEASE_TABLES:
        assert stored[table] == data.expected(table), table


def schema_differences(connection: Connection) -> list[Any]:
    context = MigrationContext.configure(
        connection, opts={"compare_type": True, "compare_server_default": True}
    )
    return list(compare_metadata(context, Base.metadata))


# from the first release


async def test_upgrade_from_the_first_release_keeps_every_row(empty_db: Database) -> None:
    data = await first_release_with_data(empty_db)
    await upgrade(empty_db)
    assert await current_revision(empty_db) == head_revision()
    await assert_survived(empty_db, data)
    # The upgraded schema is the one the models describe, as a fresh database's is.
    assert await empty_db.run_connection(schema_differences) == []


async def test_the_app_works_on_the_upgraded_data(empty_db: Database) -> None:
    data = await first_release_with_data(empty_db)
    await upgrade(empty_db)
    member = data.member

    def carry_on(repo: Repository) -> dict[str, Any]:
        visit = repo.visit("telegram", "5550001", "nl")
        assert (visit.user_id, visit.language, visit.consent) == (member["id"], "en", True)
        record = visit.conversation
        assert record is not None
        assert (record.state, record.version) == ("advice", 7)
        assert record.answers == data.rows["conversations"][0]["answers"]
        version = repo.save_conversation(
            member["id"], "intake.size", 1, {}, {}, expected_version=record.version
        )
        assert version == 8
        latest = repo.latest_advice(member["id"])
        assert latest is not None and latest.knowledge_version == "2026.01-3f2a"
        repo.add_reflection(member["id"], "advice", "Na de upgrade.")
        assert [r.text for r in repo.list_reflections(member["id"])] == [
            REFLECTION,
            "Na de upgrade.",
        ]
        newcomer = repo.get_or_create_user("telegram", "5550009", "nl")
        assert newcomer.id not in {row["id"] for row in data.rows["users"]}
        # The dispatchers of the new release share the bot's budget by heartbeat.
        assert repo.dispatchers.heartbeat("web.2:1", timedelta(seconds=15), timedelta(days=1)) == 1
        return repo.privacy.export(member["id"])

    exported = await empty_db.run(carry_on)
    assert json.dumps(exported)  # JSON-ready, as /mijngegevens sends it
    assert [row["text"] for row in exported["reflections"]] == [REFLECTION, "Na de upgrade."]
    assert len(exported["outbox"]) == 3

    # The dispatcher claims the migrated reminder once it is due, and only that one.
    def claim(repo: Repository) -> list[str]:
        items = repo.outbox.claim_due(at(days=15), 10, "web.2:1", timedelta(minutes=5))
        return [str(item.payload["subject"]) for item in items]

    assert await empty_db.run(claim) == ["autonoom_vs_integraal"]


async def test_downgrade_to_the_first_release_and_up_again_keeps_every_row(
    empty_db: Database,
) -> None:
    data = await first_release_with_data(empty_db)
    await upgrade(empty_db)
    await migrate(empty_db, "downgrade", FIRST_RELEASE)
    assert await current_revision(empty_db) == FIRST_RELEASE
    assert set(await empty_db.run_connection(table_names)) == {
        *FIRST_RELEASE_TABLES,
        "alembic_version",
    }
    await assert_survived(empty_db, data)
    await upgrade(empty_db)
    await assert_survived(empty_db, data)
    assert await empty_db.run_connection(schema_differences) == []


# from empty


def table_names(connection: Connection) -> set[str]:
    return set(inspect(connection).get_table_names())


def revisions_oldest_first() -> list[str]:
    scripts = ScriptDirectory.from_config(alembic_config()).walk_revisions()
    return [script.revision for script in reversed(list(scripts))]


async def test_every_step_upgrades_from_empty_and_downgrades_again(empty_db: Database) -> None:
    """Each migration up, down to the one before (base: no tables) and up again; at the
    end the schema the models describe."""
    revisions = revisions_oldest_first()
    assert revisions[0] == FIRST_RELEASE and revisions[-1] == head_revision()
    previous = "base"
    for revision in revisions:
        await migrate(empty_db, "upgrade", revision)
        tables = await empty_db.run_connection(table_names)
        await migrate(empty_db, "downgrade", previous)
        assert await current_revision(empty_db) == (None if previous == "base" else previous)
        await migrate(empty_db, "upgrade", revision)
        assert await empty_db.run_connection(table_names) == tables
        assert await current_revision(empty_db) == revision
        previous = revision
    assert await empty_db.run_connection(table_names) >= {*FIRST_RELEASE_TABLES, "alembic_version"}
    assert await empty_db.run_connection(schema_differences) == []
