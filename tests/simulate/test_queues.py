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


@pytest.mark.parametrize(("c", "t"), [(1, 0.5), (2, 1.0)])
def test_deadline_is_met_when_service_begins_erlang_c(c: int, t: float) -> None:
    """SPEC 7.2: a deadline to a step with a queue is met when service there begins.

    With the deadline from arrival to the served step, the share missed is P(W > t), which in
    M/M/c is C(c, a) e^{-(c mu - lambda) t}. Twelve independent replications of 4,000 cases give
    the standard error; the mean share must lie within 5 of them.
    """
    p = mmc(c).model_copy(deep=True)
    doc = p.model_dump(mode="json", by_alias=True, exclude_defaults=True)
    doc["deadlines"] = [{"id": "seen", "to": "serve", "within": f"{t}h", "required": True}]
    cp = compile_pathway(pw.Pathway.model_validate(doc))
    lam, mu = RHO * c / MEAN_SERVICE_H, 1.0 / MEAN_SERVICE_H
    exact = erlang_c(c, lam / mu) * math.exp(-(c * mu - lam) * t)
    shares = []
    for rep in range(12):
        res = run_queues(cp, 4000, np.random.default_rng([77, c, rep]))
        shares.append(res.deadline_missed[0] / res.deadline_applicable[0])
    se = float(np.std(shares, ddof=1)) / math.sqrt(len(shares))
    assert 0 < se < 0.02
    assert abs(float(np.mean(shares)) - exact) < 5 * se


def test_one_doctor_at_twelve_cases_a_day_misses_the_72_hour_window() -> None:
    """The new-user trial of issue 13: one doctor, 12 cases a day on the in-person pathway.

    Before SPEC 7.2 the 72-hour window showed 0.0% missed (met on joining the queue).
    """
    p = pw.load("pathways/kh/csa-in-person.yaml")
    r = pw.simulate(
        p, cases=3000, seed=0, arrivals_per_day=12, overrides=["roles.doctor.capacity=1"]
    )
    assert r.deadlines["pep-window"]["share_missed"] > 0.5
    assert r.roles["doctor"]["wait_hours_mean"] > 72
    doctor = next(e for e in r.saturation if e["role"] == "doctor")
    assert doctor["level"] == "unstable" and doctor["stable_capacity"] >= 2


def test_a_24_hour_medical_step_at_four_cases_a_day_misses_the_window() -> None:
    """The second new-user case: a self-written pathway, one doctor, a 24 h medical step."""
    p = build(
        [
            step("report", "entry", duration="1h"),
            step("medical", role="s", duration="24h", tags=["medical"]),
            step("closed", "outcome"),
        ],
        [move("report", "medical"), move("medical", "closed")],
        roles=[
            {"id": "r", "agency": "a", "title": "R"},
            {"id": "s", "agency": "b", "title": "Doctor", "capacity": 1},
        ],
        deadlines=[{"id": "medical-72h", "to": "medical", "within": "72h"}],
        simulation={"arrivals_per_day": 4},
    )
    r = pw.simulate(p, cases=2000, seed=0)
    assert r.deadlines["medical-72h"]["share_missed"] > 0.9
    ((entry,),) = [r.saturation]
    # 4 cases a day x 24 h = 4 doctors' worth of work; 5 doctors make the queue stable
    assert (entry["role"], entry["level"], entry["stable_capacity"]) == ("s", "unstable", 5)
    assert entry["offered_load"] == pytest.approx(4.0, rel=0.1)


@pytest.mark.parametrize(("rho", "level"), [(0.5, None), (0.93, "near"), (1.2, "unstable")])
def test_saturation_is_flagged_before_and_after_the_run(rho: float, level: str | None) -> None:
    """An unstable queue is never a clean figure: flagged in the result, the JSON and before
    the run, with the capacity that would make it stable; at 90% and above, flagged as near."""
    from pathways.simulate import saturation_before_run

    p = mmc(1)
    over = [f"simulation.arrivals_per_day={rho * 24 / MEAN_SERVICE_H}"]
    before = saturation_before_run(p, overrides=over)
    after = pw.simulate(p, cases=3000, overrides=over).to_dict()["saturation"]
    for found in (before, after):
        assert [e["level"] for e in found] == ([] if level is None else [level])
        if found:
            assert found[0]["offered_load"] == pytest.approx(rho, rel=0.05)
            assert found[0]["stable_capacity"] == math.floor(rho) + 1


def test_cli_warns_before_running_and_in_the_text(capsys: pytest.CaptureFixture[str]) -> None:
    from pathways.cli import main

    args = ["simulate", "pathways/kh/csa-in-person.yaml", "--cases", "500", "--no-progress"]
    assert main([*args, "--set", "roles.doctor.capacity=1", "--arrivals-per-day", "12"]) == 0
    out, err = capsys.readouterr()
    assert "warning: saturated: Doctor (referral hospital or health centre)" in err
    # 2.74 doctors' work at 12 cases a day: urgent or routine care and the medical report
    assert "needs 2.74 people" in err and "A capacity of 3 would make it stable" in err
    assert "SATURATED" in out
