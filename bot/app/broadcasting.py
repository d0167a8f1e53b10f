"""Applying the broadcast effects: audience, preview, sending, reports, cancelling,
sharing an answer. Called by :mod:`bot.app.effects`; runs inside the event's unit of work.

Sending writes one outbox row per recipient in the same transaction as the broadcast
itself; the outbox sender delivers them (see :mod:`bot.telegram.outbox_sender`). Every
broadcast, every cancellation and every report a coordinator asks for is written to the
audit table.
"""

from __future__ import annotations

from dataclasses import replace
from functools import partial
from zoneinfo import ZoneInfo

from bot.app.context import Visitor
from bot.app.insight import insight_replies
from flows.broadcasts import screens as bs
from flows.broadcasts import withheld
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
from flows.replies import APART, Reply, Span, join
from flows.screens import Say
from knowledge.guard import shared_version
from storage.audiences import Shared, figures_shown, min_group_of
from storage.broadcasts import BroadcastInfo, Delivery

HISTORY = 5
PREVIEW_WORDS = 8


def report_reply(say: Say, info: BroadcastInfo, delivery: Delivery, shared: Shared) -> Reply:
    """The report of a broadcast: its figures and shared answers, or neither when the
    broadcast's figures may not be shown (decided when it was sent, storage.anonymity)."""
    k = min_group_of(info.audience)
    if not figures_shown(info.audience):
        return withheld.report(say, info.id, running=not delivery.finished, k=k)
    reply = bs.report(
        say,
        info.id,
        total=info.total,
        sent=delivery.sent,
        blocked=delivery.blocked,
        failed=delivery.failed,
        cancelled=delivery.cancelled,
        answered=delivery.answered,
        shared=shared.texts,
        running=not delivery.finished,
    )
    if shared.withheld:
        note = withheld.shared_withheld(say, k)
        reply = replace(reply, spans=tuple(join([list(reply.spans), list(note.spans)], "\n\n")))
    return reply


def progress_reply(say: Say, info: BroadcastInfo, delivery: Delivery) -> Reply:
    """Progress while sending: "sent 120 of 1,000", without figures when they are withheld."""
    if not figures_shown(info.audience):
        return withheld.progress(say, info.id)
    return bs.progress(say, info.id, delivery.sent, info.total)


class BroadcastEffects:
    """Applies the broadcast effects for the advisor service."""

    def __init__(self, default_timezone: str, insight_min_group: int) -> None:
        self.default_timezone = default_timezone
        self.insight_min_group = insight_min_group

    def _spans(self, v: Visitor, draft: Draft) -> list[Span]:
        question = v.knowledge.questions.get(draft.template) if draft.template else None
        if question is not None:
            return v.say.text(question.text)
        return [Span(draft.text or "")]

    def _dilemma_title(self, v: Visitor, draft: Draft) -> str | None:
        dilemma = v.knowledge.dilemma(draft.dilemma) if draft.dilemma else None
        return v.say.plain(dilemma.title) if dilemma is not None else None

    def _recipients(self, v: Visitor, draft: Draft) -> tuple[list[int], bool]:
        """The draft's recipients, and whether their number may be shown: the audience
        (members of the chosen cohorts) and the recipients (those of them who agreed,
        want messages and, with the filter, got the dilemma) are checked beside the
        figures of the coordinator's cohorts, so that neither the number nor its
        difference to the audience is about fewer than the minimum group."""
        recipients = v.repo.broadcasts.recipients(v.user_id, draft.cohorts, draft.dilemma)
        owned = v.repo.cohorts.owned_by(v.user_id)
        family = v.repo.audiences.family(owned, self.insight_min_group)
        chosen = [c.id for c in owned if draft.cohorts is None or c.id in draft.cohorts]
        audience = family.together(chosen)
        return recipients, family.may_show(audience, recipients)

    def show_audience(self, v: Visitor, effect: ShowAudience) -> None:
        owned = v.repo.cohorts.owned_by(v.user_id)
        shown = v.repo.audiences.family(owned, self.insight_min_group).shown
        cohorts = [(c.id, c.name, c.members if c.id in shown else None) for c in owned]
        title = self._dilemma_title(v, effect.draft)
        v.show(bs.audience(v.say, cohorts, effect.draft.cohorts, title))
        v.edit = True

    def show_preview(self, v: Visitor, effect: ShowPreview) -> None:
        draft = effect.draft
        recipients, countable = self._recipients(v, draft)
        owned = v.repo.cohorts.owned_by(v.user_id)
        names = [c.name for c in owned if draft.cohorts is None or c.id in draft.cohorts]
        groups = ", ".join(names) if draft.cohorts is not None else v.say.label("all_cohorts")
        sample = bs.message(v.say, self._spans(v, draft), 0)
        # As members will see it: a message of its own, the preview below points up at it.
        v.show(Reply(sample.spans, meta={"screen": "bc_sample", APART: "yes"}))
        title = self._dilemma_title(v, draft)
        if countable:
            v.show(bs.preview_summary(v.say, len(recipients), groups, title))
        else:
            v.show(withheld.preview_summary(v.say, groups, title, self.insight_min_group))

    def start_broadcast(self, v: Visitor, effect: StartBroadcast) -> None:
        draft = effect.draft
        recipients, countable = self._recipients(v, draft)
        if not recipients and countable:
            v.tell("broadcast_nobody", first=True)
            return
        # Not countable: even "nobody" would tell (a filtered send to one member says
        # whether they have the dilemma), so it goes like any other: to whoever is
        # chosen, none or some, and its report shows no figures.
        audience = {
            "cohorts": list(draft.cohorts) if draft.cohorts is not None else None,
            "dilemma": draft.dilemma,
            "template": draft.template,
            "figures": countable,
            "k": self.insight_min_group,
        }
        broadcast_id = v.repo.broadcasts.create(v.user_id, draft.text or "", audience, recipients)
        v.repo.audit(
            v.user_id,
            "broadcast.sent",
            f"broadcast:{broadcast_id}",
            {**audience, "recipients": len(recipients)},
        )
        if countable:
            v.tell("broadcast_started", first=True, count=len(recipients))
        else:
            v.tell("broadcast_started_hidden", first=True)

    def _owned_broadcast(self, v: Visitor, broadcast_id: int) -> BroadcastInfo | None:
        info = v.repo.broadcasts.get(broadcast_id)
        if info is None or info.owner_user_id != v.user_id:
            v.tell("broadcast_not_found")
            return None
        return info

    def broadcast_history(self, v: Visitor, effect: BroadcastHistory) -> None:
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

    def broadcast_report(self, v: Visitor, effect: BroadcastReport) -> None:
        info = self._owned_broadcast(v, effect.broadcast_id)
        if info is None:
            return
        delivery = v.repo.broadcasts.delivery(info.id)
        shared = v.repo.audiences.shared_answers(info.id, info.audience)
        v.repo.audit(v.user_id, "broadcast.report", f"broadcast:{info.id}")
        v.show(report_reply(v.say, info, delivery, shared))

    def cancel_broadcast(self, v: Visitor, effect: CancelBroadcast) -> None:
        info = self._owned_broadcast(v, effect.broadcast_id)
        if info is None:
            return
        cancelled = v.repo.broadcasts.cancel(info.id)
        if v.repo.broadcasts.finish(info.id, "cancelled"):
            v.repo.audit(
                v.user_id, "broadcast.cancelled", f"broadcast:{info.id}", {"cancelled": cancelled}
            )
        delivery = v.repo.broadcasts.delivery(info.id)
        if figures_shown(info.audience):
            v.tell("broadcast_stopped", count=cancelled)
        else:
            v.tell("broadcast_stopped_hidden")
        shared = v.repo.audiences.shared_answers(info.id, info.audience)
        v.show(report_reply(v.say, info, delivery, shared))

    def show_insight(self, v: Visitor, effect: ShowInsight) -> None:
        k = self.insight_min_group
        groups = v.repo.insight.figures(v.user_id, v.now, k)
        v.repo.audit(v.user_id, "insight.export", "insight", {"groups": len(groups)})
        say = v.say
        v.deferred.append(lambda: insight_replies(say, groups, k))

    def share_answer(self, v: Visitor, effect: ShareAnswer) -> None:
        lang = v.say.lang
        redact = partial(shared_version, v.knowledge, lang)
        if v.repo.broadcasts.share(v.user_id, effect.reflection_id, redact):
            v.tell("share_done")
        else:
            v.tell("share_unknown")
