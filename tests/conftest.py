"""Shared fixtures. PTB_TIMEDELTA must be set before telegram is imported anywhere:
without it a 429 raises a deprecation warning, which our warnings-as-errors turns into
the wrong exception."""

from __future__ import annotations

import os

os.environ.setdefault("PTB_TIMEDELTA", "1")

import gc
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from fakebotapi import FakeBotAPI
from knowledge.loader import BUNDLED_DIR, load_knowledge
from knowledge.model import Knowledge

# Registered here, before any test module imports it by name: otherwise a module that
# imports from it first (``from tests.storage_fixtures import …``) leaves it unrewritten,
# and the plugin registration of a later module fails (PytestAssertRewriteWarning, an
# error here) — a subset such as ``pytest tests/test_live*.py`` did not even collect.
pytest_plugins = ["tests.storage_fixtures"]


def pytest_collection_finish(session: pytest.Session) -> None:
    """What collecting built (every test module, the knowledge they load, hypothesis'
    strategies) lives for the whole run: moved out of the collector's reach, so a full
    collection scans only what the tests make. Before, each one scanned all of it, a
    third of a second here and over a second on a slower machine, in the middle of a
    test that measures time."""
    gc.collect()
    gc.freeze()


@pytest.fixture
async def api() -> AsyncIterator[FakeBotAPI]:
    """The fake Bot API server; a test fails when the server had an internal error."""
    async with FakeBotAPI() as server:
        yield server
        assert not server.internal_errors


@pytest.fixture(scope="session")
def knowledge() -> Knowledge:
    """The bundled knowledge base, loaded and validated once."""
    return load_knowledge()


@pytest.fixture
def knowledge_copy(tmp_path: Path) -> Path:
    """A writable copy of the bundled knowledge directory."""
    target = tmp_path / "knowledge"
    shutil.copytree(BUNDLED_DIR, target)
    return target
