"""Validation: ``pathways.check`` against the plain linear reference, side by side in one run.

Peers come from ``../shared/bench/validate_peers.py`` (imported by path, not copied):
``validate_linear_py`` (iterative Tarjan plus a DP on the condensation, in plain Python: the
"near the limit" reference), ``validate_linear_nx`` (the same on networkx) and, for small K
only, ``validate_naive`` (``all_simple_paths``, exponential). Our ``check()`` runs every rule
(PW101-PW503), so it does more than the reference: reachability, traps and interviews plus
deadlines, consent, sectors, guards, labels and contacts.

Families: ``layered`` (1k, 10k, 100k steps) and ``trap`` (injected defects, verdicts compared),
and ``diamonds`` K = 20..200 (2**K routes) end to end: YAML text -> ``pathways validate``
(load, every rule, JSON output) plus ``routes`` statistics, with the full PW301 witness.

Run: ``python bench/bench_validate.py [--quick]``; figures of a real run are committed as
``bench/results/validate.md``.
"""

from __future__ import annotations

import contextlib
import io
import json
import platform
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import md_table, median_time, shared_module, to_document

import pathways as pw
from pathways.cli import main as cli_main
from pathways.routes import route_stats


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:,.1f} ms" if seconds < 10 else f"{seconds:,.1f} s"


def _pathway(doc: dict[str, Any]) -> pw.Pathway:
    return pw.Pathway.model_validate(doc)


def _verdicts(findings: list[pw.Finding]) -> dict[str, list[Any]]:
    by = {
        code: sorted(f.step or "" for f in findings if f.code == code)
        for code in ("PW103", "PW104")
    }
    loops = sorted(sorted(f.route[:-1]) for f in findings if f.code == "PW105" and f.route)
    return {"unreachable": by["PW103"], "dead_ends": by["PW104"], "loops": loops}


def bench_sizes(peers: Any, gen: Any, sizes: list[int]) -> str:
    rows = []
    for family, size in [("layered", n) for n in sizes] + [("trap", sizes[1])]:
        g = gen.generate(family, size, 0)
        p = _pathway(to_document(g))
        repeats = 3 if size >= 100_000 else 5
        ours = median_time(lambda p=p: pw.check(p), repeats=repeats, budget_s=60)
        core = median_time(
            lambda p=p: pw.check(p, select=["PW103", "PW104", "PW105", "PW301", "PW302"]),
            repeats=repeats,
            budget_s=60,
        )
        ref = median_time(lambda g=g: peers.validate_linear_py(g), repeats=repeats, budget_s=60)
        ref_nx = median_time(lambda g=g: peers.validate_linear_nx(g), repeats=3, budget_s=60)
        found = pw.check(p)
        ours_v = _verdicts(found)
        theirs = peers.validate_linear_py(g)
        same = (
            ours_v["unreachable"] == theirs["unreachable"]
            and ours_v["dead_ends"] == theirs["dead_ends"]
            and ours_v["loops"] == sorted(sorted(c) for c in theirs["no_exit_cycles"])
        )
        rows.append(
            [
                family,
                f"{len(p.steps):,}",
                f"{len(p.transitions):,}",
                _ms(ref),
                _ms(ref_nx),
                _ms(core),
                _ms(ours),
                f"{ours / ref:.1f}x",
                f"{len(found):,}",
                "yes" if same else "NO",
            ]
        )
        print(family, size, rows[-1], flush=True)
    return md_table(
        [
            "family",
            "steps",
            "transitions",
            "linear reference (plain Python)",
            "linear on networkx",
            "check(): PW103-105, PW301-302",
            "check(): every rule",
            "every rule / reference",
            "findings",
            "same unreachable / dead ends / traps",
        ],
        rows,
    )


def bench_diamonds(peers: Any, gen: Any, ks: list[int], naive_ks: list[int]) -> str:
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for k in ks:
            g = gen.diamonds(k, 0)
            doc = to_document(g, "diamonds")
            doc["policies"] = {"max_interviews": 1}
            path = Path(tmp) / f"diamonds-{k}.yaml"
            path.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")

            def end_to_end(path: Path = path) -> str:
                out = io.StringIO()
                with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
                    cli_main(["validate", str(path), "--format", "json"])
                p = pw.load(path)
                route_stats(p)
                return out.getvalue()

            total = median_time(end_to_end, repeats=3)
            p = pw.load(path)
            t0 = time.perf_counter()
            stats = route_stats(p)
            t_routes = time.perf_counter() - t0
            data = json.loads(end_to_end())
            (pw301,) = [f for f in data["findings"] if f["code"] == "PW301"]
            interviews = sum(1 for s in pw301["route"] if s.startswith("i"))
            ref = median_time(lambda g=g: peers.validate_linear_py(g))
            naive = "-"
            if k in naive_ks:
                t0 = time.perf_counter()
                peers.validate_naive(g, parts=("paths",))
                naive = _ms(time.perf_counter() - t0)
            rows.append(
                [
                    k,
                    f"2^{k}",
                    "yes" if stats.count == 2**k else "NO",
                    f"{len(pw301['route'])} steps, {interviews} interviews",
                    _ms(total),
                    _ms(t_routes),
                    _ms(ref),
                    naive,
                ]
            )
            print("diamonds", rows[-1], flush=True)
        for k in naive_ks:
            if k in ks:
                continue
            g = gen.diamonds(k, 0)
            doc = to_document(g, "diamonds")
            doc["policies"] = {"max_interviews": 1}
            p = _pathway(doc)
            ours = median_time(lambda p=p: (pw.check(p), route_stats(p)), repeats=3)
            t0 = time.perf_counter()
            peers.validate_naive(g, parts=("paths",))
            naive_s = time.perf_counter() - t0
            count = route_stats(p).count
            rows.append(
                [
                    k,
                    f"2^{k}",
                    "yes" if count == 2**k else "NO",
                    "-",
                    f"{_ms(ours)} (check + routes, no I/O)",
                    "-",
                    _ms(median_time(lambda g=g: peers.validate_linear_py(g))),
                    _ms(naive_s),
                ]
            )
            print("diamonds", rows[-1], flush=True)
    rows.sort(key=lambda r: int(r[0]))
    return md_table(
        [
            "K",
            "routes",
            "count exact",
            "PW301 witness",
            "pathways validate --format json + routes (end to end)",
            "routes statistics alone",
            "linear reference (max interviews only)",
            "naive all_simple_paths",
        ],
        rows,
    )


def main() -> None:
    quick = "--quick" in sys.argv
    gen = shared_module("gen")
    peers = shared_module("validate_peers")
    sizes = [1000, 10_000] if quick else [1000, 10_000, 100_000]
    ks = [20, 50, 100, 200] if quick else [20, 40, 60, 80, 100, 120, 140, 160, 180, 200]
    naive_ks = [12, 16] if quick else [12, 16, 18]
    started = time.perf_counter()
    parts = [
        f"# Validation benchmark ({'quick' if quick else 'full'})",
        "",
        f"Python {platform.python_version()} on {platform.machine()}, "
        f"{platform.system()}; pathways {pw.__version__}. Times are medians of up to 5 runs "
        "in one process; compare ratios within a run (shared 2-core VM, about +-30% noise).",
        "",
        "## check() against the linear reference",
        "",
        bench_sizes(peers, gen, sizes),
        "",
        "## diamonds: 2^K routes, end to end",
        "",
        bench_diamonds(peers, gen, ks, naive_ks),
        "",
        "Peers not run here: pm4py (AGPL; woflan) and python-statemachine are not installed",
        "in the project environment. Their figures on the same generator are in",
        "`../shared/bench/RESULTS.md`: woflan times out (> 90 s) at 1,000 steps and returns",
        "only a boolean; python-statemachine class creation takes 1.4 s at 1,000 steps and",
        "stops at the first problem.",
        "",
        f"Total wall time: {time.perf_counter() - started:,.0f} s.",
    ]
    text = "\n".join(parts) + "\n"
    print()
    print(text)
    if not quick:
        out = Path(__file__).resolve().parent / "results" / "validate.md"
        out.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
