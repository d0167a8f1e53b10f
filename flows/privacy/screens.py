"""The privacy screens: the consent question, the declined screen, the privacy statement
with the user's own data, erasure's confirmation, the list of reflections, the export."""

from __future__ import annotations

from typing import assert_never

from flows.actions import INVITE_PREFIX, START_PAYLOAD_PATTERN, action
from flows.dates import workshop_on
from flows.definition import BROWSE_TAG, PRIVACY_TAG
from flows.links import UNKNOWN_LINK, LinkStatus, WorkshopLink
from flows.replies import Attachment, Button, Reply, Span, join
from flows.screens import Say

MAX_PAYLOAD = 40
"""Longest deep-link payload carried on the agree button (callback data ≤ 64 bytes)."""
DECLINED_WHY = {
    LinkStatus.CLOSED: "declined_why_closed",
    LinkStatus.PAUSED: "declined_why_paused",
    LinkStatus.UNKNOWN: "declined_why_unknown",
}
"""Why declining a link that signs up for nothing loses nothing of a workshop."""


def _answer(answer: str, lang: str | None) -> str:
    """``yes``/``no``, with a language chosen before consent (``yes.en``): like the
    deep-link payload it rides on the button, because nothing is stored before consent."""
    return f"{answer}.{lang}" if lang else answer


def carried(payload: str | None) -> bool:
    """Whether a deep-link payload (a cohort code) can ride on the agree button."""
    return bool(
        payload and len(payload) <= MAX_PAYLOAD and START_PAYLOAD_PATTERN.fullmatch(payload)
    )


def agree_action(payload: str | None, lang: str | None = None) -> str:
    """The agree button's action; a deep-link payload (cohort code) rides along."""
    extra = (payload,) if payload and carried(payload) else ()
    return action(PRIVACY_TAG, "consent", _answer("yes", lang), *extra)


def _workshop(say: Say, link: WorkshopLink) -> str:
    """ "de workshop Regio Zuid", or "de workshop van 11 december 2026" once its name is
    erased ("een workshop" when neither is known)."""
    if link.name is not None:
        return say.label("workshop_called", name=link.name)
    return workshop_on(say, link.day) if link.day is not None else say.label("workshop_some")


def _link_head(say: Say, link: WorkshopLink) -> list[Span]:
    """What the link is, and so what agreeing does with it."""
    match link.status:
        case LinkStatus.OPEN:
            return say("consent_cohort_open", workshop=_workshop(say, link))
        case LinkStatus.CLOSED:
            return say("consent_cohort_closed", workshop=_workshop(say, link))
        case LinkStatus.PAUSED:
            return say("consent_cohort_paused", workshop=_workshop(say, link))
        case LinkStatus.UNKNOWN:
            return say("consent_cohort_unknown")
        case _:
            assert_never(link.status)


def consent_screen(
    say: Say,
    payload: str | None = None,
    lang: str | None = None,
    link: WorkshopLink | None = None,
) -> Reply:
    """The privacy question; ``lang`` is a language the user chose that is not stored.
    With a workshop link it says what the link is (``link``, as the service found it; a
    code it did not look up is taken for one of no workshop) and what agreeing really
    does: following an open workshop (follow-up messages, what the coordinator sees and
    can do), or, for a closed one, one without coordinator or a code of none, advice
    without signing up; and what is kept before the answer."""
    rows = (
        (Button(say.label("btn_agree"), agree_action(payload, lang)),),
        (Button(say.label("btn_decline"), action(PRIVACY_TAG, "consent", _answer("no", lang))),),
    )
    if not carried(payload):
        text = say("consent")
    elif payload is not None and payload.startswith(INVITE_PREFIX):
        text = say("consent_invite")  # it makes a coordinator: no workshop to follow
    else:
        link = link or UNKNOWN_LINK
        body = say("consent_cohort" if link.joins else "consent_cohort_none")
        text = join([_link_head(say, link), body], " ")
    return Reply(tuple(text), rows, meta={"screen": "consent"})


def declined_screen(
    say: Say,
    payload: str | None = None,
    lang: str | None = None,
    link: WorkshopLink | None = None,
) -> Reply:
    """Consent declined; after a workshop link: what that means for the workshop it names
    (``link``, as on the consent question), or, for a link that signs up for nothing,
    that its code is gone and why it would have signed up for nothing anyway."""
    cohort = carried(payload) and not (payload or "").startswith(INVITE_PREFIX)
    link = (link or UNKNOWN_LINK) if cohort else None
    followed = link if link is not None and link.joins else None
    rows = (
        (Button(say.label("btn_browse"), action(BROWSE_TAG, "levels")),),
        (
            Button(
                say.label("btn_agree_now_cohort" if followed else "btn_agree_now"),
                agree_action(payload, lang),
            ),
        ),
    )
    if followed is not None:
        text = say("declined_cohort", workshop=_workshop(say, followed))
    elif link is not None:
        why = say.label(DECLINED_WHY[link.status], workshop=_workshop(say, link))
        text = say("declined_cohort_none", why=why)
    else:
        text = say("declined")
    return Reply(tuple(text), rows, meta={"screen": "declined"})


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
