"""Applying the broadcast effects: audience, preview, sending, reports, cancelling,
sharing an answer. Mixed into :class:`bot.app.followup.FollowUp`; runs inside the event's
unit of work.

Sending writes one outbox row per recipient in the same transaction as the broadcast
itself; the dispatcher delivers them (see :mod:`bot.telegram.outbox_sender`). Every broadcast, every
cancellation and every report a coordinator asks for is written to the audit table.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from bot.app.context import Visitor
from bot.app.insight import insight_replies
from flows.broadcasts import screens as bs
from flows.cohorts import screens as fs
from flows.events import (
    BroadcastHistory,
    BroadcastReport,
    CancelBroadcast,
    Draft,
    ShareAnswer,
    ShowAudience,
    ShowInsight,
    ShowPreview,
    StartBroadcast,
)
from flows.replies import Reply, Span
from flows.screens import Say
from storage.broadcasts import BroadcastInfo, Delivery

HISTORY = 5
PREVIEW_WORDS = 8


def report_reply(say: Say, info: BroadcastInfo, delivery: Delivery, shared: list[str]) -> Reply:
    return bs.report(
        say,
        info.id,
        total=info.total,
        sent=delivery.sent,
        blocked=delivery.blocked,
        failed=delivery.failed,
        cancelled=delivery.cancelled,
        answered=delivery.answered,
        shared=shared,
        running=not delivery.finished,
    )


class BroadcastEffects:
    default_timezone: str
    insight_min_group: int

    def _spans(self, v: Visitor, draft: Draft) -> list[Span]:
        question = v.knowledge.questions.get(draft.template) if draft.template else None
        if question is not None:
            return v.say.text(question.text)
        return [Span(draft.text or "")]

    def _dilemma_title(self, v: Visitor, draft: Draft) -> str | None:
        dilemma = v.knowledge.dilemma(draft.dilemma) if draft.dilemma else None
        return v.say.plain(dilemma.title) if dilemma is not None else None

    def _ShowAudience(self, v: Visitor, effect: ShowAudience) -> None:
        cohorts = [(c.id, c.name, c.members) for c in v.repo.cohorts.owned_by(v.user_id)]
        title = self._dilemma_title(v, effect.draft)
        v.show(bs.audience(v.say, cohorts, effect.draft.cohorts, title))
        v.outcome.edit = True

    def _ShowPreview(self, v: Visitor, effect: ShowPreview) -> None:
        draft = effect.draft
        recipients = v.repo.broadcasts.recipients(v.user_id, draft.cohorts, draft.dilemma)
        owned = v.repo.cohorts.owned_by(v.user_id)
        names = [c.name for c in owned if draft.cohorts is None or c.id in draft.cohorts]
        groups = ", ".join(names) if draft.cohorts is not None else v.say.label("all_cohorts")
        sample = bs.message(v.say, self._spans(v, draft), 0)
        v.show(Reply(sample.spans, meta={"screen": "bc_sample"}))
        v.show(bs.preview_summary(v.say, len(recipients), groups, self._dilemma_title(v, draft)))

    def _StartBroadcast(self, v: Visitor, effect: StartBroadcast) -> None:
        draft = effect.draft
        recipients = v.repo.broadcasts.recipients(v.user_id, draft.cohorts, draft.dilemma)
        if not recipients:
            v.tell("broadcast_nobody", first=True)
            return
        audience = {
            "cohorts": list(draft.cohorts) if draft.cohorts is not None else None,
            "dilemma": draft.dilemma,
            "template": draft.template,
        }
        broadcast_id = v.repo.broadcasts.create(v.user_id, draft.text or "", audience, recipients)
        v.repo.audit(
            v.user_id,
            "broadcast.sent",
            f"broadcast:{broadcast_id}",
            {**audience, "recipients": len(recipients)},
        )
        v.tell("broadcast_started", first=True, count=len(recipients))

    def _owned_broadcast(self, v: Visitor, broadcast_id: int) -> BroadcastInfo | None:
        info = v.repo.broadcasts.get(broadcast_id)
        if info is None or info.owner_user_id != v.user_id:
            v.tell("broadcast_not_found")
            return None
        return info

    def _BroadcastHistory(self, v: Visitor, effect: BroadcastHistory) -> None:
        latest = v.repo.broadcasts.owned_by(v.user_id, HISTORY)
        if not latest:
            return
        zone = ZoneInfo(self.default_timezone)
        items = []
        for info in latest:
            question = v.knowledge.questions.get(info.template) if info.template else None
            text = v.say.plain(question.text) if question is not None else info.text
            words = text.split()
            start = " ".join(words[:PREVIEW_WORDS]) + (" …" if len(words) > PREVIEW_WORDS else "")
            when = fs.when(v.say, info.created_at.astimezone(zone).replace(tzinfo=None))
            items.append((info.id, when, start))
        v.show(bs.history(v.say, items), first=True)

    def _BroadcastReport(self, v: Visitor, effect: BroadcastReport) -> None:
        info = self._owned_broadcast(v, effect.broadcast_id)
        if info is None:
            return
        delivery = v.repo.broadcasts.delivery(info.id)
        shared = v.repo.broadcasts.shared_answers(info.id)
        v.repo.audit(v.user_id, "broadcast.report", f"broadcast:{info.id}")
        v.show(report_reply(v.say, info, delivery, shared))

    def _CancelBroadcast(self, v: Visitor, effect: CancelBroadcast) -> None:
        info = self._owned_broadcast(v, effect.broadcast_id)
        if info is None:
            return
        cancelled = v.repo.broadcasts.cancel(info.id)
        if v.repo.broadcasts.finish(info.id, "cancelled"):
            v.repo.audit(
                v.user_id, "broadcast.cancelled", f"broadcast:{info.id}", {"cancelled": cancelled}
            )
        delivery = v.repo.broadcasts.delivery(info.id)
        v.tell("broadcast_stopped", count=cancelled)
        v.show(report_reply(v.say, info, delivery, v.repo.broadcasts.shared_answers(info.id)))

    def _ShowInsight(self, v: Visitor, effect: ShowInsight) -> None:
        k = self.insight_min_group
        groups = v.repo.insight.figures(v.user_id, v.now, k)
        v.repo.audit(v.user_id, "insight.export", "insight", {"groups": len(groups)})
        say = v.say
        v.outcome.deferred.append(lambda: insight_replies(say, groups, k))

    def _ShareAnswer(self, v: Visitor, effect: ShareAnswer) -> None:
        if v.repo.broadcasts.share(v.user_id, effect.reflection_id):
            v.tell("share_done")
        else:
            v.tell("share_unknown")
