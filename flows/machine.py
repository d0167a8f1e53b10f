"""Build one ``transitions`` machine from a :class:`FlowDefinition`; it serves every
conversation. Events are fired with :func:`fire`, which needs no ``add_model``: the model
is any object with a ``state`` attribute that can :meth:`~FlowModel.enter` the screens
the states name.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from transitions import Machine, MachineError, State

from flows.definition import FlowDefinition


class FlowModel(Protocol):
    state: str

    @property
    def editing(self) -> bool: ...

    def asks(self, question_id: str) -> bool: ...

    def enter(self, screen: str, event: object) -> None:
        """Show ``screen`` (a state's :attr:`~flows.definition.StateSpec.screen`)."""
        ...


def _entered(screen: str) -> Callable[[Any], None]:
    """The ``on_enter`` callback of a state: its model shows the state's screen."""
    return lambda event: event.model.enter(screen, event)


def _guard(name: str) -> Callable[[Any], bool]:
    """The predicate behind a named guard; it receives transitions' EventData."""
    kind, _, arg = name.partition(":")
    if kind == "editing":
        return lambda event: bool(event.model.editing)
    if kind == "asks":
        return lambda event: bool(event.model.asks(arg))
    if kind == "target":
        return lambda event: event.kwargs.get("question") == arg
    raise ValueError(f"unknown guard '{name}'")


def build_machine(definition: FlowDefinition) -> Machine:
    """The machine for ``definition``; no models are attached to it."""
    states = [State(spec.name, on_enter=[_entered(spec.screen)]) for spec in definition.states]
    transitions = []
    for edge in definition.edges:
        spec: dict[str, Any] = {
            "trigger": edge.trigger,
            "source": list(edge.source) if isinstance(edge.source, tuple) else edge.source,
            "dest": edge.dest,
        }
        if edge.guard:
            spec["conditions"] = [_guard(edge.guard)]
        if edge.unless:
            spec["unless"] = [_guard(edge.unless)]
        transitions.append(spec)
    return Machine(
        model=None,
        states=states,
        transitions=transitions,
        initial=definition.initial,
        send_event=True,
        auto_transitions=False,
    )


def can_fire(machine: Machine, trigger: str, state: str) -> bool:
    """Whether ``trigger`` has any edge leaving ``state``."""
    event = machine.events.get(trigger)
    return event is not None and state in event.transitions


def fire(machine: Machine, model: FlowModel, trigger: str, **kwargs: Any) -> bool:
    """Fire ``trigger`` for ``model``; False when no edge from its state allows it."""
    if not can_fire(machine, trigger, model.state):
        return False
    try:
        return bool(machine.events[trigger].trigger(model, **kwargs))
    except MachineError:
        return False
