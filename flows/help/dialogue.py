"""``/help``, ``/taal`` and the buttons of the language choice and "back to where I was"."""

from __future__ import annotations

from flows import screens
from flows.commands import help_commands
from flows.definition import BROWSE_TAG
from flows.events import SetLanguage
from flows.feature import Context, Registry
from knowledge.model import LANGUAGES


class Help:
    """What works everywhere and stores nothing but the language."""

    def register(self, registry: Registry) -> None:
        registry.command("help", self.help)
        registry.command("taal", lambda ctx, args: self.choose_language(ctx, args.lower()))
        registry.action(BROWSE_TAG, self.browse, at_gate=True)

    def help(self, ctx: Context, args: str) -> None:
        ctx.replies.append(screens.help_screen(ctx.say, help_commands(ctx.roles, ctx.channel)))

    def choose_language(self, ctx: Context, lang: str) -> None:
        if lang not in LANGUAGES:
            ctx.replies.append(screens.language_choice(ctx.say))
            return
        ctx.lang = lang
        ctx.effects.append(SetLanguage(lang))
        ctx.lead = ctx.say("language_set")
        ctx.show_where_we_are()

    def browse(self, ctx: Context, choice: tuple[str, ...]) -> bool:
        """``b:resume`` (back to where the user was) and ``b:lang:<language>``."""
        head, arg = choice[0], choice[1] if len(choice) > 1 else ""
        if head == "resume":
            ctx.show_where_we_are()
        elif head == "lang" and arg in LANGUAGES:
            self.choose_language(ctx, arg)
        else:
            return False
        return True
