"""The live session's screens: pure functions of knowledge and values to a ``Reply``.

Buttons carry callback data ``live:<what>:<session>[:<round>[:<choice>]]``; the live
dialogue (:mod:`flows.live.dialogue`) reads them, outside the conversation, so they work
in any state of it. A participant's button names its round: one pressed after the round
moved on is answered as expired.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from flows.replies import Button, Reply, Span
from flows.screens import Say
from knowledge.model import Dilemma, Knowledge

PREFIX = "live"
POSITIONS = 5


def button_data(*parts: object) -> str:
    return ":".join((PREFIX, *(str(p) for p in parts)))


def parse(callback: str) -> tuple[str, ...] | None:
    """The parts after the prefix, or None for data that is not the live session's."""
    parts = callback.split(":")
    if len(parts) < 3 or parts[0] != PREFIX or len(callback) > 64:
        return None
    return tuple(parts[1:])


@dataclass(frozen=True, slots=True)
class RoundView:
    """What a screen shows of a session."""

    session_id: int
    round: int
    rounds: int
    dilemma: Dilemma | None
    open: bool
    ended: bool


def choose_cohort(
    say: Say, cohorts: Sequence[tuple[int, str]], knowledge: Knowledge, dilemmas: Sequence[str]
) -> Reply:
    """The facilitator's cohorts; with ``dilemmas`` (typed after ``/live``) a cohort's
    button starts the session at once, else it asks which dilemmas next."""
    if not cohorts:
        return Reply(tuple(say("live_no_cohorts")))
    every = [d.id for d in knowledge.dilemmas]
    numbers = ".".join(str(every.index(d) + 1) for d in dilemmas)
    buttons = tuple(
        (Button(name, button_data("p", cid, numbers) if numbers else button_data("c", cid)),)
        for cid, name in cohorts
    )
    return Reply(tuple(say("live_choose_cohort")), buttons)


def choose_dilemmas(say: Say, knowledge: Knowledge, cohort_id: int) -> Reply:
    rows = [
        (Button(say.plain(level.title), button_data("d", cohort_id, level.id)),)
        for level in knowledge.levels
    ]
    rows.append((Button(say.label("btn_live_all"), button_data("d", cohort_id, "all")),))
    return Reply(tuple(say("live_choose_dilemmas")), tuple(rows))


def pick(knowledge: Knowledge, choice: str) -> list[str]:
    """The dilemma ids of a level, or all of them (``all``)."""
    return [d.id for d in knowledge.dilemmas if choice in ("all", d.level)]


def pick_numbers(knowledge: Knowledge, text: str) -> list[str] | None:
    """Dilemmas by their numbers in /dilemmas order (``1 4 7``); None when one is unknown."""
    numbers = text.replace(",", " ").split()
    every = [d.id for d in knowledge.dilemmas]
    if not numbers or not all(n.isdecimal() and 1 <= int(n) <= len(every) for n in numbers):
        return None
    chosen: list[str] = []
    for n in numbers:
        if every[int(n) - 1] not in chosen:
            chosen.append(every[int(n) - 1])
    return chosen


def status(say: Say, view: RoundView, participants: int) -> list[Span]:
    if view.ended:
        return say("live_status_ended")
    if view.dilemma is None:
        return say("live_status_lobby", participants=participants)
    key = "live_status_open" if view.open else "live_status_closed"
    return say(key, round=view.round, rounds=view.rounds, title=say.plain(view.dilemma.title))


def control(
    say: Say,
    view: RoundView,
    *,
    cohort: str,
    link: str,
    join: str,
    participants: int,
    host: str | None = None,
) -> Reply:
    """The facilitator's one control message: where the session is, and what is next;
    ``host``: the facilitator's own link to the projector page with its buttons."""
    text = say(
        "live_control",
        cohort=cohort,
        dilemmas=view.rounds,
        status="".join(s.text for s in status(say, view, participants)),
        link=link,
        join=join,
    )
    if host is not None and not view.ended:
        # A blank line of its own: the loader strips a text's edges, and Telegram links
        # up to the next space, so the join link must not run into this sentence.
        text = [*text, Span("\n\n"), *say("live_control_host", host=host)]
    if view.ended:
        return Reply(tuple(text))
    sid = view.session_id
    row: list[Button] = []
    if view.open:
        row.append(Button(say.label("btn_live_close"), button_data("x", sid, view.round)))
    if view.round < view.rounds:
        first = view.round == 0
        label = say.label("btn_live_first" if first else "btn_live_next")
        row.append(Button(label, button_data("n", sid, view.round)))
    buttons = (tuple(row), (Button(say.label("btn_live_end"), button_data("e", sid)),))
    return Reply(tuple(text), buttons)


def participant(say: Say, view: RoundView, position: int | None, strong: bool) -> Reply:
    """A participant's one live screen: the lobby, the open round with its buttons, the
    closed round, or the end."""
    if view.ended:
        return Reply(tuple(say("live_ended")))
    dilemma = view.dilemma
    if dilemma is None:
        return Reply(tuple(say("live_lobby")))
    title = say.plain(dilemma.title)
    if not view.open:
        return Reply(
            tuple(say("live_round_closed", round=view.round, rounds=view.rounds, title=title))
        )
    if position is None:
        mine = say.label("live_mine_none")
    else:
        extra = say.label("live_mine_strong") if strong else ""
        mine = say.label("live_mine", place=position + 1, strong=extra)
    text = say(
        "live_round",
        round=view.round,
        rounds=view.rounds,
        title=title,
        question=say.plain(dilemma.question),
        left=say.plain(dilemma.poles[0]),
        right=say.plain(dilemma.poles[1]),
        mine=mine,
    )
    sid, rnd = view.session_id, view.round
    places = tuple(
        Button(f"[{n + 1}]" if n == position else str(n + 1), button_data("v", sid, rnd, n))
        for n in range(POSITIONS)
    )
    strong_label = say.label("btn_live_strong_on" if strong else "btn_live_strong")
    return Reply(tuple(text), (places, (Button(strong_label, button_data("s", sid, rnd)),)))


def summary(
    say: Say, cohort: str, rounds: Sequence[tuple[Dilemma | None, Sequence[int], int, int]], k: int
) -> Reply:
    """The facilitator's summary at the end: per round the spread and how many said it
    plays strongly (a round under ``k`` voters: nothing but that), and the room's top
    dilemmas. ``rounds``: (dilemma, counts, voters, strong) per round."""
    lines: list[str] = []
    ranked: list[tuple[int, str]] = []
    for dilemma, counts, voters, strong in rounds:
        title = say.plain(dilemma.title) if dilemma is not None else "?"
        if voters < k:
            lines.append(say.label("live_summary_hidden", title=title, k=k))
            continue
        # The counts between the two poles they lie between, not bare positions 1–5.
        spread = " · ".join(str(c) for c in counts)
        left, right = (say.plain(p) for p in dilemma.poles) if dilemma is not None else ("", "")
        played = (
            say.label("live_summary_strong", strong=strong)
            if strong
            else say.label("live_summary_strong_none")
        )
        lines.append(
            say.label(
                "live_summary_round",
                title=title,
                voters=voters,
                left=left,
                spread=spread,
                right=right,
                strong=played,
            )
        )
        if strong:
            ranked.append((strong, title))
    ranked.sort(key=lambda pair: -pair[0])
    top = ", ".join(title for _, title in ranked[:3]) or say.label("live_summary_no_top")
    return Reply(tuple(say("live_summary", cohort=cohort, rounds="\n".join(lines), top=top)))


def summary_csv(
    say: Say, rounds: Sequence[tuple[Dilemma | None, Sequence[int], int, int]], k: int
) -> bytes:
    """One row per round: dilemma id, voters, the five counts, strong (empty under k)."""
    out = ["dilemma,voters,1,2,3,4,5,strong"]
    for dilemma, counts, voters, strong in rounds:
        ident = dilemma.id if dilemma is not None else ""
        if voters < k:
            out.append(f"{ident},,,,,,,")
        else:
            out.append(",".join([ident, str(voters), *(str(c) for c in counts), str(strong)]))
    return ("\n".join(out) + "\n").encode("utf-8")
