"""Several processes on one store at once: consistent reads, no lost updates, conflicts only.

Four writer processes and two reader processes work on three shared cases for
``PATHWAYS_STRESS_SECONDS`` seconds (default 3 in ``make test``; ``make test-thorough`` runs
30). Regression for issue 15: ``load`` read the case row and its history in two queries, so
a reader could see a row from one commit and a history from another and report a tamper
("does not verify") that never happened.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import pathways as pw
from tests.stores import Backend

LOOP = "tests/data/store-loop.yaml"
WORKER = str(Path(__file__).with_name("store_worker.py"))
T0 = dt.datetime(2026, 3, 1, 8, 0, tzinfo=dt.UTC)
SECONDS = float(os.environ.get("PATHWAYS_STRESS_SECONDS", "3"))


def run_workers(spec: str, writers: int = 4, readers: int = 2) -> list[dict[str, object]]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(["src", "."])}
    procs = [
        subprocess.Popen(
            [sys.executable, WORKER, role, spec, LOOP, str(SECONDS), str(seed)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        for seed, role in enumerate(["writer"] * writers + ["reader"] * readers)
    ]
    results = []
    for p in procs:
        out, err = p.communicate(timeout=SECONDS + 120)
        assert p.returncode == 0, err
        results.append(json.loads(out))
    return results


def check_run(store: object, engine: pw.Engine, results: list[dict[str, object]]) -> None:
    errors = [e for r in results for e in r["errors"]]  # type: ignore[attr-defined]
    assert errors == [], errors[:5]
    acked = [tuple(a) for r in results for a in r["acked"]]  # type: ignore[attr-defined]
    assert acked, "no writer got a save through"
    assert sum(r["reads"] for r in results[4:]) > 0  # type: ignore[misc]
    final = {cid: store.load(cid, engine) for cid in ("s0", "s1", "s2")}  # type: ignore[attr-defined]
    for cid, length, digest in acked:
        history = final[cid].history
        assert len(history) >= length and history[length - 1].hash == digest, (cid, length)
    for case in final.values():
        assert case.verify()


def seed_cases(store: object, engine: pw.Engine) -> None:
    for cid in ("s0", "s1", "s2"):
        case = engine.open(case_id=cid, at=T0)
        case.fire("start", actor=pw.Actor(id="w", role="counsellor"), at=T0)
        store.save(case)  # type: ignore[attr-defined]


def test_writers_and_readers_in_processes(backend: Backend) -> None:
    """4 writers + 2 readers on one store: no false tamper error, no lost update, every
    failed save a ConflictError."""
    engine = pw.Engine(pw.load(LOOP))
    with backend.open() as store:
        seed_cases(store, engine)
        check_run(store, engine, run_workers(backend.spec))
