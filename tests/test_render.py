"""Replies rendered for Telegram: escaped HTML, keyboards, messages split below 4096."""

from __future__ import annotations

from bot.telegram.render import TELEGRAM_LIMIT, keyboard, split_spans, to_html
from flows.replies import Button, Span, fill, parse_markup


def test_markup_is_parsed_before_values_are_filled() -> None:
    spans = fill("Hallo **{name}**, _welkom_", name="**<i>Eve</i>**")
    assert spans[1] == Span("**<i>Eve</i>**", "bold")
    assert to_html(spans) == "Hallo <b>**&lt;i&gt;Eve&lt;/i&gt;**</b>, <i>welkom</i>"


def test_filling_matches_str_format_and_keeps_unknown_placeholders() -> None:
    """The fast path for plain ``{name}`` fields says what ``str.format`` says; a format
    spec, a conversion or an index go through the formatter; an unknown name stays."""
    assert fill("{count} van {total}: {{x}} {title}", count=3, total=12, title="{total}") == [
        Span("3 van 12: {x} {total}")
    ]
    assert fill("{missing} en {count}", count=1) == [Span("{missing} en 1")]
    assert fill("{share:.0%} {name!r} {items[0]}", share=0.5, name="a", items=["b"]) == [
        Span("50% 'a' b")
    ]


def test_snake_case_is_not_italic() -> None:
    assert parse_markup("rule groot_netwerk_sturing fired") == [
        Span("rule groot_netwerk_sturing fired")
    ]


def test_long_text_is_split_at_paragraphs_below_the_limit() -> None:
    paragraph = "Dit is een alinea met tekst. " * 40
    spans = [Span("\n\n".join([paragraph] * 10)), Span(" einde", "bold")]
    chunks = split_spans(spans)
    assert len(chunks) > 1
    assert all(len("".join(s.text for s in c)) <= TELEGRAM_LIMIT for c in chunks)
    joined = "".join(s.text for c in chunks for s in c).replace("\n", "").replace(" ", "")
    assert joined == "".join(s.text for s in spans).replace("\n", "").replace(" ", "")


def test_unbroken_text_is_cut_hard() -> None:
    chunks = split_spans([Span("x" * 10_000)])
    assert [len(c[0].text) for c in chunks] == [4096, 4096, 1808]


def test_keyboard_rows() -> None:
    markup = keyboard([(Button("a", "1:q:a"), Button("b", "1:q:b")), (Button("c", "1:q:c"),)])
    assert markup is not None
    assert [[b.callback_data for b in row] for row in markup.inline_keyboard] == [
        ["1:q:a", "1:q:b"],
        ["1:q:c"],
    ]
    assert keyboard([]) is None
