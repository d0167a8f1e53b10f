"""The screens shown on entering each state: the ``on_enter`` callbacks of the machine.

Mixed into :class:`flows.conversation.Conversation`; ``event`` is transitions' EventData,
or None when a screen is shown again without a transition.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from flows import screens
from flows.advice import cards
from flows.definition import ADVICE
from flows.events import ConversationData, Effect, SaveAdvice
from flows.privacy.dialogue import consent_screen, declined_screen
from flows.replies import Reply, Screen, Span, led
from flows.timeline.recheck import unchanged_button

if TYPE_CHECKING:
    from flows.screens import Say
    from knowledge.engine import Advice
    from knowledge.model import IntakeQuestion, Knowledge


class StateScreens:
    """What each state shows; the conversation supplies the state and the answers."""

    state: str
    knowledge: Knowledge
    answers: dict[str, str]
    data: ConversationData
    effects: list[Effect]
    replies: list[Reply]
    lead: list[Span]
    start_payload_pending: str | None
    stored_lang: str
    lang: str
    quiet_question: bool = False
    """Set for one screen: show a "continue the questions" button instead of the question."""

    if TYPE_CHECKING:  # supplied by the conversation and the other features

        @property
        def say(self) -> Say: ...

        def begin(self) -> None: ...

        @property
        def rechecking(self) -> bool: ...

        def finish_recheck(self, profile: dict[str, str], advice: Advice) -> None: ...

        def advice(self) -> Advice: ...

        def asked(self) -> list[IntakeQuestion]: ...

        def skipped(self) -> list[str]: ...

        def current_question(self) -> IntakeQuestion | None: ...

        def flow_profile(self) -> dict[str, str]: ...

    def _emit(self, screen: Screen) -> None:
        """Add a screen, led by whatever the event had to say first (e.g. "Genoteerd"); a
        screen that fits itself to a phone is fitted with that lead counted."""
        lead, self.lead = self.lead, []
        self.replies.append(led(lead, screen, cards.SCREEN_LIMIT))

    def show_welcome(self, event: object) -> None:
        self.begin()

    def show_consent(self, event: object) -> None:
        self._emit(consent_screen(self.say, self.start_payload_pending, self._unstored_lang()))

    def show_declined(self, event: object) -> None:
        self._emit(declined_screen(self.say, self.start_payload_pending, self._unstored_lang()))

    def _unstored_lang(self) -> str | None:
        """A language chosen in this event at the gate, which the consent buttons carry:
        before consent nothing is stored, so it would be forgotten by the next event."""
        return self.lang if self.lang != self.stored_lang else None

    def show_question(self, event: object) -> None:
        question = self.current_question()
        assert question is not None
        if self.quiet_question:
            self.quiet_question = False
            self._emit(screens.resume_intake(self.say))
            return
        # Only the questions everyone gets are counted: a follow-up question ("Aanvullende
        # vraag") appears after some answers, and counting it would change the total midway.
        counted = [q for q in self.knowledge.intake if q.ask_if.dims == frozenset()]
        number = next((i for i, q in enumerate(counted, start=1) if q.id == question.id), 0)
        current = self.answers.get(question.id)
        profile = self.flow_profile()
        extra = (unchanged_button(self.say, question),) if self.rechecking else ()
        self._emit(
            screens.question(
                self.say,
                question,
                number,
                len(counted),
                current,
                question.offered(profile),
                extra,
                back=self.can_go_back(question),
                to_advice=self.past_the_core(question),
            )
        )

    def past_the_core(self, question: IntakeQuestion) -> bool:
        """Whether ``question`` is optional and asked after every core question: only then
        does "Direct naar het advies" skip nothing but questions that sharpen the advice
        (optional questions also come between the core ones, where a conversation asks
        them)."""
        intake = self.knowledge.intake
        index = next((i for i, q in enumerate(intake) if q.id == question.id), len(intake))
        return not any(q.core for q in intake[index:])

    def can_go_back(self, question: IntakeQuestion) -> bool:
        """Whether "Terug" leads somewhere from ``question``: to the advice while an answer
        is changed, else to an earlier question. The first question has nothing before it
        (the privacy question was answered), so it offers no "Terug"."""
        asked = [q.id for q in self.asked()]
        return bool(self.data.get("editing")) or question.id not in asked[:1]

    def show_advice(self, event: object) -> None:
        was_editing = self.data.pop("editing", False)
        advice = self.advice()
        profile = dict(advice.profile)
        if self.rechecking:
            self.finish_recheck(profile, advice)
        elif profile != self.data.get("advised"):
            if was_editing:
                self.lead = (
                    self.lead + ([Span("\n")] if self.lead else []) + self.say("advice_updated")
                )
            self.data["advised"] = profile
            self.effects.append(SaveAdvice(profile, tuple(s.dilemma.id for s in advice.ranked)))
        self._emit(lambda room: cards.advice(self.say, advice, room))

    def show_detail(self, event: object) -> None:
        dilemma = self.knowledge.dilemma(str(self.data.get("dilemma", "")))
        if dilemma is None:
            self.state = ADVICE
            self.show_advice(event)
            return
        page = str(self.data.get("page", "main"))
        scored = self.advice().find(dilemma.id)
        self._emit(lambda room: cards.detail(self.say, dilemma, scored, page, room))

    def show_why(self, event: object) -> None:
        say = self.say
        # Only questions the user saw count as skipped, not those never asked (/advies early).
        skipped = set(self.skipped())
        lines = cards.answered_lines(
            say,
            [q for q in self.asked() if q.id in self.answers or q.id in skipped],
            self.advice().profile,
            lambda q, v: screens.answer_label(say, q, v),
            lambda q: screens.question_name(say, q),
        )
        self._emit(lambda room: cards.why(say, self.advice(), lines, room))

    def show_more(self, event: object) -> None:
        self._emit(screens.more(self.say, self.advice()))

    def show_profile(self, event: object) -> None:
        self.data.pop("editing", None)
        self._emit(screens.profile(self.say, self.asked(), self.answers))

    def show_note_prompt(self, event: object) -> None:
        dilemma = self.knowledge.dilemma(str(self.data.get("dilemma", "")))
        self._emit(screens.note_prompt(self.say, dilemma))
