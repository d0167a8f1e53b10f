"""Printable A4 documents (the advice handout, a poster): fpdf2 with DejaVu fonts.

The fonts are matplotlib's own copies of DejaVu Sans (a dependency already), so every
machine that runs the bot has them and nothing depends on the system's fonts; DejaVu
covers Dutch and English and the symbols the texts use (ë, é, ↔, •, →, …).

Reading a whole DejaVu font costs about 50 ms per style and per document. Each process
therefore trims the three styles once to the scripts the texts use (Latin, punctuation,
arrows) and keeps the trimmed files in a cache folder named after the originals; a
document then loads them in a few milliseconds. fpdf2 and fontTools are imported only
when a document is made: they cost start-up time the bot does not need.

A :class:`Printer` writes styled spans (:class:`flows.replies.Span`) as flowing text, so
nothing a user typed is ever read as markup.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import tempfile
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from flows.replies import Span

if TYPE_CHECKING:
    from fpdf import FPDF

FAMILY = "DejaVu"
STYLES = {"": "DejaVuSans.ttf", "B": "DejaVuSans-Bold.ttf", "I": "DejaVuSans-Oblique.ttf"}
"""fpdf2's style letters and matplotlib's file for each."""
_STYLE_OF = {"plain": "", "bold": "B", "italic": "I"}
KEPT_CODEPOINTS = (
    *range(0x20, 0x180),  # Basic Latin, Latin-1, Latin Extended-A
    *range(0x2000, 0x2070),  # General Punctuation: dashes, quotes, bullet, ellipsis
    *range(0x2190, 0x2200),  # Arrows: ↔ →
    0x20AC,  # €
)
TRIM_VERSION = "3"
"""Part of the cache folder's name: raise it when :func:`_trim` changes."""
_KEPT = frozenset(KEPT_CODEPOINTS)
MISSING = "?"
"""What stands for a character the trimmed fonts lack (an emoji, Greek, Cyrillic in a
user's own text): shown, not dropped, and never logged by fpdf2 (logs hold no texts)."""
INK = (20, 20, 20)
MUTED = (90, 90, 90)
"""Text colours: near-black, and a grey that still prints clearly in black and white."""

_lock = threading.Lock()


def mpl_font_dir() -> Path:
    """matplotlib's folder of TrueType fonts, found without importing matplotlib."""
    spec = importlib.util.find_spec("matplotlib")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("matplotlib is not installed: it provides the PDF fonts")
    return Path(next(iter(spec.submodule_search_locations))) / "mpl-data" / "fonts" / "ttf"


def _cache_dir(sources: Iterable[Path]) -> Path:
    """A folder named after the original fonts (path, size, time): a new matplotlib gets
    new trimmed files."""
    digest = hashlib.sha256()
    for path in sources:
        stat = path.stat()
        digest.update(f"{path}:{stat.st_size}:{stat.st_mtime_ns}".encode())
    digest.update(TRIM_VERSION.encode())
    return Path(tempfile.gettempdir()) / f"netwerkwijzer-fonts-{digest.hexdigest()[:16]}"


def _trim(source: Path, target: Path) -> None:
    """Write ``source`` cut down to :data:`KEPT_CODEPOINTS` to ``target`` (atomically:
    another process may be reading or writing the same file)."""
    import logging

    from fontTools import subset
    from fontTools.ttLib import TTFont

    logging.getLogger("fontTools.subset").setLevel(logging.ERROR)
    font = TTFont(source)
    options = subset.Options()
    options.notdef_outline = True
    options.glyph_names = False
    # Paper needs no hinting, and fpdf2 lays out without shaping: dropping both makes
    # the per-document subsetting (at output) several times faster.
    options.hinting = False
    options.layout_features = []
    options.drop_tables += ["FFTM", "GPOS", "GSUB", "GDEF", "kern"]
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=KEPT_CODEPOINTS)
    subsetter.subset(font)
    fd, partial = tempfile.mkstemp(dir=target.parent, suffix=".part")
    os.close(fd)
    try:
        font.save(partial)
        os.replace(partial, target)
    finally:
        if os.path.exists(partial):
            os.unlink(partial)


def font_files() -> dict[str, Path]:
    """fpdf2 style letter → the trimmed DejaVu file (made on first use in this machine)."""
    originals = {style: mpl_font_dir() / name for style, name in STYLES.items()}
    folder = _cache_dir(originals.values())
    files = {style: folder / path.name for style, path in originals.items()}
    with _lock:
        if not all(path.exists() for path in files.values()):
            folder.mkdir(parents=True, exist_ok=True)
            for style, path in files.items():
                if not path.exists():
                    _trim(originals[style], path)
    return files


def printable(text: str) -> str:
    """``text`` with every character the fonts lack as :data:`MISSING`."""
    if all(ord(c) in _KEPT or c == "\n" for c in text):
        return text
    return "".join(c if ord(c) in _KEPT or c == "\n" else MISSING for c in text)


@dataclass(frozen=True, slots=True)
class Metadata:
    """What the PDF says about itself: title, language and when it was made; a subject
    and keywords when given."""

    title: str
    lang: str
    created: datetime
    subject: str = ""
    keywords: str = ""


class Printer:
    """An A4 document written top to bottom: headings, paragraphs, bullets, rules, images."""

    BODY = 9.5
    LEADING = 4.4
    """Body text size (pt) and line height (mm): calm, and one page for a full advice."""
    COMPACT = (9.0, 4.0)
    """Body size and line height of a ``compact`` document: a little tighter, for a page
    that would otherwise spill its last lines onto a second one."""

    def __init__(self, meta: Metadata, margin: float = 15.0, *, compact: bool = False) -> None:
        from fpdf import FPDF

        if compact:
            self.BODY, self.LEADING = self.COMPACT

        pdf = FPDF(orientation="portrait", unit="mm", format="A4")
        pdf.set_margins(margin, margin, margin)
        pdf.set_auto_page_break(auto=True, margin=margin)
        for style, path in font_files().items():
            pdf.add_font(FAMILY, style, path)
        pdf.set_title(meta.title)
        if meta.subject:
            pdf.set_subject(meta.subject)
        if meta.keywords:
            pdf.set_keywords(meta.keywords)
        pdf.set_lang(meta.lang)
        pdf.set_creator("Netwerkwijzer")
        pdf.set_creation_date(meta.created.astimezone(UTC))
        pdf.add_page()
        pdf.set_text_color(*INK)
        self.pdf: FPDF = pdf

    def title(self, text: str, size: float = 17.0) -> None:
        """The document's title, in bold."""
        self._font("B", size)
        self.pdf.multi_cell(
            0, size * 0.5, printable(text), align="L", new_x="LMARGIN", new_y="NEXT"
        )
        self.pdf.ln(1.5)

    def note(self, text: str) -> None:
        """A small grey line (date, version)."""
        self._font("", self.BODY - 1.5)
        self.pdf.set_text_color(*MUTED)
        self.pdf.multi_cell(
            0, self.LEADING - 0.7, printable(text), align="L", new_x="LMARGIN", new_y="NEXT"
        )
        self.pdf.set_text_color(*INK)

    def rule(self, gap: float = 3.0) -> None:
        """A thin horizontal line across the text width."""
        pdf = self.pdf
        pdf.ln(gap)
        pdf.set_draw_color(*MUTED)
        pdf.set_line_width(0.2)
        pdf.line(pdf.l_margin, pdf.get_y(), pdf.w - pdf.r_margin, pdf.get_y())
        pdf.ln(gap)

    def heading(self, text: str) -> None:
        """A section heading; it never stands alone at the foot of a page."""
        pdf = self.pdf
        if pdf.get_y() > pdf.h - pdf.b_margin - 4 * self.LEADING:
            pdf.add_page()
        pdf.ln(2.2)
        self._font("B", self.BODY + 2)
        pdf.multi_cell(
            0, self.LEADING + 0.8, printable(text), align="L", new_x="LMARGIN", new_y="NEXT"
        )
        pdf.ln(0.6)

    def paragraph(
        self,
        spans: Iterable[Span],
        *,
        indent: float = 0.0,
        marker: str | None = None,
        after: float = 1.2,
    ) -> None:
        """Flowing text of styled spans; ``marker`` (e.g. "•") hangs left of ``indent``."""
        pdf = self.pdf
        margin = pdf.l_margin
        hang = 4.5 if marker else 0.0
        pdf.set_left_margin(margin + indent + hang)
        pdf.set_x(margin + indent + hang)
        if marker:
            self._font("", self.BODY)
            pdf.set_x(margin + indent)
            pdf.cell(hang, self.LEADING, marker)
        for span in spans:
            self._font(_STYLE_OF[span.style], self.BODY)
            pdf.write(self.LEADING, printable(span.text))
        pdf.ln(self.LEADING + after)
        pdf.set_left_margin(margin)
        pdf.set_x(margin)

    def image(self, png: bytes, width: float, align: Literal["L", "C"] = "C") -> None:
        """A PNG (e.g. a QR code) ``width`` mm wide, centred by default."""
        import io

        pdf = self.pdf
        x = (pdf.w - width) / 2 if align == "C" else pdf.l_margin
        pdf.image(io.BytesIO(png), x=x, w=width)
        pdf.ln(2)

    @property
    def pages(self) -> int:
        return int(self.pdf.page_no())

    @property
    def spill(self) -> float:
        """How far (mm) the text runs on past the first page: 0 for one page."""
        pdf = self.pdf
        usable = pdf.h - pdf.t_margin - pdf.b_margin
        return 0.0 if self.pages == 1 else (self.pages - 2) * usable + pdf.get_y() - pdf.t_margin

    @property
    def compact_gain(self) -> float:
        """About how much (mm) a ``compact`` setting saves on a full page."""
        pdf = self.pdf
        return (pdf.h - pdf.t_margin - pdf.b_margin) * (1 - self.COMPACT[1] / Printer.LEADING)

    def output(self) -> bytes:
        """The finished PDF."""
        return bytes(self.pdf.output())

    def discard(self) -> None:
        """Close the font files of a document that is not output (output closes them)."""
        for font in self.pdf.fonts.values():
            close = getattr(font, "close", None)
            if callable(close):
                close()

    def _font(self, style: str, size: float) -> None:
        self.pdf.set_font(FAMILY, style, size)
