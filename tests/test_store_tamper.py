"""The history is the truth: every fact of a stored case is checked against its history.

Each test changes one thing in the database behind the store's back (as someone with write
access to the file could) and expects ``load`` to refuse the case with a CaseError; and a case
whose facts its history does not give is never saved.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Callable
from typing import Any

import pytest

import pathways as pw
from pathways.history import HistoryEntry, chain_hash, genesis
from pathways.store import CaseStore
from tests.stores import Backend

SMALL = "tests/data/engine-small.yaml"
T0 = dt.datetime(2026, 3, 1, 8, 0, tzinfo=dt.UTC)
COUNSELLOR = pw.Actor(id="c1", role="counsellor")
KEY = b"0123456789abcdef-test-key"


def hours(h: float) -> dt.datetime:
    return T0 + dt.timedelta(hours=h)


@pytest.fixture(scope="module")
def engine() -> pw.Engine:
    return pw.Engine(pw.load(SMALL))


def referred_case(engine: pw.Engine, case_id: str = "c-1") -> pw.Case:
    """A case at the shelter with a pending referral and two running deadlines."""
    case = engine.open(data={"online": False, "risk": "high"}, case_id=case_id, at=T0)
    case.fire("screen", actor=COUNSELLOR, at=hours(1), note="screened")
    case.fire("refer", actor=COUNSELLOR, at=hours(2))
    return case


SNAPSHOT_TAMPERS: dict[str, Callable[[dict[str, Any]], None]] = {
    "deadline clocks deleted": lambda s: s["deadlines"].clear(),
    "started_at moved": lambda s: s["deadlines"]["closed-5d"].update(
        started_at=hours(30).isoformat(), due_at=hours(150).isoformat()
    ),
    "pending referral injected": lambda s: s["referrals"].append(
        {**s["referrals"][0], "event": "refer", "referred_at": hours(2).isoformat()}
    ),
    "referral answered": lambda s: s["referrals"][0].update(
        answer="accepted", answered_at=hours(3).isoformat(), answered_by="x"
    ),
    "entry changed": lambda s: s.update(entry="screen"),
    "step rolled back": lambda s: s.update(step="screen"),
    "data changed": lambda s: s["data"].update(risk="low"),
    "fingerprint changed": lambda s: s.update(fingerprint="0" * 64),
}


@pytest.mark.parametrize("tamper", sorted(SNAPSHOT_TAMPERS))
def test_a_changed_fact_is_refused_on_load(
    engine: pw.Engine, store: CaseStore, backend: Backend, tamper: str
) -> None:
    """Deleting deadline clocks, moving started_at, injecting a referral, changing entry,
    rolling back the step...: load raises CaseError naming what does not match."""
    store.save(referred_case(engine))
    assert store.load("c-1", engine).verify()
    backend.edit_snapshot("c-1", SNAPSHOT_TAMPERS[tamper])
    refused = r"not what its history gives|changed without a new version|not verify"
    with pytest.raises(pw.CaseError, match=refused):
        store.load("c-1", engine)


def test_a_truncated_history_is_refused(
    engine: pw.Engine, store: CaseStore, backend: Backend
) -> None:
    """Deleting the last history rows (the triggers dropped first) makes load fail."""
    store.save(referred_case(engine))
    backend.drop_guards()
    backend.sql("DELETE FROM history WHERE case_id = 'c-1' AND seq = 2")
    with pytest.raises(pw.CaseError, match=r"does not verify|not what its history gives"):
        store.load("c-1", engine)


def test_a_history_row_whose_hash_column_disagrees_is_refused(
    engine: pw.Engine, store: CaseStore, backend: Backend
) -> None:
    """An entry edited in its JSON but not in the ``hash`` column beside it: ``export`` (and so
    ``load``) refuses the case before anything is replayed (one check, both stores)."""
    store.save(referred_case(engine))
    backend.drop_guards()
    ((text,),) = backend.sql("SELECT entry FROM history WHERE case_id = 'c-1' AND seq = 1")
    backend.sql(
        "UPDATE history SET entry = ? WHERE case_id = 'c-1' AND seq = 1",
        (json.dumps({**json.loads(text), "hash": "0" * 64}),),
    )
    for read in (store.export, lambda case_id: store.load(case_id, engine)):
        with pytest.raises(pw.CaseError, match="'c-1': entry and hash column disagree"):
            read("c-1")
    with pytest.raises(KeyError, match="no case 'c-2'"):
        store.export("c-2")


def test_a_history_that_does_not_replay_is_refused(
    engine: pw.Engine, store: CaseStore, backend: Backend
) -> None:
    """An entry re-hashed so the chain holds but whose event the pathway refuses (a close
    from the shelter by a counsellor) is caught by the replay."""
    case = referred_case(engine)
    store.save(case)
    last = case.history[-1]
    forged = dataclasses.replace(last, event="close", target="closed")
    forged = dataclasses.replace(forged, hash=chain_hash(case.history[-2].hash, forged.payload()))
    backend.drop_guards()
    backend.sql(
        "UPDATE history SET entry = ?, hash = ? WHERE case_id = 'c-1' AND seq = 2",
        (json.dumps(forged.to_dict()), forged.hash),
    )
    backend.edit_snapshot("c-1", lambda s: s.update(step="closed"))
    with pytest.raises(pw.CaseError, match="does not replay at entry 2"):
        store.load("c-1", engine)


def forge_note(backend: Backend, engine: pw.Engine, key: bytes | None) -> None:
    """Rewrite entry 1's note and re-hash the whole chain (with ``key``, or plain SHA-256)."""
    backend.drop_guards()
    rows = backend.sql("SELECT seq, entry FROM history WHERE case_id = 'c-1' ORDER BY seq")
    entries = [HistoryEntry.from_dict(json.loads(text)) for _, text in rows]
    entries[1] = dataclasses.replace(entries[1], note="nothing to see")
    previous = genesis(engine.pathway.id, "c-1", engine.fingerprint, key)
    for i, e in enumerate(entries):
        entries[i] = dataclasses.replace(e, hash=chain_hash(previous, e.payload(), key))
        previous = entries[i].hash
        backend.sql(
            "UPDATE history SET entry = ?, hash = ? WHERE case_id = 'c-1' AND seq = ?",
            (json.dumps(entries[i].to_dict()), entries[i].hash, i),
        )


def test_a_rehashed_forgery_is_refused_with_a_key(store: CaseStore, backend: Backend) -> None:
    """With a key, a chain re-hashed by someone without it does not verify."""
    keyed = pw.Engine(pw.load(SMALL), key=KEY)
    store.save(referred_case(keyed))
    forge_note(backend, keyed, None)
    with pytest.raises(pw.CaseError, match="does not verify at entry 0"):
        store.load("c-1", keyed)


def test_without_a_key_a_rehashed_forgery_verifies(
    engine: pw.Engine, store: CaseStore, backend: Backend
) -> None:
    """What the docs say: without a key, re-hashing a forged chain is not detected."""
    store.save(referred_case(engine))
    forge_note(backend, engine, None)
    assert store.load("c-1", engine).history[1].note == "nothing to see"


def test_key_rotation(store: CaseStore, backend: Backend) -> None:
    """Entries under a retired key still verify when it is passed as previous_keys; new
    entries are hashed under the new key; without the old key the case is refused."""
    p = pw.load(SMALL)
    store.save(referred_case(pw.Engine(p, key=KEY)))
    rotated = pw.Engine(p, key=b"another key, 16+ bytes", previous_keys=[KEY])
    case = store.load("c-1", rotated)
    case.accept(pw.Actor(id="w1", role="caseworker"), at=hours(3))
    store.save(case)
    assert store.load("c-1", rotated).verify()
    with pytest.raises(pw.CaseError, match="does not verify"):
        store.load("c-1", pw.Engine(p, key=b"another key, 16+ bytes"))
    with pytest.raises(ValueError, match="at least 16"):
        pw.Engine(p, key=b"short")


IN_MEMORY_TAMPERS: dict[str, Callable[[pw.Case], None]] = {
    "step": lambda c: setattr(c, "step", "kin"),
    "data": lambda c: c.data.update(risk="low"),
    "clocks": lambda c: setattr(c, "_clocks", None),
    "referral": lambda c: setattr(c, "referrals", None),
    "entry": lambda c: setattr(c, "entry", "screen"),
    "history": lambda c: c.history.pop(),
    "note": lambda c: c.history.__setitem__(-1, dataclasses.replace(c.history[-1], note="changed")),
}


@pytest.mark.parametrize("tamper", sorted(IN_MEMORY_TAMPERS))
@pytest.mark.parametrize("saved_before", [False, True])
def test_save_refuses_a_case_that_does_not_verify(
    engine: pw.Engine, store: CaseStore, backend: Backend, tamper: str, saved_before: bool
) -> None:
    """A case whose facts its history does not give is not saved: CaseError, nothing
    written, and the stored case (if any) still loads."""
    case = referred_case(engine)
    if saved_before:
        case = engine.open(data={"online": False, "risk": "high"}, case_id="c-1", at=T0)
        store.save(case)
        case.fire("screen", actor=COUNSELLOR, at=hours(1))
        case.fire("refer", actor=COUNSELLOR, at=hours(2))
    before = backend.rows()
    IN_MEMORY_TAMPERS[tamper](case)
    assert not case.verify()
    with pytest.raises(pw.CaseError, match=r"not saved|not what its history gives|not verify"):
        store.save(case)
    assert backend.rows() == before
    if saved_before:
        assert store.load("c-1", engine).verify()


def test_a_case_of_changed_pathway_content_is_refused(store: CaseStore, backend: Backend) -> None:
    """Same id and version, different behaviour (a deadline's time limit): refused with a
    message naming the fingerprints."""
    p = pw.load(SMALL)
    store.save(referred_case(pw.Engine(p)))
    longer = p.deadlines[0].model_copy(update={"within": 72.0})
    changed = p.model_copy(update={"deadlines": (longer, p.deadlines[1])})
    assert pw.fingerprint(changed) != pw.fingerprint(p)
    with pytest.raises(pw.CaseError, match=r"changed without a new version.*migrate"):
        store.load("c-1", pw.Engine(changed))
