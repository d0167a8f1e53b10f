"""Anonymous figures of a coordinator's cohorts: how many members, how active, how many
follow-up prompts went out and were answered, and which dilemmas they recognise (their
advice named them, or they said so in a live session).

Nothing here names a person: every figure counts a group. Groups smaller than
``min_group`` are withheld, and the combined group of "all of theirs" is computed so that
it cannot reveal, by subtraction, what a small group answered (see
:meth:`InsightStore.figures`). Reflection texts are never read, only whether one exists.

Every method runs inside the caller's unit of work (see :mod:`storage.repository`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from sqlalchemy import String, and_, case, cast, exists, func, literal, null, select, union_all
from sqlalchemy.orm import Session

from storage.audiences import TOO_FEW, family_of
from storage.cohorts import CohortInfo, CohortStore
from storage.models import (
    Broadcast,
    Clock,
    Cohort,
    LiveVote,
    Membership,
    OutboxMessage,
    Reflection,
    User,
)
from storage.sql import latest_advice, plain_rows, reader, shown_of
from storage.withholding import (
    ACTIVE,
    BROADCASTS_ANSWERED,
    NUDGES_ANSWERED,
    Replies,
    Tally,
    withheld_dilemmas,
    withheld_figures,
)

ACTIVE_DAYS = 30
"""A member who used the bot within this many days counts as active."""


@dataclass(frozen=True)
class GroupFigures:
    """The figures of one cohort, or of all of a coordinator's cohorts (``cohort_id`` None,
    ``name`` empty: the caller names it).

    ``dilemmas`` maps a dilemma id to the number of members who recognise it (it is
    among the first three of their latest advice, or they said in a live session that it
    plays strongly with them), most often named first; ``*_answered`` count the messages that
    at least one reflection answers.
    """

    cohort_id: int | None
    name: str
    members: int
    active_30d: int
    nudges_sent: int
    nudges_answered: int
    broadcasts_sent: int
    broadcasts_answered: int
    dilemmas: dict[str, int]
    withheld_dilemmas: frozenset[str] = field(default=frozenset(), compare=False)
    """Dilemmas whose counts no view may show, in any group (:meth:`shown_dilemmas`): a
    count, or what a count leaves out, or a difference between two groups' counts, would
    be about 1 to ``min_group - 1`` people (one member of six, or all but one)."""

    def shown_dilemmas(self) -> dict[str, int]:
        """The counts a coordinator may see: :attr:`dilemmas` without the withheld ones."""
        return {d: n for d, n in self.dilemmas.items() if d not in self.withheld_dilemmas}

    shown: bool = field(default=True, compare=False)
    """False for a withheld group: too small, or too close to another shown one (its
    figures minus theirs would be about fewer than ``min_group`` people)."""
    hidden: str | None = field(default=None, compare=False)
    """Why a withheld group is: :data:`storage.audiences.TOO_FEW`, ``TOO_CLOSE`` or
    ``UNCHECKED`` (None when shown)."""
    withheld_figures: frozenset[str] = field(default=frozenset(), compare=False)
    """The names of the figures (``active_30d``, ``nudges_answered``,
    ``broadcasts_answered``) no view may show, in any group (:meth:`figure`): by
    :mod:`storage.withholding`, they or a difference of them would be about 1 to
    ``min_group - 1`` people."""

    def figure(self, name: str) -> int | None:
        """The figure ``name`` (:data:`storage.withholding.ACTIVE` or one of
        :data:`~storage.withholding.MESSAGE_FIGURES`) as a coordinator may see it: None
        when it is withheld."""
        if name in self.withheld_figures:
            return None
        values = {
            ACTIVE: self.active_30d,
            NUDGES_ANSWERED: self.nudges_answered,
            BROADCASTS_ANSWERED: self.broadcasts_answered,
        }
        return values[name]


@dataclass(frozen=True, slots=True)
class _Message:
    """A sent broadcast, its recipient, and whether a reflection answers it."""

    id: int
    user_id: int
    answered: bool


@dataclass(frozen=True, slots=True)
class _Nudges:
    """Per member of a cohort: how many of its nudges they were sent, and how many of
    those they answered (each nudge names one cohort: counted in SQL per member, and
    added up for several cohorts)."""

    sent: dict[int, int] = field(default_factory=dict)
    answered: dict[int, int] = field(default_factory=dict)


def _replies(sent: Counter[int], answered: Counter[int]) -> Replies:
    return Replies(+answered, +(sent - answered))


@dataclass(frozen=True, slots=True)
class _Facts:
    """What the figures are counted from: per cohort its members (user id → active),
    its nudge counts and the broadcasts sent to them; per member the dilemmas they
    recognise."""

    members: Mapping[int, Mapping[int, bool]]
    nudges: Mapping[int, _Nudges]
    broadcasts: Mapping[int, frozenset[_Message]]
    recognised: Mapping[int, Sequence[str]]

    def figures(
        self, cohort_id: int | None, name: str, cohorts: Collection[int]
    ) -> tuple[GroupFigures, Tally]:
        """The figures of the members of ``cohorts`` together, each member counted once,
        and what they add up (for :mod:`storage.withholding`)."""
        if len(cohorts) == 1:
            (only,) = cohorts
            members: Mapping[int, bool] = self.members.get(only, {})
            broadcasts: Collection[_Message] = self.broadcasts.get(only, frozenset())
        else:
            members = {}
            broadcasts = set()
            for cohort in cohorts:
                members.update(self.members.get(cohort, {}))
                broadcasts.update(self.broadcasts.get(cohort, frozenset()))
        nudges_sent, nudges_answered = Counter[int](), Counter[int]()
        for cohort in cohorts:
            found = self.nudges.get(cohort)
            if found is not None:
                nudges_sent.update(found.sent)
                nudges_answered.update(found.answered)
        recognised = self.recognised
        dilemmas = (
            Counter(dilemma for user_id in members for dilemma in recognised.get(user_id, ()))
            if recognised
            else Counter[str]()
        )
        active = frozenset(user_id for user_id, seen in members.items() if seen)
        figures = GroupFigures(
            cohort_id=cohort_id,
            name=name,
            members=len(members),
            active_30d=len(active),
            nudges_sent=nudges_sent.total(),
            nudges_answered=nudges_answered.total(),
            broadcasts_sent=len(broadcasts),
            broadcasts_answered=sum(m.answered for m in broadcasts),
            dilemmas=dict(sorted(dilemmas.items(), key=lambda item: (-item[1], item[0]))),
        )
        replies = {
            NUDGES_ANSWERED: _replies(nudges_sent, nudges_answered),
            BROADCASTS_ANSWERED: _replies(
                Counter(m.user_id for m in broadcasts),
                Counter(m.user_id for m in broadcasts if m.answered),
            ),
        }
        return figures, Tally(frozenset(members), active, replies, whole=cohort_id is None)


def _withheld(cohort: CohortInfo, members: int, reason: str) -> GroupFigures:
    """A cohort not shown: its name, size and why only (the size is for deciding, never
    for showing)."""
    return GroupFigures(
        cohort.id, cohort.name, members, 0, 0, 0, 0, 0, {}, shown=False, hidden=reason
    )


class InsightStore:
    """Aggregate queries over a coordinator's cohorts inside one unit of work."""

    def __init__(self, session: Session, clock: Clock) -> None:
        self._session = session
        self._clock = clock

    def figures(
        self,
        owner_user_id: int | None,
        now: datetime,
        min_group: int,
        *,
        dilemmas: bool = True,
        cohorts: Sequence[CohortInfo] | None = None,
    ) -> list[GroupFigures]:
        """The figures of each cohort the user owns (``owner_user_id`` None: every cohort,
        for an admin; in :meth:`CohortStore.owned_by` order), then those of all of them
        together (``cohort_id`` None).

        Which cohorts are shown follows :mod:`storage.anonymity`, in this order (the
        first ones win): a cohort is withheld when it is smaller than ``min_group``, or
        when some sum or difference of its figures and those of the cohorts shown before
        it would be about fewer than ``min_group`` people (a cohort of 6 beside one of 5
        of the same people). A withheld cohort's name and member count come back (the
        count is for deciding, not for showing, ``shown`` False), and it takes no part in
        the combined group — otherwise the combined figures minus those of the shown
        cohorts would be the hidden cohort's. The combined group is left out by the same
        rule (e.g. when fewer than ``min_group`` members belong to more than one shown
        cohort), and when no cohort is shown.

        Counted: ``active_30d``, members seen in the last :data:`ACTIVE_DAYS` days before
        ``now``; ``nudges_sent``, outbox rows of kind 'nudge' with status 'sent' whose
        payload names the cohort (``{"cohort": id, ...}``; a snoozed nudge that went out
        again counts twice); ``broadcasts_sent``, the owner's own broadcasts sent to the
        cohort's members, when they addressed all the owner's cohorts or this one (for
        every cohort: its own owner's);
        ``*_answered``, those with at least one reflection pointing at them;
        ``dilemmas``, per member their latest advice (by ``created_at``, then id), its
        first :data:`ADVICE_SHOWN` dilemmas, and the dilemmas they said play strongly
        with them in a live round that at least ``min_group`` people voted in, each
        member counted once per dilemma (not read, and left empty, with
        ``dilemmas=False``).

        Four queries (two when no cohort is shown), whatever the number of members; one
        fewer when the caller passes the ``cohorts`` :meth:`CohortStore.owned_by` gave
        it in this unit of work.
        """
        if cohorts is None:
            cohorts = CohortStore(self._session, self._clock).owned_by(owner_user_id)
        if not cohorts:
            return []
        members = self._members([c.id for c in cohorts], now - timedelta(days=ACTIVE_DAYS))
        family = family_of(
            [c.id for c in cohorts],
            {c: frozenset(found) for c, found in members.items()},
            min_group,
        )
        shown = [c.id for c in cohorts if c.id in family.shown]
        # A withheld cohort's prompts and advice are not even read.
        recognised = self._recognised(shown, min_group) if dilemmas else {}
        facts = _Facts(members, *self._messages(owner_user_id, shown), recognised)
        groups: list[GroupFigures] = []
        tallies: list[Tally] = []
        for c in cohorts:
            if c.id in family.shown:
                found, tally = facts.figures(c.id, c.name, [c.id])
                groups.append(found)
                tallies.append(tally)
            else:
                reason = family.withheld.get(c.id, TOO_FEW)
                groups.append(_withheld(c, len(members.get(c.id, {})), reason))
        if shown and family.total_shown:
            found, tally = facts.figures(None, "", shown)
            groups.append(found)
            tallies.append(tally)
        counts = withheld_dilemmas(tallies, recognised, min_group)
        others = withheld_figures(tallies, min_group)
        if not counts and not others:
            return groups
        return [
            replace(g, withheld_dilemmas=counts, withheld_figures=others) if g.shown else g
            for g in groups
        ]

    def _members(
        self, cohort_ids: Sequence[int], active_since: datetime
    ) -> dict[int, dict[int, bool]]:
        """Per cohort: its members' user ids, each with whether they were seen lately."""
        # Compared in the database: converting 10,000 timestamps costs more than the query.
        active = case((User.last_seen_at >= active_since, 1), else_=0)
        query = (
            select(Membership.cohort_id, Membership.user_id, active)
            .join(User, User.id == Membership.user_id)
            .where(Membership.cohort_id.in_(cohort_ids))
        )
        members: dict[int, dict[int, bool]] = {}
        for cohort_id, user_id, seen in plain_rows(self._session, query):
            found = members.get(cohort_id)
            if found is None:
                found = members[cohort_id] = {}
            found[user_id] = seen == 1
        return members

    def _messages(
        self, owner_user_id: int | None, cohort_ids: Sequence[int]
    ) -> tuple[dict[int, _Nudges], dict[int, frozenset[_Message]]]:
        """Per cohort: its nudge counts per member, and the owner's broadcasts (None: the
        cohort's own owner's) sent to its members that belong to it. One query: the nudges
        counted in the database per member (a nudge names its cohort, so it is counted
        once; per member, so that :mod:`storage.withholding` can check them), the
        broadcasts one row per message (one may reach a member of several cohorts, and
        the total counts it once)."""
        if not cohort_ids:
            return {}, {}
        # Compared as text: a payload's "cohort" that is not a number matches nothing
        # instead of failing the cast (PostgreSQL) or comparing as a string (SQLite).
        named = cast(OutboxMessage.payload["cohort"].as_string(), String)
        answered = case((exists().where(Reflection.outbox_id == OutboxMessage.id), 1), else_=0)
        owner = Cohort.owner_user_id if owner_user_id is None else owner_user_id
        # "+ 0": otherwise SQLite probes (cohort, user) once per listed cohort for every
        # message — 2 million probes for 200 cohorts — instead of following the
        # message's user to their memberships (1.6 s against 0.06 s).
        listed = (Membership.cohort_id + 0).in_(cohort_ids)
        sent = OutboxMessage.status == "sent"
        broadcasts = (
            select(
                Membership.cohort_id,
                OutboxMessage.user_id,
                OutboxMessage.id,
                literal(1).label("sent"),
                answered.label("answered"),
                Broadcast.audience,
            )
            .select_from(OutboxMessage)
            .join(Membership, Membership.user_id == OutboxMessage.user_id)
            .join(Broadcast, Broadcast.id == OutboxMessage.broadcast_id)
            .join(Cohort, Cohort.id == Membership.cohort_id)
            .where(
                listed,
                sent,
                OutboxMessage.kind == "broadcast",
                Broadcast.owner_user_id == owner,
            )
        )
        nudges = (
            select(
                Membership.cohort_id,
                Membership.user_id,
                null(),
                func.count(),
                func.sum(answered),
                null(),
            )
            .select_from(OutboxMessage)
            .join(Membership, Membership.user_id == OutboxMessage.user_id)
            .where(
                listed,
                sent,
                OutboxMessage.kind == "nudge",
                named == cast(Membership.cohort_id, String),
            )
            .group_by(Membership.cohort_id, Membership.user_id)
        )
        counted: dict[int, _Nudges] = {}
        messages: dict[int, set[_Message]] = {}
        # Many rows of plain numbers (a nudge row per member): read as the driver gives
        # them; only a broadcast's audience (JSON) is decoded as SQLAlchemy would.
        decode = reader(self._session, Broadcast.__table__.c.audience)
        rows = plain_rows(self._session, union_all(broadcasts, nudges))
        for cohort_id, user_id, message_id, count, was_answered, audience in rows:
            if message_id is None:
                found = counted.get(cohort_id)
                if found is None:
                    found = counted[cohort_id] = _Nudges()
                found.sent[user_id] = count
                found.answered[user_id] = int(was_answered or 0)
                continue
            # A broadcast to some of the owner's cohorts reached a member of another one.
            addressed = (decode(audience) or {}).get("cohorts")
            if isinstance(addressed, list) and cohort_id not in addressed:
                continue
            messages.setdefault(cohort_id, set()).add(
                _Message(message_id, user_id, bool(was_answered))
            )
        return counted, {cohort_id: frozenset(found) for cohort_id, found in messages.items()}

    def _recognised(self, cohort_ids: Sequence[int], min_group: int) -> dict[int, tuple[str, ...]]:
        """Per member of these cohorts: the first dilemmas of their latest advice, then
        those they said play strongly with them in a live session (in one query).

        Only live rounds where at least ``min_group`` people placed themselves count: the
        room saw those rounds' figures; a smaller round's showed nothing, and counting it
        here would show it by the difference before and after."""
        if not cohort_ids:
            return {}
        members = select(Membership.user_id).where(Membership.cohort_id.in_(cohort_ids))
        advice = latest_advice(members).add_columns(null().label("dilemma"))
        rounds = (
            select(LiveVote.session_id, LiveVote.round)
            .where(LiveVote.position.is_not(None))
            .group_by(LiveVote.session_id, LiveVote.round)
            .having(func.count() >= min_group)
            .subquery()
        )
        live = (
            select(LiveVote.user_id, null(), LiveVote.dilemma)
            .join(
                rounds,
                and_(rounds.c.session_id == LiveVote.session_id, rounds.c.round == LiveVote.round),
            )
            .where(LiveVote.strong.is_(True), LiveVote.user_id.in_(members))
        )
        recognised: dict[int, tuple[str, ...]] = {}
        live_only: list[tuple[int, str]] = []
        for user_id, advised, dilemma in self._session.execute(union_all(advice, live)):
            if dilemma is None:
                recognised[user_id] = shown_of(advised)
            else:
                live_only.append((user_id, str(dilemma)))
        for user_id, dilemma in live_only:
            known = recognised.get(user_id, ())
            if dilemma not in known:
                recognised[user_id] = (*known, dilemma)
        return recognised
