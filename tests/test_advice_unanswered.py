"""The advice before any answer says what happened, counts what the user was shown, and
gives all three dilemmas the same structure (review 6, F13)."""

from __future__ import annotations

import re
from pathlib import Path

from flows.advice import cards
from flows.screens import Say
from knowledge.engine import Engine
from knowledge.model import LANGUAGES, Knowledge
from tests.console_helpers import console


async def test_advice_after_a_dont_know_does_not_say_everything_was_skipped(
    tmp_path: Path,
) -> None:
    async with console(tmp_path) as chat:
        question = await chat.said("/start")
        question = await chat.said("#1")
        total = re.search(r"Vraag 1 van (\d+)", question)
        assert total is not None, question
        await chat.said("ik weet het niet")
        advice = await chat.said("/advies")
        assert "alle vragen overgeslagen" not in advice
        assert "U heeft nog geen vragen beantwoord" in advice
        (line,) = [ln for ln in advice.splitlines() if "Verder met de vragen" in ln]
        left = int(re.search(r"\((\d+) over\)", line).group(1))  # type: ignore[union-attr]
        assert left <= int(total.group(1)), (line, total.group(0))


def test_every_dilemma_of_the_advice_has_its_leadership_line(knowledge: Knowledge) -> None:
    engine = Engine(knowledge)
    for lang in LANGUAGES:
        say = Say(knowledge, lang)
        lead = say.label("advice_action", action="")[:4]
        for profile in ({}, {"size": "klein"}, {"mandate": "geen"}):
            advice = engine.advise(profile)
            text = cards.advice(say, advice).plain
            with_actions = [s for s in advice.top() if s.actions]
            assert text.count(lead) == len(with_actions), (lang, profile, text)
