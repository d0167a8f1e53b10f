"""What the dashboard's pages are made of: its texts (``texts.yaml``) in the user's
language, the HTML page shells and the SVG charts, rendered with Jinja2 (autoescaping
everything, so nothing a user typed becomes markup). Jinja2 is imported on the first
page, not when the bot starts.
"""

from __future__ import annotations

import functools
import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from knowledge.model import LANGUAGES

if TYPE_CHECKING:
    from jinja2 import Environment

HERE = Path(__file__).resolve().parent
STATIC_DIR = HERE / "static"
TEMPLATES_DIR = HERE / "templates"
TEXTS_FILE = HERE / "texts.yaml"
LABEL_WIDTH = 38
"""Dilemma titles on a chart wrap at this many characters."""


@functools.lru_cache(maxsize=1)
def all_texts() -> dict[str, dict[str, str]]:
    """Every text by key, then language."""
    loaded = yaml.safe_load(TEXTS_FILE.read_text(encoding="utf-8"))
    return {str(key): {str(k): str(v) for k, v in value.items()} for key, value in loaded.items()}


@functools.lru_cache(maxsize=len(LANGUAGES))
def texts(lang: str) -> dict[str, str]:
    """The texts in ``lang`` (Dutch where a text has no such language)."""
    lang = lang if lang in LANGUAGES else LANGUAGES[0]
    return {key: value.get(lang) or value[LANGUAGES[0]] for key, value in all_texts().items()}


def language_of(accept_language: str | None) -> str:
    """The page language for a browser's Accept-Language header: English when it prefers
    English to Dutch, else Dutch."""
    for part in (accept_language or "").split(","):
        code = part.split(";")[0].strip().lower()
        if code.startswith("nl"):
            return "nl"
        if code.startswith("en"):
            return "en"
    return LANGUAGES[0]


@functools.lru_cache(maxsize=1)
def environment() -> Environment:
    import jinja2  # the first page pays for it, not the bot's start

    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render(template: str, **values: Any) -> str:
    return environment().get_template(template).render(**values)


@dataclass(frozen=True, slots=True)
class Bar:
    label: tuple[str, ...]
    count: int


def chart_svg(title: str, bars: Sequence[Bar], empty: str) -> str:
    """A horizontal bar chart: one bar per dilemma, most recognised on top, with its
    count; ``empty`` is shown instead when every count is 0."""
    most = max((bar.count for bar in bars), default=0)
    rows = []
    y = 40
    for bar in bars:
        height = 16 * len(bar.label) + 8
        rows.append(
            {"y": y, "height": height, "bar": bar, "width": bar.count / most if most else 0}
        )
        y += height + 6
    return render(
        "chart.svg",
        title=title,
        rows=rows if most else [],
        empty=empty if not most else "",
        height=y + 10 if most else 80,
    )


def wrapped(text: str) -> tuple[str, ...]:
    return tuple(textwrap.wrap(text, LABEL_WIDTH)) or ("",)


def fill(template: str, values: Mapping[str, object]) -> str:
    """A text with its ``{placeholders}`` filled (the values are escaped when rendered)."""
    return template.format_map(dict(values))
