"""The handout (/samenvatting): the PDF is read back and its text checked against the
advice, in both languages; the choice of reflections; the Telegram document with caption.

``HANDOUT_PDF=path.pdf`` saves the README's example (docs/handout.png is made from it with
``pdftoppm -png -r 80 -singlefile path.pdf docs/handout``, poppler-utils)."""

from __future__ import annotations

import io
import os
import re
from datetime import UTC
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from bot.app import handouts
from fakebotapi import FakeBotAPI
from flows.dates import long_date
from flows.handout.content import MAX_REFLECTION_CHARS, next_meeting_question
from flows.handout.screens import CHOICES, MAX_PICKED
from flows.replies import Reply
from flows.screens import Say
from knowledge.engine import Engine
from knowledge.model import Knowledge
from storage import Database
from tests.console_helpers import console
from tests.followup_helpers import People, actions_of, local, text_of
from tests.test_telegram import bot, callback_datas, press, send, start  # noqa: F401

pytest_plugins = ["tests.storage_fixtures"]

USER = "987654321"
ANSWERS = {"size": "groot", "subgroups": "geen", "mandate": "beperkt", "interests": "hoog"}


@pytest.fixture
def people(db: Database, clock: Any) -> People:
    clock.now = local(2026, 3, 12, 10).astimezone(UTC)
    return People(db, clock)


def pdf_of(outcome: Any) -> tuple[Reply, bytes]:
    (reply,) = [r for r in outcome.replies if r.attachment is not None]
    assert reply.attachment is not None and reply.attachment.kind == "document"
    assert reply.attachment.name.endswith(".pdf") and reply.attachment.caption
    return reply, reply.attachment.data


def read(pdf: bytes) -> tuple[int, str]:
    """Pages and the text, with every run of white space as one space (lines wrap)."""
    reader = PdfReader(io.BytesIO(pdf))
    text = " ".join(page.extract_text() for page in reader.pages)
    return len(reader.pages), " ".join(text.split())


def read_beside(path: Path, folder: Path) -> tuple[int, str]:
    """The PDF the chat wrote, which must be in ``folder`` (where the chat runs)."""
    assert path.parent == folder.resolve()
    return read(path.read_bytes())


def save_for_the_readme(pdf: bytes) -> None:
    if target := os.environ.get("HANDOUT_PDF"):
        Path(target).write_bytes(pdf)


def flat(text: str) -> str:
    return " ".join(text.split())


async def advised(people: People, user: str = USER, lang: str = "nl") -> None:
    shown = await people.join_bot(user)
    if lang != "nl":
        shown = await people.send(user, f"/taal {lang}")
    await people.answer_intake(user, ANSWERS, shown)


async def note(people: People, dilemma: str, text: str, user: str = USER) -> None:
    await people.press(user, f"1:a:note:{dilemma}")
    await people.send(user, text)


def expected(knowledge: Knowledge, lang: str) -> list[str]:
    """What the page must say about this advice: answers, dilemmas with their poles and
    central questions, reflection questions, the action, a contact, the next question."""
    say = Say(knowledge, lang)
    advice = Engine(knowledge).advise(ANSWERS)
    texts = [
        say.plain(option.label)
        for q in knowledge.intake
        if q.id in ANSWERS and (option := q.option(ANSWERS[q.id])) is not None
    ]
    for scored in advice.top():
        d = scored.dilemma
        texts += [say.plain(d.title), say.plain(d.poles[0]), say.plain(d.poles[1])]
        texts += [say.plain(d.question), say.plain(scored.questions[0].text)]
    # Each dilemma's own action with its step for this month (review 6, F40).
    for scored in advice.top():
        if scored.actions:
            act = scored.actions[0]
            step = scored.dilemma.steps.get(act.id, act.text)
            texts += [say.plain(act.title), say.plain(step)]
    texts.append(say.plain(advice.top()[0].contacts[0].name))
    question = next_meeting_question(say, advice)
    assert question is not None
    texts.append(say.plain(question.text))
    return [flat(t) for t in texts]


@pytest.mark.parametrize("lang", ["nl", "en"])
async def test_the_pdf_says_what_the_advice_says(
    people: People, knowledge: Knowledge, lang: str
) -> None:
    await advised(people, lang=lang)
    outcome = await people.send(USER, "/samenvatting")
    reply, pdf = pdf_of(outcome)  # no reflections yet: no choice to make
    pages, text = read(pdf)
    assert pages == 1
    missing = [t for t in expected(knowledge, lang) if t not in text]
    assert not missing, missing
    say = Say(knowledge, lang)
    assert say.label("handout_title") in text
    assert long_date(say, local(2026, 3, 12).date()) in text
    assert USER not in text and say.label("handout_for", name="").strip() not in text
    assert say.label("handout_filename") == reply.attachment.name if reply.attachment else False
    assert "↔" in text and ("ë" in text or lang == "en")
    assert knowledge.version not in text, "the knowledge hash is no text for a board"
    assert f"{long_date(say, local(2026, 3, 12).date())} · Netwerkwijzer" in text
    metadata = PdfReader(io.BytesIO(pdf)).metadata
    assert metadata is not None and metadata.title == say.label("handout_title")
    assert metadata.keywords == knowledge.version
    assert metadata.subject == say.label("handout_subject", version=knowledge.version)


async def test_a_later_handout_says_when_the_answers_were_given(
    people: People, clock: Any, knowledge: Knowledge
) -> None:
    await advised(people)
    clock.now = local(2026, 6, 15, 11).astimezone(UTC)
    _, text = read(pdf_of(await people.send(USER, "/samenvatting"))[1])
    assert "15 juni 2026 · Netwerkwijzer · antwoorden van 12 maart 2026" in text
    await people.press(USER, "1:a:edit:size")
    await people.press(USER, "1:size:middel")
    _, text = read(pdf_of(await people.send(USER, "/samenvatting"))[1])
    assert "15 juni 2026 · Netwerkwijzer Het netwerk" in text, "answered today: one date"
    await people.send(USER, "/taal en")
    clock.now = local(2026, 7, 1, 11).astimezone(UTC)
    _, text = read(pdf_of(await people.send(USER, "/summary"))[1])
    assert "1 July 2026 · Netwerkwijzer · answers given on 15 June 2026" in text


async def test_only_the_ticked_reflections_and_a_given_name_are_on_it(
    people: People, knowledge: Knowledge
) -> None:
    await advised(people)
    top = Engine(knowledge).advise(ANSWERS).top()
    await note(people, top[0].dilemma.id, "Met de RvT bespreken hoe we verantwoorden.")
    await note(people, top[1].dilemma.id, "Deze houd ik voor mezelf.")
    choice = await people.send(USER, "/samenvatting Mr. A. de Vries")
    assert "Mr. A. de Vries" in text_of(choice)
    ticks = [a for a in actions_of(choice) if ":h:tick:" in a]
    assert len(ticks) == 2 and all(a.endswith(":1") for a in ticks)
    ticked = await people.press(USER, ticks[0])
    assert ticked.edit, "the choice screen is replaced, not sent again"
    assert ticks[0] not in actions_of(ticked) and ticks[0][:-1] + "0" in actions_of(ticked)
    _, pdf = pdf_of(await people.press(USER, "1:h:make"))
    _, text = read(pdf)
    assert "Met de RvT bespreken hoe we verantwoorden." in text
    assert "Deze houd ik voor mezelf." not in text
    assert "Voor: Mr. A. de Vries" in text
    say = Say(knowledge, "nl")
    assert f"{long_date(say, local(2026, 3, 12).date())}, {say.plain(top[0].dilemma.title)}" in text


async def test_three_long_reflections_still_fit_on_two_pages(
    people: People, knowledge: Knowledge, monkeypatch: pytest.MonkeyPatch
) -> None:
    drafts: list[bool] = []
    draw = handouts._draw

    def counted(content: Any, meta: Any, *, compact: bool) -> Any:
        drafts.append(compact)
        return draw(content, meta, compact=compact)

    monkeypatch.setattr(handouts, "_draw", counted)
    await advised(people)
    dilemma = Engine(knowledge).advise(ANSWERS).top()[0].dilemma.id
    for n in range(MAX_PICKED + 1):
        await note(people, dilemma, f"Reflectie {n}: " + "lange gedachte " * 130)
    choice = await people.send(USER, "/samenvatting")
    ticks = [a for a in actions_of(choice) if ":h:tick:" in a]
    for tick in ticks[:MAX_PICKED]:
        await people.press(USER, tick)
    refused = await people.press(USER, ticks[MAX_PICKED])
    assert refused.notice and str(MAX_PICKED) in refused.notice
    _, pdf = pdf_of(await people.press(USER, "1:h:make"))
    pages, text = read(pdf)
    assert pages <= 2
    assert all(f"Reflectie {n}:" in text for n in range(MAX_PICKED))
    assert f"Reflectie {MAX_PICKED}:" not in text
    assert text.count("…") >= MAX_PICKED and len("lange gedachte " * 130) > MAX_REFLECTION_CHARS
    assert drafts == [False], "far past one page: no tighter second draft is tried"


async def test_no_handout_before_there_is_advice(people: People) -> None:
    await people.join_bot(USER)
    outcome = await people.send(USER, "/samenvatting")
    assert all(r.attachment is None for r in outcome.replies)
    assert "zodra u advies hebt" in text_of(outcome)
    assert "1:size:groot" in actions_of(outcome), "back at the question"
    assert (await people.press(USER, "1:h:make")).notice, "a make button without advice expires"


async def test_the_advice_offers_the_handout_and_telegram_gets_a_document_with_caption(
    api: FakeBotAPI,
    bot: Any,  # noqa: F811
) -> None:
    await start(api)
    advice = await send(api, "/advies")
    assert "1:h:start" in callback_datas(advice)
    await press(api, advice, "1:h:start")
    document = await api.wait_for(
        lambda a: next((m for m in a.sent_to(4242) if m.kind == "document"), None)
    )
    assert document.file is not None and document.file.data.startswith(b"%PDF")
    assert "Uw samenvatting" in (document.plain_caption or "")
    assert document.message_id == api.sent_to(4242)[-1].message_id, "no separate message"


async def test_the_choice_offers_the_latest_reflections_in_one_short_message(
    people: People, knowledge: Knowledge
) -> None:
    await advised(people)
    dilemma = Engine(knowledge).advise(ANSWERS).top()[0].dilemma.id
    for n in range(CHOICES + 4):
        await note(people, dilemma, f"Gedachte {n}: " + "woord " * 300)
    choice = await people.send(USER, "/samenvatting")
    (screen,) = choice.replies
    assert len(screen.plain) <= 1200
    ticks = [a for a in screen.actions if ":h:tick:" in a]
    assert len(ticks) == CHOICES
    assert f"Gedachte {CHOICES + 3}:" in screen.plain and "Gedachte 0:" not in screen.plain


async def test_the_terminal_chat_writes_the_pdf_and_prints_its_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    async with console(tmp_path, "board") as chat:
        for line in ["/start", "1", "Meer dan 65", "/advies", "/samenvatting"]:
            await chat.said(line)
    printed = re.search(r"\[document: (.+\.pdf)\]", chat.printed)
    assert printed is not None, chat.printed[-500:]
    pages, text = read_beside(Path(printed.group(1)), tmp_path)
    assert pages == 1 and "Omvang: Meer dan 65" in text
    said = chat.printed
    assert said.index("Uw samenvatting") < said.index("[document:")


async def test_characters_the_fonts_lack_print_as_a_question_mark_and_are_not_logged(
    people: People, knowledge: Knowledge, caplog: pytest.LogCaptureFixture
) -> None:
    await advised(people)
    dilemma = Engine(knowledge).advise(ANSWERS).top()[0].dilemma.id
    await note(people, dilemma, "Overleg met Ζωή 🙂 over Łódź en Straße")
    choice = await people.send(USER, "/samenvatting")
    await people.press(USER, next(a for a in actions_of(choice) if ":h:tick:" in a))
    with caplog.at_level("DEBUG"):
        _, pdf = pdf_of(await people.press(USER, "1:h:make"))
    _, text = read(pdf)
    assert "Overleg met ??? ? over Łódź en Straße" in text
    assert not any("Ζ" in record.getMessage() for record in caplog.records)


async def test_the_readme_picture_is_one_page_with_one_ticked_reflection(
    people: People, clock: Any, knowledge: Knowledge
) -> None:
    clock.now = local(2026, 12, 4, 10).astimezone(UTC)
    answers = {
        "size": "zeer_groot",
        "subgroups": "veel",
        "bestuurlijke_subgroep": "informeel",
        "mandate": "beperkt",
        "interests": "hoog",
    }
    await people.join_bot(USER)
    for question, option in answers.items():
        await people.press(USER, f"1:{question}:{option}")
    await people.send(USER, "/advies")
    top = Engine(knowledge).advise(answers).top()
    reflection = (
        "Volgende maand met de raad van toezicht bespreken welk mandaat ik aan de netwerktafel heb."
    )
    await note(people, top[0].dilemma.id, reflection)
    choice = await people.send(USER, "/samenvatting")
    await people.press(USER, next(a for a in actions_of(choice) if ":h:tick:" in a))
    _, pdf = pdf_of(await people.press(USER, "1:h:make"))
    save_for_the_readme(pdf)
    pages, text = read(pdf)
    assert pages == 1 and reflection in text and "4 december 2026 · Netwerkwijzer" in text


async def test_a_full_handout_is_one_page_not_a_page_and_a_footer(
    people: People, knowledge: Knowledge
) -> None:
    """A reflection, a name and a change made the footer spill onto a page of its own:
    set a little tighter, it is one page."""
    answers = {
        "size": "middel",
        "subgroups": "geen",
        "mandate": "geen",
        "interests": "gemiddeld",
        "knelpunt": "netwerk_en_lokaal",
    }
    await people.join_bot(USER)
    for question, option in answers.items():
        await people.press(USER, f"1:{question}:{option}")
    await people.send(USER, "/advies")
    await people.press(USER, "1:a:edit:size")
    await people.press(USER, "1:size:zeer_groot")
    top = Engine(knowledge).advise({**answers, "size": "zeer_groot"}).top()
    await note(people, top[0].dilemma.id, "Met de RvT <b>bespreken</b> & dan besluiten.")
    choice = await people.send(USER, "/samenvatting Mw. <i>de Vries</i>")
    await people.press(USER, next(a for a in actions_of(choice) if ":h:tick:" in a))
    _, pdf = pdf_of(await people.press(USER, "1:h:make"))
    pages, text = read(pdf)
    footer = flat(Say(knowledge, "nl").label("handout_footer"))
    assert "Voor: Mw. <i>de Vries</i>" in text and "<b>bespreken</b> & dan" in text
    assert "Sinds uw eerste advies op 12 maart" in text and footer in text
    assert pages == 1
