"""Odd arguments to the runtime API where it documents the error: a snapshot of the wrong shape
is a CaseError ("malformed case snapshot"), a store's page limit out of range a ValueError.

Found by mutating every value of a case snapshot (and deleting every key) before
``Engine.restore``, and by calling ``Engine.open``, ``Case.fire``, ``accept``, ``decline``,
``overdue`` and ``SQLiteStore.load/export/list`` with odd values; the cases below once raised
something else.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from pathlib import Path

import pytest

import pathways as pw
from pathways.store import SQLiteStore

SMALL = Path(__file__).parent / "data" / "engine-small.yaml"
DATA = {"age": 12, "online": False, "risk": "high", "score": 0.5}


@pytest.fixture(scope="module")
def engine() -> pw.Engine:
    return pw.Engine(pw.load(SMALL))


def _snapshot(engine: pw.Engine) -> dict[str, object]:
    at = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    case = engine.open(data=DATA, case_id="c-1", at=at)
    case.fire("screen", actor=pw.Actor(id="u1", role="counsellor"))
    snapshot: dict[str, object] = json.loads(json.dumps(case.to_dict()))
    return snapshot


@pytest.mark.parametrize("seq", [math.inf, -math.inf, math.nan, 1.5, "1", None, True])
def test_a_history_seq_that_is_not_an_integer_is_a_malformed_snapshot(
    engine: pw.Engine, seq: object
) -> None:
    """seq: inf raised OverflowError out of Engine.restore (int(inf)); 1.5 was read as 1."""
    snapshot = _snapshot(engine)
    snapshot["history"][0]["seq"] = seq  # type: ignore[index]
    with pytest.raises(pw.CaseError, match="malformed case snapshot"):
        engine.restore(snapshot)


@pytest.mark.parametrize("limit", [2**63, 10**30, 0, -1])
def test_a_page_limit_past_the_databases_integers_is_a_value_error(limit: int) -> None:
    """limit=2**63 raised sqlite3.IntegrityError ('datatype mismatch') out of SQLiteStore.list."""
    with SQLiteStore(":memory:") as store, pytest.raises(ValueError, match="limit must be"):
        store.list(limit=limit)
    with SQLiteStore(":memory:") as store:
        assert store.list(limit=2**63 - 1) == []
