"""The misspelling matcher (``knowledge.reading.similar``) gives what rapidfuzz gave: the
same ratio and the same choice as ``process.extractOne(..., scorer=fuzz.ratio)``, on the
words of the bundled knowledge and on arbitrary ones. rapidfuzz stays a test dependency
for this comparison only."""

from __future__ import annotations

import itertools

from hypothesis import given, settings
from hypothesis import strategies as st
from rapidfuzz import fuzz, process

from knowledge.model import Knowledge
from knowledge.reading.answers import _index
from knowledge.reading.descriptions import _index as _description_index
from knowledge.reading.phrases import FUZZY_CUTOFF
from knowledge.reading.similar import closest, ratio
from knowledge.reading.words import raw_tokens

WORDS = st.text(alphabet="abcdeéhikmnorstuvz-", max_size=14)


def _extract_one(word: str, choices: list[str], cutoff: float) -> tuple[str, float] | None:
    best = process.extractOne(word, choices, scorer=fuzz.ratio, score_cutoff=cutoff)
    return None if best is None else (best[0], best[1])


@settings(max_examples=400, deadline=None)
@given(WORDS, WORDS)
def test_the_ratio_is_rapidfuzzs(first: str, second: str) -> None:
    assert ratio(first, second) == fuzz.ratio(first, second)


@settings(max_examples=300, deadline=None)
@given(WORDS, st.lists(WORDS, max_size=30), st.sampled_from([0.0, 50.0, 85.0, 90.0, 100.0]))
def test_the_choice_is_rapidfuzzs(word: str, choices: list[str], cutoff: float) -> None:
    """Ties go to the first choice; nothing below the cutoff; an exact match ends it."""
    assert closest(word, choices, cutoff) == _extract_one(word, choices, cutoff)


def test_the_choice_is_rapidfuzzs_for_every_typed_word_of_the_examples(
    knowledge: Knowledge,
) -> None:
    """Every word of the examples file, each misspelt three ways, against the single
    words of every question and of the dilemmas, as ``search`` asks."""
    singles = [list(_index(q).singles) for q in knowledge.intake]
    singles.append(list(_description_index(knowledge).singles))
    texts = [example.text for example in knowledge.examples.answers]
    texts += [example.text for example in knowledge.examples.descriptions]
    typed = {t for text in texts for t in raw_tokens(text) if t.isalpha() and len(t) >= 5}
    variants = {
        variant
        for word in typed
        for variant in (word, word + word[-1], word[:-1], word[1:] + word[0])
    }
    assert len(variants) > 500
    compared = 0
    for word, choices in itertools.product(sorted(variants), singles):
        assert closest(word, choices, FUZZY_CUTOFF) == _extract_one(word, choices, FUZZY_CUTOFF)
        compared += 1
    assert compared == len(variants) * len(singles)
