"""The case runtime: Engine, Case, referrals, deadlines, history and snapshots."""

from __future__ import annotations

import datetime as dt
import json
import re
import threading
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import pathways as pw
from pathways.case import Case
from pathways.clock import SimulatedClock
from pathways.engine import Engine
from pathways.history import SNAPSHOT_FORMAT, HistoryEntry

T0 = dt.datetime(2026, 3, 1, 8, 0, tzinfo=dt.UTC)
COUNSELLOR = pw.Actor(id="c1", role="counsellor")
SUPERVISOR = pw.Actor(id="s1", role="supervisor")
CASEWORKER = pw.Actor(id="w1", role="caseworker")
SOCIAL = pw.Actor(id="sw1", role="social_worker")


def hours(h: float) -> dt.datetime:
    return T0 + dt.timedelta(hours=h)


@pytest.fixture(scope="module")
def small() -> pw.Pathway:
    return pw.load("tests/data/engine-small.yaml")


@pytest.fixture(scope="module")
def csa() -> pw.Pathway:
    return pw.load("pathways/kh/csa-in-person.yaml")


@pytest.fixture
def engine(small: pw.Pathway) -> Engine:
    return Engine(small, clock=SimulatedClock(T0))


def opened(engine: Engine, **data: Any) -> Case:
    values = {"age": 12, "online": False, "risk": "high"} | data
    return engine.open(data=values, case_id="c-1", at=T0)


def refused(case: Case, exc: type[Exception], action: Any) -> str:
    """Run ``action``, expect ``exc``, check the case is unchanged; return the message."""
    before = case.to_dict()
    with pytest.raises(exc) as info:
        action()
    assert case.to_dict() == before
    return str(info.value)


# ----------------------------------------------------------------------------- the machine


def test_one_machine_compiled_without_models_or_auto_transitions(engine: Engine) -> None:
    """The pathway becomes one transitions Machine: step states, event triggers, no models."""
    m = engine.machine
    assert list(m.states) == ["intake", "screen", "shelter", "kin", "closed", "referred_out"]
    assert {"screen", "refer", "close"} <= set(m.events)
    assert not any(name.startswith("to_") for name in m.events)
    assert m.models == []
    assert not m.ignore_invalid_triggers and m.send_event
    # the two `screen` transitions out of intake keep file order, each with its guard
    assert [t.dest for t in m.events["screen"].transitions["intake"]] == ["screen", "referred_out"]
    for _ in range(3):
        case = opened(engine)
        case.fire("screen", actor=COUNSELLOR, at=hours(1))
    assert m.models == []  # cases are never registered with the machine


def test_fire_moves_the_case_and_records_who_what_when(engine: Engine) -> None:
    """An accepted event moves the case and appends a full history entry."""
    case = opened(engine)
    entry = case.fire("screen", actor=COUNSELLOR, at=hours(1), note="called back")
    assert case.step == "screen"
    assert entry is case.history[-1]
    assert (entry.seq, entry.event, entry.source, entry.target) == (1, "screen", "intake", "screen")
    assert (entry.actor, entry.role, entry.at, entry.note) == (
        "c1",
        "counsellor",
        hours(1),
        "called back",
    )
    assert len(entry.hash) == 64 and entry.hash != case.history[0].hash
    assert case.history[0].event == "open" and case.history[0].source is None


def test_first_transition_whose_guard_holds_is_taken(engine: Engine) -> None:
    """Two transitions share an event out of one step: the guard decides, in file order."""
    offline = opened(engine, online=False)
    online = engine.open(data={"online": True}, case_id="c-2", at=T0)
    offline.fire("screen", actor=COUNSELLOR, at=hours(1))
    online.fire("screen", actor=COUNSELLOR, at=hours(1))
    assert (offline.step, online.step) == ("screen", "referred_out")


def test_the_clock_gives_the_time_when_at_is_left_out(small: pw.Pathway) -> None:
    """Without `at`, times come from the engine's clock, as aware UTC datetimes."""
    clock = SimulatedClock(T0)
    engine = Engine(small, clock=clock)
    case = engine.open(data={"online": False})
    clock.advance(hours=5)
    case.fire("screen", actor=COUNSELLOR)
    assert [e.at for e in case.history] == [T0, hours(5)]
    assert case.opened_at == T0 and case.updated_at == hours(5)


def test_by_lists_the_roles_that_may_fire(engine: Engine) -> None:
    """A `by` list lets a role other than the step's own fire the transition."""
    case = opened(engine, risk="low")
    case.fire("screen", actor=COUNSELLOR, at=hours(1))
    case.fire("close", actor=SUPERVISOR, at=hours(2))
    assert case.step == "closed" and case.done


def test_available_lists_what_the_actor_may_fire_now(engine: Engine) -> None:
    """available() honours guards and roles."""
    case = opened(engine, risk="low")
    assert case.available(COUNSELLOR) == ["screen"]
    assert case.available(CASEWORKER) == []
    case.fire("screen", actor=COUNSELLOR, at=hours(1))
    assert case.available(COUNSELLOR) == ["close"]  # refer's guard (risk == 'high') is false
    assert case.available(SUPERVISOR) == ["close"]


def test_event_data_sets_fields_and_is_seen_by_guards(engine: Engine) -> None:
    """Data given with an event is checked, seen by the guard, and kept in the history."""
    case = engine.open(data={"online": False}, case_id="c-9", at=T0)
    case.fire("screen", actor=COUNSELLOR, at=hours(1))
    refused(
        case, pw.TransitionNotAllowed, lambda: case.fire("close", actor=COUNSELLOR, at=hours(2))
    )
    entry = case.fire("close", actor=COUNSELLOR, at=hours(2), data={"risk": "low"})
    assert case.data == {"online": False, "risk": "low"} and entry.data == {"risk": "low"}
    assert case.verify()


# ----------------------------------------------------------------------------- refusals


def test_unknown_event_is_refused_and_changes_nothing(engine: Engine) -> None:
    """An event the pathway does not have: TransitionNotAllowed naming event and step."""
    case = opened(engine)
    msg = refused(case, pw.TransitionNotAllowed, lambda: case.fire("fly", actor=COUNSELLOR))
    assert msg.startswith("Can't fly when in intake:") and "no event 'fly'" in msg
    assert "events here: screen" in msg


def test_event_that_does_not_leave_this_step_is_refused(engine: Engine) -> None:
    """A real event that does not leave the current step is refused the same way."""
    case = opened(engine)
    msg = refused(case, pw.TransitionNotAllowed, lambda: case.fire("close", actor=COUNSELLOR))
    assert msg.startswith("Can't close when in intake:")
    assert "no transition for 'close' leaves 'intake'" in msg


def test_wrong_role_is_not_authorized_and_changes_nothing(engine: Engine) -> None:
    """A role outside `by`: NotAuthorized naming the role and the allowed roles."""
    case = opened(engine)
    msg = refused(case, pw.NotAuthorized, lambda: case.fire("screen", actor=CASEWORKER))
    assert "'caseworker'" in msg and "allowed: counsellor" in msg


def test_false_guard_is_refused_naming_the_guard(engine: Engine) -> None:
    """All guards false: TransitionNotAllowed whose message quotes the guard."""
    case = opened(engine, risk="high")
    case.fire("screen", actor=COUNSELLOR, at=hours(1))
    msg = refused(
        case, pw.TransitionNotAllowed, lambda: case.fire("close", actor=SUPERVISOR, at=hours(2))
    )
    assert msg == "Can't close when in screen: the guard \"risk != 'high'\" does not hold."
    assert isinstance(pw.TransitionNotAllowed("x"), pw.CaseError)


def test_a_guard_on_a_missing_field_does_not_hold(engine: Engine) -> None:
    """A guard needing a field the case has no value for is refused, naming the field."""
    case = engine.open(data={}, case_id="c-3", at=T0)
    msg = refused(case, pw.TransitionNotAllowed, lambda: case.fire("screen", actor=COUNSELLOR))
    assert "no value for field 'online'" in msg


@pytest.mark.parametrize(
    ("data", "words"),
    [
        ({"age": "12"}, ["'age'", "'12' (str)", "an integer >= 0 <= 17"]),
        ({"age": 18}, ["'age'", "18", "<= 17"]),
        ({"age": True}, ["'age'", "True (bool)"]),
        ({"risk": "mid"}, ["'risk'", "'mid'", "one of 'low', 'high'"]),
        ({"online": 1}, ["'online'", "1 (int)", "true or false"]),
        ({"score": float("nan")}, ["'score'", "nan"]),
        ({"height": 3}, ["unknown case field 'height'", "'age', 'online', 'risk', 'score'"]),
    ],
)
def test_bad_data_is_refused_naming_field_value_and_domain(
    engine: Engine, data: dict[str, Any], words: list[str]
) -> None:
    """Open and fire refuse bad data with a message naming field, value and expected type."""
    with pytest.raises(pw.CaseError) as info:
        engine.open(data=data, at=T0)
    for word in words:
        assert word in str(info.value)
    case = opened(engine)
    refused(case, pw.CaseError, lambda: case.fire("screen", actor=COUNSELLOR, data=data))


def test_entry_must_be_an_entry_step(csa: pw.Pathway, engine: Engine) -> None:
    """open() needs an entry step; with several, the message lists them."""
    with pytest.raises(pw.CaseError, match=r"'screen' is not an entry step.*entry steps: intake"):
        engine.open(entry="screen")
    with pytest.raises(pw.CaseError, match="2 entry steps; pass entry= one of: report_ccwc, "):
        Engine(csa).open()
    assert engine.open(at=T0).step == "intake"


def test_open_checks_the_actor_and_case_id(engine: Engine) -> None:
    """An opening actor must hold the entry step's role; a case id must be a non-empty str."""
    with pytest.raises(pw.NotAuthorized):
        engine.open(actor=CASEWORKER)
    with pytest.raises(pw.CaseError, match="case_id"):
        engine.open(case_id="")
    case = engine.open(actor=COUNSELLOR, case_id="x", at=T0)
    assert (case.history[0].actor, case.history[0].role) == ("c1", "counsellor")


def test_times_must_be_aware_and_in_order(engine: Engine) -> None:
    """A naive time or a time before the last event is refused."""
    with pytest.raises(pw.CaseError, match="no timezone"):
        engine.open(at=dt.datetime(2026, 1, 1))
    case = opened(engine)
    case.fire("screen", actor=COUNSELLOR, at=hours(5))
    msg = refused(case, pw.CaseError, lambda: case.fire("refer", actor=COUNSELLOR, at=hours(4)))
    assert "before the last event of case 'c-1'" in msg
    other_tz = dt.datetime(2026, 3, 1, 20, tzinfo=dt.timezone(dt.timedelta(hours=7)))
    case.fire("refer", actor=COUNSELLOR, at=other_tz)
    assert case.updated_at == hours(5) and case.updated_at.tzinfo is dt.UTC


def test_a_case_of_another_engine_is_refused(small: pw.Pathway, engine: Engine) -> None:
    """A case can only be driven by the engine that opened or restored it."""
    case = opened(engine)
    other = Engine(small)
    with pytest.raises(pw.CaseError, match="another engine"):
        other.fire(case, "screen", COUNSELLOR, None, None, None)


# ----------------------------------------------------------------------------- referrals


def referred(engine: Engine) -> Case:
    case = opened(engine, risk="high")
    case.fire("screen", actor=COUNSELLOR, at=hours(1))
    case.fire("refer", actor=COUNSELLOR, at=hours(2))
    return case


def test_a_referral_moves_at_once_and_stays_pending(engine: Engine) -> None:
    """A referral transition moves the case to its target with the referral pending."""
    case = referred(engine)
    assert case.step == "shelter"
    r = case.referral
    assert r is not None and r.pending
    assert (r.source, r.target, r.on_reject, r.referred_at) == (
        "screen",
        "shelter",
        "kin",
        hours(2),
    )
    assert r.due_at == hours(26)  # response_within: 1d


def test_accept_by_the_receiving_role(engine: Engine) -> None:
    """accept() by the target step's role answers the referral and records an entry."""
    case = referred(engine)
    refused(case, pw.NotAuthorized, lambda: case.accept(SOCIAL, at=hours(3)))
    entry = case.accept(CASEWORKER, at=hours(3))
    assert case.referral is None and case.step == "shelter"
    assert (entry.event, entry.source, entry.target) == ("accept", "shelter", "shelter")
    assert case.referrals is not None and case.referrals[0].answer == "accepted"
    refused(case, pw.CaseError, lambda: case.accept(CASEWORKER, at=hours(4)))


def test_decline_sends_the_case_to_on_reject(engine: Engine) -> None:
    """decline() moves the case to on_reject with the reason as note; a reason is needed."""
    case = referred(engine)
    refused(case, pw.CaseError, lambda: case.decline(CASEWORKER, "  ", at=hours(3)))
    entry = case.decline(CASEWORKER, "shelter full", at=hours(3))
    assert case.step == "kin" and case.referral is None
    assert (entry.event, entry.source, entry.target, entry.note) == (
        "decline",
        "shelter",
        "kin",
        "shelter full",
    )
    case.fire("close", actor=SOCIAL, at=hours(4))
    assert case.step == "closed" and case.verify()


def test_acting_at_the_target_counts_as_accepting(engine: Engine) -> None:
    """Firing an event from the referral's target step accepts the referral."""
    case = referred(engine)
    case.fire("close", actor=CASEWORKER, at=hours(3))
    assert case.referrals is not None
    assert (case.referrals[0].answer, case.referrals[0].answered_at) == ("accepted", hours(3))
    assert [e.event for e in case.history] == ["open", "screen", "refer", "close"]


# ----------------------------------------------------------------------------- deadlines


def test_due_lists_started_deadlines_and_referral_answers(engine: Engine) -> None:
    """due(): deadlines from the entry (default) or their `from` step, plus referral answers."""
    case = opened(engine)
    assert [(d.id, d.due_at) for d in case.due()] == [("placed-2d", hours(48))]
    case.fire("screen", actor=COUNSELLOR, at=hours(1))
    assert [(d.id, d.kind, d.due_at) for d in case.due()] == [
        ("placed-2d", "deadline", hours(48)),
        ("closed-5d", "deadline", hours(121)),
    ]
    case.fire("refer", actor=COUNSELLOR, at=hours(2))  # shelter is tagged placement: met
    assert [(d.id, d.kind, d.due_at) for d in case.due()] == [
        ("referral:refer", "referral", hours(26)),
        ("closed-5d", "deadline", hours(121)),
    ]


def test_overdue_lists_missed_deadlines(engine: Engine) -> None:
    """overdue(now): nothing before the due time; a deadline not met by then afterwards."""
    case = opened(engine)
    case.fire("screen", actor=COUNSELLOR, at=hours(1))
    assert case.overdue(hours(47)) == []
    assert [d.id for d in case.overdue(hours(49))] == ["placed-2d"]
    case.fire("refer", actor=COUNSELLOR, at=hours(50))  # met, but late: still missed
    late = case.overdue(hours(51))
    assert [(d.id, d.met_at) for d in late] == [("placed-2d", hours(50))]
    assert [d.id for d in case.overdue(hours(75))] == ["placed-2d", "referral:refer"]
    case.accept(CASEWORKER, at=hours(76))
    assert [d.id for d in case.overdue(hours(200))] == ["placed-2d", "referral:refer", "closed-5d"]


def test_a_deadline_met_in_time_is_never_overdue(engine: Engine) -> None:
    """A target entered before the due time meets the deadline for good."""
    case = referred(engine)
    case.accept(CASEWORKER, at=hours(3))
    case.fire("close", actor=CASEWORKER, at=hours(4))
    assert case.due() == [] and case.overdue(hours(10_000)) == []


def test_a_branch_that_cannot_reach_the_target_drops_the_deadline(engine: Engine) -> None:
    """A case that went where the target cannot be reached is not overdue on it."""
    case = opened(engine, risk="low")
    case.fire("screen", actor=COUNSELLOR, at=hours(1))
    case.fire("close", actor=COUNSELLOR, at=hours(2))  # closed without any placement
    assert case.due() == []
    assert case.overdue(hours(1000)) == []
    assert engine.overdue_from(case) is None


def test_overdue_from_is_the_first_time_overdue_is_non_empty(engine: Engine) -> None:
    """overdue_from(case) is the earliest due time that will be missed without events."""
    case = opened(engine)
    first = engine.overdue_from(case)
    assert first == hours(48)
    assert case.overdue(first) == [] and case.overdue(first + dt.timedelta(seconds=1))


def test_pep_window_on_the_bundled_pathway(csa: pw.Pathway) -> None:
    """kh-csa-in-person: the 72 h PEP window runs from the report and is met at urgent care."""
    engine = Engine(csa)
    case = engine.open(
        data={"hours_since_incident": 5, "risk": "low"}, entry="report_police", at=T0
    )
    walk = [
        ("to_notify", "police_officer"),
        ("to_consent", "police_officer"),
        ("to_start_tracks", "social_worker"),
        ("tracks", "social_worker"),  # the medical, police and social-work tracks start
        ("to_medical_urgent", "social_worker"),  # only the medical track has this event
    ]
    for i, (event, role) in enumerate(walk, 1):
        case.fire(event, actor=pw.Actor(id="u", role=role), at=hours(i * 10))
    assert case.overdue(hours(1000)) == []
    (pep,) = [d for d in engine._all_limits(case) if d.id == "pep-window"]
    assert (pep.due_at, pep.met_at) == (hours(72), hours(50))


# ----------------------------------------------------------------------------- history


def test_history_hash_chain_covers_each_entry_and_the_previous_hash(engine: Engine) -> None:
    """Each hash is sha256(previous hash + canonical JSON of the entry)."""
    case = referred(engine)
    from pathways.history import chain_hash

    for before, entry in zip(case.history, case.history[1:], strict=False):
        assert entry.hash == chain_hash(before.hash, entry.payload())
    assert case.verify() is True


@pytest.mark.parametrize(
    "tamper",
    [
        {"note": "edited"},
        {"actor": "someone else"},
        {"at": hours(1.5)},
        {"target": "closed"},
        {"data": {"risk": "low"}},
    ],
)
def test_verify_detects_an_edited_entry(engine: Engine, tamper: dict[str, Any]) -> None:
    """Changing any field of an entry breaks the chain: verify() returns False."""
    case = referred(engine)
    original = case.history[1]
    fields = {name: getattr(original, name) for name in HistoryEntry.__dataclass_fields__}
    case.history[1] = HistoryEntry(**(fields | tamper))
    assert case.verify() is False
    with pytest.raises(pw.CaseError, match="does not verify at entry 1"):
        engine.restore(case.to_dict())


def test_verify_detects_removed_entries_and_changed_data(engine: Engine) -> None:
    """Dropping an entry or editing the case data outside events also fails verification."""
    case = referred(engine)
    del case.history[1]
    assert not case.verify()
    case = referred(engine)
    case.data["age"] = 3
    assert not case.verify()


# ----------------------------------------------------------------------------- snapshots


def test_snapshot_round_trips_exactly_through_json(engine: Engine) -> None:
    """to_dict() -> json -> restore() -> to_dict() is the identity, referral included."""
    case = referred(engine)
    snapshot = case.to_dict()
    assert snapshot["format"] == SNAPSHOT_FORMAT
    assert snapshot["referrals"][0]["answer"] is None
    assert snapshot["deadlines"]["closed-5d"]["due_at"] == hours(121).isoformat()
    text = json.dumps(snapshot)
    again = engine.restore(json.loads(text))
    assert again.to_dict() == snapshot and json.dumps(again.to_dict()) == text
    assert again == case
    again.decline(CASEWORKER, "full", at=hours(3))  # the restored case carries on
    assert again.step == "kin"


def test_restore_refuses_another_pathway_or_version(small: pw.Pathway, engine: Engine) -> None:
    """A snapshot of another pathway id or version is refused with both named."""
    snapshot = opened(engine).to_dict()
    newer = small.model_copy(update={"version": "2.0.0"})
    with pytest.raises(
        pw.CaseError,
        match=re.escape(
            "pathway 'engine-small' version '1.0.0'; "
            "this engine runs 'engine-small' version '2.0.0'"
        ),
    ):
        Engine(newer).restore(snapshot)
    with pytest.raises(pw.CaseError, match="kh-csa-in-person"):
        Engine(pw.load("pathways/kh/csa-in-person.yaml")).restore(snapshot)


@pytest.mark.parametrize(
    "change",
    [
        {"format": "x"},
        {"step": "nowhere"},
        {"history": None},
        {"data": {"age": 99}},
        {"deadlines": {"nope": {"started_at": T0.isoformat(), "met_at": None}}},
        {"opened_at": None, "history": [{"seq": 0}]},
        {"version": -1},
    ],
)
def test_restore_refuses_malformed_snapshots(engine: Engine, change: dict[str, Any]) -> None:
    """A malformed snapshot raises CaseError, never another exception."""
    snapshot = opened(engine).to_dict() | change
    with pytest.raises(pw.CaseError):
        engine.restore(snapshot)


# ----------------------------------------------------------------------------- hooks, threads


def test_on_enter_runs_after_the_case_record_changed(small: pw.Pathway) -> None:
    """on_enter(step, case) sees the case already at the step, with the entry recorded."""
    seen: list[tuple[str, str, int]] = []
    engine = Engine(
        small, on_enter=lambda step, case: seen.append((step, case.step, len(case.history)))
    )
    case = engine.open(data={"online": False, "risk": "high"}, at=T0)
    case.fire("screen", actor=COUNSELLOR, at=hours(1))
    case.fire("refer", actor=COUNSELLOR, at=hours(2))
    case.accept(CASEWORKER, at=hours(3))  # no step entered: no hook
    assert seen == [("intake", "intake", 1), ("screen", "screen", 2), ("shelter", "shelter", 3)]


def test_a_failing_hook_does_not_corrupt_the_case(small: pw.Pathway) -> None:
    """A hook's exception reaches the caller; the transition stands and the chain verifies."""

    def hook(step: str, case: Case) -> None:
        if step == "screen":
            raise RuntimeError("mail server down")

    engine = Engine(small, on_enter=hook)
    case = engine.open(data={"online": False, "risk": "low"}, at=T0)
    with pytest.raises(RuntimeError, match="mail server down"):
        case.fire("screen", actor=COUNSELLOR, at=hours(1))
    assert case.step == "screen" and len(case.history) == 2 and case.verify()
    case.fire("close", actor=COUNSELLOR, at=hours(2))  # the engine is not left locked
    assert case.step == "closed"


def test_threads_firing_on_one_engine(engine: Engine) -> None:
    """Threads sharing an engine: every case ends right; one event on one case fires once."""
    cases = [
        engine.open(data={"online": False, "risk": "low"}, case_id=f"t{i}", at=T0)
        for i in range(200)
    ]
    shared = engine.open(data={"online": False, "risk": "low"}, case_id="shared", at=T0)
    wins: list[int] = []
    errors: list[BaseException] = []

    def work(part: list[Case]) -> None:
        try:
            for c in part:
                c.fire("screen", actor=COUNSELLOR, at=hours(1))
                c.fire("close", actor=COUNSELLOR, at=hours(2))
            try:
                shared.fire("screen", actor=COUNSELLOR, at=hours(1))
                wins.append(1)
            except pw.TransitionNotAllowed:
                pass
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(cases[i::4],)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert all(c.step == "closed" and len(c.history) == 3 and c.verify() for c in cases)
    assert len(wins) == 1 and shared.step == "screen" and len(shared.history) == 2


def test_engine_rejects_a_pathway_whose_guard_does_not_parse(small: pw.Pathway) -> None:
    """An unparsable guard is reported when the engine is built, naming the transition."""
    bad = small.transitions[0].model_copy(update={"when": "online ==="})
    broken = small.model_copy(update={"transitions": (bad, *small.transitions[1:])})
    with pytest.raises(pw.CaseError, match=r"transition 0 \('intake' -> 'screen'\): guard"):
        Engine(broken)


def test_public_names() -> None:
    """Engine, Actor and Case are exported lazily from pathways."""
    assert pw.Engine is Engine and pw.Case is Case
    assert {"Engine", "Actor", "Case"} <= set(pw.__all__)


def test_role_is_checked_on_the_transition_the_guard_selects(small: pw.Pathway) -> None:
    """Transitions sharing an event but not `by`: the guard selects, then its roles apply."""
    first, second = small.transitions[0], small.transitions[1]
    split = small.model_copy(
        update={
            "transitions": (
                first.model_copy(update={"by": ("counsellor",)}),
                second.model_copy(update={"by": ("supervisor",)}),
                *small.transitions[2:],
            )
        }
    )
    engine = Engine(split)
    online = engine.open(data={"online": True}, at=T0)
    msg = refused(online, pw.NotAuthorized, lambda: online.fire("screen", actor=COUNSELLOR, at=T0))
    assert "'referred_out'" in msg
    assert online.available(COUNSELLOR) == [] and online.available(SUPERVISOR) == ["screen"]
    online.fire("screen", actor=SUPERVISOR, at=T0)
    assert online.step == "referred_out"
    offline = engine.open(data={"online": False}, at=T0)
    refused(offline, pw.NotAuthorized, lambda: offline.fire("screen", actor=SUPERVISOR, at=T0))
    offline.fire("screen", actor=COUNSELLOR, at=T0)
    assert offline.step == "screen"


def test_embedding_docs_examples_run() -> None:
    """Every example in docs/embedding.md runs and prints what the page says."""
    import doctest

    result = doctest.testfile(
        "docs/embedding.md", module_relative=False, optionflags=doctest.ELLIPSIS
    )
    assert result.attempted > 20 and result.failed == 0


@given(
    text=st.text(),
    seq=st.integers(0, 10**9),
    note=st.none() | st.text(),
    data=st.dictionaries(
        st.text(),
        st.integers()
        | st.booleans()
        | st.text()
        | st.floats(allow_nan=False, allow_infinity=False),
    ),
)
def test_fast_entry_json_equals_canonical_json(
    text: str, seq: int, note: str | None, data: dict[str, Any]
) -> None:
    """The hand-written entry JSON is byte-for-byte the canonical json.dumps output."""
    from pathways.history import _canonical, _entry_json

    for source in (None, text):
        payload = {
            "seq": seq,
            "event": text,
            "source": source,
            "target": text + "x",
            "actor": text,
            "role": "r" + text,
            "at": text,
            "note": note,
            "data": data,
        }
        fast = _entry_json(seq, text, source, text + "x", text, "r" + text, text, note, data)
        assert fast == _canonical(payload)
