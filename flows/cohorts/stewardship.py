"""Looking after invitations and cohorts (admins): the effects and screens of revoking an
open coordinator invitation and of adopting a cohort that lost its coordinator. Pure."""

from __future__ import annotations

from collections.abc import Sequence

from flows.actions import action
from flows.cohorts.effects import AdoptCohort, RevokeInvite, StewardshipEffect
from flows.definition import COHORT_TAG
from flows.replies import Button, Reply, Span, join
from flows.screens import Say, fitting

REVOKE_INVITE = "invrev"
ADOPT = "adopt"


def _fitted(say: Say, name: str, lines: list[list[Span]]) -> tuple[list[Span], int]:
    """``<name>_intro`` and as many of ``lines`` as fit one screen, then ``<name>_more``
    counting the others (a revoked or adopted one makes room for them); how many fit."""
    intro = say(f"{name}_intro")
    count = fitting(say, lines, sum(len(span.text) for span in intro) + 1, f"{name}_more")
    more = len(lines) - count
    shown = [*lines[:count], say(f"{name}_more", more=more)] if more else lines
    return join([intro, join(shown, "\n")], "\n"), count


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
    text, count = _fitted(say, "invites", lines)
    return Reply(tuple(text), rows[:count], meta={"screen": "invites"})


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
    text, count = _fitted(say, "ownerless", lines)
    return Reply(tuple(text), rows[:count], meta={"screen": "ownerless"})


__all__ = ["ADOPT", "REVOKE_INVITE", "AdoptCohort", "RevokeInvite", "StewardshipEffect"]
