"""The advisor service: one event of one user, handled in one unit of work.

Channels call :meth:`Advisor.handle`. Events of one user are handled one at a time
(a lock per user in this process, and the conversation's version column across
processes: a conflicting write is retried with fresh state); different users run
concurrently.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable, Collection
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import cast

from bot.app.broadcasting import BroadcastEffects
from bot.app.context import Links, Visitor
from bot.app.effects import Effects
from bot.app.followup import FollowUp
from bot.app.gate import ConsentButtons, GateLanguages, note_pending_start, workshop_joined
from bot.app.handouts import Handouts
from bot.app.live import LiveHub
from bot.app.timeline import Timelines
from bot.settings import DEFAULT_INSIGHT_MIN_GROUP, DEFAULT_TIMEZONE
from flows.advisor import AdvisorFlow
from flows.commands import ADMIN, is_coordinator
from flows.events import (
    ConversationData,
    Event,
    ForgetMe,
    Outcome,
    SetConsent,
    SetLanguage,
    StoredState,
)
from flows.live.effects import OpenLive
from flows.replies import in_order
from flows.screens import Say
from knowledge.model import LANGUAGES, Knowledge
from knowledge.store import KnowledgeStore
from storage import ConcurrentUpdate, Database, Repository

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 3
KEPT_WHEN_DECLINED = (SetConsent, SetLanguage, OpenLive)
"""The effects applied for a user who declined: their choices, nothing of their network
(``/live`` reads a coordinator's cohorts only)."""
Clock = Callable[[], datetime]


def utcnow() -> datetime:
    return datetime.now(UTC)


def language_for(code: str | None) -> str:
    """The bot language for a Telegram ``language_code``: English for ``en*``, else Dutch."""
    if code and code.lower().startswith("en"):
        return "en"
    return LANGUAGES[0]


class UserLocks:
    """One lock per user, dropped again when nobody holds or waits for it."""

    def __init__(self) -> None:
        self._locks: dict[tuple[str, str], tuple[asyncio.Lock, list[int]]] = {}

    @contextlib.asynccontextmanager
    async def hold(self, key: tuple[str, str]) -> AsyncIterator[None]:
        lock, waiting = self._locks.setdefault(key, (asyncio.Lock(), [0]))
        waiting[0] += 1
        try:
            async with lock:
                yield
        finally:
            waiting[0] -= 1
            if not waiting[0]:
                del self._locks[key]

    def __len__(self) -> int:
        return len(self._locks)


class Advisor:
    """Handles events for every channel over one database and one knowledge store."""

    def __init__(
        self,
        db: Database,
        knowledge: KnowledgeStore,
        clock: Clock = utcnow,
        *,
        admins: Collection[tuple[str, str]] = (),
        timezone: str = DEFAULT_TIMEZONE,
        insight_min_group: int = DEFAULT_INSIGHT_MIN_GROUP,
        invite_days: int = 7,
    ) -> None:
        self.db = db
        self.knowledge_store = knowledge
        self.clock = clock
        self.admins = frozenset(admins)
        """(channel, channel user id) of the admins: ADMIN_IDS on Telegram."""
        self.timezone = timezone
        self.links = Links()
        self.live_hub = LiveHub()
        """News of changed live sessions for this process's projector pages."""
        self.followup = FollowUp(timezone, self.links, insight_min_group=insight_min_group)
        self.followup.stewardship.admins = self.admins
        self.followup.stewardship.invite_valid = timedelta(days=invite_days)
        timelines = Timelines(timezone)
        self.effects = Effects(
            self.followup,
            BroadcastEffects(timezone, insight_min_group),
            timelines,
            Handouts(timelines),
        )
        self._flow = AdvisorFlow(knowledge.current, timezone)
        self._locks = UserLocks()
        self.consent_buttons = ConsentButtons()
        """The consent question each user was last shown, in memory: typing "ja" presses
        its "Akkoord" (see :mod:`bot.app.gate`)."""
        self.gate_languages = GateLanguages()
        """The language each user chose before answering it, in memory: every later text
        is in that language (see :mod:`bot.app.gate`)."""

    @property
    def flow(self) -> AdvisorFlow:
        """The flow for the current knowledge (rebuilt once after a reload)."""
        current = self.knowledge_store.current
        if self._flow.knowledge is not current:
            self._flow = AdvisorFlow(current, self.timezone)
        return self._flow

    @property
    def knowledge(self) -> Knowledge:
        return self.flow.knowledge

    async def handle(
        self, channel: str, user_key: str, event: Event, language_code: str | None = None
    ) -> Outcome:
        """Handle one event of one user; state, advice and reflections are stored together."""
        key = (channel, user_key)
        async with self._locks.hold(key):
            now = self.clock()
            event = replace(event, at=now)
            if event.kind == "text":
                event = replace(event, offered=self.consent_buttons.offered(key, now))
            language = self.gate_languages.get(key, now) or language_for(language_code)
            outcome = await self._handle_retrying(channel, user_key, event, language)
            self.consent_buttons.note(key, outcome, now)
            self.gate_languages.note(key, outcome, now)
        if any(isinstance(effect, ForgetMe) for effect in outcome.effects):
            await self.db.after_erasure()
        if not outcome.deferred:
            return outcome
        later = [reply for build in outcome.deferred for reply in await asyncio.to_thread(build)]
        return replace(outcome, replies=in_order([*outcome.replies, *later]), deferred=[])

    async def _handle_retrying(
        self, channel: str, user_key: str, event: Event, language: str
    ) -> Outcome:
        for attempt in range(1, MAX_ATTEMPTS + 1):
            try:
                return await self._handle_once(channel, user_key, event, language)
            except ConcurrentUpdate:
                log.info("conversation changed concurrently; retry %d", attempt)
        return await self._handle_once(channel, user_key, event, language)

    async def _handle_once(
        self, channel: str, user_key: str, event: Event, language: str
    ) -> Outcome:
        """``language``: the user's language when none is stored (Telegram's, or one chosen
        before consent)."""
        work = partial(
            self._handle_in_unit,
            self.flow,
            channel,
            user_key,
            event,
            language,
            self.clock(),
        )
        return await self.db.run(work)

    def _handle_in_unit(
        self,
        flow: AdvisorFlow,
        channel: str,
        user_key: str,
        event: Event,
        language: str,
        now: datetime,
        repo: Repository,
    ) -> Outcome:
        """Load, decide, store: the whole event in one transaction (and one thread hop)."""
        visit = repo.visit(channel, user_key, language, typed=event.kind == "text")
        record = visit.conversation
        roles = visit.roles | ({ADMIN} if (channel, user_key) in self.admins else frozenset())
        if record is None:
            stored = StoredState(
                lang=visit.language, consent=visit.consent, roles=roles, channel=channel
            )
        else:
            stored = StoredState(
                state=record.state,
                flow_version=record.flow_version,
                lang=visit.language,
                consent=visit.consent,
                answers=dict(record.answers),
                # Stored JSON: the flow reads each value defensively.
                data=cast(ConversationData, dict(record.data)),
                roles=roles,
                channel=channel,
            )
        if is_coordinator(roles) and not repo.cohorts.owns_any(visit.user_id):
            event = replace(event, without_cohorts=True)
        if event.kind == "text" and record is not None and visit.consent is True:
            event = replace(event, open_prompt=visit.open_prompt or 0)
        pending = None
        if visit.consent is not True:
            pending = repo.pending_starts.find(channel, user_key)
            stewardship = self.followup.stewardship
            joining = workshop_joined(repo, stewardship, event, pending, visit.user_id)
            event = replace(event, pending_start=pending, joining=joining)
        outcome = flow.handle(stored, event)
        if visit.consent is not True:
            note_pending_start(repo, channel, user_key, event, outcome, pending)
        v = Visitor(
            repo,
            flow.knowledge,
            visit.user_id,
            channel,
            user_key,
            roles,
            Say(flow.knowledge, outcome.state.lang),
            now,
        )
        if ADMIN in roles and event.kind == "command" and event.name == "start":
            v.menus[user_key] = roles  # admins come from the environment
        if any(isinstance(effect, ForgetMe) for effect in outcome.effects):
            repo.privacy.forget(visit.user_id)
            return v.answer(outcome)
        new = outcome.state
        if new.consent is None:
            # Not asked or not answered yet: keep nothing at all, not even the user row.
            repo.privacy.forget(visit.user_id)
            return v.answer(outcome)
        if new.consent is False:
            # Declined: only the choices are kept (not to ask again, and the language to
            # speak), and the timestamps by which retention eventually removes them.
            repo.set_consent(visit.user_id, False)
            for effect in outcome.effects:
                if isinstance(effect, KEPT_WHEN_DECLINED):
                    self.effects.apply(v, effect)
            return v.answer(outcome)
        for effect in outcome.effects:
            self.effects.apply(v, effect)
        repo.save_conversation(
            visit.user_id,
            new.state,
            new.flow_version,
            new.answers,
            new.data,
            expected_version=record.version if record is not None else None,
        )
        return v.answer(outcome)
