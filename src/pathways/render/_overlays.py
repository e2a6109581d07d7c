"""Overlay inputs: findings by step and transition, and simulate's JSON (waits, visits, flows).

The simulation is checked once, where it comes in (:func:`simulation_dict`, with the contract of
:mod:`pathways.simulate.contract`), and read as the typed dict it then is.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from pathways.simulate.contract import SaturationJSON, SimulationJSON, read_simulation_json

if TYPE_CHECKING:
    from pathways.findings import Finding
    from pathways.model import Pathway

__all__ = [
    "findings_by",
    "flows",
    "mark",
    "read_simulation",
    "saturation_by_role",
    "simulation_dict",
]

DRAWN_SEVERITIES = ("error", "warning")


def simulation_dict(simulation: object) -> SimulationJSON:
    """The simulation to draw, checked against the contract (a SimulationError names what is
    wrong); a :class:`~pathways.simulate.SimulationResult` or its JSON object."""
    return read_simulation_json(simulation)


def _counted(sim: SimulationJSON, n: int) -> tuple[list[float], list[float]] | None:
    """(cases along, referrals declined) per transition, when the simulation counted them."""
    counted = sim.get("transitions")
    if not counted:
        return None
    flows = {t["index"]: float(t["count"]) for t in counted}
    declined = {t["index"]: float(t["declined"]) for t in counted}
    return [flows.get(i, 0.0) for i in range(n)], [declined.get(i, 0.0) for i in range(n)]


def flows(
    pathway: Pathway, sim: SimulationJSON, visits: Mapping[str, float]
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


def read_simulation(sim: SimulationJSON) -> tuple[dict[str, float], dict[str, float]]:
    """(visits by step, mean wait in hours by role) from simulate's JSON object."""
    visits = {step_id: float(value["visits"]) for step_id, value in sim["steps"].items()}
    waits = {role_id: float(value["wait_hours_mean"]) for role_id, value in sim["roles"].items()}
    return visits, waits


def saturation_by_role(sim: SimulationJSON) -> dict[str, SaturationJSON]:
    """The saturated and nearly saturated roles of a simulation, by role id (none in JSON
    written before simulate reported saturation)."""
    return {entry["role"]: entry for entry in sim.get("saturation") or ()}
