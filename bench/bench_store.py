"""Case store benchmark: SQLiteStore and PostgresStore against plain SQL inserts (the floor).

Side by side, in one run:

  save vs history   the median time of one save (one new event) of a case with 10, 1,000
                    and 10,000 events in its history: a save appends only the new entry and
                    replays only the new event, so it should not grow (goal: 10,000 within 2x
                    of 10).
  fire + save       C cases, each opened and saved, then one event fired and saved (two
                    transactions per case), by 1 and by 4 worker processes; against the floor:
                    the same rows written with plain SQL (an INSERT of the case row and one
                    history row per transaction, then an UPDATE and one history row), with the
                    same durability (SQLite file in WAL with synchronous=FULL; PostgreSQL with
                    its defaults, fsync on).

The PostgreSQL server is a throwaway one started like the tests' (tests/stores.py), or
$PATHWAYS_TEST_POSTGRES.

Run:  python bench/bench_store.py [--quick] [--out bench/results/store.md]
"""

from __future__ import annotations

import argparse
import datetime as dt
import multiprocessing
import os
import platform
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))

import pathways as pw  # noqa: E402

LOOP = str(ROOT / "tests" / "data" / "store-loop.yaml")
T0 = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
ACTOR = pw.Actor(id="w", role="counsellor")


def open_store(spec: str) -> Any:
    from tests.store_worker import open_store as opener

    return opener(spec)


def fresh_spec(kind: str, folder: Path, name: str) -> str:
    if kind == "sqlite":
        return f"sqlite:{folder / (name + '.db')}"
    from tests.stores import postgres_dsn

    return postgres_dsn()


# --------------------------------------------------------------------- save vs history length


def save_vs_history(spec: str, lengths: list[int], saves: int) -> dict[int, float]:
    engine = pw.Engine(pw.load(LOOP))
    store = open_store(spec)
    out = {}
    for n in lengths:
        case = engine.open(case_id=f"h{n}", at=T0)
        case.fire("start", actor=ACTOR, at=T0)
        t = T0
        for _ in range(n - 2):
            t += dt.timedelta(seconds=1)
            case.fire("update", actor=ACTOR, at=t)
        store.save(case)
        times = []
        for i in range(saves):
            t += dt.timedelta(seconds=1)
            case.fire("update", actor=ACTOR, at=t, data={"visits": i})
            start = time.perf_counter()
            store.save(case)
            times.append(time.perf_counter() - start)
        out[n] = statistics.median(times)
    store.close()
    return out


# ------------------------------------------------------------------------------ fire + save


def ours(spec: str, ids: list[str]) -> None:
    engine = pw.Engine(pw.load(LOOP))
    store = open_store(spec)
    for case_id in ids:
        case = engine.open(case_id=case_id, at=T0)
        store.save(case)
        case.fire("start", actor=ACTOR, at=T0 + dt.timedelta(minutes=1))
        store.save(case)
    store.close()


def floor(spec: str, ids: list[str]) -> None:
    """The same rows with plain SQL: no engine, no replay, no JSON of a case."""
    entry = '{"seq":0,"event":"open"}'
    if spec.startswith("sqlite:"):
        db = sqlite3.connect(spec.removeprefix("sqlite:"), isolation_level=None, timeout=60)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=FULL")
        q = "?"
    else:
        import psycopg

        db = psycopg.connect(spec, autocommit=True)  # type: ignore[assignment]
        q = "%s"
    ins = f"INSERT INTO plain_cases VALUES ({q}, {q}, 1)"
    upd = f"UPDATE plain_cases SET step = {q}, row_version = 2 WHERE id = {q} AND row_version = 1"
    hist = f"INSERT INTO plain_history VALUES ({q}, {q}, {q})"
    for case_id in ids:
        db.execute("BEGIN")
        db.execute(ins, (case_id, "intake"))
        db.execute(hist, (case_id, 0, entry))
        db.execute("COMMIT")
        db.execute("BEGIN")
        db.execute(upd, ("work", case_id))
        db.execute(hist, (case_id, 1, entry))
        db.execute("COMMIT")
    db.close()


def make_plain_tables(spec: str) -> None:
    sql = [
        "CREATE TABLE IF NOT EXISTS plain_cases (id TEXT PRIMARY KEY, step TEXT, "
        "row_version INTEGER)",
        "CREATE TABLE IF NOT EXISTS plain_history (case_id TEXT, seq INTEGER, entry TEXT, "
        "PRIMARY KEY (case_id, seq))",
    ]
    if spec.startswith("sqlite:"):
        db = sqlite3.connect(spec.removeprefix("sqlite:"), isolation_level=None)
        db.execute("PRAGMA journal_mode=WAL")
        for s in sql:
            db.execute(s)
        db.close()
    else:
        import psycopg

        with psycopg.connect(spec, autocommit=True) as pg:
            for s in sql:
                pg.execute(s.encode())


def throughput(kind: str, folder: Path, cases: int, workers: int) -> tuple[float, float]:
    """Cases per second (ours, floor) with ``workers`` processes."""
    result = []
    for name, work in (("ours", ours), ("floor", floor)):
        spec = fresh_spec(kind, folder, f"{name}-{workers}")
        if name == "floor":
            make_plain_tables(spec)
        else:
            open_store(spec).close()  # create the schema before the workers race for it
        chunks = [[f"{name}{w}-{i}" for i in range(w, cases, workers)] for w in range(workers)]
        ctx = multiprocessing.get_context("spawn")
        procs = [ctx.Process(target=work, args=(spec, chunk)) for chunk in chunks]
        start = time.perf_counter()
        for p in procs:
            p.start()
        for p in procs:
            p.join()
            assert p.exitcode == 0, name
        result.append(cases / (time.perf_counter() - start))
    return result[0], result[1]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--out", default=str(ROOT / "bench" / "results" / "store.md"))
    args = parser.parse_args()
    cases = 100 if args.quick else 2000
    lengths = [10, 1000] if args.quick else [10, 1000, 10_000]
    saves = 10 if args.quick else 30
    lines = [
        "# Case store bench",
        "",
        f"Python {platform.python_version()}, {os.cpu_count()} CPUs (shared); "
        f"{cases} cases per fire+save run; {saves} saves per history length.",
        "",
        "## One save vs history length (median ms)",
        "",
        "| store | " + " | ".join(f"{n:,} events" for n in lengths) + " | longest / 10 |",
        "|---" * (len(lengths) + 2) + "|",
    ]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for kind in ("sqlite", "postgres"):
            got = save_vs_history(fresh_spec(kind, folder, "hist"), lengths, saves)
            row = [f"{got[n] * 1000:.2f}" for n in lengths]
            lines.append(f"| {kind} | {' | '.join(row)} | {got[lengths[-1]] / got[10]:.2f}x |")
            print(lines[-1], flush=True)
        lines += [
            "",
            "## fire + save throughput (cases per second; two transactions per case)",
            "",
            "| store | workers | pathways | plain SQL floor | pathways / floor |",
            "|---|---|---|---|---|",
        ]
        for kind in ("sqlite", "postgres"):
            for workers in (1, 4):
                mine, base = throughput(kind, folder, cases, workers)
                lines.append(
                    f"| {kind} | {workers} | {mine:.0f} | {base:.0f} | {mine / base:.2f} |"
                )
                print(lines[-1], flush=True)
    text = "\n".join(lines) + "\n"
    print(text)
    if not args.quick:
        Path(args.out).write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
