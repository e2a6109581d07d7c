"""95% confidence intervals: they cover the exact value about 95% of the time."""

from __future__ import annotations

import math

import pytest

import pathways as pw
from pathways.simulate.intervals import text

from ._pathways import build, move, step


def markov() -> pw.Pathway:
    """Two outcomes, 30% and 70%, and an exponential step: exact share 0.3 and mean time 2 h."""
    return build(
        [
            step("a", "entry", duration={"mean": "1h"}),
            step("b", duration={"mean": "1h"}),
            step("x", "outcome"),
            step("y", "outcome"),
        ],
        [move("a", "x", probability=0.3), move("a", "b", probability=0.7), move("b", "y")],
    )


def test_intervals_cover_the_exact_value_about_95_percent_of_the_time() -> None:
    """200 seeded repetitions of 400 cases: the share of x (exactly 0.3) and the mean time to
    outcome (exactly 1 + 0.7 = 1.7 h) fall inside the interval in 88% to 99% of them."""
    p = markov()
    share = mean = 0
    reps = 200
    for seed in range(reps):
        d = pw.simulate(p, cases=400, seed=seed).to_dict()
        lo, hi = d["outcomes"]["x"]["ci95"]["share"]
        share += lo <= 0.3 <= hi
        lo, hi = d["time_to_outcome_hours"]["ci95"]["mean"]
        mean += lo <= 1.7 <= hi
    assert 0.88 <= share / reps <= 0.99
    assert 0.88 <= mean / reps <= 0.99


def test_every_kpi_has_an_interval_beside_its_value() -> None:
    """JSON keeps every key and adds ci95 beside the values, in every KPI."""
    p = pw.load("pathways/kh/csa-in-person.yaml")
    d = pw.simulate(p, cases=2000, seed=0).to_dict()
    for entry in d["outcomes"].values():
        assert set(entry) == {"count", "share", "ci95"}
    assert set(d["time_to_outcome_hours"]["ci95"]) == {"mean", "p50", "p90", "p99"}
    for key in ("mean", "p50", "p90", "p99"):
        lo, hi = d["time_to_outcome_hours"]["ci95"][key]
        assert lo <= d["time_to_outcome_hours"][key] <= hi
    assert set(d["interviews"]["ci95"]) == {"mean", "share_over_limit"}
    assert set(d["deadlines"]["pep-window"]["ci95"]) == {"share_missed"}
    assert set(d["roles"]["doctor"]["ci95"]) == {"wait_hours_mean", "wait_hours_p90"}


def test_too_few_cases_give_no_interval() -> None:
    d = pw.simulate(markov(), cases=20, seed=0).to_dict()
    assert "ci95" not in d["outcomes"]["x"]


@pytest.mark.parametrize(
    ("args", "out"),
    [
        ((0.124, [0.118, 0.130]), "12.4% (11.8-13.0)"),
        ((0.5, None), "50.0%"),
        ((None, None), "-"),
    ],
)
def test_text_shows_value_and_interval(
    args: tuple[float | None, list[float] | None], out: str
) -> None:
    assert text(*args, scale=100, unit="%") == out


def test_batch_means_of_the_queue_loop_cover_erlang_c() -> None:
    """With queues the interval is batch means over one run whose cases arrive in order. On
    M/M/1 at 50% load (1,000 cases a run, 200 seeded runs), the exact share of cases waiting
    more than 1 h, C(1, a) e^{-(mu - lambda)}, and the exact mean wait, C(1, a) / (mu - lambda),
    fall inside their intervals in 88-99% of runs (measured: 95% and 91%). At higher load the
    wait's interval is narrower than it should be (docs/simulation.md)."""
    rho, runs = 0.5, 200
    p = build(
        [step("serve", "entry", duration={"mean": "1h"}), step("done", "outcome")],
        [move("serve", "done")],
        roles=[{"id": "r", "agency": "a", "title": "R", "capacity": 1}],
        deadlines=[{"id": "seen", "to": "serve", "within": "1h", "required": True}],
        simulation={"arrivals_per_day": rho * 24},
    )
    waits_more_than_1h = rho * math.exp(-(1 - rho))  # Erlang C of M/M/1 is rho
    mean_wait = rho / (1 - rho)
    share = wait = 0
    for seed in range(runs):
        d = pw.simulate(p, cases=1000, seed=seed).to_dict()
        lo, hi = d["deadlines"]["seen"]["ci95"]["share_missed"]
        share += lo <= waits_more_than_1h <= hi
        lo, hi = d["roles"]["r"]["ci95"]["wait_hours_mean"]
        wait += lo <= mean_wait <= hi
    assert 0.88 <= share / runs <= 0.99
    assert 0.88 <= wait / runs <= 0.99
