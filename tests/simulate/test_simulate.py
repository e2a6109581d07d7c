"""Behaviour of pathways.simulate: SPEC JSON, determinism, stuck cases, deadlines, guards."""

from __future__ import annotations

import itertools
import json

import pytest

import pathways as pw
from pathways.errors import SimulationError

from ._pathways import build, move, step

SPEC_KEYS = [
    "pathway",
    "cases",
    "seed",
    "outcomes",
    "stuck",
    "time_to_outcome_hours",
    "interviews",
    "deadlines",
    "roles",
    "steps",
]


@pytest.fixture(scope="module")
def csa() -> pw.Pathway:
    return pw.load("pathways/kh/csa-in-person.yaml")


def test_json_has_spec_keys_in_order_and_adds_up(csa: pw.Pathway) -> None:
    """to_dict() starts with SPEC section 5's keys, and every case ends in an outcome or stuck."""
    d = pw.simulate(csa, cases=3000, seed=0).to_dict()
    assert list(d)[: len(SPEC_KEYS)] == SPEC_KEYS
    assert d["pathway"] == "kh-csa-in-person" and d["cases"] == 3000 and d["seed"] == 0
    assert sum(o["count"] for o in d["outcomes"].values()) + d["stuck"] == 3000
    assert all(set(o) >= {"count", "share"} for o in d["outcomes"].values())
    assert set(d["time_to_outcome_hours"]) - {"ci95"} == {"mean", "p50", "p90", "p99"}
    assert set(d["interviews"]) - {"ci95"} == {"mean", "max", "share_over_limit"}
    assert set(d["deadlines"]) == {"pep-window", "police-report-48h"}
    for v in d["deadlines"].values():
        assert set(v) - {"ci95"} == {"applicable", "missed", "share_missed"}
    for v in d["roles"].values():
        assert {"utilization", "wait_hours_mean", "wait_hours_p90"} <= set(v)
        assert 0.0 <= v["utilization"] <= 1.0
    assert d["steps"]["notify"]["visits"] == 3000  # every case passes notify once
    json.dumps(d)  # plain JSON


def test_same_seed_same_json_other_seed_differs(csa: pw.Pathway) -> None:
    """The seed alone decides the result."""
    a = pw.simulate(csa, cases=2000, seed=7).to_dict()
    b = pw.simulate(csa, cases=2000, seed=7).to_dict()
    c = pw.simulate(csa, cases=2000, seed=8).to_dict()
    assert json.dumps(a) == json.dumps(b)
    assert json.dumps(a) != json.dumps(c)


def test_dead_end_and_false_guard_count_as_stuck_never_raise() -> None:
    """A step without exits, or whose guards are all false, leaves the case stuck there."""
    p = build(
        [step("in", "entry"), step("check", "decision"), step("hole"), step("out", "outcome")],
        [
            move("in", "check", probability=0.5),
            move("in", "hole", probability=0.5),
            move("check", "out", when="age < 10"),
        ],
        case_fields={"age": {"type": "integer", "min": 0, "max": 19}},
        simulation={"population": {"age": {"uniform": [0, 19]}}},
    )
    r = pw.simulate(p, cases=4000, seed=1)
    assert r.stuck == 4000 - r.outcomes["out"]["count"]
    assert set(r.stuck_steps) == {"check", "hole"}
    # half go to check; of those age < 10 for 10 of 20 values
    assert r.outcomes["out"]["share"] == pytest.approx(0.25, abs=0.03)


def test_loop_without_exit_is_refused_before_running() -> None:
    """Cases circling in a loop with no way out: refused before the run, naming the loop
    (issue 17: such a run used to take every case to the step cap, for minutes)."""
    p = build(
        [step("in", "entry"), step("x"), step("y"), step("out", "outcome")],
        [move("in", "x"), move("x", "y"), move("y", "x")],
    )
    with pytest.raises(pw.SimulationError, match="never leave the loop 'x', 'y'"):
        pw.simulate(p, cases=50, seed=0)


def test_a_loop_left_too_rarely_is_refused_and_a_long_chain_without_one_runs() -> None:
    """The expected number of steps is solved only where a loop can repeat: a loop left with
    probability 1e-5 takes 100,000 steps on average (over the cap) and is refused; a chain of
    300 steps without a loop runs, every case ending at its outcome."""
    looped = build(
        [step("in", "entry"), step("x", "decision"), step("out", "outcome")],
        [
            move("in", "x"),
            move("x", "x", probability=1 - 1e-5),
            move("x", "out", probability=1e-5),
        ],
    )
    with pytest.raises(pw.SimulationError, match="steps on average, over the cap"):
        pw.simulate(looped, cases=50, seed=0)
    ids = [f"s{i}" for i in range(300)]
    chain = build(
        [step(ids[0], "entry"), *(step(i) for i in ids[1:-1]), step(ids[-1], "outcome")],
        [move(a, b) for a, b in itertools.pairwise(ids)],
    )
    r = pw.simulate(chain, cases=50, seed=0)
    assert r.outcomes[ids[-1]]["count"] == 50 and r.stuck == 0


def test_expected_steps_by_components_equal_one_dense_solve() -> None:
    """The termination check solves the expected steps loop by loop (strongly connected
    components, successors first); oracle: the dense solve of the whole chain."""
    import numpy as np

    from pathways.simulate.compile import compile_pathway
    from pathways.simulate.termination import _expected_steps, _moves, _patterns

    p = build(
        [
            step("in", "entry"),
            *(step(x, "decision") for x in "abcde"),
            step("out", "outcome"),
            step("gone", "outcome"),
        ],
        [
            move("in", "a"),
            move("a", "b", probability=0.6),
            move("a", "e", probability=0.4),
            move("b", "a", probability=0.3),
            move("b", "c", probability=0.7),
            move("c", "c", probability=0.2),
            move("c", "d", probability=0.8),
            move("d", "b", probability=0.1),
            move("d", "out", probability=0.9),
            move("e", "e", probability=0.5),
            move("e", "gone", probability=0.5),
        ],
    )
    cp = compile_pathway(p)
    moves = _moves(cp, _patterns(cp)[0])
    transient = np.flatnonzero(~cp.is_outcome)
    position = {int(s): k for k, s in enumerate(transient)}
    system = np.eye(transient.size)
    for (a, b), q in moves.items():
        if b in position:
            system[position[a], position[b]] -= q
    dense = np.linalg.solve(system, np.ones(transient.size))
    by_parts = _expected_steps(cp, moves)
    assert by_parts is not None
    assert np.allclose(by_parts[transient], dense, rtol=1e-12)


def test_first_true_guard_in_file_order_and_renormalised_probabilities() -> None:
    """Without probabilities the first exit whose guard holds wins; with them, enabled exits
    share the draw in proportion to their probabilities."""
    p = build(
        [
            step("in", "entry"),
            step("pick", "decision"),
            step("a", "outcome"),
            step("b", "outcome"),
            step("c", "outcome"),
        ],
        [
            move("in", "pick"),
            move("pick", "a", when="flag", probability=0.2),
            move("pick", "b", probability=0.2),
            move("pick", "c", probability=0.6),
        ],
        case_fields={"flag": {"type": "boolean"}},
        simulation={"population": {"flag": {"fixed": False}}},
    )
    r = pw.simulate(p, cases=20000, seed=3)
    assert r.outcomes["a"]["count"] == 0
    assert r.outcomes["b"]["share"] == pytest.approx(0.25, abs=0.015)  # 0.2 / (0.2 + 0.6)
    q = build(
        [step("in", "entry"), step("a", "outcome"), step("b", "outcome")],
        [move("in", "a", when="flag"), move("in", "b")],
        case_fields={"flag": {"type": "boolean"}},
        simulation={"population": {"flag": {"bernoulli": 0.3}}},
    )
    r = pw.simulate(q, cases=20000, seed=3)
    assert r.outcomes["a"]["share"] == pytest.approx(0.3, abs=0.015)


def test_deadlines_interviews_and_handoffs_on_a_fixed_timeline() -> None:
    """Fixed durations give exact deadline, interview and hand-off counts."""
    p = build(
        [
            step("in", "entry", duration="10h"),
            step("talk", tags=["interview"], duration="5h"),
            step("again", role="s", tags=["interview"], duration="1h"),
            step("out", "outcome"),
        ],
        [move("in", "talk"), move("talk", "again", delay="2h"), move("again", "out")],
        deadlines=[
            {"id": "fast", "to": "again", "within": "16h"},  # entered at 17 h: missed
            {"id": "ok", "to": "tag:interview", "within": "10h"},  # talk entered at 10 h
            {"id": "later", "from": "talk", "to": "out", "within": "8h"},  # 8 h after talk
            {"id": "never", "from": "out", "to": "talk", "within": "1h", "required": True},
            {"id": "optional", "from": "out", "to": "talk", "within": "1h"},
        ],
        policies={"max_interviews": 1},
    )
    r = pw.simulate(p, cases=100, seed=0)
    assert _no_ci(r.time_to_outcome_hours) == {"mean": 18.0, "p50": 18.0, "p90": 18.0, "p99": 18.0}
    assert _no_ci(r.deadlines["fast"]) == {"applicable": 100, "missed": 100, "share_missed": 1.0}
    assert _no_ci(r.deadlines["ok"]) == {"applicable": 100, "missed": 0, "share_missed": 0.0}
    assert _no_ci(r.deadlines["later"]) == {"applicable": 100, "missed": 0, "share_missed": 0.0}
    assert _no_ci(r.deadlines["never"]) == {"applicable": 100, "missed": 100, "share_missed": 1.0}
    assert _no_ci(r.deadlines["optional"]) == {"applicable": 0, "missed": 0, "share_missed": 0}
    assert _no_ci(r.interviews) == {"mean": 2.0, "max": 2, "share_over_limit": 1.0}
    assert _no_ci(r.handoffs) == {"mean": 1.0, "max": 1}  # talk (agency a) -> again (agency b)


@pytest.mark.parametrize("capacity", [None, 50], ids=["walk", "queues"])
def test_optional_deadline_applies_only_where_the_route_reaches_it(capacity: int | None) -> None:
    """An optional deadline (medical care within 72 h, where the incident allows) counts only
    the cases that reach its target; a required one counts the others as missed."""
    roles = [{"id": "r", "agency": "a", "title": "R"}, {"id": "s", "agency": "b", "title": "S"}]
    if capacity is not None:
        roles[0]["capacity"] = capacity
    p = build(
        [
            step("in", "entry", duration="1h"),
            step("triage", "decision", duration="1h"),
            step("urgent", role="s", duration="2h"),
            step("routine", role="s", duration="100h"),
            step("out", "outcome"),
        ],
        [
            move("in", "triage"),
            move("triage", "urgent", probability=0.25),
            move("triage", "routine", probability=0.75),
            move("urgent", "out"),
            move("routine", "out"),
        ],
        roles=roles,
        deadlines=[
            {"id": "care", "to": "urgent", "within": "72h"},
            {"id": "care-required", "to": "urgent", "within": "72h", "required": True},
        ],
        simulation={"arrivals_per_day": 1},
    )
    r = pw.simulate(p, cases=4000, seed=3)
    reached = r.steps["urgent"]["visits"]
    assert 800 < reached < 1200
    assert _no_ci(r.deadlines["care"]) == {"applicable": reached, "missed": 0, "share_missed": 0.0}
    required = r.deadlines["care-required"]
    assert (required["applicable"], required["missed"]) == (4000, 4000 - reached)


@pytest.mark.parametrize("capacity", [None, 3])
def test_declined_referrals_go_to_on_reject(capacity: int | None) -> None:
    """A referral is declined with its decline probability and the case goes to on_reject,
    in the vectorised walk and in the event loop alike."""
    p = build(
        [step("in", "entry"), step("shelter", role="s"), step("kin"), step("out", "outcome")],
        [
            move(
                "in",
                "shelter",
                kind="referral",
                on_reject="kin",
                decline_probability=0.3,
            ),
            move("shelter", "out"),
            move("kin", "out"),
        ],
        roles=[
            {"id": "r", "agency": "a", "title": "R", "capacity": capacity},
            {"id": "s", "agency": "b", "title": "S"},
        ],
        simulation={"arrivals_per_day": 5},
    )
    r = pw.simulate(p, cases=20000, seed=5)
    assert r.run["mode"] == ("queues" if capacity else "independent")
    assert r.steps["in"]["visits"] == 20000 and r.outcomes["out"]["count"] == 20000
    assert r.handoffs["max"] == 1  # in (a) -> shelter (b), or in -> kin (both a): none
    assert r.steps["kin"]["visits"] / 20000 == pytest.approx(0.3, abs=0.015)
    assert r.transitions[0]["declined"] == r.steps["kin"]["visits"]
    assert r.transitions[0]["count"] == 20000


def test_wait_steps_use_no_capacity() -> None:
    """A wait step takes time but no server: a capacity-1 role does not queue cases there."""
    p = build(
        [step("in", "entry"), step("court", "wait", duration="10h"), step("out", "outcome")],
        [move("in", "court"), move("court", "out")],
        roles=[{"id": "r", "agency": "a", "title": "R", "capacity": 1}],
        simulation={"arrivals_per_day": 100},
    )
    r = pw.simulate(p, cases=500, seed=0)
    assert r.time_to_outcome_hours["p99"] == pytest.approx(10.0)
    assert r.roles["r"]["wait_hours_mean"] == 0.0


def test_missing_population_and_arrivals_are_clear_errors() -> None:
    """A guard field without a population, or capacities without arrivals, raise SimulationError."""
    p = build(
        [step("in", "entry"), step("out", "outcome")],
        [move("in", "out", when="age < 5")],
        case_fields={"age": {"type": "integer"}},
    )
    with pytest.raises(SimulationError, match="'age'"):
        pw.simulate(p, cases=10)
    q = build(
        [step("in", "entry"), step("out", "outcome")],
        [move("in", "out")],
        roles=[{"id": "r", "agency": "a", "title": "R", "capacity": 2}],
    )
    with pytest.raises(SimulationError, match="arrivals"):
        pw.simulate(q, cases=10)
    assert pw.simulate(q, cases=10, arrivals_per_day=5).run["arrivals_per_day"] == 5
    with pytest.raises(SimulationError, match="cases"):
        pw.simulate(q, cases=0, arrivals_per_day=5)


def test_queues_make_cases_wait_and_more_servers_help() -> None:
    """Raising an overloaded role's capacity cuts its waiting time and the time to outcome."""
    p = build(
        [
            step("in", "entry", role="s", duration="1h"),
            step("assess", duration={"min": "1h", "mode": "2h", "max": "4h"}),
            step("out", "outcome"),
        ],
        [move("in", "assess"), move("assess", "out")],
        roles=[
            {"id": "r", "agency": "a", "title": "R", "capacity": 1},
            {"id": "s", "agency": "b", "title": "S"},
        ],
        simulation={"arrivals_per_day": 10},  # 10 x 2.33 h = 23.3 h of work a day for 1 server
    )
    base = pw.simulate(p, cases=3000, seed=2)
    more = pw.simulate(p, cases=3000, seed=2, overrides=["roles.r.capacity=3"])
    assert base.roles["r"]["utilization"] > 0.9
    assert more.roles["r"]["utilization"] == pytest.approx(
        base.roles["r"]["utilization"] / 3, rel=0.1
    )
    assert base.roles["r"]["wait_hours_mean"] > 10 * more.roles["r"]["wait_hours_mean"]
    assert more.time_to_outcome_hours["mean"] < base.time_to_outcome_hours["mean"]
    assert base.roles["s"]["capacity"] is None and base.roles["s"]["wait_hours_mean"] == 0.0


def test_loop_without_exit_is_refused_with_queues_too() -> None:
    """With capacities too, the loop is refused before the event loop runs."""
    p = build(
        [step("in", "entry"), step("x", duration="1h"), step("y"), step("out", "outcome")],
        [move("in", "x"), move("x", "y"), move("y", "x")],
        roles=[{"id": "r", "agency": "a", "title": "R", "capacity": 2}],
        simulation={"arrivals_per_day": 1},
    )
    with pytest.raises(pw.SimulationError, match="never leave the loop 'x', 'y'"):
        pw.simulate(p, cases=20, seed=0)


def test_time_histogram_counts_every_finished_case() -> None:
    """The histogram the report draws holds every case that reached an outcome."""
    p = build(
        [
            step("in", "entry", duration={"min": "1h", "mode": "2h", "max": "9h"}),
            step("out", "outcome"),
        ],
        [move("in", "out")],
    )
    r = pw.simulate(p, cases=5000, seed=0)
    h = r.time_to_outcome_histogram()
    assert len(h["edges"]) == len(h["counts"]) + 1 == 31
    assert sum(h["counts"]) == 5000
    assert 1.0 <= h["edges"][0] < h["edges"][-1] <= 9.0
    assert "histogram" not in json.dumps(r.to_dict())


def test_json_contract_round_trip() -> None:
    """to_dict() is simulation JSON of the current format; JSON of 0.1.0 (no format) reads too."""
    from pathways.simulate.contract import FORMAT, read_simulation_json

    p = pw.load("pathways/kh/csa-in-person.yaml")
    data = json.loads(json.dumps(pw.simulate(p, cases=300, seed=3).to_dict()))
    assert data["format"] == FORMAT
    assert read_simulation_json(data) == data
    del data["format"]
    assert read_simulation_json(data) == data


def _no_ci(entry: dict[str, object]) -> dict[str, object]:
    """A KPI without its ci95 (the values the tests compare exactly)."""
    return {k: v for k, v in entry.items() if k != "ci95"}
