"""Reading the client-data guard (``interface/client_data_guard.yaml``): kinds, patterns,
names and tests."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from knowledge.folders import Folder
from knowledge.guard import VALIDATORS
from knowledge.model import GuardKind, GuardNames, GuardPattern, GuardSpec, GuardTest, Text
from knowledge.patterns import compile_pattern
from knowledge.sourcefile import SourceFile
from knowledge.yamlio import LineDict, LineList

MAX_NAME_WINDOW = 10
PLACEHOLDER = re.compile(r"\{([A-Za-z]+)\}")
"""``{given}`` in a pattern's regex: a word list of ``names`` (see :func:`expand`)."""


def _alternation(words: Iterable[str]) -> str:
    """The words as one regular-expression alternation, longest first, escaped."""
    return "|".join(re.escape(w) for w in sorted(set(words), key=lambda w: (-len(w), w)))


def expand(regex: str, names: GuardNames | None) -> tuple[str, list[str]]:
    """``regex`` with its placeholders replaced by the word lists of ``names``: ``{given}``
    (the given names, as written, in lower case), ``{Given}`` (the same with a capital, as
    a name is written in a sentence), ``{particle}`` and ``{stop}``; and the placeholders
    it does not know. One list in the YAML serves the name finder and the patterns."""
    found = names or GuardNames()
    lists = {
        "given": found.given,
        "Given": tuple(w[:1].upper() + w[1:] for w in found.given),
        "particle": found.particles,
        "stop": found.stop,
    }
    unknown = [m.group(1) for m in PLACEHOLDER.finditer(regex) if m.group(1) not in lists]

    def replaced(match: re.Match[str]) -> str:
        words = lists.get(match.group(1))
        return f"(?:{_alternation(words)})" if words else match.group(0)

    return PLACEHOLDER.sub(replaced, regex), unknown


def _word_list(file: SourceFile, holder: LineDict, key: str) -> tuple[str, ...]:
    """A flat list of single words (no spaces) under ``key``."""
    raw = holder.get(key, LineList())
    if not isinstance(raw, list) or not all(isinstance(w, str) and w.strip() for w in raw):
        file.error(holder.line_of(key), f"'{key}' must be a list of words")
        return ()
    for word in raw:
        if len(word.split()) != 1:
            file.error(holder.line_of(key), f"'{key}': '{word}' is not a single word")
    return tuple(w.strip() for w in raw)


def _read_guard_names(folder: Folder, kinds: Mapping[str, GuardKind]) -> GuardNames | None:
    given = folder.single("names")
    if given is None:
        return None
    file, raw = given.file, given.value
    if not isinstance(raw, LineDict):
        file.error(given.line, "'names' must be a mapping")
        return None
    kind = raw.get("kind", "name")
    if kind not in kinds:
        file.error(raw.line_of("kind"), f"unknown kind '{kind}' (known: {', '.join(kinds)})")
    window = raw.get("window", GuardNames().window)
    if (
        not isinstance(window, int)
        or isinstance(window, bool)
        or not 0 <= window <= MAX_NAME_WINDOW
    ):
        file.error(raw.line_of("window"), f"'window' must be a whole number 0-{MAX_NAME_WINDOW}")
        window = GuardNames().window
    context = [w for words in file.words(raw, "context").values() for w in words]
    if not context:
        file.error(raw.line_of("context"), "'names' needs 'context' words (nl and en)")
    for word in context:
        if len(word.split()) != 1:
            file.error(raw.line_of("context"), f"'context': '{word}' is not a single word")
    return GuardNames(
        kind=str(kind),
        window=window,
        context=tuple(context),
        between=_word_list(file, raw, "between"),
        particles=_word_list(file, raw, "particles"),
        list_words=_word_list(file, raw, "list_words"),
        stop=_word_list(file, raw, "stop"),
        given=_word_list(file, raw, "given") if "given" in raw else (),
        lead_in=_word_list(file, raw, "lead_in") if "lead_in" in raw else (),
    )


def read_guard(folder: Folder) -> GuardSpec:
    """The guard: replacement text, kinds, patterns, the name finder, allowed texts, tests."""
    if not any(key in folder.given for key in ("replacement", "kinds", "patterns")):
        return GuardSpec()
    given = folder.single("replacement")
    replacement = given.file.text(given.file.root, "replacement") if given else None
    kinds = folder.unique(
        "kinds",
        lambda f, e, i: GuardKind(i, f.text(e, "label") or Text("", ""), f.where(e.line)),
    )
    names = _read_guard_names(folder, kinds)  # first: the patterns may use its lists

    def build_pattern(file: SourceFile, e: LineDict, ident: str) -> GuardPattern | None:
        kind = e.get("kind")
        if kind not in kinds:
            file.error(e.line_of("kind"), f"unknown kind '{kind}' (known: {', '.join(kinds)})")
        validate = e.get("validate")
        if validate is not None and validate not in VALIDATORS:
            file.error(
                e.line_of("validate"),
                f"unknown check '{validate}' (known: {', '.join(VALIDATORS)})",
            )
        regex = e.get("regex")
        if not isinstance(regex, str) or not regex:
            file.error(e.line_of("regex"), f"pattern '{ident}' needs a 'regex'")
            return None
        regex, unknown = expand(regex, names)
        for placeholder in unknown:
            file.error(e.line_of("regex"), f"pattern '{ident}': unknown list {{{placeholder}}}")
        compiled = compile_pattern(regex)
        if isinstance(compiled, str):
            file.error(e.line_of("regex"), f"pattern '{ident}': bad regular expression: {compiled}")
            return None
        if compiled.search("") is not None:
            file.error(e.line_of("regex"), f"pattern '{ident}' matches empty text")
            return None
        sharing = e.get("sharing", False)
        if not isinstance(sharing, bool):
            file.error(e.line_of("sharing"), f"pattern '{ident}': 'sharing' is true or false")
            sharing = False
        return GuardPattern(
            id=ident,
            kind=str(kind),
            regex=regex,
            validate=str(validate) if validate is not None else None,
            where=file.where(e.line),
            sharing=sharing,
        )

    patterns = folder.unique("patterns", build_pattern)
    allow: list[str] = []
    for file, text, line in folder.items("allow"):
        if isinstance(text, str) and text.strip():
            allow.append(text)
        else:
            file.error(line, "'allow' must be a list of texts")
    tests: list[GuardTest] = []
    for file, e in folder.entries("tests"):
        text = e.get("text")
        if not isinstance(text, str):
            file.error(e.line_of("text"), "a guard test needs a 'text'")
            continue
        hits = file.id_list(e, "hits")
        if "hits" not in e:
            file.error(e.line, "a guard test needs 'hits' (use [] for a near-miss)")
        for kind in hits:
            if kind not in kinds:
                file.error(e.line_of("hits"), f"unknown kind '{kind}' (known: {', '.join(kinds)})")
        redacted = e.get("redacted")
        if redacted is not None and not isinstance(redacted, str):
            file.error(e.line_of("redacted"), "'redacted' must be text")
            redacted = None
        sharing = e.get("sharing", False) is True
        tests.append(GuardTest(text, hits, redacted, file.where(e.line), sharing))
    return GuardSpec(
        replacement=replacement or GuardSpec().replacement,
        kinds=tuple(kinds.values()),
        patterns=tuple(patterns.values()),
        names=names,
        allow=tuple(allow),
        tests=tuple(tests),
    )
