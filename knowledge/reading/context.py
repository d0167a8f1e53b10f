"""Two ways a negation reaches past its own clause, in the manner of ConText.

**An echoed question answered by a negation alone**: "formeel? niet echt", "ruim? nee",
"strong? not really". The board member repeats the word they doubt and denies it; the
negation is read as standing before the echoed words ("niet echt formeel"), so it denies
them, or makes the phrase it forms with them ("niet echt formeel" is informal).

**A contrast after a negation**: "niet formeel, wel afspraken", "geen stuurgroep, wel
overleg", "no steering group, but we do have an informal table". A clause with a contrast
word ("wel", "we do") after a clause with a negation says what it *is*: when it names an
option, the clauses before it only deny, and their own option words do not count.
"Officieel wel, in de praktijk niet" (the contrast first) stays a question.

On the questions of how widely something is shared (``partial``), a clause of its own that
ends in a negation ("de rvb staat erachter, de managers niet") or is opened by an exception
("goed, behalve met de gemeente") takes back part of the answer: the bot asks.

**A negation that is an answer answers only about the question's topic**: "geen", "nee",
"no" are options of their own (no mandate, no subgroups), but a negation denies what
follows it. "Geen formeel mandaat", "geen enkel mandaat", "no real mandate" deny the
topic of the question, so they are that answer; "geen koffie" or "nee, niet de gemeente"
deny something else and answer nothing. Alone ("geen", "nee hoor") it is the answer.

The marks, the words beside the negation, the contrast words and the topics are in
``content/reading.yaml``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from functools import lru_cache

from knowledge.reading.phrases import Hit
from knowledge.reading.spec import ReadingSpec
from knowledge.reading.words import Token, spans, stems

MIN_TOPIC_HEAD = 5
"""A Dutch compound names a topic by its last part when that part is this long
("jeugdhulpaanbieders" counts "aanbieders"); shorter parts must be the whole word."""


def _covered(tokens: Sequence[Token], found: list[tuple[int, int]]) -> set[int]:
    return {i for start, end in found for i in range(start, end)}


def answered_echoes(tokens: list[Token], spec: ReadingSpec) -> list[Token]:
    """``tokens`` with each negation that answers an echoed question moved before it, into
    the question's clause."""
    if not spec.echo_marks or len(tokens) < 2:
        return tokens
    negations = _covered(
        tokens, [*spans(tokens, spec.negation), *spans(tokens, spec.negation_after)]
    )
    fillers = _covered(tokens, spans(tokens, spec.echo_fillers))
    clauses: list[list[int]] = []
    for i, token in enumerate(tokens):
        if not clauses or tokens[clauses[-1][0]].clause != token.clause:
            clauses.append([])
        clauses[-1].append(i)
    result: list[Token] = []
    index = 0

    def denies_only(clause: list[int]) -> bool:
        return any(i in negations for i in clause) and all(
            i in negations or i in fillers for i in clause
        )

    while index < len(clauses):
        asked = clauses[index]
        answers = 0
        while index + 1 + answers < len(clauses) and denies_only(clauses[index + 1 + answers]):
            answers += 1
        if answers and tokens[asked[-1]].then in spec.echo_marks:
            # "formeel? nee, niet echt": the last negation joins the question; the ones
            # before it say no more than it does.
            clause = tokens[asked[0]].clause
            result += [replace(tokens[i], clause=clause) for i in clauses[index + answers]]
            result += [tokens[i] for i in asked]
            index += 1 + answers
            continue
        result += [tokens[i] for i in asked]
        index += 1
    return result


def contrast_clause(
    tokens: Sequence[Token], spec: ReadingSpec, live: Sequence[Hit], denied: set[str]
) -> int | None:
    """The first clause that contrasts with a negation before it and names an option that
    is not denied; None when there is none."""
    if not spec.contrast:
        return None
    negated = [
        tokens[start].clause
        for start, _ in [*spans(tokens, spec.negation), *spans(tokens, spec.negation_after)]
    ]
    if not negated:
        return None
    first_negation = min(negated)
    named = {tokens[h.start].clause for h in live if h.options - denied}
    for start, _ in sorted(spans(tokens, spec.contrast)):
        clause = tokens[start].clause
        if clause > first_negation and any(c >= clause for c in named):
            return clause
    return None


def stray_negation(
    tokens: Sequence[Token],
    spec: ReadingSpec,
    hits: Sequence[Hit],
    deciding: Sequence[Hit],
    skip: set[int],
) -> bool:
    """Whether a clause of its own that names no option ends in a negation: "de rvb staat
    erachter, de managers niet" (the managers do *not* stand behind it) takes back part
    of what the other clauses say, and so does one opened by an exception ("goed, behalve
    met de gemeente"). ("Ruim, maar niet onbeperkt" ends in no negation, and in "geen
    werkgroepen, tafels ook niet" the answer is a negation itself.)"""
    named = {tokens[h.start].clause for h in hits}
    if not named:
        return False
    exceptions = {" ".join(words) for words in spec.exceptions}
    if any(
        t.opened_by in exceptions and t.clause not in named and t.clause not in skip for t in tokens
    ):
        return True
    inside = {i for h in hits for i in range(h.start, h.end)}
    decided = {i for h in deciding for i in range(h.start, h.end)}
    denying = [*spans(tokens, spec.negation), *spans(tokens, spec.negation_after)]
    if any(i in decided for start, end in denying for i in range(start, end)):
        return False  # "geen werkgroepen, tafels ook niet": the negations agree
    for start, end in spans(tokens, spec.negation_after):
        clause = tokens[start].clause
        last = end == len(tokens) or tokens[end].clause != clause
        if (
            last
            and start > 0
            and tokens[start - 1].clause == clause
            and clause not in named
            and clause not in skip
            and not any(i in inside for i in range(start, end))
        ):
            return True
    return False


@lru_cache(maxsize=256)
def _topic_stems(nl: tuple[str, ...], en: tuple[str, ...]) -> tuple[frozenset[str], ...]:
    """Dutch stems, English stems, and the Dutch stems long enough to end a compound."""
    dutch = frozenset(stems(w)[0] for w in nl)
    english = frozenset(stems(w)[1] for w in en) | frozenset(stems(w)[1] for w in nl)
    return dutch, english, frozenset(d for d in dutch if len(d) >= MIN_TOPIC_HEAD)


def names_topic(token: Token, topic: Mapping[str, tuple[str, ...]]) -> bool:
    """Whether ``token`` names the topic ("mandaat", "werkgroepjes", "organisations")."""
    dutch, english, heads = _topic_stems(topic.get("nl", ()), topic.get("en", ()))
    return (
        token.nl in dutch
        or token.en in english
        or any(token.nl.endswith(h) and len(token.nl) > len(h) for h in heads)
    )


def foreign_topic(
    tokens: Sequence[Token], spec: ReadingSpec, question_id: str, hits: Sequence[Hit]
) -> set[int]:
    """The ids of one-word hits in a clause that names another question's distinct topic
    and not this question's: "de belangen botsen nauwelijks" at the trust question is about
    the interests ("nauwelijks" is no answer here), "het vertrouwen is laag" at the
    interests question about trust."""
    own = spec.topics.get(question_id, {})
    others = [spec.topics[q] for q in sorted(spec.distinct_topics) if q != question_id]
    if not others:
        return set()
    singles = [h for h in hits if h.end - h.start == 1]
    if not singles:
        return set()
    # The clauses that name this question's topic, and those that name another's, by the
    # words beside the hits: an option word of this question names no other matter
    # ("onderling" is a trust word and, at the bottleneck question, a place).
    answering = {i for h in hits for i in range(h.start, h.end)}
    own_named: set[int] = set()
    other_named: set[int] = set()
    for i, token in enumerate(tokens):
        if i in answering:
            continue
        if own and token.clause not in own_named and names_topic(token, own):
            own_named.add(token.clause)
        if token.clause not in other_named and any(names_topic(token, t) for t in others):
            other_named.add(token.clause)
    return {
        id(h)
        for h in singles
        if tokens[h.start].clause in other_named and tokens[h.start].clause not in own_named
    }


def names_question_topic(tokens: Sequence[Token], spec: ReadingSpec, question_id: str) -> bool:
    """Whether any of ``tokens`` names the topic of ``question_id`` (if it has one)."""
    topic = spec.topics.get(question_id)
    return topic is not None and any(names_topic(t, topic) for t in tokens)


def answers_elsewhere(
    tokens: Sequence[Token], spec: ReadingSpec, question_id: str, hits: Sequence[Hit]
) -> set[int]:
    """The ids of ``hits`` that are a negation standing as an answer ("geen") while the
    words it scopes name something other than the question's topic ("geen koffie")."""
    triggers = {*spec.negation, *spec.negation_after}
    answering = [h for h in hits if tuple(t.text for t in tokens[h.start : h.end]) in triggers]
    if not answering:
        return set()
    topic = spec.topics.get(question_id, {})
    fillers = {i for start, end in spans(tokens, spec.echo_fillers) for i in range(start, end)}
    denying = {
        i
        for start, end in [*spans(tokens, spec.negation), *spans(tokens, spec.negation_after)]
        for i in range(start, end)
    }
    found: set[int] = set()
    for hit in answering:
        clause = tokens[hit.start].clause
        scope = [
            i
            for i in range(hit.end, min(hit.end + spec.window, len(tokens)))
            if tokens[i].clause == clause
        ]
        said = [
            i for i in scope if i not in fillers and i not in denying and tokens[i].text.isalnum()
        ]
        if said and not any(names_topic(tokens[i], topic) for i in said):
            found.add(id(hit))
    return found
