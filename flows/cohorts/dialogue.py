"""Cohorts and follow-up in the conversation.

Coordinators create cohorts (a short dialogue: name, workshop date and time, plan, time
zone) and manage them; admins appoint and revoke coordinators; members join a cohort
through its deep link (``/start <code>``), answer their nudges, postpone them or stop
them. Whatever needs the database is an effect; the service applies it and answers with
the screens of :mod:`flows.cohorts.screens`. Creating a cohort and answering a nudge are
detours: afterwards the conversation resumes where the user was.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime, time
from functools import lru_cache
from typing import TYPE_CHECKING, Any
from zoneinfo import available_timezones

from flows.actions import START_PAYLOAD_PATTERN, is_id
from flows.cohorts import screens as fs
from flows.cohorts import stewardship as st
from flows.commands import ADMIN, COORDINATOR, role_names
from flows.definition import (
    ADVICE,
    BC_TEXT,
    BROADCAST_STATES,
    COHORT_CONFIRM,
    COHORT_NAME,
    COHORT_PLAN,
    COHORT_STATES,
    COHORT_WHEN,
    COHORT_ZONE,
    NUDGE_TAG,
    REPLY,
    SIDE_STATES,
)
from flows.events import (
    AnswerPrompt,
    Appoint,
    CloseCohort,
    CohortLink,
    ConversationData,
    CreateCohort,
    CreateInvite,
    Effect,
    JoinCohort,
    ListCohorts,
    ListCoordinators,
    RedeemInvite,
    RescheduleCohort,
    Revoke,
    SetNudges,
    ShareAnswer,
    ShowInsight,
    ShowNudgeSettings,
    Snooze,
)
from flows.replies import excerpt

if TYPE_CHECKING:
    from flows.replies import Reply, Span
    from flows.screens import Say
    from knowledge.guard import Guard
    from knowledge.model import Knowledge

COHORT_COMMANDS = ("cohort", "cohorten")
COORDINATOR_COMMANDS = tuple(n for n in role_names(COORDINATOR) if n not in COHORT_COMMANDS)
BROADCAST_HEADS = frozenset(
    {"btpl", "ball", "btog", "bdil", "bnext", "baud", "bsend", "bstop", "brep"}
)
ADMIN_COMMANDS = role_names(ADMIN)
NUDGE_COMMANDS = ("herinneringen", "stop")
INVITE_PREFIX = "inv_"
"""Start payloads of coordinator invites begin with this; cohort codes never do."""
START_PAYLOAD = START_PAYLOAD_PATTERN
MAX_COHORT_NAME = 80
MAX_ANSWER = 2000
DEFAULT_WORKSHOP_TIME = time(9, 0)
MIN_YEAR, MAX_YEAR = 2000, 2100
"""Workshop years accepted: anything else is a typing error (and 9999 would overflow)."""
_WORKSHOP = re.compile(
    r"(?P<a>\d{1,4})[-/.](?P<b>\d{1,2})[-/.](?P<c>\d{1,4})"
    r"(?:[\s,T]+(?:om\s+|at\s+)?(?P<h>\d{1,2})(?:[:.h](?P<m>\d{2}))?\s*(?:u|uur|h)?)?",
    re.IGNORECASE,
)


def parse_workshop(text: str) -> datetime | None:
    """A workshop's date and time as typed (``12-12-2026 14:00``, ``2026-12-12 14.00``,
    ``12/12/2026``: 09:00 then), as a naive wall-clock datetime; None if it is not one."""
    match = _WORKSHOP.fullmatch(text.strip())
    if match is None:
        return None
    a, b, c = match["a"], match["b"], match["c"]
    if len(a) == 4:
        year, month, day = int(a), int(b), int(c)
    elif len(c) == 4:
        year, month, day = int(c), int(b), int(a)
    else:
        return None
    if not MIN_YEAR <= year <= MAX_YEAR:
        return None
    at = DEFAULT_WORKSHOP_TIME
    try:
        if match["h"] is not None:
            at = time(int(match["h"]), int(match["m"] or 0))
        return datetime.combine(datetime(year, month, day).date(), at)
    except ValueError:
        return None


@lru_cache(maxsize=1)
def _zones() -> dict[str, str]:
    return {name.lower(): name for name in available_timezones()}


def zone_named(text: str) -> str | None:
    """The IANA time zone for ``text`` (any capitalisation, spaces for underscores)."""
    return _zones().get(text.strip().replace(" ", "_").lower())


class CohortActions:
    """Mixed into :class:`flows.conversation.Conversation`."""

    state: str
    answers: dict[str, str]
    data: ConversationData
    effects: list[Effect]
    replies: list[Reply]
    notice: str | None
    lead: list[Span]
    roles: frozenset[str]
    knowledge: Knowledge
    default_timezone: str

    if TYPE_CHECKING:  # supplied by the conversation and the other mixins

        @property
        def say(self) -> Say: ...

        @property
        def guard(self) -> Guard: ...

        def fire(self, trigger: str, **kwargs: Any) -> bool: ...

        def reshow(self) -> None: ...

        def tell(self, key: str, **values: Any) -> None: ...

        def _emit(self, reply: Reply) -> None: ...

        def asks(self, question_id: str) -> bool: ...

        def start_broadcast_dialogue(self) -> bool: ...

        def broadcast_action(self, head: str, arg: str) -> bool: ...

        def clean_or_warn(
            self, guard: Guard, text: str, tag: str = ..., discard: str = ...
        ) -> bool: ...

    # -- roles -------------------------------------------------------------------------

    @property
    def is_admin(self) -> bool:
        return ADMIN in self.roles

    @property
    def is_coordinator(self) -> bool:
        return bool({ADMIN, COORDINATOR} & self.roles)

    # -- commands ----------------------------------------------------------------------

    def stop_nudges(self, args: str) -> None:
        self.effects.append(SetNudges(None, off=True))

    def nudge_settings(self, args: str) -> None:
        self.effects.append(ShowNudgeSettings())

    def list_cohorts(self, args: str) -> None:
        self.effects.append(ListCohorts())

    def broadcast_command(self, args: str) -> None:
        self.start_broadcast_dialogue()

    def insight(self, args: str) -> None:
        self.effects.append(ShowInsight())

    def coordinators(self, args: str) -> None:
        """``/coordinator``: the list; ``/coordinator <Telegram id>``: appoint."""
        if not args:
            self.effects.append(ListCoordinators())
        elif is_id(args) and len(args) <= 20:
            self.effects.append(Appoint(args))
        else:
            self.tell("coordinator_usage")

    def resume_after_detour(self) -> None:
        self.resume()

    def start_payload(self, payload: str) -> None:
        """``/start <payload>`` after consent: join a cohort, or redeem a coordinator invite."""
        if not START_PAYLOAD.fullmatch(payload):
            self.tell("join_unknown")
        elif payload.startswith(INVITE_PREFIX):
            self.effects.append(RedeemInvite(payload))
        else:
            self.effects.append(JoinCohort(payload))

    # -- detours -----------------------------------------------------------------------

    def detour(self, trigger: str) -> bool:
        """Leave for a side dialogue, remembering where to come back to."""
        if self.state not in SIDE_STATES:
            self.data["resume"] = self.state
        return self.fire(trigger)

    def resume(self) -> None:
        """Back to where the user was before the detour: their question, or the advice."""
        target = str(self.data.pop("resume", ADVICE))
        self.data.pop("cohort", None)
        self.data.pop("broadcast", None)
        self.data.pop("reply_to", None)
        self.data.pop("redacted_note", None)
        question = self.knowledge.intake_question(target.removeprefix("q_"))
        if target.startswith("q_") and question is not None and self.asks(question.id):
            # A coordinator at work who has not started the intake: the question waits
            # behind a button instead of greeting them after every cohort or broadcast.
            at_work = self.state in (*COHORT_STATES, *BROADCAST_STATES)
            self.quiet_question = at_work and not self.answers
            self.fire("resume", question=question.id)
        else:
            self.fire("resume")

    # -- coordinator buttons -----------------------------------------------------------

    def cohort_action(self, choice: tuple[str, ...]) -> bool:
        head, arg = choice[0], choice[1] if len(choice) > 1 else ""
        if not self.is_coordinator:
            return False
        if head in BROADCAST_HEADS or (head == "redacted" and self.state == BC_TEXT):
            return self.broadcast_action(head, arg)
        if head == "new":
            self.data["cohort"] = {}
            return self.detour("new_cohort")
        if head == "cancel" and self.state in COHORT_STATES:
            self.lead = self.say("cohort_cancelled")
            self.resume()
            return True
        if head == "cancel" and self.state in BROADCAST_STATES:
            self.lead = self.say("broadcast_cancelled")
            self.data.pop("broadcast", None)
            self.resume()
            return True
        if head == "plan" and self.state == COHORT_PLAN and self.knowledge.plan(arg):
            self._draft()["plan"] = arg
            return self.fire("cohort_next")
        if head == "zone" and self.state == COHORT_CONFIRM:
            return self.fire("cohort_zone")
        if head == "create" and self.state == COHORT_CONFIRM:
            return self.create_cohort()
        if head == "keep":
            self.notice = self.say.label("cohort_kept")
            return True
        if head == "redate" and is_id(arg):
            self.data["cohort"] = {"redate": int(arg)}
            return self.detour("redate_cohort")
        if head in ("link", "close", "closeyes") and is_id(arg):
            cohort_id = int(arg)
            if head == "link":
                self.effects.append(CohortLink(cohort_id))
            else:
                self.effects.append(CloseCohort(cohort_id, confirmed=head == "closeyes"))
            return True
        if head == "invite" and self.is_admin:
            self.effects.append(CreateInvite())
            return True
        if head == "revoke" and self.is_admin and is_id(arg):
            self.effects.append(Revoke(int(arg)))
            return True
        if head in (st.REVOKE_INVITE, st.ADOPT) and self.is_admin and is_id(arg):
            kind = st.RevokeInvite if head == st.REVOKE_INVITE else st.AdoptCohort
            self.effects.append(kind(int(arg)))
            return True
        return False

    def _draft(self) -> dict[str, Any]:
        draft = self.data.get("cohort")
        if not isinstance(draft, dict):
            draft = self.data["cohort"] = {}
        return draft

    def _complete_draft(self) -> tuple[str, datetime, str, str] | None:
        """(name, workshop, plan, zone) when the draft has them all and they are valid."""
        draft = self._draft()
        name, moment, plan = draft.get("name"), draft.get("when"), draft.get("plan")
        zone = draft.get("zone") or self.default_timezone
        if not (isinstance(name, str) and isinstance(moment, str) and isinstance(plan, str)):
            return None
        try:
            workshop = datetime.fromisoformat(moment)
        except ValueError:
            return None
        if self.knowledge.plan(plan) is None or zone_named(str(zone)) is None:
            return None
        return name, workshop, plan, str(zone)

    def create_cohort(self) -> bool:
        complete = self._complete_draft()
        if complete is None:
            return False
        name, workshop, plan, zone = complete
        self.effects.append(CreateCohort(name, workshop.isoformat(), plan, zone))
        self.resume()
        return True

    def cohort_typed(self, text: str) -> None:
        """Typed text while creating a cohort: the name, the date and time, the time zone."""
        draft = self._draft()
        if self.state == COHORT_NAME:
            if len(text) > MAX_COHORT_NAME:
                self.lead = self.say("cohort_name_too_long", limit=MAX_COHORT_NAME)
                self.reshow()
                return
            hits = self.guard.scan(text)
            if hits:
                # Every member sees the name: nothing of it is kept, not even redacted.
                kinds = ", ".join(self.guard.labels(hits, self.say.lang))
                self.lead = self.say("cohort_name_client_data", kinds=kinds)
                self.reshow()
                return
            draft["name"] = text
            self.fire("cohort_next")
        elif self.state == COHORT_WHEN:
            workshop = parse_workshop(text)
            if workshop is None:
                self.lead = self.say("cohort_when_invalid")
                self.reshow()
                return
            if isinstance(draft.get("redate"), int):
                self.effects.append(RescheduleCohort(draft["redate"], workshop.isoformat()))
                self.resume()
                return
            draft["when"] = workshop.isoformat()
            self.fire("cohort_next")
        elif self.state == COHORT_ZONE:
            zone = zone_named(text)
            if zone is None:
                self.lead = self.say("cohort_zone_invalid")
                self.reshow()
                return
            draft["zone"] = zone
            self.fire("cohort_next")
        else:
            self.lead = self.say("use_buttons")
            self.reshow()

    # -- the dialogue's screens (on_enter callbacks) ------------------------------------

    def show_cohort_name(self, event: object) -> None:
        self._emit(fs.ask_cohort_name(self.say))

    def show_cohort_when(self, event: object) -> None:
        if isinstance(self._draft().get("redate"), int):
            self._emit(fs.ask_new_workshop_time(self.say))
            return
        name = self._draft().get("name")
        if not isinstance(name, str):
            self.state = COHORT_NAME
            self.show_cohort_name(event)
            return
        self._emit(fs.ask_cohort_when(self.say, name))

    def show_cohort_plan(self, event: object) -> None:
        self._emit(fs.ask_cohort_plan(self.say, self.knowledge.plans))

    def show_cohort_zone(self, event: object) -> None:
        self._emit(fs.ask_cohort_zone(self.say, self.default_timezone))

    def show_cohort_confirm(self, event: object) -> None:
        complete = self._complete_draft()
        if complete is None:
            self.state = COHORT_NAME
            self.show_cohort_name(event)
            return
        self._emit(fs.confirm_cohort(self.say, *complete))

    def show_reply_prompt(self, event: object) -> None:
        self._emit(fs.reply_prompt(self.say))

    # -- members: nudge buttons and answers -----------------------------------------------

    def nudge_action(self, choice: tuple[str, ...]) -> bool:
        head, arg = choice[0], choice[1] if len(choice) > 1 else ""
        if head == "reply" and is_id(arg):
            self.data["reply_to"] = int(arg)
            return self.detour("reply")
        if head in ("later", "week") and is_id(arg):
            self.effects.append(Snooze(int(arg), "day" if head == "later" else "week"))
            return True
        if head in ("stop", "off") and not arg:
            self.effects.append(SetNudges(None, off=True))
            return True
        if head == "window" and self.knowledge.window(arg) is not None and arg:
            self.effects.append(SetNudges(arg, off=False))
            return True
        if head == "share" and is_id(arg):
            self.effects.append(ShareAnswer(int(arg)))
            return True
        if head == "cancel" and self.state == REPLY:
            self.lead = self.say("reply_cancelled")
            self.resume()
            return True
        if head == "redacted" and self.state == REPLY:
            redacted = self.data.get("redacted_note")
            if not isinstance(redacted, str):
                return False
            self.keep_answer(redacted)
            return True
        return False

    def answer_typed(self, text: str) -> None:
        """Typed text while answering a nudge: checked for client data, then kept."""
        if len(text) > MAX_ANSWER:
            self.tell("note_too_long", limit=MAX_ANSWER)
            return
        if not self.clean_or_warn(self.guard, text, NUDGE_TAG, "cancel"):
            return
        self.keep_answer(text)

    def keep_answer(self, text: str) -> None:
        reply_to = self.data.get("reply_to")
        self.effects.append(AnswerPrompt(reply_to if isinstance(reply_to, int) else 0, text))
        self.lead = self.say("note_saved", text=excerpt(text))
        self.resume()


COMMAND_HANDLERS: dict[str, Callable[[CohortActions, str], None]] = {
    "herinneringen": CohortActions.nudge_settings,
    "stop": CohortActions.stop_nudges,
    "cohort": CohortActions.list_cohorts,
    "broadcast": CohortActions.broadcast_command,
    "inzicht": CohortActions.insight,
    "coordinator": CohortActions.coordinators,
}
"""The commands of cohorts and follow-up (roles are checked by the command table)."""
