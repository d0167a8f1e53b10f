"""What an effect is applied with: who the event is from, the unit of work's repository,
and where the answers go; and the bot's deep links."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from flows.events import Outcome
from flows.replies import Reply
from flows.screens import Say, notice
from knowledge.model import Knowledge
from storage import Repository


@dataclass
class Links:
    """Deep links ``https://t.me/<bot>?start=<payload>``, once the bot's username is known
    (the Telegram channel sets it at start; the terminal chat has none)."""

    username: str | None = None

    def deep_link(self, payload: str) -> str | None:
        return f"https://t.me/{self.username}?start={payload}" if self.username else None


@dataclass
class Visitor:
    """Who the event is from, and where the answers go."""

    repo: Repository
    knowledge: Knowledge
    user_id: int
    channel: str
    channel_user_id: str
    roles: frozenset[str]
    say: Say
    now: datetime
    outcome: Outcome
    front: list[Reply] = field(default_factory=list)

    def show(self, reply: Reply, *, first: bool = False) -> None:
        """An answer to the effect; ``first``: before the flow's own screens (a join
        confirmation reads best before the first question)."""
        (self.front if first else self.outcome.replies).append(reply)

    def tell(self, key: str, *, first: bool = False, **values: object) -> None:
        self.show(notice(self.say, key, **values), first=first)
