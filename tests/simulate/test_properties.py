"""Properties of simulate() on generated valid pathways (pathways.testing.strategies)."""

from __future__ import annotations

import json

from hypothesis import event, given, settings
from hypothesis import strategies as st

import pathways as pw
from pathways.errors import SimulationError
from pathways.simulate.overrides import apply_overrides
from pathways.testing.strategies import pathways
from tests.hyp import examples


@settings(max_examples=examples(30), deadline=None)
@given(pathways(), st.booleans(), st.integers(0, 2**16))
def test_simulate_never_raises_and_every_case_is_accounted_for(
    p: pw.Pathway, queues: bool, seed: int
) -> None:
    """Every case ends at an outcome or stuck; only steps of the pathway are visited; the same
    seed gives the same JSON; with or without queues."""
    if queues and p.roles:
        p = apply_overrides(
            p, {f"roles.{p.roles[0].id}.capacity": 1, "simulation.arrivals_per_day": 3}
        )
    try:
        r = pw.simulate(p, cases=300, seed=seed)
    except SimulationError as exc:  # e.g. a guard field the population does not draw
        event(f"SimulationError: {str(exc)[:40]}")
        return
    event("simulated")
    d = r.to_dict()
    assert sum(o["count"] for o in d["outcomes"].values()) + d["stuck"] == 300
    assert set(d["steps"]) == {s.id for s in p.steps}
    assert set(d["stuck_steps"]) <= {s.id for s in p.steps if s.kind != "outcome"}
    ends = {s.id for s in p.steps if s.kind == "outcome"}
    assert sum(d["steps"][s]["visits"] for s in ends) == sum(
        o["count"] for o in d["outcomes"].values()
    )
    for role in d["roles"].values():
        assert role["wait_hours_mean"] >= 0 and 0 <= role["utilization"] <= 1.0 + 1e-9
    assert json.dumps(pw.simulate(p, cases=300, seed=seed).to_dict()) == json.dumps(d)
