"""Messages that the bot sends on its own (reminders), as channel-neutral replies."""

from __future__ import annotations

from flows.actions import action
from flows.definition import ADVICE_TAG, BROWSE_TAG, NUDGE_TAG
from flows.replies import Button, Reply, join
from flows.screens import Say


def reminder(say: Say, subject: str, outbox_id: int | None = None) -> Reply:
    """The reminder a user asked for with "Herinner mij later", about a dilemma or the advice.

    Its first button opens what it is about, wherever the user is in the conversation
    when it arrives (browsing a dilemma, or the advice as /advies does); with the outbox
    row's id it can be put off again (next working day, next week), and reminders can
    be switched off, as with a nudge.
    """
    dilemma = say.knowledge.dilemma(subject)
    if dilemma is None:
        text = say("reminder_advice")
        open_row: tuple[Button, ...] = (
            Button(say.label("btn_reminder_advice"), action(ADVICE_TAG, "open")),
        )
    else:
        text = join(
            [
                say("reminder_dilemma", title=say.plain(dilemma.title)),
                say.text(dilemma.question),
            ],
            "\n\n",
        )
        open_row = (Button(say.label("btn_reminder_open"), action(BROWSE_TAG, "show", dilemma.id)),)
    rows = [open_row]
    if outbox_id is not None:
        ident = str(outbox_id)
        rows.append(
            (
                Button(say.label("btn_nudge_later"), action(NUDGE_TAG, "later", ident)),
                Button(say.label("btn_nudge_week"), action(NUDGE_TAG, "week", ident)),
            )
        )
    rows.append((Button(say.label("btn_nudge_stop"), action(NUDGE_TAG, "stop")),))
    return Reply(tuple(text), tuple(rows), meta={"screen": "reminder"})
