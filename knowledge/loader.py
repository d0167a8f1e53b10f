"""Load the knowledge base from a directory of YAML files into :class:`Knowledge`.

Loading checks structure (required keys, types, ids, languages) and reports every problem
at once with its ``file:line``; :mod:`knowledge.validator` adds the semantic checks.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from knowledge.conditions import Always, parse_condition
from knowledge.load_guard import read_guard
from knowledge.load_plans import read_plan, read_window
from knowledge.model import (
    CONTACT_KINDS,
    LANGUAGES,
    Action,
    Contact,
    Dilemma,
    IntakeQuestion,
    Knowledge,
    Level,
    Option,
    ReflectionQuestion,
    Rule,
    RuleTest,
    Template,
    Text,
    Where,
)
from knowledge.problems import KnowledgeError, Problem, errors
from knowledge.sourcefile import SourceFile, unique
from knowledge.yamlio import LineDict, LineList

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


def _read_range(file: SourceFile, entry: LineDict) -> tuple[int, int] | None:
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


def _read_intake(file: SourceFile) -> tuple[tuple[IntakeQuestion, ...], dict[str, dict[str, int]]]:
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
            # An option, like its question, may only depend on the questions asked before.
            offered_if = None
            if "ask_if" in raw:
                offered_if, problems = parse_condition(
                    raw.get("ask_if"), dimensions, file.name, raw.line_of("ask_if")
                )
                file.problems.extend(problems)
            options.append(
                Option(oid, label, _read_range(file, raw), file.words(raw, "words"), offered_if)
            )
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


def _read_steps(file: SourceFile, entry: LineDict) -> dict[str, Text]:
    """A dilemma's ``steps``: per leadership action id, what to do about it this month."""
    raw = entry.get("steps")
    if raw is None:
        return {}
    if not isinstance(raw, LineDict):
        file.error(entry.line_of("steps"), "'steps' must map action ids to a text")
        return {}
    steps: dict[str, Text] = {}
    for action_id in raw:
        text = file.text(raw, action_id)
        if text is not None:
            steps[str(action_id)] = text
    return steps


def _per_dilemma(
    file: SourceFile, then: LineDict, key: str, weights: Mapping[str, int], rule: str
) -> dict[str, tuple[str, ...]]:
    """A rule's extra ``questions`` or ``contacts``, each under the dilemma it belongs to.

    A mapping names the dilemma; a plain list is allowed only for a rule that raises one
    dilemma (a question about the board table must not follow the rule to its other ones).
    """
    raw = then.get(key)
    if raw is None:
        return {}
    if isinstance(raw, LineDict):
        result: dict[str, tuple[str, ...]] = {}
        for did in raw:
            if str(did) not in weights:
                file.error(
                    raw.line_of(did),
                    f"rule '{rule}': '{key}' for '{did}', a dilemma it does not raise",
                )
                continue
            result[str(did)] = file.id_list(raw, did)
        return result
    ids = file.id_list(then, key)
    raised = [d for d, w in weights.items() if w > 0]
    if len(raised) != 1:
        file.error(
            then.line_of(key),
            f"rule '{rule}' raises {len(raised)} dilemmas: map its '{key}' to the dilemma "
            "each belongs to",
        )
        return {}
    return {raised[0]: ids}


def _read_profile(
    file: SourceFile, raw: Any, line: int, dimensions: Mapping[str, tuple[str, ...]]
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


def read_knowledge(directory: Path | str = BUNDLED_DIR) -> tuple[Knowledge, list[Problem]]:
    """Read every file; return the knowledge (possibly partial) and all structural problems."""
    directory = Path(directory)
    problems: list[Problem] = []
    files = {name: SourceFile(directory, name, problems) for name in FILES}
    digest = hashlib.sha256()
    for name in FILES:
        path = directory / name
        if path.exists():
            digest.update(path.read_bytes())

    f = files["dilemmas.yaml"]
    levels = unique(
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
            steps=_read_steps(f, e),
            meeting=f.text(e, "meeting", required=False),
        )

    dilemmas = unique(f, f.entries("dilemmas"), build_dilemma)

    f = files["intake.yaml"]
    intake, number_words = _read_intake(f)
    dimensions = {q.id: tuple(o.id for o in q.options) for q in intake}

    f = files["questions.yaml"]

    def build_question(e: LineDict, ident: str) -> ReflectionQuestion:
        fits = None
        if "ask_if" in e:
            fits, condition_problems = parse_condition(
                e.get("ask_if"), dimensions, f.name, e.line_of("ask_if")
            )
            problems.extend(condition_problems)
        return ReflectionQuestion(
            ident,
            f.ident(e, "theme"),
            f.text(e, "text") or Text("", ""),
            f.id_list(e, "tags"),
            f.where(e.line),
            fits,
        )

    questions = unique(f, f.entries("questions"), build_question)

    f = files["actions.yaml"]
    actions = unique(
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

    contacts = unique(f, f.entries("contacts"), build_contact)

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
        extra_questions: dict[str, tuple[str, ...]] = {}
        extra_contacts: dict[str, tuple[str, ...]] = {}
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
            extra_questions = _per_dilemma(f, then, "questions", weights, ident)
            extra_contacts = _per_dilemma(f, then, "contacts", weights, ident)
        return Rule(
            id=ident,
            when=when,
            dilemmas=weights,
            questions=extra_questions,
            contacts=extra_contacts,
            because=f.text(e, "because") or Text("", ""),
            where=f.where(e.line),
            key_lines={**e.key_lines, **(then.key_lines if isinstance(then, LineDict) else {})},
            sources=f.id_list(e, "sources"),
        )

    rules = unique(f, f.entries("rules"), build_rule)

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
    plans = unique(f, f.entries("plans"), lambda e, i: read_plan(f, e, i))
    windows = unique(f, f.entries("windows"), lambda e, i: read_window(f, e, i))
    templates: list[Template] = []
    raw_templates = f.root.get("templates") if f.root else None
    if isinstance(raw_templates, LineList):
        for index, question in enumerate(raw_templates):
            templates.append(Template(str(question), f.where(raw_templates.line_of(index))))
    elif raw_templates is not None:
        f.error(f.root.line_of("templates"), "'templates' must be a list of question ids")
    for kind, items in (("plan", plans), ("window", windows)):
        defaults = [item for item in items.values() if item.default]
        if items and len(defaults) != 1:
            f.error(f.root.line, f"exactly one {kind} must be 'default: true'")

    guard = read_guard(files["guard.yaml"])

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
        templates=tuple(templates),
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
