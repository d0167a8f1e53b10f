"""A description of the user's situation → the dilemmas it resembles, with the words why.

The dilemmas' keywords (both languages, phrases, ``word*`` prefixes) are found on the same
stems as answers (a short stem only for its own word: "werkbaar" is not "werkt"). What is
lacking is the problem, so a keyword after a negation counts ("er is geen draagvlak"),
unless the negation denies the problem itself ("het is geen probleem van macht": a
``denials`` word after it) or a later clause opened by a boundary or contrast word names
another dilemma ("geen machtsspel, maar we vergaderen te lang").
A phrase of n words scores n: "te veel overleg" says more than "overleg".
"""

from __future__ import annotations

from dataclasses import dataclass

from knowledge.model import LANGUAGES, Knowledge
from knowledge.reading.phrases import Hit, PhraseIndex, index_for, negated_hits, search
from knowledge.reading.spec import ReadingSpec
from knowledge.reading.words import Token, phrase, spans, tokenize

DENIAL_GAP = 2
"""How many words may stand between a negation and the denial word ("geen groot probleem")."""


@dataclass(frozen=True, slots=True)
class DilemmaMatch:
    """One dilemma a description resembles: its score and the typed words that matched."""

    dilemma: str
    score: int
    words: tuple[str, ...]


def _index(knowledge: Knowledge) -> PhraseIndex:
    return index_for(
        knowledge.dilemmas,
        lambda: [
            (keyword, lang, d.id)
            for d in knowledge.dilemmas
            for lang in LANGUAGES
            for keyword in d.keywords.get(lang, ())
        ],
    )


def read_description(text: str, knowledge: Knowledge) -> list[DilemmaMatch]:
    """The dilemmas whose keywords occur in ``text`` (not denied), best first."""
    spec = knowledge.reading
    tokens = tokenize(text, spec.boundaries)
    if not tokens:
        return []
    claimed = [False] * len(tokens)
    # Misspellings do not count in a description: not looked for.
    hits = search(_index(knowledge), tokens, claimed, spec.literal, misspelt=False, whole=True)
    denied, _ = negated_hits(tokens, hits, claimed, spec, after=False)
    denied = _withdrawn(tokens, hits, denied, spec)
    generic = {" ".join(words) for words in spec.generic}
    scores: dict[str, int] = {}
    specific: dict[str, int] = {}
    words: dict[str, list[str]] = {}
    counted: set[tuple[str, str]] = set()
    for hit in hits:
        if id(hit) in denied:
            continue
        written = " ".join(phrase(hit.written or hit.words))
        for dilemma in hit.options:
            words.setdefault(dilemma, []).append(hit.words)
            if (dilemma, written) in counted:
                continue
            counted.add((dilemma, written))
            scores[dilemma] = scores.get(dilemma, 0) + hit.weight
            if written not in generic:
                specific[dilemma] = specific.get(dilemma, 0) + hit.weight
    order = {d.id: i for i, d in enumerate(knowledge.dilemmas)}
    matches = [
        DilemmaMatch(d, score, tuple(dict.fromkeys(words[d])))
        for d, score in scores.items()
        if specific
    ]
    matches.sort(
        key=lambda m: (
            -m.score,
            -specific.get(m.dilemma, 0),
            order.get(m.dilemma, len(order)),
        )
    )
    return matches


def _withdrawn(
    tokens: list[Token], hits: list[Hit], denied: set[int], spec: ReadingSpec
) -> set[int]:
    """The ids of the negated hits that do not count: after a negation that denies the
    problem itself, or before a later clause, opened by a boundary or contrast word, that
    names another dilemma."""
    if not denied:
        return denied
    denials = [start for start, _ in spans(tokens, spec.denials)]
    # A denial word with a keyword between it and the negation denies nothing: "geen
    # mandaat om te beslissen" lacks the mandate, "het gaat niet om macht" is not about it.
    keyworded = {i for h in hits for i in range(h.start, h.end)}
    denying = [
        (tokens[start].clause, end)
        for start, end in spans(tokens, spec.negation)
        if any(
            end <= d <= end + DENIAL_GAP
            and tokens[d].clause == tokens[start].clause
            and not any(i in keyworded for i in range(end, d))
            for d in denials
        )
    ]
    contrasts = {tokens[start].clause for start, _ in spans(tokens, spec.contrast)}
    opened = {t.clause for t in tokens if t.opened_by} | contrasts
    live = [h for h in hits if id(h) not in denied and tokens[h.start].clause in opened]
    withdrawn: set[int] = set()
    for hit in hits:
        if id(hit) not in denied:
            continue
        clause = tokens[hit.start].clause
        if any(c == clause and end <= hit.start for c, end in denying) or any(
            tokens[h.start].clause > clause and h.options - hit.options for h in live
        ):
            withdrawn.add(id(hit))
    return withdrawn
