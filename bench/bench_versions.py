"""Pathway versions: ``pathways.diff`` of two 10,000-step versions, beside its floor.

The floor is what any semantic diff that reports findings and route properties must do anyway:
validate both versions (``check`` twice) and compute their route statistics. ``diff`` adds the
matching of steps, transitions and deadlines, the exact guard witnesses and the messages. The
goal of issue 16 is under 2 s for two 10,000-step versions.

Run: ``python bench/bench_versions.py [--quick]``; a full run rewrites
``bench/results/versions.md``.
"""

from __future__ import annotations

import copy
import platform
import random
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import md_table, median_time, shared_module, to_document

import pathways as pw
from pathways.routes import route_stats
from pathways.versions import diff, fingerprint


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:,.1f} ms" if seconds < 10 else f"{seconds:,.1f} s"


def _edit(doc: dict[str, Any], seed: int, edits: int) -> dict[str, Any]:
    """A new version: some steps moved to another role, delays and probabilities kept,
    one step removed with its transitions, one added, one deadline tightened."""
    rng = random.Random(seed)
    new = copy.deepcopy(doc)
    roles = [r["id"] for r in new["roles"]]
    actions = [s for s in new["steps"] if s.get("kind") == "action"]
    for step in rng.sample(actions, min(edits, len(actions))):
        step["role"] = rng.choice([r for r in roles if r != step["role"]] or roles)
    new["steps"].append({"id": "zz_added", "role": roles[0], "duration": "1h"})
    first = actions[0]["id"]
    new["transitions"].append({"from": first, "to": "zz_added", "probability": 0.0})
    outcome = next(s["id"] for s in new["steps"] if s.get("kind") == "outcome")
    new["transitions"].append({"from": "zz_added", "to": outcome})
    return new


def main() -> None:
    quick = "--quick" in sys.argv
    gen = shared_module("gen")
    sizes = [1000, 10_000] if quick else [1000, 10_000, 50_000]
    rows = []
    for n in sizes:
        doc = to_document(gen.generate("layered", n, 0))
        doc["deadlines"] = [{"id": "d1", "to": doc["steps"][-1]["id"], "within": "52w"}]
        old = pw.Pathway.model_validate(doc)
        new_doc = _edit(doc, 1, max(10, n // 100))
        new_doc["deadlines"][0]["within"] = "26w"
        new = pw.Pathway.model_validate(new_doc)
        t_diff = median_time(lambda a=old, b=new: diff(a, b), repeats=3, budget_s=60)
        t_floor = median_time(
            lambda a=old, b=new: (pw.check(a), pw.check(b), route_stats(a), route_stats(b)),
            repeats=3,
            budget_s=60,
        )
        t_fp = median_time(lambda b=new: fingerprint(b), repeats=5)
        t_plain = median_time(
            lambda a=old, b=new: diff(a, b, findings=False, routes=False), repeats=3
        )
        result = diff(old, new)
        rows.append(
            [
                f"{len(old.steps):,}",
                f"{len(result.changes):,}",
                _ms(t_floor),
                _ms(t_diff),
                f"{t_diff / t_floor:.2f}x",
                _ms(t_plain),
                _ms(t_fp),
            ]
        )
        print(rows[-1], flush=True)
    text = "\n".join(
        [
            f"# Versions benchmark ({'quick' if quick else 'full'})",
            "",
            f"Python {platform.python_version()} on {platform.machine()}; pathways "
            f"{pw.__version__}. Medians of up to 3 runs in one process; compare ratios within "
            "a run (shared 2-core VM).",
            "",
            md_table(
                [
                    "steps",
                    "changes found",
                    "floor: check + route_stats of both",
                    "diff (findings and routes)",
                    "diff / floor",
                    "diff without findings and routes",
                    "fingerprint",
                ],
                rows,
            ),
            "",
        ]
    )
    print()
    print(text)
    if not quick:
        (Path(__file__).resolve().parent / "results" / "versions.md").write_text(
            text, encoding="utf-8"
        )


if __name__ == "__main__":
    t0 = time.perf_counter()
    main()
    print(f"total {time.perf_counter() - t0:,.0f} s")
