"""Looking after invitations and cohorts (admins): the effects and screens of revoking an
open coordinator invitation and of adopting a cohort that lost its coordinator. Pure."""

from __future__ import annotations

from collections.abc import Sequence

from flows.actions import action
from flows.cohorts.effects import AdoptCohort, RevokeInvite, StewardshipEffect
from flows.definition import COHORT_TAG
from flows.replies import Button, Reply, join
from flows.screens import Say

REVOKE_INVITE = "invrev"
ADOPT = "adopt"


def invites_screen(say: Say, invites: Sequence[tuple[int, str, str]]) -> Reply:
    """The open invitations (id, made when, valid until), each with a revoke button."""
    lines = [
        say("invites_item", number=n, made=made, until=until)
        for n, (_, made, until) in enumerate(invites, start=1)
    ]
    rows = tuple(
        (
            Button(
                say.label("btn_invite_revoke", number=n), action(COHORT_TAG, REVOKE_INVITE, str(i))
            ),
        )
        for n, (i, _, _) in enumerate(invites, start=1)
    )
    text = join([say("invites_intro"), join(lines, "\n")], "\n")
    return Reply(tuple(text), rows, meta={"screen": "invites"})


def ownerless_screen(say: Say, cohorts: Sequence[tuple[int, str]]) -> Reply:
    """Cohorts without a coordinator (id, name): adopt or close each."""
    lines = [say("ownerless_item", number=n, name=name) for n, (_, name) in enumerate(cohorts, 1)]
    rows = tuple(
        (
            Button(say.label("btn_cohort_adopt", number=n), action(COHORT_TAG, ADOPT, str(i))),
            Button(say.label("btn_cohort_close", number=n), action(COHORT_TAG, "close", str(i))),
        )
        for n, (i, _) in enumerate(cohorts, start=1)
    )
    text = join([say("ownerless_intro"), join(lines, "\n")], "\n")
    return Reply(tuple(text), rows, meta={"screen": "ownerless"})


__all__ = ["ADOPT", "REVOKE_INVITE", "AdoptCohort", "RevokeInvite", "StewardshipEffect"]
