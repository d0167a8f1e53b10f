"""The command table, shared by every channel: the conversation routes by it, ``/help``
lists it, the Telegram menus (``setMyCommands`` per role) are built from it, and the
terminal parses commands with :func:`parse_command`.

Each command's description is the catalogue message ``cmd_<name>``; its handler is
registered by the feature it belongs to (see ``docs/architecture.md``, "Adding a
command").
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from flows.events import Event

ADMIN = "admin"
"""From ADMIN_IDS; admins may do everything a coordinator may."""
COORDINATOR = "coordinator"
"""Appointed by an admin (or through an invite link)."""


@dataclass(frozen=True, slots=True)
class Command:
    name: str
    """The command without slash, as in the menu (Dutch: part of the interface)."""
    aliases: tuple[str, ...] = ()
    """Other names that do the same (English, plurals)."""
    role: str | None = None
    """Who may use it: None everyone, :data:`COORDINATOR` coordinators and admins,
    :data:`ADMIN` admins. To anyone else it is an unknown command."""
    menu: bool = True
    """In the Telegram menu of those who may use it (every command is in /help)."""
    at_gate: bool = False
    """Answered before the user has agreed to the privacy statement (it stores nothing or
    checks consent itself); other commands show the privacy question again."""
    channel: str | None = None
    """Only on this channel (``/dashboard`` opens a web page from Telegram, which the
    channel answers itself; ``/live`` needs the projector page); elsewhere it is an
    unknown command."""
    english: str | None = None
    """Its English name (the contract's alias): in the English menu and /help."""

    @property
    def names(self) -> tuple[str, ...]:
        return (self.name, *((self.english,) if self.english else ()), *self.aliases)

    def shown(self, lang: str) -> str:
        """The name a user of ``lang`` sees in the menu and in /help."""
        return self.english if lang == "en" and self.english else self.name

    def allowed(self, roles: Collection[str]) -> bool:
        if self.role is None:
            return True
        if self.role == COORDINATOR:
            return is_coordinator(roles)
        return self.role in roles


COMMANDS: tuple[Command, ...] = (
    Command("start"),
    Command("advies", english="advice"),
    Command("profiel", english="profile"),
    Command("dilemmas", at_gate=True),
    Command("vraag", english="question", at_gate=True),
    Command("reflecties", english="reflections", at_gate=True),
    Command("samenvatting", english="summary"),
    Command("verloop", english="timeline"),
    Command("taal", english="language", aliases=("lang",), at_gate=True),
    Command("privacy", at_gate=True),
    Command("mijngegevens", english="mydata", at_gate=True),
    Command("vergeet", english="forget", at_gate=True),
    Command("herinneringen", english="reminders"),
    Command("stop"),
    Command("help", aliases=("hulp",), at_gate=True),
    Command("terug", english="back"),
    Command("opnieuw", english="restart"),
    Command("live", role=COORDINATOR, at_gate=True, channel="telegram"),
    Command("cohort", aliases=("cohorten",), role=COORDINATOR),
    Command("broadcast", role=COORDINATOR),
    Command("inzicht", english="insight", role=COORDINATOR),
    Command("dashboard", role=COORDINATOR, channel="telegram"),
    Command("coordinator", role=ADMIN),
)
ROLES = (COORDINATOR, ADMIN)


def is_coordinator(roles: Collection[str]) -> bool:
    """Whether these roles may do what a coordinator does (admins may)."""
    return bool({ADMIN, COORDINATOR} & set(roles))


_BY_NAME = {name: command for command in COMMANDS for name in command.names}
ENGLISH_ALIASES = {c.english: c.name for c in COMMANDS if c.english}
"""English command → the Dutch command it stands for (the contract's aliases)."""
ENGLISH_NAMES = {dutch: english for english, dutch in ENGLISH_ALIASES.items()}
"""Dutch command → its English name, for the English menu and help."""


def find(name: str) -> Command | None:
    """The command called ``name`` (or one of its aliases), case-insensitive."""
    return _BY_NAME.get(name.lower())


def gate_names() -> tuple[str, ...]:
    """Every name and alias answered before consent."""
    return tuple(name for c in COMMANDS if c.at_gate for name in c.names)


def role_names(role: str) -> tuple[str, ...]:
    """Every name and alias of the commands only ``role`` may use."""
    return tuple(name for c in COMMANDS if c.role == role for name in c.names)


def menu(roles: Collection[str] = ()) -> tuple[str, ...]:
    """The commands of the Telegram menu for a user with ``roles``, in table order."""
    return tuple(c.name for c in COMMANDS if c.menu and c.allowed(roles))


def help_commands(roles: Collection[str] = (), channel: str | None = None) -> tuple[str, ...]:
    """The commands ``/help`` lists for a user with ``roles`` on ``channel``, in table
    order: one that another channel answers itself (``/dashboard`` from Telegram) is an
    unknown command here, so it is not listed (``channel`` None: every channel's)."""
    return tuple(
        c.name
        for c in COMMANDS
        if c.allowed(roles) and (channel is None or c.channel in (None, channel))
    )


def parse_command(line: str) -> Event:
    """``/name args`` as a command event (``/start@bot`` loses its ``@bot``)."""
    head, _, args = line[1:].partition(" ")
    name = head.split("@", 1)[0]
    return Event("command", text=args.strip(), name=name)
