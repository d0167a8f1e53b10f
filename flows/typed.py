"""Typed text in the conversation: an answer to the question being asked (free text mapped
onto its options), a note, a line of a coordinator's dialogue, an answer to a nudge, or a
description of the user's situation, matched to dilemmas.
"""

from __future__ import annotations

import unicodedata
from typing import TYPE_CHECKING, Any

from flows import screens, understood
from flows.definition import BROADCAST_STATES, COHORT_STATES, NOTE, REPLY
from flows.events import ConversationData, SaveReflection
from flows.replies import excerpt
from knowledge.model import LANGUAGES
from knowledge.textmatch import map_answer, match_dilemmas, normalize

if TYPE_CHECKING:
    from flows.events import Effect
    from flows.replies import Reply, Span
    from flows.screens import Say
    from knowledge.guard import Guard
    from knowledge.model import IntakeQuestion, Knowledge

MAX_REFLECTION = 2000
"""The longest reflection a user can keep."""
MAX_TEXT = 4096
"""Longer messages are refused politely (Telegram cannot send more either)."""
FAILURES_BEFORE_OPTIONS = 2


def clean_text(text: str) -> str:
    """Drop control and invisible format characters (keeping line breaks); trim."""
    kept = (c for c in text if c in "\n\t" or unicodedata.category(c) not in ("Cc", "Cf", "Cs"))
    return "".join(kept).strip()


class TypedText:
    """Mixed into :class:`flows.conversation.Conversation`."""

    state: str
    consent: bool | None
    data: ConversationData
    lead: list[Span]
    replies: list[Reply]
    knowledge: Knowledge
    effects: list[Effect]

    if TYPE_CHECKING:  # supplied by the conversation and the other mixins

        @property
        def say(self) -> Say: ...

        def reshow(self) -> None: ...

        def tell(self, key: str, **values: Any) -> None: ...

        def to_gate(self) -> None: ...

        def press(self, data: str) -> None: ...

        def consent_button(self, agreed: bool, offered: tuple[str, ...]) -> str: ...

        def back(self) -> None: ...

        def current_question(self) -> IntakeQuestion | None: ...

        def record(self, question: IntakeQuestion, option_id: str) -> None: ...

        def skip(self, question: IntakeQuestion) -> None: ...

        def save_note(self, text: str) -> None: ...

        def cohort_typed(self, text: str) -> None: ...

        def broadcast_typed(self, text: str) -> None: ...

        def answer_typed(self, text: str) -> None: ...

        @property
        def guard(self) -> Guard: ...

    def typed_at_gate(self, raw: str, offered: tuple[str, ...] = ()) -> None:
        """Before consent: "ja", "akkoord", "ok" agree and "nee" declines, by pressing the
        button they stand for (of those ``offered``: a cohort code and a language chosen
        before consent ride on it); anything else is told what is expected. Once declined,
        a description can still be matched to dilemmas (nothing is stored)."""
        text = clean_text(raw)
        norm = normalize(text)
        if len(raw) > MAX_TEXT:
            self.tell("too_long", limit=MAX_TEXT)
        elif self.consent is None and norm and norm in self._words("words_agree"):
            self.press(self.consent_button(True, offered))
        elif self.consent is None and norm and norm in self._words("words_decline"):
            self.press(self.consent_button(False, offered))
        elif self.consent is False and text:
            self.describe(text)
        else:
            self.to_gate()
            if self.consent is None and text:
                self.tell("consent_expected")

    def typed(self, raw: str) -> None:
        if len(raw) > MAX_TEXT:
            self.tell("too_long", limit=MAX_TEXT)
            return
        text = clean_text(raw)
        if not text:
            self.lead = self.say("empty")
            self.reshow()
            return
        asked = self.data.pop("asked_question", None)
        question = self.current_question()
        if self.answers_reflection_question(asked, text):
            if question is not None:
                self.reshow()
        elif question is not None:
            self.typed_answer(question, text)
        elif self.state == NOTE:
            self.save_note(text)
        elif self.state in COHORT_STATES:
            self.cohort_typed(text)
        elif self.state in BROADCAST_STATES:
            self.broadcast_typed(text)
        elif self.state == REPLY:
            self.answer_typed(text)
        else:
            self.describe(text)

    def answers_reflection_question(self, asked: Any, text: str) -> bool:
        """Text typed right after ``/vraag`` (in the same state) answers its question: it is
        offered to be kept as a reflection rather than read as something else and lost.
        Client data in it is replaced before it is held, like any note."""
        if not (isinstance(asked, list) and len(asked) == 2 and asked[1] == self.state):
            return False
        if self.state in (NOTE, REPLY, *COHORT_STATES, *BROADCAST_STATES):
            return False
        question = self.knowledge.questions.get(str(asked[0]))
        if question is None or len(text) > MAX_REFLECTION:
            return False
        guard = self.guard
        hits = guard.scan(text)
        held = guard.redact(text, self.say.lang, hits) if hits else text
        # Kept under the dilemma the question belongs to, like a note on that dilemma.
        subject = next(
            (d.id for d in self.knowledge.dilemmas if question.id in d.questions), "advice"
        )
        self.data["pending_reflection"] = [subject, held]
        self.replies.append(screens.keep_answer(self.say, held if hits else None))
        return True

    def keep_reflection_answer(self) -> bool:
        """The "keep as a reflection" button: the answer held since ``/vraag`` is saved."""
        pending = self.data.pop("pending_reflection", None)
        if not (isinstance(pending, list) and len(pending) == 2):
            return False
        subject, text = str(pending[0]), str(pending[1])
        self.effects.append(SaveReflection(subject, text))
        self.tell("note_saved", text=excerpt(text))
        return True

    def _words(self, key: str) -> set[str]:
        """A comma-separated word list from the catalogue, in every language."""
        text = self.knowledge.messages.get(key)
        if text is None:
            return set()
        return {normalize(w) for lang in LANGUAGES for w in text.get(lang).split(",")} - {""}

    def typed_answer(self, question: IntakeQuestion, text: str) -> None:
        norm = normalize(text)
        if norm and norm in self._words("words_skip"):
            self.skip(question)
            return
        if norm and norm in self._words("words_back"):
            self.back()
            return
        reading = map_answer(question, text, self.knowledge)
        if reading.outcome == "matched" and reading.option is not None:
            self.lead = understood.noted(self.say, question, reading)
            self.record(question, reading.option)
            return
        said = understood.not_chosen(self.say, question, reading)
        if reading.dont_know and said is not None:
            self.lead = said  # an honest "I don't know" is an answer, not a failure
            self.reshow()
            return
        failures = int(self.data.get("failures", 0)) + 1
        self.data["failures"] = failures
        if said is not None:
            self.lead = said
        elif failures >= FAILURES_BEFORE_OPTIONS:
            self.lead = self.say("not_understood_again")
        else:
            self.lead = self.say("not_understood")
        self.reshow()

    def describe(self, text: str) -> None:
        matches = match_dilemmas(text, self.knowledge)[:3]
        found = [
            (d, m.words) for m in matches if (d := self.knowledge.dilemma(m.dilemma)) is not None
        ]
        self.replies.append(screens.text_matches(self.say, found))
