"""A restart skips the validation of knowledge that passed before with the same files and
the same code; anything else is checked in full, and a failure is never remembered."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import knowledge.checked
import knowledge.validator
from knowledge.checked import ValidationCache, code_digest
from knowledge.loader import load_knowledge
from knowledge.problems import KnowledgeError
from knowledge.store import KnowledgeStore
from tests.knowledge_helpers import edit


@pytest.fixture
def validations(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The directories validated in full, in order (the real validation still runs)."""
    seen: list[str] = []
    real = knowledge.validator.validate

    def counting(knowledge: Any, *args: Any, **kwargs: Any) -> Any:
        seen.append(knowledge.directory)
        return real(knowledge, *args, **kwargs)

    monkeypatch.setattr(knowledge.validator, "validate", counting)
    return seen


def test_knowledge_that_passed_is_not_checked_again(
    knowledge_copy: Path, tmp_path: Path, validations: list[str]
) -> None:
    cache = ValidationCache(tmp_path / "cache")
    first = load_knowledge(knowledge_copy, cache)
    again = load_knowledge(knowledge_copy, cache)
    assert len(validations) == 1
    assert again.version == first.version and again.messages == first.messages
    assert load_knowledge(knowledge_copy) and len(validations) == 2, "no cache, full check"


def test_an_edit_is_checked_in_full(
    knowledge_copy: Path, tmp_path: Path, validations: list[str]
) -> None:
    cache = ValidationCache(tmp_path / "cache")
    load_knowledge(knowledge_copy, cache)
    start = knowledge_copy / "interface" / "messages" / "start.yaml"
    edit(start, "Welkom terug.", "Welkom terug!")
    load_knowledge(knowledge_copy, cache)
    assert len(validations) == 2


def test_a_failure_is_never_remembered(knowledge_copy: Path, tmp_path: Path) -> None:
    cache = ValidationCache(tmp_path / "cache")
    edit(knowledge_copy / "content" / "rules.yaml", "size: zeer_groot", "size: reusachtig")
    for _ in range(2):
        with pytest.raises(KnowledgeError, match="reusachtig"):
            load_knowledge(knowledge_copy, cache)
    assert not list((tmp_path / "cache").glob("*.passed"))


def test_an_unreadable_cache_only_costs_the_check(
    knowledge_copy: Path, tmp_path: Path, validations: list[str]
) -> None:
    blocked = tmp_path / "file"
    blocked.write_text("not a directory", "utf-8")
    store = KnowledgeStore(knowledge_copy, ValidationCache(blocked / "cache"))
    assert store.reload().ok
    assert len(validations) == 2


def test_new_code_is_a_new_digest(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    source = tmp_path / "knowledge"
    source.mkdir()
    (source / "validator.py").write_text("CHECKS = 1\n", "utf-8")
    monkeypatch.setattr(knowledge.checked, "CODE_DIR", source)
    code_digest.cache_clear()
    try:
        before = code_digest()
        (source / "validator.py").write_text("CHECKS = 2\n", "utf-8")
        code_digest.cache_clear()
        assert code_digest() != before
    finally:
        code_digest.cache_clear()
