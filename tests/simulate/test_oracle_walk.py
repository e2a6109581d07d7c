"""simulate() and analyze() against a Monte Carlo walk written here in plain Python.

The walk follows docs/simulation.md ("The model") and reads the Pathway object's fields only;
it shares no code with pathways.simulate (no compiled tables, no sampling helpers), so a bug
in the compiler that simulate() and analyze() share shows up as a disagreement with it.
Each estimate must lie within five standard errors of the other.
"""

from __future__ import annotations

import math
import random
from typing import Any

import pytest

import pathways as pw
from pathways.model import Pathway

from ._pathways import build, move, step

Z = 5.0
ORACLE_CASES = 6000
SIM_CASES = 20000


def _sample(duration: Any, rng: random.Random) -> float:
    """One draw of a Duration, by its documented shape."""
    if duration is None:
        return 0.0
    kind = duration.kind
    if kind == "fixed":
        return float(duration.expected)
    if kind == "triangular":
        return rng.triangular(duration.min, duration.max, duration.mode)
    if kind == "uniform":
        return rng.uniform(duration.min, duration.max)
    if kind == "exponential":
        return rng.expovariate(1.0 / duration.expected)
    raise AssertionError(f"no sampler for {kind!r}")


def oracle_walk(p: Pathway, cases: int, seed: int) -> dict[str, Any]:
    """Outcome counts, stuck count and times to outcome of ``cases`` independent cases."""
    rng = random.Random(seed)
    steps = {s.id: s for s in p.steps}
    exits: dict[str, list[Any]] = {s.id: [] for s in p.steps}
    for t in p.transitions:
        exits[t.source].append(t)
    entries = [s.id for s in p.steps if s.kind == "entry"]
    counts: dict[str, int] = {}
    stuck = 0
    times: list[float] = []
    for _ in range(cases):
        at, clock = rng.choice(entries), 0.0
        for _ in range(10_000):
            here = steps[at]
            if here.kind == "outcome":
                counts[at] = counts.get(at, 0) + 1
                times.append(clock)
                break
            clock += _sample(here.duration, rng)
            out = exits[at]
            if not out:
                stuck += 1
                break
            given = [t.probability for t in out]
            if all(q is None for q in given):
                chosen = out[0]
            else:
                known = sum(q for q in given if q is not None)
                share = max(0.0, 1.0 - known) / max(1, sum(q is None for q in given))
                weights = [share if q is None else q for q in given]
                chosen = rng.choices(out, weights=weights)[0]
            clock += _sample(chosen.delay, rng)
            at = chosen.to
            if chosen.kind == "referral" and rng.random() < (chosen.decline_probability or 0.0):
                if chosen.on_reject is None:
                    stuck += 1
                    break
                at = chosen.on_reject
        else:
            stuck += 1
    return {"outcomes": counts, "stuck": stuck, "times": times, "cases": cases}


def _mean_se(values: list[float]) -> tuple[float, float]:
    n = len(values)
    mean = sum(values) / n
    var = sum((v - mean) ** 2 for v in values) / (n - 1)
    return mean, math.sqrt(var / n)


# Small pathways with each feature the walk has: probabilities, declines with and without
# on_reject, a loop, delays, and each duration shape.
PATHWAYS = {
    "decline-to-on-reject": build(
        [
            step("in", "entry", duration="2h"),
            step("shelter", duration={"min": "1h", "max": "5h"}, role="s"),
            step("kin", duration={"mean": "6h"}),
            step("placed", "outcome"),
            step("kinship", "outcome"),
        ],
        [
            move(
                "in",
                "shelter",
                kind="referral",
                on_reject="kin",
                decline_probability=0.3,
                delay="4h",
            ),
            move("shelter", "placed"),
            move("kin", "kinship"),
        ],
    ),
    "loop-and-probabilities": build(
        [
            step("in", "entry", duration="1h"),
            step("review", duration={"min": "1h", "mode": "2h", "max": "6h"}),
            step("fix", duration={"mean": "4h"}, role="s"),
            step("done", "outcome"),
            step("dropped", "outcome"),
        ],
        [
            move("in", "review"),
            move("review", "fix", probability=0.35),
            move("review", "done", probability=0.5, delay="1d"),
            move("review", "dropped"),  # shares what the others leave: 0.15
            move("fix", "review"),
        ],
    ),
    "stuck-decline": build(
        [
            step("in", "entry", duration="2h"),
            step("a", duration="3h"),
            step("b", duration="1h", role="s"),
            step("end", "outcome"),
        ],
        [
            move("in", "a", probability=0.6),
            move("in", "b", probability=0.4, kind="referral", decline_probability=0.5),
            move("a", "end"),
            move("b", "end", kind="referral", on_reject="a", decline_probability=0.2),
        ],
    ),
}


@pytest.fixture(scope="module", params=sorted(PATHWAYS))
def case(request: pytest.FixtureRequest) -> tuple[Pathway, dict[str, Any]]:
    p = PATHWAYS[request.param]
    return p, oracle_walk(p, ORACLE_CASES, seed=7)


def test_simulate_agrees_with_the_plain_walk(case: tuple[Pathway, dict[str, Any]]) -> None:
    """Outcome shares, the stuck share and the mean time agree within 5 standard errors of
    the difference of the two estimates."""
    p, walk = case
    sim = pw.simulate(p, cases=SIM_CASES, seed=3)
    n1, n2 = walk["cases"], SIM_CASES
    for sid in [s.id for s in p.steps if s.kind == "outcome"]:
        a = walk["outcomes"].get(sid, 0) / n1
        b = sim.outcomes.get(sid, {"share": 0.0})["share"]
        q = (a * n1 + b * n2) / (n1 + n2)
        se = math.sqrt(q * (1 - q) * (1 / n1 + 1 / n2))
        assert abs(a - b) <= Z * se + 1e-12, (sid, a, b)
    a, b = walk["stuck"] / n1, sim.stuck / n2
    q = (a * n1 + b * n2) / (n1 + n2)
    assert abs(a - b) <= Z * math.sqrt(q * (1 - q) * (1 / n1 + 1 / n2)) + 1e-12
    mean, se = _mean_se(walk["times"])
    got = sim.time_to_outcome_hours["mean"]
    assert got is not None
    assert abs(got - mean) <= Z * se * math.sqrt(1 + n1 / n2), (got, mean, se)


def test_analyze_agrees_with_the_plain_walk(case: tuple[Pathway, dict[str, Any]]) -> None:
    """analyze()'s exact outcome probabilities, stuck share and mean time lie within 5
    standard errors of the walk's estimates."""
    p, walk = case
    exact = pw.analyze(p)
    n = walk["cases"]
    for sid, prob in exact.outcomes.items():
        got = walk["outcomes"].get(sid, 0) / n
        assert abs(got - prob) <= Z * math.sqrt(prob * (1 - prob) / n) + 1e-12, (sid, got)
    got = walk["stuck"] / n
    assert abs(got - exact.stuck) <= Z * math.sqrt(exact.stuck * (1 - exact.stuck) / n) + 1e-12
    mean, se = _mean_se(walk["times"])
    assert exact.time_to_outcome_hours is not None
    assert abs(exact.time_to_outcome_hours - mean) <= Z * se, (exact.time_to_outcome_hours, mean)
