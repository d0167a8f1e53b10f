"""One command table (flows/commands.py): the conversation routes by it, /help lists it per
role, the Telegram menus are built from it."""

from __future__ import annotations

from pathlib import Path

from flows.advisor import COMMAND_HANDLERS, AdvisorFlow
from flows.commands import ADMIN, COMMANDS, COORDINATOR, find, help_commands, menu
from flows.events import Event, StoredState
from knowledge.model import LANGUAGES, Knowledge
from storage import Repository
from tests.console_helpers import console


def help_text(flow: AdvisorFlow, roles: frozenset[str], lang: str = "nl") -> str:
    state = StoredState(state="advice", flow_version=1, consent=True, lang=lang, roles=roles)
    outcome = flow.handle(state, Event("command", name="help"))
    assert [r.meta.get("screen") for r in outcome.replies] == ["help"]
    return outcome.replies[0].plain


def test_every_command_has_a_handler_and_a_description(knowledge: Knowledge) -> None:
    assert set(COMMAND_HANDLERS) == {c.name for c in COMMANDS if c.channel is None}
    for command in COMMANDS:
        for lang in LANGUAGES:
            assert knowledge.message(f"cmd_{command.name}", lang), (command.name, lang)
        assert all(find(name) is command for name in command.names)
    names = [name for c in COMMANDS for name in c.names]
    assert len(names) == len(set(names)), "a name or alias used twice"


def test_help_lists_the_commands_a_user_may_use(knowledge: Knowledge) -> None:
    flow = AdvisorFlow(knowledge)
    member = help_text(flow, frozenset())
    coordinator = help_text(flow, frozenset({COORDINATOR}))
    admin = help_text(flow, frozenset({ADMIN}), lang="en")
    assert member.startswith("Zo werkt Netwerkwijzer") and admin.startswith("How Netwerkwijzer")
    assert "/terug: Vorige vraag" in member and "/herinneringen:" in member
    assert "/cohort" not in member and "/broadcast" not in member
    assert "/cohort:" in coordinator and "/coordinator:" not in coordinator
    assert "/coordinator:" in admin and "/back: Previous question" in admin
    for text in (member, coordinator, admin):
        assert len(text) <= 1200


def test_menus_come_from_the_table() -> None:
    assert "cohort" not in menu()  # /terug is in the menu now (DESIGN: every command)
    assert menu({COORDINATOR})[-4:] == ("cohort", "broadcast", "inzicht", "dashboard")
    assert set(menu({ADMIN})) == {c.name for c in COMMANDS if c.menu}
    assert set(help_commands({ADMIN})) == {c.name for c in COMMANDS}


def test_a_role_command_is_unknown_to_others(knowledge: Knowledge) -> None:
    flow = AdvisorFlow(knowledge)
    state = StoredState(state="advice", flow_version=1, consent=True)
    outcome = flow.handle(state, Event("command", name="Cohorten"))
    assert [r.meta.get("screen") for r in outcome.replies] == ["unknown_command"]
    state.roles = frozenset({COORDINATOR})
    assert [
        type(e).__name__ for e in flow.handle(state, Event("command", name="Cohorten")).effects
    ] == ["ListCohorts"]


async def test_help_lists_only_what_its_channel_answers(tmp_path: Path) -> None:
    """/dashboard and /live are answered by the Telegram channel itself: in the terminal
    they are unknown commands (no web login there), so its /help leaves them out."""

    def coordinator(repo: Repository) -> None:
        for channel in ("console", "telegram"):
            user = repo.get_or_create_user(channel, "42", "nl")
            repo.set_consent(user.id, True)
            repo.cohorts.set_role(user.id, COORDINATOR, True)

    async with console(tmp_path, "42") as chat:
        await chat.advisor.db.run(coordinator)
        terminal = await chat.said("/help")
        unknown = await chat.said("/dashboard")
        telegram = await chat.advisor.handle("telegram", "42", Event("command", name="help"))
    assert "/cohort:" in terminal and "/inzicht:" in terminal
    assert "/dashboard" not in terminal and "/live" not in terminal
    assert "/dashboard" not in unknown and "Het dashboard" not in unknown
    assert "/dashboard: Het dashboard" in telegram.replies[0].plain
    assert "/live: Live-sessie" in telegram.replies[0].plain
    assert help_commands({COORDINATOR}, "console") == tuple(
        c for c in help_commands({COORDINATOR}) if c not in ("live", "dashboard")
    )
