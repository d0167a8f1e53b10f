"""Driving the pure flow in tests: events in, the last outcome and the state out."""

from __future__ import annotations

from flows.advisor import AdvisorFlow
from flows.events import Event, Outcome, StoredState


def run(flow: AdvisorFlow, state: StoredState, *events: Event) -> tuple[StoredState, Outcome]:
    """Handle ``events`` one after the other from ``state``: the state then, and the last
    outcome."""
    outcome = None
    for event in events:
        outcome = flow.handle(state, event)
        state = outcome.state
    assert outcome is not None
    return state, outcome


def press(action: str) -> Event:
    return Event("action", text=action)


def command(name: str) -> Event:
    return Event("command", name=name)
