"""Review 6, F15 and F23: the consent question of a workshop link says what following the
workshop means (follow-up messages, what the coordinator sees and can do, the code kept
before the answer); declining says what it means for the workshop; /privacy covers the
workshop; and the texts before consent are true about the pending code (pending_starts)."""

from __future__ import annotations

import re
from datetime import UTC
from typing import Any

import pytest

from bot.telegram.render import to_html
from storage import Database
from tests.followup_helpers import ADMIN, People, actions_of, local, text_of

pytest_plugins = ["tests.storage_fixtures"]

MOST = 1200


@pytest.fixture
def people(db: Database, clock: Any) -> People:
    clock.now = local(2026, 11, 23, 10).astimezone(UTC)
    return People(db, clock, min_group=1)


async def _link(people: People) -> str:
    await people.coordinator("5")
    _, code = await people.create_cohort("5", "Regio Zuid", "25-11-2026 14:00")
    return code


async def test_the_consent_question_of_a_workshop_link_says_what_joining_means(
    people: People,
) -> None:
    code = await _link(people)
    shown = text_of(await people.send("8", f"/start {code}"))
    assert len(shown) <= MOST, len(shown)
    for said in ("workshop", "vervolgvragen", "coördinator", "anonieme aantallen"):
        assert said in shown, (said, shown)
    assert "anoniem te delen" in shown and "24 uur de code" in shown, shown
    plain = text_of(await people.send("9", "/start"))
    assert "workshop" not in plain.lower(), "no link, no workshop"


async def test_the_english_consent_question_of_a_link_says_it_too(people: People) -> None:
    code = await _link(people)
    await people.send("8", f"/start {code}")
    shown = text_of(await people.send("8", "/language en"))
    assert "follow-up questions" in shown and "coordinator" in shown, shown
    assert len(shown) <= MOST


async def test_declining_after_a_workshop_link_says_what_that_means(people: People) -> None:
    code = await _link(people)
    await people.send("8", f"/start {code}")
    declined = await people.send("8", "nee")
    said = text_of(declined)
    assert "geen vervolgvragen" in said and "workshop" in said, said
    assert "Toch akkoord: volg de workshop" in said or any(
        code in data for data in actions_of(declined)
    )
    joined = await people.press("8", next(a for a in actions_of(declined) if code in a))
    assert "U volgt nu: Regio Zuid" in text_of(joined), text_of(joined)


async def test_the_privacy_statement_covers_the_workshop_and_what_the_coordinator_sees(
    people: People,
) -> None:
    for command, words in (
        ("/privacy", ("coördinator", "anonieme aantallen", "anoniem deelt", "berichten", "24 uur")),
    ):
        said = text_of(await people.send("8", command))
        assert len(said) <= MOST, len(said)
        for word in words:
            assert word in said, (word, said)
        assert "Alleen u ziet deze gegevens" not in said


async def test_before_consent_the_texts_say_the_link_code_is_kept_and_vergeet_erases_it(
    people: People,
) -> None:
    code = await _link(people)
    await people.send("8", f"/start {code}")
    said = text_of(await people.send("8", "/mijngegevens"))
    assert "Ik bewaar niets" not in said and "code van uw workshoplink" in said, said
    forgot = text_of(await people.send("8", "/vergeet"))
    assert "gewist" in forgot, forgot
    after = text_of(await people.send("8", "/mijngegevens"))
    assert "Ik bewaar niets over u" in after, after


async def test_the_consent_question_of_a_link_names_the_workshop(people: People) -> None:
    """Review (issue 13): the consent question said "een workshop", not which one."""
    await people.coordinator("5")
    _, code = await people.create_cohort("5", "Regio <b>Zuid</b> & **West**", "25-11-2026 14:00")
    consent = await people.send("8", f"/start {code}")
    (question,) = [r for r in consent.replies if r.meta.get("screen") == "consent"]
    html = to_html(question.spans)
    assert "de workshop Regio &lt;b&gt;Zuid&lt;/b&gt; &amp; **West**." in html, html
    assert len(question.plain) <= MOST
    # The question shown again (another language, typed text) still names it: the code is
    # kept for the chat, the name is looked up each time.
    again = text_of(await people.send("8", "/language en"))
    assert "the workshop Regio <b>Zuid</b> & **West**." in again and len(again) <= MOST, again
    assert "workshop Regio <b>Zuid</b>" in text_of(await people.send("8", "wat is dit?"))


async def test_a_link_of_no_workshop_says_so_and_promises_no_follow_up(people: People) -> None:
    """It said "Deze link hoort bij een workshop … meld ik u aan voor het vervolg", which
    agreeing did not do (tests/test_consent_links.py: every kind of link)."""
    shown = text_of(await people.send("8", "/start ABCDEF123"))
    assert "Deze link hoort bij geen workshop die ik ken." in shown, shown
    assert "meld ik u nergens voor aan" in shown and "meld ik u aan" not in shown, shown


async def test_the_consent_question_of_a_coordinator_invite_speaks_of_no_workshop(
    people: People,
) -> None:
    """An invitation link makes a coordinator: "Deze link hoort bij een workshop … meld ik u
    aan voor het vervolg" was untrue before consent."""
    await people.join_bot(ADMIN)
    await people.send(ADMIN, "/coordinator")
    token = re.search(r"start=(inv_[A-Za-z0-9]+)", text_of(await people.press(ADMIN, "1:c:invite")))
    assert token is not None
    consent = await people.send("8", f"/start {token.group(1)}")
    shown = text_of(consent)
    assert "uitnodiging om coördinator te worden" in shown and len(shown) <= MOST, shown
    assert "hoort bij" not in shown and "vervolgvragen" not in shown, shown
    agree = next(a for a in actions_of(consent) if a.startswith("1:p:consent:yes"))
    assert "U bent nu coördinator" in text_of(await people.press("8", agree))
