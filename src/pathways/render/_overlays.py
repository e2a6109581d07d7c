"""Overlay inputs: findings by step and transition, and simulate's JSON (waits, visits, flows).

The simulation is read leniently (it may come from an older or newer simulator): missing or
malformed parts are simply not drawn.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pathways.findings import Finding
    from pathways.model import Pathway

__all__ = ["findings_by", "flows", "mark", "read_simulation", "simulation_dict"]

DRAWN_SEVERITIES = ("error", "warning")


def simulation_dict(simulation: object) -> dict[str, Any]:
    to_dict = getattr(simulation, "to_dict", None)
    data = to_dict() if callable(to_dict) else simulation
    if not isinstance(data, Mapping):
        raise TypeError("simulation must be simulate's JSON object or have .to_dict()")
    return dict(data)


def _number(value: Any) -> float | None:
    if isinstance(value, Mapping):
        value = value.get("count", value.get("flow", value.get("visits")))
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _counted(sim: Mapping[str, Any], n: int) -> tuple[list[float], list[float]] | None:
    """(cases along, referrals declined) per transition, when the simulation counted them.

    Accepts simulate's list of ``{"index", "count", "declined"}`` objects, or a map from
    transition index to a count (or to such an object).
    """
    counted = sim.get("transitions")
    if isinstance(counted, Mapping):
        items = [(str(k), v) for k, v in counted.items()]
    elif isinstance(counted, list):
        items = [
            (str(v.get("index", i)) if isinstance(v, Mapping) else str(i), v)
            for i, v in enumerate(counted)
        ]
    else:
        return None
    if not items:
        return None
    flows = dict((k, _number(v) or 0.0) for k, v in items)
    declined = {k: _number(v.get("declined")) or 0.0 for k, v in items if isinstance(v, Mapping)}
    return (
        [flows.get(str(i), 0.0) for i in range(n)],
        [declined.get(str(i), 0.0) for i in range(n)],
    )


def flows(
    pathway: Pathway, sim: Mapping[str, Any], visits: Mapping[str, float]
) -> tuple[list[float], list[float] | None]:
    """Cases along each transition (and declined referrals, when counted).

    The simulation's counts when it has them; otherwise visits of the source step times the
    probability (or shared among the exits when there is none).
    """
    counted = _counted(sim, len(pathway.transitions))
    if counted is not None:
        return counted
    incoming: dict[str, int] = defaultdict(int)
    for t in pathway.transitions:
        incoming[t.to] += 1
    flows: list[float] = []
    for t in pathway.transitions:
        exits = [x for _, x in pathway.exits(t.source)]
        here = visits.get(t.source, 0.0)
        if t.probability is not None:
            flows.append(here * t.probability)
        elif len(exits) == 1:
            flows.append(here)
        elif incoming[t.to] == 1:
            flows.append(min(here, visits.get(t.to, 0.0)))
        else:
            flows.append(here / len(exits))
    return flows, None


def findings_by(
    findings: Sequence[Finding],
) -> tuple[dict[str, list[Finding]], dict[int, list[Finding]], list[Finding]]:
    steps: dict[str, list[Finding]] = defaultdict(list)
    transitions: dict[int, list[Finding]] = defaultdict(list)
    rest: list[Finding] = []
    for f in findings:
        if f.transition is not None:
            transitions[f.transition].append(f)
        elif f.step is not None:
            steps[f.step].append(f)
        else:
            rest.append(f)
    return steps, transitions, rest


def mark(found: Sequence[Finding]) -> tuple[tuple[str, ...], str | None]:
    """(codes, worst severity) of the error and warning findings; infos are not drawn."""
    drawn = [f for f in found if f.severity.value in DRAWN_SEVERITIES]
    codes = tuple(dict.fromkeys(f.code for f in drawn))
    severity = None
    if drawn:
        severity = "error" if any(f.severity.value == "error" for f in drawn) else "warning"
    return codes, severity


def read_simulation(sim: Mapping[str, Any]) -> tuple[dict[str, float], dict[str, float]]:
    """(visits by step, mean wait in hours by role) from simulate's JSON object."""
    visits: dict[str, float] = {}
    waits: dict[str, float] = {}
    steps = sim.get("steps")
    for step_id, value in steps.items() if isinstance(steps, Mapping) else ():
        count = _number(value)
        if count is not None:
            visits[str(step_id)] = count
    roles = sim.get("roles")
    for role_id, value in roles.items() if isinstance(roles, Mapping) else ():
        wait = _number(value.get("wait_hours_mean")) if isinstance(value, Mapping) else None
        if wait is not None:
            waits[str(role_id)] = wait
    return visits, waits
