"""Moving open cases to a new pathway version (Engine.migrate, migrate_store, pathways migrate).

Regression: a file edited without a version bump used to change who may act on open cases
silently; now restoring such a case is refused with a message that points to migration.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

import pathways as pw
from pathways.cli import main
from pathways.clock import SimulatedClock
from pathways.errors import CaseError
from pathways.migration import MigrationBlocked, migrate_store, plan_case
from pathways.store import SQLiteStore
from pathways.testing.strategies import pathway_documents

T0 = dt.datetime(2027, 1, 4, 9, tzinfo=dt.UTC)
ADMIN = pw.Actor(id="admin", role="coordinator")

SMALL = """
format: pathways/1
id: small
version: "1.0"
agencies: [{id: a, name: A, sector: social}, {id: b, name: B, sector: health}]
roles:
  - {id: worker, agency: a, title: Worker}
  - {id: doctor, agency: b, title: Doctor}
case_fields: {risk: {type: enum, values: [low, high]}}
steps:
  - {id: intake, kind: entry, role: worker}
  - {id: assess, role: worker}
  - {id: exam, role: doctor, tags: [medical]}
  - {id: closed, kind: outcome}
transitions:
  - {from: intake, to: assess}
  - {from: assess, to: exam, kind: referral, on_reject: assess, response_within: 1d}
  - {from: exam, to: closed}
deadlines:
  - {id: exam-window, to: exam, within: 3d}
  - {id: close-window, to: closed, within: 30d}
"""

WORKER = pw.Actor(id="w1", role="worker")
DOCTOR = pw.Actor(id="d1", role="doctor")


def _doc() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(SMALL)
    return data


def _pathway(doc: dict[str, Any]) -> pw.Pathway:
    return pw.loads(yaml.safe_dump(doc, sort_keys=False))


def _renamed(version: str = "2.0") -> pw.Pathway:
    """Version 2: 'assess' renamed 'assessment', the close window tightened, a new deadline."""
    doc = _doc()
    doc["version"] = version
    doc["steps"][1]["id"] = "assessment"
    for t in doc["transitions"]:
        for key in ("from", "to", "on_reject"):
            if t.get(key) == "assess":
                t[key] = "assessment"
    doc["deadlines"][1]["within"] = "20d"
    doc["deadlines"].append({"id": "new-window", "to": "closed", "within": "60d"})
    return _pathway(doc)


def _case_at_assess(engine: pw.Engine, case_id: str = "c-1") -> pw.Case:
    case = engine.open(data={"risk": "high"}, case_id=case_id, at=T0)
    case.fire("to_assess", actor=WORKER, at=T0 + dt.timedelta(hours=1))
    return case


def test_an_edit_without_a_new_version_is_refused_with_a_pointer_to_migration() -> None:
    # the tried-as-a-developer case of issue 16: one step's role changed, version kept
    engine = pw.Engine(_pathway(_doc()))
    snapshot = _case_at_assess(engine).to_dict()
    doc = _doc()
    doc["steps"][1]["role"] = "doctor"
    edited = pw.Engine(_pathway(doc))
    with pytest.raises(CaseError) as info:
        edited.restore(snapshot)
    message = str(info.value)
    assert "changed without a new version" in message
    assert "migrate" in message and "malformed" not in message
    bumped = pw.Engine(_pathway({**doc, "version": "1.1"}))
    with pytest.raises(CaseError, match=r"version '1.0'.*version '1.1'.*migrate"):
        bumped.restore(snapshot)


def test_migrate_moves_a_case_through_a_mapping_and_it_verifies_and_restores() -> None:
    old = pw.Engine(_pathway(_doc()), clock=SimulatedClock(T0))
    case = _case_at_assess(old)
    before = case.to_dict()
    new = pw.Engine(_renamed())
    moved = old.migrate(
        case, new, {"assess": "assessment"}, actor=ADMIN, at=T0 + dt.timedelta(hours=2)
    )
    assert case.to_dict() == before  # the old case is unchanged
    assert moved.step == "assessment" and moved.pathway_version == "2.0"
    assert moved.engine is new and moved.verify()
    last = moved.history[-1]
    assert last.event == "migrate" and (last.actor, last.role) == ("admin", "coordinator")
    assert last.migration is not None
    assert last.migration["from"]["fingerprint"] == old.fingerprint
    assert last.migration["to"]["fingerprint"] == new.fingerprint
    assert last.migration["mapping"] == {"assess": "assessment"}
    # deadline clocks carry over (same start), the tightened one is due earlier
    due = {d.id: d for d in moved.due()}
    assert due["close-window"].due_at == T0 + dt.timedelta(days=20)
    assert "new-window" not in due  # a deadline new in version 2 is not started for it
    # the snapshot restores on the new engine to the same case, and the case goes on there
    again = new.restore(json.loads(json.dumps(moved.to_dict())))
    assert again == moved
    again.fire("to_exam", actor=WORKER, at=T0 + dt.timedelta(hours=3))
    again.accept(DOCTOR, at=T0 + dt.timedelta(hours=4))
    assert again.step == "exam" and again.verify()
    assert new.restore(again.to_dict()) == again


def test_a_pending_referral_carries_over_to_the_renamed_step() -> None:
    old = pw.Engine(_pathway(_doc()))
    case = _case_at_assess(old)
    case.fire("to_exam", actor=WORKER, at=T0 + dt.timedelta(hours=2))
    assert case.referral is not None
    moved = old.migrate(
        case, _renamed(), {"assess": "assessment"}, actor=ADMIN, at=T0 + dt.timedelta(hours=3)
    )
    assert moved.referral is not None and moved.referral.on_reject == "assessment"
    moved.decline(DOCTOR, "no slot today", at=T0 + dt.timedelta(hours=4))
    assert moved.step == "assessment" and moved.verify()


def test_a_case_at_a_removed_step_without_a_mapping_cannot_move_and_nothing_changes() -> None:
    old = pw.Engine(_pathway(_doc()))
    case = _case_at_assess(old)
    before = case.to_dict()
    new = pw.Engine(_renamed())
    plan = plan_case(case, new)
    assert not plan.movable
    assert "step 'assess' is not in version 2.0" in plan.problems[0]
    with pytest.raises(CaseError, match=r"cannot move to version 2\.0"):
        old.migrate(case, new, actor=ADMIN, at=T0 + dt.timedelta(hours=2))
    assert case.to_dict() == before
    with pytest.raises(ValueError, match="has no step 'nope'"):
        plan_case(case, new, {"nope": "assessment"})


def test_a_case_field_the_new_version_does_not_declare_blocks_the_move() -> None:
    old = pw.Engine(_pathway(_doc()))
    case = _case_at_assess(old)
    doc = _doc()
    doc["version"] = "2.0"
    doc["case_fields"] = {"risk": {"type": "enum", "values": ["low", "medium"]}}
    plan = plan_case(case, pw.Engine(_pathway(doc)))
    assert any("risk = 'high'" in p for p in plan.problems)


@pytest.mark.parametrize(
    "tamper",
    [
        lambda m: m["state"].update(data={"risk": "low"}),
        lambda m: m["state"]["deadlines"].pop("exam-window"),
        lambda m: m["from"].update(fingerprint="sha256:" + "0" * 64),
        lambda m: m["to"].update(version="9.9"),
        lambda m: m["state"]["tracks"][0].update(step="exam"),
    ],
    ids=["data", "deadline clock", "old fingerprint", "new version", "step"],
)
def test_a_tampered_migration_entry_is_refused_on_restore(tamper: Any) -> None:
    old = pw.Engine(_pathway(_doc()))
    new = pw.Engine(_renamed())
    moved = old.migrate(
        _case_at_assess(old),
        new,
        {"assess": "assessment"},
        actor=ADMIN,
        at=T0 + dt.timedelta(hours=2),
    )
    snapshot = copy.deepcopy(moved.to_dict())
    tamper(snapshot["history"][-1]["migration"])
    with pytest.raises(CaseError, match=r"does not verify|does not replay"):
        new.restore(snapshot)


def _store_with_cases(path: Path, engine: pw.Engine, n: int) -> list[str]:
    ids = []
    with SQLiteStore(path) as store:
        for i in range(n):
            case = _case_at_assess(engine, f"c-{i}")
            if i % 3 == 2:
                case.fire("to_exam", actor=WORKER, at=T0 + dt.timedelta(hours=2))
                case.accept(DOCTOR, at=T0 + dt.timedelta(hours=3))
                case.fire("to_closed", actor=DOCTOR, at=T0 + dt.timedelta(hours=4))
            store.save(case)
            ids.append(case.id)
    return ids


def _rows(path: Path) -> list[tuple[Any, ...]]:
    with sqlite3.connect(path) as db:
        cases = db.execute("SELECT id, version, row_version, snapshot FROM cases ORDER BY id")
        history = db.execute("SELECT case_id, seq, hash FROM history ORDER BY case_id, seq")
        return [*cases.fetchall(), *history.fetchall()]


def test_migrate_store_dry_run_changes_nothing_then_moves_every_open_case(tmp_path: Path) -> None:
    path = tmp_path / "cases.db"
    old = pw.Engine(_pathway(_doc()))
    new = pw.Engine(_renamed())
    _store_with_cases(path, old, 6)
    before = _rows(path)
    with SQLiteStore(path) as store:
        plan = migrate_store(store, old, new, {"assess": "assessment"}, actor=ADMIN, dry_run=True)
    assert _rows(path) == before
    assert [p.case_id for p in plan.plans] == ["c-0", "c-1", "c-3", "c-4"]
    assert set(plan.skipped) == {"c-2", "c-5"}  # closed cases stay where they are
    with SQLiteStore(path) as store:
        result = migrate_store(
            store, old, new, {"assess": "assessment"}, actor=ADMIN, at=T0 + dt.timedelta(days=1)
        )
        assert result.moved == ("c-0", "c-1", "c-3", "c-4")
        for cid in result.moved:  # every migrated case loads on the new engine and verifies
            case = store.load(cid, new)
            assert case.step == "assessment" and case.verify()
            assert case.history[-1].event == "migrate"
        with pytest.raises(CaseError, match=r"version '2\.0'"):
            store.load("c-0", old)


def test_migrate_store_is_all_or_nothing(tmp_path: Path) -> None:
    path = tmp_path / "cases.db"
    old = pw.Engine(_pathway(_doc()))
    new = pw.Engine(_renamed())
    _store_with_cases(path, old, 4)
    # a blocked case (no mapping for 'assess') stops the whole move
    with SQLiteStore(path) as store, pytest.raises(MigrationBlocked, match="cannot move"):
        migrate_store(store, old, new, actor=ADMIN)
    before = _rows(path)

    # a fault half way: another writer changes c-3 between the plan and the save
    class Interfering(SQLiteStore):
        def save_all(self, cases: Any) -> None:
            with SQLiteStore(path) as other:
                rival = other.load("c-3", old)
                rival.fire("to_exam", actor=WORKER, at=T0 + dt.timedelta(hours=5))
                other.save(rival)
            super().save_all(cases)

    with Interfering(path) as store, pytest.raises(pw.ConflictError):
        migrate_store(
            store, old, new, {"assess": "assessment"}, actor=ADMIN, at=T0 + dt.timedelta(days=1)
        )
    after = [r for r in _rows(path) if r[0] != "c-3"]
    assert after == [r for r in before if r[0] != "c-3"]  # c-0 and c-1 were not moved either


def test_cli_migrate_plan_then_move(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    old_file, new_file, path = tmp_path / "v1.yaml", tmp_path / "v2.yaml", tmp_path / "c.db"
    old_file.write_text(SMALL, encoding="utf-8")
    new_file.write_text(pw.dump(_renamed()), encoding="utf-8")
    _store_with_cases(path, pw.Engine(pw.load(old_file)), 3)
    args = ["migrate", str(path), "--from", str(old_file), "--to", str(new_file)]
    args += ["--at", "2027-02-01T09:00:00+07:00"]
    assert main([*args, "--dry-run"]) == 1
    out = capsys.readouterr().out
    assert "2 open cases, 2 cannot move" in out and "map it with assess=NEW" in out
    assert main([*args, "--map", "assess=assessment", "--dry-run", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["moved"] == []
    assert main([*args, "--map", "assess=assessment", "--actor", "u9:coordinator"]) == 0
    assert "2 moved" in capsys.readouterr().out
    with SQLiteStore(path) as store:
        case = store.load("c-0", pw.Engine(pw.load(new_file)))
    assert case.history[-1].actor == "u9"
    assert main([*args, "--map", "nonsense"]) == 2
    assert "--map" in capsys.readouterr().err
    assert main([*args[:-2], "--at", "tomorrow"]) == 2
    assert "--at" in capsys.readouterr().err


# ------------------------------------------------------------------ property: random edits


@settings(max_examples=20, deadline=None)
@given(doc=pathway_documents(referrals=False), data=st.data())
def test_random_open_cases_survive_a_random_rename(
    doc: dict[str, Any], data: st.DataObject
) -> None:
    p = pw.loads(json.dumps(doc))
    engine = pw.Engine(p)
    cases = []
    for n in range(3):
        case = engine.open(
            data=data.draw(st.just({})), entry=p.entry_steps()[0], case_id=f"c{n}", at=T0
        )
        for k in range(data.draw(st.integers(0, 4))):
            if case.done:
                break
            step = p.steps_by_id[case.step]
            events = case.available(pw.Actor(id="x", role=step.role or "none")) if step.role else []
            if not events:
                break
            case.fire(
                data.draw(st.sampled_from(events)),
                actor=pw.Actor(id="x", role=step.role or "none"),
                at=T0 + dt.timedelta(hours=k + 1),
            )
        cases.append(case)
    old_id = data.draw(st.sampled_from([s.id for s in p.steps]))
    new_doc = copy.deepcopy(doc)
    new_doc["version"] = "9.0"
    new_id = "zz_" + old_id
    for s in new_doc["steps"]:
        if s["id"] == old_id:
            s["id"] = new_id
    for t in new_doc["transitions"]:
        for key in ("from", "to", "on_reject"):
            if t.get(key) == old_id:
                t[key] = new_id
    for d in new_doc.get("deadlines", []):
        for key in ("from", "to"):
            if d.get(key) == old_id:
                d[key] = new_id
    new = pw.Engine(pw.loads(json.dumps(new_doc)))
    for case in cases:
        moved = engine.migrate(
            case, new, {old_id: new_id}, actor=ADMIN, at=T0 + dt.timedelta(days=1)
        )
        expected = new_id if case.step == old_id else case.step
        assert moved.step == expected
        assert moved.verify()
        assert new.restore(moved.to_dict()) == moved


def test_migrate_store_on_every_store_kind(store: Any) -> None:
    """The same migration on SQLite and PostgreSQL: plan, move all at once, reload."""
    old = pw.Engine(_pathway(_doc()))
    new = pw.Engine(_renamed())
    for i in range(3):
        store.save(_case_at_assess(old, f"c-{i}"))
    with pytest.raises(MigrationBlocked):
        migrate_store(store, old, new, actor=ADMIN)  # 'assess' is gone and not mapped
    assert all(store.load(f"c-{i}", old).step == "assess" for i in range(3))
    mapping = {"assess": "assessment"}
    later = T0 + dt.timedelta(days=1)
    result = migrate_store(store, old, new, mapping, actor=ADMIN, at=later)
    assert result.moved == ("c-0", "c-1", "c-2")
    for i in range(3):
        case = store.load(f"c-{i}", new)
        assert case.step == "assessment" and case.verify()
        case.fire("to_exam", actor=WORKER, at=later + dt.timedelta(hours=1))
        store.save(case)
        assert store.load(f"c-{i}", new).referral is not None
