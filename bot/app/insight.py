"""A coordinator's insight into their cohorts: the anonymous figures of
:mod:`storage.insight` as a text, a bar chart of the dilemmas their members recognise,
and a CSV file for a spreadsheet.

A group with fewer than ``k`` members shows nothing but its name and "too few
participants" — not even its size; a group withheld because it differs by fewer than
``k`` people from another shown one (:mod:`storage.anonymity`) says that instead. A
figure withheld within a shown group (:mod:`storage.withholding`) is "–" in the text and
an empty cell in the CSV.
Every text comes from the message catalogue; the chart is drawn with matplotlib's Agg
canvas, imported only when a chart is drawn (it takes a noticeable part of a second),
without pyplot and its global state.
"""

from __future__ import annotations

import csv
import io
import textwrap
from collections.abc import Collection, Mapping, Sequence

from flows.replies import Attachment, Reply, Span, join
from flows.screens import Say
from storage.audiences import TOO_CLOSE, TOO_FEW, UNCHECKED
from storage.insight import ACTIVE_DAYS, GroupFigures
from storage.withholding import ACTIVE, BROADCASTS_ANSWERED, NUDGES_ANSWERED

TEXT_LIMIT = 4096
"""Telegram's limit on one message: the figures are spread over replies below it."""
TOP_DILEMMAS = 3
"""The most recognised dilemmas listed per group in the text (the chart and the CSV
have them all)."""
TITLE_WIDTH = 34
"""Dilemma titles on the chart's axis wrap at this many characters."""
BAR_COLOUR = "#2f6f8f"
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
"""A spreadsheet reads a cell starting with one of these as a formula."""


def insight_replies(say: Say, groups: Sequence[GroupFigures], k: int) -> list[Reply]:
    """The figures as text (one or more replies, each under :data:`TEXT_LIMIT`), a bar
    chart of the combined group's dilemmas (when it is shown and anyone got advice) and a
    CSV document. ``groups`` as :meth:`storage.insight.InsightStore.figures` returns them."""
    cohorts, combined, total = _split(groups, k)
    if not cohorts:
        return [Reply(tuple(say("insight_none")), meta={"screen": "insight"})]
    shown = [g for g in cohorts if is_shown(g, k)]
    parts = [say("insight_intro", k=k)]
    parts += [_group_text(say, g) if is_shown(g, k) else _hidden_text(say, g, k) for g in cohorts]
    if total is not None:
        parts.append(_group_text(say, total))
    elif len(shown) > 1:
        parts.append(say("insight_all_hidden"))
    replies = [
        Reply(tuple(chunk), meta={"screen": "insight"}) for chunk in _packed(parts, TEXT_LIMIT)
    ]
    if combined is not None and (chart := _chart(say, combined)) is not None:
        replies.append(
            Reply(
                tuple(say("insight_chart_caption", members=combined.members)),
                attachment=Attachment("photo", "inzicht.png", chart),
                meta={"screen": "insight_chart"},
            )
        )
    replies.append(
        Reply(
            tuple(say("insight_csv_caption")),
            attachment=Attachment("document", "inzicht.csv", _csv(say, cohorts, total, k)),
            meta={"screen": "insight_csv"},
        )
    )
    return replies


def _split(
    groups: Sequence[GroupFigures], k: int
) -> tuple[list[GroupFigures], GroupFigures | None, GroupFigures | None]:
    """The cohorts, the combined group when shown, and it again as a total row when more
    than one cohort is shown (with one, the combined group is that cohort again)."""
    cohorts = [g for g in groups if g.cohort_id is not None]
    combined = next((g for g in groups if g.cohort_id is None and is_shown(g, k)), None)
    shown = [g for g in cohorts if is_shown(g, k)]
    return cohorts, combined, combined if len(shown) > 1 else None


def insight_csv(say: Say, groups: Sequence[GroupFigures], k: int) -> bytes:
    """The CSV document of :func:`insight_replies` (for the dashboard's download)."""
    cohorts, _, total = _split(groups, k)
    return _csv(say, cohorts, total, k)


# -- text ---------------------------------------------------------------------------


def _name(say: Say, group: GroupFigures) -> str:
    return group.name if group.cohort_id is not None else say.label("insight_all")


def dilemma_title(say: Say, dilemma_id: str) -> str:
    """A dilemma's title in the user's language (its id, if it left the knowledge base)."""
    dilemma = say.knowledge.dilemma(dilemma_id)
    return say.plain(dilemma.title) if dilemma is not None else dilemma_id


def ranked_dilemmas(
    say: Say, counts: Mapping[str, int], withheld: Collection[str] = ()
) -> list[tuple[str, int]]:
    """Every dilemma of the knowledge base, then any other counted id, with its count:
    most recognised first, ties in knowledge-base order. ``withheld`` ones are left out
    (their count is not shown, and 0 would be a false one)."""
    ids = [d.id for d in say.knowledge.dilemmas if d.id not in withheld]
    ids += sorted(set(counts) - set(ids) - set(withheld))
    order = sorted(range(len(ids)), key=lambda i: (-counts.get(ids[i], 0), i))
    return [(ids[i], counts.get(ids[i], 0)) for i in order]


def _figure(say: Say, group: GroupFigures, name: str) -> str:
    """A figure as text, or the catalogue's mark for one withheld."""
    value = group.figure(name)
    return say.label("insight_figure_withheld") if value is None else str(value)


def _group_text(say: Say, group: GroupFigures) -> list[Span]:
    lines = [
        say(
            "insight_group",
            name=_name(say, group),
            members=group.members,
            active=_figure(say, group, ACTIVE),
            days=ACTIVE_DAYS,
            nudges_sent=group.nudges_sent,
            nudges_answered=_figure(say, group, NUDGES_ANSWERED),
            broadcasts_sent=group.broadcasts_sent,
            broadcasts_answered=_figure(say, group, BROADCASTS_ANSWERED),
        )
    ]
    if group.withheld_figures:
        lines.append(say("insight_figures_withheld"))
    shown = group.shown_dilemmas()
    top = [(d, n) for d, n in ranked_dilemmas(say, shown) if n > 0][:TOP_DILEMMAS]
    if top:
        lines.append(say("insight_recognised"))
        lines += [say("insight_dilemma", title=dilemma_title(say, d), count=n) for d, n in top]
        if group.withheld_dilemmas:
            lines.append(say("insight_dilemmas_withheld"))
    elif group.withheld_dilemmas:
        lines.append(say("insight_dilemmas_all_withheld"))
    else:
        lines.append(say("insight_no_advice"))
    return join(lines)


def is_shown(group: GroupFigures, k: int) -> bool:
    """Whether a group's figures are shown: the store let them through, and it is big
    enough (a group built by hand, as in tests, is judged by its size alone)."""
    return group.shown and group.members >= k


def _why_hidden(group: GroupFigures, k: int) -> str:
    """Why a group is not shown: too few members, too close to another cohort (almost
    the same people), or an overlap too intricate to check."""
    if group.members < k:
        return TOO_FEW
    return UNCHECKED if group.hidden == UNCHECKED else TOO_CLOSE


_HIDDEN_TEXT = {
    TOO_FEW: "insight_group_hidden",
    TOO_CLOSE: "insight_group_overlap",
    UNCHECKED: "insight_group_unchecked",
}


def _hidden_text(say: Say, group: GroupFigures, k: int) -> list[Span]:
    return say(_HIDDEN_TEXT[_why_hidden(group, k)], name=group.name)


def _packed(parts: Sequence[list[Span]], limit: int) -> list[list[Span]]:
    """The parts, a blank line apart, in as few chunks of at most ``limit`` characters
    as keep each part whole (each part is far shorter than a message)."""
    chunks: list[list[Span]] = []
    for part in parts:
        if chunks and _length(chunks[-1]) + 2 + _length(part) <= limit:
            chunks[-1] = join([chunks[-1], part], "\n\n")
        else:
            chunks.append(part)
    return chunks


def _length(spans: Sequence[Span]) -> int:
    return sum(len(span.text) for span in spans)


# -- chart --------------------------------------------------------------------------


def _chart(say: Say, group: GroupFigures) -> bytes | None:
    """A horizontal bar chart (PNG) of how many members recognise each dilemma; None when
    nobody got advice yet."""
    ranked = ranked_dilemmas(say, group.shown_dilemmas(), group.withheld_dilemmas)
    if not any(count for _, count in ranked):
        return None
    # Imported here: matplotlib costs start-up time, and only coordinators draw charts.
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    titles = [textwrap.fill(dilemma_title(say, d), TITLE_WIDTH) for d, _ in ranked]
    counts = [count for _, count in ranked]
    figure = Figure(figsize=(8, 1.5 + 0.55 * len(ranked)), dpi=100)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    positions = list(range(len(ranked)))
    bars = axes.barh(positions, counts, color=BAR_COLOUR)
    # parse_math=False: a "$" in a title is text, not the start of a formula.
    axes.set_yticks(positions, labels=titles, parse_math=False)
    axes.invert_yaxis()  # the most recognised on top
    axes.bar_label(bars, padding=3)
    axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    axes.set_xlim(0, max(counts) * 1.15)
    axes.set_xlabel(say.label("insight_chart_axis"), parse_math=False)
    axes.set_title(say.label("insight_chart_title", members=group.members), parse_math=False)
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", bbox_inches="tight")
    return buffer.getvalue()


# -- CSV ----------------------------------------------------------------------------


def _cell(text: str) -> str:
    """Text a spreadsheet shows as text, never runs as a formula."""
    return "'" + text if text.startswith(_FORMULA_START) else text


def _csv(say: Say, cohorts: Sequence[GroupFigures], total: GroupFigures | None, k: int) -> bytes:
    """A header row, then per cohort its figures and one column per dilemma (a hidden
    cohort: its name and "too few participants" only), then the combined group."""
    columns = [c.strip() for c in say.label("insight_csv_header", days=ACTIVE_DAYS).split(",")]
    shown = [g for g in (*cohorts, total) if g is not None and is_shown(g, k)]
    dilemma_ids = [d.id for d in say.knowledge.dilemmas]
    dilemma_ids += sorted({d for g in shown for d in g.shown_dilemmas()} - set(dilemma_ids))
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    # Headers a coordinator reads in a spreadsheet: the dilemmas by their titles, no ids.
    writer.writerow([*columns, *(dilemma_title(say, d) for d in dilemma_ids)])
    for group in (*cohorts, total):
        if group is None:
            continue
        name = _cell(_name(say, group))
        if not is_shown(group, k):
            writer.writerow([name, say.label(f"insight_{_why_hidden(group, k)}")])
            continue
        # A withheld figure leaves its cell empty, as a withheld count does.
        figures = (
            group.members,
            group.figure(ACTIVE),
            group.nudges_sent,
            group.figure(NUDGES_ANSWERED),
            group.broadcasts_sent,
            group.figure(BROADCASTS_ANSWERED),
        )
        shown_counts = group.shown_dilemmas()
        counts = (
            "" if d in group.withheld_dilemmas else shown_counts.get(d, 0) for d in dilemma_ids
        )
        writer.writerow([name, *figures, *counts])
    return buffer.getvalue().encode("utf-8")


__all__ = ["dilemma_title", "insight_csv", "insight_replies", "is_shown", "ranked_dilemmas"]
