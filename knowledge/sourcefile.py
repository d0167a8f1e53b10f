"""Typed access to one knowledge YAML file that collects problems instead of raising.

Every reader of :mod:`knowledge.loader` goes through :class:`SourceFile`, so each problem
is reported once, with its ``file:line`` (the file's path inside the knowledge directory,
such as ``content/rules.yaml``), and loading carries on to find the next one.
"""

from __future__ import annotations

import re
import string
from pathlib import Path

from knowledge.model import LANGUAGES, Text, Where
from knowledge.problems import Problem
from knowledge.yamlio import LineDict, LineList, YamlSyntaxError, load_yaml

ID_PATTERN = re.compile(r"^[a-z][a-z0-9_]*$")
MARKUP_PATTERN = re.compile(r"<[a-zA-Z/!]")


class SourceFile:
    """Typed access to one YAML file's content, collecting problems instead of raising."""

    def __init__(self, directory: Path, name: str, problems: list[Problem]) -> None:
        self.name = name
        self.problems = problems
        self.root: LineDict = LineDict()
        self.root.key_lines = {}
        try:
            loaded = load_yaml(directory / name)
        except YamlSyntaxError as exc:
            self.error(exc.line, exc.message)
            return
        if loaded is None:
            self.error(1, "file is empty")
        elif not isinstance(loaded, LineDict):
            self.error(1, "the file must hold a mapping at the top level")
        else:
            self.root = loaded

    def error(self, line: int, message: str) -> None:
        self.problems.append(Problem(self.name, line, message))

    def where(self, line: int) -> Where:
        return Where(self.name, line)

    def ident(self, entry: LineDict, key: str = "id") -> str:
        value = entry.get(key)
        if not isinstance(value, str) or not ID_PATTERN.match(value):
            self.error(entry.line_of(key), f"'{key}' must be a snake_case id, not {value!r}")
            return ""
        return value

    def text(self, entry: LineDict, key: str | int, *, required: bool = True) -> Text | None:
        raw = entry.get(key)
        line = entry.line_of(key)
        if raw is None:
            if required:
                self.error(entry.line, f"missing '{key}'")
            return None
        if not isinstance(raw, LineDict):
            self.error(line, f"'{key}' must map each language ({', '.join(LANGUAGES)}) to a text")
            return None
        values: dict[str, str] = {}
        for lang in LANGUAGES:
            value = raw.get(lang)
            if not isinstance(value, str) or not value.strip():
                self.error(line, f"'{key}' is missing its '{lang}' text")
                values[lang] = ""
                continue
            if MARKUP_PATTERN.search(value):
                self.error(raw.line_of(lang), f"'{key}' ({lang}) contains HTML; use **bold**")
            values[lang] = value.strip()
        for lang in raw:
            if lang not in LANGUAGES:
                self.error(raw.line_of(lang), f"unknown language '{lang}' in '{key}'")
        fields = [placeholders(v) for v in values.values() if v]
        if len({frozenset(f) for f in fields}) > 1:
            self.error(line, f"'{key}' has different {{placeholders}} in its languages")
        return Text(nl=values["nl"], en=values["en"])

    def id_list(self, entry: LineDict, key: str, *, minimum: int = 0) -> tuple[str, ...]:
        raw = entry.get(key, LineList())
        if not isinstance(raw, list) or not all(isinstance(v, str) for v in raw):
            self.error(entry.line_of(key), f"'{key}' must be a list of ids")
            return ()
        if len(raw) < minimum:
            self.error(
                entry.line_of(key) if key in entry else entry.line,
                f"'{key}' needs at least {minimum}",
            )
        return tuple(raw)

    def words(self, entry: LineDict, key: str) -> dict[str, tuple[str, ...]]:
        raw = entry.get(key)
        if raw is None:
            return {lang: () for lang in LANGUAGES}
        if not isinstance(raw, LineDict):
            self.error(entry.line_of(key), f"'{key}' must map each language to a list of words")
            return {lang: () for lang in LANGUAGES}
        result: dict[str, tuple[str, ...]] = {}
        for lang in LANGUAGES:
            items = raw.get(lang, [])
            if isinstance(items, list) and any(isinstance(w, bool) for w in items):
                self.error(
                    raw.line_of(lang),
                    f"'{key}.{lang}': put yes, no, on and off in quotes ('no'): "
                    "without them YAML reads true or false",
                )
                items = [w for w in items if not isinstance(w, bool)]
            if not isinstance(items, list) or not all(isinstance(w, str | int) for w in items):
                self.error(raw.line_of(lang), f"'{key}.{lang}' must be a list of words")
                items = []
            result[lang] = tuple(str(w) for w in items)
        return result


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def flag(file: SourceFile, entry: LineDict, key: str) -> bool:
    value = entry.get(key, False)
    if not isinstance(value, bool):
        file.error(entry.line_of(key), f"'{key}' must be true or false")
        return False
    return value
