"""Case store benchmark: SQLiteStore and PostgresStore against plain SQL inserts (the floor).

Side by side, in one run:

  save vs history   the median time of one save (one new event) of a case with 10, 1,000
                    and 10,000 events in its history: a save appends only the new entry and
                    replays only the new event, so it should not grow (goal: 10,000 within 2x
                    of 10).
  fire + save       C cases, each opened and saved, then one event fired and saved (two
                    transactions per case), by 1 and by 4 worker processes, timed from when
                    every worker is ready (imported, pathway loaded, connected: ~2 s for
                    ours, which earlier runs counted); against the floor:
                    the same rows written with plain SQL (an INSERT of the case row and one
                    history row per transaction, then an UPDATE and one history row), with the
                    same durability (SQLite file in WAL with synchronous=FULL; PostgreSQL with
                    its defaults, fsync on).

The PostgreSQL server is a throwaway one started like the tests' (tests/stores.py), or
$PATHWAYS_TEST_POSTGRES.

--baseline DIR adds a column for another checkout of the library (its DIR/src), measured in
the same run, e.g. the code before a change: ``git worktree add /tmp/before SHA``.

Run:  python bench/bench_store.py [--quick] [--cases N] [--baseline DIR] [--out FILE]
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
# the library under test: this checkout's, or a baseline's (set for the worker processes)
sys.path.insert(0, os.environ.get("PATHWAYS_BENCH_SRC", str(ROOT / "src")))
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
    """Median seconds of one save at each history length (run in a worker process)."""
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


def ours(spec: str, ids: list[str], ready: Any) -> None:
    engine = pw.Engine(pw.load(LOOP))
    store = open_store(spec)
    ready.wait()  # the clock starts once every worker has imported, loaded and connected
    for case_id in ids:
        case = engine.open(case_id=case_id, at=T0)
        store.save(case)
        case.fire("start", actor=ACTOR, at=T0 + dt.timedelta(minutes=1))
        store.save(case)
    store.close()


def floor(spec: str, ids: list[str], ready: Any) -> None:
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
    ready.wait()
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


def _in_process(src: str, target: Any, *args: Any) -> Any:
    """Run ``target(*args)`` in a spawned process importing the library from ``src``."""
    ctx = multiprocessing.get_context("spawn")
    os.environ["PATHWAYS_BENCH_SRC"] = src
    try:
        with ctx.Pool(1) as pool:
            return pool.apply(target, args)
    finally:
        del os.environ["PATHWAYS_BENCH_SRC"]


def _setup(spec: str) -> None:
    open_store(spec).close()  # create the schema before the workers race for it


def throughput(
    kind: str, folder: Path, cases: int, workers: int, sources: dict[str, str], rounds: int
) -> dict[str, float]:
    """Cases per second with ``workers`` processes: each library of ``sources`` (name ->
    src folder) and the floor, taking turns for ``rounds`` rounds (the shared machine's load
    drifts; turns spread it over all of them); the median round of each."""
    got: dict[str, list[float]] = {}
    runs = [(name, ours, src) for name, src in sources.items()]
    runs.append(("floor", floor, str(ROOT / "src")))
    for r in range(rounds):
        for name, work, src in runs:
            spec = fresh_spec(kind, folder, f"{name}-{workers}-{r}")
            if work is floor:
                make_plain_tables(spec)
            else:
                _in_process(src, _setup, spec)
            chunks = [[f"{name}{w}-{i}" for i in range(w, cases, workers)] for w in range(workers)]
            ctx = multiprocessing.get_context("spawn")
            os.environ["PATHWAYS_BENCH_SRC"] = src
            ready = ctx.Barrier(workers + 1)
            try:
                procs = [ctx.Process(target=work, args=(spec, chunk, ready)) for chunk in chunks]
                for p in procs:
                    p.start()
                ready.wait()  # not counted: starting Python, importing, loading the pathway
                start = time.perf_counter()
                for p in procs:
                    p.join()
                    assert p.exitcode == 0, name
            finally:
                del os.environ["PATHWAYS_BENCH_SRC"]
            got.setdefault(name, []).append(cases / (time.perf_counter() - start))
    return {name: statistics.median(values) for name, values in got.items()}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--cases", type=int, default=None, help="cases per fire+save run")
    parser.add_argument("--baseline", default=None, help="another checkout to compare with")
    parser.add_argument("--rounds", type=int, default=3, help="turns per fire+save figure")
    parser.add_argument("--out", default=str(ROOT / "bench" / "results" / "store.md"))
    args = parser.parse_args()
    cases = args.cases or (100 if args.quick else 2000)
    lengths = [10, 1000] if args.quick else [10, 1000, 10_000]
    saves = 10 if args.quick else 30
    sources = {"pathways": str(ROOT / "src")}
    if args.baseline:
        sources["baseline"] = str(Path(args.baseline).resolve() / "src")
    names = list(sources)
    lines = [
        "# Case store bench",
        "",
        f"Python {platform.python_version()}, {os.cpu_count()} CPUs (shared); "
        f"{cases} cases per fire+save run, median of {args.rounds} rounds taken in turns; "
        f"{saves} saves per history length."
        + (f" Baseline: {args.baseline}." if args.baseline else ""),
        "",
        "## One save vs history length (median ms)",
        "",
        "| store | library | " + " | ".join(f"{n:,} events" for n in lengths) + " | longest / 10 |",
        "|---" * (len(lengths) + 3) + "|",
    ]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for kind in ("sqlite", "postgres"):
            for name in names:
                spec = fresh_spec(kind, folder, f"hist-{name}")
                got = _in_process(sources[name], save_vs_history, spec, lengths, saves)
                row = [f"{got[n] * 1000:.2f}" for n in lengths]
                lines.append(
                    f"| {kind} | {name} | {' | '.join(row)} | "
                    f"{got[lengths[-1]] / got[lengths[0]]:.2f}x |"
                )
                print(lines[-1], flush=True)
        lines += [
            "",
            "## fire + save throughput (cases per second; two transactions per case; median "
            "of the rounds)",
            "",
            "| store | workers | "
            + " | ".join(names)
            + " | plain SQL floor | "
            + " | ".join(f"{n} / floor" for n in names)
            + " |",
            "|---" * (3 + 2 * len(names)) + "|",
        ]
        for kind in ("sqlite", "postgres"):
            for workers in (1, 4):
                got = throughput(kind, folder, cases, workers, sources, args.rounds)
                base = got["floor"]
                lines.append(
                    f"| {kind} | {workers} | "
                    + " | ".join(f"{got[n]:.0f}" for n in names)
                    + f" | {base:.0f} | "
                    + " | ".join(f"{got[n] / base:.2f}" for n in names)
                    + " |"
                )
                print(lines[-1], flush=True)
    text = "\n".join(lines) + "\n"
    print(text)
    if not args.quick:
        Path(args.out).write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
