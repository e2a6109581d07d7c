"""Pathway versions: ``pathways.diff`` of two 10,000-step versions, beside its floor.

The floor is what any semantic diff that reports findings and route properties must do anyway:
validate both versions (``check`` twice) and compute their route statistics. ``diff`` adds the
matching of steps, transitions and deadlines, the exact guard witnesses and the messages. The
goal of issue 16 is under 2 s for two 10,000-step versions.

Run: ``python bench/bench_versions.py [--quick]``; a full run rewrites
``bench/results/versions.md``. ``--migration 100000`` times only the store migration, at that
many open cases (the issue's size: about N x 2 ms of setup on a quiet machine).
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


SMALL = {
    "format": "pathways/1",
    "id": "small",
    "version": "1.0",
    "agencies": [{"id": "a", "name": "A", "sector": "social"}],
    "roles": [{"id": "worker", "agency": "a", "title": "Worker"}],
    "steps": [
        {"id": "intake", "kind": "entry", "role": "worker"},
        {"id": "assess", "role": "worker"},
        {"id": "closed", "kind": "outcome"},
    ],
    "transitions": [{"from": "intake", "to": "assess"}, {"from": "assess", "to": "closed"}],
    "deadlines": [{"id": "close-window", "to": "closed", "within": "30d"}],
}


def bench_migration(n: int) -> list[str]:
    """n open cases in one SQLite file: load and save them all (the floor) against
    migrate_store (load, plan, migrate, save all in one transaction)."""
    import datetime as dt
    import tempfile

    from pathways.migration import migrate_store
    from pathways.store import SQLiteStore

    old = pw.Engine(pw.Pathway.model_validate(SMALL))
    renamed = copy.deepcopy(SMALL)
    renamed["version"] = "2.0"
    renamed["steps"][1]["id"] = "assessment"
    renamed["transitions"] = [
        {"from": "intake", "to": "assessment"},
        {"from": "assessment", "to": "closed"},
    ]
    new = pw.Engine(pw.Pathway.model_validate(renamed))
    t0 = dt.datetime(2027, 1, 4, 9, tzinfo=dt.UTC)
    worker = pw.Actor(id="w", role="worker")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "cases.db"
        with SQLiteStore(path) as store:
            cases = []
            for i in range(n):
                case = old.open(case_id=f"c-{i:06d}", at=t0)
                case.fire("to_assess", actor=worker, at=t0 + dt.timedelta(hours=1))
                cases.append(case)
            store.save_all(cases)
            start = time.perf_counter()
            loaded = [store.load(cid, old) for cid in store.list()]
            store.save_all(loaded)  # nothing new to append: the floor of a store-wide rewrite
            floor = time.perf_counter() - start
            start = time.perf_counter()
            result = migrate_store(
                store,
                old,
                new,
                {"assess": "assessment"},
                actor=pw.Actor(id="admin", role="worker"),
                at=t0 + dt.timedelta(days=1),
            )
            moved = time.perf_counter() - start
    assert len(result.moved) == n
    return [f"{n:,}", _ms(floor), _ms(moved), f"{moved / floor:.2f}x"]


def main() -> None:
    if "--migration" in sys.argv:  # --migration N: only the store migration, at N open cases
        n = int(sys.argv[sys.argv.index("--migration") + 1])
        print(
            md_table(
                ["open cases", "floor", "migrate_store", "migrate / floor"], [bench_migration(n)]
            )
        )
        return
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
    migrations = [bench_migration(n) for n in ([1000] if quick else [1000, 10_000])]
    print(migrations, flush=True)
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
            "## Migrating a store's open cases (SQLite file, synchronous=FULL)",
            "",
            md_table(
                [
                    "open cases",
                    "floor: load every case and save them in one transaction",
                    "migrate_store (load, plan, migrate, save in one transaction)",
                    "migrate / floor",
                ],
                migrations,
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
