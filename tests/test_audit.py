"""``pathways audit STORE CASE_ID``: JSON lines of the history and the verification, on both
stores."""

from __future__ import annotations

import datetime as dt
import json

import pytest

import pathways as pw
from pathways.cli import main
from pathways.store import CaseStore
from tests.stores import Backend

SMALL = "tests/data/engine-small.yaml"
T0 = dt.datetime(2026, 3, 1, 8, 0, tzinfo=dt.UTC)


def target(backend: Backend) -> str:
    return backend.spec.removeprefix("sqlite:")


def saved(store: CaseStore) -> None:
    engine = pw.Engine(pw.load(SMALL))
    case = engine.open(data={"online": False, "risk": "high"}, case_id="c-1", at=T0)
    case.fire("screen", actor=pw.Actor(id="u1", role="counsellor"), at=T0, note="seen")
    store.save(case)


def test_audit_exports_history_and_verifies(
    store: CaseStore, backend: Backend, capsys: pytest.CaptureFixture[str]
) -> None:
    """One JSON line per entry, then the verification; exit 0 when the case verifies."""
    saved(store)
    assert main(["audit", target(backend), "c-1", "--pathway", SMALL]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [e["event"] for e in lines[:-1]] == ["open", "screen"]
    assert lines[1]["note"] == "seen" and len(lines[1]["hash"]) == 64
    assert lines[-1] == {"case": "c-1", "entries": 2, "verified": True, "problem": None}


def test_audit_reports_a_tampered_case(
    store: CaseStore, backend: Backend, capsys: pytest.CaptureFixture[str]
) -> None:
    """A changed fact: the entries are still exported, the last line says why, exit 1."""
    saved(store)
    backend.edit_snapshot("c-1", lambda s: s["deadlines"].clear())
    assert main(["audit", target(backend), "c-1", "--pathway", SMALL]) == 1
    last = json.loads(capsys.readouterr().out.splitlines()[-1])
    assert last["verified"] is False and "deadlines" in last["problem"]


def test_audit_errors_are_one_line(
    store: CaseStore,
    backend: Backend,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """No such case, no such store, a key that is not hex: exit 2 and one line, no traceback."""
    saved(store)
    assert main(["audit", target(backend), "nope", "--pathway", SMALL]) == 2
    assert capsys.readouterr().err == "error: no case 'nope' in the store\n"
    assert main(["audit", "missing.db", "c-1", "--pathway", SMALL]) == 2
    assert "no such store file" in capsys.readouterr().err
    monkeypatch.setenv("PW_KEY", "not hex")
    assert main(["audit", target(backend), "c-1", "--pathway", SMALL, "--key-env", "PW_KEY"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "hex" in err and "Traceback" not in err
