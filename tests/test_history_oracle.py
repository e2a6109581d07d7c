"""The case history's hash chain against an oracle written here, and forgeries it must catch.

The oracle recomputes every hash from a snapshot's JSON with ``hashlib`` and a canonical JSON
written in this file; it shares no code with ``pathways.history``. If the chain format
changes on purpose, update the three recipes below (and say so in docs/changelog.md):

- GENESIS: sha256 of ``"pathways-case/2\\n{pathway id}\\n{case id}\\n{fingerprint}"`` (hex), the
  fingerprint being the snapshot's (``pathways.fingerprint`` of the pathway the case runs on);
- ENTRY: the entry's fields except ``hash``, as JSON with sorted keys, no spaces, UTF-8 text
  kept as is (``ensure_ascii=False``);
- LINK: sha256 of ``"{previous hash}\\n{ENTRY}"`` (hex); the first entry's previous hash is
  GENESIS.
"""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import json
from typing import Any

import pytest

import pathways as pw
from pathways.clock import SimulatedClock

T0 = dt.datetime(2026, 3, 1, 8, 0, tzinfo=dt.UTC)
COUNSELLOR = pw.Actor(id="c1", role="counsellor")
CASEWORKER = pw.Actor(id="w1", role="caseworker")
SOCIAL = pw.Actor(id="sw1", role="social_worker")

# A referral whose on_reject step is the only target of one deadline and the start of another.
PATHWAY = """\
format: pathways/1
id: chain-oracle
version: 1.0.0
agencies:
  - {id: hotline, name: Hotline, sector: hotline}
  - {id: dosvy, name: DoSVY, sector: social}
  - {id: shelter, name: Shelter, sector: ngo}
roles:
  - {id: counsellor, agency: hotline, title: Counsellor}
  - {id: social_worker, agency: dosvy, title: Social worker}
  - {id: caseworker, agency: shelter, title: Shelter caseworker}
case_fields:
  risk: {type: enum, values: [low, high]}
steps:
  - {id: intake, kind: entry, role: counsellor}
  - {id: review, kind: action, role: counsellor}
  - {id: shelter, kind: action, role: caseworker}
  - {id: kin, kind: action, role: social_worker}
  - {id: closed, kind: outcome}
transitions:
  - {from: intake, to: review, event: review}
  - {from: review, to: shelter, event: refer, kind: referral, on_reject: kin, response_within: 1d}
  - {from: shelter, to: closed, event: close}
  - {from: kin, to: closed, event: close}
deadlines:
  - {id: kin-by-1d, to: kin, within: 1d}
  - {id: close-after-kin, from: kin, to: closed, within: 2d}
"""


def hours(h: float) -> dt.datetime:
    return T0 + dt.timedelta(hours=h)


# --------------------------------------------------------------------------------- the oracle


def genesis(pathway_id: str, case_id: str, fingerprint: str) -> str:
    text = f"pathways-case/2\n{pathway_id}\n{case_id}\n{fingerprint}"
    return hashlib.sha256(text.encode()).hexdigest()


def entry_json(entry: dict[str, Any]) -> str:
    fields = {k: v for k, v in entry.items() if k != "hash"}
    return json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def link(previous: str, entry: dict[str, Any]) -> str:
    return hashlib.sha256(f"{previous}\n{entry_json(entry)}".encode()).hexdigest()


def oracle_hashes(snapshot: dict[str, Any]) -> list[str]:
    """Every entry's hash, recomputed from the snapshot's fields alone."""
    out, previous = [], genesis(snapshot["pathway"], snapshot["id"], snapshot["fingerprint"])
    for entry in snapshot["history"]:
        previous = link(previous, entry)
        out.append(previous)
    return out


def rehash(snapshot: dict[str, Any]) -> dict[str, Any]:
    """A forger's tool: the snapshot with every hash recomputed (a self-consistent chain)."""
    for entry, digest in zip(snapshot["history"], oracle_hashes(snapshot), strict=True):
        entry["hash"] = digest
    return snapshot


# ----------------------------------------------------------------------------------- helpers


@pytest.fixture(scope="module")
def pathway() -> pw.Pathway:
    return pw.loads(PATHWAY, "chain-oracle.yaml")


@pytest.fixture
def engine(pathway: pw.Pathway) -> pw.Engine:
    return pw.Engine(pathway, clock=SimulatedClock(T0))


def declined(engine: pw.Engine, case_id: str = "c-1", note: str = "no bed tonight") -> pw.Case:
    case = engine.open(data={"risk": "high"}, case_id=case_id, at=T0)
    case.fire("review", actor=COUNSELLOR, at=hours(1), note=f"reviewed {case_id}")
    case.fire("refer", actor=COUNSELLOR, at=hours(2))
    case.decline(CASEWORKER, note, at=hours(3))
    return case


def refused(engine: pw.Engine, snapshot: dict[str, Any]) -> None:
    with pytest.raises(pw.CaseError, match="does not verify"):
        engine.restore(snapshot)


# ------------------------------------------------------------------------------------- tests


def test_every_hash_equals_the_oracle(engine: pw.Engine) -> None:
    """open, an event, a referral and a decline: each hash is the oracle's, from genesis on."""
    case = declined(engine)
    case.fire("close", actor=SOCIAL, at=hours(5))
    snapshot = case.to_dict()
    assert [e["event"] for e in snapshot["history"]] == [
        "open",
        "review",
        "refer",
        "decline",
        "close",
    ]
    assert snapshot["format"] == "pathways-case/2"
    assert snapshot["fingerprint"] == pw.fingerprint(engine.pathway)
    assert [e["hash"] for e in snapshot["history"]] == oracle_hashes(snapshot)
    assert case.verify() is True
    assert engine.restore(json.loads(json.dumps(snapshot))).to_dict() == snapshot


def test_the_first_link_is_bound_to_the_case_id(engine: pw.Engine) -> None:
    """Two cases with the same events differ in every hash (the genesis holds the case id)."""
    a = declined(engine, "c-1", note="same").to_dict()
    b = declined(engine, "c-2", note="same").to_dict()
    assert a["history"][0]["hash"] != b["history"][0]["hash"]
    first = genesis("chain-oracle", "c-1", a["fingerprint"])
    assert a["history"][0]["hash"] == link(first, a["history"][0])


def test_an_entry_spliced_from_another_case_does_not_verify(engine: pw.Engine) -> None:
    """Entry 1 of case c-2 (its own, valid hash) put into case c-1 breaks c-1's chain."""
    a = declined(engine, "c-1").to_dict()
    b = declined(engine, "c-2").to_dict()
    forged = copy.deepcopy(a)
    forged["history"][1] = copy.deepcopy(b["history"][1])
    assert forged["history"][1]["source"] == a["history"][1]["source"]  # continuity holds
    refused(engine, forged)


def test_an_entry_spliced_from_another_case_is_caught_by_verify(engine: pw.Engine) -> None:
    """The same splice on a live case: verify() says False."""
    a = declined(engine, "c-1")
    b = declined(engine, "c-2")
    a.history[1] = b.history[1]
    assert a.verify() is False


def test_a_rehashed_chain_with_broken_continuity_does_not_verify(engine: pw.Engine) -> None:
    """A forger drops the referral and its decline and re-hashes the rest: every hash is right,
    but the close leaves 'kin' although the entry before it ended at 'review'."""
    case = declined(engine)
    case.fire("close", actor=SOCIAL, at=hours(5))
    forged = copy.deepcopy(case.to_dict())
    del forged["history"][2:4]
    for seq, entry in enumerate(forged["history"]):
        entry["seq"] = seq
    rehash(forged)
    assert [e["hash"] for e in forged["history"]] == oracle_hashes(forged)
    refused(engine, forged)


def test_a_rehashed_chain_with_an_edited_source_does_not_verify(engine: pw.Engine) -> None:
    """One entry claims to leave a step the case was never at; the chain is re-hashed."""
    forged = copy.deepcopy(declined(engine).to_dict())
    forged["history"][2]["source"] = "intake"  # the entry before it ended at 'review'
    refused(engine, rehash(forged))


def test_a_snapshot_whose_step_is_not_where_the_history_ends_does_not_verify(
    engine: pw.Engine,
) -> None:
    """The history ends at 'kin'; a snapshot (or a live case) that claims 'shelter' fails."""
    case = declined(engine)
    edited = copy.deepcopy(case.to_dict())
    edited["step"] = "shelter"
    refused(engine, edited)
    case.step = "shelter"
    assert case.verify() is False


def test_a_snapshot_moved_to_another_case_id_does_not_verify(engine: pw.Engine) -> None:
    """The same history under another case id: the genesis differs, so entry 0 fails."""
    moved = copy.deepcopy(declined(engine, "c-1").to_dict())
    moved["id"] = "c-9"
    refused(engine, moved)
    # ... a forger who re-hashes it under the new id is not caught by a plain SHA-256 chain
    # (anyone can recompute it); Engine(key=...) makes the chain an HMAC a forger cannot redo
    assert engine.restore(rehash(moved)).id == "c-9"


def test_a_decline_meets_and_starts_deadlines_at_on_reject(engine: pw.Engine) -> None:
    """Declining at hour 3 enters 'kin': 'kin-by-1d' is met then, 'close-after-kin' starts."""
    case = declined(engine)
    assert case.step == "kin"
    deadlines = case.to_dict()["deadlines"]
    assert deadlines["kin-by-1d"]["met_at"] == hours(3).isoformat()
    assert deadlines["close-after-kin"]["started_at"] == hours(3).isoformat()
    assert deadlines["close-after-kin"]["due_at"] == hours(3 + 48).isoformat()
    assert [d.id for d in case.overdue(hours(30))] == []
    assert [d.id for d in case.overdue(hours(52))] == ["close-after-kin"]
