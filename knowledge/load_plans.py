"""Reading follow-up plans and delivery windows (``interface/followup_plans.yaml``)."""

from __future__ import annotations

from datetime import date, time

from knowledge.folders import Folder
from knowledge.model import DaysOff, Plan, PlanStep, Text, Window
from knowledge.sourcefile import SourceFile, flag, placeholders
from knowledge.yamlio import LineDict, LineList


def read_plan(file: SourceFile, entry: LineDict, ident: str) -> Plan:
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
        live = file.text(raw, "personal_live", required=False)
        for key, value in (("personal", personal), ("personal_live", live)):
            if value is not None and placeholders(value.nl) - {"dilemma"}:
                file.error(raw.line_of(key), f"'{key}' may only use {{dilemma}}")
        if live is not None and personal is None:
            file.error(raw.line_of("personal_live"), "'personal_live' needs 'personal' too")
        steps.append(
            PlanStep(step_id, offset, str(question) if question else None, text, personal, live)
        )
    return Plan(
        id=ident,
        default=flag(file, entry, "default"),
        title=file.text(entry, "title") or Text("", ""),
        steps=tuple(steps),
        where=file.where(entry.line),
    )


def _read_time(file: SourceFile, entry: LineDict, key: str) -> time:
    raw = entry.get(key)
    try:
        hours, minutes = str(raw).split(":")
        return time(int(hours), int(minutes))
    except (ValueError, TypeError):
        file.error(entry.line_of(key), f"'{key}' must be a time like \"08:30\", not {raw!r}")
        return time(0, 0)


def read_days_off(folder: Folder) -> DaysOff:
    """``days_off``: ``fixed`` dates as "MM-DD" and ``after_easter`` as whole days."""
    given = folder.single("days_off")
    if given is None:
        return DaysOff()
    raw, file = given.value, given.file
    if not isinstance(raw, LineDict):
        file.error(given.line, "'days_off' must be a mapping with 'fixed' and 'after_easter'")
        return DaysOff()
    fixed: list[tuple[int, int]] = []
    for index, value in enumerate(raw.get("fixed") or []):
        try:
            month, day = (int(part) for part in str(value).split("-"))
            date(2024, month, day)  # a leap year: 02-29 is a date
            fixed.append((month, day))
        except ValueError:
            line = raw["fixed"].line_of(index) if isinstance(raw["fixed"], LineList) else raw.line
            file.error(line, f'a fixed day off must be a date like "12-25", not {value!r}')
    after: list[int] = []
    for value in raw.get("after_easter") or []:
        if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 366:
            after.append(value)
        else:
            file.error(raw.line_of("after_easter"), f"days after Easter: {value!r} is no number")
    return DaysOff(tuple(fixed), tuple(after))


def read_window(file: SourceFile, entry: LineDict, ident: str) -> Window:
    start, end = _read_time(file, entry, "start"), _read_time(file, entry, "end")
    if start >= end:
        file.error(entry.line_of("end"), f"window '{ident}' must end after it starts")
    return Window(
        id=ident,
        default=flag(file, entry, "default"),
        label=file.text(entry, "label") or Text("", ""),
        start=start,
        end=end,
        where=file.where(entry.line),
    )
