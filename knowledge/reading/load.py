"""``reading.yaml`` → :class:`ReadingSpec`, with ``file:line`` problems."""

from __future__ import annotations

from knowledge.folders import Folder
from knowledge.model import LANGUAGES, Knowledge
from knowledge.problems import Problem
from knowledge.reading.spec import (
    NUMBER_KINDS,
    AnswerExample,
    DescriptionExample,
    Phrase,
    ReadingExamples,
    ReadingSpec,
)
from knowledge.reading.words import PUNCTUATION, phrase
from knowledge.sourcefile import SourceFile
from knowledge.yamlio import LineDict, LineList

KEY = "reading"
PHRASE_LISTS = (
    "boundaries",
    "negation",
    "negation_after",
    "frequencies",
    "no_answers",
    "hedges",
    "dont_know",
    "echo_fillers",
    "contrast",
    "affirmations",
    "together",
    "denials",
    "generic",
    "lessening",
    "lowering",
    "intensifiers",
    "almost",
    "exceptions",
    "not_counted",
    "year_words",
    "skippable",
    "ranges",
    "bounds",
    "sums",
    "beyond",
    "currency",
    "between",
    "between_joins",
)


def _phrases(file: SourceFile, holder: LineDict, key: str) -> tuple[Phrase, ...]:
    found: list[Phrase] = []
    given = file.words(holder, key)
    for lang in LANGUAGES:
        for written in given.get(lang, ()):
            words = phrase(written)
            if words:
                found.append(words)
            else:
                file.error(holder.line_of(key), f"'{key}': '{written}' has no words")
    return tuple(dict.fromkeys(found))


def _question_ids(
    file: SourceFile, root: LineDict, key: str, lines: dict[str, int]
) -> frozenset[str]:
    raw = root.get(key)
    if raw is None:
        return frozenset()
    if isinstance(raw, LineList) and all(isinstance(q, str) for q in raw):
        lines.update({f"{key}.{q}": raw.line_of(i) for i, q in enumerate(raw)})
        return frozenset(raw)
    file.error(root.line_of(key), f"'{key}' must list question ids")
    return frozenset()


def _number(raw: object) -> tuple[float, float] | None:
    """``2``, ``0.5`` or ``[2, 3]`` as (low, high); None when it is none of those."""
    values: list[object] = list(raw) if isinstance(raw, list) else [raw, raw]
    numbers = [v for v in values if isinstance(v, int | float) and not isinstance(v, bool)]
    if len(values) != 2 or len(numbers) != 2 or min(numbers) < 0 or numbers[0] > numbers[1]:
        return None
    return float(numbers[0]), float(numbers[1])


Durations = tuple[
    dict[str, dict[str, tuple[int, int]]],
    dict[str, float],
    dict[Phrase, tuple[float, float]],
    tuple[Phrase, ...],
    dict[Phrase, tuple[float, float]],
    tuple[Phrase, ...],
    tuple[Phrase, ...],
]
"""Phases, units, amounts, "since" words, years named from this one, "started" words and
the words that may stand between "since" and its year."""


def _phases(
    file: SourceFile, given: LineDict, lines: dict[str, int]
) -> dict[str, dict[str, tuple[int, int]]]:
    phases: dict[str, dict[str, tuple[int, int]]] = {}
    for question, bands in given.items():
        lines[f"phases.{question}"] = given.line_of(question)
        if not isinstance(bands, LineDict):
            file.error(
                given.line_of(question), f"phases of '{question}' must map options to months"
            )
            continue
        months: dict[str, tuple[int, int]] = {}
        for option, band in bands.items():
            read = _number(band)
            whole = isinstance(band, list) and all(isinstance(v, int) for v in band)
            if read is None or not whole:
                file.error(bands.line_of(option), f"'{option}' must be [first, last] months")
                continue
            months[str(option)] = (int(read[0]), int(read[1]))
        phases[str(question)] = months
    return phases


def _durations(file: SourceFile, root: LineDict, lines: dict[str, int]) -> Durations:
    """``durations``: the months of each phase, units of time, amounts, "since" words,
    years named from this one ("vorig jaar": 1) and the words that make a year the start."""
    raw = root.get("durations")
    if not isinstance(raw, LineDict):
        if raw is not None:
            file.error(root.line_of("durations"), "'durations' must be a mapping")
        return {}, {}, {}, (), {}, (), ()
    given = raw.get("phases")
    phases = _phases(file, given, lines) if isinstance(given, LineDict) else {}
    units: dict[str, float] = {}
    amounts: dict[Phrase, tuple[float, float]] = {}
    years_ago: dict[Phrase, tuple[float, float]] = {}
    for key in ("units", "amounts", "years_ago"):
        table = raw.get(key)
        if not isinstance(table, LineDict):
            if table is not None:
                file.error(raw.line_of(key), f"'{key}' must map words to numbers")
            continue
        for word, value in table.items():
            read, words = _number(value), phrase(str(word))
            single = read is not None and read[0] == read[1]
            one = key == "amounts" or (single and (key == "years_ago" or len(words) == 1))
            if read is None or not words or not one:
                file.error(table.line_of(word), f"'{key}': '{word}' must be a word and a number")
            elif key == "units":
                units[words[0]] = read[0]
            else:
                (amounts if key == "amounts" else years_ago)[words] = read
    since, started = _phrases(file, raw, "since"), _phrases(file, raw, "started")
    around = _phrases(file, raw, "around_year") if "around_year" in raw else ()
    return phases, units, amounts, since, years_ago, started, around


def _almost_options(
    file: SourceFile, root: LineDict, lines: dict[str, int]
) -> dict[str, dict[str, str]]:
    """``almost_options``: per question, option → the option it is when said almost."""
    raw = root.get("almost_options")
    if raw is None:
        return {}
    if not isinstance(raw, LineDict):
        file.error(root.line_of("almost_options"), "'almost_options' must be a mapping")
        return {}
    found: dict[str, dict[str, str]] = {}
    for question, moves in raw.items():
        lines[f"almost_options.{question}"] = raw.line_of(question)
        if isinstance(moves, LineDict) and all(isinstance(o, str) for o in moves.values()):
            found[str(question)] = {str(o): str(to) for o, to in moves.items()}
        else:
            file.error(raw.line_of(question), f"'almost_options' of '{question}' must map options")
    return found


def _option_per_question(
    file: SourceFile, root: LineDict, key: str, lines: dict[str, int]
) -> dict[str, str]:
    """A mapping of question id → option id (``dont_know_options``, ``bounded_options``)."""
    found: dict[str, str] = {}
    raw = root.get(key)
    if raw is None:
        pass
    elif isinstance(raw, LineDict):
        for question, option in raw.items():
            lines[f"{key}.{question}"] = raw.line_of(question)
            found[str(question)] = str(option)
    else:
        file.error(root.line_of(key), f"'{key}' must be a mapping")
    return found


def read_reading(folder: Folder) -> ReadingSpec:
    """The ``reading`` section; without one nothing is special (no triggers, no scales)."""
    given = folder.single(KEY)
    if given is None:
        return ReadingSpec()
    file, root = given.file, given.value
    if not isinstance(root, LineDict):
        file.error(given.line, f"'{KEY}' must be a mapping")
        return ReadingSpec()
    lists = {key: _phrases(file, root, key) for key in PHRASE_LISTS}
    window = root.get("window", 5)
    if not isinstance(window, int) or isinstance(window, bool) or not 1 <= window <= 10:
        file.error(root.line_of("window"), "'window' must be a whole number from 1 to 10")
        window = 5
    lines: dict[str, int] = {}
    intensified = _question_ids(file, root, "intensified", lines)
    distinct_topics = _question_ids(file, root, "distinct_topics", lines)
    places = _question_ids(file, root, "places", lines)
    weak: dict[str, frozenset[Phrase]] = {}
    raw = root.get("weak")
    if raw is None:
        pass
    elif isinstance(raw, LineDict):
        for question in raw:
            lines[f"weak.{question}"] = raw.line_of(question)
            weak[str(question)] = frozenset(_phrases(file, raw, str(question)))
    else:
        file.error(root.line_of("weak"), "'weak' must be a mapping of question ids")
    almost_options = _almost_options(file, root, lines)
    dont_know_options = _option_per_question(file, root, "dont_know_options", lines)
    bounded_options = _option_per_question(file, root, "bounded_options", lines)
    scales: dict[str, tuple[str, ...]] = {}
    raw = root.get("scales")
    if raw is None:
        pass
    elif isinstance(raw, LineDict):
        for question, order in raw.items():
            lines[f"scales.{question}"] = raw.line_of(question)
            if isinstance(order, LineList) and len(order) >= 2:
                scales[str(question)] = tuple(str(o) for o in order)
            else:
                file.error(
                    raw.line_of(question), f"scale '{question}' must list two options or more"
                )
    else:
        file.error(root.line_of("scales"), "'scales' must be a mapping")
    numbers: dict[str, tuple[Phrase, ...]] = {}
    raw = root.get("numbers")
    if raw is None:
        pass
    elif isinstance(raw, LineDict):
        for kind in raw:
            if kind not in NUMBER_KINDS:
                file.error(
                    raw.line_of(kind), f"unknown kind '{kind}' (known: {', '.join(NUMBER_KINDS)})"
                )
            else:
                numbers[str(kind)] = _phrases(file, raw, str(kind))
    else:
        file.error(root.line_of("numbers"), "'numbers' must be a mapping")
    echo_marks: set[str] = set()
    raw = root.get("echo_marks")
    if raw is None:
        pass
    elif isinstance(raw, LineList) and all(str(m) in PUNCTUATION for m in raw):
        echo_marks = {str(m) for m in raw}
    else:
        shown = " ".join(sorted(PUNCTUATION))
        file.error(root.line_of("echo_marks"), f"'echo_marks' must list marks of: {shown}")
    partial: set[str] = set()
    raw = root.get("partial")
    if raw is None:
        pass
    elif isinstance(raw, LineList) and all(isinstance(q, str) for q in raw):
        partial = set(raw)
        lines.update({f"partial.{q}": raw.line_of(i) for i, q in enumerate(raw)})
    else:
        file.error(root.line_of("partial"), "'partial' must list question ids")
    topics: dict[str, dict[str, tuple[str, ...]]] = {}
    raw = root.get("topics")
    if raw is None:
        pass
    elif isinstance(raw, LineDict):
        for question in raw:
            lines[f"topics.{question}"] = raw.line_of(question)
            kept: dict[str, tuple[str, ...]] = {}
            for lang, written in file.words(raw, str(question)).items():
                words = [phrase(w) for w in written]
                for word, read in zip(written, words, strict=True):
                    if len(read) != 1:
                        file.error(raw.line_of(question), f"topic '{word}' must be one word")
                kept[lang] = tuple(w[0] for w in words if len(w) == 1)
            topics[str(question)] = kept
    else:
        file.error(root.line_of("topics"), "'topics' must be a mapping")
    lines["exceptions"] = root.line_of("exceptions") if "exceptions" in root else 1
    lines["skippable"] = root.line_of("skippable") if "skippable" in root else 1
    for filler in lists["skippable"]:
        if len(filler) != 1:
            file.error(lines["skippable"], f"skippable: '{' '.join(filler)}' must be one word")
    triggers = (*lists["negation"], *lists["negation_after"])
    phases, units, amounts, since, years_ago, started, around = _durations(file, root, lines)
    return ReadingSpec(
        phases=phases,
        time_units=units,
        amounts=amounts,
        since=since,
        around_year=around,
        years_ago={words: int(low) for words, (low, _) in years_ago.items()},
        started=started,
        literal=frozenset(t[0] for t in triggers if len(t) == 1),
        ranges=lists["ranges"],
        between=lists["between"],
        between_joins=lists["between_joins"],
        skippable=frozenset(words[0] for words in lists["skippable"] if len(words) == 1),
        file=file.name,
        boundaries=lists["boundaries"],
        negation=lists["negation"],
        negation_after=lists["negation_after"],
        window=window,
        lowering=lists["lowering"],
        intensifiers=lists["intensifiers"],
        intensified=intensified,
        distinct_topics=distinct_topics,
        places=places,
        almost=lists["almost"],
        almost_options=almost_options,
        bounds=lists["bounds"],
        sums=lists["sums"],
        beyond=lists["beyond"],
        currency=lists["currency"],
        bounded_options=bounded_options,
        weak=weak,
        not_counted=lists["not_counted"],
        year_words=lists["year_words"],
        hedges=lists["hedges"],
        dont_know=lists["dont_know"],
        dont_know_options=dont_know_options,
        scales=scales,
        numbers=numbers,
        echo_marks=frozenset(echo_marks),
        echo_fillers=lists["echo_fillers"],
        frequencies=lists["frequencies"],
        no_answers=lists["no_answers"],
        contrast=lists["contrast"],
        affirmations=lists["affirmations"],
        together=lists["together"],
        denials=lists["denials"],
        generic=lists["generic"],
        lessening=lists["lessening"],
        partial=frozenset(partial),
        exceptions=lists["exceptions"],
        topics=topics,
        lines=lines,
    )


def reading_problems(knowledge: Knowledge) -> list[Problem]:
    """Scales and don't-know options that name a question or an option that does not exist."""
    spec = knowledge.reading
    problems: list[Problem] = []

    def check(key: str, question_id: str, options: tuple[str, ...]) -> None:
        line = spec.lines.get(f"{key}.{question_id}", 1)
        file = spec.file
        question = knowledge.intake_question(question_id)
        if question is None:
            problems.append(Problem(file, line, f"{key}: unknown question '{question_id}'"))
            return
        for option in options:
            if question.option(option) is None:
                problems.append(
                    Problem(file, line, f"{key}: '{option}' is no option of '{question_id}'")
                )

    for key, chosen in (
        ("dont_know_options", spec.dont_know_options),
        ("bounded_options", spec.bounded_options),
    ):
        for question_id, option in chosen.items():
            check(key, question_id, (option,))
    for question_id, scale in spec.scales.items():
        check("scales", question_id, scale)
    for question_id in sorted(spec.partial):
        check("partial", question_id, ())
    for key, listed in (("intensified", spec.intensified), ("places", spec.places)):
        for question_id in sorted(listed):
            check(key, question_id, ())
    for question_id in sorted(spec.distinct_topics):
        check("distinct_topics", question_id, ())
        if question_id not in spec.topics:
            line = spec.lines.get(f"distinct_topics.{question_id}", 1)
            problems.append(
                Problem(spec.file, line, f"distinct_topics: '{question_id}' has no topics")
            )
    for question_id in sorted(spec.weak):
        check("weak", question_id, ())
    for words in spec.exceptions:
        if words not in spec.boundaries:
            line = spec.lines.get("exceptions", 1)
            problems.append(
                Problem(spec.file, line, f"exceptions: '{' '.join(words)}' is no boundary")
            )
    for question_id, moves in spec.almost_options.items():
        check("almost_options", question_id, (*moves, *moves.values()))
    for word in sorted(spec.skippable & spec.literal):
        line = spec.lines.get("skippable", 1)
        problems.append(Problem(spec.file, line, f"skippable: '{word}' is a negation"))

    for question_id in spec.topics:
        check("topics", question_id, ())
    for question_id, months in spec.phases.items():
        check("phases", question_id, tuple(months))
    return problems


def read_examples(folder: Folder) -> ReadingExamples:
    """``answer_examples`` (question id → [text, expected] pairs) and
    ``description_examples`` ([text, [dilemma ids]] pairs)."""
    answers: list[AnswerExample] = []
    for file, holder, question in folder.mapping("answer_examples"):
        items = holder.get(question)
        if not isinstance(items, LineList):
            file.error(holder.line_of(question), f"examples of '{question}' must be a list")
            continue
        for index, item in enumerate(items):
            line = items.line_of(index)
            if not (isinstance(item, list) and len(item) == 2 and isinstance(item[0], str)):
                file.error(line, "an example is [what was typed, what the bot must make of it]")
                continue
            answers.append(AnswerExample(question, item[0], str(item[1]), file.name, line))
    descriptions: list[DescriptionExample] = []
    for file, item, line in folder.items("description_examples"):
        if not (
            isinstance(item, list)
            and len(item) == 2
            and isinstance(item[0], str)
            and isinstance(item[1], list)
            and all(isinstance(d, str) for d in item[1])
        ):
            file.error(line, "a description example is [what was typed, [dilemma ids]]")
            continue
        descriptions.append(DescriptionExample(item[0], tuple(item[1]), file.name, line))
    return ReadingExamples(tuple(answers), tuple(descriptions))
