"""Consent and the user's own data, as part of the conversation.

Until a user agrees to the privacy statement the conversation stays at the gate: the
statement with "Akkoord" and "Liever niet", browsing the dilemmas, reflection questions,
help and privacy commands (none of which stores anything). Export, erasure and the list of
reflections are effects: the service has the data; the flow decides when.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from flows.actions import START_PAYLOAD_PATTERN, action, is_id, parse_action
from flows.commands import gate_names
from flows.definition import (
    ADVICE_TAG,
    BROWSE_TAG,
    CONSENT,
    DECLINED,
    FLOW_VERSION,
    NEW,
    PRIVACY_TAG,
)
from flows.events import (
    ConversationData,
    DeleteReflection,
    Effect,
    ExportData,
    ForgetMe,
    ListReflections,
    SetConsent,
    SetLanguage,
    fresh_data,
)
from flows.replies import Attachment, Button, Reply, join
from knowledge.model import LANGUAGES

if TYPE_CHECKING:
    from flows.screens import Say
    from knowledge.guard import Guard

GATE_STATES = (NEW, CONSENT, DECLINED)
PRIVACY_COMMANDS = ("mijngegevens", "vergeet", "reflecties")
STATELESS_COMMANDS = tuple(name for name in gate_names() if name not in PRIVACY_COMMANDS)
"""Commands answered at the gate that store nothing (the privacy ones check consent)."""
MAX_PAYLOAD = 40
"""Longest deep-link payload carried on the agree button (callback data ≤ 64 bytes)."""


def _answer(answer: str, lang: str | None) -> str:
    """``yes``/``no``, with a language chosen before consent (``yes.en``): like the
    deep-link payload it rides on the button, because nothing is stored before consent."""
    return f"{answer}.{lang}" if lang else answer


def _agree(payload: str | None, lang: str | None = None) -> str:
    """The agree button's action; a deep-link payload (cohort code) rides along, so that
    nothing has to be stored before the user agrees."""
    carried = payload and len(payload) <= MAX_PAYLOAD and START_PAYLOAD_PATTERN.fullmatch(payload)
    extra = (payload,) if payload and carried else ()
    return action(PRIVACY_TAG, "consent", _answer("yes", lang), *extra)


def consent_screen(say: Say, payload: str | None = None, lang: str | None = None) -> Reply:
    """The privacy question; ``lang`` is a language the user chose that is not stored."""
    rows = (
        (Button(say.label("btn_agree"), _agree(payload, lang)),),
        (Button(say.label("btn_decline"), action(PRIVACY_TAG, "consent", _answer("no", lang))),),
    )
    return Reply(tuple(say("consent")), rows, meta={"screen": "consent"})


def declined_screen(say: Say, payload: str | None = None, lang: str | None = None) -> Reply:
    rows = (
        (Button(say.label("btn_browse"), action(BROWSE_TAG, "levels")),),
        (Button(say.label("btn_agree_now"), _agree(payload, lang)),),
    )
    return Reply(tuple(say("declined")), rows, meta={"screen": "declined"})


def privacy_screen(say: Say, consent: bool | None) -> Reply:
    rows: tuple[tuple[Button, ...], ...] = ()
    if consent:
        rows = (
            (Button(say.label("btn_export"), action(PRIVACY_TAG, "export")),),
            (Button(say.label("btn_reflections"), action(PRIVACY_TAG, "reflections")),),
            (Button(say.label("btn_forget"), action(PRIVACY_TAG, "forget")),),
        )
    return Reply(tuple(say("privacy")), rows, meta={"screen": "privacy"})


def forget_confirm_screen(say: Say) -> Reply:
    rows = (
        (Button(say.label("btn_forget_yes"), action(PRIVACY_TAG, "forget", "yes")),),
        (Button(say.label("btn_forget_no"), action(PRIVACY_TAG, "keep")),),
    )
    return Reply(tuple(say("forget_confirm")), rows, meta={"screen": "forget"})


class PrivacyActions:
    """Mixed into :class:`flows.conversation.Conversation`."""

    state: str
    lang: str
    consent: bool | None
    data: ConversationData
    answers: dict[str, str]
    effects: list[Effect]
    replies: list[Reply]
    notice: str | None
    chosen: str | None
    lead: list[Any]

    if TYPE_CHECKING:  # supplied by the conversation and the other features

        @property
        def say(self) -> Say: ...

        def fire(self, trigger: str, **kwargs: Any) -> bool: ...

        def reshow(self) -> None: ...

        def begin(self) -> None: ...

        def tell(self, key: str, **values: Any) -> None: ...

        def start_payload(self, payload: str) -> None: ...

        def keep_reflection_answer(self) -> bool: ...

    @property
    def at_gate(self) -> bool:
        """Whether the conversation waits for consent (or was declined)."""
        return self.state in GATE_STATES or self.consent is not True

    def to_gate(self) -> None:
        """Ask for consent first; a conversation from before consent existed is asked too."""
        if self.consent is False or self.state == DECLINED:
            self.state = DECLINED
            self.reshow()
        elif self.state == NEW:
            self.begin()
        elif self.state == CONSENT:
            self.reshow()
        else:
            self.fire("ask_consent")

    def privacy_command(self, name: str) -> None:
        if name == "privacy":
            self.replies.append(privacy_screen(self.say, self.consent))
        elif not self.consent:
            self.tell("privacy_nothing_stored")
        elif name == "mijngegevens":
            self.effects.append(ExportData())
        elif name == "vergeet":
            self.replies.append(forget_confirm_screen(self.say))
        else:
            self.effects.append(ListReflections())

    def consent_button(self, agreed: bool, offered: tuple[str, ...]) -> str:
        """The consent button that typing "ja" (``agreed``) or "nee" stands for: the one of
        those ``offered`` (the consent question last shown), else a plain one."""
        answer = "yes" if agreed else "no"
        for data in offered:
            parsed = parse_action(data)
            if (
                parsed is not None
                and parsed.version == FLOW_VERSION
                and parsed.tag == PRIVACY_TAG
                and len(parsed.choice) > 1
                and parsed.choice[0] == "consent"
                and parsed.choice[1].partition(".")[0] == answer
            ):
                return data
        return action(PRIVACY_TAG, "consent", answer)

    def privacy_action(self, choice: tuple[str, ...]) -> bool:
        head, arg = choice[0], choice[1] if len(choice) > 1 else ""
        lang = ""
        if head == "consent":
            arg, _, lang = arg.partition(".")
        if head == "consent" and arg in ("yes", "no"):
            open_question = self.consent is not True or self.state in GATE_STATES
            if open_question and lang in LANGUAGES and lang != self.lang:
                # A language chosen before consent: now there is something to keep it in.
                self.lang = lang
                self.effects.append(SetLanguage(lang))
            agreed = self.answer_consent(arg == "yes")
            if agreed:
                # The consent message keeps the choice and loses its buttons.
                self.chosen = self.say.label("btn_agree" if arg == "yes" else "btn_decline")
            if agreed and arg == "yes" and len(choice) > 2:
                self.start_payload(choice[2])
            return agreed
        if not self.consent:
            return False
        if head == "keepanswer":
            return self.keep_reflection_answer()
        if head == "export":
            self.effects.append(ExportData())
        elif head == "reflections":
            self.effects.append(ListReflections())
        elif head == "forget" and not arg:
            self.replies.append(forget_confirm_screen(self.say))
        elif head == "forget" and arg == "yes":
            self.effects.append(ForgetMe())
            self.answers.clear()
            self.data = fresh_data(self.data)
            self.consent = None
            self.state = NEW
            self.tell("forgotten")
        elif head == "keep":
            self.notice = self.say.label("kept")
        elif head == "delref" and is_id(arg):
            self.effects.append(DeleteReflection(int(arg)))
            self.notice = self.say.label("reflection_deleted")
        else:
            return False
        return True

    def clean_or_warn(
        self, guard: Guard, text: str, tag: str = ADVICE_TAG, discard: str = "advice"
    ) -> bool:
        """True if ``text`` holds no client data. Otherwise nothing is kept but the
        redacted version (in the conversation), and the user chooses to store that
        (``<tag>:redacted``) or not (``<tag>:<discard>``)."""
        hits = guard.scan(text)
        if not hits:
            return True
        redacted = guard.redact(text, self.say.lang, hits)
        self.data["redacted_note"] = redacted
        kinds = ", ".join(dict.fromkeys(guard.labels(hits, self.say.lang)))
        rows = (
            (Button(self.say.label("btn_save_redacted"), action(tag, "redacted")),),
            (Button(self.say.label("btn_discard"), action(tag, discard)),),
        )
        text_spans = self.say("client_data_found", kinds=kinds, redacted=redacted)
        self.replies.append(Reply(tuple(text_spans), rows, meta={"screen": "client_data"}))
        return False

    def answer_consent(self, agreed: bool) -> bool:
        if self.consent is True and self.state not in GATE_STATES:
            return False
        if self.state in (NEW, DECLINED):
            # Nothing is stored before consent (NEW), and a declined user agreeing now
            # answers the same question: either way this is where we are.
            self.state = CONSENT
        if agreed:
            self.consent = True
            self.effects.append(SetConsent(True))
            self.lead = self.say("consent_thanks")
            return self.fire("agree")
        self.consent = False
        self.effects.append(SetConsent(False))
        return self.state == DECLINED or self.fire("decline")


def reflections_screen(say: Say, items: list[tuple[int, str, str]]) -> Reply:
    """The user's reflections (id, subject title, text), each with a delete button."""
    if not items:
        return Reply(tuple(say("reflections_none")), meta={"screen": "reflections"})
    lines = [say("reflections_item", subject=subject, text=text) for _, subject, text in items]
    rows = tuple(
        (
            Button(
                say.label("btn_delete_reflection", number=n), action(PRIVACY_TAG, "delref", str(i))
            ),
        )
        for n, (i, _, _) in enumerate(items, start=1)
    )
    text = join([say("reflections_intro"), join(lines, "\n\n")], "\n\n")
    return Reply(tuple(text), rows, meta={"screen": "reflections"})


def export_reply(say: Say, document: bytes) -> Reply:
    """The export as a JSON document with a short explanation."""
    attachment = Attachment("document", say.label("export_filename"), document)
    return Reply(tuple(say("export_ready")), attachment=attachment, meta={"screen": "export"})


def _privacy(name: str) -> Callable[[PrivacyActions, str], None]:
    def handle(c: PrivacyActions, args: str) -> None:
        c.privacy_command(name)

    return handle


COMMAND_HANDLERS: dict[str, Callable[[PrivacyActions, str], None]] = {
    name: _privacy(name) for name in ("privacy", *PRIVACY_COMMANDS)
}
"""The privacy commands: answered anywhere, also at the gate (they check consent)."""
