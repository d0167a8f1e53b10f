"""The printable A4 poster of a cohort: a heading, the cohort's name, its QR code large
enough to scan across a room, what to do, and the link written out. Written with the
handout's PDF module (:mod:`bot.app.pdf`: fpdf2 and the bundled DejaVu fonts), which is
imported on the first poster.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from flows.replies import Span

QR_WIDTH_MM = 130.0
HEADING_PT = 26.0
NAME_PT = 18.0


def poster_pdf(
    texts: Mapping[str, str], lang: str, name: str, link: str, qr_png: bytes, now: datetime
) -> bytes:
    """One A4 page as PDF bytes; ``qr_png`` is the QR code of ``link``."""
    from bot.app.pdf import Metadata, Printer

    printer = Printer(Metadata(f"{texts['poster_heading']} — {name}", lang, now), margin=20.0)
    printer.title(texts["poster_heading"], size=HEADING_PT)
    printer.title(name, size=NAME_PT)
    printer.rule(gap=4.0)
    printer.image(qr_png, QR_WIDTH_MM)
    printer.paragraph([Span(texts["poster_steps"])], after=4.0)
    printer.paragraph([Span(link, "bold")])
    return printer.output()
