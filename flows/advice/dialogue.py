"""The advice phase: the advice and its dilemmas (their pages, why, more), an answer to
change, a note, a reminder, starting over; browsing the dilemmas by level (also before
consent); ``/vraag``, whose answer may be kept as a reflection; and a description of the
user's situation, matched to dilemmas.
"""

from __future__ import annotations

from typing import Any

from flows.advice import cards, screens
from flows.definition import (
    ADVICE,
    ADVICE_PHASE,
    ADVICE_TAG,
    BROADCAST_STATES,
    BROWSE_TAG,
    COHORT_STATES,
    DETAIL,
    NOTE,
    REPLY,
    SIDE_STATES,
)
from flows.events import SaveAdvice, SaveReflection, ScheduleReminder
from flows.feature import Context, Registry, keep_typed, local_year
from flows.intake.dialogue import Intake
from flows.replies import Span, excerpt
from flows.screens import answer_label, question_name
from flows.timeline.dialogue import Timeline
from knowledge.textmatch import map_answer, match_dilemmas

REMIND_DAYS = 7
ADVICE_ACTIONS = (
    "show",
    "why",
    "more",
    "edit",
    "note",
    "advice",
    "remind",
    "restart",
    "redacted",
    "continue",
)
MAX_REFLECTION = 2000
"""The longest reflection a user can keep."""


class AdvicePhase:
    """What the user does with the advice; ``intake`` changes answers and starts over,
    ``timeline`` closes a re-check at the advice."""

    def __init__(self, intake: Intake, timeline: Timeline) -> None:
        self.intake = intake
        self.timeline = timeline

    def register(self, registry: Registry) -> None:
        registry.command("advies", lambda ctx, args: self.advice_command(ctx))
        registry.command("dilemmas", lambda ctx, args: ctx.replies.append(screens.levels(ctx.say)))
        registry.command("vraag", lambda ctx, args: self.reflection_question(ctx))
        registry.command("terug", lambda ctx, args: self.back(ctx))
        registry.action(ADVICE_TAG, self.advice_action)
        registry.action(BROWSE_TAG, self.browse, at_gate=True)
        registry.state_text((NOTE,), self.save_note)
        registry.text(self.answers_reflection_question, first=True)
        registry.text(self.describe)
        registry.screen("show_advice", self.show_advice)
        registry.screen("show_detail", self.show_detail)
        registry.screen("show_why", self.show_why)
        registry.screen("show_more", self.show_more)
        registry.screen("show_note_prompt", self.show_note_prompt)

    # -- screens (on_enter callbacks) ----------------------------------------------------

    def show_advice(self, ctx: Context, event: object) -> None:
        was_editing = ctx.data.pop("editing", False)
        advice = ctx.advice()
        profile = dict(advice.profile)
        if self.timeline.rechecking(ctx):
            self.timeline.finish_recheck(ctx, profile, advice)
        elif profile != ctx.data.get("advised"):
            if was_editing:
                ctx.lead = ctx.lead + ([Span("\n")] if ctx.lead else []) + ctx.say("advice_updated")
            ctx.data["advised"] = profile
            ctx.effects.append(SaveAdvice(profile, tuple(s.dilemma.id for s in advice.ranked)))
        say = ctx.say
        # Counted as "Vraag 2 van 7" counts: the numbered questions still open; the
        # optional deepening ones only when those are all that is left, and named so.
        unasked = set(self.unasked(ctx))
        open_ = [q for q in ctx.knowledge.intake if q.id in unasked]
        numbered = [q for q in open_ if not q.deepening]
        left = len(numbered) or len(open_)
        optional = not numbered
        ctx.emit(lambda room: cards.advice(say, advice, room, left=left, optional=optional))

    def show_detail(self, ctx: Context, event: object) -> None:
        dilemma = ctx.knowledge.dilemma(str(ctx.data.get("dilemma", "")))
        if dilemma is None:
            ctx.state = ADVICE
            self.show_advice(ctx, event)
            return
        page = str(ctx.data.get("page", "main"))
        scored = ctx.advice().find(dilemma.id)
        say = ctx.say
        ctx.emit(lambda room: cards.detail(say, dilemma, scored, page, room))

    def show_why(self, ctx: Context, event: object) -> None:
        say = ctx.say
        # Only questions the user saw count as skipped, not those never asked (/advies early),
        # nor an answer that no longer counts (its option no longer fits the other answers):
        # it had no part in the advice, and it was not skipped.
        skipped = set(ctx.skipped())
        profile = ctx.advice().profile
        lines = cards.answered_lines(
            say,
            [q for q in ctx.asked() if q.id in profile or q.id in skipped],
            profile,
            lambda q, v: answer_label(say, q, v),
            lambda q: question_name(say, q),
        )
        advice = ctx.advice()
        ctx.emit(lambda room: cards.why(say, advice, lines, room))

    def show_more(self, ctx: Context, event: object) -> None:
        ctx.emit(screens.more(ctx.say, ctx.advice()))

    def show_note_prompt(self, ctx: Context, event: object) -> None:
        dilemma = ctx.knowledge.dilemma(str(ctx.data.get("dilemma", "")))
        ctx.emit(screens.note_prompt(ctx.say, dilemma))

    # -- commands and buttons ------------------------------------------------------------

    @staticmethod
    def unasked(ctx: Context) -> list[str]:
        """The questions not answered nor skipped yet (``/advies`` in the middle)."""
        done = {*ctx.answers, *ctx.skipped()}
        return [q.id for q in ctx.asked() if q.id not in done]

    def advice_command(self, ctx: Context) -> None:
        ctx.fire("advice")

    def back(self, ctx: Context) -> None:
        """``/terug``: one level up. Browsing ends where the user was; in the intake, the
        question before; a dilemma's other page goes to its first page, a note on a
        dilemma to that dilemma, a side dialogue (a cohort, an answer to a nudge) to where the
        user was, anything else of the advice to the advice."""
        if self.intake.leave_browsing(ctx):
            return
        if ctx.current_question() is not None:
            self.intake.back(ctx)
        elif ctx.state == DETAIL and ctx.data.get("page", "main") != "main":
            ctx.data["page"] = "main"
            ctx.reshow()
        elif ctx.state == NOTE and ctx.knowledge.dilemma(str(ctx.data.get("dilemma", ""))):
            ctx.data.pop("redacted_note", None)
            ctx.fire("done")
        elif ctx.state in SIDE_STATES:
            ctx.resume()
        else:
            ctx.fire("advice")

    def advice_action(self, ctx: Context, choice: tuple[str, ...]) -> bool:
        head, arg = choice[0], choice[1] if len(choice) > 1 else ""
        if head == "open" and len(choice) == 1:
            # The reminder's button: the advice, wherever the user is (as /advies).
            self.advice_command(ctx)
            return True
        if ctx.state not in ADVICE_PHASE or head not in ADVICE_ACTIONS:
            return False
        if head == "restart":
            self.intake.ask_restart(ctx)
            return True
        if head == "redacted":
            redacted = ctx.data.get("redacted_note")
            if ctx.state != NOTE or not isinstance(redacted, str):
                return False
            self.keep_note(ctx, redacted)
            return True
        if head == "show" or (head == "note" and arg):
            if ctx.knowledge.dilemma(arg) is None:
                return False
            page = choice[2] if head == "show" and len(choice) > 2 else "main"
            if page != "main" and page not in cards.PAGES:
                return False
            ctx.data["dilemma"] = arg
            ctx.data["page"] = page
        if head == "continue":
            # A partial advice: on with the first question not answered yet.
            left = self.unasked(ctx)
            if not left:
                return False
            ctx.data.pop("editing", None)
            return ctx.fire("edit", question=left[0])
        if head == "edit" and arg:
            if not ctx.asks(arg):
                return False
            ctx.data["editing"] = True
            return ctx.fire("edit", question=arg)
        if head == "remind":
            if arg and ctx.knowledge.dilemma(arg) is None:
                return False
            # The answer names the moment: the service knows the user's window.
            ctx.effects.append(ScheduleReminder(REMIND_DAYS, arg or "advice"))
            ctx.notice = ctx.say.label("remind_set_short")
            return True
        if head == "note" and not arg:
            ctx.data.pop("dilemma", None)
        return ctx.fire(head)

    def browse(self, ctx: Context, choice: tuple[str, ...]) -> bool:
        """Browsing the dilemmas: the levels, one level, one dilemma and its pages."""
        say = ctx.say
        head, arg = choice[0], choice[1] if len(choice) > 1 else ""
        if head == "levels":
            ctx.replies.append(screens.levels(say))
        elif head == "level" and any(lv.id == arg for lv in ctx.knowledge.levels):
            ctx.replies.append(screens.level(say, arg))
        elif head == "show" and (dilemma := ctx.knowledge.dilemma(arg)) is not None:
            page = choice[2] if len(choice) > 2 else "main"
            if page != "main" and page not in cards.PAGES:
                return False
            ctx.replies.append(cards.browse_detail(say, dilemma, page))
        else:
            return False
        return True

    # -- notes ---------------------------------------------------------------------------

    def save_note(self, ctx: Context, text: str) -> None:
        keep_typed(ctx, text, MAX_REFLECTION, ADVICE_TAG, "advice", self.keep_note)

    def keep_note(self, ctx: Context, text: str) -> None:
        ctx.data.pop("redacted_note", None)
        subject = str(ctx.data.get("dilemma") or "advice")
        ctx.effects.append(SaveReflection(subject, text))
        ctx.lead = ctx.say("note_saved", text=excerpt(text))
        if ctx.data.get("dilemma"):
            ctx.fire("done")
        elif ctx.state in SIDE_STATES:
            ctx.resume()
        else:
            ctx.fire("advice")

    # -- /vraag and its answer -------------------------------------------------------------

    def reflection_question(self, ctx: Context) -> None:
        """One reflection question, rotating; from the user's advice when there is one."""
        k = ctx.knowledge
        pool = [q for s in ctx.advice().top() for q in s.questions] if ctx.answers else []
        pool = pool or list(k.questions.values())
        if not pool:
            ctx.tell("help")
            return
        turn = int(ctx.data.get("question_turn", 0))
        ctx.data["question_turn"] = turn + 1
        asked = pool[turn % len(pool)]
        ctx.tell("reflection_question", question=ctx.say.plain(asked.text))
        if ctx.consent is True:
            ctx.data["asked_question"] = [asked.id, ctx.state]

    def answers_reflection_question(self, ctx: Context, text: str) -> bool:
        """Text typed right after ``/vraag`` (in the same state) answers its question: it is
        offered to be kept as a reflection rather than read as something else and lost.
        Client data in it is replaced before it is held, like any note."""
        asked: Any = ctx.data.pop("asked_question", None)
        if not (isinstance(asked, list) and len(asked) == 2 and asked[1] == ctx.state):
            return False
        if ctx.state in (NOTE, REPLY, *COHORT_STATES, *BROADCAST_STATES):
            return False
        intake = ctx.current_question()
        if (
            intake is not None
            and map_answer(intake, text, ctx.knowledge, year=local_year(ctx)).outcome == "matched"
        ):
            # The intake question came again after /vraag: an answer to it is that answer.
            return False
        question = ctx.knowledge.questions.get(str(asked[0]))
        if question is None or len(text) > MAX_REFLECTION:
            return False
        guard = ctx.guard
        hits = guard.scan(text)
        held = guard.redact(text, ctx.say.lang, hits) if hits else text
        # Kept under the dilemma the question belongs to, like a note on that dilemma.
        subject = next(
            (d.id for d in ctx.knowledge.dilemmas if question.id in d.questions), "advice"
        )
        ctx.data["pending_reflection"] = [subject, held]
        ctx.replies.append(screens.keep_answer(ctx.say, held if hits else None))
        if ctx.current_question() is not None:
            ctx.reshow()
        return True

    def keep_reflection_answer(self, ctx: Context) -> bool:
        """The "keep as a reflection" button: the answer held since ``/vraag`` is saved."""
        pending = ctx.data.pop("pending_reflection", None)
        if not (isinstance(pending, list) and len(pending) == 2):
            return False
        subject, text = str(pending[0]), str(pending[1])
        ctx.effects.append(SaveReflection(subject, text))
        ctx.tell("note_saved", text=excerpt(text))
        return True

    def describe(self, ctx: Context, text: str) -> bool:
        """A description of the user's situation: the dilemmas it resembles."""
        matches = match_dilemmas(text, ctx.knowledge)[:3]
        found = [
            (d, m.words) for m in matches if (d := ctx.knowledge.dilemma(m.dilemma)) is not None
        ]
        ctx.replies.append(screens.text_matches(ctx.say, found))
        return True
