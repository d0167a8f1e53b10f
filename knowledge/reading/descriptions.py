"""A description of the user's situation → the dilemmas it resembles, with the words why.

The dilemmas' keywords (both languages, phrases, ``word*`` prefixes) are found on the same
stems as answers; a keyword inside a negated stretch ("geen conflict") does not count.
A phrase of n words scores n: "te veel overleg" says more than "overleg".
"""

from __future__ import annotations

from dataclasses import dataclass

from knowledge.model import LANGUAGES, Knowledge
from knowledge.reading.phrases import PhraseIndex, index_for, negated_hits, search
from knowledge.reading.words import tokenize


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
    scores: dict[str, int] = {}
    words: dict[str, list[str]] = {}
    for hit in hits:
        if id(hit) in denied:
            continue
        for dilemma in hit.options:
            scores[dilemma] = scores.get(dilemma, 0) + hit.weight
            words.setdefault(dilemma, []).append(hit.words)
    order = {d.id: i for i, d in enumerate(knowledge.dilemmas)}
    matches = [
        DilemmaMatch(d, score, tuple(dict.fromkeys(words[d]))) for d, score in scores.items()
    ]
    matches.sort(key=lambda m: (-m.score, order.get(m.dilemma, len(order))))
    return matches
