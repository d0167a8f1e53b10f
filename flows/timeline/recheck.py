"""The re-check three months after the last snapshot: the intake again, pre-filled, with
one tap "Ongewijzigd" per question, and then the new advice beside the old.

The outbox message (:func:`recheck_message`) is planned by the timeline service for users
who did not switch reminders off; its "Herijken" button, and the one under ``/verloop``,
start the dialogue (:class:`RecheckActions`, mixed into the conversation). While it runs,
``data["recheck"]`` holds the top three of the advice before it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from flows.actions import action
from flows.definition import NUDGE_TAG, TIMELINE_TAG, question_state
from flows.events import ConversationData, Effect, SaveAdvice
from flows.replies import Button, Reply, Span, join
from knowledge.engine import TOP_N

if TYPE_CHECKING:
    from flows.screens import Say
    from knowledge.engine import Advice
    from knowledge.model import IntakeQuestion

RECHECK_DAYS = 91
"""About three months after the last snapshot."""
UNCHANGED = "_same"
"""The choice of an intake question's "Ongewijzigd" button during a re-check."""


def recheck_message(say: Say, outbox_id: int) -> Reply:
    """The outbox message: time for a re-check, with start, later and no-more buttons."""
    rows = (
        (Button(say.label("btn_recheck"), action(TIMELINE_TAG, "recheck")),),
        (Button(say.label("btn_nudge_week"), action(NUDGE_TAG, "week", str(outbox_id))),),
        (Button(say.label("btn_nudge_stop"), action(NUDGE_TAG, "stop")),),
    )
    return Reply(tuple(say("recheck_message")), rows, meta={"screen": "recheck"})


def unchanged_button(say: Say, question: IntakeQuestion) -> Button:
    return Button(say.label("btn_unchanged"), action(question.id, UNCHANGED))


def _ranked(say: Say, ids: Sequence[str]) -> list[Span]:
    lines = [
        say("recheck_item", rank=rank, title=say.plain(d.title))
        for rank, i in enumerate(ids, start=1)
        if (d := say.knowledge.dilemma(i)) is not None
    ]
    return join(lines)


def comparison(say: Say, before: Sequence[str], after: Sequence[str]) -> Reply:
    """The top three before the re-check beside the top three now."""
    parts = [
        say("recheck_done" if list(before) != list(after) else "recheck_same"),
        say("recheck_before"),
        _ranked(say, before),
        say("recheck_now"),
        _ranked(say, after),
    ]
    return Reply(tuple(join(parts, "\n")), meta={"screen": "recheck_comparison"})


class RecheckActions:
    """The re-check part of the conversation."""

    data: ConversationData
    answers: dict[str, str]
    effects: list[Effect]
    replies: list[Reply]
    lead: list[Span]
    state: str
    chosen: str | None

    if TYPE_CHECKING:  # supplied by the conversation and the other features

        @property
        def say(self) -> Say: ...

        def advice(self) -> Advice: ...

        def asked(self) -> list[IntakeQuestion]: ...

        def reshow(self) -> None: ...

        def show_where_we_are(self) -> None: ...

        def record(self, question: IntakeQuestion, option_id: str) -> None: ...

        def skip(self, question: IntakeQuestion) -> None: ...

    @property
    def rechecking(self) -> bool:
        return isinstance(self.data.get("recheck"), list)

    def timeline_action(self, choice: tuple[str, ...]) -> bool:
        if choice != ("recheck",):
            return False
        if "advised" not in self.data:  # no advice yet to check again
            self.lead = self.say("handout_not_yet")
            self.show_where_we_are()
            return True
        asked = self.asked()
        if not asked:
            return False
        self.data.pop("editing", None)
        self.data["recheck"] = [s.dilemma.id for s in self.advice().top(TOP_N)]
        self.state = question_state(asked[0].id)
        self.lead = self.say("recheck_intro")
        self.reshow()
        return True

    def keep_unchanged(self, question: IntakeQuestion) -> bool:
        """ "Ongewijzigd": the answer stays (a skipped question stays skipped)."""
        if not self.rechecking:
            return False
        self.chosen = self.say.label("btn_unchanged")
        current = self.answers.get(question.id)
        if current is not None and question.option(current) is not None:
            self.record(question, current)
        else:
            self.skip(question)
        return True

    def finish_recheck(self, profile: dict[str, str], advice: Advice) -> None:
        """At the advice after a re-check: keep it as a point of the timeline (changed or
        not), and show the new top three beside the old."""
        before = self.data.pop("recheck", None)
        if not isinstance(before, list):
            return
        after = tuple(s.dilemma.id for s in advice.ranked)
        self.data["advised"] = profile
        self.effects.append(SaveAdvice(profile, after, kind="recheck"))
        self.replies.append(comparison(self.say, [str(i) for i in before], after[:TOP_N]))
