"""Load the knowledge base from a directory of YAML files into :class:`Knowledge`.

:mod:`knowledge.folders` reads every file of ``content/`` and ``interface/`` and merges
them by top-level key; this module turns the merged keys into the model. Loading checks
structure (required keys, types, ids, languages) and reports every problem at once with
its ``file:line``; :mod:`knowledge.validator` adds the semantic checks.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from knowledge.checked import ValidationCache
from knowledge.conditions import Always, parse_condition
from knowledge.folders import Folder, read_folders
from knowledge.load_guard import read_guard
from knowledge.load_plans import read_days_off, read_plan, read_window
from knowledge.model import (
    CONTACT_KINDS,
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
from knowledge.reading.load import read_examples, read_reading
from knowledge.sourcefile import SourceFile
from knowledge.yamlio import LineDict, LineList

BUNDLED_DIR = Path(__file__).parent / "data"
MAX_NUMBERED = 7
"""The contract's intake: at most this many questions before the optional deepening ones."""


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


def _read_intake(folder: Folder) -> tuple[IntakeQuestion, ...]:
    questions: list[IntakeQuestion] = []
    seen: dict[str, Where] = {}
    dimensions: dict[str, tuple[str, ...]] = {}
    for file, entry in folder.entries("intake_questions"):
        qid = file.ident(entry)
        if not qid:
            continue
        if qid in seen:
            first = seen[qid]
            file.error(
                entry.line_of("id"),
                f"duplicate question id '{qid}' (also at {first.file}:{first.line})",
            )
            continue
        seen[qid] = file.where(entry.line_of("id"))
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
                offered_if, option_problems = parse_condition(
                    raw.get("ask_if"), dimensions, file.name, raw.line_of("ask_if")
                )
                file.problems.extend(option_problems)
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
        deepening = entry.get("deepening", False)
        if not isinstance(deepening, bool):
            file.error(entry.line_of("deepening"), "'deepening' must be true or false")
            deepening = False
        if core and deepening:
            file.error(entry.line_of("deepening"), "a core question cannot be a deepening one")
        if not deepening and any(q.deepening for q in questions):
            file.error(entry.line, "the deepening questions come after all the others")
        if not deepening and sum(not q.deepening for q in questions) >= MAX_NUMBERED:
            file.error(
                entry.line,
                f"at most {MAX_NUMBERED} questions may be asked before the deepening ones",
            )
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
                deepening=deepening,
            )
        )
        dimensions[qid] = tuple(o.id for o in options)
    return tuple(questions)


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


def _read_dilemma(
    file: SourceFile, e: LineDict, ident: str, levels: Mapping[str, Level]
) -> Dilemma:
    poles_raw = e.get("poles")
    poles: list[Text] = []
    if isinstance(poles_raw, LineList) and len(poles_raw) == 2:
        holder = LineDict(enumerate(poles_raw))
        holder.line, holder.key_lines = poles_raw.line, dict(enumerate(poles_raw.item_lines))
        poles = [file.text(holder, i) or Text("", "") for i in range(2)]
    else:
        file.error(e.line_of("poles"), "'poles' must list exactly two poles")
        poles = [Text("", ""), Text("", "")]
    level = e.get("level")
    if level not in levels:
        file.error(e.line_of("level"), f"unknown level '{level}' (known: {', '.join(levels)})")
    return Dilemma(
        id=ident,
        level=str(level),
        title=file.text(e, "title") or Text("", ""),
        poles=(poles[0], poles[1]),
        question=file.text(e, "question") or Text("", ""),
        explanation=file.text(e, "explanation") or Text("", ""),
        questions=file.id_list(e, "questions", minimum=2),
        actions=file.id_list(e, "actions", minimum=1),
        contacts=file.id_list(e, "contacts", minimum=1),
        sources=file.id_list(e, "sources"),
        keywords=file.words(e, "keywords"),
        where=file.where(e.line),
        key_lines=dict(e.key_lines),
        steps=_read_steps(file, e),
        meeting=file.text(e, "meeting", required=False),
    )


def _read_contact(file: SourceFile, e: LineDict, ident: str) -> Contact:
    kind = e.get("kind")
    if kind not in CONTACT_KINDS:
        file.error(e.line_of("kind"), f"'kind' must be one of {', '.join(CONTACT_KINDS)}")
    details = {}
    for key in ("website", "email"):
        value = e.get(key)
        if value is not None and not isinstance(value, str):
            file.error(e.line_of(key), f"'{key}' must be text")
            value = None
        details[key] = value
    return Contact(
        id=ident,
        kind=str(kind),
        name=file.text(e, "name") or Text("", ""),
        description=file.text(e, "description") or Text("", ""),
        when=file.text(e, "when") or Text("", ""),
        website=details["website"],
        email=details["email"],
        where=file.where(e.line),
    )


def _read_rule(
    file: SourceFile, e: LineDict, ident: str, dimensions: Mapping[str, tuple[str, ...]]
) -> Rule:
    when, condition_problems = parse_condition(
        e.get("when"), dimensions, file.name, e.line_of("when")
    )
    file.problems.extend(condition_problems)
    if "when" not in e:
        file.error(e.line, f"rule '{ident}' needs 'when' (use {{}} for always)")
    then = e.get("then")
    weights: dict[str, int] = {}
    extra_questions: dict[str, tuple[str, ...]] = {}
    extra_contacts: dict[str, tuple[str, ...]] = {}
    if not isinstance(then, LineDict):
        file.error(e.line_of("then"), f"rule '{ident}' needs 'then' with 'dilemmas'")
    else:
        raw = then.get("dilemmas")
        if not isinstance(raw, LineDict) or not raw:
            file.error(then.line_of("dilemmas"), "'then.dilemmas' must map dilemma ids to weights")
        else:
            for did, weight in raw.items():
                if not isinstance(weight, int) or isinstance(weight, bool) or weight == 0:
                    file.error(
                        raw.line_of(did), f"weight of '{did}' must be a non-zero whole number"
                    )
                    continue
                weights[str(did)] = weight
        extra_questions = _per_dilemma(file, then, "questions", weights, ident)
        extra_contacts = _per_dilemma(file, then, "contacts", weights, ident)
    return Rule(
        id=ident,
        when=when,
        dilemmas=weights,
        questions=extra_questions,
        contacts=extra_contacts,
        because=file.text(e, "because") or Text("", ""),
        where=file.where(e.line),
        key_lines={**e.key_lines, **(then.key_lines if isinstance(then, LineDict) else {})},
        sources=file.id_list(e, "sources"),
    )


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


def _read_question(
    file: SourceFile, e: LineDict, ident: str, dimensions: Mapping[str, tuple[str, ...]]
) -> ReflectionQuestion:
    fits = None
    if "ask_if" in e:
        fits, condition_problems = parse_condition(
            e.get("ask_if"), dimensions, file.name, e.line_of("ask_if")
        )
        file.problems.extend(condition_problems)
    return ReflectionQuestion(
        ident,
        file.ident(e, "theme"),
        file.text(e, "text") or Text("", ""),
        file.id_list(e, "tags"),
        file.where(e.line),
        fits,
    )


def _read_messages(folder: Folder) -> tuple[dict[str, Text], dict[str, Where]]:
    messages: dict[str, Text] = {}
    message_where: dict[str, Where] = {}
    for file, holder, key in folder.mapping("messages"):
        text = file.text(holder, key)
        if text is not None:
            messages[key] = text
            message_where[key] = file.where(holder.line_of(key))
    return messages, message_where


def _one_default(problems: list[Problem], kind: str, items: list[tuple[Where, bool]]) -> None:
    """Exactly one plan (or window) is the default; report the second, or the first."""
    defaults = [where for where, default in items if default]
    if items and len(defaults) != 1:
        at = defaults[1] if defaults else items[0][0]
        problems.append(Problem(at.file, at.line, f"exactly one {kind} must be 'default: true'"))


def read_knowledge(directory: Path | str = BUNDLED_DIR) -> tuple[Knowledge, list[Problem]]:
    """Read every file; return the knowledge (possibly partial) and all structural problems."""
    directory = Path(directory)
    problems: list[Problem] = []
    folders = read_folders(directory, problems)
    content, interface = folders.content, folders.interface

    levels = content.unique(
        "levels", lambda f, e, i: Level(i, f.text(e, "title") or Text("", ""), f.where(e.line))
    )
    dilemmas = content.unique("dilemmas", lambda f, e, i: _read_dilemma(f, e, i, levels))
    intake = _read_intake(content)
    dimensions = {q.id: tuple(o.id for o in q.options) for q in intake}
    questions = content.unique(
        "reflection_questions", lambda f, e, i: _read_question(f, e, i, dimensions)
    )
    actions = content.unique(
        "actions",
        lambda f, e, i: Action(
            i,
            f.text(e, "title") or Text("", ""),
            f.text(e, "text") or Text("", ""),
            f.where(e.line),
        ),
    )
    contacts = content.unique("contacts", _read_contact)
    rules = content.unique("rules", lambda f, e, i: _read_rule(f, e, i, dimensions))
    tests = [
        RuleTest(
            profile=_read_profile(f, e.get("profile"), e.line_of("profile"), dimensions),
            top=f.id_list(e, "top"),
            not_top=f.id_list(e, "not_top"),
            where=f.where(e.line),
        )
        for f, e in content.entries("rule_tests")
    ]

    messages, message_where = _read_messages(interface)
    plans = interface.unique("plans", read_plan)
    days_off = read_days_off(interface)
    windows = {
        ident: replace(window, days_off=days_off)
        for ident, window in interface.unique("windows", read_window).items()
    }
    templates: list[Template] = []
    for f, question, line in interface.items("broadcast_templates"):
        if isinstance(question, str):
            templates.append(Template(question, f.where(line)))
        else:
            f.error(line, "'broadcast_templates' must be a list of reflection question ids")
    _one_default(problems, "plan", [(p.where, p.default) for p in plans.values()])
    _one_default(problems, "window", [(w.where, w.default) for w in windows.values()])
    guard = read_guard(interface)
    reading = read_reading(content)
    examples = read_examples(content)

    knowledge = Knowledge(
        directory=str(directory),
        version=folders.version,
        levels=tuple(levels.values()),
        dilemmas=tuple(dilemmas.values()),
        questions=questions,
        actions=actions,
        contacts=contacts,
        intake=intake,
        rules=tuple(rules.values()),
        tests=tuple(tests),
        messages=messages,
        message_where=message_where,
        plans=tuple(plans.values()),
        windows=tuple(windows.values()),
        templates=tuple(templates),
        guard=guard,
        reading=reading,
        examples=examples,
    )
    return knowledge, problems


def load_knowledge(
    directory: Path | str = BUNDLED_DIR, cache: ValidationCache | None = None
) -> Knowledge:
    """Read and fully validate; raise :class:`KnowledgeError` listing every error.

    With a ``cache``, knowledge that passed before (same files, same code) is not checked
    again, and knowledge that passes now is remembered.
    """
    knowledge, problems = read_knowledge(directory)
    if cache is not None and not errors(problems) and cache.passed(knowledge):
        return knowledge
    from knowledge.validator import validate

    problems.extend(validate(knowledge, complete=not errors(problems)).problems)
    found = errors(problems)
    if found:
        raise KnowledgeError(found)
    if cache is not None:
        cache.remember(knowledge)
    return knowledge
