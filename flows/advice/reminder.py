"""Messages that the bot sends on its own (reminders), as channel-neutral replies."""

from __future__ import annotations

from flows.actions import action
from flows.definition import BROWSE_TAG
from flows.replies import Button, Reply, join
from flows.screens import Say


def reminder(say: Say, subject: str) -> Reply:
    """The reminder a user asked for with "Herinner mij later", about a dilemma or the advice.

    Its buttons browse (valid in any state), so the reminder works wherever the user is
    in the conversation when it arrives.
    """
    dilemma = say.knowledge.dilemma(subject)
    if dilemma is None:
        return Reply(tuple(say("reminder_advice")), meta={"screen": "reminder"})
    text = join(
        [
            say("reminder_dilemma", title=say.plain(dilemma.title)),
            say.text(dilemma.question),
        ],
        "\n\n",
    )
    rows = ((Button(say.label("btn_reminder_open"), action(BROWSE_TAG, "show", dilemma.id)),),)
    return Reply(tuple(text), rows, meta={"screen": "reminder"})
