"""Reviewer's findings: the advise contract, the menu, picking a button in the terminal."""

from __future__ import annotations

import itertools
import json
from datetime import date
from pathlib import Path

import pytest

from bot.cli import main
from flows.advice import cards
from flows.commands import COMMANDS, ROLES, menu
from flows.events import Event
from flows.handout.content import handout
from flows.screens import Say
from knowledge.engine import Engine
from knowledge.model import Knowledge
from knowledge.validator import core_walk
from tests.console_helpers import console, open_test_advisor


def test_advise_json_always_has_text_matches(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["advise", "--json", "size=groot"]) == 0
    assert json.loads(capsys.readouterr().out)["text_matches"] == []


def test_every_command_is_in_the_menu_of_those_who_may_use_it() -> None:
    assert {"terug", "opnieuw"} <= set(menu())
    for command in COMMANDS:
        if command.channel is None:
            assert command.name in menu(ROLES), command.name
    assert len(menu(ROLES)) <= 100, "Telegram allows 100 commands per scope"


async def test_a_hash_number_that_is_no_button_is_not_a_count(tmp_path: Path) -> None:
    async with console(tmp_path) as user:
        await user.said("/start")
        await user.said("#1")  # agree
        assert user.chat.counts, "the first question takes a count"
        said = await user.said("#99")
        assert "Er is geen knop 99" in said and "Genoteerd" not in said
        state = await user.advisor.db.run(
            lambda repo: repo.visit("console", "tester", "nl").conversation
        )
        assert state is not None and "size" not in state.answers
        await user.said("/taal en")
        assert "There is no button 99" in await user.said("#99")


async def test_the_export_is_named_in_the_users_language(tmp_path: Path) -> None:
    advisor = await open_test_advisor(f"sqlite:///{tmp_path / 'export.sqlite3'}")
    try:
        names = {}
        for user, lang in (("1", "nl"), ("2", "en")):
            await advisor.handle("telegram", user, Event("command", name="start"), lang)
            await advisor.handle("telegram", user, Event("action", text="1:p:consent:yes"), lang)
            outcome = await advisor.handle(
                "telegram", user, Event("command", name="mijngegevens"), lang
            )
            (attachment,) = [r.attachment for r in outcome.replies if r.attachment is not None]
            names[lang] = attachment.name
        assert names == {"nl": "netwerkwijzer-gegevens.json", "en": "netwerkwijzer-data.json"}
    finally:
        await advisor.db.dispose()


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_chat_and_handout_name_the_same_question_for_the_next_meeting(
    knowledge: Knowledge, lang: str
) -> None:
    engine, say = Engine(knowledge), Say(knowledge, lang)
    heading = say.label("handout_next_meeting")
    compared = 0
    for profile in itertools.islice(core_walk(knowledge), 0, None, 7):
        advice = engine.advise(profile)
        sheet = handout(say, advice, knowledge.intake, profile, date(2026, 12, 3))
        (section,) = [s for s in sheet.sections if s.heading == heading]
        printed = "".join(span.text for block in section.blocks for span in block.spans)
        chat = cards.advice(say, advice, room=10_000).plain
        assert printed and printed in chat, (profile, printed)
        compared += 1
    assert compared > 10
