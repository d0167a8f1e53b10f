"""Commands as the user types them, shared by every channel."""

from __future__ import annotations

from flows.events import Event


def parse_command(line: str) -> Event:
    """``/name args`` as a command event (``/start@bot`` loses its ``@bot``)."""
    head, _, args = line[1:].partition(" ")
    name = head.split("@", 1)[0]
    return Event("command", text=args.strip(), name=name)
