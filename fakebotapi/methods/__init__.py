"""The Bot API methods the fake server answers, one module per area.

Each module ends with a ``METHODS`` table: the method's name as Telegram spells it → an
async function ``(state, params) -> result``. A method missing here answers
``404 Not Found``, like a method Telegram does not know.
"""

from __future__ import annotations

from fakebotapi.methods import bot_settings, messages, updates
from fakebotapi.state import Method

AREAS = (updates, messages, bot_settings)

#: lower-case name → (canonical name, handler); Telegram matches method names in any case.
METHODS: dict[str, tuple[str, Method]] = {
    name.lower(): (name, handler) for area in AREAS for name, handler in area.METHODS.items()
}
