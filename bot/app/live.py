"""The live workshop session as an application service: a coordinator starts a session
for a cohort and moves it on round by round; participants place themselves between the
poles of each round's dilemma; the projector page reads the counts. No channel here:
:mod:`bot.app.live_effects` applies the chat's effects (:mod:`flows.live.dialogue`),
:mod:`bot.telegram.live` sends them, :mod:`bot.web.live` is the projector page.

Every call is one unit of work. A change (a vote, a round moving on) is announced on the
:class:`LiveHub` after its commit, in this process; on PostgreSQL it is also sent with
``NOTIFY`` inside the transaction (see :meth:`storage.live.LiveStore.announce`), so the
page viewers of every process hear of it.

Anonymity: votes are kept per person but only ever come out as counts, and the counts of
a round only from ``min_group`` voters on (the ``INSIGHT_MIN_GROUP`` of ``/inzicht``).
"""

from __future__ import annotations

import asyncio
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Literal

from bot.app.context import Links
from flows.commands import ADMIN, COORDINATOR
from flows.live.screens import RoundView
from knowledge.model import Knowledge
from storage import Repository
from storage.live import LiveInfo, MyVote, Participant, Tally

CHANNEL = "telegram"
CODE_BYTES = 18
"""The projector code: 144 random bits, 24 URL-safe characters (fits a start payload)."""
SESSION_VALID = timedelta(hours=12)
"""A session not ended expires this long after its start."""
AFTER_END = timedelta(minutes=30)
"""The projector page shows the end this long after the session ended, then 404."""


class LiveHub:
    """In-process news of changed sessions: page viewers wait here for the next change."""

    def __init__(self) -> None:
        self._events: dict[int, asyncio.Event] = {}

    def changed(self, session_id: int) -> None:
        event = self._events.pop(session_id, None)
        if event is not None:
            event.set()

    async def wait(self, session_id: int, within: float) -> bool:
        """Wait for the session's next change; False after ``within`` seconds without."""
        event = self._events.setdefault(session_id, asyncio.Event())
        try:
            await asyncio.wait_for(event.wait(), within)
        except TimeoutError:
            return False
        return True


@dataclass(frozen=True, slots=True)
class Facilitator:
    user_id: int
    language: str
    admin: bool


@dataclass(frozen=True, slots=True)
class Moved:
    """A session moved on from the projector page: the facilitator's chat (their
    ``channel_user_id``; None when they left) and language, for the control message."""

    session: LiveInfo
    cohort: str
    facilitator_chat: str | None
    language: str


@dataclass(frozen=True, slots=True)
class VoteResult:
    outcome: Literal["ok", "closed", "stale", "unknown"]
    view: RoundView | None = None
    mine: MyVote | None = None
    language: str = "nl"


def view_of(knowledge: Knowledge, session: LiveInfo) -> RoundView:
    dilemma = knowledge.dilemma(session.dilemma) if session.dilemma is not None else None
    return RoundView(
        session.id, session.round, len(session.dilemmas), dilemma, session.open, session.ended
    )


def public_state(
    knowledge: Knowledge, session: LiveInfo, tally: Tally | None, min_group: int, lang: str
) -> dict[str, Any]:
    """The projector's state: ``dilemma``, ``poles``, ``counts`` (five numbers, or None
    under ``min_group`` voters), ``voters``; and where the session is."""
    dilemma = knowledge.dilemma(session.dilemma) if session.dilemma is not None else None
    voters = tally.voters if tally is not None else 0
    shown = tally is not None and voters >= min_group
    return {
        "dilemma": dilemma.question.get(lang) if dilemma is not None else None,
        "title": dilemma.title.get(lang) if dilemma is not None else None,
        "poles": [p.get(lang) for p in dilemma.poles] if dilemma is not None else None,
        "counts": list(tally.counts) if shown and tally is not None else None,
        "voters": voters,
        "strong": tally.strong if shown and tally is not None else None,
        "round": session.round,
        "rounds": len(session.dilemmas),
        "open": session.open,
        "ended": session.ended,
        "min_group": min_group,
    }


class Live:
    """The live session's use cases over the advisor's database."""

    def __init__(
        self,
        db: Any,
        knowledge: Any,
        clock: Any,
        admins: frozenset[tuple[str, str]],
        hub: LiveHub,
        min_group: int,
    ) -> None:
        self.db = db
        self._knowledge = knowledge
        self.clock = clock
        self.admins = admins
        self.hub = hub
        self.min_group = min_group
        self.links: Links | None = None
        """The bot's deep links (the join QR on the projector page)."""

    @property
    def knowledge(self) -> Knowledge:
        current: Knowledge = self._knowledge()
        return current

    # -- the facilitator ---------------------------------------------------------------

    def _facilitator(self, repo: Repository, channel_user_id: str) -> Facilitator | None:
        user = repo.web.user(CHANNEL, channel_user_id)
        if user is None:
            return None
        admin = ADMIN in user.roles or (CHANNEL, channel_user_id) in self.admins
        if not admin and COORDINATOR not in user.roles:
            return None
        return Facilitator(user.user_id, user.language, admin)

    async def facilitator(self, channel_user_id: str) -> Facilitator | None:
        """A coordinator or admin, or None for anyone else."""
        found: Facilitator | None = await self.db.run(
            lambda repo: self._facilitator(repo, channel_user_id)
        )
        return found

    async def cohorts(
        self, channel_user_id: str
    ) -> tuple[Facilitator, list[tuple[int, str]]] | None:
        """The open cohorts the facilitator may run a session for."""

        def work(repo: Repository) -> tuple[Facilitator, list[tuple[int, str]]] | None:
            who = self._facilitator(repo, channel_user_id)
            if who is None:
                return None
            owned = repo.cohorts.owned_by(None if who.admin else who.user_id)
            return who, [(c.id, c.name) for c in owned if not c.closed]

        result: tuple[Facilitator, list[tuple[int, str]]] | None = await self.db.run(work)
        return result

    async def start(
        self, channel_user_id: str, cohort_id: int, dilemmas: list[str]
    ) -> tuple[Facilitator, LiveInfo, str] | None:
        """A new session (in its lobby) for one of the facilitator's cohorts, with its
        cohort's name; None when the cohort is not theirs."""

        def work(repo: Repository) -> tuple[Facilitator, LiveInfo, str] | None:
            who = self._facilitator(repo, channel_user_id)
            cohort = repo.cohorts.get(cohort_id)
            if who is None or cohort is None or cohort.closed or not dilemmas:
                return None
            if not who.admin and cohort.owner_user_id != who.user_id:
                return None
            code = secrets.token_urlsafe(CODE_BYTES)
            session = repo.live.create(
                code,
                cohort_id,
                who.user_id,
                dilemmas,
                self.clock() + SESSION_VALID,
                facilitator_key=secrets.token_urlsafe(CODE_BYTES),
            )
            repo.audit(
                who.user_id, "live.started", f"cohort:{cohort_id}", {"rounds": len(dilemmas)}
            )
            return who, session, cohort.name

        result: tuple[Facilitator, LiveInfo, str] | None = await self.db.run(work)
        return result

    async def move(
        self, channel_user_id: str, session_id: int, what: str, round_: int | None
    ) -> tuple[Facilitator, LiveInfo, str] | None:
        """``n`` next round, ``x`` close the round, ``e`` end; None when the session is not
        the facilitator's, or the button is for a round that has moved on already."""

        def work(repo: Repository) -> tuple[Facilitator, LiveInfo, str] | None:
            who = self._facilitator(repo, channel_user_id)
            session = repo.live.get(session_id)
            if who is None or session is None or session.ended:
                return None
            if not who.admin and session.owner_user_id != who.user_id:
                return None
            changed = self._move(repo, session, what, round_, who.user_id)
            if changed is None:
                return None
            cohort = repo.cohorts.get(changed.cohort_id)
            return who, changed, cohort.name if cohort is not None else ""

        result: tuple[Facilitator, LiveInfo, str] | None = await self.db.run(work)
        if result is not None:
            self.hub.changed(session_id)
        return result

    def _move(
        self, repo: Repository, session: LiveInfo, what: str, round_: int | None, actor: int | None
    ) -> LiveInfo | None:
        """The move itself (``n``, ``x``, ``e``), announced; None for a button of a round
        that has moved on already, or a move there is no more room for."""
        if session.ended or (round_ is not None and round_ != session.round):
            return None
        changed: LiveInfo | None
        if what == "n":
            changed = repo.live.next_round(session.id)
        elif what == "x":
            changed = repo.live.close_round(session.id) if session.open else None
        else:
            changed = repo.live.end(session.id, self.clock() + AFTER_END)
            repo.audit(actor, "live.ended", f"cohort:{session.cohort_id}", {})
        if changed is not None:
            repo.live.announce(session.id)
        return changed

    async def move_by_key(
        self, code: str, key: str, what: str, round_: int
    ) -> Moved | Literal["unknown", "forbidden", "stale"]:
        """A move from the projector page opened with the facilitator's link (``n`` or
        ``x``, for the round the page showed); refused for an unknown or expired code, a
        wrong key, or an ended session or a round that has moved on (``stale``)."""

        def work(repo: Repository) -> Moved | Literal["unknown", "forbidden", "stale"]:
            session = repo.live.by_code(code, self.clock())
            if session is None:
                return "unknown"
            expected = (session.facilitator_key or "").encode()
            # Compared in constant time; a session without a key takes none.
            if not expected or not secrets.compare_digest(expected, key.encode()):
                return "forbidden"
            changed = self._move(repo, session, what, round_, session.owner_user_id)
            if changed is None:
                return "stale"
            cohort = repo.cohorts.get(changed.cohort_id)
            owner = repo.web.user_by_id(changed.owner_user_id) if changed.owner_user_id else None
            return Moved(
                changed,
                cohort.name if cohort is not None else "",
                owner.channel_user_id if owner is not None else None,
                owner.language if owner is not None else "nl",
            )

        result: Moved | Literal["unknown", "forbidden", "stale"] = await self.db.run(work)
        if isinstance(result, Moved):
            self.hub.changed(result.session.id)
        return result

    async def set_control(self, session_id: int, message_id: int) -> None:
        await self.db.run(lambda repo: repo.live.set_control(session_id, message_id))

    # -- participants ------------------------------------------------------------------

    async def participants(
        self, session_id: int
    ) -> tuple[LiveInfo, list[Participant], dict[int, int]] | None:
        """The session, its participants and the message ids of their live screens."""

        def work(repo: Repository) -> tuple[LiveInfo, list[Participant], dict[int, int]] | None:
            session = repo.live.get(session_id)
            if session is None:
                return None
            return session, repo.live.participants(session), repo.live.screens(session_id)

        result: tuple[LiveInfo, list[Participant], dict[int, int]] | None = await self.db.run(work)
        return result

    async def set_screen(self, session_id: int, user_id: int, message_id: int) -> None:
        await self.db.run(lambda repo: repo.live.set_screen(session_id, user_id, message_id))

    async def screen_of(self, session_id: int, user_id: int) -> MyVote:
        def work(repo: Repository) -> MyVote:
            session = repo.live.get(session_id)
            if session is None or session.round == 0:
                return MyVote(None, False)
            return repo.live.my_vote(session_id, session.round, user_id)

        result: MyVote = await self.db.run(work)
        return result

    async def screen_for(
        self, session_id: int, channel_user_id: str
    ) -> tuple[LiveInfo, Participant, MyVote] | None:
        """What a member's live screen shows now: the session, the member and their vote
        in its current round; None when the session ended or they are no member."""

        def work(repo: Repository) -> tuple[LiveInfo, Participant, MyVote] | None:
            session = repo.live.get(session_id)
            user = repo.web.user(CHANNEL, channel_user_id)
            if session is None or session.ended or user is None:
                return None
            if not repo.cohorts.is_member(session.cohort_id, user.user_id):
                return None
            who = Participant(user.user_id, CHANNEL, channel_user_id, user.language)
            mine = (
                repo.live.my_vote(session_id, session.round, user.user_id)
                if session.round
                else MyVote(None, False)
            )
            return session, who, mine

        result: tuple[LiveInfo, Participant, MyVote] | None = await self.db.run(work)
        return result

    async def join(
        self, channel_user_id: str, code: str
    ) -> tuple[Literal["joined", "consent", "unknown"], LiveInfo | None]:
        """Someone who scanned the join QR: they become a member of the session's cohort."""

        def work(repo: Repository) -> tuple[Any, LiveInfo | None]:
            session = repo.live.by_code(code, self.clock())
            if session is None or session.ended:
                return "unknown", None
            user = repo.web.user(CHANNEL, channel_user_id)
            if user is None:
                return "consent", session
            if repo.cohorts.join(session.cohort_id, user.user_id):
                repo.live.announce(session.id)
            return "joined", session

        result: tuple[Any, LiveInfo | None] = await self.db.run(work)
        if result[0] == "joined" and result[1] is not None:
            self.hub.changed(result[1].id)
        return result

    async def cohort_code(self, cohort_id: int) -> str:
        """The cohort's own join code (for someone who has yet to agree to the privacy
        statement: the conversation then joins them as through the cohort's link)."""

        def work(repo: Repository) -> str:
            cohort = repo.cohorts.get(cohort_id)
            return cohort.code if cohort is not None else ""

        result: str = await self.db.run(work)
        return result

    async def vote(
        self, channel_user_id: str, session_id: int, round_: int, choice: str
    ) -> VoteResult:
        """A participant's button: ``0``–``4`` a place, ``s`` "plays strongly" toggled."""

        def work(repo: Repository) -> VoteResult:
            user = repo.web.user(CHANNEL, channel_user_id)
            session = repo.live.get(session_id)
            if user is None or session is None:
                return VoteResult("unknown")
            lang = user.language
            if session.ended or round_ != session.round:
                return VoteResult("stale", language=lang)
            view = view_of(self.knowledge, session)
            if not session.open:
                return VoteResult("closed", view, language=lang)
            if not repo.cohorts.is_member(session.cohort_id, user.user_id):
                return VoteResult("unknown", language=lang)
            if choice == "s":
                mine = repo.live.vote(session, user.user_id, toggle_strong=True)
            else:
                mine = repo.live.vote(session, user.user_id, position=int(choice))
            repo.live.announce(session_id)
            return VoteResult("ok", view, mine, lang)

        result: VoteResult = await self.db.run(work)
        if result.outcome == "ok":
            self.hub.changed(session_id)
        return result

    async def results(self, session_id: int) -> list[tuple[str, Tally]]:
        """Every round's dilemma and tally (counts only; the caller applies ``min_group``)."""

        def work(repo: Repository) -> list[tuple[str, Tally]]:
            session = repo.live.get(session_id)
            if session is None:
                return []
            played = session.dilemmas[: session.round]
            return [(d, repo.live.tally(session_id, n + 1)) for n, d in enumerate(played)]

        result: list[tuple[str, Tally]] = await self.db.run(work)
        return result

    # -- the projector -----------------------------------------------------------------

    async def state(self, code: str, lang: str) -> tuple[int, dict[str, Any]] | None:
        """The session's id and projector state, or None for an unknown or expired code."""

        def work(repo: Repository) -> tuple[int, dict[str, Any]] | None:
            session = repo.live.by_code(code, self.clock())
            if session is None:
                return None
            tally = repo.live.tally(session.id, session.round) if session.round else None
            return session.id, public_state(self.knowledge, session, tally, self.min_group, lang)

        result: tuple[int, dict[str, Any]] | None = await self.db.run(work)
        return result
