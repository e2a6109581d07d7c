"""The runtime with parallel tracks (SPEC 7.1): case.steps, fire(at=STEP), joins, referrals,
deadlines, snapshots, the SQLite store across processes and the public state machine."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys

import pytest
from hypothesis import settings

import pathways as pw
from pathways.engine import Case, Engine
from pathways.testing import PathwayStateMachine
from tests.stores import Backend

TRACKS = "tests/data/tracks-runtime.yaml"
T0 = dt.datetime(2026, 3, 1, 8, 0, tzinfo=dt.UTC)
SW = pw.Actor(id="s1", role="social_worker")
DOC = pw.Actor(id="d1", role="doctor")
OFFICER = pw.Actor(id="o1", role="officer")


def hours(h: float) -> dt.datetime:
    return T0 + dt.timedelta(hours=h)


@pytest.fixture(scope="module")
def engine() -> Engine:
    return Engine(pw.load(TRACKS))


def forked(engine: Engine, case_id: str = "c-1") -> Case:
    """A case whose fork has started the medical, police and social tracks."""
    case = engine.open(data={"charged": True}, case_id=case_id, at=T0)
    case.fire("open_tracks", actor=SW, at=hours(1))
    case.fire("tracks", actor=SW, at=hours(2))
    return case


def test_a_fork_starts_every_track_and_the_history_says_which_moved(engine: Engine) -> None:
    """One event at the fork puts a track on each exit; case.step refuses with several."""
    case = forked(engine)
    assert case.steps == ("medical", "statement", "assessment")
    with pytest.raises(pw.CaseError, match=r"3 tracks .*case\.steps"):
        _ = case.step
    last = case.history[-1]
    assert (last.event, last.source, last.target) == ("tracks", "start_tracks", "start_tracks")
    assert last.tracks == ("medical", "statement", "assessment")
    assert case.history[0].tracks == ("intake",)
    assert case.verify()


def test_an_event_that_could_move_two_tracks_needs_at(engine: Engine) -> None:
    """`done` leaves medical and statement: without at= it is refused and nothing changes."""
    case = forked(engine)
    case.accept(DOC, at="medical", when=hours(3))
    before = case.to_dict()
    with pytest.raises(pw.TransitionNotAllowed, match=r"medical, statement.*at="):
        case.fire("done", actor=DOC, at=hours(4))
    assert case.to_dict() == before
    case.fire("done", actor=OFFICER, at="statement", when=hours(4))
    assert case.steps == ("medical", "charge", "assessment")
    assert case.history[-1].source == "statement"
    # now only the medical track can move on `done`: no at= needed
    case.fire("done", actor=DOC, at=hours(5))
    assert case.steps == ("conference", "charge", "assessment")
    assert case.waiting == ("conference",)


@pytest.mark.parametrize(
    ("at", "message"),
    [
        ("closed", "no track of case 'c-1' is at 'closed'"),
        ("nowhere", "has no step 'nowhere'"),
        ("plan", "no track of case 'c-1' is at 'plan'"),
    ],
)
def test_at_naming_a_step_without_a_track_is_refused(engine: Engine, at: str, message: str) -> None:
    """An at= with no track there raises TransitionNotAllowed and changes nothing."""
    case = forked(engine)
    before = case.to_dict()
    with pytest.raises(pw.TransitionNotAllowed, match=message):
        case.fire("done", actor=DOC, at=at, when=hours(3))
    assert case.to_dict() == before


def test_a_join_waits_for_its_last_track_and_is_entered_with_it(engine: Engine) -> None:
    """A track arriving at a join waits (listed by the join's id, not movable, not entered);
    the join is entered in the move of the last arrival, and the case ends at the outcome."""
    entered: list[str] = []
    eng = Engine(engine.pathway, on_enter=lambda step, case: entered.append(step))
    case = forked(eng)
    case.fire("done", actor=DOC, at="medical", when=hours(3))
    assert case.waiting == ("conference",) and "conference" not in entered
    with pytest.raises(pw.TransitionNotAllowed, match="waits for the other tracks"):
        case.fire("conclude", actor=SW, at="conference", when=hours(3))
    with pytest.raises(pw.TransitionNotAllowed):
        case.fire("conclude", actor=SW, at=hours(3))
    case.fire("done", actor=OFFICER, at="statement", when=hours(4))
    case.fire("decide", actor=OFFICER, at=hours(5))
    case.fire("reported", actor=OFFICER, at=hours(6))
    case.fire("send", actor=OFFICER, at=hours(7))
    assert case.steps == ("conference", "assessment") and case.waiting == ()
    assert entered.count("conference") == 1
    case.fire("conclude", actor=SW, at=hours(8))
    case.fire("assessed", actor=SW, at=hours(9))
    assert case.step == "plan" and case.steps == ("plan",)
    case.fire("close", actor=SW, at=hours(10))
    assert case.done and case.steps == ("closed",) and case.verify()
    assert [e.tracks for e in case.history[-3:]] == [
        ("plan", "assessment"),
        ("plan",),
        ("closed",),
    ]
    assert case.history[-3].target == "plan" and case.waiting == ()


def test_a_referral_out_of_a_fork_is_declined_on_its_own(engine: Engine) -> None:
    """Declining the medical referral moves only the medical track, to on_reject."""
    case = forked(engine)
    assert [r.target for r in case.pending_referrals] == ["medical"]
    case.decline(DOC, "no doctor on duty", at="medical", when=hours(3))
    assert case.steps == ("find_clinic", "statement", "assessment")
    assert case.history[-1].tracks == case.steps
    case.fire("found", actor=SW, at=hours(4))
    assert case.steps[0] == "medical" and case.verify()


def test_deadlines_follow_every_track(engine: Engine) -> None:
    """pep-window (open to medical) is met in the fork's move; plan-window (fork to plan)
    runs while any track can still reach plan, and is missed when the join is late."""
    case = forked(engine)
    assert [d.id for d in case.due()] == ["referral:tracks", "plan-window"]
    assert [d.id for d in case.overdue(hours(200))] == ["referral:tracks", "plan-window"]
    case.accept(DOC, at=hours(3))
    case.fire("done", actor=DOC, at="medical", when=hours(4))
    assert [d.id for d in case.due()] == ["plan-window"]  # the other tracks still reach plan
    for event, actor in [("done", OFFICER), ("decide", OFFICER), ("reported", OFFICER)]:
        case.fire(event, actor=actor, at=hours(5))
    case.fire("send", actor=OFFICER, at=hours(6))
    case.fire("conclude", actor=SW, at=hours(7))
    case.fire("assessed", actor=SW, at=hours(200))
    missed = case.overdue(hours(300))
    assert [d.id for d in missed] == ["plan-window"] and missed[0].met_at == hours(200)


def test_snapshot_round_trip_with_waiting_tracks(engine: Engine) -> None:
    """A snapshot with a waiting track restores equal, and the restored case goes on."""
    case = forked(engine)
    case.fire("done", actor=DOC, at="medical", when=hours(3))
    snap = case.to_dict()
    assert snap["step"] is None
    assert snap["tracks"] == [
        {"step": "conference", "waiting_on": 5},
        {"step": "statement", "waiting_on": None},
        {"step": "assessment", "waiting_on": None},
    ]
    again = engine.restore(json.loads(json.dumps(snap)))
    assert again == case and again.waiting == ("conference",)
    again.fire("done", actor=OFFICER, at=hours(4))
    assert again.steps == ("conference", "charge", "assessment")


def _broken(snap: dict, **tracks: object) -> dict:
    out = json.loads(json.dumps(snap))
    out["tracks"] = tracks["tracks"]
    return out


@pytest.mark.parametrize(
    ("tracks", "message"),
    [
        ([{"step": "nowhere", "waiting_on": None}], "unknown step 'nowhere'"),
        ([{"step": "conference", "waiting_on": 0}], "not a transition into that join"),
        ([{"step": "medical", "waiting_on": 5}], "not a transition into that join"),
        ([], "non-empty list"),
        ([{"step": "medical"}], "a track must be"),
        (
            [{"step": "closed", "waiting_on": None}, {"step": "medical", "waiting_on": None}],
            "entered an outcome",
        ),
        (
            [{"step": "medical", "waiting_on": None}, {"step": "assessment", "waiting_on": None}],
            "does not verify",
        ),
    ],
)
def test_restore_refuses_tracks_that_do_not_fit(
    engine: Engine, tracks: object, message: str
) -> None:
    """A snapshot whose tracks do not fit the pathway (or its history) raises CaseError."""
    snap = forked(engine).to_dict()
    with pytest.raises(pw.CaseError, match=message):
        engine.restore(_broken(snap, tracks=tracks))


def test_restore_refuses_a_join_that_should_have_been_entered(engine: Engine) -> None:
    case = forked(engine)
    snap = case.to_dict()
    snap["tracks"] = [
        {"step": "plan", "waiting_on": 12},
        {"step": "plan", "waiting_on": 13},
    ]
    with pytest.raises(pw.CaseError, match="should have been entered"):
        engine.restore(snap)


def test_a_snapshot_with_tracks_does_not_fit_a_pathway_without_forks() -> None:
    small = Engine(pw.load("tests/data/engine-small.yaml"))
    snap = small.open(data={"online": False}, case_id="s", at=T0).to_dict()
    snap["tracks"] = [
        {"step": "intake", "waiting_on": None},
        {"step": "intake", "waiting_on": None},
    ]
    with pytest.raises(pw.CaseError, match="no fork step"):
        small.restore(snap)


def test_pathways_without_forks_keep_their_snapshots_and_hashes() -> None:
    """No `tracks` key in snapshots or history of a pathway without fork or join."""
    small = Engine(pw.load("tests/data/engine-small.yaml"))
    case = small.open(data={"online": False}, case_id="s", at=T0)
    snap = case.to_dict()
    assert "tracks" not in snap and all("tracks" not in e for e in snap["history"])
    assert case.steps == (case.step,)


_CHILD = """
import datetime as dt, sys
import pathways as pw
from tests.store_worker import open_store
engine = pw.Engine(pw.load({path!r}))
store = open_store(sys.argv[1])
T0 = dt.datetime(2026, 3, 1, 8, 0, tzinfo=dt.UTC)
sw = pw.Actor(id="s1", role="social_worker")
case = engine.open(data={{"charged": False}}, case_id="p-1", at=T0)
case.fire("open_tracks", actor=sw, at=T0 + dt.timedelta(hours=1))
case.fire("tracks", actor=sw, at=T0 + dt.timedelta(hours=2))
case.fire("done", actor=pw.Actor(id="d", role="doctor"), at="medical",
          when=T0 + dt.timedelta(hours=3))
store.save(case)
print(" ".join(case.steps))
"""


def test_store_keeps_tracks_across_processes(engine: Engine, backend: Backend) -> None:
    """A case with a waiting track saved by one process loads equal in another, and the
    store (each kind) lists it under each of its tracks' steps."""
    out = subprocess.run(
        [sys.executable, "-c", _CHILD.format(path=TRACKS), backend.spec],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(["src", "."])},
    )
    assert out.stdout.split() == ["conference", "statement", "assessment"]
    with backend.open() as store:
        case = store.load("p-1", engine)
        assert case.steps == ("conference", "statement", "assessment")
        assert case.waiting == ("conference",) and case.verify()
        for step in ("conference", "statement", "assessment"):
            assert store.list(step=step) == ["p-1"]
        assert store.list(step="medical") == []
        case.fire("done", actor=OFFICER, at=hours(4))
        store.save(case)
        assert store.list(step="charge") == ["p-1"] and store.list(step="statement") == []
        assert store.load("p-1", engine) == case


TracksFuzz = PathwayStateMachine(pw.load(TRACKS))
TracksFuzz.TestCase.settings = settings(max_examples=25, stateful_step_count=30, deadline=None)
TestTracksRuntime = TracksFuzz.TestCase
