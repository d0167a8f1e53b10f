"""The printable A4 poster of a cohort: a heading, the cohort's name, its QR code large
enough to scan across a room, what to do, and the link written out. Drawn with
matplotlib's PDF backend (already the bot's chart library), imported on the first poster.
"""

from __future__ import annotations

import io
import textwrap
from collections.abc import Mapping

import segno

A4_INCHES = (8.27, 11.69)
TEXT_WIDTH = 60


def poster_pdf(texts: Mapping[str, str], name: str, link: str) -> bytes:
    """One A4 page as PDF bytes."""
    from matplotlib.backends.backend_pdf import FigureCanvasPdf
    from matplotlib.figure import Figure

    qr = segno.make(link, error="m")
    matrix = [[0.0 if dark else 1.0 for dark in row] for row in qr.matrix_iter(border=2)]
    figure = Figure(figsize=A4_INCHES)
    FigureCanvasPdf(figure)
    figure.text(0.5, 0.9, texts["poster_heading"], ha="center", fontsize=26, weight="bold")
    figure.text(0.5, 0.85, name, ha="center", fontsize=18, parse_math=False)
    axes = figure.add_axes((0.2, 0.36, 0.6, 0.6 * A4_INCHES[0] / A4_INCHES[1]))
    axes.imshow(matrix, cmap="gray", interpolation="nearest", vmin=0, vmax=1)
    axes.set_axis_off()
    steps = textwrap.fill(texts["poster_steps"], TEXT_WIDTH)
    figure.text(0.5, 0.27, steps, ha="center", va="top", fontsize=13, parse_math=False)
    figure.text(0.5, 0.12, link, ha="center", fontsize=12, family="monospace", parse_math=False)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="pdf")
    return buffer.getvalue()
