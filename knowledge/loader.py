"""Load the knowledge base from a directory of YAML files into :class:`Knowledge`.

Loading checks structure (required keys, types, ids, languages) and reports every problem
at once with its ``file:line``; :mod:`knowledge.validator` adds the semantic checks.
"""

from __future__ import annotations

import hashlib
import re
import string
from collections.abc import Callable, Mapping
from datetime import time
from pathlib import Path
from typing import Any, TypeVar

from knowledge.conditions import Always, parse_condition
from knowledge.guard import VALIDATORS, compile_pattern
from knowledge.model import (
    CONTACT_KINDS,
    LANGUAGES,
    Action,
    Contact,
    Dilemma,
    GuardKind,
    GuardNames,
    GuardPattern,
    GuardSpec,
    GuardTest,
    IntakeQuestion,
    Knowledge,
    Level,
    Option,
    Plan,
    PlanStep,
    ReflectionQuestion,
    Rule,
    RuleTest,
    Text,
    Where,
    Window,
)
from knowledge.problems import KnowledgeError, Problem, errors
from knowledge.yamlio import LineDict, LineList, YamlSyntaxError, load_yaml

BUNDLED_DIR = Path(__file__).parent / "data"
FILES = (
    "dilemmas.yaml",
    "questions.yaml",
    "actions.yaml",
    "contacts.yaml",
    "intake.yaml",
    "rules.yaml",
    "tests.yaml",
    "messages.yaml",
    "plans.yaml",
    "guard.yaml",
)
ID_PATTERN = re.compile(r"^[a-z][a-z0-9_]*$")
MARKUP_PATTERN = re.compile(r"<[a-zA-Z/!]")

T = TypeVar("T")


class _File:
    """Typed access to one YAML file's content, collecting problems instead of raising."""

    def __init__(self, directory: Path, name: str, problems: list[Problem]) -> None:
        self.name = name
        self.problems = problems
        self.root: LineDict = LineDict()
        self.root.key_lines = {}
        path = directory / name
        if not path.exists():
            self.error(1, "file is missing")
            return
        try:
            loaded = load_yaml(path)
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

    def entries(self, key: str) -> list[LineDict]:
        """The list of mappings under a top-level key."""
        raw = self.root.get(key)
        if raw is None:
            if self.root:
                self.error(self.root.line, f"missing top-level list '{key}'")
            return []
        if not isinstance(raw, LineList):
            self.error(self.root.line_of(key), f"'{key}' must be a list")
            return []
        result = []
        for i, item in enumerate(raw):
            if isinstance(item, LineDict):
                result.append(item)
            else:
                self.error(raw.line_of(i), f"each entry of '{key}' must be a mapping")
        return result

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
        fields = [_placeholders(v) for v in values.values() if v]
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
            if not isinstance(items, list) or not all(isinstance(w, str | int) for w in items):
                self.error(raw.line_of(lang), f"'{key}.{lang}' must be a list of words")
                items = []
            result[lang] = tuple(str(w) for w in items)
        return result


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def _unique(
    file: _File, entries: list[LineDict], build: Callable[[LineDict, str], T | None]
) -> dict[str, T]:
    """Build each entry once per id, reporting duplicates."""
    result: dict[str, T] = {}
    for entry in entries:
        ident = file.ident(entry)
        if not ident:
            continue
        if ident in result:
            file.error(entry.line_of("id"), f"duplicate id '{ident}'")
            continue
        built = build(entry, ident)
        if built is not None:
            result[ident] = built
    return result


def _read_range(file: _File, entry: LineDict) -> tuple[int, int] | None:
    raw = entry.get("range")
    if raw is None:
        return None
    if (
        isinstance(raw, list)
        and len(raw) == 2
        and all(isinstance(v, int) and not isinstance(v, bool) for v in raw)
        and raw[0] <= raw[1]
    ):
        return (raw[0], raw[1])
    file.error(entry.line_of("range"), "'range' must be [low, high] with low ≤ high")
    return None


def _read_intake(file: _File) -> tuple[tuple[IntakeQuestion, ...], dict[str, dict[str, int]]]:
    questions: list[IntakeQuestion] = []
    seen: set[str] = set()
    dimensions: dict[str, tuple[str, ...]] = {}
    for entry in file.entries("questions"):
        qid = file.ident(entry)
        if not qid:
            continue
        if qid in seen:
            file.error(entry.line_of("id"), f"duplicate question id '{qid}'")
            continue
        seen.add(qid)
        raw_options = entry.get("options")
        options: list[Option] = []
        if not isinstance(raw_options, LineList) or len(raw_options) < 2:
            file.error(entry.line_of("options"), f"question '{qid}' needs at least two options")
            raw_options = LineList()
        option_ids: set[str] = set()
        for i, raw in enumerate(raw_options):
            if not isinstance(raw, LineDict):
                file.error(raw_options.line_of(i), "each option must be a mapping")
                continue
            oid = file.ident(raw)
            if oid in option_ids:
                file.error(raw.line_of("id"), f"duplicate option '{oid}' in '{qid}'")
                continue
            option_ids.add(oid)
            label = file.text(raw, "label") or Text("", "")
            options.append(Option(oid, label, _read_range(file, raw), file.words(raw, "words")))
        # A question may only depend on the questions asked before it.
        condition, problems = parse_condition(
            entry.get("ask_if"), dimensions, file.name, entry.line_of("ask_if")
        )
        file.problems.extend(problems)
        core = entry.get("core", False)
        if not isinstance(core, bool):
            file.error(entry.line_of("core"), "'core' must be true or false")
            core = False
        if core and not isinstance(condition, Always):
            file.error(entry.line_of("ask_if"), "a core question cannot be conditional")
        questions.append(
            IntakeQuestion(
                id=qid,
                core=core,
                name=file.text(entry, "name", required=False),
                text=file.text(entry, "text") or Text("", ""),
                help=file.text(entry, "help", required=False),
                ask_if=condition,
                options=tuple(options),
                where=file.where(entry.line),
            )
        )
        dimensions[qid] = tuple(o.id for o in options)
    number_words: dict[str, dict[str, int]] = {lang: {} for lang in LANGUAGES}
    raw_numbers = file.root.get("number_words")
    if isinstance(raw_numbers, LineDict):
        for lang in LANGUAGES:
            table = raw_numbers.get(lang, {})
            if not isinstance(table, dict) or not all(
                isinstance(k, str) and isinstance(v, int) for k, v in table.items()
            ):
                file.error(
                    raw_numbers.line_of(lang), f"'number_words.{lang}' must map words to numbers"
                )
                continue
            number_words[lang] = dict(table)
    elif raw_numbers is not None:
        file.error(file.root.line_of("number_words"), "'number_words' must be a mapping")
    return tuple(questions), number_words


def _flag(file: _File, entry: LineDict, key: str) -> bool:
    value = entry.get(key, False)
    if not isinstance(value, bool):
        file.error(entry.line_of(key), f"'{key}' must be true or false")
        return False
    return value


def _read_plan(file: _File, entry: LineDict, ident: str) -> Plan:
    steps: list[PlanStep] = []
    raw_steps = entry.get("steps")
    if not isinstance(raw_steps, LineList) or not raw_steps:
        file.error(entry.line_of("steps"), f"plan '{ident}' needs a list of steps")
        raw_steps = LineList()
    previous = -1
    seen: set[str] = set()
    for index, raw in enumerate(raw_steps):
        if not isinstance(raw, LineDict):
            file.error(raw_steps.line_of(index), "each step must be a mapping")
            continue
        step_id = file.ident(raw)
        if step_id in seen:
            file.error(raw.line_of("id"), f"duplicate step '{step_id}' in plan '{ident}'")
        seen.add(step_id)
        offset = raw.get("offset_days")
        if not isinstance(offset, int) or isinstance(offset, bool) or offset < 0:
            file.error(raw.line_of("offset_days"), "'offset_days' must be a whole number ≥ 0")
            offset = 0
        elif offset <= previous:
            file.error(raw.line_of("offset_days"), "steps must come in order of 'offset_days'")
        previous = offset
        question = raw.get("question")
        text = file.text(raw, "text", required=False)
        if (question is None) == (text is None):
            file.error(raw.line, f"step '{step_id}' needs either 'question' or 'text'")
        personal = file.text(raw, "personal", required=False)
        if personal is not None and _placeholders(personal.nl) - {"dilemma"}:
            file.error(raw.line_of("personal"), "'personal' may only use {dilemma}")
        steps.append(PlanStep(step_id, offset, str(question) if question else None, text, personal))
    return Plan(
        id=ident,
        default=_flag(file, entry, "default"),
        title=file.text(entry, "title") or Text("", ""),
        steps=tuple(steps),
        where=file.where(entry.line),
    )


def _read_time(file: _File, entry: LineDict, key: str) -> time:
    raw = entry.get(key)
    try:
        hours, minutes = str(raw).split(":")
        return time(int(hours), int(minutes))
    except (ValueError, TypeError):
        file.error(entry.line_of(key), f"'{key}' must be a time like \"08:30\", not {raw!r}")
        return time(0, 0)


def _read_window(file: _File, entry: LineDict, ident: str) -> Window:
    start, end = _read_time(file, entry, "start"), _read_time(file, entry, "end")
    if start >= end:
        file.error(entry.line_of("end"), f"window '{ident}' must end after it starts")
    return Window(
        id=ident,
        default=_flag(file, entry, "default"),
        label=file.text(entry, "label") or Text("", ""),
        start=start,
        end=end,
        where=file.where(entry.line),
    )


def _read_profile(
    file: _File, raw: Any, line: int, dimensions: Mapping[str, tuple[str, ...]]
) -> dict[str, str]:
    if not isinstance(raw, LineDict):
        file.error(line, "'profile' must map dimensions to values")
        return {}
    profile: dict[str, str] = {}
    for dim, value in raw.items():
        if dim not in dimensions:
            file.error(raw.line_of(dim), f"unknown dimension '{dim}'")
        elif value not in dimensions[dim]:
            valid = ", ".join(dimensions[dim])
            file.error(raw.line_of(dim), f"'{value}' is not a value of '{dim}' (valid: {valid})")
        else:
            profile[str(dim)] = str(value)
    return profile


# --- guard.yaml: the client-data guard ------------------------------------------------

MAX_NAME_WINDOW = 10


def _word_list(file: _File, holder: LineDict, key: str) -> tuple[str, ...]:
    """A flat list of single words (no spaces) under ``key``."""
    raw = holder.get(key, LineList())
    if not isinstance(raw, list) or not all(isinstance(w, str) and w.strip() for w in raw):
        file.error(holder.line_of(key), f"'{key}' must be a list of words")
        return ()
    for word in raw:
        if len(word.split()) != 1:
            file.error(holder.line_of(key), f"'{key}': '{word}' is not a single word")
    return tuple(w.strip() for w in raw)


def _read_guard_names(file: _File, kinds: Mapping[str, GuardKind]) -> GuardNames | None:
    raw = file.root.get("names")
    if raw is None:
        return None
    if not isinstance(raw, LineDict):
        file.error(file.root.line_of("names"), "'names' must be a mapping")
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
    )


def _read_guard(file: _File) -> GuardSpec:
    """guard.yaml: replacement text, kinds, patterns, the name finder, allowed texts, tests."""
    if not file.root:
        return GuardSpec()
    replacement = file.text(file.root, "replacement") or GuardSpec().replacement
    kinds = _unique(
        file,
        file.entries("kinds"),
        lambda e, i: GuardKind(i, file.text(e, "label") or Text("", ""), file.where(e.line)),
    )

    def build_pattern(e: LineDict, ident: str) -> GuardPattern | None:
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
        compiled = compile_pattern(regex)
        if isinstance(compiled, str):
            file.error(e.line_of("regex"), f"pattern '{ident}': bad regular expression: {compiled}")
            return None
        if compiled.search("") is not None:
            file.error(e.line_of("regex"), f"pattern '{ident}' matches empty text")
            return None
        return GuardPattern(
            id=ident,
            kind=str(kind),
            regex=regex,
            validate=str(validate) if validate is not None else None,
            where=file.where(e.line),
        )

    patterns = _unique(file, file.entries("patterns"), build_pattern)
    names = _read_guard_names(file, kinds)
    allow = file.root.get("allow", LineList())
    if not isinstance(allow, list) or not all(isinstance(a, str) and a.strip() for a in allow):
        file.error(file.root.line_of("allow"), "'allow' must be a list of texts")
        allow = []
    tests: list[GuardTest] = []
    for e in file.entries("tests"):
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
        tests.append(GuardTest(text, hits, redacted, file.where(e.line)))
    return GuardSpec(
        replacement=replacement,
        kinds=tuple(kinds.values()),
        patterns=tuple(patterns.values()),
        names=names,
        allow=tuple(allow),
        tests=tuple(tests),
    )


def read_knowledge(directory: Path | str = BUNDLED_DIR) -> tuple[Knowledge, list[Problem]]:
    """Read every file; return the knowledge (possibly partial) and all structural problems."""
    directory = Path(directory)
    problems: list[Problem] = []
    files = {name: _File(directory, name, problems) for name in FILES}
    digest = hashlib.sha256()
    for name in FILES:
        path = directory / name
        if path.exists():
            digest.update(path.read_bytes())

    f = files["dilemmas.yaml"]
    levels = _unique(
        f,
        f.entries("levels"),
        lambda e, i: Level(i, f.text(e, "title") or Text("", ""), f.where(e.line)),
    )

    def build_dilemma(e: LineDict, ident: str) -> Dilemma:
        poles_raw = e.get("poles")
        poles: list[Text] = []
        if isinstance(poles_raw, LineList) and len(poles_raw) == 2:
            holder = LineDict(enumerate(poles_raw))
            holder.line, holder.key_lines = poles_raw.line, dict(enumerate(poles_raw.item_lines))
            poles = [f.text(holder, i) or Text("", "") for i in range(2)]
        else:
            f.error(e.line_of("poles"), "'poles' must list exactly two poles")
            poles = [Text("", ""), Text("", "")]
        level = e.get("level")
        if level not in levels:
            f.error(e.line_of("level"), f"unknown level '{level}' (known: {', '.join(levels)})")
        return Dilemma(
            id=ident,
            level=str(level),
            title=f.text(e, "title") or Text("", ""),
            poles=(poles[0], poles[1]),
            question=f.text(e, "question") or Text("", ""),
            explanation=f.text(e, "explanation") or Text("", ""),
            questions=f.id_list(e, "questions", minimum=2),
            actions=f.id_list(e, "actions", minimum=1),
            contacts=f.id_list(e, "contacts", minimum=1),
            sources=f.id_list(e, "sources"),
            keywords=f.words(e, "keywords"),
            where=f.where(e.line),
            key_lines=dict(e.key_lines),
        )

    dilemmas = _unique(f, f.entries("dilemmas"), build_dilemma)

    f = files["questions.yaml"]
    questions = _unique(
        f,
        f.entries("questions"),
        lambda e, i: ReflectionQuestion(
            i,
            f.ident(e, "theme"),
            f.text(e, "text") or Text("", ""),
            f.id_list(e, "tags"),
            f.where(e.line),
        ),
    )

    f = files["actions.yaml"]
    actions = _unique(
        f,
        f.entries("actions"),
        lambda e, i: Action(
            i,
            f.text(e, "title") or Text("", ""),
            f.text(e, "text") or Text("", ""),
            f.where(e.line),
        ),
    )

    f = files["contacts.yaml"]

    def build_contact(e: LineDict, ident: str) -> Contact:
        kind = e.get("kind")
        if kind not in CONTACT_KINDS:
            f.error(e.line_of("kind"), f"'kind' must be one of {', '.join(CONTACT_KINDS)}")
        details = {}
        for key in ("website", "email"):
            value = e.get(key)
            if value is not None and not isinstance(value, str):
                f.error(e.line_of(key), f"'{key}' must be text")
                value = None
            details[key] = value
        return Contact(
            id=ident,
            kind=str(kind),
            name=f.text(e, "name") or Text("", ""),
            description=f.text(e, "description") or Text("", ""),
            when=f.text(e, "when") or Text("", ""),
            website=details["website"],
            email=details["email"],
            where=f.where(e.line),
        )

    contacts = _unique(f, f.entries("contacts"), build_contact)

    f = files["intake.yaml"]
    intake, number_words = _read_intake(f)
    dimensions = {q.id: tuple(o.id for o in q.options) for q in intake}

    f = files["rules.yaml"]

    def build_rule(e: LineDict, ident: str) -> Rule:
        when, condition_problems = parse_condition(
            e.get("when"), dimensions, f.name, e.line_of("when")
        )
        problems.extend(condition_problems)
        if "when" not in e:
            f.error(e.line, f"rule '{ident}' needs 'when' (use {{}} for always)")
        then = e.get("then")
        weights: dict[str, int] = {}
        extra_questions: tuple[str, ...] = ()
        extra_contacts: tuple[str, ...] = ()
        if not isinstance(then, LineDict):
            f.error(e.line_of("then"), f"rule '{ident}' needs 'then' with 'dilemmas'")
        else:
            raw = then.get("dilemmas")
            if not isinstance(raw, LineDict) or not raw:
                f.error(then.line_of("dilemmas"), "'then.dilemmas' must map dilemma ids to weights")
            else:
                for did, weight in raw.items():
                    if not isinstance(weight, int) or isinstance(weight, bool) or weight == 0:
                        f.error(
                            raw.line_of(did), f"weight of '{did}' must be a non-zero whole number"
                        )
                        continue
                    weights[str(did)] = weight
            extra_questions = f.id_list(then, "questions")
            extra_contacts = f.id_list(then, "contacts")
        return Rule(
            id=ident,
            when=when,
            dilemmas=weights,
            questions=extra_questions,
            contacts=extra_contacts,
            because=f.text(e, "because") or Text("", ""),
            where=f.where(e.line),
            key_lines={**e.key_lines, **(then.key_lines if isinstance(then, LineDict) else {})},
        )

    rules = _unique(f, f.entries("rules"), build_rule)

    f = files["tests.yaml"]
    tests = []
    for e in f.entries("tests"):
        tests.append(
            RuleTest(
                profile=_read_profile(f, e.get("profile"), e.line_of("profile"), dimensions),
                top=f.id_list(e, "top"),
                not_top=f.id_list(e, "not_top"),
                where=f.where(e.line),
            )
        )

    f = files["messages.yaml"]
    messages: dict[str, Text] = {}
    message_where: dict[str, Where] = {}
    raw_messages = f.root.get("messages")
    if isinstance(raw_messages, LineDict):
        for key in raw_messages:
            text = f.text(raw_messages, key)
            if text is not None:
                messages[str(key)] = text
                message_where[str(key)] = f.where(raw_messages.line_of(key))
    elif f.root:
        f.error(f.root.line, "missing mapping 'messages'")

    f = files["plans.yaml"]
    plans = _unique(f, f.entries("plans"), lambda e, i: _read_plan(f, e, i))
    windows = _unique(f, f.entries("windows"), lambda e, i: _read_window(f, e, i))
    for kind, items in (("plan", plans), ("window", windows)):
        defaults = [item for item in items.values() if item.default]
        if items and len(defaults) != 1:
            f.error(f.root.line, f"exactly one {kind} must be 'default: true'")

    guard = _read_guard(files["guard.yaml"])

    knowledge = Knowledge(
        directory=str(directory),
        version=digest.hexdigest()[:12],
        levels=tuple(levels.values()),
        dilemmas=tuple(dilemmas.values()),
        questions=questions,
        actions=actions,
        contacts=contacts,
        intake=intake,
        number_words=number_words,
        rules=tuple(rules.values()),
        tests=tuple(tests),
        messages=messages,
        message_where=message_where,
        plans=tuple(plans.values()),
        windows=tuple(windows.values()),
        guard=guard,
    )
    return knowledge, problems


def load_knowledge(directory: Path | str = BUNDLED_DIR) -> Knowledge:
    """Read and fully validate; raise :class:`KnowledgeError` listing every error."""
    from knowledge.validator import validate

    knowledge, problems = read_knowledge(directory)
    problems.extend(validate(knowledge, complete=not errors(problems)).problems)
    found = errors(problems)
    if found:
        raise KnowledgeError(found)
    return knowledge
