"""Access by agency (docs/deploying.md, "Access by agency"): an actor acts at a step of its own
agency, and at a step of another agency only while the case is referred to its own (a referral
to one of its steps, pending or accepted). Refusals change nothing and say who, which step,
which agency and why; the history records the agency and still verifies after a store round
trip. A hypothesis test checks every attempt against an oracle written here from the pathway
file and the case's history."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

import pathways as pw
from pathways.case import Case
from tests.hyp import examples
from tests.stores import Backend

FILE = "tests/data/agency-referral.yaml"
P = pw.load(FILE)
ENGINE = pw.Engine(P)
T0 = dt.datetime(2026, 3, 1, 8, 0, tzinfo=dt.UTC)

SW = pw.Actor(id="sw", role="social_worker")  # no agency: its role's (dosvy)
SW_DOSVY = pw.Actor(id="sw2", role="social_worker", agency="dosvy")
SW_LEGAL = pw.Actor(id="sw3", role="social_worker", agency="legal")  # employed by the NGO
SHELTER = pw.Actor(id="sh", role="shelter_worker", agency="shelter")
SHELTER_NONE = pw.Actor(id="sh0", role="shelter_worker")  # no agency: shelter
SHELTER_AT_LEGAL = pw.Actor(id="sh2", role="shelter_worker", agency="legal")
LAWYER = pw.Actor(id="lw", role="lawyer", agency="legal")


def at(h: float) -> dt.datetime:
    return T0 + dt.timedelta(hours=h)


def to_assess(actor: pw.Actor = SW_DOSVY) -> Case:
    case = ENGINE.open(case_id="c-1", at=T0, actor=actor)
    case.fire("start", actor=actor, when=at(1))
    return case


def refused(case: Case, attempt: Any, *words: str) -> pw.NotAuthorized:
    """Run ``attempt``; it must raise NotAuthorized naming ``words`` and change nothing."""
    before = case.to_dict()
    with pytest.raises(pw.NotAuthorized) as info:
        attempt()
    assert case.to_dict() == before
    message = str(info.value)
    for word in words:
        assert word in message, (word, message)
    assert "\n" not in message
    return info.value


# ------------------------------------------------------------------------------ unit tests


def test_own_agency_acts_and_the_history_records_the_agency() -> None:
    """An actor of the step's own agency acts; its entry records the agency (hashed), and an
    actor without an agency records none, as before."""
    case = to_assess()
    assert [e.agency for e in case.history] == ["dosvy", "dosvy"]
    case.fire("refer_shelter", actor=SW, when=at(2))
    assert case.history[-1].agency is None and "agency" not in case.history[-1].to_dict()
    assert case.history[1].to_dict()["agency"] == "dosvy"
    assert case.verify()
    restored = ENGINE.restore(case.to_dict())
    assert restored == case and restored.history[1].agency == "dosvy"


def test_another_agency_without_a_referral_is_refused() -> None:
    """A social worker employed by the legal NGO may not act on DoSVY's step of a case not
    referred to it: one message naming the actor, the step, both agencies and why."""
    case = to_assess()
    error = refused(
        case,
        lambda: case.fire("refer_shelter", actor=SW_LEGAL, when=at(2)),
        "'sw3'",
        "'social_worker' of agency 'legal'",
        "fire 'refer_shelter'",
        "at 'assess'",
        "belongs to agency 'dosvy'",
        "not referred to 'legal' (it is referred to no agency)",
    )
    assert (error.agency, error.step, error.event, error.role) == (
        "legal",
        "assess",
        "refer_shelter",
        "social_worker",
    )
    assert case.available(SW_LEGAL) == []
    assert case.available(SW_DOSVY) == ["refer_shelter", "refer_legal"]


def test_opening_at_another_agencys_entry_is_refused() -> None:
    """Opening a case is acting at its entry step."""
    with pytest.raises(pw.NotAuthorized, match=r"may not open a case at 'intake'.*'dosvy'"):
        ENGINE.open(case_id="c-1", at=T0, actor=SW_LEGAL)


def test_an_agency_the_pathway_does_not_have_is_refused() -> None:
    """An agency that is not one of the pathway's is never the owner nor referred to."""
    case = to_assess()
    stranger = pw.Actor(id="x", role="social_worker", agency="elsewhere")
    refused(
        case,
        lambda: case.fire("refer_legal", actor=stranger, when=at(2)),
        "'elsewhere' is not an agency of pathway 'agency-referral'",
    )


def test_the_referred_agency_acts_on_the_other_agencys_step() -> None:
    """Once the case is referred to the shelter (pending or accepted), the shelter's
    caseworker may close DoSVY's follow-up, as the `by` allows; the legal NGO may not."""
    case = to_assess()
    case.fire("refer_shelter", actor=SW_DOSVY, when=at(2))
    refused(
        case,
        lambda: case.accept(SHELTER_AT_LEGAL, when=at(3)),
        "accept the referral to 'shelter'",
        "belongs to agency 'shelter'",
        "not referred to 'legal' (it is referred to 'shelter')",
    )
    case.accept(SHELTER, when=at(3))
    case.fire("placed", actor=SHELTER, when=at(4))
    assert case.step == "follow_up"
    refused(case, lambda: case.fire("close", actor=SHELTER_AT_LEGAL, when=at(5)), "'legal'")
    assert case.available(SHELTER) == ["close"]
    case.fire("close", actor=SHELTER_NONE, when=at(5))  # no agency: its role's, the shelter
    assert case.done and case.history[-1].agency is None and case.verify()


def test_a_declined_referral_gives_no_access() -> None:
    """Declining takes the agency's access away (Primero's reject): after the shelter declined
    and the case went to legal aid, the shelter may no longer close the follow-up."""
    case = to_assess()
    case.fire("refer_shelter", actor=SW_DOSVY, when=at(2))
    case.decline(SHELTER, "no bed", when=at(3))
    assert case.step == "assess"
    case.fire("refer_legal", actor=SW_DOSVY, when=at(4))
    case.fire("advised", actor=LAWYER, when=at(5))  # acting at the target accepts
    refused(
        case,
        lambda: case.fire("close", actor=SHELTER, when=at(6)),
        "'sh' ('shelter_worker' of agency 'shelter') may not fire 'close' at 'follow_up'",
        "not referred to 'shelter' (it is referred to 'legal')",
    )
    # a social worker employed by the legal NGO now holds the case too
    case.fire("close", actor=SW_LEGAL, when=at(6))
    assert case.done and case.verify()


def test_a_pending_referral_already_gives_access() -> None:
    """A referral adds the receiving agency as soon as it is made (pending)."""
    case = to_assess()
    case.fire("refer_legal", actor=SW_DOSVY, when=at(2))
    assert case.referral is not None and case.referral.pending
    case.fire("advised", actor=pw.Actor(id="lw2", role="lawyer"), when=at(3))
    assert case.history[-1].agency is None and case.referrals[0].answer == "accepted"  # type: ignore[index]


def test_a_forged_entry_of_an_unreferred_agency_does_not_load() -> None:
    """The rule is checked again when a history is replayed: an entry whose agency may not
    have acted is refused on restore, even with every hash recomputed."""
    from pathways.history import chain_hash

    case = to_assess()
    case.fire("refer_shelter", actor=SW_DOSVY, when=at(2))
    snapshot = case.to_dict()
    forged = snapshot["history"][2]
    forged["agency"] = "legal"
    payload = {k: v for k, v in forged.items() if k != "hash"}
    forged["hash"] = chain_hash(snapshot["history"][1]["hash"], payload)
    with pytest.raises(pw.CaseError, match=r"does not replay at entry 2.*not referred to 'legal'"):
        ENGINE.restore(snapshot)


def test_actor_agency_must_be_text() -> None:
    """A bad agency is a ValueError at construction; the repr shows the agency when set."""
    with pytest.raises(ValueError, match=r"Actor\.agency"):
        pw.Actor(id="a", role="r", agency="")
    assert repr(SHELTER) == "Actor(id='sh', role='shelter_worker', agency='shelter')"


# ------------------------------------------------------------------------ the oracle test

RAW = yaml.safe_load(Path(FILE).read_text(encoding="utf-8"))
ROLE_AGENCY = {r["id"]: r["agency"] for r in RAW["roles"]}
STEP_OWNER = {s["id"]: ROLE_AGENCY.get(s.get("role", "")) for s in RAW["steps"]}
REFERRALS = {(t["from"], t["event"]): t["to"] for t in RAW["transitions"] if t.get("kind")}
AGENCIES = [None, "dosvy", "shelter", "legal", "elsewhere"]


def oracle_referred(history: list[Any]) -> set[str]:
    """The agencies the case is referred to, from its history alone: a referral event makes
    one pending to its target's agency; a decline at that target ends it; anything else keeps
    it (an accept, or acting at the target)."""
    live: dict[int, str] = {}  # entry index of the referral -> target step
    for i, e in enumerate(history):
        target = REFERRALS.get((e.source, e.event))
        if target is not None:
            live[i] = target
        if e.event == "decline":
            for j in [j for j, t in live.items() if t == e.source][-1:]:
                del live[j]
    return {STEP_OWNER[t] for t in live.values() if STEP_OWNER[t] is not None}


def oracle_agency_allows(history: list[Any], actor: pw.Actor, step: str) -> bool:
    owner = STEP_OWNER[step]
    mine = actor.agency if actor.agency is not None else ROLE_AGENCY.get(actor.role)
    if owner is None or owner == mine:
        return True
    return mine in oracle_referred(history)


EXITS = {
    s["id"]: sorted({t["event"] for t in RAW["transitions"] if t["from"] == s["id"]})
    for s in RAW["steps"]
}


@settings(max_examples=examples(60))
@given(data=st.data())
def test_every_attempt_follows_the_agency_rule(data: st.DataObject) -> None:
    """Random actors of random roles and agencies try the events leaving the case's step and
    the answers to its referral, for up to 25 attempts. Whatever the engine accepts, the
    oracle's agency rule allows and ``available`` offered; every agency refusal is one the
    oracle makes, was not offered, and changes nothing. The final case verifies and restores
    with every entry's agency."""
    case = to_assess()
    for n in range(data.draw(st.integers(1, 25), label="attempts")):
        pending = case.referral
        actions = EXITS[case.step] + (["accept", "decline"] if pending else [])
        role = data.draw(st.sampled_from(sorted(ROLE_AGENCY)), label="role")
        agency = data.draw(st.sampled_from(AGENCIES), label="agency")
        action = data.draw(st.sampled_from(actions), label="action")
        actor = pw.Actor(id=f"u{n}", role=role, agency=agency)
        when = at(2 + n)
        before = case.to_dict()
        history = list(case.history)
        where = case.step  # without tracks, a pending referral's target is the case's step
        offered = action in case.available(actor)  # what a service would show the actor
        try:
            if action == "accept":
                case.accept(actor, when=when)
            elif action == "decline":
                case.decline(actor, "no", when=when)
            else:
                case.fire(action, actor=actor, when=when)
        except pw.NotAuthorized as exc:
            assert case.to_dict() == before
            if exc.step:  # an agency refusal
                assert exc.step == where
                assert not oracle_agency_allows(history, actor, where)
                assert not offered
            else:  # a role refusal: the role is not allowed, whatever the agency
                assert "may not" in str(exc) and exc.role == role
            continue
        except pw.CaseError:  # no such move now (a guard, no referral, ...)
            assert case.to_dict() == before
            continue
        assert oracle_agency_allows(history, actor, where), (actor, action, where)
        assert offered or action in ("accept", "decline")
        assert case.history[-1].agency == agency
        if case.done:
            break
    assert case.verify()
    restored = ENGINE.restore(case.to_dict())
    assert [e.agency for e in restored.history] == [e.agency for e in case.history]


# ------------------------------------------------------------------------ store round trip

SAVE = """
import datetime as dt, sys
import pathways as pw
from tests.store_worker import open_store
T0 = dt.datetime(2026, 3, 1, 8, 0, tzinfo=dt.UTC)
engine = pw.Engine(pw.load(%(file)r))
sw = pw.Actor(id="sw2", role="social_worker", agency="dosvy")
case = engine.open(case_id="c-1", at=T0, actor=sw)
case.fire("start", actor=sw, when=T0 + dt.timedelta(hours=1))
case.fire("refer_shelter", actor=sw, when=T0 + dt.timedelta(hours=2))
case.accept(pw.Actor(id="sh", role="shelter_worker", agency="shelter"),
            when=T0 + dt.timedelta(hours=3))
store = open_store(sys.argv[1])
store.save(case)
store.close()
"""


def test_agency_survives_a_store_round_trip_across_processes(backend: Backend) -> None:
    """Another process saves a case whose entries carry agencies; this one loads it: the
    agencies are there, the chain verifies, the referred shelter acts on DoSVY's step, and
    a save of that loads again in a third process's view (a fresh store)."""
    subprocess.run(
        [sys.executable, "-c", SAVE % {"file": FILE}, backend.spec],
        check=True,
        capture_output=True,
        timeout=120,
        cwd=Path(__file__).resolve().parent.parent,
    )
    store = backend.open()
    try:
        case = store.load("c-1", ENGINE)
        assert [e.agency for e in case.history] == ["dosvy", "dosvy", "dosvy", "shelter"]
        assert case.verify()
        case.fire("placed", actor=SHELTER, when=at(4))
        refused(case, lambda: case.fire("close", actor=SHELTER_AT_LEGAL, when=at(5)), "'legal'")
        case.fire("close", actor=SHELTER, when=at(5))
        store.save(case)
    finally:
        store.close()
    again = backend.open()
    try:
        loaded = again.load("c-1", ENGINE)
        assert loaded == case and loaded.verify()
        assert loaded.history[-1].agency == "shelter"
    finally:
        again.close()
