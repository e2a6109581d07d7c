"""Parallel tracks: ``pathways validate`` against the plain exhaustive token game, in one run.

Three families, side by side:

- **nested**: one fork starts K tracks of 10 steps that all end at one join (the interleaving
  state space is about 11**K). ``pathways validate --format json`` end to end (a fresh
  process: start-up, load, every rule, JSON), and beside it the plain exhaustive explorer of
  ``tests/test_tracks.py`` (the state-space approach of BPMN Analyzer and Woflan) on the same
  file, in a child process stopped at 60 s.
- **bypass**: the same, with the last step of the first track given a second exit to an
  outcome that bypasses the join: PW110 at the join and PW112 at that outcome, with witness.
- **single track**: ``check()`` on the 10k-step layered pathway of ``../shared/bench`` against
  its plain linear reference (fork/join analysis must cost a pathway without tracks nothing).

Run: ``python bench/bench_tracks.py [--quick]``; figures of a full run go to
``bench/results/tracks.md`` and docs/performance.md.
"""

from __future__ import annotations

import json
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import REPO, md_table, median_time, shared_module, to_document

import pathways as pw

ORACLE_LIMIT_S = 60.0


def tracks_document(k: int, length: int = 10, bypass: bool = False) -> dict[str, Any]:
    """K tracks of ``length`` steps from one fork to one join (track 0 may bypass the join)."""
    steps: list[dict[str, Any]] = [
        {"id": "intake", "kind": "entry", "role": "r", "duration": "1h"},
        {"id": "start_tracks", "kind": "fork", "role": "r", "duration": "10m"},
    ]
    transitions: list[dict[str, Any]] = [{"from": "intake", "to": "start_tracks"}]
    for t in range(k):
        for s in range(length):
            last = s == length - 1
            kind = "decision" if bypass and t == 0 and last else "action"
            steps.append({"id": f"t{t}_s{s}", "kind": kind, "role": "r", "duration": f"{s + 1}h"})
            source = "start_tracks" if s == 0 else f"t{t}_s{s - 1}"
            transitions.append({"from": source, "to": f"t{t}_s{s}"})
        transitions.append({"from": f"t{t}_s{length - 1}", "to": "conference", "event": "report"})
    steps += [
        {"id": "conference", "kind": "join", "role": "r", "duration": "2h"},
        {"id": "closed", "kind": "outcome", "label": "Closed"},
    ]
    transitions.append({"from": "conference", "to": "closed"})
    if bypass:
        steps.append({"id": "dropped", "kind": "outcome", "label": "Dropped"})
        transitions.append({"from": f"t0_s{length - 1}", "to": "dropped", "event": "drop"})
    return {
        "format": "pathways/1",
        "id": f"tracks-{k}",
        "agencies": [
            {
                "id": "a",
                "name": "A",
                "sector": "social",
                "contacts": [{"channel": "phone", "value": "1"}],
            }
        ],
        "roles": [{"id": "r", "agency": "a", "title": "R"}],
        "steps": steps,
        "transitions": transitions,
    }


def validate_end_to_end(path: Path) -> tuple[float, dict[str, Any]]:
    t0 = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-m", "pathways", "validate", str(path), "--format", "json"],
        capture_output=True,
        text=True,
        check=False,
    )
    elapsed = time.perf_counter() - t0
    return elapsed, json.loads(out.stdout)


ORACLE_CHILD = """
import json, sys, time
sys.path.insert(0, {repo!r})
from tests.test_tracks import oracle
doc = json.load(open({path!r}))
t0 = time.perf_counter()
found = oracle(doc, max_states=10**9)
print(json.dumps({{"seconds": time.perf_counter() - t0, "markings": found["markings"].pop(),
                  "PW110": sorted(found["PW110"]), "PW112": sorted(found["PW112"])}}))
"""


def exhaustive(doc: dict[str, Any], tmp: Path) -> dict[str, Any] | None:
    """The test oracle on ``doc`` in a child process; None when it passes the time limit."""
    path = tmp / "doc.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    code = ORACLE_CHILD.format(repo=str(REPO), path=str(path))
    try:
        out = subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            timeout=ORACLE_LIMIT_S,
            check=True,
        )
    except subprocess.TimeoutExpired:
        return None
    result: dict[str, Any] = json.loads(out.stdout)
    return result


def bench_family(ks: list[int], bypass: bool, tmp: Path) -> str:
    rows = []
    oracle_dead = False
    for k in ks:
        doc = tracks_document(k, bypass=bypass)
        path = tmp / f"tracks-{k}{'-bypass' if bypass else ''}.yaml"
        path.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
        e2e, report = validate_end_to_end(path)
        p = pw.Pathway.model_validate(doc)
        inproc = median_time(lambda p=p: pw.check(p), repeats=5, budget_s=10)
        findings = report["findings"]
        errors = [f for f in findings if f["severity"] == "error"]
        codes = sorted({f["code"] for f in errors})
        witness = next((f.get("route") for f in findings if f["code"] == "PW110"), None)
        if oracle_dead:
            ex: dict[str, Any] | None = None
        else:
            ex = exhaustive(doc, tmp)
            oracle_dead = ex is None
        if ex is None:
            ex_cell, ratio, same = (
                f"> {ORACLE_LIMIT_S:.0f} s (stopped)",
                f"> {ORACLE_LIMIT_S / e2e:,.0f}x",
                "-",
            )
        else:
            ex_cell = f"{ex['seconds']:,.2f} s ({int(ex['markings']):,} states)"
            ratio = f"{ex['seconds'] / e2e:,.1f}x"
            same = "yes" if (["conference"] if bypass else []) == ex["PW110"] else "NO"
        rows.append(
            [
                str(k),
                f"11^{k}",
                f"{e2e:,.2f} s",
                f"{inproc * 1000:,.1f} ms",
                ", ".join(codes) or "0 findings" if not errors else ", ".join(codes),
                f"{len(witness)} steps" if witness else "-",
                ex_cell,
                ratio,
                same,
            ]
        )
    return md_table(
        [
            "K",
            "interleavings",
            "pathways validate (end to end)",
            "check() in process",
            "errors",
            "PW110 witness",
            "exhaustive token game",
            "exhaustive / validate",
            "same PW110",
        ],
        rows,
    )


def bench_single_track() -> str:
    gen = shared_module("gen")
    peers = shared_module("validate_peers")
    g = gen.generate("layered", 10_000, 0)
    p = pw.Pathway.model_validate(to_document(g))
    ours = median_time(lambda: pw.check(p), repeats=5, budget_s=60)
    ref = median_time(lambda: peers.validate_linear_py(g), repeats=5, budget_s=60)
    return md_table(
        ["pathway", "linear reference", "check(): every rule", "ratio"],
        [["layered 10,000 steps, no tracks", f"{ref * 1000:,.1f} ms", f"{ours * 1000:,.1f} ms",
          f"{ours / ref:.1f}x"]],
    )  # fmt: skip


def main() -> None:
    quick = "--quick" in sys.argv
    ks = [2, 3, 5, 10] if quick else [2, 3, 4, 5, 10, 20, 30]
    header = (
        f"# Parallel tracks benchmark ({'quick' if quick else 'full'})\n\n"
        f"Python {platform.python_version()} on {platform.machine()}, {platform.system()}; "
        f"pathways {pw.__version__}. End to end = a fresh `python -m pathways validate --format "
        "json` process. The exhaustive token game is the oracle of tests/test_tracks.py, run in "
        f"a child process stopped at {ORACLE_LIMIT_S:.0f} s (once stopped, larger K is not "
        "tried). Compare ratios within a run (shared 2-core VM).\n"
    )
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        small = tmp / "small.yaml"
        small.write_text(
            (REPO / "tests" / "data" / "engine-small.yaml").read_text(encoding="utf-8"),
            encoding="utf-8",
        )
        startup = min(validate_end_to_end(small)[0] for _ in range(3))
        header += (
            f"\nFor scale: `pathways validate` of a 6-step pathway without tracks takes "
            f"{startup:,.2f} s end to end in this run (process start-up and imports).\n"
        )
        parts = [
            header,
            "## K well-nested tracks of 10 steps\n",
            bench_family(ks, bypass=False, tmp=tmp),
            "\n## The same, one track bypassing the join\n",
            bench_family(ks, bypass=True, tmp=tmp),
            "\n## A pathway without tracks\n",
            bench_single_track(),
        ]
    text = "\n".join(parts) + "\n"
    print(text)
    if not quick:
        (REPO / "bench" / "results" / "tracks.md").write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
