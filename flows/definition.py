"""The advisor conversation declared as data: states, and edges between them.

The intake part is generated from the intake questions of the knowledge base (one state
per question, conditional questions guarded by their ``ask_if``); the advice part is
fixed. :mod:`flows.machine` turns this into one ``transitions`` machine and
:mod:`flows.diagrams` draws it.

Guards are named, so diagrams can show them: ``asks:<question>`` (its ``ask_if`` holds),
``target:<question>`` (the edit asks for that question), ``editing`` (an answer is being
changed from the advice) and ``first`` (no earlier question applies). A detour (creating a
cohort, answering a nudge) resumes at the question the user was at (``target:<question>``)
or at the advice.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

FLOW_VERSION = 1
"""Raise when states or action ids change: buttons of older versions then expire."""

NEW = "new"
CONSENT = "consent"
DECLINED = "declined"
ADVICE = "advice"
DETAIL = "detail"
WHY = "why"
MORE = "more"
PROFILE = "profile"
NOTE = "note"
GATE_STATES: tuple[str, ...] = (NEW, CONSENT, DECLINED)
"""Before consent (or declined): the conversation waits at the gate."""
ADVICE_PHASE: tuple[str, ...] = (ADVICE, DETAIL, WHY, MORE, PROFILE, NOTE)
COHORT_NAME = "cohort_name"
COHORT_WHEN = "cohort_when"
COHORT_PLAN = "cohort_plan"
COHORT_ZONE = "cohort_zone"
COHORT_CONFIRM = "cohort_confirm"
COHORT_STATES: tuple[str, ...] = (
    COHORT_NAME,
    COHORT_WHEN,
    COHORT_PLAN,
    COHORT_ZONE,
    COHORT_CONFIRM,
)
"""A coordinator creating a cohort: name, workshop date and time, plan, time zone."""
REPLY = "reply"
"""A member answering a nudge or broadcast prompt."""
BC_TEXT = "broadcast_text"
BC_AUDIENCE = "broadcast_audience"
BC_DILEMMA = "broadcast_dilemma"
BC_PREVIEW = "broadcast_preview"
BROADCAST_STATES: tuple[str, ...] = (BC_TEXT, BC_AUDIENCE, BC_DILEMMA, BC_PREVIEW)
"""A coordinator composing a broadcast: text, audience (and dilemma filter), preview."""
SIDE_STATES: tuple[str, ...] = (*COHORT_STATES, *BROADCAST_STATES, REPLY)
"""Short detours from anywhere after consent; they resume where the user was."""
ADVICE_TAG = "a"
"""Action ids of the advice phase carry this tag and stay valid in the whole phase."""
BROWSE_TAG = "b"
"""Browsing (dilemmas by level, language) changes no state, so it is valid anywhere."""
PRIVACY_TAG = "p"
"""Consent, export, erasure and reflections: valid anywhere (they check what they need)."""
COHORT_TAG = "c"
"""Coordinator actions (cohorts, appointments): valid anywhere after consent, for the role."""
NUDGE_TAG = "n"
"""Buttons on nudges and the nudge settings: valid anywhere after consent."""
TIMELINE_TAG = "t"
"""The timeline and the re-check: valid anywhere after consent."""
HANDOUT_TAG = "h"
"""The handout (PDF of the advice): valid anywhere after consent, once there is advice."""


def question_state(question_id: str) -> str:
    """The state that asks one intake question."""
    return f"q_{question_id}"


@dataclass(frozen=True, slots=True)
class Edge:
    trigger: str
    source: str | tuple[str, ...]
    dest: str | None
    guard: str | None = None
    unless: str | None = None


@dataclass(frozen=True, slots=True)
class StateSpec:
    name: str
    screen: str
    """The screen shown on entering the state (registered by its feature, see
    :class:`flows.feature.Registry`)."""


@dataclass(frozen=True)
class FlowDefinition:
    version: int
    initial: str
    states: tuple[StateSpec, ...]
    edges: tuple[Edge, ...]
    questions: tuple[str, ...]


def advisor_flow(question_ids: Sequence[str]) -> FlowDefinition:
    """The whole advisor conversation for an intake with these questions, in order."""
    qs = [question_state(q) for q in question_ids]
    states = [
        StateSpec(NEW, "show_welcome"),
        StateSpec(CONSENT, "show_consent"),
        StateSpec(DECLINED, "show_declined"),
    ]
    states += [StateSpec(q, "show_question") for q in qs]
    states += [
        StateSpec(ADVICE, "show_advice"),
        StateSpec(DETAIL, "show_detail"),
        StateSpec(WHY, "show_why"),
        StateSpec(MORE, "show_more"),
        StateSpec(PROFILE, "show_profile"),
        StateSpec(NOTE, "show_note_prompt"),
        StateSpec(COHORT_NAME, "show_cohort_name"),
        StateSpec(COHORT_WHEN, "show_cohort_when"),
        StateSpec(COHORT_PLAN, "show_cohort_plan"),
        StateSpec(COHORT_ZONE, "show_cohort_zone"),
        StateSpec(COHORT_CONFIRM, "show_cohort_confirm"),
        StateSpec(BC_TEXT, "show_broadcast_text"),
        StateSpec(BC_AUDIENCE, "show_broadcast_audience"),
        StateSpec(BC_DILEMMA, "show_broadcast_dilemma"),
        StateSpec(BC_PREVIEW, "show_broadcast_preview"),
        StateSpec(REPLY, "show_reply_prompt"),
    ]
    edges: list[Edge] = []
    first = qs[0] if qs else ADVICE
    edges.append(Edge("begin", (NEW, DECLINED), CONSENT))
    edges.append(Edge("agree", CONSENT, first))
    edges.append(Edge("decline", CONSENT, DECLINED))
    for i, source in enumerate(qs):
        for trigger in ("answer", "skip"):
            edges.append(Edge(trigger, source, ADVICE, guard="editing"))
            edges += [
                Edge(trigger, source, qs[j], guard=f"asks:{question_ids[j]}")
                for j in range(i + 1, len(qs))
            ]
            edges.append(Edge(trigger, source, ADVICE))
        edges.append(Edge("back", source, ADVICE, guard="editing"))
        edges += [
            Edge("back", source, qs[j], guard=f"asks:{question_ids[j]}")
            for j in range(i - 1, -1, -1)
        ]
        edges.append(Edge("back", source, source))
    consented = (*qs, *ADVICE_PHASE, *SIDE_STATES)
    edges += [
        Edge("new_cohort", consented, COHORT_NAME),
        Edge("redate_cohort", consented, COHORT_WHEN),
        Edge("cohort_next", COHORT_NAME, COHORT_WHEN),
        Edge("cohort_next", COHORT_WHEN, COHORT_PLAN),
        Edge("cohort_next", (COHORT_PLAN, COHORT_ZONE), COHORT_CONFIRM),
        Edge("cohort_zone", COHORT_CONFIRM, COHORT_ZONE),
        Edge("reply", consented, REPLY),
        Edge("new_broadcast", consented, BC_TEXT),
        Edge("bc_next", BC_TEXT, BC_AUDIENCE),
        Edge("bc_next", BC_AUDIENCE, BC_PREVIEW),
        Edge("bc_next", BC_DILEMMA, BC_AUDIENCE),
        Edge("bc_dilemma", BC_AUDIENCE, BC_DILEMMA),
        Edge("bc_audience", BC_PREVIEW, BC_AUDIENCE),
    ]
    edges += [
        Edge("resume", SIDE_STATES, question_state(q), guard=f"target:{q}") for q in question_ids
    ]
    edges.append(Edge("resume", SIDE_STATES, ADVICE))
    edges += [
        Edge("ask_consent", consented, CONSENT),
        Edge("restart", consented, first),
        Edge("advice", consented, ADVICE),
        Edge("show", ADVICE_PHASE, DETAIL),
        Edge("why", ADVICE_PHASE, WHY),
        Edge("more", ADVICE_PHASE, MORE),
        Edge("note", ADVICE_PHASE, NOTE),
        Edge("done", NOTE, DETAIL),
        Edge("remind", ADVICE_PHASE, None),
    ]
    edges += [
        Edge("edit", ADVICE_PHASE, question_state(q), guard=f"target:{q}") for q in question_ids
    ]
    edges.append(Edge("edit", ADVICE_PHASE, PROFILE))
    return FlowDefinition(
        version=FLOW_VERSION,
        initial=NEW,
        states=tuple(states),
        edges=tuple(edges),
        questions=tuple(question_ids),
    )
