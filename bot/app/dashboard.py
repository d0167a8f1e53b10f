"""The coordinator dashboard as an application service: who a web caller is, their
cohorts with anonymous figures, creating and closing cohorts, broadcast reports, and
the login links ``/dashboard`` sends. Imports no web framework: :mod:`bot.web` serves it.

Each call is one unit of work. Every change (a login, a cohort created or closed) is
audited. Figures come from :class:`storage.insight.InsightStore`, the same k-anonymous
groups as ``/inzicht``: a cohort under ``INSIGHT_MIN_GROUP`` members shows no figures,
not even its size.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from zoneinfo import ZoneInfo

from bot.app.advisor import Advisor
from bot.app.insight import is_shown
from flows.cohorts.dialogue import MAX_COHORT_NAME, zone_named
from flows.cohorts.schedule import step_due
from flows.commands import ADMIN, COORDINATOR
from flows.events import CreateCohort
from knowledge.model import Knowledge
from storage import Repository
from storage.audiences import TOO_FEW, Shared, figures_shown
from storage.broadcasts import BroadcastInfo, Delivery
from storage.cohorts import CohortInfo
from storage.insight import GroupFigures
from storage.web import WebUser

CHANNEL = "telegram"
LOGIN_VALID = timedelta(minutes=10)
SESSION_VALID = timedelta(hours=8)
TOKEN_BYTES = 32
BROADCASTS_SHOWN = 20
ATTEMPT_WINDOW = timedelta(minutes=1)
ATTEMPTS_PER_CLIENT = 10
"""Login attempts (login links, API calls without valid credentials) a minute from one
address, counted over every process of the bot (in the database)."""
ATTEMPTS_OVERALL = 300
"""... and from all addresses together (an address can change; this cap still holds)."""


class DashboardError(ValueError):
    """A request the dashboard refuses; ``field`` names the form field at fault."""

    def __init__(self, field: str) -> None:
        super().__init__(field)
        self.field = field


@dataclass(frozen=True, slots=True)
class Caller:
    """A coordinator or admin, as checked for this request."""

    user: WebUser
    admin: bool

    @property
    def owner(self) -> int | None:
        """Whose cohorts they see: their own, or (None) everyone's."""
        return None if self.admin else self.user.user_id

    @property
    def language(self) -> str:
        return self.user.language


@dataclass(frozen=True, slots=True)
class CohortRow:
    """A cohort as the dashboard lists it. ``figures`` is None under the minimum group."""

    cohort: CohortInfo
    link: str | None
    steps_done: int
    steps: int
    figures: GroupFigures | None
    hidden: str | None = None
    """Why ``figures`` is None: "too_few" members, "too_close" to another cohort, or
    "unchecked" (the overlap between cohorts is too intricate to check)."""


@dataclass(frozen=True, slots=True)
class Overview:
    cohorts: list[CohortRow]
    together: GroupFigures | None
    """All shown cohorts together (None when that could reveal a small group)."""
    min_group: int


@dataclass(frozen=True, slots=True)
class BroadcastReport:
    """A broadcast as the chat reports it: ``delivery`` None when its figures may not be
    shown (decided when it was sent), shared answers only from ``k`` sharers on."""

    info: BroadcastInfo
    delivery: Delivery | None
    shared: Shared


class Dashboard:
    """The dashboard's use cases over the advisor's database and knowledge."""

    def __init__(self, advisor: Advisor, min_group: int) -> None:
        self.advisor = advisor
        self.min_group = min_group

    @property
    def knowledge(self) -> Knowledge:
        return self.advisor.knowledge

    def _now(self) -> datetime:
        return self.advisor.clock()

    def _caller(self, user: WebUser | None) -> Caller | None:
        """A coordinator or admin (ADMIN_IDS count), or None for anyone else."""
        if user is None:
            return None
        admin = ADMIN in user.roles or (user.channel, user.channel_user_id) in self.advisor.admins
        if not admin and COORDINATOR not in user.roles:
            return None
        return Caller(user, admin)

    # -- who is calling ------------------------------------------------------------------

    async def by_telegram(self, telegram_id: int) -> Caller | None:
        """The caller a valid Mini App initData names; None when they are no coordinator."""
        user = await self.advisor.db.run(lambda repo: repo.web.user(CHANNEL, str(telegram_id)))
        return self._caller(user)

    async def by_session(self, token: str) -> tuple[bool, Caller | None]:
        """(whether the session is valid, the caller if they are still a coordinator)."""

        def find(repo: Repository) -> WebUser | bool | None:
            user_id = repo.web.session_user(token, self._now())
            if user_id is None:
                return False
            return repo.web.user_by_id(user_id)

        found = await self.advisor.db.run(find)
        if found is False:
            return False, None
        return True, self._caller(found if isinstance(found, WebUser) else None)

    # -- login links -----------------------------------------------------------------------

    async def issue_login(self, channel_user_id: str) -> tuple[str, Caller] | None:
        """A new one-time login link token for a coordinator (and who they are); None
        for anyone else."""
        token = secrets.token_urlsafe(TOKEN_BYTES)

        def issue(repo: Repository) -> Caller | None:
            caller = self._caller(repo.web.user(CHANNEL, channel_user_id))
            if caller is None:
                return None
            now = self._now()
            repo.web.purge(now)
            repo.web.add_login(caller.user.user_id, token, now + LOGIN_VALID)
            repo.audit(caller.user.user_id, "dashboard.link", "dashboard")
            return caller

        caller = await self.advisor.db.run(issue)
        return (token, caller) if caller is not None else None

    async def attempt(self, client: str) -> bool:
        """Count a login attempt from ``client`` (an address): False when it is one too
        many this minute, from them or from everyone (the limit of every process)."""
        return await self.advisor.db.run(
            lambda repo: repo.web.attempt(
                client, self._now(), ATTEMPT_WINDOW, ATTEMPTS_PER_CLIENT, ATTEMPTS_OVERALL
            )
        )

    async def login_open(self, token: str) -> bool:
        return await self.advisor.db.run(lambda repo: repo.web.login_open(token, self._now()))

    async def redeem(self, token: str, client: str) -> tuple[str, Caller] | None:
        """Spend a login link for a new session token; None when the link is no good or
        its user is no coordinator any more."""
        session = secrets.token_urlsafe(TOKEN_BYTES)

        def exchange(repo: Repository) -> Caller | None:
            now = self._now()
            user_id = repo.web.redeem_login(token, now)
            caller = self._caller(repo.web.user_by_id(user_id)) if user_id is not None else None
            if caller is None:
                return None
            repo.web.add_session(caller.user.user_id, session, now + SESSION_VALID)
            repo.audit(caller.user.user_id, "dashboard.login", "dashboard", {"client": client})
            return caller

        caller = await self.advisor.db.run(exchange)
        return (session, caller) if caller is not None else None

    async def logout(self, token: str) -> None:
        await self.advisor.db.run(lambda repo: repo.web.end_session(token))

    # -- cohorts ---------------------------------------------------------------------------

    def _link(self, cohort: CohortInfo) -> str | None:
        return self.advisor.links.deep_link(cohort.code)

    def _steps(self, cohort: CohortInfo, now: datetime) -> tuple[int, int]:
        """How many steps of the cohort's follow-up plan are due by now, of how many."""
        plan = self.knowledge.plan(cohort.plan) or self.knowledge.plan()
        window = self.knowledge.window()
        if plan is None or window is None:
            return 0, 0
        zone = ZoneInfo(cohort.timezone)
        done = sum(step_due(cohort.workshop_at, step, window, zone) <= now for step in plan.steps)
        return done, len(plan.steps)

    async def cohorts(self, caller: Caller) -> list[tuple[CohortInfo, str | None, bool]]:
        """The caller's cohorts (an admin's: all) with their deep links, and whether each
        may show its member count (the rule of storage.anonymity, as in the chat)."""

        def read(repo: Repository) -> tuple[list[CohortInfo], frozenset[int]]:
            found = repo.cohorts.owned_by(caller.owner)
            return found, repo.audiences.family(found, self.min_group).shown

        found, shown = await self.advisor.db.run(read)
        return [(cohort, self._link(cohort), cohort.id in shown) for cohort in found]

    async def overview(self, caller: Caller) -> Overview:
        """Every cohort of the caller with its figures, and all of them together."""
        now = self._now()

        def read(repo: Repository) -> tuple[list[CohortInfo], list[GroupFigures]]:
            cohorts = repo.cohorts.owned_by(caller.owner)
            figures = repo.insight.figures(
                caller.owner, now, self.min_group, dilemmas=False, cohorts=cohorts
            )
            return cohorts, figures

        cohorts, groups = await self.advisor.db.run(read)
        k = self.min_group
        shown = {g.cohort_id: g for g in groups if is_shown(g, k)}
        withheld = {g.cohort_id: g.hidden for g in groups if not is_shown(g, k)}
        together = shown.pop(None, None)
        rows = []
        # Cohorts of one workshop share their progress: worked out once per request.
        progress: dict[tuple[str, datetime, str], tuple[int, int]] = {}
        for c in cohorts:
            hidden = None if c.id in shown else withheld.get(c.id) or TOO_FEW
            key = (c.plan, c.workshop_at, c.timezone)
            steps = progress.get(key)
            if steps is None:
                steps = progress[key] = self._steps(c, now)
            rows.append(CohortRow(c, self._link(c), *steps, shown.get(c.id), hidden))
        return Overview(rows, together if len(shown) > 1 else None, self.min_group)

    async def insight(self, caller: Caller) -> list[GroupFigures]:
        """The groups as ``/inzicht`` gets them (for the CSV)."""
        now = self._now()
        return await self.advisor.db.run(
            lambda repo: repo.insight.figures(caller.owner, now, self.min_group)
        )

    async def cohort(self, caller: Caller, cohort_id: int) -> CohortInfo | None:
        """One of the caller's cohorts; None when it is not theirs (or does not exist)."""
        found = await self.advisor.db.run(lambda repo: repo.cohorts.get(cohort_id))
        if found is None or (not caller.admin and found.owner_user_id != caller.user.user_id):
            return None
        return found

    def link(self, cohort: CohortInfo) -> str | None:
        return self._link(cohort)

    async def create_cohort(
        self, caller: Caller, name: str, workshop: str, timezone: str, plan: str
    ) -> CohortInfo:
        """A new cohort of the caller; :class:`DashboardError` names a field at fault."""
        name = " ".join(name.split())
        if not name or len(name) > MAX_COHORT_NAME:
            raise DashboardError("name")
        try:
            when = datetime.fromisoformat(workshop)
        except ValueError:
            raise DashboardError("workshop") from None
        if when.tzinfo is not None or not 2000 <= when.year <= 2100:
            raise DashboardError("workshop")
        zone = zone_named(timezone)
        if zone is None:
            raise DashboardError("timezone")
        if plan not in {p.id for p in self.knowledge.plans}:
            raise DashboardError("plan")
        effect = CreateCohort(name, when.replace(second=0, microsecond=0).isoformat(), plan, zone)
        create = partial(
            self.advisor.followup.new_cohort,
            owner=caller.user.user_id,
            effect=effect,
            via="dashboard",
        )
        return await self.advisor.db.run(lambda repo: create(repo))

    async def close_cohort(self, caller: Caller, cohort_id: int) -> bool | None:
        """Close one of the caller's cohorts: True, False when closed already, None when
        it is not theirs."""

        def close(repo: Repository) -> bool | None:
            cohort = repo.cohorts.get(cohort_id)
            if cohort is None or (not caller.admin and cohort.owner_user_id != caller.user.user_id):
                return None
            return self.advisor.followup.end_cohort(
                repo, caller.user.user_id, cohort, via="dashboard"
            )

        return await self.advisor.db.run(close)

    # -- broadcasts ------------------------------------------------------------------------

    async def broadcasts(self, caller: Caller) -> list[BroadcastReport]:
        """The caller's latest broadcasts (an admin's: everyone's) with their reports and
        the answers members chose to share (anonymous)."""

        def read(repo: Repository) -> list[BroadcastReport]:
            found: Sequence[BroadcastInfo] = repo.broadcasts.owned_by(
                caller.owner, BROADCASTS_SHOWN
            )
            return [
                BroadcastReport(
                    b,
                    repo.broadcasts.delivery(b.id) if figures_shown(b.audience) else None,
                    repo.audiences.shared_answers(b.id, b.audience),
                )
                for b in found
            ]

        return await self.advisor.db.run(read)
