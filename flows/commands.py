"""Commands as the user types them, shared by every channel."""

from __future__ import annotations

from flows.events import Event

ENGLISH_ALIASES = {
    "advice": "advies",
    "profile": "profiel",
    "reflections": "reflecties",
    "mydata": "mijngegevens",
    "forget": "vergeet",
    "back": "terug",
    "restart": "opnieuw",
    "language": "taal",
    "reminders": "herinneringen",
    "insight": "inzicht",
    "summary": "samenvatting",
    "timeline": "verloop",
}
"""English command → the Dutch command it stands for (the contract's aliases)."""
ENGLISH_NAMES = {dutch: english for english, dutch in ENGLISH_ALIASES.items()}
"""Dutch command → its English name, for the English menu and help."""


def canonical(name: str) -> str:
    """The command's Dutch name: what the conversation dispatches on."""
    lowered = name.lower()
    return ENGLISH_ALIASES.get(lowered, lowered)


def parse_command(line: str) -> Event:
    """``/name args`` as a command event (``/start@bot`` loses its ``@bot``)."""
    head, _, args = line[1:].partition(" ")
    name = head.split("@", 1)[0]
    return Event("command", text=args.strip(), name=name)
