"""The live session's dialogue is pure (flows/live/dialogue.py): ``/live`` comes through
the conversation as an ``OpenLive`` effect, on Telegram only, and the live buttons are
read into typed effects without it; anything forged reads as nothing (expired)."""

from __future__ import annotations

from flows.advisor import AdvisorFlow
from flows.commands import COORDINATOR
from flows.definition import FLOW_VERSION
from flows.events import Event, StoredState
from flows.live.dialogue import join_code, read_button
from flows.live.effects import CastVote, ChooseDilemmas, MoveLive, OpenLive, StartLive
from knowledge.model import Knowledge


def live_command(
    knowledge: Knowledge, args: str, *, channel: str | None = "telegram", **state: object
) -> tuple[list[object], list[str | None]]:
    stored = StoredState(
        **{"state": "advice", "consent": True, "roles": frozenset({COORDINATOR}), **state},
        flow_version=FLOW_VERSION,
        channel=channel,
    )
    outcome = AdvisorFlow(knowledge).handle(stored, Event("command", text=args, name="live"))
    if outcome.effects:  # it changes nothing of the conversation
        assert outcome.state.state == stored.state and outcome.state.answers == stored.answers
    return list(outcome.effects), [r.meta.get("screen") for r in outcome.replies]


def test_live_is_a_command_of_the_conversation_on_telegram(knowledge: Knowledge) -> None:
    every = [d.id for d in knowledge.dilemmas]
    assert live_command(knowledge, "") == ([OpenLive()], [])
    assert live_command(knowledge, "3 1 3") == ([OpenLive((every[2], every[0]))], [])
    assert live_command(knowledge, "1 99") == ([OpenLive((), unknown=True)], [])
    # A coordinator who declined, or has yet to start a conversation, runs a session too.
    assert live_command(knowledge, "", consent=False, state="declined")[0] == [OpenLive()]
    assert live_command(knowledge, "", state="new")[0] == [OpenLive()]


def test_live_is_unknown_elsewhere_and_to_others(knowledge: Knowledge) -> None:
    assert live_command(knowledge, "", channel="console") == ([], ["unknown_command"])
    assert live_command(knowledge, "", roles=frozenset()) == ([], ["unknown_command"])
    # Someone at the gate who may not use it gets the gate, as for any other command.
    effects, screens = live_command(knowledge, "", roles=frozenset(), consent=None, state="new")
    assert effects == [] and "unknown_command" not in screens


def test_the_buttons_read_into_effects(knowledge: Knowledge) -> None:
    every = [d.id for d in knowledge.dilemmas]
    level = knowledge.levels[0].id
    in_level = tuple(d.id for d in knowledge.dilemmas if d.level == level)
    assert "_" in level
    assert read_button(knowledge, "live:c:7") == ChooseDilemmas(7)
    assert read_button(knowledge, f"live:d:7:{level}") == StartLive(7, in_level)
    assert read_button(knowledge, "live:d:7:all") == StartLive(7, tuple(every))
    assert read_button(knowledge, "live:p:7:2.5") == StartLive(7, (every[1], every[4]))
    assert read_button(knowledge, "live:d:7:nope") == StartLive(7, ())
    assert read_button(knowledge, "live:n:3:0") == MoveLive(3, "n", 0)
    assert read_button(knowledge, "live:e:3") == MoveLive(3, "e", None)
    assert read_button(knowledge, "live:v:3:1:4") == CastVote(3, 1, "4")
    assert read_button(knowledge, "live:s:3:1") == CastVote(3, 1, "s")
    for forged in (
        "live:v:3:1:9",
        "live:v:3:1:34",
        "live:v:3:x:1",
        "live:v:3:1",
        "live:q:3:1",
        "live:c:x",
        "live:n:3:-1:",
        "live:x:3:<b>",
        "1:a:show",
        "live:" + "1" * 70,
    ):
        assert read_button(knowledge, forged) is None, forged
    assert join_code(" live_abc ") == "abc"
