"""The store contract: every store (SQLite, PostgreSQL) passes these, parametrised by ``backend``.

Durable, append-only, optimistic concurrency, crash safety with real processes. The
PostgreSQL variants run against a throwaway server (see tests/stores.py).
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
import os
import random
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

import pathways as pw
from pathways.case import Case
from pathways.engine import Engine
from pathways.store import CaseStore, SQLiteStore
from tests.stores import Backend

SMALL = "tests/data/engine-small.yaml"
T0 = dt.datetime(2026, 3, 1, 8, 0, tzinfo=dt.UTC)
COUNSELLOR = pw.Actor(id="c1", role="counsellor")
CASEWORKER = pw.Actor(id="w1", role="caseworker")


def hours(h: float) -> dt.datetime:
    return T0 + dt.timedelta(hours=h)


@pytest.fixture(scope="module")
def engine() -> Engine:
    return Engine(pw.load(SMALL))


def new_case(engine: Engine, case_id: str = "c-1", risk: str = "high") -> Case:
    return engine.open(data={"online": False, "risk": risk}, case_id=case_id, at=T0)


def test_store_follows_the_protocol(store: CaseStore) -> None:
    """Every store is a CaseStore."""
    assert isinstance(store, CaseStore)


def test_sqlite_store_sets_durable_pragmas(tmp_path: Path) -> None:
    """SQLiteStore is in WAL mode with synchronous=FULL."""
    store = SQLiteStore(tmp_path / "cases.db")
    assert store._db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert store._db.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    store.close()


def test_save_and_load_round_trip(engine: Engine, store: CaseStore, backend: Backend) -> None:
    """A saved case loads back equal, with its referral, deadlines and history."""
    case = new_case(engine)
    store.save(case)
    assert case.version == 1
    case.fire("screen", actor=COUNSELLOR, at=hours(1))
    case.fire("refer", actor=COUNSELLOR, at=hours(2))
    store.save(case)
    assert case.version == 2
    loaded = store.load("c-1", engine)
    assert loaded.to_dict() == case.to_dict()
    assert loaded.referral is not None and loaded.verify()
    loaded.accept(CASEWORKER, at=hours(3))
    store.save(loaded)
    rows = backend.sql("SELECT seq FROM history WHERE case_id = 'c-1' ORDER BY seq")
    assert [r[0] for r in rows] == [0, 1, 2, 3]


def test_a_stale_writer_gets_a_conflict_and_nothing_is_overwritten(
    engine: Engine, store: CaseStore
) -> None:
    """Two copies of one case: the second save raises ConflictError and writes nothing."""
    store.save(new_case(engine, risk="low"))
    first, second = store.load("c-1", engine), store.load("c-1", engine)
    first.fire("screen", actor=COUNSELLOR, at=hours(1), note="first")
    second.fire("screen", actor=COUNSELLOR, at=hours(1), note="second")
    second.fire("close", actor=COUNSELLOR, at=hours(2))
    store.save(first)
    with pytest.raises(pw.ConflictError, match="changed since it was loaded at version 1"):
        store.save(second)
    assert second.version == 1
    stored = store.load("c-1", engine)
    assert stored.to_dict() == first.to_dict() and stored.history[-1].note == "first"


def test_a_new_case_cannot_take_a_stored_id(engine: Engine, store: CaseStore) -> None:
    """Saving a never-saved case whose id is stored raises ConflictError."""
    store.save(new_case(engine))
    with pytest.raises(pw.ConflictError, match="already stored"):
        store.save(new_case(engine))


@pytest.mark.parametrize(
    "statement", ["UPDATE history SET entry = '{}'", "DELETE FROM history", "TRUNCATE history"]
)
def test_history_table_is_append_only(
    engine: Engine, store: CaseStore, backend: Backend, statement: str
) -> None:
    """The database refuses UPDATE, DELETE (and TRUNCATE) on history, even from plain SQL."""
    store.save(new_case(engine))
    if statement.startswith("TRUNCATE") and backend.kind == "sqlite":
        statement = "DELETE FROM history"  # SQLite has no TRUNCATE
    with pytest.raises(Exception, match="append-only"):
        backend.sql(statement)
    assert len(backend.sql("SELECT * FROM history")) == 1


def test_load_refuses_tampered_history(engine: Engine, store: CaseStore, backend: Backend) -> None:
    """A history row edited behind the store's back makes load raise CaseError."""
    case = new_case(engine)
    case.fire("screen", actor=COUNSELLOR, at=hours(1), note="ok")
    store.save(case)
    backend.drop_guards()
    backend.sql("UPDATE history SET entry = replace(entry, '\"ok\"', '\"edited\"') WHERE seq = 1")
    with pytest.raises(pw.CaseError, match="does not verify at entry 1"):
        store.load("c-1", engine)


def test_load_unknown_and_wrong_engine(engine: Engine, store: CaseStore) -> None:
    """An unknown id is a KeyError; another pathway's engine is refused."""
    with pytest.raises(KeyError, match="no case 'nope'"):
        store.load("nope", engine)
    store.save(new_case(engine))
    with pytest.raises(pw.CaseError, match="engine-small"):
        store.load("c-1", Engine(pw.load("pathways/kh/csa-in-person.yaml")))


def test_list_by_step_and_overdue(engine: Engine, store: CaseStore) -> None:
    """list(step=...) and list(overdue_at=...) answer from indexed columns."""
    a, b, c = (new_case(engine, f"c-{i}", risk) for i, risk in enumerate(["high", "low", "low"]))
    b.fire("screen", actor=COUNSELLOR, at=hours(1))
    c.fire("screen", actor=COUNSELLOR, at=hours(1))
    c.fire("close", actor=COUNSELLOR, at=hours(2))  # closed: no deadline can be missed
    for case in (a, b, c):
        store.save(case)
    assert store.list() == ["c-0", "c-1", "c-2"]
    assert store.list(step="screen") == ["c-1"]
    assert store.list(overdue_at=hours(47)) == []
    assert store.list(overdue_at=hours(49)) == ["c-0", "c-1"]  # placed-2d missed
    assert store.list(step="intake", overdue_at=hours(49)) == ["c-0"]
    for case in (a, b):
        assert bool(case.overdue(hours(49)))
    assert store.count() == 3  # type: ignore[attr-defined]


def test_threads_share_one_store(engine: Engine, store: CaseStore) -> None:
    """Several threads saving different cases through one store lose nothing."""

    def work(k: int) -> None:
        for i in range(25):
            case = new_case(engine, f"t{k}-{i}", "low")
            store.save(case)
            case.fire("screen", actor=COUNSELLOR, at=hours(1))
            store.save(case)

    threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert store.count() == 100  # type: ignore[attr-defined]
    assert store.list(step="screen") == sorted(f"t{k}-{i}" for k in range(4) for i in range(25))


# ------------------------------------------------------------------------ real processes

_WRITER = r"""
import datetime as dt, sys
import pathways as pw
from tests.store_worker import open_store
engine = pw.Engine(pw.load(sys.argv[2]))
store = open_store(sys.argv[1])
prefix = sys.argv[3]
t0 = dt.datetime(2026, 3, 1, tzinfo=dt.timezone.utc)
actor = pw.Actor(id="c1", role="counsellor")
i = 0
while True:
    case = engine.open(data={"online": False, "risk": "low"}, case_id=f"{prefix}{i}", at=t0)
    store.save(case)
    print(f"{case.id} {case.version}", flush=True)
    case.fire("screen", actor=actor, at=t0 + dt.timedelta(hours=1))
    store.save(case)
    print(f"{case.id} {case.version}", flush=True)
    i += 1
"""

TRIALS = int(os.environ.get("PATHWAYS_SIGKILL_TRIALS", "2"))


def test_sigkill_mid_write_leaves_every_committed_case(engine: Engine, backend: Backend) -> None:
    """Writers killed with SIGKILL at random points mid-stream leave a store that opens and
    holds every case they reported committed, each with a verifying chain
    (``PATHWAYS_SIGKILL_TRIALS`` trials, 2 by default; ``make test-thorough`` runs 200)."""
    rng = random.Random(15)
    committed: dict[str, int] = {}
    for trial in range(TRIALS):
        with subprocess.Popen(  # closes the pipe even when an assertion fails
            [sys.executable, "-c", _WRITER, backend.spec, SMALL, f"k{trial}-"],
            stdout=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONPATH": os.pathsep.join(["src", "."])},
        ) as child:
            assert child.stdout is not None
            stop_after = rng.randint(1, 120)
            for seen, line in enumerate(child.stdout, start=1):
                case_id, version = line.split()
                committed[case_id] = int(version)
                if seen >= stop_after:
                    break
            child.send_signal(signal.SIGKILL)
            child.wait()
            for line in child.stdout:  # lines written before the kill landed
                case_id, version = line.split()
                committed[case_id] = int(version)
        assert child.returncode == -signal.SIGKILL
    with backend.open() as store:
        if backend.kind == "sqlite":
            assert store._db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        stored = store.list()
        assert set(committed) <= set(stored)
        for case_id in stored:
            case = store.load(case_id, engine)
            assert case.verify()
            assert case.version >= committed.get(case_id, 1)
            assert len(case.history) == case.version  # one event per save in the writer


def _racer(spec: str, note: str, barrier: multiprocessing.synchronize.Barrier, out: object) -> None:
    from tests.store_worker import open_store

    engine = Engine(pw.load(SMALL))
    store = open_store(spec)
    case = store.load("race", engine)  # type: ignore[attr-defined]
    case.fire("screen", actor=pw.Actor(id=note, role="counsellor"), at=hours(1), note=note)
    barrier.wait()
    try:
        store.save(case)  # type: ignore[attr-defined]
        out.put((note, "saved"))  # type: ignore[attr-defined]
    except pw.ConflictError:
        out.put((note, "conflict"))  # type: ignore[attr-defined]


def test_two_processes_updating_one_case(engine: Engine, backend: Backend) -> None:
    """Two processes save the same loaded case: one wins, the other gets ConflictError."""
    with backend.open() as store:
        store.save(new_case(engine, "race", "low"))
    ctx = multiprocessing.get_context("spawn")
    barrier, out = ctx.Barrier(2), ctx.Queue()
    procs = [ctx.Process(target=_racer, args=(backend.spec, n, barrier, out)) for n in ("p1", "p2")]
    for p in procs:
        p.start()
    results = dict(out.get(timeout=120) for _ in procs)
    for p in procs:
        p.join(timeout=60)
    assert sorted(results.values()) == ["conflict", "saved"]
    (winner,) = [note for note, what in results.items() if what == "saved"]
    with backend.open() as store:
        case = store.load("race", engine)
    assert case.version == 2 and len(case.history) == 2
    assert case.history[-1].note == winner and case.verify()


def test_a_stale_copy_is_refused_even_when_the_stored_history_is_a_prefix(
    engine: Engine, store: SQLiteStore
) -> None:
    """The row version alone decides: a copy loaded at version 1 cannot be saved after the
    stored case moved to version 2, although the stored history is a prefix of the copy's."""
    store.save(new_case(engine, risk="low"))
    fresh, stale = store.load("c-1", engine), store.load("c-1", engine)
    store.save(fresh)  # version 2, no new history entry
    stale.fire("screen", actor=COUNSELLOR, at=hours(1))
    with pytest.raises(pw.ConflictError, match="changed since it was loaded at version 1"):
        store.save(stale)
    assert store.load("c-1", engine).history[-1].event == "open"


def test_a_forged_row_version_is_refused_by_the_history_key(
    engine: Engine, store: CaseStore
) -> None:
    """A save after a load runs no read: the conditional UPDATE on the row version and the
    history's primary key refuse a stale case. A copy whose version (and checkpoint) were set
    forward by hand passes the UPDATE, and its history insert is refused: ConflictError,
    nothing written."""
    store.save(new_case(engine, risk="low"))
    first, second = store.load("c-1", engine), store.load("c-1", engine)
    first.fire("screen", actor=COUNSELLOR, at=hours(1), note="first")
    store.save(first)
    second.fire("screen", actor=COUNSELLOR, at=hours(1), note="second")
    second.version = 2
    assert second._checkpoint is not None
    second._checkpoint.version = 2  # as if loaded at version 2: the fast path is taken
    with pytest.raises(pw.ConflictError, match="not a prefix"):
        store.save(second)
    stored = store.load("c-1", engine)
    assert stored.version == 2 and stored.history[-1].note == "first"


def test_a_save_after_a_load_runs_no_read_in_its_transaction(
    engine: Engine, tmp_path: Path
) -> None:
    """The case is serialised and checked before the write lock is taken; the transaction
    reads the row's version and indexed columns (no history), then runs the conditional
    UPDATE of the columns that changed and the new history row (issue 15: the save path
    profiled: fewer statements and fewer index pages while SQLite's one writer lock is
    held)."""
    with SQLiteStore(tmp_path / "cases.db") as store:
        store.save(new_case(engine, risk="low"))
        case = store.load("c-1", engine)
        case.fire("screen", actor=COUNSELLOR, at=hours(1))
        seen: list[str] = []
        store._db.set_trace_callback(seen.append)
        store.save(case)
        store._db.set_trace_callback(None)
        assert [s.split()[0] for s in seen] == ["BEGIN", "SELECT", "UPDATE", "INSERT", "COMMIT"]
        # intake -> screen: the step changes, the agency (hotline) does not; SQLite would
        # rewrite an index page for every indexed column in SET, so only changed ones are
        (update,) = [s for s in seen if s.startswith("UPDATE")]
        assert "step = " in update and "agency = " not in update
        assert store.list(agency="hotline", step="screen") == ["c-1"]
        case.fire("close", actor=COUNSELLOR, at=hours(2))
        store.save(case)  # after a save, too
        assert store.load("c-1", engine) == case
