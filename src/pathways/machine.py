"""Compiles a pathway into the one ``transitions.Machine`` that an :class:`Engine` runs.

States are step ids, triggers are events, conditions are the parsed guards and the ``by``
roles. The machine has no models: the engine binds one :class:`_Binding` to it while an event
fires (see :mod:`pathways.engine`), and the callables here read and write that binding.
A ``kind: referral`` transition also gets a decline trigger (``_DECLINE`` + its index) from its
target back to its ``on_reject`` step (or its source).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from transitions import Machine

from pathways._runtime import _EMPTY
from pathways.errors import CaseError, NotAuthorized
from pathways.guards import Expr, GuardError, evaluate, parse_guard
from pathways.model import Pathway, Transition

__all__ = ["CompiledMachine", "compile_machine"]

_STEP_ATTR: Final = "pathways_step"  # the binding's state attribute ("state" could be an event)
_DECLINE: Final = "pathways:decline:"  # machine trigger of a declined referral, + its index


@dataclass(frozen=True, slots=True)
class _Edge:
    index: int
    transition: Transition
    guard: Expr | None
    by: frozenset[str]


# ------------------------------------------------------------------- machine-side callables


class _Binding:
    """The one lightweight model the machine moves while an event fires (under the lock)."""

    __slots__ = ("chosen", "data", "guard_problem", "pathways_step", "role")

    def __init__(self) -> None:
        self.pathways_step = ""
        self.data: Mapping[str, Any] = _EMPTY
        self.role = ""
        self.chosen = -1
        self.guard_problem = ""


class _GuardCheck:
    """Condition: the transition's guard holds for the bound data."""

    __slots__ = ("expr",)

    def __init__(self, expr: Expr) -> None:
        self.expr = expr

    def __call__(self, event: Any) -> bool:
        binding: _Binding = event.model
        try:
            return evaluate(self.expr, binding.data)
        except GuardError as exc:  # a field the guard needs has no value yet
            binding.guard_problem = str(exc)
            return False


class _RoleCheck:
    """Condition: the bound role may fire the transition chosen by its guard."""

    __slots__ = ("edge",)

    def __init__(self, edge: _Edge) -> None:
        self.edge = edge

    def __call__(self, event: Any) -> bool:
        role = event.model.role
        if role in self.edge.by:
            return True
        t = self.edge.transition
        raise NotAuthorized(
            f"role {role!r} may not fire {t.event!r} from {t.source!r} to {t.to!r}; "
            f"allowed: {', '.join(sorted(self.edge.by)) or 'no role'}",
            event=t.event,
            role=role,
        )


class _Choose:
    """``before`` callback: remembers which transition the machine took."""

    __slots__ = ("index",)

    def __init__(self, index: int) -> None:
        self.index = index

    def __call__(self, event: Any) -> None:
        event.model.chosen = self.index


# --------------------------------------------------------------------------------- compiling


@dataclass(frozen=True, slots=True)
class CompiledMachine:
    """A pathway compiled for the engine: the machine and the tables the engine checks first.

    ``exits`` maps (step, event) to its transitions in file order; ``events`` lists the events
    leaving each step; ``allowed`` is the union of the roles that may fire (step, event);
    ``answerers`` the roles that may answer a referral to a step; ``succ`` the steps one
    transition or a declined referral leads to.
    """

    machine: Machine
    edges: list[_Edge]
    exits: dict[tuple[str, str], list[_Edge]]
    events: dict[str, list[str]]
    allowed: dict[tuple[str, str], frozenset[str]]
    answerers: dict[str, frozenset[str]]
    succ: dict[str, set[str]]


def compile_machine(pathway: Pathway) -> CompiledMachine:
    """Compile ``pathway`` into one model-less ``transitions.Machine`` and its lookup tables.

    Raises
    ------
    CaseError
        A transition names an unknown step, or a guard does not parse.
    """
    p = pathway
    steps = p.steps_by_id
    exits: dict[tuple[str, str], list[_Edge]] = {}
    events: dict[str, list[str]] = {}
    edges: list[_Edge] = []
    succ: dict[str, set[str]] = {s.id: set() for s in p.steps}
    config: list[dict[str, Any]] = []
    for i, t in enumerate(p.transitions):
        for end in (t.source, t.to, t.on_reject):
            if end is not None and end not in steps:
                raise CaseError(
                    f"{p.file}: transition {i} ({t.source!r} -> {t.to!r}) names unknown step "
                    f"{end!r}; run `pathways validate` on the file"
                )
        try:
            guard = parse_guard(t.when) if t.when else None
        except GuardError as exc:
            raise CaseError(
                f"{p.file}: transition {i} ({t.source!r} -> {t.to!r}): guard {t.when!r} "
                f"does not parse: {exc}; run `pathways validate` on the file"
            ) from None
        edge = _Edge(i, t, guard, frozenset(t.by or ()))
        edges.append(edge)
        exits.setdefault((t.source, t.event), []).append(edge)
        step_events = events.setdefault(t.source, [])
        if t.event not in step_events:
            step_events.append(t.event)
        succ[t.source].add(t.to)
        conditions: list[Any] = [] if guard is None else [_GuardCheck(guard)]
        conditions.append(_RoleCheck(edge))
        config.append(
            {
                "trigger": t.event,
                "source": t.source,
                "dest": t.to,
                "conditions": conditions,
                "before": [_Choose(i)],
            }
        )
        if t.kind == "referral":
            back = t.on_reject or t.source
            succ[t.to].add(back)
            config.append(
                {
                    "trigger": f"{_DECLINE}{i}",
                    "source": t.to,
                    "dest": back,
                    "before": [_Choose(i)],
                }
            )
    # Roles that may fire (step, event) at all: checked before any guard is evaluated.
    allowed = {key: frozenset().union(*(e.by for e in es)) for key, es in exits.items()}
    # The engine checks the union of roles before firing; a transition's own role check is
    # needed only when transitions sharing its step and event differ in `by`.
    for item in config:
        if "conditions" in item:
            item["conditions"] = [
                c
                for c in item["conditions"]
                if not isinstance(c, _RoleCheck)
                or c.edge.by != allowed[(item["source"], item["trigger"])]
            ]
    answerers: dict[str, frozenset[str]] = {}
    for s in p.steps:
        roles = {s.role} if s.role else set()
        for event in events.get(s.id, ()):
            roles |= allowed[(s.id, event)]
        answerers[s.id] = frozenset(roles)
    machine = Machine(
        model=None,
        states=[s.id for s in p.steps],
        initial=None,
        transitions=config,
        auto_transitions=False,
        send_event=True,
        ignore_invalid_triggers=False,
        model_attribute=_STEP_ATTR,
        name=p.id,
    )
    return CompiledMachine(machine, edges, exits, events, allowed, answerers, succ)
