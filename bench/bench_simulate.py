"""Simulation: ``pathways.simulate`` against the peers of ../shared/bench/simulate_peers.py.

Peers (imported by path, not copied): the numpy vectorised Markov walk and a plain-Python loop
(no queues), a hand-written heapq event loop and SimPy with ``simpy.Resource`` roles (queues,
Poisson arrivals at 80% utilisation of the busiest role). All run on the same ``gen.layered``
pathways and seeds, in one run, each timing in a freshly forked process.

Same model: the peers draw a triangular duration per *transition*; a pathways/1 step has one
duration. So every transition leaving a step is given the duration of the step's first
transition, for the peers and for us alike (durations in days for the peers, x24 hours for us).

Our timings are end to end: ``pathways.simulate(pathway, cases=C)`` compiles the pathway,
draws, simulates and summarises every KPI (outcomes, time percentiles, interviews, deadlines,
per-role waits and utilisation, visits, transitions); the peers count outcomes and sum times.

Run: ``python bench/bench_simulate.py [--quick]``; figures of a real run are committed as
``bench/results/simulate.md``. SimPy is needed for the queueing comparison
(``pip install simpy``; it is a bench-only dependency).
"""

from __future__ import annotations

import math
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import shared_module

gen = shared_module("gen")
peers = shared_module("simulate_peers")
util = shared_module("bench_util")

import numpy as np  # noqa: E402

import pathways as pw  # noqa: E402
from pathways.model import Pathway  # noqa: E402

SEED = 12345

CONFIG: dict[str, dict[str, Any]] = {
    "quick": {
        "free": [(20, 100_000), (50, 100_000)],
        "queued": [(20, 20_000), (50, 20_000)],
        "reps": 3,
        "budget": 20.0,
        "simpy_max": 20_000,
    },
    "full": {
        "free": [(20, 100_000), (50, 100_000), (200, 100_000), (50, 1_000_000)],
        "queued": [(20, 100_000), (50, 100_000), (200, 100_000), (50, 1_000_000)],
        "reps": 5,
        "budget": 60.0,
        "simpy_max": 100_000,
    },
}


def same_model(g: dict[str, Any]) -> dict[str, Any]:
    """Give every transition leaving a step the duration of the step's first transition."""
    first: dict[str, dict[str, float]] = {}
    for t in g["transitions"]:
        first.setdefault(t["source"], t["duration"])
    for t in g["transitions"]:
        t["duration"] = dict(first[t["source"]])
    return g


def to_pathway(g: dict[str, Any], arrivals_per_day: float, queued: bool) -> Pathway:
    """The generated pathway as a pathways/1 model (step durations in hours)."""
    first: dict[str, dict[str, float]] = {}
    for t in g["transitions"]:
        first.setdefault(t["source"], t["duration"])
    steps = []
    for s in g["steps"]:
        kind = "outcome" if s["kind"] == "terminal" else s["kind"]
        step: dict[str, Any] = {"id": s["id"], "kind": kind, "tags": list(s.get("tags", []))}
        if kind != "outcome":
            d = first[s["id"]]
            step["role"] = s["role"]
            step["duration"] = {"min": d["low"] * 24, "mode": d["mode"] * 24, "max": d["high"] * 24}
        steps.append(step)
    roles = [
        {
            "id": r["id"],
            "agency": "ag",
            "title": r["id"],
            **({"capacity": r["capacity"]} if queued else {}),
        }
        for r in g["roles"]
    ]
    return Pathway.model_validate(
        {
            "format": "pathways/1",
            "id": "bench",
            "agencies": [{"id": "ag", "name": "Agency", "sector": "social"}],
            "roles": roles,
            "steps": steps,
            "transitions": [
                {"from": t["source"], "to": t["target"], "probability": t["probability"]}
                for t in g["transitions"]
            ],
            "policies": {"max_interviews": 10**6},
            "simulation": {"arrivals_per_day": arrivals_per_day},
        }
    )


def with_calendar(p: Pathway, calendar: dict[str, Any] | None = None) -> Pathway:
    """``p`` with every role working to ``calendar`` (default 06:00-22:00 every day; SPEC 7.3
    calendars on)."""
    doc = p.model_dump(mode="json", by_alias=True, exclude_defaults=True)
    doc["format"] = p.format
    doc["calendars"] = {"day": calendar or {"hours": ["06:00-22:00"]}}
    doc["roles"] = [{**r, "calendar": "day"} for r in doc["roles"]]
    return Pathway.model_validate(doc)


def timed(fn: Any, reps: int, budget: float) -> dict[str, Any]:
    """Median and min wall time of ``fn()`` over repeats, in a forked process."""

    def job() -> tuple[list[float], Any]:
        def once() -> tuple[float, Any]:
            t0 = time.perf_counter()
            value = fn()
            return time.perf_counter() - t0, value

        return util.repeat_timed(once, reps, budget)  # type: ignore[no-any-return]

    res = util.run_isolated(job, timeout=900)
    if not res["ok"]:
        return {"error": res["error"]}
    times, value = res["value"]
    return {
        "median": util.med(times),
        "min": min(times),
        "reps": len(times),
        "rss_mb": res["rss_delta_kb"] / 1024,
        "value": value,
    }


def timed_here(fn: Any, reps: int) -> dict[str, Any]:
    """Like :func:`timed`, but in this process (memory not measured)."""
    times = []
    value = None
    for _ in range(reps):
        t0 = time.perf_counter()
        value = fn()
        times.append(time.perf_counter() - t0)
    return {
        "median": util.med(times),
        "min": min(times),
        "reps": reps,
        "rss_mb": 0.0,
        "value": value,
    }


def ours(p: Pathway, cases: int, workers: int = 1) -> dict[str, Any]:
    d = pw.simulate(p, cases=cases, seed=SEED, workers=workers).to_dict()
    return {
        "outcomes": {k: v["count"] for k, v in d["outcomes"].items()},
        "mean_time_h": d["time_to_outcome_hours"]["mean"],
        "stuck": d["stuck"],
    }


def interleaved(p: Pathway, tab: Any, cases: int, rounds: int) -> list[float]:
    """Our time over the numpy walk's, round by round (one fresh process each, alternating)."""
    out = []
    for _ in range(rounds):
        mine = timed(lambda: ours(p, cases), 1, 60.0).get("median")
        ref = timed(lambda: peers.v_numpy(tab, cases, SEED), 1, 60.0).get("median")
        if mine and ref:
            out.append(mine / ref)
    return out


def check_free(tab: Any, value: dict[str, Any], cases: int, *, peer: bool) -> str:
    """Outcome shares (chi-square) and mean summed service time (z) against the exact chain."""
    exact = tab.exact
    if peer:
        counts = np.array(value["counts"], dtype=float)
        mean_days = value["sum_t"] / cases
    else:
        ids = [tab.ids[t] for t in tab.terminals]
        counts = np.array([value["outcomes"][i] for i in ids], dtype=float)
        mean_days = value["mean_time_h"] / 24
    p = np.array(exact["absorb"])
    expected = p * cases
    keep = expected > 0
    chi2 = float((((counts - expected) ** 2)[keep] / expected[keep]).sum())
    pval = peers.chi2_sf(chi2, int(keep.sum()) - 1)
    z = (mean_days - exact["mean_total"]) / (exact["sd_total"] / math.sqrt(cases))
    return f"p={pval:.3f}, z={z:+.2f}" + ("" if pval > 1e-3 and abs(z) < 4 else " FAIL")


def main() -> None:
    mode = "full" if "--full" in sys.argv or "--quick" not in sys.argv else "quick"
    # Import and warm our code in the parent, as the peers' modules are: each timing forks
    # from here, so neither side pays import time inside a measurement.
    warm = to_pathway(same_model(gen.layered(20, 0)), 1.0, queued=True)
    pw.simulate(warm, cases=50, seed=0)
    pw.simulate(to_pathway(same_model(gen.layered(20, 0)), 1.0, queued=False), cases=50)
    cfg = CONFIG[mode]
    started = time.perf_counter()
    free_rows: list[list[Any]] = []
    queue_rows: list[list[Any]] = []
    tables: dict[int, Any] = {}
    goals: list[str] = []

    def table_for(n: int) -> tuple[Any, dict[str, Any]]:
        if n not in tables:
            g = same_model(gen.layered(n, 0))
            tables[n] = (peers.Tables(g), g)
        return tables[n]  # type: ignore[no-any-return]

    for n, cases in cfg["free"]:
        tab, g = table_for(n)
        p = to_pathway(g, tab.lam, queued=False)
        runs = {
            "pathways.simulate": timed(lambda p=p, c=cases: ours(p, c), cfg["reps"], cfg["budget"]),
            "numpy walk (peer)": timed(
                lambda c=cases, tab=tab: peers.v_numpy(tab, c, SEED), cfg["reps"], cfg["budget"]
            ),
        }
        if cases >= 1_000_000:
            # worker processes cannot start inside the forked (daemonic) timing process:
            # time this one in the bench process itself
            runs["pathways.simulate, workers=2"] = timed_here(
                lambda p=p, c=cases: ours(p, c, workers=2), cfg["reps"]
            )
        else:
            runs["plain Python loop (peer)"] = timed(
                lambda c=cases, tab=tab: peers.v_plain_python(tab, c, SEED),
                cfg["reps"],
                cfg["budget"],
            )
        ref = runs["numpy walk (peer)"].get("median")
        mine = runs["pathways.simulate"].get("median")
        # the same comparison in rounds, ours then the peer's, each in a fresh process: a load
        # burst on a shared machine then moves one round's ratio, not every timing of one side
        rounds = [] if cases >= 1_000_000 else interleaved(p, tab, cases, cfg["reps"])
        if ref and mine:
            goals.append(
                f"- no queues, N={n}, {cases:,} cases: {mine / ref:.2f}x the numpy walk's time"
                + (" (goal <= 3x)" if cases >= 1_000_000 else " (goal <= 1x)")
                + (
                    f"; interleaved, median of {len(rounds)} rounds' ratios "
                    f"{util.med(rounds):.2f}x ({', '.join(f'{x:.2f}' for x in rounds)})"
                    if rounds
                    else ""
                )
            )
        for name, r in runs.items():
            if "error" in r:
                free_rows.append([n, f"{cases:,}", name, r["error"][:60], "", "", "", ""])
                continue
            check = check_free(tab, r["value"], cases, peer="peer" in name)
            free_rows.append(
                [
                    n,
                    f"{cases:,}",
                    name,
                    util.fmt_s(r["median"]),
                    util.fmt_s(r["min"]),
                    f"{r['median'] / ref:.2f}x" if ref else "-",
                    f"{r['rss_mb']:.0f}",
                    check,
                ]
            )
            print(free_rows[-1], flush=True)

    for n, cases in cfg["queued"]:
        tab, g = table_for(n)
        p = to_pathway(g, tab.lam, queued=True)
        runs = {
            "pathways.simulate": timed(lambda p=p, c=cases: ours(p, c), cfg["reps"], cfg["budget"]),
            "heapq event loop (peer)": timed(
                lambda c=cases, tab=tab: peers.v_heapq_des(tab, c, SEED), cfg["reps"], cfg["budget"]
            ),
        }
        # calendars on: every role works 06:00-22:00 every day, arrivals x 16/24 to keep the load
        pc = with_calendar(to_pathway(g, tab.lam * 16 / 24, queued=True))
        runs["pathways.simulate, calendars on"] = timed(
            lambda p=pc, c=cases: ours(p, c), cfg["reps"], cfg["budget"]
        )
        # the cost of the calendar machinery alone, with the queues' dynamics unchanged: every
        # day, all day, but one holiday (so the calendar code runs for every service)
        ps = with_calendar(to_pathway(g, tab.lam, queued=True), {"holidays": ["2027-03-01"]})
        runs["pathways.simulate, calendar machinery"] = timed(
            lambda p=ps, c=cases: ours(p, c), cfg["reps"], cfg["budget"]
        )
        if cases >= 1_000_000:  # ten replications: they run in parallel
            runs["pathways.simulate, workers=2"] = timed_here(
                lambda p=p, c=cases: ours(p, c, workers=2), min(cfg["reps"], 3)
            )
        if cases <= cfg["simpy_max"]:
            runs["SimPy (peer)"] = timed(
                lambda c=cases, tab=tab: peers.v_simpy(tab, c, SEED),
                min(cfg["reps"], 3),
                cfg["budget"],
            )
        simpy = runs.get("SimPy (peer)", {}).get("median")
        mine = runs["pathways.simulate"].get("median")
        heap = runs["heapq event loop (peer)"].get("median")
        cal = runs["pathways.simulate, calendars on"].get("median")
        machinery = runs["pathways.simulate, calendar machinery"].get("median")
        if mine and heap:
            goals.append(
                f"- queues, N={n}, {cases:,} cases: "
                + (
                    f"{simpy / mine:.1f}x faster than SimPy, calendars off (goal >= 10x), "
                    if simpy
                    else ""
                )
                + f"{heap / mine:.2f}x the heapq loop's speed"
                + (
                    f", calendars on {cal / mine:.2f}x the time of off (goal <= 1.5x)"
                    if cal
                    else ""
                )
                + (
                    f", the calendar machinery alone (same queue dynamics) {machinery / mine:.2f}x"
                    if machinery
                    else ""
                )
            )
        service_h = tab.exact["mean_total"] * 24
        for name, r in runs.items():
            if "error" in r:
                queue_rows.append([n, f"{cases:,}", name, r["error"][:60], "", "", "", ""])
                continue
            v = r["value"]
            wait_h = v["mean_time_h"] - service_h if "mean_time_h" in v else v["mean_wait"] * 24
            queue_rows.append(
                [
                    n,
                    f"{cases:,}",
                    name,
                    util.fmt_s(r["median"]),
                    util.fmt_s(r["min"]),
                    f"{simpy / r['median']:.1f}x" if simpy else "-",
                    f"{r['rss_mb']:.0f}",
                    f"{wait_h / 24:.2f}",
                ]
            )
            print(queue_rows[-1], flush=True)

    versions = util.versions(["numpy", "simpy"])
    lines = [
        f"# Simulation bench ({mode})",
        "",
        "`python bench/bench_simulate.py"
        + (" --quick" if mode == "quick" else "")
        + "`: "
        + ", ".join(f"{k} {v}" for k, v in versions.items())
        + f"; total {time.perf_counter() - started:.0f} s. Each timing runs in a freshly forked "
        "process; median (and min) of repeats. The machine is a shared 2-core VM: compare "
        "ratios within one run.",
        "",
        "## Summary",
        "",
        *goals,
        "",
        "## Without queues (independent cases)",
        "",
        "Ratio = our time / the numpy walk's (goal: <= 3x at 1M cases). Check: outcome shares "
        "against the exact absorption probabilities (chi-square p) and the mean summed service "
        "time against the exact expectation (z).",
        "",
        util.md_table(
            ["N", "cases", "variant", "median", "min", "vs numpy", "peak RSS +MB", "check"],
            free_rows,
        ),
        "",
        "## With queues (capacities, Poisson arrivals, FIFO per role)",
        "",
        "Speed-up = SimPy's time / the variant's (goal: >= 10x). Mean wait per case in days "
        "(ours: mean time to outcome minus the exact mean service time); SimPy and the heapq loop "
        "run the same queueing model.",
        "",
        util.md_table(
            ["N", "cases", "variant", "median", "min", "vs SimPy", "peak RSS +MB", "mean wait (d)"],
            queue_rows,
        ),
        "",
    ]
    text = "\n".join(lines)
    print(text)
    if mode == "full":
        out = Path(__file__).resolve().parent / "results" / "simulate.md"
        out.write_text(text, encoding="utf-8")
        print(f"wrote {out}")


if __name__ == "__main__":
    main()
