"""What an effect is applied with: who the event is from, the unit of work's repository,
and where the answers go; and the bot's deep links.

The core's :class:`~flows.events.Outcome` is never changed: the effects' answers are
collected here, and :meth:`Visitor.answer` returns a new outcome with them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime

from flows.events import Outcome
from flows.replies import Reply, in_order
from flows.screens import Say, notice
from knowledge.model import Knowledge
from storage import Repository


@dataclass
class Links:
    """Deep links ``https://t.me/<bot>?start=<payload>``, once the bot's username is known
    (the Telegram channel sets it at start; the terminal chat has none), and the public
    base URL of the bot's web pages (``WEB_URL``; None: no web pages)."""

    username: str | None = None
    web_url: str | None = None

    def deep_link(self, payload: str) -> str | None:
        return f"https://t.me/{self.username}?start={payload}" if self.username else None


@dataclass
class Visitor:
    """Who the event is from, and where the answers to its effects go."""

    repo: Repository
    knowledge: Knowledge
    user_id: int
    channel: str
    channel_user_id: str
    roles: frozenset[str]
    say: Say
    now: datetime
    front: list[Reply] = field(default_factory=list)
    """Answers shown before the flow's own screens."""
    after: list[Reply] = field(default_factory=list)
    """Answers shown after the flow's own screens."""
    deferred: list[Callable[[], list[Reply]]] = field(default_factory=list)
    """Answers too slow to build inside the unit of work (a chart)."""
    menus: dict[str, frozenset[str]] = field(default_factory=dict)
    """Users (channel ids) whose roles changed, with their roles now."""
    edit: bool = False
    """The first answer replaces the message whose button was pressed."""
    live_session: int | None = None
    """A live session of a cohort the user just joined, to show them (its id)."""

    def show(self, reply: Reply, *, first: bool = False) -> None:
        """An answer to the effect; ``first``: before the flow's own screens (a join
        confirmation reads best before the first question)."""
        (self.front if first else self.after).append(reply)

    def tell(self, key: str, *, first: bool = False, **values: object) -> None:
        self.show(notice(self.say, key, **values), first=first)

    def answer(self, outcome: Outcome) -> Outcome:
        """The outcome the service returns: the core's, with the effects' answers around
        its replies, the core's screen to go on from (:data:`flows.replies.LAST`) last
        (``outcome`` itself is left as the core returned it)."""
        return replace(
            outcome,
            replies=in_order([*self.front, *outcome.replies, *self.after]),
            deferred=[*outcome.deferred, *self.deferred],
            menus={**outcome.menus, **self.menus},
            edit=outcome.edit or self.edit,
            live_session=self.live_session or outcome.live_session,
        )
