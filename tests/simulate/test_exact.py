"""Simulation agrees with the exact absorbing-chain answers of analyze() within sampling error."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import pathways as pw
from pathways.errors import SimulationError
from pathways.model import Pathway
from pathways.simulate.compile import compile_pathway
from pathways.simulate.exact import _branches
from pathways.simulate.walk import walk
from tests.hyp import examples

from ._pathways import build, move, step

CASES = 20000
Z = 5.0  # five standard errors: a false alarm about once in 1.7 million comparisons


def visit_sd(p: Pathway) -> dict[str, float]:
    """Standard deviation of the number of visits to each step (Kemeny and Snell:
    E[V^2] = pi N (2 N_dg - I) for transient steps; outcome visits are Bernoulli)."""
    cp = compile_pathway(p)
    move_p, _ = _branches(cp)
    trans = np.flatnonzero(~cp.is_outcome)
    start = np.zeros(len(cp.step_ids))
    np.add.at(start, cp.entry_steps, cp.entry_weights)
    q = move_p[np.ix_(trans, trans)]
    n = np.linalg.inv(np.eye(trans.size) - q)
    pi = start[trans]
    mean = pi @ n
    second = pi @ (n @ (2 * np.diag(np.diag(n)) - np.eye(trans.size)))
    out = {
        cp.step_ids[s]: math.sqrt(max(second[k] - mean[k] ** 2, 0.0)) for k, s in enumerate(trans)
    }
    exact = pw.analyze(p)
    for s in np.flatnonzero(cp.is_outcome):
        v = exact.visits[cp.step_ids[s]]
        out[cp.step_ids[s]] = math.sqrt(v * (1 - v))
    return out


def assert_agrees(p: Pathway, cases: int = CASES, seed: int = 0) -> None:
    exact = pw.analyze(p)
    result = pw.simulate(p, cases=cases, seed=seed)
    for sid, prob in exact.outcomes.items():
        got = result.outcomes[sid]["share"]
        se = math.sqrt(prob * (1 - prob) / cases)
        assert abs(got - prob) <= Z * se + 1e-12, (sid, got, prob)
    sds = visit_sd(p)
    for sid, v in exact.visits.items():
        got = result.steps[sid]["visits"] / cases
        assert abs(got - v) <= Z * sds[sid] / math.sqrt(cases) + 1e-9, (sid, got, v)
    # time: the standard error comes from the simulated times themselves
    raw = walk(compile_pathway(p), cases, np.random.default_rng(seed)).times
    if exact.time_to_outcome_hours is None:
        assert raw.size == 0
        return
    se = raw.std(ddof=1) / math.sqrt(raw.size) if raw.size > 1 else 0.0
    mean = result.time_to_outcome_hours["mean"]
    assert mean is not None
    assert abs(mean - exact.time_to_outcome_hours) <= Z * se + 1e-9
    # interviews per case are the visits to interview steps, in both
    interview_steps = [s.id for s in p.steps if "interview" in s.tags]
    sim_visits = sum(result.steps[s]["visits"] for s in interview_steps)
    assert result.interviews["mean"] == pytest.approx(sim_visits / cases)
    assert exact.interviews_mean == pytest.approx(sum(exact.visits[s] for s in interview_steps))


DURATIONS = st.sampled_from(
    [
        None,
        "2h",
        {"min": "1h", "mode": "2h", "max": "8h"},
        {"min": "1h", "max": "3h"},
        {"mean": "5h"},
    ]
)


@st.composite
def chains(draw: st.DrawFn) -> Pathway:
    """Random pathways without guards: every step has a forward exit, some loop back."""
    n = draw(st.integers(2, 6))
    outs = draw(st.integers(1, 3))
    ids = [f"s{i}" for i in range(n)]
    out_ids = [f"o{i}" for i in range(outs)]
    steps: list[dict[str, Any]] = []
    for i, sid in enumerate(ids):
        kw: dict[str, Any] = {}
        d = draw(DURATIONS)
        if d is not None:
            kw["duration"] = d
        if draw(st.booleans()):
            kw["tags"] = ["interview"]
        steps.append(
            step(sid, "entry" if i == 0 else "action", role=draw(st.sampled_from("rs")), **kw)
        )
    steps += [step(o, "outcome") for o in out_ids]
    transitions: list[dict[str, Any]] = []
    for i, sid in enumerate(ids):
        forward = ids[i + 1 :] + out_ids
        targets = [draw(st.sampled_from(forward))]
        if draw(st.booleans()):
            targets.append(draw(st.sampled_from(ids[: i + 1] + forward)))  # may loop back
        weights = [draw(st.integers(1, 5)) for _ in targets]
        for target, w in zip(targets, weights, strict=True):
            t: dict[str, Any] = {"probability": w / sum(weights)}
            if draw(st.booleans()):
                t["delay"] = draw(
                    st.sampled_from(["1h", {"min": "1h", "max": "2d"}, {"mean": "3h"}])
                )
            if target not in out_ids and draw(st.integers(0, 3)) == 0:
                t.update(
                    kind="referral",
                    on_reject=draw(st.sampled_from(out_ids)),
                    decline_probability=0.25,
                )
            transitions.append(move(sid, target, **t))
    return build(steps, transitions)


@settings(max_examples=examples(25), deadline=None)
@given(chains(), st.integers(0, 2**32 - 1))
def test_simulation_agrees_with_the_chain_on_generated_pathways(p: Pathway, seed: int) -> None:
    """Outcome shares, visits per step and mean time agree within five standard errors."""
    assert_agrees(p, seed=seed)


def test_looped_pathway_agrees_and_has_known_answers() -> None:
    """A review loop sent back with probability 0.4: 1/0.6 expected reviews."""
    p = build(
        [
            step("in", "entry", duration="1h"),
            step("review", duration={"min": "1h", "mode": "2h", "max": "6h"}),
            step("fix", duration={"mean": "4h"}, role="s"),
            step("done", "outcome"),
        ],
        [
            move("in", "review"),
            move("review", "fix", probability=0.4),
            move("review", "done", probability=0.6, delay="1d"),
            move("fix", "review"),
        ],
    )
    exact = pw.analyze(p)
    assert exact.visits["review"] == pytest.approx(1 / 0.6)
    assert exact.visits["fix"] == pytest.approx(0.4 / 0.6)
    assert exact.time_to_outcome_hours == pytest.approx(1 + 3 / 0.6 + 4 * 0.4 / 0.6 + 24)
    assert exact.outcomes == {"done": pytest.approx(1.0)}
    assert_agrees(p, cases=40000, seed=11)


def test_analyze_with_stuck_mass_conditions_time_on_reaching_an_outcome() -> None:
    """Declines with nowhere to go are stuck; time counts only cases that finish."""
    p = build(
        [step("in", "entry", duration="2h"), step("go", duration="3h"), step("end", "outcome")],
        [
            move("in", "go", kind="referral", decline_probability=0.5),
            move("go", "end"),
        ],
    )
    exact = pw.analyze(p)
    assert exact.stuck == pytest.approx(0.5)
    assert exact.time_to_outcome_hours == pytest.approx(5.0)
    r = pw.simulate(p, cases=10000, seed=0)
    assert r.stuck_steps == {"in": r.stuck}
    assert r.time_to_outcome_hours["mean"] == pytest.approx(5.0)


def test_analyze_refuses_guards_and_capacities() -> None:
    """analyze() is exact only without guards and queues; it says so."""
    guarded = build(
        [step("in", "entry"), step("out", "outcome")],
        [move("in", "out", when="x")],
        case_fields={"x": {"type": "boolean"}},
    )
    with pytest.raises(SimulationError, match="guard"):
        pw.analyze(guarded)
    queued = build(
        [step("in", "entry"), step("out", "outcome")],
        [move("in", "out")],
        roles=[{"id": "r", "agency": "a", "title": "R", "capacity": 1}],
    )
    with pytest.raises(SimulationError, match="capacit"):
        pw.analyze(queued)
