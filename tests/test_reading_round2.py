"""Second round of typed answers: a plain no agrees with its own option's words ("nee
alles plenair"), and "ruim 20" is a little over twenty, not up to forty."""

from __future__ import annotations

import pytest

from knowledge.model import Knowledge
from tests.knowledge_helpers import read


@pytest.mark.parametrize("text", ["nee alles gaat plenair", "nee alles plenair"])
def test_a_no_does_not_deny_the_words_of_its_own_option(knowledge: Knowledge, text: str) -> None:
    reading = read(knowledge, "subgroups", text)
    assert (reading.outcome, reading.option, reading.negated) == ("matched", "geen", ()), reading


def test_a_no_still_denies_the_words_of_another_option(knowledge: Knowledge) -> None:
    reading = read(knowledge, "mandate", "geen ruim mandaat")
    assert reading.option is None and "ruim" in reading.negated_options, reading


@pytest.mark.parametrize(
    ("text", "counts", "option"),
    [
        ("ruim 20 partijen", ("21..25",), "middel"),
        ("ruim vijftig", ("51..63",), "groot"),
        ("just over 20", ("21..25",), "middel"),
        ("meer dan 20", ("21..40",), None),
    ],
)
def test_ruim_is_a_little_over_the_number(
    knowledge: Knowledge, text: str, counts: tuple[str, ...], option: str | None
) -> None:
    reading = read(knowledge, "size", text)
    assert (reading.counts, reading.option) == (counts, option), reading
