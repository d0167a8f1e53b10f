"""Applying the follow-up effects: cohorts, roles, nudge planning and nudge settings.

Runs inside the event's unit of work (see :mod:`bot.app.advisor`): the flow decided *what*
(join this code, create this cohort, snooze this nudge); here it meets the database and
the answer is built from :mod:`flows.cohorts.screens`.

Nudges are planned when a member joins, when they choose another window or switch nudges
on again, and when a workshop is re-planned: each plan step becomes one outbox row with
the idempotency key ``nudge:<user>:<cohort>:<plan>:<step>``, so planning again moves a
pending row instead of adding one, and a restart or a second join adds nothing.
"""

from __future__ import annotations

import io
import secrets
import string
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.app.context import Links, Visitor
from bot.app.stewardship import Stewardship, shown_name
from flows.actions import INVITE_PREFIX
from flows.broadcasts import screens as bs
from flows.cohorts import screens as fs
from flows.cohorts.effects import ListCoordinators
from flows.cohorts.schedule import next_allowed, next_week, next_working_day, step_due
from flows.commands import ADMIN
from flows.events import (
    AnswerPrompt,
    Appoint,
    CloseCohort,
    CohortLink,
    CreateCohort,
    CreateInvite,
    JoinCohort,
    ListCohorts,
    RedeemInvite,
    RescheduleCohort,
    Revoke,
    ScheduleReminder,
    SetNudges,
    ShowNudgeSettings,
    Snooze,
)
from flows.links import LinkStatus
from flows.replies import Reply, join
from flows.screens import Say
from knowledge.guard import shared_version
from knowledge.model import Window
from storage import OutboxKind, Repository
from storage.cohorts import COORDINATOR, CohortInfo

CODE_ALPHABET = string.ascii_letters + string.digits
CODE_LENGTH = 16
"""A cohort code: 16 of 62 characters, about 95 bits: not guessable, short in a QR code."""
INVITE_LENGTH = 22
REFUSED = {LinkStatus.CLOSED: "join_closed", LinkStatus.PAUSED: "join_paused"}
"""What a link that takes no one new says when followed."""
NUDGE_KINDS = ("nudge", "reminder", "recheck")
"""What ``/stop`` cancels and what "Later" can postpone."""


def random_code(length: int) -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(length))


def qr_png(text: str) -> bytes:
    """A QR code of ``text`` as a PNG image (large enough to scan from a projector)."""
    buffer = io.BytesIO()
    import segno  # only when a QR code is made: not at start-up

    segno.make(text, error="m").save(buffer, kind="png", scale=10, border=4)
    return buffer.getvalue()


def nudge_key(user_id: int, cohort_id: int, plan: str, step: str) -> str:
    return f"nudge:{user_id}:{cohort_id}:{plan}:{step}"


class FollowUp:
    """Applies the effects about cohorts, roles and nudges for the advisor service."""

    def __init__(
        self,
        default_timezone: str,
        links: Links,
        make_code: Callable[[int], str] = random_code,
        insight_min_group: int = 5,
    ) -> None:
        self.default_timezone = default_timezone
        self.links = links
        self.make_code = make_code
        self.insight_min_group = insight_min_group
        """The minimum group: cohort sizes are shown by storage.anonymity's rule."""
        self.stewardship = Stewardship(default_timezone)
        """Invitations and cohorts without owner (the advisor gives it the admins)."""

    # -- planning ------------------------------------------------------------------------

    def window_and_zone(
        self, v: Visitor, cohort_zone: str | None = None, user_id: int | None = None
    ) -> tuple[Window | None, ZoneInfo]:
        """The member's delivery window and time zone (theirs, else the cohort's)."""
        settings = v.repo.cohorts.nudge_settings(v.user_id if user_id is None else user_id)
        window = v.knowledge.window(settings.window) or v.knowledge.window()
        return window, ZoneInfo(settings.timezone or cohort_zone or self.default_timezone)

    def plan_member(
        self, v: Visitor, cohort: CohortInfo, user_id: int | None = None
    ) -> datetime | None:
        """Write a member's nudges for ``cohort`` to the outbox (pending ones move; a step
        now in the past is cancelled); returns the first due time."""
        member = v.user_id if user_id is None else user_id
        plan = v.knowledge.plan(cohort.plan) or v.knowledge.plan()
        window, zone = self.window_and_zone(v, cohort.timezone, member)
        if plan is None or window is None:
            return None
        planned, past = [], []
        for step in plan.steps:
            key = nudge_key(member, cohort.id, plan.id, step.id)
            due = step_due(cohort.workshop_at, step, window, zone)
            if due <= v.now:
                past.append(key)  # a step whose moment has passed belongs to the past
                continue
            payload = {"cohort": cohort.id, "plan": plan.id, "step": step.id}
            planned.append((key, due, payload))
        v.repo.outbox.plan(member, "nudge", planned)
        v.repo.outbox.cancel_keys(member, past)
        return min((due for _, due, _ in planned), default=None)

    def replan_all(self, v: Visitor) -> datetime | None:
        firsts = [self.plan_member(v, c) for c in v.repo.cohorts.memberships(v.user_id)]
        return min((f for f in firsts if f is not None), default=None)

    def _local(self, v: Visitor, moment: datetime, zone: str | None = None) -> datetime:
        return moment.astimezone(ZoneInfo(zone or self.default_timezone)).replace(tzinfo=None)

    def _summary(
        self, cohort: CohortInfo, shown: bool = True, say: Say | None = None
    ) -> fs.CohortSummary:
        """``shown`` False: the member count is left out (see :mod:`storage.anonymity`)."""
        workshop = cohort.workshop_at.astimezone(ZoneInfo(cohort.timezone)).replace(tzinfo=None)
        return fs.CohortSummary(
            cohort.id,
            shown_name(say, cohort) if say is not None else cohort.name,
            workshop,
            cohort.timezone,
            cohort.plan,
            cohort.members if shown else None,
            cohort.closed,
        )

    def _shown_cohorts(self, v: Visitor, cohorts: list[CohortInfo]) -> frozenset[int]:
        """Which of the coordinator's cohorts may show their member counts."""
        return v.repo.audiences.family(cohorts, self.insight_min_group).shown

    # -- members -------------------------------------------------------------------------

    def join_cohort(self, v: Visitor, effect: JoinCohort) -> None:
        cohort = v.repo.cohorts.by_code(effect.code)
        if cohort is None:
            v.tell("join_unknown", first=True)
            return
        summary = self._summary(cohort)
        name, when = shown_name(v.say, cohort), fs.when(v.say, summary.workshop)
        # The one rule the consent question of the link announced (Stewardship.admits).
        refused = REFUSED.get(self.stewardship.admits(v.repo, cohort, v.user_id))
        if refused is not None:
            v.tell(refused, first=True, name=name)
            return
        if not v.repo.cohorts.join(cohort.id, v.user_id):
            v.tell("join_again", first=True, name=name)
            return
        running = v.repo.live.running(cohort.id, v.now)
        v.live_session = running.id if running is not None else None
        parts = [v.say("join_confirmed", name=name, when=when)]
        if not v.repo.cohorts.nudge_settings(v.user_id).off:
            first = self.plan_member(v, cohort)
            if first is not None:
                _, zone = self.window_and_zone(v, cohort.timezone)
                local = first.astimezone(zone).replace(tzinfo=None)
                parts.append(v.say("join_first", when=fs.when(v.say, local)))
        v.show(Reply(tuple(join(parts, " ")), meta={"screen": "joined"}), first=True)

    def show_nudge_settings(self, v: Visitor, effect: ShowNudgeSettings) -> None:
        settings = v.repo.cohorts.nudge_settings(v.user_id)
        memberships = v.repo.cohorts.memberships(v.user_id)
        zone = settings.timezone or next((c.timezone for c in memberships), self.default_timezone)
        pending = [m.due_at for m in v.repo.outbox.pending_for(v.user_id) if m.kind in NUDGE_KINDS]
        upcoming = self._local(v, min(pending), zone) if pending else None
        v.show(
            fs.nudge_settings(
                v.say, v.knowledge.windows, settings.window, settings.off, zone, upcoming
            )
        )

    def set_nudges(self, v: Visitor, effect: SetNudges) -> None:
        v.repo.cohorts.set_nudges(v.user_id, effect.window, effect.off)
        if effect.off:
            v.repo.outbox.cancel_pending(v.user_id, *NUDGE_KINDS)
            v.tell("nudges_stopped")
            return
        first = self.replan_all(v)
        window = v.knowledge.window(effect.window) or v.knowledge.window()
        label = v.say.plain(window.label) if window is not None else ""
        parts = [v.say("nudges_set", window=label)]
        if first is not None:
            memberships = v.repo.cohorts.memberships(v.user_id)
            _, zone = self.window_and_zone(v, memberships[0].timezone if memberships else None)
            local = first.astimezone(zone).replace(tzinfo=None)
            parts.append(v.say("nudges_next", when=fs.when(v.say, local)))
        v.show(Reply(tuple(join(parts, " ")), meta={"screen": "nudges_set"}))

    def remind(self, v: Visitor, effect: ScheduleReminder) -> None:
        """ "Herinner mij later": ``effect.days`` from now, moved into the user's window
        (working days, working hours, their zone) like nudges; the answer names the moment."""
        window, zone = self.window_and_zone(v)
        due = v.now + timedelta(days=effect.days)
        if window is not None:
            due = next_allowed(due, window, zone)
        v.repo.outbox.schedule(
            v.user_id,
            "reminder",
            due,
            {"subject": effect.subject},
            f"reminder:{v.user_id}:{effect.subject}:{due.date().isoformat()}",
        )
        local = due.astimezone(zone).replace(tzinfo=None)
        key = "remind_set" if v.knowledge.dilemma(effect.subject) is None else "remind_set_dilemma"
        v.tell(key, when=fs.when(v.say, local))

    def snooze(self, v: Visitor, effect: Snooze) -> None:
        row = v.repo.outbox.get(v.user_id, effect.outbox_id)
        if row is None or row.kind not in NUDGE_KINDS:
            v.tell("snooze_unknown")
            return
        cohort = v.repo.cohorts.get(int(row.payload["cohort"])) if "cohort" in row.payload else None
        window, zone = self.window_and_zone(v, cohort.timezone if cohort else None)
        if window is None:
            v.tell("snooze_unknown")
            return
        move = next_week if effect.until == "week" else next_working_day
        target = move(v.now, window, zone)
        payload = {**row.payload, "snoozed_from": row.id}
        kind: OutboxKind = "reminder"
        if row.kind in ("nudge", "recheck"):
            kind = "nudge" if row.kind == "nudge" else "recheck"
        v.repo.outbox.plan(v.user_id, kind, [(f"snooze:{row.id}", target, payload)])
        local = target.astimezone(zone).replace(tzinfo=None)
        v.tell("snoozed", when=fs.when(v.say, local))

    def answer_prompt(self, v: Visitor, effect: AnswerPrompt) -> None:
        row = v.repo.outbox.get(v.user_id, effect.outbox_id) if effect.outbox_id else None
        reflection = v.repo.add_reflection(
            v.user_id, "followup", effect.text, outbox_id=row.id if row is not None else None
        )
        if row is not None and row.broadcast_id is not None:
            named = shared_version(v.knowledge, v.say.lang, effect.text)
            v.show(bs.share_offer(v.say, reflection, named if named != effect.text else None))

    # -- coordinators ----------------------------------------------------------------------

    def _owned(self, v: Visitor, cohort_id: int) -> CohortInfo | None:
        cohort = v.repo.cohorts.get(cohort_id)
        if cohort is None or (cohort.owner_user_id != v.user_id and ADMIN not in v.roles):
            v.tell("cohort_not_found")
            return None
        return cohort

    def _link(self, v: Visitor, key: str, cohort: CohortInfo) -> Reply:
        link = self.links.deep_link(cohort.code)
        qr = qr_png(link) if link else None
        return fs.cohort_link(v.say, key, self._summary(cohort), link, cohort.code, qr)

    def new_cohort(
        self, repo: Repository, owner: int, effect: CreateCohort, via: str = "chat"
    ) -> CohortInfo:
        """A new cohort with a fresh code, audited (the chat and the dashboard alike)."""
        zone = ZoneInfo(effect.timezone)
        workshop = datetime.fromisoformat(effect.workshop).replace(tzinfo=zone).astimezone(UTC)
        code = self.make_code(CODE_LENGTH)
        cohort = repo.cohorts.create(
            owner, code, effect.name, workshop, effect.timezone, effect.plan
        )
        detail = {"plan": effect.plan, "timezone": effect.timezone}
        repo.audit(owner, "cohort.created", f"cohort:{cohort.id}", detail | {"via": via})
        return cohort

    def end_cohort(
        self, repo: Repository, actor: int, cohort: CohortInfo, via: str = "chat"
    ) -> bool:
        """Close a cohort to new members, audited; False when it was closed already."""
        if cohort.owner_user_id is None or not repo.cohorts.close(cohort.id, cohort.owner_user_id):
            return False
        repo.audit(actor, "cohort.closed", f"cohort:{cohort.id}", {"via": via})
        return True

    def create_cohort(self, v: Visitor, effect: CreateCohort) -> None:
        cohort = self.new_cohort(v.repo, v.user_id, effect)
        v.show(self._link(v, "cohort_created", cohort), first=True)

    def reschedule_cohort(self, v: Visitor, effect: RescheduleCohort) -> None:
        cohort = self._owned(v, effect.cohort_id)
        if cohort is None:
            return
        if cohort.owner_user_id != v.user_id:  # an admin adopts a cohort before moving it
            v.tell("cohort_not_found")
            return
        zone = ZoneInfo(cohort.timezone)
        workshop = datetime.fromisoformat(effect.workshop).replace(tzinfo=zone).astimezone(UTC)
        v.repo.cohorts.reschedule(cohort.id, v.user_id, workshop)
        moved = replace(cohort, workshop_at=workshop)
        members = v.repo.cohorts.members(cohort.id)
        for member in v.repo.cohorts.nudged_members(cohort.id):
            self.plan_member(v, moved, member)
        v.repo.audit(
            v.user_id, "cohort.rescheduled", f"cohort:{cohort.id}", {"members": len(members)}
        )
        summary = self._summary(moved)
        owned = v.repo.cohorts.owned_by(v.user_id)
        key = "cohort_rescheduled"
        if cohort.id not in self._shown_cohorts(v, owned):
            key = "cohort_rescheduled_hidden"
        v.tell(key, name=cohort.name, when=fs.when(v.say, summary.workshop), members=len(members))

    def list_cohorts(self, v: Visitor, effect: ListCohorts) -> None:
        admin = ADMIN in v.roles
        cohorts = v.repo.stewardship.every_cohort() if admin else v.repo.cohorts.owned_by(v.user_id)
        shown = self._shown_cohorts(v, cohorts)
        v.show(fs.cohort_list(v.say, [self._summary(c, c.id in shown, v.say) for c in cohorts]))
        if admin:
            self.stewardship.show_ownerless(v, cohorts)

    def cohort_link(self, v: Visitor, effect: CohortLink) -> None:
        cohort = self._owned(v, effect.cohort_id)
        if cohort is not None:
            v.show(self._link(v, "cohort_link_again", cohort))

    def close_cohort(self, v: Visitor, effect: CloseCohort) -> None:
        cohort = self._owned(v, effect.cohort_id)
        if cohort is None:
            return
        if not effect.confirmed:
            v.show(fs.close_confirm(v.say, self._summary(cohort)))
            return
        closed = self.end_cohort(v.repo, v.user_id, cohort)
        if not closed and ADMIN in v.roles and v.repo.stewardship.close_any(cohort.id):
            v.repo.audit(v.user_id, "cohort.closed", f"cohort:{cohort.id}", {"via": "admin"})
        v.tell("cohort_closed", name=cohort.name)

    # -- admins ------------------------------------------------------------------------

    def _grant(
        self, v: Visitor, user_id: int, channel_user_id: str, via: str, by: int | None = None
    ) -> bool:
        """Grant the role; the audit's actor is ``by`` (the invitation's issuer) or the user."""
        if not v.repo.cohorts.set_role(user_id, COORDINATOR, True):
            return False
        v.repo.audit(
            v.user_id if by is None else by,
            "role.granted",
            f"user:{user_id}",
            {"role": COORDINATOR, "via": via},
        )
        v.menus[channel_user_id] = v.repo.cohorts.roles(user_id)
        return True

    def redeem_invite(self, v: Visitor, effect: RedeemInvite) -> None:
        invited_by = self.stewardship.redeem(v, effect.token)
        if invited_by is None:
            v.tell("invite_invalid", first=True)
            return
        self._grant(v, v.user_id, v.channel_user_id, "invite", by=invited_by)
        v.tell("invite_redeemed", first=True)

    def _coordinators(self, v: Visitor) -> list[fs.CoordinatorSummary]:
        """The coordinators as an admin sees them, numbered in the list's order."""
        found = v.repo.cohorts.coordinators()
        since = v.repo.cohorts.coordinators_since([c.user_id for c in found])
        zone = ZoneInfo(self.default_timezone)
        return [
            fs.CoordinatorSummary(
                c.user_id,
                number,
                since[c.user_id].astimezone(zone).date(),
                tuple(cohort.name for cohort in v.repo.cohorts.owned_by(c.user_id)),
            )
            for number, c in enumerate(found, start=1)
            if c.user_id in since
        ]

    def list_coordinators(self, v: Visitor, effect: ListCoordinators) -> None:
        v.show(fs.coordinators_screen(v.say, self._coordinators(v), effect.start))
        if effect.start == 0:
            self.stewardship.show_invites(v)

    def create_invite(self, v: Visitor, effect: CreateInvite) -> None:
        token = INVITE_PREFIX + self.make_code(INVITE_LENGTH)
        v.repo.cohorts.add_invite(token, v.user_id)
        v.repo.audit(v.user_id, "invite.created", "coordinator_invite")
        link = self.links.deep_link(token)
        if link:
            v.tell("invite_created", link=link)
        else:
            v.tell("invite_created_code", code=token)

    def appoint(self, v: Visitor, effect: Appoint) -> None:
        """Grant the role; the reply names the person by their number in the list, never
        by the id typed (review: no ids in a message)."""
        who = effect.channel_user_id
        user_id = v.repo.cohorts.consented_user(v.channel, who)
        if user_id is None:
            v.tell("appoint_unknown")
            return
        key = "appointed" if self._grant(v, user_id, who, "admin") else "appoint_already"
        number = next((c.number for c in self._coordinators(v) if c.user_id == user_id), 0)
        v.tell(key, number=number)

    def revoke(self, v: Visitor, effect: Revoke) -> None:
        """Ask first; a button of an old list or a second tap finds nobody to revoke."""
        summary = next((c for c in self._coordinators(v) if c.user_id == effect.user_id), None)
        who = v.repo.cohorts.channel_id_of(effect.user_id)
        if summary is None or who is None:
            v.tell("revoke_unknown")
            return
        if not effect.confirmed:
            v.show(fs.revoke_confirm(v.say, summary))
            return
        if not v.repo.cohorts.set_role(effect.user_id, COORDINATOR, False):
            v.tell("revoke_unknown")
            return
        v.repo.audit(v.user_id, "role.revoked", f"user:{effect.user_id}", {"role": COORDINATOR})
        v.menus[who] = v.repo.cohorts.roles(effect.user_id)
        v.tell("revoked", details=fs.coordinator_details(v.say, summary))
