"""Navigation review (issue 13), through the advisor service: a side command in the middle
of the intake ends with the question (after whatever its effects answer), and the offer to
share an answer to a broadcast comes before the question the member goes on with."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest

from bot.console import ConsoleChat
from flows.commands import COMMANDS
from flows.events import Outcome
from storage import Database
from tests.followup_helpers import People, actions_of, local, text_of
from tests.test_broadcasts import two_cohorts
from tests.test_conversation_scripts import open_test_advisor
from tests.test_followup import deliver_first

pytest_plugins = ["tests.storage_fixtures"]

RESUME = "1:b:resume"
MOVES = frozenset({"start", "advies", "profiel", "terug", "opnieuw", "broadcast"})
"""Commands that show the question themselves or go somewhere else."""


@pytest.fixture
def people(db: Database, clock: Any) -> People:
    clock.now = local(2026, 11, 23, 10)
    return People(db, clock, min_group=1)


def screens(outcome: Outcome) -> list[str]:
    return [r.meta.get("screen", "") for r in outcome.replies]


def ends_at_the_question(outcome: Outcome, question: str) -> bool:
    """The last message is the question (its buttons), or the side screen ends with the
    way back to it."""
    final = outcome.replies[-1]
    return final.meta.get("question") == question or RESUME in final.actions


async def at_the_second_question(people: People, user: str, payload: str = "") -> None:
    first = await people.join_bot(user, payload)
    assert screens(first)[-1] == "question"
    second = await people.press(user, "1:size:groot")
    assert second.replies[-1].meta.get("question") == "subgroups"


async def test_every_side_command_mid_question_ends_at_the_question(people: People) -> None:
    await at_the_second_question(people, "7")
    for command in COMMANDS:
        if command.role is not None or command.channel or command.name in MOVES:
            continue
        outcome = await people.send("7", f"/{command.name}")
        where = f"/{command.name}: {screens(outcome)}"
        assert ends_at_the_question(outcome, "subgroups"), where
        if command.name in ("verloop", "stop", "help", "vraag", "reflecties"):
            # The side screen first, then the question with its buttons, once.
            assert screens(outcome)[-1] == "question" and len(outcome.replies) >= 2, where
            assert screens(outcome).count("question") == 1, where
            assert text_of(outcome).count("Verder waar we waren") == 1, where
            assert "1:subgroups:_skip" in outcome.replies[-1].actions, where
        assert all(len(r.plain) <= 1200 for r in outcome.replies[:-1]), where


async def test_the_timeline_comes_before_the_question(people: People) -> None:
    await at_the_second_question(people, "7")
    timeline = await people.send("7", "/verloop")
    assert screens(timeline) == ["timeline", "question"]
    stopped = await people.send("7", "/stop")
    assert "geen herinneringen" in stopped.replies[0].plain
    assert screens(stopped)[-1] == "question"
    # The question shown again is the one the user was at: answering it goes on.
    on = await people.press("7", "1:subgroups:veel")
    assert screens(on)[-1] == "question" and on.replies[-1].meta["question"] != "subgroups"


async def test_a_coordinator_at_work_is_not_pressed_to_the_questions(people: People) -> None:
    """Before any answer a coordinator's own commands are work, not a detour from the
    intake: no question after them; once in the intake, the question comes again."""
    await people.coordinator("5")
    listing = await people.send("5", "/cohort")
    assert screens(listing) == ["cohorts"] and "Vraag 1 van" not in text_of(listing)
    await people.press("5", "1:size:groot")
    listing = await people.send("5", "/cohort")
    assert screens(listing) == ["cohorts", "question"]
    assert listing.replies[-1].meta["question"] == "subgroups"


async def test_the_share_offer_comes_before_the_next_question(people: People, db: Database) -> None:
    """A cohort member answers a broadcast in the middle of their intake: "bewaard", the
    offer to share the answer, and then the question they were at, in that order."""
    await two_cohorts(people)
    await people.press("7", "1:size:groot")
    await people.broadcast("5", "Wat neemt u mee?")
    answered = await people.reply_to_broadcast("7", "Meer tijd voor de relaties aan tafel.")
    assert screens(answered) == ["note_saved", "share_offer", "question"]
    assert answered.replies[-1].meta["question"] == "subgroups"
    offer = next(a for a in actions_of(answered) if a.startswith("1:n:share:"))
    shared = await people.press("7", offer)
    assert "zonder uw naam" in text_of(shared)
    # A double tap of the share button changes nothing and says so.
    again = await people.press("7", offer)
    assert again.duplicate and again.notice == "Al ontvangen."


async def test_the_share_offer_comes_before_the_advice_at_the_end(
    people: People, db: Database
) -> None:
    await two_cohorts(people)
    shown = await people.press("7", "1:size:groot")
    await people.answer_intake("7", {}, shown)
    await people.broadcast("5", "Wat neemt u mee?")
    answered = await people.reply_to_broadcast("7", "Meer tijd voor de relaties aan tafel.")
    assert screens(answered) == ["note_saved", "share_offer", "advice"]


async def test_in_the_terminal_a_menu_before_the_question_stays_pressable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The terminal numbers the buttons on through one answer's messages: the reminder
    settings shown before the question they lead back to can still be chosen."""
    monkeypatch.chdir(tmp_path)
    advisor = await open_test_advisor(f"sqlite:///{tmp_path / 'chat.sqlite3'}")
    out = io.StringIO()
    chat = ConsoleChat(advisor, "tester", out)
    try:
        for line in ("/start", "#1", "#3", "/herinneringen"):
            await chat.say(chat.to_event(line))
        actions = [b.action for b in chat.buttons]
        assert actions[0].startswith("1:n:window:") and "1:subgroups:_skip" in actions
        number = actions.index("1:n:window:ochtend") + 1
        assert f"  [{number}] Ochtenden" in out.getvalue()
        assert f"  [{actions.index('1:subgroups:geen') + 1}] Nee, geen subgroepen" in (
            out.getvalue()
        )
        start = out.tell()
        await chat.say(chat.to_event(f"#{number}"))
        assert "Ochtenden" in out.getvalue()[start:]
    finally:
        await advisor.db.dispose()


async def test_every_side_button_mid_question_ends_at_the_question(people: People) -> None:
    """A side button (a nudge postponed, the reminder hours, the data exported …) pressed in
    the middle of the intake ends with the question, as a side command does."""
    await people.coordinator("5")
    _, code = await people.create_cohort("5", "Workshop", "23-11-2026 14:00")
    await at_the_second_question(people, "7", code)
    nudge = await deliver_first(people, "7")
    for data in (
        f"1:n:later:{nudge.id}",
        f"1:n:week:{nudge.id}",
        "1:n:window:ochtend",
        "1:n:stop",
        "1:p:export",
        "1:p:reflections",
    ):
        outcome = await people.press("7", data)
        where = f"{data}: {screens(outcome)}"
        assert len(outcome.replies) >= 2 and screens(outcome)[-1] == "question", where
        assert outcome.replies[-1].meta["question"] == "subgroups", where
        assert screens(outcome).count("question") == 1, where
        assert text_of(outcome).count("Verder waar we waren") == 1, where
        assert "1:subgroups:_skip" in outcome.replies[-1].actions, where
    exported = await people.press("7", "1:p:export")
    assert exported.replies[0].attachment is not None, "the file first, then the question"


async def test_a_button_answered_on_the_button_alone_adds_no_question(people: People) -> None:
    """ "Bewaard" on the button itself puts nothing new in the chat: the question is still
    the last message, and is not sent again."""
    await at_the_second_question(people, "7")
    kept = await people.press("7", "1:p:keep")
    assert kept.replies == [] and kept.notice


async def test_a_coordinators_own_buttons_before_any_answer_add_no_question(
    people: People,
) -> None:
    await people.coordinator("5")
    await people.create_cohort("5", "Workshop", "23-11-2026 14:00")
    listing = await people.send("5", "/cohort")
    link = next(a for a in actions_of(listing) if a.startswith("1:c:link:"))
    shown = await people.press("5", link)
    assert "question" not in screens(shown) and "Vraag 1 van" not in text_of(shown)
    await people.press("5", "1:size:groot")
    shown = await people.press("5", link)
    assert screens(shown)[-1] == "question" and shown.replies[-1].meta["question"] == "subgroups"


async def test_sharing_an_answer_mid_question_ends_at_the_question(
    people: People, db: Database
) -> None:
    await two_cohorts(people)
    await people.press("7", "1:size:groot")
    await people.broadcast("5", "Wat neemt u mee?")
    answered = await people.reply_to_broadcast("7", "Meer tijd voor de relaties aan tafel.")
    offer = next(a for a in actions_of(answered) if a.startswith("1:n:share:"))
    shared = await people.press("7", offer)
    assert screens(shared)[-1] == "question" and "zonder uw naam" in shared.replies[0].plain
    assert shared.replies[-1].meta["question"] == "subgroups"
