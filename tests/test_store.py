"""SQLiteStore: durable, append-only, optimistic concurrency; crash safety with real processes."""

from __future__ import annotations

import datetime as dt
import multiprocessing
import os
import signal
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest

import pathways as pw
from pathways.case import Case
from pathways.engine import Engine
from pathways.store import CaseStore, SQLiteStore

SMALL = "tests/data/engine-small.yaml"
T0 = dt.datetime(2026, 3, 1, 8, 0, tzinfo=dt.UTC)
COUNSELLOR = pw.Actor(id="c1", role="counsellor")
CASEWORKER = pw.Actor(id="w1", role="caseworker")


def hours(h: float) -> dt.datetime:
    return T0 + dt.timedelta(hours=h)


@pytest.fixture(scope="module")
def engine() -> Engine:
    return Engine(pw.load(SMALL))


@pytest.fixture
def store(tmp_path: Path) -> SQLiteStore:
    with SQLiteStore(tmp_path / "cases.db") as s:
        yield s  # type: ignore[misc]


def new_case(engine: Engine, case_id: str = "c-1", risk: str = "high") -> Case:
    return engine.open(data={"online": False, "risk": risk}, case_id=case_id, at=T0)


def test_store_follows_the_protocol_and_sets_durable_pragmas(store: SQLiteStore) -> None:
    """SQLiteStore is a CaseStore, in WAL mode with synchronous=FULL."""
    assert isinstance(store, CaseStore)
    assert store._db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert store._db.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL


def test_save_and_load_round_trip(engine: Engine, store: SQLiteStore) -> None:
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
    rows = store._db.execute("SELECT seq FROM history WHERE case_id = 'c-1' ORDER BY seq")
    assert [r[0] for r in rows] == [0, 1, 2, 3]


def test_a_stale_writer_gets_a_conflict_and_nothing_is_overwritten(
    engine: Engine, store: SQLiteStore
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


def test_a_new_case_cannot_take_a_stored_id(engine: Engine, store: SQLiteStore) -> None:
    """Saving a never-saved case whose id is stored raises ConflictError."""
    store.save(new_case(engine))
    with pytest.raises(pw.ConflictError, match="already stored"):
        store.save(new_case(engine))


def test_history_table_is_append_only(engine: Engine, store: SQLiteStore) -> None:
    """Triggers refuse UPDATE and DELETE on history, even from plain SQL."""
    store.save(new_case(engine))
    db = sqlite3.connect(store.path)
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        db.execute("UPDATE history SET entry = '{}'")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        db.execute("DELETE FROM history")
    db.close()


def test_load_refuses_tampered_history(engine: Engine, store: SQLiteStore) -> None:
    """A history row edited behind the store's back makes load raise CaseError."""
    case = new_case(engine)
    case.fire("screen", actor=COUNSELLOR, at=hours(1), note="ok")
    store.save(case)
    db = sqlite3.connect(store.path, isolation_level=None)
    db.execute("DROP TRIGGER history_no_update")
    db.execute("UPDATE history SET entry = replace(entry, '\"ok\"', '\"edited\"') WHERE seq = 1")
    db.close()
    with pytest.raises(pw.CaseError, match="does not verify at entry 1"):
        store.load("c-1", engine)


def test_load_unknown_and_wrong_engine(engine: Engine, store: SQLiteStore) -> None:
    """An unknown id is a KeyError; another pathway's engine is refused."""
    with pytest.raises(KeyError, match="no case 'nope'"):
        store.load("nope", engine)
    store.save(new_case(engine))
    with pytest.raises(pw.CaseError, match="engine-small"):
        store.load("c-1", Engine(pw.load("pathways/kh/csa-in-person.yaml")))


def test_list_by_step_and_overdue(engine: Engine, store: SQLiteStore) -> None:
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
    assert store.count() == 3


def test_threads_share_one_store(engine: Engine, store: SQLiteStore) -> None:
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
    assert store.count() == 100
    assert store.list(step="screen") == sorted(f"t{k}-{i}" for k in range(4) for i in range(25))


# ------------------------------------------------------------------------ real processes

_WRITER = r"""
import datetime as dt, sys
import pathways as pw
from pathways.store import SQLiteStore
engine = pw.Engine(pw.load(sys.argv[2]))
store = SQLiteStore(sys.argv[1])
t0 = dt.datetime(2026, 3, 1, tzinfo=dt.timezone.utc)
actor = pw.Actor(id="c1", role="counsellor")
i = 0
while True:
    case = engine.open(data={"online": False, "risk": "low"}, case_id=f"k{i}", at=t0)
    store.save(case)
    print(f"{case.id} {case.version}", flush=True)
    case.fire("screen", actor=actor, at=t0 + dt.timedelta(hours=1))
    store.save(case)
    print(f"{case.id} {case.version}", flush=True)
    i += 1
"""


def test_sigkill_mid_write_leaves_every_committed_case(engine: Engine, tmp_path: Path) -> None:
    """A writer killed with SIGKILL mid-stream leaves a store that opens and holds every case
    it reported committed, each with a verifying chain."""
    path = tmp_path / "crash.db"
    child = subprocess.Popen(
        [sys.executable, "-c", _WRITER, str(path), SMALL],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": "src"},
    )
    assert child.stdout is not None
    committed: dict[str, int] = {}
    for line in child.stdout:
        case_id, version = line.split()
        committed[case_id] = int(version)
        if len(committed) >= 150:
            break
    child.send_signal(signal.SIGKILL)
    child.wait()
    for line in child.stdout:  # lines written before the kill landed
        case_id, version = line.split()
        committed[case_id] = int(version)
    child.stdout.close()
    assert child.returncode == -signal.SIGKILL
    with SQLiteStore(path) as store:
        assert store._db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        stored = store.list()
        assert set(committed) <= set(stored)
        for case_id in stored:
            case = store.load(case_id, engine)
            assert case.verify()
            assert case.version >= committed.get(case_id, 1)
            assert len(case.history) == case.version  # one event per save in the writer


def _racer(path: str, note: str, barrier: multiprocessing.synchronize.Barrier, out: object) -> None:
    engine = Engine(pw.load(SMALL))
    store = SQLiteStore(path)
    case = store.load("race", engine)
    case.fire("screen", actor=pw.Actor(id=note, role="counsellor"), at=hours(1), note=note)
    barrier.wait()
    try:
        store.save(case)
        out.put((note, "saved"))  # type: ignore[attr-defined]
    except pw.ConflictError:
        out.put((note, "conflict"))  # type: ignore[attr-defined]


def test_two_processes_updating_one_case(engine: Engine, tmp_path: Path) -> None:
    """Two processes save the same loaded case: one wins, the other gets ConflictError."""
    path = str(tmp_path / "race.db")
    with SQLiteStore(path) as store:
        store.save(new_case(engine, "race", "low"))
    ctx = multiprocessing.get_context("spawn")
    barrier, out = ctx.Barrier(2), ctx.Queue()
    procs = [ctx.Process(target=_racer, args=(path, n, barrier, out)) for n in ("p1", "p2")]
    for p in procs:
        p.start()
    results = dict(out.get(timeout=120) for _ in procs)
    for p in procs:
        p.join(timeout=60)
    assert sorted(results.values()) == ["conflict", "saved"]
    (winner,) = [note for note, what in results.items() if what == "saved"]
    with SQLiteStore(path) as store:
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
