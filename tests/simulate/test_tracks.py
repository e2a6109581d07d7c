"""Simulation of pathways with parallel tracks (SPEC 7.1) against exact oracles: the time to
outcome of independent tracks is the max over tracks (fixed durations: exactly; exponential
durations: the closed-form expected max, within 5 standard errors); each track queues for its
own role; interviews add over tracks; a deadlock leaves cases stuck at the join; the same seed
gives the same JSON at any number of workers."""

from __future__ import annotations

import itertools
import json
import math

import numpy as np
import pytest

import pathways as pw
from pathways.model import Pathway


def tracks_pathway(
    durations: list[list[str]],
    *,
    roles: list[str] | None = None,
    capacity: int | None = None,
    interview: bool = False,
    bypass: bool = False,
) -> Pathway:
    """intake -> fork -> one track per entry of ``durations`` (its steps' durations) -> join ->
    closed. ``roles``: the role of each track (default one per track); ``bypass``: the last
    track has a decision that may leave for the outcome without the join (a deadlock)."""
    k = len(durations)
    track_roles = roles or [f"r{i}" for i in range(k)]
    role_ids = sorted(set(track_roles) | {"lead"})
    cap = f", capacity: {capacity}" if capacity else ""
    lines = [
        "format: pathways/1",
        "id: sim-tracks",
        "agencies: [{id: a, name: A, sector: social}]",
        "roles:",
        *(f"  - {{id: {r}, agency: a, title: {r}{cap}}}" for r in role_ids),
        "steps:",
        "  - {id: intake, kind: entry, role: lead, duration: 0h}",
        "  - {id: fork, kind: fork, role: lead, duration: 0h}",
        "  - {id: join, kind: join, role: lead, duration: 0h}",
        "  - {id: closed, kind: outcome}",
    ]
    transitions = ["  - {from: intake, to: fork}", "  - {from: join, to: closed}"]
    for i, track in enumerate(durations):
        prev = "fork"
        for j, d in enumerate(track):
            sid = f"t{i}_{j}"
            tags = ", tags: [interview]" if interview and j == 0 else ""
            kind = "decision" if bypass and i == k - 1 and j == len(track) - 1 else "action"
            lines.append(
                f"  - {{id: {sid}, kind: {kind}, role: {track_roles[i]}, duration: {d}{tags}}}"
            )
            transitions.append(f"  - {{from: {prev}, to: {sid}}}")
            prev = sid
        if bypass and i == k - 1:
            transitions.append(f"  - {{from: {prev}, to: join, probability: 0.5}}")
            transitions.append(f"  - {{from: {prev}, to: closed, probability: 0.5}}")
        else:
            transitions.append(f"  - {{from: {prev}, to: join}}")
    text = "\n".join([*lines, "transitions:", *transitions]) + "\n"
    if capacity:
        text += "simulation: {arrivals_per_day: 0.01}\n"
    return pw.loads(text)


def test_fixed_durations_time_to_outcome_is_the_max_over_tracks() -> None:
    """Three tracks of 5h, 2d and 1d+3h: every case ends at 48h exactly, not at the sum."""
    p = tracks_pathway([["5h"], ["1d", "1d"], ["1d", "3h"]])
    r = pw.simulate(p, cases=300, seed=3).to_dict()
    tto = r["time_to_outcome_hours"]
    assert tto["mean"] == pytest.approx(48.0) and tto["p99"] == pytest.approx(48.0)
    assert tto["ci95"]["mean"] == pytest.approx([48.0, 48.0])  # per-case tallies filled in
    assert r["outcomes"]["closed"]["count"] == 300 and r["stuck"] == 0
    assert r["steps"]["join"]["visits"] == 300  # entered once per case, not once per track
    assert r["steps"]["t1_1"]["visits"] == 300


def _expected_max_of_exponentials(means: list[float]) -> float:
    """E[max] of independent exponentials, by inclusion-exclusion over subsets."""
    rates = [1.0 / m for m in means]
    total = 0.0
    for size in range(1, len(rates) + 1):
        for subset in itertools.combinations(rates, size):
            total += (-1) ** (size + 1) / sum(subset)
    return total


def test_exponential_durations_agree_with_the_expected_max_within_5_se() -> None:
    means = [2.0, 5.0, 9.0]
    p = tracks_pathway([[f"{{mean: {m}h}}"] for m in means])
    n = 20_000
    r = pw.simulate(p, cases=n, seed=11)
    expected = _expected_max_of_exponentials(means)
    # the variance of the max, from the exact distribution function by numeric integration
    grid = np.linspace(0, 200, 400_001)
    cdf = np.prod([1 - np.exp(-grid / m) for m in means], axis=0)
    second = float(np.trapezoid(2 * grid * (1 - cdf), grid))
    se = math.sqrt(second - expected**2) / math.sqrt(n)
    mean = r.time_to_outcome_hours["mean"]
    assert mean is not None and abs(mean - expected) < 5 * se, (mean, expected, se)


def test_each_track_queues_for_its_own_role() -> None:
    """Capacity 1 per role, sparse arrivals: tracks of two roles overlap (max = 10h); two
    tracks of one role queue behind each other (sum = 16h)."""
    apart = tracks_pathway([["10h"], ["6h"]], roles=["r0", "r1"], capacity=1)
    one = tracks_pathway([["10h"], ["6h"]], roles=["r0", "r0"], capacity=1)
    a = pw.simulate(apart, cases=200, seed=5).to_dict()
    b = pw.simulate(one, cases=200, seed=5).to_dict()
    assert a["time_to_outcome_hours"]["p50"] == pytest.approx(10.0)
    assert b["time_to_outcome_hours"]["p50"] == pytest.approx(16.0)
    # one track of every case waits 10h for the other (rare overlaps of cases add a little)
    assert b["roles"]["r0"]["wait_hours_mean"] > 4.5 > 0.5 > a["roles"]["r0"]["wait_hours_mean"]


def test_interviews_add_over_tracks() -> None:
    """Two tracks that each interview the child are two interviews per case."""
    p = tracks_pathway([["1h"], ["2h"]], interview=True)
    r = pw.simulate(p, cases=100, seed=0).to_dict()
    assert r["interviews"]["mean"] == 2.0 and r["interviews"]["share_over_limit"] == 1.0


def test_a_track_that_bypasses_the_join_leaves_cases_stuck_there() -> None:
    """Half the cases send the last track straight to the outcome: the join never fills,
    so those cases are stuck at the join (PW110's deadlock, as the simulation sees it)."""
    p = tracks_pathway([["1h"], ["2h"]], bypass=True)
    r = pw.simulate(p, cases=4000, seed=2).to_dict()
    stuck = r["stuck_steps"].get("join", 0)
    assert r["stuck"] == stuck and abs(stuck / 4000 - 0.5) < 5 * math.sqrt(0.25 / 4000)
    assert r["outcomes"]["closed"]["count"] == 4000 - stuck


def test_same_seed_same_json_at_any_number_of_workers(monkeypatch: pytest.MonkeyPatch) -> None:
    """Several chunks, in one process or in two: the same JSON."""
    import importlib

    parallel = importlib.import_module("pathways.simulate.parallel")
    monkeypatch.setattr(parallel, "CHUNK_CASES", 500)
    p = tracks_pathway([["{mean: 2h}"], ["{min: 1h, mode: 2h, max: 5h}", "3h"]])
    one = json.dumps(pw.simulate(p, cases=1800, seed=4, workers=1).to_dict(), sort_keys=True)
    two = json.dumps(pw.simulate(p, cases=1800, seed=4, workers=2).to_dict(), sort_keys=True)
    assert one == two and json.loads(one)["run"]["chunks"] == 4


def test_analyze_refuses_a_pathway_with_tracks_in_one_line() -> None:
    with pytest.raises(pw.SimulationError, match="without parallel tracks; 'fork' is a fork"):
        pw.analyze(tracks_pathway([["1h"], ["2h"]]))


def test_saturation_before_a_run_adds_busy_hours_over_tracks() -> None:
    """Two tracks of one role (10h and 6h) at 2 cases a day offer 16h x 2 / 24 = 1.33 servers
    of work to a capacity of 1: unstable (one track alone, 10h, would look stable)."""
    from pathways.simulate import saturation_before_run

    p = tracks_pathway([["10h"], ["6h"]], roles=["r0", "r0"], capacity=1)
    found = saturation_before_run(p, arrivals_per_day=2)
    assert [(e["role"], e["level"]) for e in found] == [("r0", "unstable")]
