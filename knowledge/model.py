"""The knowledge base as typed, immutable values, built by :mod:`knowledge.loader`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import time
from typing import Literal

# A condition reads a profile and knows nothing of the model: this import has no way back.
from knowledge.conditions import Condition
from knowledge.conditions import Profile as Profile
from knowledge.reading.spec import ReadingExamples, ReadingSpec

LANGUAGES: tuple[str, ...] = ("nl", "en")
DEFAULT_LANGUAGE = "nl"
# The content is written for Dutch networks: their time zone is the default one. Here, at the
# bottom, because every layer needs it; `bot/settings.py` lists it with the other defaults
# and BOT_TIMEZONE overrides it.
DEFAULT_TIMEZONE = "Europe/Amsterdam"


@dataclass(frozen=True, slots=True)
class Text:
    """One user-facing text in every language."""

    nl: str
    en: str

    def get(self, lang: str) -> str:
        """The text in ``lang``; Dutch for any language we do not have."""
        return self.en if lang == "en" else self.nl


@dataclass(frozen=True, slots=True)
class Where:
    """Where something was defined, for ``file:line`` messages."""

    file: str
    line: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}"


def _at(where: Where, key_lines: Mapping[str, int], key: str) -> Where:
    return Where(where.file, key_lines.get(key, where.line))


@dataclass(frozen=True, slots=True)
class Level:
    id: str
    title: Text
    where: Where


@dataclass(frozen=True, slots=True)
class Dilemma:
    id: str
    level: str
    title: Text
    poles: tuple[Text, Text]
    question: Text
    explanation: Text
    questions: tuple[str, ...]
    actions: tuple[str, ...]
    contacts: tuple[str, ...]
    sources: tuple[str, ...]
    keywords: Mapping[str, tuple[str, ...]]
    where: Where
    key_lines: Mapping[str, int] = field(default_factory=dict)
    steps: Mapping[str, Text] = field(default_factory=dict)
    """Per leadership action (by id): what to do about this dilemma this month."""
    meeting: Text | None = None
    """One question to take into the next meeting when this dilemma leads the advice."""

    def at(self, key: str) -> Where:
        """Where one of its keys is written."""
        return _at(self.where, self.key_lines, key)


@dataclass(frozen=True, slots=True)
class ReflectionQuestion:
    id: str
    theme: str
    text: Text
    tags: tuple[str, ...]
    where: Where
    ask_if: Condition | None = None
    """Offered only to profiles that meet it (e.g. not when there is no board subgroup)."""

    def fits(self, profile: Profile) -> bool:
        """Whether this question makes sense for ``profile``."""
        return self.ask_if is None or self.ask_if(profile)


@dataclass(frozen=True, slots=True)
class Action:
    id: str
    title: Text
    text: Text
    where: Where


ContactKind = Literal["organisation", "publication", "research", "document"]
CONTACT_KINDS: tuple[str, ...] = ("organisation", "publication", "research", "document")


@dataclass(frozen=True, slots=True)
class Contact:
    id: str
    kind: str
    name: Text
    description: Text
    when: Text
    website: str | None
    email: str | None
    where: Where


@dataclass(frozen=True, slots=True)
class Option:
    id: str
    label: Text
    range: tuple[int, int] | None
    words: Mapping[str, tuple[str, ...]]
    ask_if: Condition | None = None
    """Offered only when the earlier answers meet it ("tussen subgroepen" needs subgroups)."""

    def fits(self, profile: Profile) -> bool:
        """Whether this option is offered after the answers in ``profile``."""
        return self.ask_if is None or self.ask_if(profile)


@dataclass(frozen=True, slots=True)
class IntakeQuestion:
    id: str
    core: bool
    name: Text | None
    text: Text
    help: Text | None
    ask_if: Condition
    options: tuple[Option, ...]
    where: Where
    deepening: bool = False
    """Asked only after the numbered questions, as optional "verdiepende vragen"."""

    def option(self, option_id: str) -> Option | None:
        """The option with this id, if it exists."""
        for option in self.options:
            if option.id == option_id:
                return option
        return None

    def offered(self, profile: Profile) -> tuple[Option, ...]:
        """The options shown after the answers in ``profile``."""
        return tuple(o for o in self.options if o.fits(profile))

    def counts(self, value: str | None, profile: Profile) -> bool:
        """Whether the answer ``value`` counts after the answers in ``profile``: a known
        option, of a question asked there, offered there. An answer that no longer counts
        (the other answers changed) was not skipped: it no longer applies."""
        option = self.option(value) if value is not None else None
        return option is not None and self.ask_if(profile) and option.fits(profile)


@dataclass(frozen=True, slots=True)
class Rule:
    """``when`` → dilemmas with a weight; extra questions and contacts per dilemma they
    belong to; the sources its reasoning rests on; a ``because`` in terms of the answers."""

    id: str
    when: Condition
    dilemmas: Mapping[str, int]
    questions: Mapping[str, tuple[str, ...]]
    contacts: Mapping[str, tuple[str, ...]]
    because: Text
    where: Where
    key_lines: Mapping[str, int] = field(default_factory=dict)
    sources: tuple[str, ...] = ()

    def at(self, key: str) -> Where:
        """Where one of its keys is written."""
        return _at(self.where, self.key_lines, key)


@dataclass(frozen=True, slots=True)
class RuleTest:
    profile: Profile
    top: tuple[str, ...]
    not_top: tuple[str, ...]
    where: Where


@dataclass(frozen=True, slots=True)
class PlanStep:
    id: str
    offset_days: int
    question: str | None
    text: Text | None
    personal: Text | None
    """A line about the top dilemma of the member's advice (``{dilemma}``)."""
    personal_live: Text | None = None
    """The same, when the member said in a live session that the dilemma plays strongly
    with them (``personal`` when not given)."""


@dataclass(frozen=True, slots=True)
class Plan:
    id: str
    default: bool
    title: Text
    steps: tuple[PlanStep, ...]
    where: Where


@dataclass(frozen=True, slots=True)
class DaysOff:
    """Weekdays on which nothing is sent (public holidays): fixed dates and days counted
    from Easter Sunday (``interface/followup_plans.yaml``, ``days_off``)."""

    fixed: tuple[tuple[int, int], ...] = ()
    """(month, day) pairs, every year."""
    after_easter: tuple[int, ...] = ()
    """Days after Easter Sunday (1: Easter Monday)."""


@dataclass(frozen=True, slots=True)
class Window:
    """When nudges may arrive: working days (Monday to Friday, not on ``days_off``) from
    ``start`` to ``end``."""

    id: str
    default: bool
    label: Text
    start: time
    end: time
    where: Where
    days_off: DaysOff = DaysOff()


@dataclass(frozen=True, slots=True)
class Template:
    """A ready-made broadcast prompt: a reflection question a coordinator can pick."""

    question: str
    where: Where


# --- client-data guard (interface/client_data_guard.yaml) ------------------------------


@dataclass(frozen=True, slots=True)
class GuardKind:
    """A kind of client data, with the words the bot uses to name it."""

    id: str
    label: Text
    where: Where


@dataclass(frozen=True, slots=True)
class GuardPattern:
    """A regular expression that finds one kind of client data."""

    id: str
    kind: str
    regex: str
    validate: str | None
    where: Where
    sharing: bool = False
    """Only looked for in a text about to be shared (a third party named: "Mevrouw
    Jansen"), not in what the user keeps for themselves."""


@dataclass(frozen=True, slots=True)
class GuardNames:
    """How names are found: a capitalised word near a context word ("cliënt Jan")."""

    kind: str = "name"
    window: int = 3
    context: tuple[str, ...] = ()
    between: tuple[str, ...] = ()
    particles: tuple[str, ...] = ()
    list_words: tuple[str, ...] = ()
    stop: tuple[str, ...] = ()
    given: tuple[str, ...] = ()
    """Given names found in any case ("cliënt jan de vries", "CLIËNT JAN")."""
    lead_in: tuple[str, ...] = ()
    """Words between a name and the context word after it ("Jan de Vries, mijn cliënt")."""


@dataclass(frozen=True, slots=True)
class GuardTest:
    """An example text and the kinds the guard must find in it (none for a near-miss)."""

    text: str
    hits: tuple[str, ...]
    redacted: str | None
    where: Where
    sharing: bool = False
    """Scanned as a text about to be shared (the ``sharing`` patterns count too)."""


@dataclass(frozen=True, slots=True)
class GuardSpec:
    """Everything the client-data guard is made of (interface/client_data_guard.yaml)."""

    replacement: Text = Text("[verwijderd]", "[removed]")
    kinds: tuple[GuardKind, ...] = ()
    patterns: tuple[GuardPattern, ...] = ()
    names: GuardNames | None = None
    allow: tuple[str, ...] = ()
    tests: tuple[GuardTest, ...] = ()


# --- the whole knowledge base -----------------------------------------------------------


@dataclass(frozen=True)
class Knowledge:
    """Everything the bot can say, validated for structure."""

    directory: str
    version: str
    levels: tuple[Level, ...]
    dilemmas: tuple[Dilemma, ...]
    questions: Mapping[str, ReflectionQuestion]
    actions: Mapping[str, Action]
    contacts: Mapping[str, Contact]
    intake: tuple[IntakeQuestion, ...]
    rules: tuple[Rule, ...]
    tests: tuple[RuleTest, ...]
    messages: Mapping[str, Text]
    message_where: Mapping[str, Where] = field(default_factory=dict)
    plans: tuple[Plan, ...] = ()
    windows: tuple[Window, ...] = ()
    templates: tuple[Template, ...] = ()
    # Not in repr: its test texts are made-up client data (phone numbers, e-mail addresses).
    guard: GuardSpec = field(default_factory=GuardSpec, repr=False)
    reading: ReadingSpec = field(default_factory=ReadingSpec, repr=False)
    examples: ReadingExamples = field(default_factory=ReadingExamples, repr=False)

    def plan(self, plan_id: str | None = None) -> Plan | None:
        """The plan with this id, or the default plan."""
        for plan in self.plans:
            if plan.id == plan_id or (plan_id is None and plan.default):
                return plan
        return None

    def window(self, window_id: str | None = None) -> Window | None:
        """The delivery window with this id, or the default window."""
        for window in self.windows:
            if window.id == window_id or (window_id is None and window.default):
                return window
        return None

    def dilemma(self, dilemma_id: str) -> Dilemma | None:
        """The dilemma with this id, if it exists."""
        return self._dilemmas_by_id.get(dilemma_id)

    def intake_question(self, question_id: str) -> IntakeQuestion | None:
        """The intake question (profile dimension) with this id, if it exists."""
        return self._intake_by_id.get(question_id)

    def message(self, key: str, lang: str) -> str:
        """A catalogue message in ``lang``; a missing key shows the key, never crashes."""
        text = self.messages.get(key)
        return text.get(lang) if text is not None else key

    @property
    def dimensions(self) -> Mapping[str, tuple[str, ...]]:
        """Each profile dimension with its option ids in order."""
        return {q.id: tuple(o.id for o in q.options) for q in self.intake}

    @property
    def _dilemmas_by_id(self) -> Mapping[str, Dilemma]:
        cached: dict[str, Dilemma] | None = self.__dict__.get("_dilemma_index")
        if cached is None:
            cached = {d.id: d for d in self.dilemmas}
            object.__setattr__(self, "_dilemma_index", cached)
        return cached

    @property
    def _intake_by_id(self) -> Mapping[str, IntakeQuestion]:
        cached: dict[str, IntakeQuestion] | None = self.__dict__.get("_intake_index")
        if cached is None:
            cached = {q.id: q for q in self.intake}
            object.__setattr__(self, "_intake_index", cached)
        return cached
