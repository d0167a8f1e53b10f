"""Looking after coordinator invitations and cohorts (issue 14).

- An invitation works for :data:`storage.stewardship.INVITE_VALID` (7 days), once, and
  only while the admin who made it is still an admin (in ``ADMIN_IDS``) and has not erased
  their data. Admins see the open ones under ``/coordinator`` and can revoke each. The
  audit's ``role.granted`` of a redeemed invitation names the issuer as actor.
- A cohort is *without owner* when its coordinator erased their data (the owner is
  gone) or is neither a coordinator nor an admin any more. It takes no new members until
  an admin adopts or closes it; its members keep their follow-up nudges (the plan of the
  workshop they attended, texts of the knowledge base, nothing of the coordinator's), and
  nobody can broadcast to it (broadcasts go to one's own cohorts). Admins see every
  cohort under ``/cohort``, and those without owner with an adopt and a close button.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.app.context import Visitor
from flows.cohorts import screens as fs
from flows.cohorts import stewardship as st
from flows.commands import ADMIN, COORDINATOR
from flows.dates import workshop_on
from flows.links import UNKNOWN_LINK, LinkStatus, WorkshopLink
from flows.screens import Say
from storage import Repository
from storage.cohorts import CohortInfo
from storage.privacy import ERASED_NAME
from storage.stewardship import INVITE_VALID


def workshop_day(cohort: CohortInfo) -> date:
    """The day of the cohort's workshop in its own time zone."""
    return cohort.workshop_at.astimezone(ZoneInfo(cohort.timezone)).date()


def typed_name(cohort: CohortInfo) -> str | None:
    """The name its coordinator gave the cohort; None once they erased it."""
    return cohort.name if cohort.name != ERASED_NAME else None


def shown_name(say: Say, cohort: CohortInfo) -> str:
    """The cohort's name, or, when its coordinator erased it, "de workshop van 11
    december 2026" (review 6, F35: not "—" inside a sentence)."""
    return typed_name(cohort) or workshop_on(say, workshop_day(cohort))


class Stewardship:
    """Invitation checks, the invitations list, cohorts without owner, adopting."""

    def __init__(
        self,
        default_timezone: str,
        admins: Collection[tuple[str, str]] = (),
        invite_valid: timedelta = INVITE_VALID,
    ) -> None:
        self.default_timezone = default_timezone
        self.admins = frozenset(admins)
        self.invite_valid = invite_valid

    def is_admin(self, repo: Repository, user_id: int) -> bool:
        contact = repo.stewardship.channel_of(user_id)
        return contact is not None and contact in self.admins

    def is_steward(self, repo: Repository, user_id: int | None) -> bool:
        """Whether this user may look after a cohort: a coordinator or an admin."""
        if user_id is None:
            return False
        return COORDINATOR in repo.cohorts.roles(user_id) or self.is_admin(repo, user_id)

    def ownerless(self, repo: Repository, cohort: CohortInfo) -> bool:
        return not self.is_steward(repo, cohort.owner_user_id)

    def admits(self, repo: Repository, cohort: CohortInfo, user_id: int | None) -> LinkStatus:
        """What following ``cohort``'s link does for ``user_id`` (None: nobody yet), the
        one rule for joining and for the consent question that announces it: a member
        stays one (OPEN), a closed cohort or one without owner takes no one new."""
        if user_id is not None and repo.cohorts.is_member(cohort.id, user_id):
            return LinkStatus.OPEN
        if cohort.closed:
            return LinkStatus.CLOSED
        if self.ownerless(repo, cohort):
            return LinkStatus.PAUSED
        return LinkStatus.OPEN

    def workshop_link(self, repo: Repository, code: str, user_id: int | None) -> WorkshopLink:
        """What the workshop link with ``code`` is for ``user_id``, for the consent question."""
        cohort = repo.cohorts.by_code(code)
        if cohort is None:
            return UNKNOWN_LINK
        status = self.admits(repo, cohort, user_id)
        return WorkshopLink(status, typed_name(cohort), workshop_day(cohort))

    # -- invitations ---------------------------------------------------------------------

    def redeem(self, v: Visitor, token: str) -> int | None:
        """Use an invitation: the issuer's user id, or None when it is unknown, used,
        expired, revoked, or its issuer is no admin any more (or erased their data)."""
        invite = v.repo.stewardship.find_invite(token, self.invite_valid)
        if invite is None or invite.expired or invite.created_by is None:
            return None
        if not self.is_admin(v.repo, invite.created_by):
            return None
        if not v.repo.stewardship.use_invite(invite.id, v.user_id):
            return None
        return invite.created_by

    def show_invites(self, v: Visitor) -> None:
        invites = v.repo.stewardship.open_invites(self.invite_valid)
        if not invites:
            return
        zone = ZoneInfo(self.default_timezone)

        def local(moment: datetime) -> str:
            return fs.when(v.say, moment.astimezone(zone).replace(tzinfo=None))

        items = [(i.id, local(i.created_at), local(i.expires_at)) for i in invites]
        v.show(st.invites_screen(v.say, items))

    def revoke_invite(self, v: Visitor, effect: st.RevokeInvite) -> None:
        if ADMIN not in v.roles:
            return
        if v.repo.stewardship.revoke_invite(effect.invite_id):
            v.repo.audit(v.user_id, "invite.revoked", f"coordinator_invite:{effect.invite_id}")
            v.tell("invite_revoked")
        else:
            v.tell("invite_revoke_unknown")

    # -- cohorts -------------------------------------------------------------------------

    def show_ownerless(self, v: Visitor, cohorts: list[CohortInfo]) -> None:
        """Under an admin's cohort list: the cohorts without owner, to adopt or close."""
        orphans = [
            (c.id, shown_name(v.say, c))
            for c in cohorts
            if not c.closed and self.ownerless(v.repo, c)
        ]
        if orphans:
            v.show(st.ownerless_screen(v.say, orphans))

    def adopt(self, v: Visitor, effect: st.AdoptCohort) -> None:
        if ADMIN not in v.roles:
            return
        cohort = v.repo.cohorts.get(effect.cohort_id)
        if cohort is None or not v.repo.stewardship.adopt(cohort.id, v.user_id):
            v.tell("cohort_not_found")
            return
        v.repo.audit(v.user_id, "cohort.adopted", f"cohort:{cohort.id}")
        v.tell("cohort_adopted", name=shown_name(v.say, cohort))
