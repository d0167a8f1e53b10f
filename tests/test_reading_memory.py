"""What reading keeps in memory stays bounded and shared (the bot's resident memory
target: see ``bench/over_http.py``)."""

from __future__ import annotations

import pytest

from knowledge.model import Knowledge
from knowledge.reading import words
from knowledge.reading.answers import _index
from knowledge.reading.phrases import build_index


def test_the_stem_cache_keeps_at_most_its_size_and_stems_the_same(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    cache: dict[str, tuple[str, str]] = {}
    monkeypatch.setattr(words, "_STEMS", cache)
    first = words.stems("werkgroepen")
    for n in range(words.STEM_CACHE + 50):
        words.stems(f"woord{n:05d}x")
    assert len(cache) == words.STEM_CACHE
    assert "werkgroepen" not in cache, "the oldest word is dropped first"
    assert words.stems("werkgroepen") == first == ("werkgroep", "werkgroepen")


def test_the_stemmers_keep_no_cache_of_their_own() -> None:
    assert all(stemmer.maxCacheSize == 0 for stemmer in words._stemmers())


def test_an_index_shares_its_option_sets(knowledge: Knowledge) -> None:
    for question in knowledge.intake:
        index = _index(question)
        sets = [entry.options for found in index.by_first.values() for entry in found]
        sets += list(index.singles.values()) + list(index.heads.values())
        distinct = {id(options) for options in sets}
        assert len(distinct) == len({options for options in sets}), question.id


def test_merged_phrases_keep_each_written_form_and_their_own_options() -> None:
    index = build_index(
        [("tientallen", "nl", "veel"), ("tiental", "nl", "enkele"), ("groot", "nl", "groot")]
    )
    (entry,) = index.by_first["nl", words.stems("tiental")[0]]
    assert entry.forms == ("tiental", "tientallen")
    assert entry.options == {"veel", "enkele"}
    assert entry.options_for("tiental") == {"enkele"}
    assert entry.options_for("tientallen") == {"veel"}
    (single,) = index.by_first["nl", "grot"]
    assert single.exact == () and single.options_for("groot") == {"groot"}
