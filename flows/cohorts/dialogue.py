"""Cohorts and follow-up in the conversation.

Coordinators create cohorts (a short dialogue: name, workshop date and time, plan, time
zone) and manage them; admins appoint and revoke coordinators; members join a cohort
through its deep link (``/start <code>``), answer their nudges, postpone them or stop
them. Whatever needs the database is an effect; the service applies it and answers with
the screens of :mod:`flows.cohorts.screens`. Creating a cohort and answering a nudge are
detours: afterwards the conversation resumes where the user was.
"""

from __future__ import annotations

from datetime import datetime, time
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo, available_timezones

from flows.actions import INVITE_PREFIX, START_PAYLOAD_PATTERN, is_id
from flows.broadcasts.dialogue import Broadcasts
from flows.cohorts import screens as fs
from flows.cohorts import stewardship as st
from flows.cohorts.effects import ListCoordinators
from flows.commands import ADMIN, COORDINATOR, is_coordinator, role_names
from flows.date_reading import DateWords, date_words, read_moment
from flows.definition import (
    BROADCAST_STATES,
    COHORT_CONFIRM,
    COHORT_NAME,
    COHORT_PLAN,
    COHORT_STATES,
    COHORT_TAG,
    COHORT_WHEN,
    COHORT_ZONE,
    NOTE,
    NUDGE_TAG,
    REPLY,
    SIDE_STATES,
)
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
    SetNudges,
    ShareAnswer,
    ShowInsight,
    ShowNudgeSettings,
    Snooze,
)
from flows.feature import Context, Registry, keep_typed
from flows.replies import excerpt
from knowledge.model import Knowledge

COHORT_COMMANDS = ("cohort", "cohorten")
COORDINATOR_COMMANDS = tuple(n for n in role_names(COORDINATOR) if n not in COHORT_COMMANDS)
BROADCAST_HEADS = frozenset(
    {"btpl", "ball", "btog", "bdil", "bnext", "baud", "bsend", "bstop", "brep"}
)
ADMIN_COMMANDS = role_names(ADMIN)
NUDGE_COMMANDS = ("herinneringen", "stop")
START_PAYLOAD = START_PAYLOAD_PATTERN
MAX_COHORT_NAME = 80
MAX_ANSWER = 2000
DEFAULT_WORKSHOP_TIME = time(9, 0)


@lru_cache(maxsize=1)
def _zones() -> dict[str, str]:
    return {name.lower(): name for name in available_timezones()}


def zone_named(text: str) -> str | None:
    """The IANA time zone for ``text`` (any capitalisation, spaces for underscores)."""
    return _zones().get(text.strip().replace(" ", "_").lower())


class Cohorts:
    """Cohorts, coordinators and the members' follow-up; the coordinator's ``c:`` buttons
    of a broadcast are handed on to :class:`~flows.broadcasts.dialogue.Broadcasts`."""

    def __init__(self, broadcasts: Broadcasts) -> None:
        self.broadcasts = broadcasts
        self._words: tuple[Knowledge, DateWords] | None = None
        """The date words of the knowledge base last seen (read once, not per event)."""

    def register(self, registry: Registry) -> None:
        registry.command("herinneringen", self.nudge_settings)
        registry.command("stop", self.stop_nudges)
        registry.command("cohort", self.list_cohorts)
        registry.command("broadcast", self.broadcast_command)
        registry.command("inzicht", self.insight)
        registry.command("coordinator", self.coordinators)
        registry.action(COHORT_TAG, self.cohort_action)
        registry.action(NUDGE_TAG, self.nudge_action)
        registry.state_text(COHORT_STATES, self.typed)
        registry.state_text((REPLY,), self.answer_typed)
        registry.text(self.offer_typed_reply, first=True)
        registry.screen("show_cohort_name", self.show_cohort_name)
        registry.screen("show_cohort_when", self.show_cohort_when)
        registry.screen("show_cohort_plan", self.show_cohort_plan)
        registry.screen("show_cohort_zone", self.show_cohort_zone)
        registry.screen("show_cohort_confirm", self.show_cohort_confirm)
        registry.screen("show_reply_prompt", self.show_reply_prompt)
        self.broadcasts.register(registry)

    # -- commands ----------------------------------------------------------------------

    def stop_nudges(self, ctx: Context, args: str) -> None:
        ctx.effects.append(SetNudges(None, off=True))

    def nudge_settings(self, ctx: Context, args: str) -> None:
        ctx.effects.append(ShowNudgeSettings())

    def list_cohorts(self, ctx: Context, args: str) -> None:
        ctx.effects.append(ListCohorts())

    def broadcast_command(self, ctx: Context, args: str) -> None:
        self.broadcasts.start(ctx)

    def insight(self, ctx: Context, args: str) -> None:
        ctx.effects.append(ShowInsight())

    def coordinators(self, ctx: Context, args: str) -> None:
        """``/coordinator``: the list; ``/coordinator <Telegram id>``: appoint."""
        if not args:
            ctx.effects.append(ListCoordinators())
        elif is_id(args) and len(args) <= 20:
            ctx.effects.append(Appoint(args))
        else:
            ctx.tell("coordinator_usage")

    def start_payload(self, ctx: Context, payload: str) -> None:
        """``/start <payload>`` after consent: join a cohort, or redeem a coordinator invite."""
        if not START_PAYLOAD.fullmatch(payload):
            ctx.tell("join_unknown")
        elif payload.startswith(INVITE_PREFIX):
            ctx.effects.append(RedeemInvite(payload))
        else:
            ctx.effects.append(JoinCohort(payload))

    # -- coordinator buttons -----------------------------------------------------------

    def cohort_action(self, ctx: Context, choice: tuple[str, ...]) -> bool:
        head, arg = choice[0], choice[1] if len(choice) > 1 else ""
        if not is_coordinator(ctx.roles):
            return False
        if head in BROADCAST_HEADS or (
            head in ("redacted", "cancel") and ctx.state in BROADCAST_STATES
        ):
            return self.broadcasts.action(ctx, head, arg)
        if head == "new":
            ctx.data["cohort"] = {}
            return ctx.detour("new_cohort")
        if head == "cancel" and ctx.state in COHORT_STATES:
            ctx.lead = ctx.say("cohort_cancelled")
            ctx.resume()
            return True
        if head == "plan" and ctx.state == COHORT_PLAN and ctx.knowledge.plan(arg):
            self._draft(ctx)["plan"] = arg
            return ctx.fire("cohort_next")
        if head == "zone" and ctx.state == COHORT_CONFIRM:
            return ctx.fire("cohort_zone")
        if head == "create" and ctx.state == COHORT_CONFIRM:
            return self.create_cohort(ctx)
        if head == "keep":
            ctx.notice = ctx.say.label("cohort_kept")
            return True
        if head == "redate" and is_id(arg):
            # A button from before the zone was on it: the default zone, as then.
            zone = zone_named(choice[2]) if len(choice) > 2 else None
            ctx.data["cohort"] = {"redate": int(arg), "zone": zone or ctx.default_timezone}
            return ctx.detour("redate_cohort")
        if head in ("link", "close", "closeyes") and is_id(arg):
            cohort_id = int(arg)
            if head == "link":
                ctx.effects.append(CohortLink(cohort_id))
            else:
                ctx.effects.append(CloseCohort(cohort_id, confirmed=head == "closeyes"))
            return True
        if head == "coords" and ADMIN in ctx.roles and is_id(arg):
            ctx.effects.append(ListCoordinators(int(arg)))
            return True
        if head == "invite" and ADMIN in ctx.roles:
            ctx.effects.append(CreateInvite())
            return True
        if head in ("revoke", "revokeyes") and ADMIN in ctx.roles and is_id(arg):
            ctx.effects.append(Revoke(int(arg), confirmed=head == "revokeyes"))
            return True
        if head == "revokeno" and ADMIN in ctx.roles:
            ctx.notice = ctx.say.label("revoke_kept")
            return True
        if head in (st.REVOKE_INVITE, st.ADOPT) and ADMIN in ctx.roles and is_id(arg):
            kind = st.RevokeInvite if head == st.REVOKE_INVITE else st.AdoptCohort
            ctx.effects.append(kind(int(arg)))
            return True
        return False

    def _draft(self, ctx: Context) -> dict[str, Any]:
        draft = ctx.data.get("cohort")
        if not isinstance(draft, dict):
            draft = ctx.data["cohort"] = {}
        return draft

    def _complete_draft(self, ctx: Context) -> tuple[str, datetime, str, str] | None:
        """(name, workshop, plan, zone) when the draft has them all and they are valid."""
        draft = self._draft(ctx)
        name, moment, plan = draft.get("name"), draft.get("when"), draft.get("plan")
        zone = draft.get("zone") or ctx.default_timezone
        if not (isinstance(name, str) and isinstance(moment, str) and isinstance(plan, str)):
            return None
        try:
            workshop = datetime.fromisoformat(moment)
        except ValueError:
            return None
        if ctx.knowledge.plan(plan) is None or zone_named(str(zone)) is None:
            return None
        return name, workshop, plan, str(zone)

    def create_cohort(self, ctx: Context) -> bool:
        complete = self._complete_draft(ctx)
        if complete is None:
            return False
        name, workshop, plan, zone = complete
        ctx.effects.append(CreateCohort(name, workshop.isoformat(), plan, zone))
        ctx.resume()
        return True

    def typed(self, ctx: Context, text: str) -> None:
        """Typed text while creating a cohort: the name, the date and time, the time zone."""
        draft = self._draft(ctx)
        if ctx.state == COHORT_NAME:
            if len(text) > MAX_COHORT_NAME:
                ctx.lead = ctx.say("cohort_name_too_long", limit=MAX_COHORT_NAME)
                ctx.reshow()
                return
            hits = ctx.guard.scan(text)
            if hits:
                # Every member sees the name: nothing of it is kept, not even redacted.
                kinds = ", ".join(ctx.guard.labels(hits, ctx.say.lang))
                ctx.lead = ctx.say("cohort_name_client_data", kinds=kinds)
                ctx.reshow()
                return
            draft["name"] = text
            ctx.fire("cohort_next")
        elif ctx.state == COHORT_WHEN:
            workshop = self.read_workshop(ctx, text)
            if workshop is None:
                ctx.reshow()
                return
            if isinstance(draft.get("redate"), int):
                ctx.effects.append(RescheduleCohort(draft["redate"], workshop.isoformat()))
                if ctx.lead == ctx.say("cohort_when_read", when=fs.when(ctx.say, workshop)):
                    ctx.lead = []  # the confirmation names the moment
                # The confirmation first, then where the user was (review 6, F33).
                ctx.after_effects(ctx.resume)
                return
            draft["when"] = workshop.isoformat()
            ctx.fire("cohort_next")
        elif ctx.state == COHORT_ZONE:
            zone = zone_named(text)
            if zone is None:
                ctx.lead = ctx.say("cohort_zone_invalid")
                ctx.reshow()
                return
            draft["zone"] = zone
            ctx.fire("cohort_next")
        else:
            ctx.lead = ctx.say("use_buttons")
            ctx.reshow()

    def read_workshop(self, ctx: Context, text: str) -> datetime | None:
        """The workshop's moment as typed, echoed ("Dat is dinsdag 8 december 2026 om
        14:00."); None, with the reason as the lead, when it is not one or has passed. A
        past moment counts only with its year: a cohort made after its workshop. Read on
        the wall clock of the draft's zone: a cohort's own when it is moved."""
        if self._words is None or self._words[0] is not ctx.knowledge:
            self._words = (ctx.knowledge, date_words(ctx.knowledge))
        zone = ZoneInfo(self._draft(ctx).get("zone") or ctx.default_timezone)
        now = ctx.now.astimezone(zone).replace(tzinfo=None)
        read = read_moment(text, now, self._words[1], DEFAULT_WORKSHOP_TIME)
        if read is None:
            ctx.lead = ctx.say("cohort_when_invalid", text=excerpt(text))
            return None
        shown = fs.when(ctx.say, read.at)
        if read.at >= now:
            ctx.lead = ctx.say("cohort_when_read", when=shown)
        elif read.year_typed:
            ctx.lead = ctx.say("cohort_when_read_past", when=shown)
        else:
            ctx.lead = ctx.say("cohort_when_past", when=shown)
            return None
        return read.at

    # -- the dialogue's screens (on_enter callbacks) ------------------------------------

    def show_cohort_name(self, ctx: Context, event: object) -> None:
        ctx.emit(fs.ask_cohort_name(ctx.say))

    def show_cohort_when(self, ctx: Context, event: object) -> None:
        if isinstance(self._draft(ctx).get("redate"), int):
            zone = self._draft(ctx).get("zone") or ctx.default_timezone
            ctx.emit(fs.ask_new_workshop_time(ctx.say, zone))
            return
        name = self._draft(ctx).get("name")
        if not isinstance(name, str):
            ctx.state = COHORT_NAME
            self.show_cohort_name(ctx, event)
            return
        ctx.emit(fs.ask_cohort_when(ctx.say, name))

    def show_cohort_plan(self, ctx: Context, event: object) -> None:
        ctx.emit(fs.ask_cohort_plan(ctx.say, ctx.knowledge.plans))

    def show_cohort_zone(self, ctx: Context, event: object) -> None:
        ctx.emit(fs.ask_cohort_zone(ctx.say, ctx.default_timezone))

    def show_cohort_confirm(self, ctx: Context, event: object) -> None:
        complete = self._complete_draft(ctx)
        if complete is None:
            ctx.state = COHORT_NAME
            self.show_cohort_name(ctx, event)
            return
        ctx.emit(fs.confirm_cohort(ctx.say, *complete))

    def show_reply_prompt(self, ctx: Context, event: object) -> None:
        ctx.emit(fs.reply_prompt(ctx.say))

    # -- members: nudge buttons and answers -----------------------------------------------

    def nudge_action(self, ctx: Context, choice: tuple[str, ...]) -> bool:
        head, arg = choice[0], choice[1] if len(choice) > 1 else ""
        if head == "reply" and is_id(arg):
            ctx.data["reply_to"] = int(arg)
            return ctx.detour("reply")
        if head == "keep" and is_id(arg):
            return self.keep_typed_reply(ctx, int(arg))
        if head in ("later", "week") and is_id(arg):
            ctx.effects.append(Snooze(int(arg), "day" if head == "later" else "week"))
            return True
        if head in ("stop", "off") and not arg:
            ctx.effects.append(SetNudges(None, off=True))
            return True
        if head == "window" and ctx.knowledge.window(arg) is not None and arg:
            ctx.effects.append(SetNudges(arg, off=False))
            return True
        if head == "share" and is_id(arg):
            ctx.effects.append(ShareAnswer(int(arg)))
            return True
        if head == "cancel" and ctx.state == REPLY:
            ctx.lead = ctx.say("reply_cancelled")
            ctx.resume()
            return True
        if head == "redacted" and ctx.state == REPLY:
            redacted = ctx.data.get("redacted_note")
            if not isinstance(redacted, str):
                return False
            self.keep_answer(ctx, redacted)
            return True
        return False

    def offer_typed_reply(self, ctx: Context, text: str) -> bool:
        """Text typed when an unanswered nudge or coordinator's question is the newest thing
        the user saw: in Telegram people answer by typing, not by the "Antwoorden" button.
        The text is offered to be kept as the answer (client data replaced first), and the
        question the conversation waits for is shown again: nothing is read into it."""
        if not ctx.open_prompt or len(text) > MAX_ANSWER:
            return False
        if ctx.state in (NOTE, *SIDE_STATES):
            return False
        guard = ctx.guard
        hits = guard.scan(text)
        held = guard.redact(text, ctx.say.lang, hits) if hits else text
        ctx.data["typed_reply"] = {"to": ctx.open_prompt, "text": held}
        ctx.emit(fs.typed_reply_offer(ctx.say, ctx.open_prompt, held if hits else None))
        ctx.reshow()
        return True

    def keep_typed_reply(self, ctx: Context, outbox_id: int) -> bool:
        """The offer's button: the text held since it was typed is the prompt's answer."""
        pending = ctx.data.pop("typed_reply", None)
        if not isinstance(pending, dict) or pending.get("to") != outbox_id:
            return False
        text = str(pending.get("text", ""))
        if not text:
            return False
        ctx.effects.append(AnswerPrompt(outbox_id, text))
        ctx.tell("note_saved", text=excerpt(text))
        return True

    def answer_typed(self, ctx: Context, text: str) -> None:
        """Typed text while answering a nudge: checked for client data, then kept."""
        keep_typed(ctx, text, MAX_ANSWER, NUDGE_TAG, "cancel", self.keep_answer)

    def keep_answer(self, ctx: Context, text: str) -> None:
        reply_to = ctx.data.get("reply_to")
        ctx.effects.append(AnswerPrompt(reply_to if isinstance(reply_to, int) else 0, text))
        # "Genoteerd", then what the service has to say about the answer (the offer to
        # share an answer to a broadcast), then where the user goes on: their question.
        ctx.tell("note_saved", text=excerpt(text))
        ctx.after_effects(ctx.resume)
