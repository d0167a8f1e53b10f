"""Broadcasts through the advisor service: composing, audience and preview, sending into
the outbox, cancelling, reports, anonymous sharing, and who may do what."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from storage import AuditEntry, Database, OutboxMessage, Repository
from tests.followup_helpers import People, actions_of, local, text_of

pytest_plugins = ["tests.storage_fixtures"]


@pytest.fixture
def people(db: Database, clock: Any) -> People:
    clock.now = local(2026, 11, 23, 10)
    # The mechanics of broadcasts with cohorts of one or two members: a minimum group of
    # 1 shows every figure. What a minimum group hides: tests/test_anonymity.py.
    return People(db, clock, min_group=1)


async def two_cohorts(people: People) -> tuple[int, int]:
    """Coordinator 5 with cohort A (members 7 and 8) and cohort B (member 9)."""
    await people.coordinator("5")
    _, a = await people.create_cohort("5", "Cohort A", "20-11-2026 10:00")
    _, b = await people.create_cohort("5", "Cohort B", "20-11-2026 10:00")
    for member, code in (("7", a), ("8", a), ("9", b)):
        await people.join_bot(member, code)
    ids = []
    for code in (a, b):
        cohort = await people.db.run(lambda repo, c=code: repo.cohorts.by_code(c))
        assert cohort is not None
        ids.append(cohort.id)
    return ids[0], ids[1]


async def broadcast_rows(db: Database) -> list[OutboxMessage]:
    def rows(repo: Repository) -> list[OutboxMessage]:
        query = select(OutboxMessage).where(OutboxMessage.kind == "broadcast")
        return list(repo._session.scalars(query.order_by(OutboxMessage.user_id)))

    return await db.run(rows)


async def test_compose_choose_a_cohort_preview_and_send(people: People, db: Database) -> None:
    cohort_a, _ = await two_cohorts(people)
    await people.send("8", "/stop")  # no nudges, no broadcasts for 8
    compose = await people.send("5", "/broadcast")
    assert "1:c:btpl:0" in actions_of(compose)
    audience = await people.send("5", "Wat <b>leert</b> u van de vorige keer?")
    assert "1:c:ball" in actions_of(audience) and f"1:c:btog:{cohort_a}" in actions_of(audience)
    toggled = await people.press("5", f"1:c:btog:{cohort_a}")
    assert toggled.edit, "a toggle edits the audience message in place"
    assert "✓ Cohort A" in text_of(toggled) or any(
        "✓ Cohort A" in b.label for r in toggled.replies for row in r.buttons for b in row
    )
    preview = await people.press("5", "1:c:bnext")
    sample, summary = preview.replies
    assert "Wat <b>leert</b> u van de vorige keer?" in sample.plain
    assert "naar 1 deelnemer(s) in: Cohort A." in summary.plain
    assert "1:c:bsend" in summary.actions
    sent = await people.press("5", "1:c:bsend")
    assert "gaat naar 1 deelnemer" in text_of(sent)
    rows = await broadcast_rows(db)
    member = await people.user_id("7")
    assert [(r.user_id, r.status) for r in rows] == [(member, "pending")]
    assert rows[0].broadcast_id is not None and rows[0].lane == "bulk"

    def audit(repo: Repository) -> list[tuple[str, dict[str, Any]]]:
        query = select(AuditEntry.action, AuditEntry.detail).where(
            AuditEntry.action.like("broadcast.%")
        )
        return [(a, d) for a, d in repo._session.execute(query)]

    [(action, detail)] = await db.run(audit)
    assert action == "broadcast.sent" and detail["recipients"] == 1
    assert detail["cohorts"] == [cohort_a]


async def test_a_ready_made_question_and_a_dilemma_filter(people: People, db: Database) -> None:
    await two_cohorts(people)
    eight = await people.user_id("8")

    def advise(repo: Repository) -> None:
        repo.record_advice(eight, {}, ["handelingsruimte_vs_draagvlak", "a", "b", "c"], "v")
        nine = repo.cohorts.consented_user("telegram", "9")
        assert nine is not None
        repo.record_advice(nine, {}, ["a", "b", "c", "handelingsruimte_vs_draagvlak"], "v")

    await db.run(advise)
    await people.send("5", "/broadcast")
    await people.press("5", "1:c:btpl:1")
    await people.press("5", "1:c:bdil")
    await people.press("5", "1:c:bdil:handelingsruimte_vs_draagvlak")
    preview = await people.press("5", "1:c:bnext")
    assert "botsende belangen" in preview.replies[0].plain
    assert "naar 1 deelnemer(s) in: al uw cohorten" in text_of(preview)
    await people.press("5", "1:c:bsend")
    rows = await broadcast_rows(db)
    assert [r.user_id for r in rows] == [eight], "only the member whose top three has it"


async def test_client_data_in_a_broadcast_is_caught_before_anyone_gets_it(
    people: People, db: Database
) -> None:
    await two_cohorts(people)
    await people.send("5", "/broadcast")
    warned = await people.send("5", "Bel mevrouw De Vries op 0612345678 voor het verslag.")
    assert "1:c:redacted" in actions_of(warned) and await broadcast_rows(db) == []
    await people.press("5", "1:c:redacted")
    preview = await people.press("5", "1:c:bnext")
    assert "0612345678" not in text_of(preview) and "[verwijderd]" in preview.replies[0].plain


async def test_members_and_other_coordinators_cannot_broadcast_or_see_reports(
    people: People, db: Database
) -> None:
    await two_cohorts(people)
    await people.coordinator("6")
    await people.broadcast("5", "Een vraag")
    broadcast_id = (await broadcast_rows(db))[0].broadcast_id
    for command in ("/broadcast", "/inzicht"):
        assert "ken ik niet" in text_of(await people.send("7", command))
    for data in ("1:c:bsend", f"1:c:brep:{broadcast_id}", f"1:c:bstop:{broadcast_id}"):
        pressed = await people.press("7", data)
        assert pressed.notice == "Deze knop is verlopen." and not pressed.effects
    for data in (f"1:c:brep:{broadcast_id}", f"1:c:bstop:{broadcast_id}"):
        foreign = await people.press("6", data)
        assert "vind ik niet" in text_of(foreign) and "Afgeleverd" not in text_of(foreign)
    assert {r.status for r in await broadcast_rows(db)} == {"pending"}, "not cancelled"
    # Coordinator 6 has no cohorts: nobody to send to, said before asking for a message.
    nobody = await people.send("6", "/broadcast")
    assert "U heeft nog geen cohorten" in text_of(nobody), text_of(nobody)
    assert "1:c:btpl:0" not in actions_of(nobody) and not nobody.effects
    typed = await people.send("6", "Een vraag")
    assert "1:c:bnext" not in actions_of(typed) and "1:c:ball" not in actions_of(typed)


async def test_cancel_stops_what_was_not_sent_and_reports(people: People, db: Database) -> None:
    await two_cohorts(people)
    await people.broadcast("5", "Een vraag")
    rows = await broadcast_rows(db)
    first = rows[0]

    def deliver_one(repo: Repository) -> None:
        now = people.clock.now
        claimed = repo.outbox.claim_due(now, 1, "t", timedelta(minutes=1))
        assert [c.id for c in claimed] == [first.id]
        repo.outbox.mark_sent(first.id, "t", now)

    await db.run(deliver_one)
    stopped = await people.press("5", f"1:c:bstop:{first.broadcast_id}")
    assert "2 deelnemer(s) krijgen het bericht niet meer" in text_of(stopped)
    assert "Afgeleverd: 1" in text_of(stopped) and "kregen het niet" in text_of(stopped)
    statuses = sorted(r.status for r in await broadcast_rows(db))
    assert statuses == ["cancelled", "cancelled", "sent"]
    info = await db.run(lambda repo: repo.broadcasts.get(first.broadcast_id or 0))
    assert info is not None and info.status == "cancelled"


async def test_an_answer_shared_anonymously_reaches_the_report_without_a_name(
    people: People, db: Database
) -> None:
    await two_cohorts(people)
    await people.broadcast("5", "Wat neemt u mee?")
    rows = {r.user_id: r for r in await broadcast_rows(db)}
    seven = rows[await people.user_id("7")]
    await people.press("7", f"1:n:reply:{seven.id}")
    answered = await people.send("7", "Meer tijd voor de relaties aan tafel.")
    offer = next(a for a in actions_of(answered) if a.startswith("1:n:share:"))
    eight = rows[await people.user_id("8")]
    await people.press("8", f"1:n:reply:{eight.id}")
    kept_private = await people.send("8", "Dit houd ik voor mezelf.")
    assert any(a.startswith("1:n:share:") for a in actions_of(kept_private))
    # Sharing someone else's reflection is refused.
    foreign = await people.press("8", offer)
    assert "kan ik niet" in text_of(foreign)
    shared = await people.press("7", offer)
    assert "zonder uw naam" in text_of(shared)
    report = await people.press("5", f"1:c:brep:{seven.broadcast_id}")
    text = text_of(report)
    assert "Beantwoord: 2" in text
    assert "Meer tijd voor de relaties aan tafel." in text
    assert "Dit houd ik voor mezelf." not in text
    assert not re.search(r"\b[789]\b", text.replace("Beantwoord: 2", "")), "no ids in a report"


async def test_insight_for_the_owner_only_with_small_groups_hidden(
    people: People, db: Database
) -> None:
    people = People(db, people.clock)  # the default minimum group of 5
    await people.coordinator("5")
    _, big = await people.create_cohort("5", "Groot cohort", "20-11-2026 10:00")
    _, small = await people.create_cohort("5", "Klein cohort", "20-11-2026 10:00")
    for n in range(6):
        await people.join_bot(str(700 + n), big)
        await people.send(str(700 + n), "/advies")
    for n in range(2):
        await people.join_bot(str(800 + n), small)
    insight = await people.send("5", "/inzicht")
    text = text_of(insight)
    assert "Groot cohort" in text and "Klein cohort" in text
    assert "te weinig deelnemers" in text
    kinds = [r.attachment.kind for r in insight.replies if r.attachment is not None]
    assert kinds == ["photo", "document"]
    csv = next(
        r.attachment for r in insight.replies if r.attachment and r.attachment.kind == "document"
    )
    assert csv is not None and b"Groot cohort" in csv.data
    for n in range(6):
        assert str(700 + n) not in text
    await people.coordinator("6")
    other = await people.send("6", "/inzicht")
    assert "Groot cohort" not in text_of(other)
    assert all(r.attachment is None or b"Groot" not in r.attachment.data for r in other.replies)

    def audit(repo: Repository) -> list[str]:
        query = select(AuditEntry.action).where(AuditEntry.action == "insight.export")
        return list(repo._session.scalars(query))

    assert await db.run(audit) == ["insight.export", "insight.export"]


async def test_a_named_person_is_flagged_before_sharing_and_replaced_in_the_report(
    people: People, db: Database
) -> None:
    """Review 6, F17: "Mevrouw Jansen … blokkeert alles" was offered and shared as is."""
    await two_cohorts(people)
    await people.broadcast("5", "Wat neemt u mee?")
    rows = {r.user_id: r for r in await broadcast_rows(db)}
    seven = rows[await people.user_id("7")]
    await people.press("7", f"1:n:reply:{seven.id}")
    said = "Niemand durft te beslissen. Mevrouw Jansen van Jeugdzorg Oost blokkeert alles."
    answered = await people.send("7", said)
    offered = next(r.plain for r in answered.replies if r.meta.get("screen") == "share_offer")
    assert "noemt iemand bij naam" in offered and "Mevrouw Jansen" not in offered, offered
    assert "«Niemand durft te beslissen. [verwijderd] van Jeugdzorg" in offered
    offer = next(a for a in actions_of(answered) if a.startswith("1:n:share:"))
    await people.press("7", offer)
    report = text_of(await people.press("5", f"1:c:brep:{seven.broadcast_id}"))
    assert "[verwijderd] van Jeugdzorg Oost blokkeert alles." in report, report
    assert "Jansen" not in report
