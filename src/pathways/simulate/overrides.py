"""What-if overrides for a run: ``--set roles.social_worker.capacity=5`` and a scenario's
``set:`` list, applied to a pathway before it is simulated.

The parser is :mod:`pathways.load.overrides` (the loader checks each scenario's ``set:`` with
it when a file loads, so it sits beside the loader); its names are re-exported here, where the
simulator and its callers have always found them. :func:`scenario_overrides` finds a scenario's
list by name (``--scenario``).
"""

from __future__ import annotations

from pathways.errors import SimulationError
from pathways.load.overrides import (
    NamesNothing,
    apply_overrides,
    check_overrides,
    hint,
    parse_override,
)
from pathways.model import Pathway

__all__ = [
    "NamesNothing",
    "apply_overrides",
    "check_overrides",
    "parse_override",
    "scenario_overrides",
]


def scenario_overrides(pathway: Pathway, name: str) -> tuple[str, ...]:
    """The ``set:`` list of the scenario called ``name``.

    Raises
    ------
    SimulationError
        No scenario has that name (with a 'did you mean' hint).
    """
    for scenario in pathway.scenarios:
        if scenario.name == name:
            return scenario.overrides
    names = [s.name for s in pathway.scenarios]
    raise SimulationError(
        f"--scenario {name}: the pathway has no such scenario" + hint(name, names)
    )
