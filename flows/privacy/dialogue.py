"""Consent and the user's own data, as part of the conversation.

Until a user agrees to the privacy statement the conversation stays at the gate: the
statement with "Akkoord" and "Liever niet", browsing the dilemmas, reflection questions,
help and privacy commands (none of which stores anything). Export, erasure and the list of
reflections are effects: the service has the data; the flow decides when.
"""

from __future__ import annotations

from collections.abc import Callable, Collection

from flows.actions import action, is_id, parse_action
from flows.commands import gate_names
from flows.definition import CONSENT, DECLINED, FLOW_VERSION, GATE_STATES, NEW, PRIVACY_TAG
from flows.events import (
    DeleteReflection,
    ExportData,
    ForgetMe,
    ListReflections,
    SetConsent,
    SetLanguage,
    fresh_data,
)
from flows.feature import Context, Registry, catalogue_words
from flows.privacy.screens import (
    agree_action,
    consent_screen,
    declined_screen,
    forget_confirm_screen,
    privacy_screen,
)
from knowledge.model import LANGUAGES
from knowledge.textmatch import normalize

PRIVACY_COMMANDS = ("mijngegevens", "vergeet", "reflecties")


def said_only(norm: str, phrases: Collection[str], fillers: Collection[str] = ()) -> bool:
    """Whether ``norm`` (normalized text) is nothing but these phrases one after another,
    with ``fillers`` beside them ("hoor", "please"): "ja, prima" and "nee, liever niet"
    are, "ja, maar wat bewaart u?" and "hoor" alone are not."""
    words = norm.split()
    known = sorted(
        [(p.split(), True) for p in phrases] + [(f.split(), False) for f in fillers],
        key=lambda item: len(item[0]),
        reverse=True,
    )
    at, meant = 0, False
    while at < len(words):
        found = next(((len(p), real) for p, real in known if words[at : at + len(p)] == p), None)
        if found is None:
            return False
        at += found[0]
        meant = meant or found[1]
    return meant


def consent_button(agreed: bool, offered: tuple[str, ...], payload: str | None = None) -> str:
    """The consent button that typing "ja" (``agreed``) or "nee" stands for: the one of
    those ``offered`` (the consent question last shown), else a plain one (agreeing with
    the deep link's ``payload``: after a restart, the buttons shown are forgotten)."""
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
    return agree_action(payload) if agreed else action(PRIVACY_TAG, "consent", answer)


STATELESS_COMMANDS = tuple(name for name in gate_names() if name not in PRIVACY_COMMANDS)
"""Commands answered at the gate that store nothing (the privacy ones check consent)."""


class Privacy:
    """The gate (welcome, consent, declined), ``/start``, and the user's own data.

    ``join`` takes a deep-link payload once the user agreed (cohorts), ``keep_answer``
    keeps the answer to ``/vraag`` (advice) and ``describe`` matches a description to
    dilemmas, which a user who declined may still do (advice).
    """

    def __init__(
        self,
        join: Callable[[Context, str], None],
        keep_answer: Callable[[Context], bool],
        describe: Callable[[Context, str], bool],
    ) -> None:
        self.join = join
        self.keep_answer = keep_answer
        self.describe = describe

    def register(self, registry: Registry) -> None:
        registry.command("start", self.start_command)
        for name in ("privacy", *PRIVACY_COMMANDS):
            registry.command(name, self._privacy(name))
        registry.action(PRIVACY_TAG, self.privacy_action, at_gate=True)
        registry.screen("show_welcome", self.show_welcome)
        registry.screen("show_consent", self.show_consent)
        registry.screen("show_declined", self.show_declined)
        registry.gate = self.to_gate
        registry.gate_text = self.typed_at_gate

    def _privacy(self, name: str) -> Callable[[Context, str], None]:
        def handle(ctx: Context, args: str) -> None:
            self.privacy_command(ctx, name)

        return handle

    # -- the gate's screens (on_enter callbacks) ------------------------------------------

    def begin(self, ctx: Context) -> None:
        ctx.lead = ctx.say("welcome")
        ctx.fire("begin")

    def show_welcome(self, ctx: Context, event: object) -> None:
        self.begin(ctx)

    def show_consent(self, ctx: Context, event: object) -> None:
        ctx.emit(
            consent_screen(
                ctx.say, ctx.start_payload_pending, self._unstored_lang(ctx), ctx.joining
            )
        )

    def show_declined(self, ctx: Context, event: object) -> None:
        lang = self._unstored_lang(ctx)
        ctx.emit(declined_screen(ctx.say, ctx.start_payload_pending, lang, ctx.joining))

    def _unstored_lang(self, ctx: Context) -> str | None:
        """A language chosen in this event at the gate, which the consent buttons carry:
        before consent nothing is stored, so it would be forgotten by the next event."""
        return ctx.lang if ctx.lang != ctx.stored_lang else None

    def start_command(self, ctx: Context, args: str) -> None:
        """``/start`` after consent: welcome back, and a deep link's payload joins."""
        ctx.lead = ctx.say("welcome_back")
        ctx.reshow()
        if args:
            self.join(ctx, args)

    def to_gate(self, ctx: Context) -> None:
        """Ask for consent first; a conversation from before consent existed is asked too."""
        if ctx.consent is False or ctx.state == DECLINED:
            ctx.state = DECLINED
            ctx.reshow()
        elif ctx.state == NEW:
            self.begin(ctx)
        elif ctx.state == CONSENT:
            ctx.reshow()
        else:
            ctx.fire("ask_consent")

    def privacy_command(self, ctx: Context, name: str) -> None:
        if name == "privacy":
            ctx.replies.append(privacy_screen(ctx.say, ctx.consent))
        elif ctx.consent is None and ctx.start_payload_pending:
            # Only the code of a workshop link is kept, for a day (/vergeet drops it).
            if name == "vergeet":
                ctx.tell("privacy_pending_forgotten")
            elif ctx.joining is not None and ctx.joining.joins:
                ctx.tell("privacy_pending_stored")  # "ja" joins the workshop
            else:
                ctx.tell("privacy_pending_stored_link")  # joins nothing (or is an invitation)
        elif ctx.consent is None:
            ctx.tell("privacy_nothing_stored")
        elif not ctx.consent and name == "vergeet":
            # Declined: the choice and the language are kept, and /vergeet erases them.
            ctx.replies.append(forget_confirm_screen(ctx.say))
        elif not ctx.consent:
            language = ctx.say.label(f"language_{ctx.lang}")
            ctx.tell("privacy_declined_stored", language=language)
        elif name == "mijngegevens":
            ctx.effects.append(ExportData())
        elif name == "vergeet":
            ctx.replies.append(forget_confirm_screen(ctx.say))
        else:
            ctx.effects.append(ListReflections())

    def privacy_action(self, ctx: Context, choice: tuple[str, ...]) -> bool:
        head, arg = choice[0], choice[1] if len(choice) > 1 else ""
        lang = ""
        if head == "consent":
            arg, _, lang = arg.partition(".")
        if head == "consent" and arg in ("yes", "no"):
            open_question = ctx.consent is not True or ctx.state in GATE_STATES
            if open_question and lang in LANGUAGES and lang != ctx.lang:
                # A language chosen before consent: now there is something to keep it in.
                ctx.lang = lang
                ctx.effects.append(SetLanguage(lang))
            agreed = self.answer_consent(ctx, arg == "yes")
            if agreed:
                # The consent message keeps the choice and loses its buttons.
                ctx.chosen = ctx.say.label("btn_agree" if arg == "yes" else "btn_decline")
            if agreed and arg == "yes" and len(choice) > 2:
                self.join(ctx, choice[2])
            return agreed
        if not ctx.consent and not (ctx.consent is False and head in ("forget", "keep")):
            return False
        if head == "keepanswer":
            return self.keep_answer(ctx)
        if head == "export":
            ctx.effects.append(ExportData())
        elif head == "reflections":
            ctx.effects.append(ListReflections())
        elif head == "forget" and not arg:
            ctx.replies.append(forget_confirm_screen(ctx.say))
        elif head == "forget" and arg == "yes":
            ctx.effects.append(ForgetMe())
            ctx.answers.clear()
            ctx.data = fresh_data(ctx.data)
            ctx.consent = None
            ctx.state = NEW
            ctx.tell("forgotten")
        elif head == "keep":
            ctx.notice = ctx.say.label("kept")
        elif head == "delref" and is_id(arg):
            ctx.effects.append(DeleteReflection(int(arg)))
            ctx.notice = ctx.say.label("reflection_deleted")
        else:
            return False
        return True

    def answer_consent(self, ctx: Context, agreed: bool) -> bool:
        if ctx.consent is True and ctx.state not in GATE_STATES:
            return False
        if ctx.state in (NEW, DECLINED):
            # Nothing is stored before consent (NEW), and a declined user agreeing now
            # answers the same question: either way this is where we are.
            ctx.state = CONSENT
        if agreed:
            ctx.consent = True
            ctx.effects.append(SetConsent(True))
            ctx.lead = ctx.say("consent_thanks")
            return ctx.fire("agree")
        ctx.consent = False
        ctx.effects.append(SetConsent(False))
        return ctx.state == DECLINED or ctx.fire("decline")

    def typed_at_gate(self, ctx: Context, text: str) -> None:
        """Before consent: "ja", "akkoord", "ok" agree and "nee" declines, by pressing the
        consent button they stand for (of those offered: a cohort code and a language
        chosen before consent ride on it); anything else is told what is expected. Once
        declined, a description can still be matched to dilemmas (nothing is stored)."""
        norm = normalize(text)
        fillers = catalogue_words(ctx.knowledge, "words_consent_fillers")
        agree = catalogue_words(ctx.knowledge, "words_agree")
        decline = catalogue_words(ctx.knowledge, "words_decline")
        if ctx.consent is None and said_only(norm, agree, fillers):
            ctx.press(consent_button(True, ctx.offered, ctx.start_payload_pending))
        elif ctx.consent is None and said_only(norm, decline, fillers):
            ctx.press(consent_button(False, ctx.offered))
        elif ctx.consent is False and text:
            self.describe(ctx, text)
        else:
            self.to_gate(ctx)
            if ctx.consent is None and text:
                ctx.tell("consent_expected")
