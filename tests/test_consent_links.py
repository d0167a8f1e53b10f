"""The consent question and the declined screen say what a workshop link really is, and
agreeing then does what they said: an open workshop (named, or named by its day once its
name was erased) signs the user up; a closed one, one without coordinator and a code of
no workshop sign up for nothing ("Deze link hoort bij een workshop … meld ik u aan voor
het vervolg" was said of each), though the advice is there all the same."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC
from typing import Any

import pytest

from bot.telegram.render import to_html
from flows.events import Outcome
from storage import Database
from tests.followup_helpers import ADMIN, People, actions_of, local, text_of

pytest_plugins = ["tests.storage_fixtures"]

MOST = 1200
USER = "8"


@pytest.fixture
def people(db: Database, clock: Any) -> People:
    clock.now = local(2026, 11, 23, 10).astimezone(UTC)
    return People(db, clock, min_group=1)


async def _cohort(people: People, name: str = "Regio Zuid") -> tuple[int, str]:
    await people.coordinator("5")
    _, code = await people.create_cohort("5", name, "25-11-2026 14:00")
    cohort = await people.db.run(lambda repo: repo.cohorts.by_code(code))
    assert cohort is not None
    return cohort.id, code


async def open_named(people: People) -> str:
    return (await _cohort(people))[1]


async def open_unnamed(people: People) -> str:
    """Its coordinator erased their data (the name went with it); an admin adopted it."""
    cohort_id, code = await _cohort(people)
    asked = await people.send("5", "/vergeet")
    await people.press("5", next(a for a in actions_of(asked) if a.endswith(":forget:yes")))
    await people.send(ADMIN, "/cohort")
    assert "coördinator van" in text_of(await people.press(ADMIN, f"1:c:adopt:{cohort_id}"))
    return code


async def closed(people: People) -> str:
    cohort_id, code = await _cohort(people, "Regio <b>Zuid</b> & Co")
    await people.press("5", f"1:c:close:{cohort_id}")
    assert "gesloten" in text_of(await people.press("5", f"1:c:closeyes:{cohort_id}"))
    return code


async def without_coordinator(people: People) -> str:
    _, code = await _cohort(people)
    await people.press(ADMIN, f"1:c:revokeyes:{await people.user_id('5')}")
    return code


async def erased_coordinator(people: People) -> str:
    """Its coordinator erased their data: no name, no owner, until an admin adopts it."""
    _, code = await _cohort(people)
    asked = await people.send("5", "/vergeet")
    await people.press("5", next(a for a in actions_of(asked) if a.endswith(":forget:yes")))
    return code


async def unknown(people: People) -> str:
    return "NoSuchCode123"


@dataclass(frozen=True)
class Case:
    make: Callable[[People], Awaitable[str]]
    consent: tuple[str, ...]
    """What the consent question says (Dutch)."""
    english: tuple[str, ...]
    agreed: tuple[str, ...]
    """What agreeing then says (Dutch)."""
    declined: str
    """What declining says of the workshop (Dutch)."""
    joins: bool


CASES = {
    "open named": Case(
        open_named,
        ("Deze link hoort bij de workshop Regio Zuid.", "meld ik u aan voor het vervolg"),
        ("This link belongs to the workshop Regio Zuid.", "I sign you up for the follow-up"),
        ("U volgt nu: Regio Zuid",),
        "volgt u het vervolg van de workshop Regio Zuid niet",
        joins=True,
    ),
    "open, name erased": Case(
        open_unnamed,
        ("Deze link hoort bij de workshop van 25 november 2026.", "meld ik u aan voor het"),
        ("This link belongs to the workshop of 25 November 2026.", "I sign you up for the"),
        ("U volgt nu: de workshop van 25 november 2026",),
        "volgt u het vervolg van de workshop van 25 november 2026 niet",
        joins=True,
    ),
    "closed": Case(
        closed,
        ("hoort bij de workshop Regio <b>Zuid</b> & Co, maar aanmelden daarvoor is gesloten",),
        ("belongs to the workshop Regio <b>Zuid</b> & Co, but joining it has closed",),
        ("Aanmelden voor Regio <b>Zuid</b> & Co is gesloten",),
        "Aanmelden voor de workshop Regio <b>Zuid</b> & Co was al gesloten.",
        joins=False,
    ),
    "without coordinator": Case(
        without_coordinator,
        ("hoort bij de workshop Regio Zuid, maar die heeft geen coördinator meer",),
        ("belongs to the workshop Regio Zuid, but it has no coordinator any more",),
        ("kunt u zich nu niet aanmelden voor Regio Zuid",),
        "Voor de workshop Regio Zuid kon u zich al niet aanmelden: er is geen coördinator meer.",
        joins=False,
    ),
    "coordinator erased": Case(
        erased_coordinator,
        ("hoort bij de workshop van 25 november 2026, maar die heeft geen coördinator meer",),
        ("belongs to the workshop of 25 November 2026, but it has no coordinator any more",),
        ("kunt u zich nu niet aanmelden voor de workshop van 25 november 2026",),
        "Voor de workshop van 25 november 2026 kon u zich al niet aanmelden",
        joins=False,
    ),
    "no workshop": Case(
        unknown,
        ("Deze link hoort bij geen workshop die ik ken.",),
        ("This link does not belong to a workshop I know.",),
        ("hoort niet bij een workshop die ik ken",),
        "Die link hoorde al bij geen workshop die ik ken.",
        joins=False,
    ),
}
NOTHING = ("meld ik u nergens voor aan", "geen vervolgvragen", "Advies op maat krijgt u wel")
"""What the consent question of a link that signs up for nothing says."""


def _consent(outcome: Outcome) -> str:
    (question,) = [r.plain for r in outcome.replies if r.meta.get("screen") == "consent"]
    assert len(question) <= MOST, len(question)
    return question


async def _followed(people: People, user: str) -> list[str]:
    user_id = await people.user_id(user)
    return [c.name for c in await people.db.run(lambda repo: repo.cohorts.memberships(user_id))]


async def _check_agreed(people: People, case: Case, agreed: Outcome) -> None:
    """Agreeing did what the consent question said: joined, or only started the advice."""
    said = text_of(agreed)
    assert agreed.state.consent is True
    for words in case.agreed:
        assert words in said, (words, said)
    assert "Vraag 1 van" in said, "the advice starts either way"
    followed = await _followed(people, USER)
    assert bool(followed) is case.joins, followed
    assert bool(await people.nudges(USER)) is case.joins


@pytest.mark.parametrize("name", list(CASES))
async def test_the_consent_question_says_what_the_link_is_and_agreeing_does_it(
    people: People, name: str
) -> None:
    case = CASES[name]
    code = await case.make(people)
    shown = await people.send(USER, f"/start {code}")
    question = _consent(shown)
    for words in case.consent + (() if case.joins else NOTHING):
        assert words in question, (words, question)
    if not case.joins:
        assert "meld ik u aan" not in question and "hoort bij een workshop." not in question
    english = _consent(await people.send(USER, "/language en"))
    for words in case.english:
        assert words in english, (words, english)
    await people.send(USER, "/taal nl")
    agree = next(a for a in actions_of(shown) if a.startswith("1:p:consent:yes"))
    await _check_agreed(people, case, await people.press(USER, agree))


@pytest.mark.parametrize("name", list(CASES))
async def test_declining_says_what_the_link_is_and_agreeing_after_all_does_it(
    people: People, name: str
) -> None:
    case = CASES[name]
    code = await case.make(people)
    await people.send(USER, f"/start {code}")
    declined = await people.send(USER, "nee")
    (screen,) = [r for r in declined.replies if r.meta.get("screen") == "declined"]
    said = screen.plain
    assert len(said) <= MOST and "gewist" in said, said
    labels = [button.label for row in screen.buttons for button in row]
    assert case.declined in said, said
    if case.joins:
        assert "Toch akkoord: volg de workshop" in labels, labels
    else:
        assert "meld ik u alsnog aan" not in said and "vervolg" not in said, said
        assert "Toch akkoord: start de vragen" in labels, labels
    again = next(a for a in actions_of(declined) if a.startswith("1:p:consent:yes"))
    await _check_agreed(people, case, await people.press(USER, again))


async def test_a_coordinators_workshop_name_is_escaped_on_the_closed_link(
    people: People,
) -> None:
    code = await closed(people)
    shown = await people.send(USER, f"/start {code}")
    (question,) = [r for r in shown.replies if r.meta.get("screen") == "consent"]
    html = to_html(question.spans)
    assert "de workshop Regio &lt;b&gt;Zuid&lt;/b&gt; &amp; Co, maar" in html, html


async def test_the_longest_workshop_name_keeps_every_link_screen_within_a_message(
    people: People,
) -> None:
    code = (await _cohort(people, "W" * 80))[1]
    for lang in ("nl", "en"):
        await people.send(USER, f"/start {code}")
        _consent(await people.send(USER, f"/taal {lang}"))
    declined = await people.send(USER, "nee")
    assert "W" * 80 in text_of(declined) and len(text_of(declined)) <= MOST


@pytest.mark.parametrize(("name", "joins"), [("open named", True), ("closed", False)])
async def test_before_consent_mijngegevens_says_yes_joins_only_a_link_that_does(
    people: People, name: str, joins: bool
) -> None:
    """ "zodat «ja» u straks aanmeldt" was said of every kept code."""
    code = await CASES[name].make(people)
    await people.send(USER, f"/start {code}")
    said = text_of(await people.send(USER, "/mijngegevens"))
    assert ("u straks aanmeldt" in said) is joins, said
    assert "24 uur de code van" in said and "/vergeet" in said, said
