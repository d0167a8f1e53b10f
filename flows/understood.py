"""What the bot says about a typed answer it read: noted, not sure, asked which, or what
it did understand when it could not choose (knowledge/reading/ does the reading)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flows.screens import question_name

if TYPE_CHECKING:
    from flows.replies import Span
    from flows.screens import Say
    from knowledge.model import IntakeQuestion
    from knowledge.reading.answers import Reading


def _labels(say: Say, question: IntakeQuestion, option_ids: tuple[str, ...]) -> str:
    labels = [say.plain(o.label) for o in question.options if o.id in option_ids]
    return " / ".join(labels)


def noted(say: Say, question: IntakeQuestion, reading: Reading) -> list[Span]:
    """The line that confirms a chosen option; doubt heard is said, not hidden."""
    option = question.option(reading.option or "")
    answer = say.plain(option.label) if option else ""
    return say("understood_hedged" if reading.hedged else "understood", answer=answer)


def not_chosen(say: Say, question: IntakeQuestion, reading: Reading) -> list[Span] | None:
    """What the bot did understand of an answer it could not choose an option from, or
    None when it understood nothing at all (the caller says so)."""
    if reading.dont_know:
        return say("reading_dont_know")
    if reading.negated_options:
        denied = _labels(say, question, reading.negated_options)
        if reading.candidates:
            options = _labels(say, question, reading.candidates)
            return say("reading_denied_choice", denied=denied, options=options)
        return say("reading_denied", denied=denied)
    if reading.outcome == "ambiguous":
        options = _labels(say, question, reading.candidates)
        return say("reading_ambiguous", words=", ".join(reading.words), options=options)
    other = say.knowledge.intake_question(reading.elsewhere or "")
    if other is not None:
        # "ongeveer 40 organisaties" at the subgroups: the size, which has its own question
        return say("reading_elsewhere", question=question_name(say, other))
    return None
