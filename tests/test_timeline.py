"""The timeline (/verloop): a snapshot per day of completed intake, what changed in words,
reflections with their dates; snapshots exported, erased and under retention."""

from __future__ import annotations

import io
from datetime import UTC, timedelta
from typing import Any

import pytest
from pypdf import PdfReader

from bot.telegram.render import to_html
from knowledge.engine import TOP_N, Engine
from knowledge.model import Knowledge
from storage import Database
from tests.followup_helpers import People, local, text_of

pytest_plugins = ["tests.storage_fixtures"]

USER = "555"
ANSWERS = {"size": "middel", "subgroups": "geen", "mandate": "ruim", "interests": "laag"}


@pytest.fixture
def people(db: Database, clock: Any) -> People:
    clock.now = local(2026, 3, 12, 10).astimezone(UTC)
    return People(db, clock)


async def advised(people: People, answers: dict[str, str] = ANSWERS) -> None:
    await people.answer_intake(USER, answers, await people.join_bot(USER))


async def change(people: People, question: str, option: str) -> None:
    await people.press(USER, f"1:a:edit:{question}")
    await people.press(USER, f"1:{question}:{option}")


async def snapshots(people: People) -> list[Any]:
    user_id = await people.user_id(USER)
    return await people.db.run(lambda repo: repo.snapshots.history(user_id))


def titles(knowledge: Knowledge, ids: list[str]) -> list[str]:
    return [d.title.nl for i in ids if (d := knowledge.dilemma(i)) is not None]


async def test_the_timeline_after_a_changed_answer(
    people: People, clock: Any, knowledge: Knowledge
) -> None:
    await advised(people)
    assert "uw eerste advies" in text_of(await people.send(USER, "/verloop"))
    clock.now = local(2026, 6, 15, 11).astimezone(UTC)
    await change(people, "size", "klein")
    timeline = text_of(await people.send(USER, "/verloop"))
    assert "sinds 12 maart" in timeline
    assert "15 juni: Omvang 10 tot 30 → Minder dan 10" in timeline
    engine = Engine(knowledge)
    before = [s.dilemma.id for s in engine.advise(ANSWERS).top()]
    after = [s.dilemma.id for s in engine.advise({**ANSWERS, "size": "klein"}).top(TOP_N)]
    added, gone = [d for d in after if d not in before], [d for d in before if d not in after]
    assert added and gone, "the example should move the top three"
    assert f"nieuw in uw top 3: {', '.join(titles(knowledge, added))}" in timeline
    assert f"niet meer: {', '.join(titles(knowledge, gone))}" in timeline
    english = text_of(await people.send(USER, "/taal en")) and text_of(
        await people.send(USER, "/timeline")
    )
    assert "15 June: Size 10 to 30 → Fewer than 10" in english


async def test_one_point_per_day_its_last_state(people: People, clock: Any) -> None:
    await advised(people)
    await change(people, "size", "groot")
    await change(people, "mandate", "beperkt")
    (point,) = await snapshots(people)
    assert point.answers["size"] == "groot" and point.answers["mandate"] == "beperkt"
    assert point.before_answers == ANSWERS, "the day's first state stays as its before"
    clock.advance(days=1)
    await change(people, "size", "zeer_groot")
    first, second = await snapshots(people)
    assert first.before_answers == ANSWERS and second.before_answers is None
    assert second.answers == {**ANSWERS, "size": "zeer_groot", "mandate": "beperkt"}
    clock.advance(days=1)
    await people.send(USER, "/advies")  # the same advice again: no new point
    assert len(await snapshots(people)) == 2


async def test_a_change_on_the_day_of_the_first_advice_is_told(
    people: People, knowledge: Knowledge
) -> None:
    await advised(people)
    await change(people, "size", "groot")
    await change(people, "size", "zeer_groot")
    timeline = text_of(await people.send(USER, "/verloop"))
    assert "Wijzigt u later een antwoord" not in timeline
    assert "12 maart: uw eerste advies; later die dag: Omvang 10 tot 30 → Meer dan 65" in timeline
    engine = Engine(knowledge)
    before = [s.dilemma.id for s in engine.advise(ANSWERS).top()]
    after = [s.dilemma.id for s in engine.advise({**ANSWERS, "size": "zeer_groot"}).top()]
    added = [d for d in after if d not in before]
    assert added, "the example should move the top three"
    assert f"nieuw in uw top 3: {', '.join(titles(knowledge, added))}" in timeline
    outcome = await people.send(USER, "/samenvatting")
    (pdf,) = [r.attachment.data for r in outcome.replies if r.attachment is not None]
    reader = PdfReader(io.BytesIO(pdf))
    text = " ".join(" ".join(page.extract_text() for page in reader.pages).split())
    assert "Sinds uw eerste advies op 12 maart: Omvang 10 tot 30 → Meer dan 65" in text
    english = text_of(await people.send(USER, "/taal en")) and text_of(
        await people.send(USER, "/timeline")
    )
    assert "12 March: your first advice; later that day: Size 10 to 30 → More than 65" in english


async def test_a_change_back_on_the_first_day_is_no_change(people: People) -> None:
    await advised(people)
    await change(people, "size", "groot")
    await change(people, "size", "middel")
    timeline = text_of(await people.send(USER, "/verloop"))
    assert "12 maart: uw eerste advies." in timeline and "later die dag" not in timeline


async def test_the_first_days_change_stays_when_later_days_follow(
    people: People, clock: Any
) -> None:
    await advised(people)
    await change(people, "size", "groot")
    clock.now = local(2026, 6, 15, 11).astimezone(UTC)
    await change(people, "mandate", "beperkt")
    timeline = text_of(await people.send(USER, "/verloop"))
    assert "15 juni: Mandaat" in timeline
    assert "12 maart: uw eerste advies; later die dag: Omvang 10 tot 30 → 31 tot 65" in timeline
    assert timeline.index("15 juni") < timeline.index("12 maart: uw eerste advies")


async def test_reflections_per_dilemma_with_their_dates(
    people: People, clock: Any, knowledge: Knowledge
) -> None:
    await advised(people)
    first = Engine(knowledge).advise(ANSWERS).top()[0].dilemma
    await people.press(USER, f"1:a:note:{first.id}")
    await people.send(USER, "Eerst met het MT bespreken.")
    clock.now = local(2026, 4, 2, 9).astimezone(UTC)
    await people.press(USER, f"1:a:note:{first.id}")
    await people.send(USER, "Besproken; de RvT volgt.")
    timeline = text_of(await people.send(USER, "/verloop"))
    block = timeline[timeline.index(first.title.nl) :]
    assert block.index("2 april: Besproken; de RvT volgt.") < block.index(
        "12 maart: Eerst met het MT bespreken."
    )


async def test_what_the_user_typed_is_escaped_and_the_timeline_fits_one_message(
    people: People, clock: Any, knowledge: Knowledge
) -> None:
    await advised(people)
    first = Engine(knowledge).advise(ANSWERS).top()[0].dilemma
    for day in range(1, 20):
        clock.now = local(2026, 3, 12 + day, 10).astimezone(UTC)
        await change(people, "size", "groot" if day % 2 else "middel")
        await people.press(USER, f"1:a:note:{first.id}")
        await people.send(USER, f"<b>Notitie {day}</b> & **niet vet** " + "woord " * 40)
    outcome = await people.send(USER, "/verloop")
    (reply,) = outcome.replies
    assert len(reply.plain) <= 1200
    html = to_html(reply.spans)
    assert "&lt;b&gt;Notitie 19&lt;/b&gt; &amp; **niet vet**" in html and "<b>Notitie" not in html
    assert "eerdere punten passen niet" in reply.plain
    choice = await people.send(USER, "/samenvatting <i>Jansen</i>")
    (screen,) = choice.replies
    assert "&lt;i&gt;Jansen&lt;/i&gt;" in to_html(screen.spans) and len(screen.plain) <= 1200


async def test_the_handout_says_what_changed_last(people: People, clock: Any) -> None:
    await advised(people)
    clock.now = local(2026, 6, 15, 11).astimezone(UTC)
    await change(people, "size", "groot")
    outcome = await people.send(USER, "/samenvatting")
    (pdf,) = [r.attachment.data for r in outcome.replies if r.attachment is not None]
    reader = PdfReader(io.BytesIO(pdf))
    text = " ".join(" ".join(page.extract_text() for page in reader.pages).split())
    assert "Sinds 12 maart: Omvang 10 tot 30 → 31 tot 65" in text


async def test_export_erasure_and_retention_cover_the_snapshots(people: People, clock: Any) -> None:
    await advised(people)
    clock.advance(days=1)
    await change(people, "size", "groot")
    user_id = await people.user_id(USER)
    await change(people, "mandate", "beperkt")
    exported = await people.db.run(lambda repo: repo.privacy.export(user_id))
    assert [row["answers"]["size"] for row in exported["snapshots"]] == ["middel", "groot"]
    assert [row["before_answers"] for row in exported["snapshots"]] == [
        None,
        {**ANSWERS, "size": "groot"},
    ]
    assert exported["snapshots"][1]["before_dilemmas"]
    confirm = await people.send(USER, "/vergeet")
    assert "1:p:forget:yes" in [a for r in confirm.replies for a in r.actions]
    await people.press(USER, "1:p:forget:yes")
    assert not await people.db.run(lambda repo: repo.snapshots.history(user_id))
    await advised(people)
    user_id = await people.user_id(USER)
    assert len(await snapshots(people)) == 1
    forgotten = await people.db.run(
        lambda repo: repo.privacy.forget_inactive(clock.now + timedelta(days=1))
    )
    assert forgotten >= 1
    assert not await people.db.run(lambda repo: repo.snapshots.history(user_id))
