"""Review (issue 13): skipping a question during a re-check keeps the answer from last
time, and an answer that no longer counts (a conditional question or option no longer
asked after other answers changed) is not shown as skipped: not on /profiel, "Waarom",
/verloop or the handout."""

from __future__ import annotations

from datetime import UTC
from typing import Any

import pytest

from flows.advisor import AdvisorFlow
from flows.definition import FLOW_VERSION
from flows.events import Event, StoredState
from flows.screens import Say
from flows.timeline.content import Point, differences
from knowledge.model import Knowledge
from storage import Database
from tests.flow_helpers import command, press, run
from tests.followup_helpers import People, local, text_of
from tests.test_handout import pdf_of, read

pytest_plugins = ["tests.storage_fixtures"]

ANSWERS = {
    "size": "groot",
    "subgroups": "veel",
    "mandate": "beperkt",
    "interests": "hoog",
    "vertrouwen": "laag",
    "knelpunt": "tussen_subgroepen",
}
USER = "4242"


def rechecking(flow: AdvisorFlow) -> StoredState:
    state = StoredState(
        state="advice",
        flow_version=FLOW_VERSION,
        consent=True,
        answers=dict(ANSWERS),
        data={"advised": dict(ANSWERS)},
    )
    state, _ = run(flow, state, press("1:t:recheck"))
    assert state.state == "q_size"
    return state


@pytest.mark.parametrize("skip", [press("1:size:_skip"), Event("text", text="overslaan")])
def test_skipping_in_a_recheck_keeps_the_answer_from_last_time(
    knowledge: Knowledge, skip: Event
) -> None:
    flow = AdvisorFlow(knowledge)
    state, outcome = run(flow, rechecking(flow), skip)
    assert state.state == "q_subgroups"
    assert state.answers["size"] == "groot", "the answer the user saw ticked stays"
    assert "size" not in state.data.get("skipped", [])
    assert "blijft staan (31 tot 65)" in text_of(outcome)
    if skip.kind == "action":
        assert outcome.chosen == "Ongewijzigd", "the old question shows what happened"


def test_in_a_recheck_an_answer_that_no_longer_counts_stays_unchanged_or_is_skipped(
    knowledge: Knowledge,
) -> None:
    """ "Tussen subgroepen" no longer fits once the subgroups are gone: "Ongewijzigd" keeps
    it as it was (it does not count), "Overslaan" skips the question; neither claims it
    as the answer that stays."""
    flow = AdvisorFlow(knowledge)
    state, _ = run(flow, rechecking(flow), press("1:size:_same"), press("1:subgroups:geen"))
    for _ in range(12):  # bounded: the questions up to the friction one
        if state.state == "q_knelpunt":
            break
        state, _ = run(flow, state, press(f"1:{state.state.removeprefix('q_')}:_same"))
    assert state.state == "q_knelpunt"
    kept, _ = run(flow, state, press("1:knelpunt:_same"))
    assert kept.answers["knelpunt"] == "tussen_subgroepen"
    skipped, outcome = run(flow, state, press("1:knelpunt:_skip"))
    assert "knelpunt" not in skipped.answers and "knelpunt" in skipped.data["skipped"]
    assert "blijft staan" not in text_of(outcome) and outcome.chosen == "overgeslagen"


def test_skipping_outside_a_recheck_still_clears_the_answer(knowledge: Knowledge) -> None:
    flow = AdvisorFlow(knowledge)
    state = StoredState(
        state="advice", flow_version=FLOW_VERSION, consent=True, answers=dict(ANSWERS)
    )
    state, _ = run(flow, state, press("1:a:edit:size"), press("1:size:_skip"))
    assert "size" not in state.answers and state.data.get("skipped") == ["size"]


def test_an_answer_that_no_longer_counts_is_not_called_skipped(knowledge: Knowledge) -> None:
    """ "Tussen subgroepen" is offered only with subgroups; after "geen subgroepen" it no
    longer counts: the profile says so, "Waarom" leaves it out (it was not skipped)."""
    flow = AdvisorFlow(knowledge)
    state = StoredState(
        state="advice", flow_version=FLOW_VERSION, consent=True, answers=dict(ANSWERS)
    )
    state, _ = run(flow, state, press("1:a:edit:subgroups"), press("1:subgroups:geen"))
    assert state.answers["knelpunt"] == "tussen_subgroepen"
    _, why = run(flow, state, press("1:a:why"))
    assert "overgeslagen" not in text_of(why), text_of(why)
    _, shown = run(flow, state, command("profiel"))
    assert "Waar het knelt: Tussen subgroepen (telt niet meer mee" in text_of(shown)


def test_the_timeline_says_an_answer_no_longer_applies_not_that_it_was_skipped(
    knowledge: Knowledge,
) -> None:
    say = Say(knowledge, "nl")
    day = local(2026, 3, 12, 10).date()
    before = Point(day, dict(ANSWERS), ())
    after = Point(day, {**ANSWERS, "interests": "laag", "subgroups": "geen"}, ())
    del after.answers["vertrouwen"], after.answers["knelpunt"]
    said = differences(say, before, after)
    assert "Vertrouwen Weinig vertrouwen → niet van toepassing" in said, said
    assert "Waar het knelt Tussen subgroepen → niet van toepassing" in said, said
    assert not any("overgeslagen" in part for part in said), said
    # And back again: then the question did not apply; a real skip is still a skip.
    again = differences(say, after, before)
    assert "Vertrouwen niet van toepassing → Weinig vertrouwen" in again, again
    skipped = Point(day, {k: v for k, v in ANSWERS.items() if k != "mandate"}, ())
    assert "Mandaat Beperkt mandaat → overgeslagen" in differences(say, before, skipped)


@pytest.fixture
def people(db: Database, clock: Any) -> People:
    clock.now = local(2026, 3, 12, 10).astimezone(UTC)
    return People(db, clock)


async def test_the_handout_prints_no_answer_that_no_longer_counts(people: People) -> None:
    await people.answer_intake(USER, ANSWERS, await people.join_bot(USER))
    await people.press(USER, "1:a:edit:subgroups")
    await people.press(USER, "1:subgroups:geen")
    _, text = read(pdf_of(await people.send(USER, "/samenvatting"))[1])
    assert "Nee, geen subgroepen" in text
    assert "Waar het knelt: Tussen subgroepen" not in text, text
    assert "Waar het knelt Tussen subgroepen → niet van toepassing" in text, "the change line"
