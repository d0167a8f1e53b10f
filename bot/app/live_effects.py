"""Applying the live dialogue's effects (:mod:`flows.live.effects`): ``/live`` inside the
conversation's unit of work (:func:`open_live`), the buttons in units of their own
(:meth:`LiveEffects.apply`, one ``match`` ending in :func:`typing.assert_never`).

The answer to a button is a :class:`LiveAnswer`: what the channel shows on the button,
which message it shows or edits, and whether every participant's screen follows. The
channel sends it (:mod:`bot.telegram.live`); nothing here knows Telegram.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import assert_never

from bot.app.context import Links, Visitor
from bot.app.followup import qr_png
from bot.app.live import Live, view_of
from bot.app.live_chart import summary_chart
from flows.commands import ADMIN
from flows.live import screens
from flows.live.dialogue import JOIN_PREFIX
from flows.live.effects import (
    CastVote,
    ChooseDilemmas,
    LiveEffect,
    MoveLive,
    OpenLive,
    StartLive,
)
from flows.replies import Attachment, Reply
from flows.screens import Say
from storage.live import LiveInfo


def projector_url(web_url: str, code: str) -> str:
    return f"{web_url}/live/{code}"


def open_live(v: Visitor, effect: OpenLive, links: Links) -> None:
    """``/live`` of a coordinator or admin (the conversation checked the role): their
    open cohorts to choose from."""
    if links.web_url is None:
        v.tell("dashboard_off")
        return
    if effect.unknown:
        v.tell("live_numbers_unknown", count=len(v.knowledge.dilemmas))
        return
    owner = None if ADMIN in v.roles else v.user_id
    cohorts = [(c.id, c.name) for c in v.repo.cohorts.owned_by(owner) if not c.closed]
    v.show(screens.choose_cohort(v.say, cohorts, v.knowledge, effect.dilemmas))


@dataclass(frozen=True, slots=True)
class Summary:
    """The facilitator's summary at the end: the text, the chart (drawn by ``chart``, off
    the event loop: None when no round may be shown) and the CSV."""

    text: Reply
    chart: Callable[[], Reply | None]
    csv: Reply


@dataclass
class LiveAnswer:
    """What the channel does with a live button.

    ``notice`` is shown on the button ("" nothing; None: it has expired, said in
    ``lang``); ``edit`` replaces the pressed message (sent anew when that is gone);
    ``replies`` are sent; ``control`` is sent last and becomes the session's control
    message; ``push``: every participant's screen follows the session (its id);
    ``summary``: the end, for the facilitator.
    """

    notice: str | None
    lang: str = "nl"
    edit: Reply | None = None
    edit_only: bool = False
    """The pressed message is edited, or nothing is shown (a participant's screen)."""
    replies: list[Reply] = field(default_factory=list)
    control: Reply | None = None
    push: int | None = None
    summary: Summary | None = None


EXPIRED = LiveAnswer(None)


@dataclass(frozen=True, slots=True)
class Screen:
    """A participant's live screen: their chat and the message it is in (None: none yet)."""

    user_id: int
    chat: str
    message_id: int | None
    reply: Reply


class LiveEffects:
    """The live dialogue's effects over :class:`bot.app.live.Live`."""

    def __init__(self, live: Live, links: Links) -> None:
        self.live = live
        self.links = links

    def say(self, lang: str) -> Say:
        return Say(self.live.knowledge, lang)

    async def apply(self, channel_user_id: str, effect: LiveEffect | None) -> LiveAnswer:
        match effect:
            case None:
                return EXPIRED
            case ChooseDilemmas():
                return await self.choose_dilemmas(channel_user_id, effect)
            case StartLive():
                return await self.start(channel_user_id, effect)
            case MoveLive():
                return await self.move(channel_user_id, effect)
            case CastVote():
                return await self.vote(channel_user_id, effect)
            case _:
                assert_never(effect)

    async def _cohort_of(self, channel_user_id: str, cohort_id: int) -> Say | None:
        """The facilitator's language, when the cohort is one they may run a session for."""
        found = await self.live.cohorts(channel_user_id)
        if found is None or self.links.web_url is None:
            return None
        who, cohorts = found
        return self.say(who.language) if cohort_id in {c for c, _ in cohorts} else None

    async def choose_dilemmas(self, channel_user_id: str, effect: ChooseDilemmas) -> LiveAnswer:
        say = await self._cohort_of(channel_user_id, effect.cohort_id)
        if say is None:
            return EXPIRED
        knowledge = self.live.knowledge
        return LiveAnswer("", edit=screens.choose_dilemmas(say, knowledge, effect.cohort_id))

    async def start(self, channel_user_id: str, effect: StartLive) -> LiveAnswer:
        say = await self._cohort_of(channel_user_id, effect.cohort_id)
        if say is None:
            return EXPIRED
        started = await self.live.start(channel_user_id, effect.cohort_id, list(effect.dilemmas))
        if started is None:
            return EXPIRED
        _, session, cohort = started
        join = self.links.deep_link(JOIN_PREFIX + session.code) or ""
        link = projector_url(self.links.web_url or "", session.code)
        qr = Reply(
            tuple(say("live_qr_caption")),
            attachment=Attachment("photo", "live.png", qr_png(join or link), caption=True),
        )
        control = await self.control(say, session, cohort)
        return LiveAnswer("", replies=[qr], control=control, push=session.id)

    async def move(self, channel_user_id: str, effect: MoveLive) -> LiveAnswer:
        moved = await self.live.move(channel_user_id, effect.session_id, effect.what, effect.round)
        if moved is None:
            return EXPIRED
        who, session, cohort = moved
        say = self.say(who.language)
        control = await self.control(say, session, cohort)
        summary = await self.summary(say, session.id, cohort) if session.ended else None
        return LiveAnswer("", edit=control, push=session.id, summary=summary)

    async def vote(self, channel_user_id: str, effect: CastVote) -> LiveAnswer:
        result = await self.live.vote(
            channel_user_id, effect.session_id, effect.round, effect.choice
        )
        say = self.say(result.language)
        if result.outcome == "ok":
            notice = say.label("live_vote_ok")
        elif result.outcome == "closed":
            notice = say.label("live_vote_closed")
        else:
            return LiveAnswer(None, result.language)
        if result.view is None:
            return LiveAnswer(notice)
        mine = result.mine
        reply = screens.participant(
            say, result.view, mine.position if mine else None, bool(mine and mine.strong)
        )
        return LiveAnswer(notice, edit=reply, edit_only=True)

    async def control(self, say: Say, session: LiveInfo, cohort: str) -> Reply:
        """The control message of the session as it is now."""
        participants = await self.live.participants(session.id)
        link = projector_url(self.links.web_url or "", session.code)
        key = session.facilitator_key
        return screens.control(
            say,
            view_of(self.live.knowledge, session),
            cohort=cohort,
            link=link,
            join=self.links.deep_link(JOIN_PREFIX + session.code) or "",
            participants=len(participants[1]) if participants is not None else 0,
            host=f"{link}#{key}" if key else None,
        )

    async def summary(self, say: Say, session_id: int, cohort: str) -> Summary:
        """Per round the spread and how many recognise it, the top dilemmas, a chart (when
        a round may be shown) and a CSV."""
        knowledge = self.live.knowledge
        k = self.live.min_group
        rounds = [
            (knowledge.dilemma(d), t.counts, t.voters, t.strong)
            for d, t in await self.live.results(session_id)
        ]

        def chart() -> Reply | None:
            drawn = summary_chart(say, rounds, k)
            if drawn is None:
                return None
            photo = Attachment("photo", "live.png", drawn, caption=True)
            return Reply(tuple(say("live_chart_caption", k=k)), attachment=photo)

        document = Attachment("document", "live.csv", screens.summary_csv(say, rounds, k))
        return Summary(
            screens.summary(say, cohort, rounds, k), chart, Reply((), attachment=document)
        )

    async def participant_screens(self, session_id: int) -> AsyncIterator[Screen]:
        """Every participant's live screen of the session's current round, one at a time
        (each vote read just before its screen goes: the reads overlap the pacing)."""
        found = await self.live.participants(session_id)
        if found is None:
            return
        session, participants, shown = found
        view = view_of(self.live.knowledge, session)
        for person in participants:
            mine = await self.live.screen_of(session_id, person.user_id)
            reply = screens.participant(self.say(person.language), view, mine.position, mine.strong)
            yield Screen(person.user_id, person.channel_user_id, shown.get(person.user_id), reply)

    async def screen_for(self, session_id: int, channel_user_id: str) -> Screen | None:
        """A member's live screen of the session's current round (someone who just joined
        votes in this round already); None when the session ended or they are no member."""
        found = await self.live.screen_for(session_id, channel_user_id)
        if found is None:
            return None
        session, who, mine = found
        view = view_of(self.live.knowledge, session)
        reply = screens.participant(self.say(who.language), view, mine.position, mine.strong)
        return Screen(who.user_id, channel_user_id, None, reply)
