"""Live workshop sessions: the session, its rounds, the participants' votes and their one
live message each. Every method runs inside the caller's unit of work (see
:mod:`storage.repository`); codes are made by the caller.

Votes are kept per person (so that a choice can be changed until the round closes, and
the follow-up can start from what someone recognised; exported and erased with them,
by the schema walk of :mod:`storage.privacy`), but nothing here hands them out per
person to anyone else: :meth:`LiveStore.tally` gives counts only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, text, update
from sqlalchemy.orm import Session

from storage.models import Clock, LiveScreen, LiveSession, LiveVote, Membership, User

POSITIONS = 5
"""The places between the two poles."""
NOTIFY_CHANNEL = "netwerkwijzer_live"
"""The PostgreSQL ``LISTEN``/``NOTIFY`` channel of changed sessions (payload: the id)."""


@dataclass(frozen=True, slots=True)
class LiveInfo:
    id: int
    code: str
    cohort_id: int
    owner_user_id: int | None
    dilemmas: tuple[str, ...]
    round: int
    """0: the lobby; 1..len(dilemmas): the round of ``dilemmas[round - 1]``."""
    open: bool
    ended: bool
    expires_at: datetime
    control_message: int | None
    facilitator_key: str | None = None
    """The secret of the facilitator's link (never shown on the projector)."""

    @property
    def dilemma(self) -> str | None:
        """The dilemma of the current round (None in the lobby)."""
        return self.dilemmas[self.round - 1] if 1 <= self.round <= len(self.dilemmas) else None

    @property
    def last_round(self) -> bool:
        return self.round >= len(self.dilemmas)


@dataclass(frozen=True, slots=True)
class Tally:
    """One round's votes: how many at each place, how many placed themselves, how many
    said it plays strongly with them."""

    counts: tuple[int, ...]
    voters: int
    strong: int


@dataclass(frozen=True, slots=True)
class Participant:
    user_id: int
    channel: str
    channel_user_id: str
    language: str


@dataclass(frozen=True, slots=True)
class MyVote:
    position: int | None
    strong: bool


def _info(row: LiveSession) -> LiveInfo:
    return LiveInfo(
        row.id,
        row.code,
        row.cohort_id,
        row.owner_user_id,
        tuple(row.dilemmas),
        row.round,
        row.open,
        row.ended_at is not None,
        row.expires_at,
        row.control_message,
        row.facilitator_key,
    )


class LiveStore:
    """Live sessions inside one unit of work."""

    def __init__(self, session: Session, clock: Clock) -> None:
        self._session = session
        self._clock = clock

    # -- sessions ----------------------------------------------------------------------

    def create(
        self,
        code: str,
        cohort_id: int,
        owner_user_id: int,
        dilemmas: list[str],
        expires_at: datetime,
        facilitator_key: str | None = None,
    ) -> LiveInfo:
        row = LiveSession(
            code=code,
            facilitator_key=facilitator_key,
            cohort_id=cohort_id,
            owner_user_id=owner_user_id,
            dilemmas=dilemmas,
            round=0,
            open=False,
            started_at=self._clock(),
            expires_at=expires_at,
        )
        self._session.add(row)
        self._session.flush()
        return _info(row)

    def get(self, session_id: int) -> LiveInfo | None:
        row = self._session.get(LiveSession, session_id)
        return _info(row) if row is not None else None

    def by_code(self, code: str, now: datetime) -> LiveInfo | None:
        """The session with this code, while it has not expired."""
        query = select(LiveSession).where(LiveSession.code == code, LiveSession.expires_at > now)
        row = self._session.scalars(query).one_or_none()
        return _info(row) if row is not None else None

    def running(self, cohort_id: int, now: datetime) -> LiveInfo | None:
        """The cohort's latest session that has neither ended nor expired, if any."""
        query = (
            select(LiveSession)
            .where(
                LiveSession.cohort_id == cohort_id,
                LiveSession.ended_at.is_(None),
                LiveSession.expires_at > now,
            )
            .order_by(LiveSession.id.desc())
            .limit(1)
        )
        row = self._session.scalars(query).first()
        return _info(row) if row is not None else None

    def _change(self, session_id: int, **values: object) -> LiveInfo | None:
        statement = (
            update(LiveSession)
            .where(LiveSession.id == session_id, LiveSession.ended_at.is_(None))
            .values(**values)
            .returning(LiveSession.id)
        )
        if self._session.execute(statement).scalar_one_or_none() is None:
            return None
        self._session.expire_all()
        return self.get(session_id)

    def next_round(self, session_id: int) -> LiveInfo | None:
        """Open the next round (the current one closes); None when ended or past the last."""
        current = self.get(session_id)
        if current is None or current.ended or current.last_round:
            return None
        return self._change(session_id, round=current.round + 1, open=True)

    def close_round(self, session_id: int) -> LiveInfo | None:
        return self._change(session_id, open=False)

    def end(self, session_id: int, expires_at: datetime) -> LiveInfo | None:
        return self._change(session_id, open=False, ended_at=self._clock(), expires_at=expires_at)

    def set_control(self, session_id: int, message_id: int) -> None:
        self._session.execute(
            update(LiveSession)
            .where(LiveSession.id == session_id)
            .values(control_message=message_id)
        )

    def announce(self, session_id: int) -> None:
        """On PostgreSQL, ``NOTIFY`` every process's listener of a change to the session
        (delivered at commit, so never before it). On SQLite nothing: one process."""
        if self._session.get_bind().dialect.name == "postgresql":
            self._session.execute(
                text("SELECT pg_notify(:channel, :payload)"),
                {"channel": NOTIFY_CHANNEL, "payload": str(session_id)},
            )

    # -- participants ------------------------------------------------------------------

    def participants(self, session: LiveInfo) -> list[Participant]:
        """The cohort's members who agreed to the privacy statement and have not blocked
        the bot, in order of joining."""
        query = (
            select(User.id, User.channel, User.channel_user_id, User.language)
            .join(Membership, Membership.user_id == User.id)
            .where(
                Membership.cohort_id == session.cohort_id,
                User.consent.is_(True),
                User.blocked.is_(False),
            )
            .order_by(Membership.joined_at, Membership.id)
        )
        return [Participant(*row) for row in self._session.execute(query)]

    def screens(self, session_id: int) -> dict[int, int]:
        """user id → the message id of their live screen."""
        query = select(LiveScreen.user_id, LiveScreen.message_id).where(
            LiveScreen.session_id == session_id
        )
        return {user: message for user, message in self._session.execute(query)}

    def set_screen(self, session_id: int, user_id: int, message_id: int) -> None:
        query = select(LiveScreen).where(
            LiveScreen.session_id == session_id, LiveScreen.user_id == user_id
        )
        row = self._session.scalars(query).one_or_none()
        if row is None:
            self._session.add(
                LiveScreen(session_id=session_id, user_id=user_id, message_id=message_id)
            )
        else:
            row.message_id = message_id
        self._session.flush()

    # -- votes -------------------------------------------------------------------------

    def my_vote(self, session_id: int, round_: int, user_id: int) -> MyVote:
        row = self._vote_row(session_id, round_, user_id)
        return MyVote(row.position, row.strong) if row is not None else MyVote(None, False)

    def _vote_row(self, session_id: int, round_: int, user_id: int) -> LiveVote | None:
        query = select(LiveVote).where(
            LiveVote.session_id == session_id,
            LiveVote.round == round_,
            LiveVote.user_id == user_id,
        )
        return self._session.scalars(query).one_or_none()

    def vote(
        self,
        session: LiveInfo,
        user_id: int,
        *,
        position: int | None = None,
        toggle_strong: bool = False,
    ) -> MyVote:
        """Place the user (``position``) or toggle "plays strongly" in the current round."""
        assert session.dilemma is not None
        row = self._vote_row(session.id, session.round, user_id)
        if row is None:
            row = LiveVote(
                session_id=session.id,
                round=session.round,
                dilemma=session.dilemma,
                user_id=user_id,
                position=None,
                strong=False,
            )
            self._session.add(row)
        if position is not None:
            row.position = position
        if toggle_strong:
            row.strong = not row.strong
        row.at = self._clock()
        self._session.flush()
        return MyVote(row.position, row.strong)

    def tally(self, session_id: int, round_: int) -> Tally:
        query = (
            select(LiveVote.position, func.count())
            .where(
                LiveVote.session_id == session_id,
                LiveVote.round == round_,
                LiveVote.position.is_not(None),
            )
            .group_by(LiveVote.position)
        )
        counts = [0] * POSITIONS
        for position, count in self._session.execute(query):
            if position is not None and 0 <= position < POSITIONS:
                counts[position] = count
        strong = self._session.scalar(
            select(func.count()).where(
                LiveVote.session_id == session_id,
                LiveVote.round == round_,
                LiveVote.strong.is_(True),
            )
        )
        return Tally(tuple(counts), sum(counts), int(strong or 0))

    def recognised(self, user_id: int) -> list[str]:
        """The dilemmas the user said play strongly with them, in any live session, the
        latest first."""
        query = (
            select(LiveVote.dilemma)
            .where(LiveVote.user_id == user_id, LiveVote.strong.is_(True))
            .order_by(LiveVote.at.desc(), LiveVote.id.desc())
        )
        seen: list[str] = []
        for dilemma in self._session.scalars(query):
            if dilemma not in seen:
                seen.append(dilemma)
        return seen

    def cohort_strong(self, cohort_id: int) -> dict[str, int]:
        """Per dilemma, how many votes in the cohort's sessions said it plays strongly."""
        query = (
            select(LiveVote.dilemma, func.count())
            .join(LiveSession, LiveSession.id == LiveVote.session_id)
            .where(LiveSession.cohort_id == cohort_id, LiveVote.strong.is_(True))
            .group_by(LiveVote.dilemma)
        )
        return {dilemma: count for dilemma, count in self._session.execute(query)}
