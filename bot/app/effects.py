"""Applying the core's effects: one ``match`` over :data:`flows.events.Effect`.

The match ends in :func:`typing.assert_never`, so mypy fails when an effect is added to
the union without a case here. Each case hands the effect to the service of its feature
(the user's own data here; cohorts and nudges in :mod:`bot.app.followup`; broadcasts in
:mod:`bot.app.broadcasting`; ``/live`` in :mod:`bot.app.live_effects`), inside the
event's unit of work.
"""

from __future__ import annotations

import json
from typing import assert_never

from bot.app.broadcasting import BroadcastEffects
from bot.app.context import Visitor
from bot.app.followup import FollowUp
from bot.app.handouts import Handouts
from bot.app.live_effects import open_live
from bot.app.timeline import Timelines
from flows.cohorts.effects import AdoptCohort, ListCoordinators, RevokeInvite
from flows.events import (
    AnswerPrompt,
    Appoint,
    BroadcastHistory,
    BroadcastReport,
    CancelBroadcast,
    CloseCohort,
    CohortLink,
    CreateCohort,
    CreateInvite,
    DeleteReflection,
    Effect,
    ExportData,
    ForgetMe,
    JoinCohort,
    ListCohorts,
    ListReflections,
    RedeemInvite,
    RescheduleCohort,
    Revoke,
    SaveAdvice,
    SaveReflection,
    ScheduleReminder,
    SetConsent,
    SetLanguage,
    SetNudges,
    ShareAnswer,
    ShowAudience,
    ShowInsight,
    ShowNudgeSettings,
    ShowPreview,
    Snooze,
    StartBroadcast,
)
from flows.handout.effects import ChooseHandout, MakeHandout
from flows.live.effects import OpenLive
from flows.privacy.screens import export_reply, reflections_screen
from flows.timeline.content import subject_title
from flows.timeline.effects import ShowTimeline


class Effects:
    """Applies every effect of an outcome, in order, for the advisor service."""

    def __init__(
        self,
        followup: FollowUp,
        broadcasts: BroadcastEffects,
        timelines: Timelines,
        handouts: Handouts,
    ) -> None:
        self.followup = followup
        self.broadcasts = broadcasts
        self.timelines = timelines
        self.handouts = handouts

    def apply(self, v: Visitor, effect: Effect) -> None:
        f, b = self.followup, self.broadcasts
        match effect:
            case ForgetMe():
                pass  # applied before any other: nothing of the event is stored
            case SetConsent():
                v.repo.set_consent(v.user_id, effect.consent)
            case SetLanguage():
                v.repo.set_language(v.user_id, effect.lang)
            case ExportData():
                export(v)
            case ListReflections():
                list_reflections(v)
            case DeleteReflection():
                v.repo.delete_reflection(v.user_id, effect.reflection_id)
            case SaveAdvice():
                v.repo.record_advice(
                    v.user_id, effect.profile, list(effect.dilemmas), v.knowledge.version
                )
                self.timelines.snapshot(v, effect)
            case SaveReflection():
                v.repo.add_reflection(v.user_id, effect.subject, effect.text)
            case ScheduleReminder():
                self.followup.remind(v, effect)
            case JoinCohort():
                f.join_cohort(v, effect)
            case RedeemInvite():
                f.redeem_invite(v, effect)
            case CreateCohort():
                f.create_cohort(v, effect)
            case ListCohorts():
                f.list_cohorts(v, effect)
            case CohortLink():
                f.cohort_link(v, effect)
            case CloseCohort():
                f.close_cohort(v, effect)
            case RescheduleCohort():
                f.reschedule_cohort(v, effect)
            case ListCoordinators():
                f.list_coordinators(v, effect)
            case CreateInvite():
                f.create_invite(v, effect)
            case Appoint():
                f.appoint(v, effect)
            case Revoke():
                f.revoke(v, effect)
            case ShowNudgeSettings():
                f.show_nudge_settings(v, effect)
            case SetNudges():
                f.set_nudges(v, effect)
                if not effect.off:
                    self.timelines.resume_recheck(v)
            case Snooze():
                f.snooze(v, effect)
            case AnswerPrompt():
                f.answer_prompt(v, effect)
            case ShowAudience():
                b.show_audience(v, effect)
            case ShowPreview():
                b.show_preview(v, effect)
            case StartBroadcast():
                b.start_broadcast(v, effect)
            case BroadcastHistory():
                b.broadcast_history(v, effect)
            case BroadcastReport():
                b.broadcast_report(v, effect)
            case CancelBroadcast():
                b.cancel_broadcast(v, effect)
            case ShowInsight():
                b.show_insight(v, effect)
            case ShareAnswer():
                b.share_answer(v, effect)
            case ChooseHandout():
                self.handouts.apply(v, effect)
            case MakeHandout():
                self.handouts.apply(v, effect)
            case ShowTimeline():
                self.timelines.show(v)
            case RevokeInvite():
                self.followup.stewardship.revoke_invite(v, effect)
            case AdoptCohort():
                self.followup.stewardship.adopt(v, effect)
            case OpenLive():
                open_live(v, effect, f.links)
            case _:
                assert_never(effect)


def export(v: Visitor) -> None:
    """Everything stored about the user, as a JSON document."""
    document = json.dumps(v.repo.privacy.export(v.user_id), ensure_ascii=False, indent=2)
    v.show(export_reply(v.say, document.encode("utf-8")))


def list_reflections(v: Visitor) -> None:
    items = [
        (r.id, subject_title(v.say, r.subject), r.text) for r in v.repo.list_reflections(v.user_id)
    ]
    v.show(reflections_screen(v.say, items))
