"""The intake in the conversation: one question per state, answered by a button or in
words (free text mapped onto the options), skipped, or gone back from; ``/profiel`` to
change an answer, going back a question, and ``/opnieuw`` (which asks first, since it wipes the
answers). During a re-check (:class:`~flows.timeline.dialogue.Timeline`) each question
also offers "Ongewijzigd".
"""

from __future__ import annotations

from flows import understood
from flows.definition import BROWSE_TAG
from flows.events import fresh_data
from flows.feature import Context, Registry, catalogue_words, local_year
from flows.intake import screens
from flows.screens import question_name
from flows.timeline.dialogue import Timeline
from flows.timeline.recheck import UNCHANGED, unchanged_button
from knowledge.model import IntakeQuestion
from knowledge.textmatch import map_answer, names_topic_of, normalize

FAILURES_BEFORE_OPTIONS = 2
"""Typed answers that match no option before the reply says so more plainly."""


class Intake:
    """The questions and the user's answers."""

    def __init__(self, timeline: Timeline) -> None:
        self.timeline = timeline

    def register(self, registry: Registry) -> None:
        registry.command("profiel", self.profile_command)
        registry.command("opnieuw", lambda ctx, args: self.ask_restart(ctx))
        registry.action(BROWSE_TAG, self.restart_action)
        registry.answers = self.answer_action
        registry.text(self.question_text)
        registry.screen("show_question", self.show_question)
        registry.screen("show_profile", self.show_profile)

    # -- screens (on_enter callbacks) ----------------------------------------------------

    def show_question(self, ctx: Context, event: object) -> None:
        question = ctx.current_question()
        assert question is not None
        if ctx.quiet_question:
            ctx.quiet_question = False
            ctx.emit(screens.resume_intake(ctx.say))
            return
        # The count is of what this user will be asked: the numbered questions that apply
        # after the answers so far, then (separately, optional) the deepening ones.
        counted = [
            q for q in ctx.knowledge.intake if q.deepening == question.deepening and ctx.asks(q.id)
        ]
        number = next((i for i, q in enumerate(counted, start=1) if q.id == question.id), 0)
        current = ctx.answers.get(question.id)
        profile = ctx.flow_profile()
        extra = (unchanged_button(ctx.say, question),) if self.timeline.rechecking(ctx) else ()
        ctx.emit(
            screens.question(
                ctx.say,
                question,
                number,
                len(counted),
                current,
                question.offered(profile),
                extra,
                back=self.can_go_back(ctx, question),
                to_advice=self.past_the_core(ctx, question),
                deepening=question.deepening,
            )
        )

    @staticmethod
    def can_go_back(ctx: Context, question: IntakeQuestion) -> bool:
        """Whether "Terug" leads somewhere from ``question``: to the advice while an answer
        is changed, else to an earlier question. The first question has nothing before it
        (the privacy question was answered), so it offers no "Terug"."""
        asked = [q.id for q in ctx.asked()]
        return bool(ctx.data.get("editing")) or question.id not in asked[:1]

    @staticmethod
    def past_the_core(ctx: Context, question: IntakeQuestion) -> bool:
        """Whether ``question`` is optional and asked after every core question: only then
        does "Direct naar het advies" skip nothing but questions that sharpen the advice
        (optional questions also come between the core ones, where a conversation asks
        them)."""
        intake = ctx.knowledge.intake
        index = next((i for i, q in enumerate(intake) if q.id == question.id), len(intake))
        return not any(q.core for q in intake[index:])

    def show_profile(self, ctx: Context, event: object) -> None:
        ctx.data.pop("editing", None)
        ctx.emit(
            screens.profile(ctx.say, ctx.asked(), ctx.answers, ctx.skipped(), ctx.flow_profile())
        )

    # -- commands ------------------------------------------------------------------------

    def profile_command(self, ctx: Context, args: str) -> None:
        if not ctx.fire("edit"):
            ctx.lead = ctx.say("profile_not_yet")
            ctx.show_where_we_are()

    def back(self, ctx: Context) -> None:
        """Back one question (the question's own "Terug"); to the advice outside the intake."""
        question = ctx.current_question()
        if question is not None:
            ctx.data.pop("failures", None)
            if not self.can_go_back(ctx, question):
                ctx.lead = ctx.say("back_first_question")
            ctx.fire("back")
        else:
            ctx.fire("advice")

    @staticmethod
    def leave_browsing(ctx: Context) -> bool:
        """``/terug`` (or a typed "terug") while browsing the dilemmas: back to where the
        user was (their question, as it stands), not a step back in the intake."""
        if ctx.data.pop("browsing", None) is not True:
            return False
        ctx.lead = ctx.say("where_we_were")
        ctx.show_where_we_are()
        return True

    def ask_restart(self, ctx: Context) -> None:
        """Starting over wipes the answers: ask first, unless there is nothing to wipe."""
        if not ctx.answers:
            self.restart(ctx)
            return
        ctx.replies.append(screens.restart_confirm(ctx.say))

    def restart(self, ctx: Context) -> None:
        ctx.answers.clear()
        ctx.data = fresh_data(ctx.data)
        ctx.answers_changed()
        ctx.lead = ctx.say("restarted")
        ctx.fire("restart")

    def restart_action(self, ctx: Context, choice: tuple[str, ...]) -> bool:
        """The "yes, start over" button of :func:`~flows.intake.screens.restart_confirm`."""
        if choice[0] != "restart" or ctx.at_gate:
            return False
        self.restart(ctx)
        return True

    # -- answers -------------------------------------------------------------------------

    def answer_action(self, ctx: Context, question_id: str, choice: tuple[str, ...]) -> bool:
        """A button of the question being asked (its tag is the question's id)."""
        question = ctx.current_question()
        if question is None or question.id != question_id or len(choice) != 1:
            return False
        value = choice[0]
        if value == "_back":
            self.back(ctx)
            return True
        if value == UNCHANGED:
            return self.keep_unchanged(ctx, question)
        if value == "_skip":
            kept = self.kept_answer(ctx, question)
            ctx.chosen = ctx.say.label("btn_unchanged" if kept else "answer_skipped")
            self.skip(ctx, question)
            return True
        if value == "_advice" and self.past_the_core(ctx, question):
            ctx.data.pop("failures", None)
            return ctx.fire("advice")
        option = question.option(value)
        if option is None:
            return False
        ctx.chosen = ctx.say.plain(option.label)
        self.record(ctx, question, option.id)
        return True

    def keep_unchanged(self, ctx: Context, question: IntakeQuestion) -> bool:
        """ "Ongewijzigd" in a re-check: the answer stays (a skipped question stays skipped)."""
        if not self.timeline.rechecking(ctx):
            return False
        ctx.chosen = ctx.say.label("btn_unchanged")
        current = ctx.answers.get(question.id)
        if current is not None and question.option(current) is not None:
            self.record(ctx, question, current)  # one that no longer counts stays too
        else:
            self.skip(ctx, question)
        return True

    def kept_answer(self, ctx: Context, question: IntakeQuestion) -> str | None:
        """In a re-check, the answer from last time that skipping ``question`` keeps: the
        user saw it ticked and chose not to change it. None outside a re-check, and for an
        answer that no longer counts (its option is not offered after the answers now)."""
        current = ctx.answers.get(question.id)
        if not self.timeline.rechecking(ctx) or not question.counts(current, ctx.flow_profile()):
            return None
        return current

    def record(self, ctx: Context, question: IntakeQuestion, option_id: str) -> None:
        ctx.answers[question.id] = option_id
        ctx.data["skipped"] = [q for q in ctx.skipped() if q != question.id]
        if question.id in _in_passing(ctx):
            ctx.data["in_passing"] = [q for q in _in_passing(ctx) if q != question.id]
        ctx.data.pop("failures", None)
        ctx.answers_changed()
        ctx.fire("answer")

    def skip(self, ctx: Context, question: IntakeQuestion) -> None:
        """Skipping leaves the question unanswered; in a re-check the answer from last
        time stays (said above the next question), as with "Ongewijzigd"."""
        kept = self.kept_answer(ctx, question)
        if kept is not None:
            option = question.option(kept)
            assert option is not None
            ctx.lead = ctx.say("recheck_skip_kept", answer=ctx.say.plain(option.label))
            self.record(ctx, question, kept)
            return
        noted = ctx.answers.get(question.id) if question.id in _in_passing(ctx) else None
        option = question.option(noted or "")
        if option is not None and question.counts(option.id, ctx.flow_profile()):
            # noted in passing and shown ticked: skipping it leaves what the user said
            ctx.lead = ctx.say("skip_kept_in_passing", answer=ctx.say.plain(option.label))
            self.record(ctx, question, option.id)
            return
        ctx.answers.pop(question.id, None)
        ctx.data["skipped"] = [*(q for q in ctx.skipped() if q != question.id), question.id]
        ctx.data.pop("failures", None)
        ctx.answers_changed()
        ctx.fire("skip")

    def question_text(self, ctx: Context, text: str) -> bool:
        """Typed text while a question is asked answers it, if it can be read as one of its
        options (or as "overslaan", "terug", "weet ik niet"; "help" is /help, "stop" says
        what the ways to stop do)."""
        question = ctx.current_question()
        if question is None:
            return False
        norm = normalize(text)
        if norm and norm in catalogue_words(ctx.knowledge, "words_skip"):
            self.skip(ctx, question)
            return True
        if norm and norm in catalogue_words(ctx.knowledge, "words_back"):
            if not self.leave_browsing(ctx):
                self.back(ctx)
            return True
        if norm and norm in catalogue_words(ctx.knowledge, "words_help"):
            ctx.command("help", "")  # what /help does, and the question again
            return True
        if norm and norm in catalogue_words(ctx.knowledge, "words_stop"):
            # Which stop is meant is asked, not guessed: nothing is switched off or erased.
            ctx.lead = ctx.say("typed_stop")
            ctx.reshow()
            return True
        reading = map_answer(question, text, ctx.knowledge, year=local_year(ctx))
        if reading.outcome == "matched" and reading.option is not None:
            ctx.lead = understood.noted(ctx.say, question, reading)
            self.record(ctx, question, reading.option)
            return True
        if (
            reading.outcome == "unknown"
            and reading.elsewhere is not None
            and self.note_in_passing(ctx, question, text, reading.elsewhere)
        ):
            return True
        said = understood.not_chosen(ctx.say, question, reading)
        if reading.dont_know and said is not None:
            ctx.lead = said  # an honest "I don't know" is an answer, not a failure
            ctx.reshow()
            return True
        failures = int(ctx.data.get("failures", 0)) + 1
        ctx.data["failures"] = failures
        if said is not None:
            ctx.lead = said
        elif failures >= FAILURES_BEFORE_OPTIONS:
            ctx.lead = ctx.say("not_understood_again")
        else:
            ctx.lead = ctx.say("not_understood")
        ctx.reshow()
        return True

    def note_in_passing(
        self, ctx: Context, question: IntakeQuestion, text: str, other_id: str
    ) -> bool:
        """Text that answers another question ("ik mag tot 50k zelf beslissen" at the
        governance question) is noted there, said so, and this question asked again; the
        other question shows it ticked when its turn comes. Not when that question was
        answered otherwise (the user is asked, as before) or does not apply."""
        other = ctx.knowledge.intake_question(other_id)
        if other is None or not names_topic_of(other, text, ctx.knowledge):
            return False  # a guess ("mijn bestuur steunt me sterk": the bottleneck?) is asked
        reading = map_answer(other, text, ctx.knowledge, year=local_year(ctx))
        option = other.option(reading.option or "") if reading.outcome == "matched" else None
        if option is None:
            return False
        profile = ctx.flow_profile()
        current = ctx.answers.get(other.id)
        if current != option.id and other.counts(current, profile):
            return False
        if not other.counts(option.id, {**profile, other.id: option.id}):
            return False
        ctx.answers[other.id] = option.id
        ctx.data["skipped"] = [q for q in ctx.skipped() if q != other.id]
        ctx.data["in_passing"] = [*(q for q in _in_passing(ctx) if q != other.id), other.id]
        ctx.data.pop("failures", None)
        ctx.answers_changed()
        ctx.lead = ctx.say(
            "reading_elsewhere_noted",
            question=question_name(ctx.say, other),
            answer=ctx.say.plain(option.label),
        )
        if ctx.asks(question.id):
            ctx.reshow()
        else:  # the new answer means this question no longer applies
            ctx.fire("answer")
        return True


def _in_passing(ctx: Context) -> list[str]:
    """The questions answered in passing at another question, not yet at their own (read
    defensively: stored JSON)."""
    stored = ctx.data.get("in_passing")
    return [q for q in stored if isinstance(q, str)] if isinstance(stored, list) else []
