"""Typing "ja" at the consent question does what tapping "Akkoord" does: one code path.
The cohort code of a deep link and a language chosen before consent ride on the button;
the service remembers the buttons it last showed in memory, and the cohort code in the
database (a hash of the chat, for a day), so typing finds them too, after a restart."""

from __future__ import annotations

from datetime import UTC, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bot.app.gate import ConsentButtons
from flows.advisor import AdvisorFlow
from flows.events import Event, StoredState
from knowledge.model import Knowledge
from storage import Database, Repository
from storage.models import PendingStart
from tests.followup_helpers import People, actions_of, local, text_of

pytest_plugins = ["tests.storage_fixtures"]


@pytest.fixture
def people(db: Database, clock: Any) -> People:
    clock.now = local(2026, 11, 23, 10).astimezone(UTC)
    return People(db, clock, min_group=1)


async def test_typing_ja_after_a_cohort_link_joins_the_cohort_like_the_button(
    people: People,
) -> None:
    await people.coordinator("5")
    _, code = await people.create_cohort("5", "Workshop", "25-11-2026 14:00")
    tapped = await people.join_bot("7", code)
    await people.send("8", f"/start {code}")
    typed = await people.send("8", "ja")
    assert "U volgt nu: " in text_of(typed), text_of(typed)
    assert text_of(typed) == text_of(tapped)
    assert actions_of(typed) == actions_of(tapped)
    assert len(await people.nudges("8")) == len(await people.nudges("7")) == 3


async def test_typing_akkoord_or_ok_or_yes_joins_too(people: People) -> None:
    await people.coordinator("5")
    _, code = await people.create_cohort("5", "Workshop", "25-11-2026 14:00")
    for user, word in (("11", "akkoord"), ("12", "OK"), ("13", "Ja!")):
        await people.send(user, f"/start {code}")
        typed = await people.send(user, word)
        assert "U volgt nu: " in text_of(typed), (word, text_of(typed))


async def test_a_language_chosen_before_consent_is_kept_when_typing_yes(
    people: People, db: Database
) -> None:
    await people.send("21", "/start")
    await people.send("21", "/taal en")
    typed = await people.send("21", "yes")
    assert "Question 1 of" in text_of(typed), text_of(typed)

    def language(repo: Repository) -> str | None:
        visit = repo.visit("telegram", "21", "nl")
        return visit.language

    assert await db.run(language) == "en"


async def test_typing_nee_declines_and_the_question_is_forgotten(
    people: People,
) -> None:
    await people.send("31", "/start CODE123")
    declined = await people.send("31", "nee")
    assert declined.state.consent is False
    assert len(people.advisor.consent_buttons) == 0, "forgotten once answered"


async def test_without_a_remembered_question_ja_still_agrees(people: People) -> None:
    await people.send("41", "/start")
    people.advisor.consent_buttons = ConsentButtons()  # another process, or a restart
    typed = await people.send("41", "ja")
    assert typed.state.consent is True and "Vraag 1 van" in text_of(typed)


async def test_typing_ja_after_a_restart_still_joins_the_cohort(
    people: People, db: Database, clock: Any
) -> None:
    """Issue 13: the buttons shown are remembered in memory only, so after a restart "ja"
    agreed without the cohort code; the code waits in the database (a day, hashed chat)."""
    await people.coordinator("5")
    _, code = await people.create_cohort("5", "Regio Zuid", "25-11-2026 14:00")
    await people.send("8", f"/start {code}")
    restarted = People(db, clock, min_group=1)  # a new process: nothing in memory
    typed = await restarted.send("8", "ja")
    assert "U volgt nu: Regio Zuid" in text_of(typed), text_of(typed)
    assert len(await restarted.nudges("8")) == 3
    assert await pending_rows(db) == 0, "forgotten once answered"


async def test_a_cohort_code_survives_a_language_choice_before_consent(
    people: People,
) -> None:
    """The consent question shown again after /language carried no code any more."""
    await people.coordinator("5")
    _, code = await people.create_cohort("5", "Regio Zuid", "25-11-2026 14:00")
    await people.send("9", f"/start {code}")
    await people.send("9", "/language en")
    typed = await people.send("9", "yes")
    assert "You are now following: Regio Zuid" in text_of(typed), text_of(typed)


async def test_a_pending_code_is_forgotten_on_no_on_forget_and_after_a_day(
    people: People, db: Database, clock: Any
) -> None:
    await people.send("31", "/start CODE123")
    await people.send("31", "nee")
    await people.send("32", "/start CODE123")
    await people.send("32", "/vergeet")
    assert await pending_rows(db) == 0
    await people.send("33", "/start CODE123")
    assert await pending_rows(db) == 1
    clock.advance(hours=24, minutes=1)
    restarted = People(db, clock, min_group=1)
    typed = await restarted.send("33", "ja")
    assert typed.state.consent is True and "join" not in " ".join(actions_of(typed))
    assert "aanmeldlink" not in text_of(typed), "an expired code joins nothing, silently"
    assert await db.run(lambda repo: repo.pending_starts.purge(clock())) == 1  # retention
    assert await pending_rows(db) == 0


async def pending_rows(db: Database) -> int:
    def count(repo: Repository) -> int:
        return len(list(repo._session.scalars(select(PendingStart))))

    return await db.run(count)


def test_the_memory_is_bounded_in_time_and_size(knowledge: Knowledge) -> None:
    flow = AdvisorFlow(knowledge)
    shown = flow.handle(StoredState(), Event("command", "CODE123", "start"))
    buttons = ConsentButtons(keep=timedelta(hours=1), most=2)
    now = local(2026, 11, 23, 10)
    for user in ("a", "b", "c"):
        buttons.note(("telegram", user), shown, now)
    assert len(buttons) == 2 and buttons.offered(("telegram", "a"), now) == ()
    offered = buttons.offered(("telegram", "c"), now)
    assert any(a.startswith("1:p:consent:yes") and a.endswith(":CODE123") for a in offered)
    assert buttons.offered(("telegram", "c"), now + timedelta(hours=2)) == ()


def test_the_flow_presses_the_offered_button(knowledge: Knowledge) -> None:
    flow = AdvisorFlow(knowledge)
    shown = flow.handle(StoredState(), Event("command", "CODE123", "start"))
    offered = tuple(actions_of(shown))
    typed = flow.handle(StoredState(), Event("text", "ja", offered=offered))
    tapped = flow.handle(
        StoredState(), Event("action", next(a for a in offered if "consent:yes" in a))
    )
    assert typed.effects == tapped.effects and typed.state == tapped.state
    assert text_of(typed) == text_of(tapped)


@pytest.mark.parametrize(
    ("text", "consent"),
    [
        ("ja graag", True),
        ("ja, prima", True),
        ("akkoord 👍", True),
        ("yes please", True),
        ("ok thanks", True),
        ("nee, liever niet", False),
        ("nee hoor", False),
        ("nee bedankt", False),
        ("ik ga niet akkoord", False),
        ("hoor", None),
        ("bedankt", None),
        ("ja nee", None),
        ("ja, maar wat bewaart u?", None),
    ],
)
def test_consent_is_read_from_agree_or_decline_words_with_fillers_beside(
    knowledge: Knowledge, text: str, consent: bool | None
) -> None:
    """ "nee, liever niet" did not decline and "ja graag" did not agree (only one word of
    the catalogue's list, exactly, did); a filler alone, or yes and no together, says
    what is expected."""
    outcome = AdvisorFlow(knowledge).handle(StoredState(), Event("text", text))
    assert outcome.state.consent is consent
    if consent is None:
        assert "Eerst nog één ding" in text_of(outcome), text_of(outcome)


async def test_the_daily_retention_run_purges_codes_past_their_day(
    people: People, db: Database, clock: Any
) -> None:
    """The retention run itself (not only the store's purge) forgets a pending code."""
    from bot.telegram.run import _forget_inactive

    await people.send("34", "/start CODE123")
    clock.advance(hours=24, minutes=1)
    now = clock()
    await db.run(lambda repo: _forget_inactive(repo, cutoff=now - timedelta(days=365), now=now))
    assert await pending_rows(db) == 0
