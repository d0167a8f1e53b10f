"""What a feature of the conversation gets, and how it says what it answers.

A feature (``flows/<feature>/dialogue.py``) is an object built once per flow. It
:meth:`~Feature.register`\\ s its handlers in a :class:`Registry`: commands by name,
buttons by the tag of their action id, the screen shown on entering each of its states,
and typed text. Each handler receives the :class:`Context` of the event being handled
(:class:`flows.conversation.Conversation` is the one implementation): the stored state, the
user's language, the texts, the machine, and the lists the replies and effects go into.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from flows.actions import action
from flows.events import ConversationData, Effect
from flows.links import WorkshopLink
from flows.replies import Button, Reply, Screen, Span
from flows.screens import Say, with_echo
from knowledge.engine import Advice
from knowledge.guard import Guard
from knowledge.model import LANGUAGES, IntakeQuestion, Knowledge
from knowledge.textmatch import normalize


class Context(Protocol):
    """One event's conversation, as the features see it."""

    knowledge: Knowledge
    default_timezone: str
    """The time zone of a cohort when its coordinator names none."""
    state: str
    lang: str
    stored_lang: str
    """The language as stored before this event (a choice at the gate is not stored)."""
    consent: bool | None
    roles: frozenset[str]
    channel: str | None
    answers: dict[str, str]
    data: ConversationData
    replies: list[Reply]
    effects: list[Effect]
    lead: list[Span]
    """What the next screen is led by (e.g. "Genoteerd")."""
    notice: str | None
    """A short notice on the pressed button (Telegram's callback answer)."""
    chosen: str | None
    """The pressed button's label, kept on the message that loses its buttons."""
    start_payload_pending: str | None
    """A deep-link payload received before consent, carried on the consent buttons."""
    joining: WorkshopLink | None
    """The workshop of that payload (:attr:`flows.events.Event.joining`)."""
    now: datetime
    """When the event arrived (aware; :attr:`flows.events.Event.at`)."""
    offered: tuple[str, ...]
    """Typed text before consent: the consent buttons the user was last shown (see
    :attr:`flows.events.Event.offered`)."""
    without_cohorts: bool
    """The user owns no cohort to broadcast to (:attr:`flows.events.Event.without_cohorts`)."""
    open_prompt: int
    """An unanswered follow-up prompt the user saw last (:attr:`flows.events.Event.open_prompt`)."""
    quiet_question: bool
    """For one screen: a "continue the questions" button instead of the question."""

    @property
    def say(self) -> Say: ...

    @property
    def guard(self) -> Guard: ...

    @property
    def at_gate(self) -> bool:
        """Whether the conversation waits for consent (or was declined)."""
        ...

    def fire(self, trigger: str, **kwargs: Any) -> bool:
        """Fire a trigger of the machine; False when no edge from this state allows it."""
        ...

    def reshow(self) -> None:
        """Show the current state's screen again, without a transition."""
        ...

    def show_where_we_are(self) -> None: ...

    def press(self, data: str) -> None:
        """Handle a button's action id, as if it was pressed."""
        ...

    def emit(self, screen: Screen) -> None:
        """Add a screen, led by :attr:`lead`."""
        ...

    def tell(self, key: str, **values: Any) -> None:
        """Add a short notice from the catalogue."""
        ...

    def after_effects(self, show: Callable[[], None]) -> None:
        """What ``show`` adds comes after whatever the event's effects answer (the screen
        the user goes on from, :data:`flows.replies.LAST`)."""
        ...

    def command(self, name: str, text: str) -> None:
        """Handle a command, as if it was typed ("help" typed at a question is /help)."""
        ...

    def detour(self, trigger: str) -> bool:
        """Leave for a side dialogue, remembering where to come back to."""
        ...

    def resume(self) -> None:
        """Back from a side dialogue to where the user was."""
        ...

    def asks(self, question_id: str) -> bool:
        """Whether this intake question applies, given the answers so far."""
        ...

    def asked(self) -> list[IntakeQuestion]:
        """The intake questions that apply to this user, in order."""
        ...

    def skipped(self) -> list[str]:
        """The intake questions the user was asked and skipped."""
        ...

    def flow_profile(self) -> dict[str, str]:
        """The answers that count (known values of questions that apply)."""
        ...

    def advice(self) -> Advice: ...

    def answers_changed(self) -> None:
        """Forget the profile and advice worked out from the answers before."""
        ...

    def current_question(self) -> IntakeQuestion | None: ...


CommandHandler = Callable[[Context, str], None]
"""A command's handler: the conversation and the command's arguments."""
ActionHandler = Callable[[Context, tuple[str, ...]], bool]
"""A button's handler: the choice after the tag; False when the button is not valid here
(it then counts as expired)."""
AnswerHandler = Callable[[Context, str, tuple[str, ...]], bool]
"""A button of an intake question: the question's id (the action id's tag) and the choice."""
ScreenHandler = Callable[[Context, object], None]
"""The screen on entering a state; the event is transitions' EventData, or None when the
screen is shown again without a transition."""
StateText = Callable[[Context, str], None]
"""Typed text (cleaned) in a state of the feature's own dialogue."""
TextHandler = Callable[[Context, str], bool]
"""Typed text (cleaned) no state claims; False when it is not for this handler."""


@dataclass
class Registry:
    """Which feature answers what. Registering a name twice is a mistake and says so."""

    commands: dict[str, CommandHandler] = field(default_factory=dict)
    """Every command of :data:`flows.commands.COMMANDS` without a ``channel``, by name."""
    channel_commands: dict[str, CommandHandler] = field(default_factory=dict)
    """Commands of one channel (:attr:`flows.commands.Command.channel`) that the
    conversation answers there (``/live`` on Telegram)."""
    actions: dict[str, list[ActionHandler]] = field(default_factory=dict)
    """Buttons by the tag of their action id; a tag's handlers are tried in order until
    one takes the button. Any other tag is an intake question's id."""
    gate_tags: set[str] = field(default_factory=set)
    """Tags whose buttons work before consent (they store nothing, or check consent)."""
    screens: dict[str, ScreenHandler] = field(default_factory=dict)
    """The screen of each state, by the name in :class:`flows.definition.StateSpec`."""
    first_texts: list[TextHandler] = field(default_factory=list)
    """Tried first on any typed text after consent (an answer awaited by a command)."""
    state_texts: dict[str, StateText] = field(default_factory=dict)
    """Typed text in a state of a feature's own dialogue."""
    texts: list[TextHandler] = field(default_factory=list)
    """Tried in order on typed text no state claims."""
    gate: Callable[[Context], None] | None = None
    """Shows the gate: the consent question (or the declined screen)."""
    gate_text: StateText | None = None
    """Typed text before consent."""
    answers: AnswerHandler | None = None
    """Buttons whose tag is an intake question's id."""

    def command(self, name: str, handler: CommandHandler) -> None:
        if name in self.commands:
            raise ValueError(f"command '{name}' registered twice")
        self.commands[name] = handler

    def channel_command(self, name: str, handler: CommandHandler) -> None:
        if name in self.channel_commands:
            raise ValueError(f"command '{name}' registered twice")
        self.channel_commands[name] = handler

    def action(self, tag: str, handler: ActionHandler, *, at_gate: bool = False) -> None:
        self.actions.setdefault(tag, []).append(handler)
        if at_gate:
            self.gate_tags.add(tag)

    def screen(self, name: str, handler: ScreenHandler) -> None:
        if name in self.screens:
            raise ValueError(f"screen '{name}' registered twice")
        self.screens[name] = handler

    def state_text(self, states: Iterable[str], handler: StateText) -> None:
        for state in states:
            if state in self.state_texts:
                raise ValueError(f"typed text in '{state}' registered twice")
            self.state_texts[state] = handler

    def text(self, handler: TextHandler, *, first: bool = False) -> None:
        (self.first_texts if first else self.texts).append(handler)


class Feature(Protocol):
    def register(self, registry: Registry) -> None: ...


def clean_or_warn(c: Context, text: str, tag: str, discard: str) -> bool:
    """True if ``text`` holds no client data. Otherwise nothing is kept but the redacted
    version (in the conversation), and the user chooses to store that
    (``<tag>:redacted``) or not (``<tag>:<discard>``)."""
    guard = c.guard
    hits = guard.scan(text)
    if not hits:
        return True
    say = c.say
    redacted = guard.redact(text, say.lang, hits)
    c.data["redacted_note"] = redacted
    kinds = ", ".join(dict.fromkeys(guard.labels(hits, say.lang)))
    rows = (
        (Button(say.label("btn_save_redacted"), action(tag, "redacted")),),
        (Button(say.label("btn_discard"), action(tag, discard)),),
    )
    # The whole redacted text is kept; the message quotes as much as fits (issue 13: a
    # 2,000-character text made a warning of 2,200).
    text_spans = with_echo(say, "client_data_found", "redacted", redacted, kinds=kinds)
    c.replies.append(Reply(tuple(text_spans), rows, meta={"screen": "client_data"}))
    return False


def keep_typed(
    c: Context, text: str, limit: int, tag: str, discard: str, keep: Callable[[Context, str], None]
) -> None:
    """Typed text the user means to keep (a note, an answer to a nudge): longer than
    ``limit`` characters, its first part waits for the user's choice (:func:`offer_cut`);
    with client data, only its redacted version waits (:func:`clean_or_warn`); else
    ``keep`` keeps it."""
    if len(text) > limit:
        offer_cut(c, text, limit, tag, discard)
    elif clean_or_warn(c, text, tag, discard):
        keep(c, text)


END_SHOWN = 40
"""Characters shown of where a text too long is cut."""


def offer_cut(c: Context, text: str, limit: int, tag: str, discard: str) -> None:
    """Too long: say so, show where the first ``limit`` characters end (at a word, if
    there is one in the last fifth), and offer to keep that part (``<tag>:redacted``,
    through :func:`clean_or_warn` when it holds client data) or nothing."""
    cut = text[:limit]
    space = cut.rfind(" ", limit * 4 // 5)
    cut = (cut[:space] if space > 0 else cut).rstrip()
    say = c.say
    sep = say.label("thousands_separator")
    limit_text, length_text = (f"{n:,}".replace(",", sep) for n in (limit, len(text)))
    end = cut[-END_SHOWN:]
    end = end.split(" ", 1)[1] if " " in end[:-1] else end
    if c.guard.scan(cut):
        c.tell("note_too_long", length=length_text, limit=limit_text, end=end)
        clean_or_warn(c, cut, tag, discard)
        return
    c.data["redacted_note"] = cut
    rows = (
        (Button(say.label("btn_keep_cut", limit=limit_text), action(tag, "redacted")),),
        (Button(say.label("btn_discard"), action(tag, discard)),),
    )
    spans = say("note_too_long", length=length_text, limit=limit_text, end=end)
    c.replies.append(Reply(tuple(spans), rows, meta={"screen": "too_long"}))


def catalogue_words(knowledge: Knowledge, key: str) -> set[str]:
    """A comma-separated word list from the catalogue (``words_agree``), normalized, in
    every language."""
    text = knowledge.messages.get(key)
    if text is None:
        return set()
    return {normalize(w) for lang in LANGUAGES for w in text.get(lang).split(",")} - {""}


def local_year(ctx: Context) -> int:
    """This year where the user is, as the event arrived: "vorig jaar" and "sinds 2019"
    are read from it, not from the clock."""
    return ctx.now.astimezone(ZoneInfo(ctx.default_timezone)).year
