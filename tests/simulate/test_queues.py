"""The event loop against queueing theory: an M/M/c pathway agrees with Erlang C."""

from __future__ import annotations

import math

import numpy as np
import pytest

import pathways as pw
from pathways.simulate.compile import compile_pathway
from pathways.simulate.queues import run_queues

from ._pathways import build, move, step

MEAN_SERVICE_H = 1.0
RHO = 0.7


def erlang_c(c: int, offered: float) -> float:
    """Probability that an arrival waits in M/M/c (offered load ``offered`` = lambda / mu)."""
    top = offered**c / math.factorial(c) * c / (c - offered)
    return top / (sum(offered**k / math.factorial(k) for k in range(c)) + top)


def mmc(c: int) -> pw.Pathway:
    """One role with ``c`` servers, exponential service, Poisson arrivals at utilisation RHO."""
    per_hour = RHO * c / MEAN_SERVICE_H
    return build(
        [step("serve", "entry", duration={"mean": f"{MEAN_SERVICE_H}h"}), step("done", "outcome")],
        [move("serve", "done")],
        roles=[{"id": "r", "agency": "a", "title": "R", "capacity": c}],
        simulation={"arrivals_per_day": per_hour * 24},
    )


@pytest.mark.parametrize("c", [1, 3])
def test_mmc_mean_wait_and_utilization_match_erlang_c(c: int) -> None:
    """Mean wait in queue is C(c, a) / (c mu - lambda) and utilisation is rho.

    200,000 customers; the first 10% are dropped as warm-up (the queue starts empty). Waits are
    autocorrelated, so the standard error comes from 20 batch means of the remaining customers;
    the estimate must lie within 5 batch standard errors and within 10% of theory. Utilisation is
    a ratio of sums over ~200,000 services: its standard error is about 0.002, so 0.02 is ~10 SE.
    """
    p = mmc(c)
    n = 200_000
    res = run_queues(compile_pathway(p), n, np.random.default_rng(2024 + c))
    sojourn = res.times[n // 10 :]  # completion order == arrival order for one FIFO step
    lam = RHO * c / MEAN_SERVICE_H
    theory = erlang_c(c, lam * MEAN_SERVICE_H) / (c / MEAN_SERVICE_H - lam)
    batches = np.array_split(sojourn, 20)
    means = np.array([b.mean() for b in batches]) - MEAN_SERVICE_H
    se = means.std(ddof=1) / math.sqrt(means.size)
    wait = float(sojourn.mean() - MEAN_SERVICE_H)
    assert abs(wait - theory) < 5 * se
    assert abs(wait - theory) < 0.10 * theory
    utilization = res.role_busy_window[0] / (c * res.window_hours)
    assert utilization == pytest.approx(RHO, abs=0.02)


def test_public_result_reports_queue_kpis() -> None:
    """simulate() reports the role's utilisation and waits, close to theory (no warm-up cut)."""
    c = 2
    r = pw.simulate(mmc(c), cases=100_000, seed=9)
    lam = RHO * c / MEAN_SERVICE_H
    theory = erlang_c(c, lam * MEAN_SERVICE_H) / (c / MEAN_SERVICE_H - lam)
    role = r.roles["r"]
    assert role["capacity"] == 2
    assert role["utilization"] == pytest.approx(RHO, abs=0.02)
    assert role["wait_hours_mean"] == pytest.approx(theory, rel=0.15)
    # P(wait > 0) is Erlang C; the 90th percentile of the wait follows from the exponential tail
    p_wait = erlang_c(c, lam * MEAN_SERVICE_H)
    p90 = math.log(p_wait / 0.1) / (c / MEAN_SERVICE_H - lam)
    assert role["wait_hours_p90"] == pytest.approx(p90, rel=0.15)
    assert r.run["mode"] == "queues"
