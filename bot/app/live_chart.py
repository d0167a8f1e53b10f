"""The chart of a live session's summary for the facilitator (PNG): per round shown, one
bar from the dilemma's first pole to its second, split into the five places, with the
poles above it and how many said it plays strongly with them beside it.

A round with fewer than ``k`` voters is left out, as the summary's text leaves out its
spread. Drawn with matplotlib's Agg canvas, imported only when a chart is drawn (as
:mod:`bot.app.insight` does), without pyplot and its global state; the caller runs it off
the event loop.
"""

from __future__ import annotations

import io
import textwrap
from collections.abc import Sequence

from flows.screens import Say
from knowledge.model import Dilemma

Round = tuple[Dilemma | None, Sequence[int], int, int]
"""One round of the summary: its dilemma, the five counts, the voters and how many said
it plays strongly with them."""
PLACE_COLOURS = ("#2f6f8f", "#7fa9bf", "#c9c9c9", "#e0a36c", "#b85c27")
"""From the first pole (blue) through the middle (grey) to the second (orange)."""
TITLE_WIDTH = 30
POLE_WIDTH = 38


def summary_chart(say: Say, rounds: Sequence[Round], k: int) -> bytes | None:
    """The PNG, or None when no round had ``k`` voters (nothing may be shown)."""
    shown = [r for r in rounds if r[0] is not None and r[2] >= k]
    if not shown:
        return None
    # Imported here: matplotlib costs start-up time, and only a session's end draws this.
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    figure = Figure(figsize=(9, 1.6 + 1.1 * len(shown)), dpi=100)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    widest = max(voters for _, _, voters, _ in shown)
    for row, (dilemma, counts, voters, strong) in enumerate(shown):
        assert dilemma is not None
        left = 0
        for place, count in enumerate(counts):
            label = say.label("live_chart_place", place=place + 1) if row == 0 else None
            axes.barh(row, count, left=left, height=0.45, color=PLACE_COLOURS[place], label=label)
            if count:
                ink = "white" if place in (0, len(counts) - 1) else "black"
                axes.text(left + count / 2, row, str(count), ha="center", va="center", color=ink)
            left += count
        for end, align in ((0, "left"), (1, "right")):
            pole = textwrap.shorten(say.plain(dilemma.poles[end]), POLE_WIDTH, placeholder="…")
            axes.text(
                voters * end, row - 0.3, pole, ha=align, va="bottom", fontsize=8, parse_math=False
            )
        axes.text(
            voters + widest * 0.02,
            row,
            say.label("live_chart_strong", strong=strong),
            va="center",
            fontsize=9,
            parse_math=False,
        )
    titles = [textwrap.fill(say.plain(d.title), TITLE_WIDTH) for d, _, _, _ in shown if d]
    # parse_math=False: a "$" in a title is text, not the start of a formula.
    axes.set_yticks(range(len(shown)), labels=titles, parse_math=False)
    axes.set_ylim(len(shown) - 0.5, -0.8)  # the first round on top, room for its poles
    axes.set_xlim(0, widest * 1.25)
    axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    axes.set_xlabel(say.label("live_chart_axis"), parse_math=False)
    axes.legend(loc="lower right", ncols=5, fontsize=8, frameon=False, bbox_to_anchor=(1, 1))
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", bbox_inches="tight")
    return buffer.getvalue()


__all__ = ["Round", "summary_chart"]
