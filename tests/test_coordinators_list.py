"""Issue 13: ``/coordinator <id>`` answers without the id typed (no ids in a message), and
a long list of coordinators comes a page of at most 1,200 characters at a time, with the
number of the others and a button to the next page; the open invitations and the cohorts
without a coordinator below it are cut to one screen."""

from __future__ import annotations

from datetime import UTC, date
from typing import Any

import pytest

from flows.cohorts.screens import CoordinatorSummary, coordinators_screen
from flows.cohorts.stewardship import invites_screen, ownerless_screen
from flows.replies import SCREEN_LIMIT, Reply
from flows.screens import Say
from knowledge.model import Knowledge
from storage import Database
from tests.followup_helpers import ADMIN, People, actions_of, local, text_of

pytest_plugins = ["tests.storage_fixtures"]


@pytest.fixture
def people(db: Database, clock: Any) -> People:
    clock.now = local(2026, 11, 23, 10).astimezone(UTC)
    return People(db, clock, min_group=1)


def many(count: int) -> list[CoordinatorSummary]:
    names = ("Werkplaats jeugdhulp en onderwijs regio Noord-Holland Noord", "Tweede ronde")
    return [
        CoordinatorSummary(100 + n, n, date(2026, 12, 1), (*names, "Derde"))
        for n in range(1, count + 1)
    ]


def next_start(reply: Reply) -> int | None:
    starts = [int(a.rsplit(":", 1)[1]) for a in reply.actions if ":c:coords:" in a]
    assert len(starts) <= 1
    return starts[0] if starts else None


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_a_long_list_comes_in_pages_that_fit_and_together_name_everyone(
    knowledge: Knowledge, lang: str
) -> None:
    say = Say(knowledge, lang)
    coordinators = many(40)
    start: int | None = 0
    seen: list[int] = []
    pages = 0
    while start is not None and pages < 40:
        page = coordinators_screen(say, coordinators, start)
        assert len(page.plain) <= SCREEN_LIMIT, len(page.plain)
        revoked = [int(a.rsplit(":", 1)[1]) for a in page.actions if ":c:revoke:" in a]
        assert revoked, "every page shows someone"
        seen += revoked
        following = next_start(page)
        if following:
            more = len(coordinators) - following
            assert (f"en {more} meer" if lang == "nl" else f"and {more} more") in page.plain
        start, pages = following or None, pages + 1
    assert seen == [c.user_id for c in coordinators]  # each once, in order
    assert pages > 1
    # The last page leads back to the first; a start past the end (the list shrank) too.
    last = coordinators_screen(say, coordinators, coordinators.index(coordinators[-1]))
    assert next_start(last) == 0
    assert (
        coordinators_screen(say, coordinators, 999).plain
        == coordinators_screen(say, coordinators, 0).plain
    )
    # A short list is one page without any of this.
    short = coordinators_screen(say, coordinators[:3])
    assert next_start(short) is None and "meer" not in short.plain


async def test_appointing_by_id_answers_without_the_id(people: People) -> None:
    await people.join_bot(ADMIN)
    unknown = await people.send(ADMIN, "/coordinator 987654321")
    assert "nog niet gebruikt" in text_of(unknown) and "987654321" not in text_of(unknown)
    await people.join_bot("987654321")
    appointed = await people.send(ADMIN, "/coordinator 987654321")
    assert "is nu coördinator: nummer 1" in text_of(appointed)
    assert "987654321" not in text_of(appointed)
    again = await people.send(ADMIN, "/coordinator 987654321")
    assert "was al coördinator: nummer 1" in text_of(again)
    assert "987654321" not in text_of(again)


async def test_the_next_page_button_lists_the_others(people: People) -> None:
    await people.join_bot(ADMIN)
    for n in range(25):  # 25 lines of some 60 characters: more than one message
        await people.join_bot(str(5000 + n))
        await people.send(ADMIN, f"/coordinator {5000 + n}")
    first = await people.send(ADMIN, "/coordinator")
    for reply in first.replies:
        assert len(reply.plain) <= SCREEN_LIMIT
    (following,) = [a for a in actions_of(first) if ":c:coords:" in a]
    second = await people.press(ADMIN, following)
    assert "Coördinatoren" in text_of(second) and "25. Coördinator" in text_of(second)
    assert "\n1. Coördinator" not in text_of(second)
    assert "1:c:coords:0" in actions_of(second) and "1:c:invite" in actions_of(second)
    # Only an admin can turn the page.
    await people.coordinator("6")
    pressed = await people.press("6", "1:c:coords:0")
    assert pressed.notice == "Deze knop is verlopen." and not pressed.effects


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_long_lists_of_invitations_and_orphaned_cohorts_are_cut_to_one_screen(
    knowledge: Knowledge, lang: str
) -> None:
    say = Say(knowledge, lang)
    made = "maandag 23 november 2026 om 10:00"
    invites = invites_screen(say, [(i, made, made) for i in range(1, 41)])
    cohorts = ownerless_screen(say, [(i, f"Werkplaats regio {i} " * 3) for i in range(1, 61)])
    for screen, total in ((invites, 40), (cohorts, 60)):
        assert len(screen.plain) <= SCREEN_LIMIT, len(screen.plain)
        shown = len(screen.buttons)
        assert 0 < shown < total
        more = total - shown
        assert (f"en {more} meer" if lang == "nl" else f"and {more} more") in screen.plain
        assert f"\n{shown}. " in screen.plain and f"\n{shown + 1}. " not in screen.plain
    few = invites_screen(say, [(1, made, made)])
    assert len(few.buttons) == 1 and "meer" not in few.plain and "more" not in few.plain
