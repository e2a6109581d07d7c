"""Shared bench helpers: the peers' generator from ../shared/bench, converted to our format.

The generator and the peers live outside the repository (``../shared/bench``) and are imported
by path, never copied in. :func:`to_document` turns a generated pathway into a ``pathways/1``
document so our code and the peer work on the same graph.
"""

from __future__ import annotations

import importlib.util
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

REPO = Path(__file__).resolve().parent.parent
SHARED_BENCH = REPO.parent / "shared" / "bench"


def shared_module(name: str) -> ModuleType:
    """Import ``../shared/bench/<name>.py`` by path."""
    if name in sys.modules:
        return sys.modules[name]
    if str(SHARED_BENCH) not in sys.path:
        sys.path.insert(0, str(SHARED_BENCH))
    spec = importlib.util.spec_from_file_location(name, SHARED_BENCH / f"{name}.py")
    if spec is None or spec.loader is None:
        raise SystemExit(f"cannot find {SHARED_BENCH / name}.py; the bench needs ../shared/bench")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def to_document(gen: dict[str, Any], pathway_id: str = "bench") -> dict[str, Any]:
    """A generated pathway (shared/bench/gen.py schema) as a ``pathways/1`` document."""
    roles = [r["id"] for r in gen["roles"]]
    kinds = {"terminal": "outcome"}
    steps = []
    for s in gen["steps"]:
        kind = kinds.get(s["kind"], s["kind"])
        step: dict[str, Any] = {"id": s["id"], "kind": kind, "tags": list(s.get("tags", []))}
        if kind != "outcome":
            step["role"] = s.get("role") or roles[0]
            step["duration"] = "1h"
        steps.append(step)
    transitions = []
    for t in gen["transitions"]:
        d = t["duration"]
        transitions.append(
            {
                "from": t["source"],
                "to": t["target"],
                "probability": t["probability"],
                "delay": {"min": f"{d['low']}d", "mode": f"{d['mode']}d", "max": f"{d['high']}d"},
            }
        )
    return {
        "format": "pathways/1",
        "id": pathway_id,
        "agencies": [{"id": "agency", "name": "Agency", "sector": "social"}],
        "roles": [
            {"id": r["id"], "agency": "agency", "title": r["id"], "capacity": r["capacity"]}
            for r in gen["roles"]
        ],
        "steps": steps,
        "transitions": transitions,
        "policies": {"max_interviews": 10**9},
    }


def median_time(fn: Callable[[], object], *, repeats: int = 5, budget_s: float = 20.0) -> float:
    """Median wall time of ``fn()`` over up to ``repeats`` runs within ``budget_s``."""
    times: list[float] = []
    start = time.perf_counter()
    while len(times) < repeats and (not times or time.perf_counter() - start < budget_s):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def md_table(headers: list[str], rows: list[list[str]]) -> str:
    """A Markdown table."""
    out = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    out += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(out)
