"""The knowledge directory: every YAML file of two folders, merged by top-level key.

A knowledge directory (the bundled ``knowledge/data/``, or ``--knowledge DIR``) holds

- ``content/``: what the bot advises — dilemmas, reflection questions, leadership
  actions, contacts, the intake, rules and rule tests, how typed text is read and the
  examples of it;
- ``interface/``: how the bot talks — messages, the client-data guard, follow-up plans
  and delivery windows, broadcast templates.

Every ``*.yaml`` file of a folder (subfolders included, in name order) is read, and the
files are merged by top-level key: the lists under one key are joined (so ``rules`` may
be split over several files), the ``messages`` mappings are joined key by key, and a key
holding one value (``replacement``, ``names``, ``reading``) may appear in one file
only. The file names are for the author; the keys decide what a file holds. An id, a
message key or a one-value key given twice is reported at both places.

A directory in the older flat layout (the ten files side by side, no folders) still
reads: its keys are sorted into the two folders by name.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Any, TypeVar

from knowledge.model import Where
from knowledge.problems import Problem
from knowledge.sourcefile import SourceFile
from knowledge.yamlio import LineDict, LineList

T = TypeVar("T")


class Merge(Enum):
    """How the values of one top-level key in several files combine."""

    LIST = "list"  # the lists are joined, in file order
    MAPPING = "mapping"  # the mappings are joined; a key given twice is an error
    SINGLE = "single"  # one file gives the value


CONTENT = "content"
INTERFACE = "interface"
FOLDERS = (CONTENT, INTERFACE)

# Top-level keys per folder, how they merge, and whether some file must give them.
KEYS: dict[str, dict[str, tuple[Merge, bool]]] = {
    CONTENT: {
        "levels": (Merge.LIST, True),
        "dilemmas": (Merge.LIST, True),
        "reflection_questions": (Merge.LIST, True),
        "actions": (Merge.LIST, True),
        "contacts": (Merge.LIST, True),
        "intake_questions": (Merge.LIST, True),
        "rules": (Merge.LIST, True),
        "rule_tests": (Merge.LIST, False),
        # how typed text is read, and the examples `check` runs (knowledge/reading/)
        "reading": (Merge.SINGLE, False),
        "answer_examples": (Merge.MAPPING, False),
        "description_examples": (Merge.LIST, False),
    },
    INTERFACE: {
        "messages": (Merge.MAPPING, True),
        "plans": (Merge.LIST, True),
        "windows": (Merge.LIST, True),
        "days_off": (Merge.SINGLE, False),
        "broadcast_templates": (Merge.LIST, False),
        # the client-data guard
        "replacement": (Merge.SINGLE, True),
        "kinds": (Merge.LIST, True),
        "patterns": (Merge.LIST, True),
        "names": (Merge.SINGLE, False),
        "allow": (Merge.LIST, False),
        "tests": (Merge.LIST, False),
    },
}

# The flat layout named two different lists `questions` and two `tests`; there the file
# says which one is meant.
LEGACY_KEYS = {
    ("questions.yaml", "questions"): "reflection_questions",
    ("intake.yaml", "questions"): "intake_questions",
    ("tests.yaml", "tests"): "rule_tests",
    ("plans.yaml", "templates"): "broadcast_templates",
}
AMBIGUOUS = {
    "questions": "'intake_questions' or 'reflection_questions'",
    "tests": "'rule_tests' (in content/) or the guard's 'tests' (in interface/)",
    "templates": "'broadcast_templates'",
}


@dataclass(frozen=True, slots=True)
class Given:
    """One top-level value as one file gives it."""

    file: SourceFile
    value: Any
    line: int


class Folder:
    """The merged top-level keys of one folder's files."""

    def __init__(self, name: str, problems: list[Problem]) -> None:
        self.name = name
        self.problems = problems
        self.given: dict[str, list[Given]] = {}

    def add(self, file: SourceFile, key: str, value: Any, line: int) -> None:
        self.given.setdefault(key, []).append(Given(file, value, line))

    def check_required(self) -> None:
        for key, (_, required) in KEYS[self.name].items():
            if required and key not in self.given:
                self.problems.append(
                    Problem(f"{self.name}/", 1, f"no file of {self.name}/ gives '{key}'")
                )

    def entries(self, key: str) -> Iterator[tuple[SourceFile, LineDict]]:
        """The mappings listed under ``key`` in every file, with the file of each."""
        for given in self.given.get(key, []):
            if not isinstance(given.value, LineList):
                given.file.error(given.line, f"'{key}' must be a list")
                continue
            for index, item in enumerate(given.value):
                if isinstance(item, LineDict):
                    yield given.file, item
                else:
                    given.file.error(
                        given.value.line_of(index), f"each entry of '{key}' must be a mapping"
                    )

    def items(self, key: str) -> Iterator[tuple[SourceFile, Any, int]]:
        """The plain items listed under ``key`` in every file, with file and line."""
        for given in self.given.get(key, []):
            if not isinstance(given.value, LineList):
                given.file.error(given.line, f"'{key}' must be a list")
                continue
            for index, item in enumerate(given.value):
                yield given.file, item, given.value.line_of(index)

    def unique(
        self, key: str, build: Callable[[SourceFile, LineDict, str], T | None]
    ) -> dict[str, T]:
        """Build each entry of ``key`` once per id, over all files; report a second one."""
        result: dict[str, T] = {}
        first: dict[str, Where] = {}
        for file, entry in self.entries(key):
            ident = file.ident(entry)
            if not ident:
                continue
            here = file.where(entry.line_of("id"))
            if ident in first:
                file.error(here.line, f"duplicate id '{ident}' (also at {_at(first[ident])})")
                continue
            first[ident] = here
            built = build(file, entry, ident)
            if built is not None:
                result[ident] = built
        return result

    def mapping(self, key: str) -> Iterator[tuple[SourceFile, LineDict, str]]:
        """Each key of the mappings under ``key``, once, with the mapping that holds it."""
        first: dict[str, Where] = {}
        for given in self.given.get(key, []):
            if not isinstance(given.value, LineDict):
                given.file.error(given.line, f"'{key}' must be a mapping")
                continue
            for inner in given.value:
                here = given.file.where(given.value.line_of(inner))
                name = str(inner)
                if name in first:
                    given.file.error(
                        here.line, f"'{key}.{name}' is given twice (also at {_at(first[name])})"
                    )
                    continue
                first[name] = here
                yield given.file, given.value, name

    def single(self, key: str) -> Given | None:
        """The one value of ``key``; a second file giving it too is reported."""
        found = self.given.get(key, [])
        for extra in found[1:]:
            extra.file.error(
                extra.line,
                f"'{key}' may be given once (also at {_at(found[0].file.where(found[0].line))})",
            )
        return found[0] if found else None


def _at(where: Where) -> str:
    return f"{where.file}:{where.line}"


@dataclass(frozen=True, slots=True)
class KnowledgeFolders:
    """Both folders of a knowledge directory, and a digest of every file read."""

    content: Folder
    interface: Folder
    version: str


def yaml_files(directory: Path) -> list[Path]:
    """Every knowledge file of ``directory``, in the order they are read."""
    return sorted(
        (p for p in directory.rglob("*.yaml") if p.is_file()),
        key=lambda p: p.relative_to(directory).as_posix(),
    )


def read_folders(directory: Path, problems: list[Problem]) -> KnowledgeFolders:
    """Read every YAML file under ``directory`` and sort its keys into the two folders."""
    folders = {name: Folder(name, problems) for name in FOLDERS}
    digest = hashlib.sha256()
    paths = yaml_files(directory) if directory.is_dir() else []
    if not paths:
        problems.append(Problem(f"{directory}", 1, "no knowledge files (*.yaml) here"))
    for path in paths:
        relative = path.relative_to(directory).as_posix()
        digest.update(relative.encode() + b"\0" + path.read_bytes())
        file = SourceFile(directory, relative, problems)
        top = relative.split("/")[0] if "/" in relative else None
        if top is not None and top not in FOLDERS:
            file.error(1, f"a knowledge file belongs in {' or '.join(FOLDERS)}/, not in {top}/")
            continue
        for raw_key, value in file.root.items():
            key = (
                LEGACY_KEYS.get((relative, str(raw_key)), str(raw_key)) if top is None else raw_key
            )
            line = file.root.line_of(raw_key)
            home = [name for name in FOLDERS if key in KEYS[name]]
            if not home:
                names = KEYS[top] if top else {**KEYS[CONTENT], **KEYS[INTERFACE]}
                known = AMBIGUOUS.get(str(key)) or ", ".join(sorted(names))
                file.error(line, f"unknown top-level key '{key}' (use {known})")
            elif top is not None and top not in home:
                file.error(line, f"'{key}' belongs in {home[0]}/, not in {top}/")
            else:
                folders[home[0]].add(file, str(key), value, line)
    for folder in folders.values():
        if paths:
            folder.check_required()
    return KnowledgeFolders(folders[CONTENT], folders[INTERFACE], digest.hexdigest()[:12])
