"""Conversation scripts replayed through the core, and through `chat` over a real database."""

from __future__ import annotations

import dataclasses
import io
import json
from pathlib import Path

import pytest

from bot.app.advisor import Advisor
from bot.console import ConsoleChat
from flows.advisor import AdvisorFlow
from flows.events import Event, StoredState
from flows.privacy.dialogue import GATE_STATES
from knowledge.model import Knowledge
from storage import Repository
from tests.console_helpers import open_test_advisor
from tests.scripts import Script, Step, check_text, load_scripts

SCRIPTS = load_scripts()


def test_there_are_scripts_for_every_journey() -> None:
    names = {s.path.stem for s in SCRIPTS}
    assert {
        "full_intake",
        "back_and_skip",
        "edit_after_advice",
        "stale_and_forged",
        "resume",
        "free_text",
        "english",
        "bad_input",
        "privacy",
    } <= names


def core_event(step: Step) -> Event:
    if step.press is not None:
        return Event("action", text=step.press)
    assert step.send is not None
    if step.send.startswith("/"):
        head, _, args = step.send[1:].partition(" ")
        return Event("command", text=args, name=head)
    return Event("text", text=step.send)


def stored_roundtrip(state: StoredState) -> StoredState:
    """Through JSON, as the database stores it (roles live on the user, not in the state)."""
    fields = dataclasses.asdict(state)
    roles = frozenset(fields.pop("roles"))
    return StoredState(**json.loads(json.dumps(fields)), roles=roles)


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda s: s.path.stem)
def test_script_through_the_core(script: Script, knowledge: Knowledge) -> None:
    flow = AdvisorFlow(knowledge)
    state = StoredState()
    for number, step in enumerate(script.steps, start=1):
        where = f"{script.path.name} step {number}"
        if step.restart:
            flow = AdvisorFlow(knowledge)
            continue
        outcome = flow.handle(state, core_event(step))
        state = stored_roundtrip(outcome.state)
        expect = step.expect
        said = "\n".join(r.plain for r in outcome.replies)
        check_text(expect, said, where)
        if "state" in expect:
            assert state.state == expect["state"], where
        labels = [b.label for r in outcome.replies for row in r.buttons for b in row]
        for label in expect.get("buttons", []):
            assert label in labels, f"{where}: button {label!r} not in {labels}"
        offered = [a for r in outcome.replies for a in r.actions]
        for action in expect.get("offers", []):
            assert action in offered, f"{where}: {action} not in {offered}"
        if "chosen" in expect:
            assert outcome.chosen == expect["chosen"], where
        if "notice" in expect:
            assert outcome.notice == expect["notice"], where
        if "replies" in expect:
            assert len(outcome.replies) == expect["replies"], where
        effects = {type(e).__name__ for e in outcome.effects}
        assert set(expect.get("effects", [])) <= effects, f"{where}: effects {effects}"
        for reply in outcome.replies:
            assert len(reply.plain) <= 4096, where


async def stored_state(advisor: Advisor, user_key: str) -> str | None:
    def state_of(repo: Repository) -> str | None:
        record = repo.visit("console", user_key, "nl").conversation
        return record.state if record else None

    return await advisor.db.run(state_of)


@pytest.mark.parametrize(
    "script", [s for s in SCRIPTS if not s.core_only], ids=lambda s: s.path.stem
)
async def test_script_through_chat(
    script: Script, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # the chat saves documents (the export) where it runs
    url = f"sqlite:///{tmp_path / 'chat.sqlite3'}"
    advisor = await open_test_advisor(url)
    out = io.StringIO()
    chat = ConsoleChat(advisor, "tester", out)
    try:
        for number, step in enumerate(script.steps, start=1):
            where = f"{script.path.name} step {number} (chat)"
            if step.restart:
                await advisor.db.dispose()
                advisor = await open_test_advisor(url)
                chat = ConsoleChat(advisor, "tester", out)
                continue
            start = out.tell()
            if step.press is not None:
                actions = [b.action for b in chat.buttons]
                assert step.press in actions, f"{where}: no button {step.press} in {actions}"
                # "#N" picks a button on every screen (a bare number is a count where a
                # question takes one).
                line = f"#{actions.index(step.press) + 1}"
            else:
                assert step.send is not None
                line = step.send
            await chat.say(chat.to_event(line))
            said = out.getvalue()[start:]
            check_text(step.expect, said, where)
            if "state" in step.expect:
                # Before consent (and after erasure) no conversation is stored at all.
                expected = step.expect["state"]
                stored = await stored_state(advisor, "tester")
                assert stored == (None if expected in GATE_STATES else expected), where
            for action in step.expect.get("offers", []):
                assert action in [b.action for b in chat.buttons], where
            for label in step.expect.get("buttons", []):
                assert label in said, f"{where}: button {label!r} not shown"
            if "chosen" in step.expect:
                assert f"✓ {step.expect['chosen']}" in said, where
    finally:
        await advisor.db.dispose()


def test_a_conversation_from_an_older_flow_version_resumes(knowledge: Knowledge) -> None:
    flow = AdvisorFlow(knowledge)
    old = StoredState(state="q_vanished", flow_version=0, consent=True, answers={"size": "groot"})
    outcome = flow.handle(old, Event("action", text="0:q_vanished:x"))
    assert outcome.state.state == "q_subgroups" and outcome.notice == "Deze knop is verlopen."
    assert outcome.state.answers == {"size": "groot"}


def test_updates_handled_before_change_nothing(knowledge: Knowledge) -> None:
    """The latest update again shows where the user is; an earlier one (fetched again by
    a poller that restarted) does nothing; a new one counts."""
    flow = AdvisorFlow(knowledge)
    state = StoredState(state="q_size", flow_version=1, consent=True)
    press = flow.handle(state, Event("action", text="1:size:groot", update_id=10)).state
    typed = flow.handle(stored_roundtrip(press), Event("text", "veel", update_id=11))
    after = stored_roundtrip(typed.state)
    assert after.answers == {"size": "groot", "subgroups": "veel"}
    again = flow.handle(after, Event("text", "veel", update_id=11))
    assert again.state.answers == after.answers and again.state.state == after.state
    assert [r.meta.get("screen") for r in again.replies] == [
        r.meta.get("screen") for r in typed.replies[-1:]
    ], "the latest: its screen again"
    earlier = flow.handle(after, Event("action", text="1:size:klein", update_id=10))
    assert earlier.state.answers == after.answers and not earlier.replies, "nothing at all"
    new = flow.handle(after, Event("command", name="help", update_id=12))
    # At a question, /help is followed by the question again (review 16).
    screens = [r.meta.get("screen") for r in new.replies]
    assert screens == ["help", "question"], "a new update counts"
    assert new.state.data["update"] == 12 and new.state.data["earlier_updates"] == [10, 11]
    kept = after
    for update_id in range(100, 250):
        kept = stored_roundtrip(
            flow.handle(kept, Event("command", name="help", update_id=update_id)).state
        )
    assert len(kept.data["earlier_updates"]) == 100, "a bounded memory"


def test_the_update_memory_outlives_restart_forget_and_a_new_flow_version(
    knowledge: Knowledge,
) -> None:
    """Starting over, forgetting or a new flow version clear the conversation's data, but
    not which updates it has handled: fetched again, those still do nothing."""
    flow = AdvisorFlow(knowledge)
    state = StoredState(state="q_size", flow_version=1, consent=True)
    state = stored_roundtrip(
        flow.handle(state, Event("action", "1:size:groot", update_id=10)).state
    )
    restarted = flow.handle(state, Event("action", "1:b:restart", update_id=11))
    state = stored_roundtrip(restarted.state)
    assert state.answers == {} and state.state == "q_size"
    replayed = flow.handle(state, Event("action", "1:size:groot", update_id=10))
    assert replayed.state.answers == {} and not replayed.replies, "the old press again: nothing"
    older = dataclasses.replace(state, flow_version=0)
    migrated = flow.handle(older, Event("action", "1:size:groot", update_id=10))
    assert migrated.state.answers == {} and not migrated.replies, "nor after a new version"
    forgot = flow.handle(state, Event("action", "1:p:forget:yes", update_id=12))
    assert forgot.state.state == "new" and forgot.state.data["earlier_updates"][-2:] == [10, 11]
