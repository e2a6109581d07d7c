"""Working calendars (SPEC 7.3): working-time durations, wall-clock deadlines, bad input."""

from __future__ import annotations

import datetime as dt
import json
import math
import pickle
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import pathways as pw
from pathways.calendars import timeline, worst_span
from pathways.cli import main
from pathways.model import WEEKDAYS
from tests.hyp import examples

from ._pathways import build, move, step

OFFICE = {"days": ["mon", "tue", "wed", "thu", "fri"], "hours": ["08:00-12:00", "14:00-17:00"]}
MONDAY = dt.date(2027, 1, 4)


def by_hand(start_hour: float, work_hours: float) -> float:
    """Wall-clock hours ``work_hours`` take from ``start_hour`` (0 = Monday 00:00) in office
    hours, counted minute by minute: independent of the interval arithmetic under test."""
    minute, left = round(start_hour * 60), round(work_hours * 60)
    t = minute
    while left > 0:
        day, at = divmod(t, 1440)
        if day % 7 < 5 and (480 <= at < 720 or 840 <= at < 1020):
            left -= 1
        t += 1
    return (t - minute) / 60


def office() -> object:
    return timeline("UTC", OFFICE["days"], OFFICE["hours"], [], MONDAY, "UTC")


def test_two_working_hours_from_every_hour_of_the_week_match_the_hand_count() -> None:
    line = office()
    for hour in range(168):
        span = line.finish(line.begin(float(hour)), 2.0) - hour  # type: ignore[attr-defined]
        assert span == pytest.approx(by_hand(hour, 2.0)), hour
    friday_four_pm = 4 * 24 + 16
    assert by_hand(friday_four_pm, 2.0) == 65.0  # Friday 16:00 to Monday 09:00
    assert by_hand(11, 2.0) == 4.0  # Monday 11:00 to 15:00, across lunch
    assert by_hand(5 * 24 + 10, 2.0) == 48.0  # Saturday 10:00 to Monday 10:00


def test_worst_span_over_the_week_and_holidays() -> None:
    assert worst_span(office(), 2.0)[0] == pytest.approx(65.0)  # type: ignore[arg-type]
    # a Monday holiday makes the weekend a day longer
    line = timeline(
        "UTC", OFFICE["days"], OFFICE["hours"], [MONDAY + dt.timedelta(7)], MONDAY, "UTC"
    )
    assert worst_span(line, 2.0)[0] == pytest.approx(65.0 + 24.0)


def calendar_pathway(capacity: int | None) -> pw.Pathway:
    role = {"id": "r", "agency": "a", "title": "R", "calendar": "office"}
    if capacity:
        role["capacity"] = capacity
    return build(
        [step("s", "entry", duration="2h"), step("done", "outcome")],
        [move("s", "done")],
        roles=[role],
        calendars={"office": {"timezone": "UTC", **OFFICE}},
        deadlines=[{"id": "seen", "to": "s", "within": "24h"}],
        simulation={"arrivals_per_day": 24, "start": "2027-01-04"},
    )


@pytest.mark.parametrize("capacity", [None, 500])
def test_a_24_hour_window_is_missed_by_weekend_arrivals(capacity: int | None) -> None:
    """Service begins at the next working instant: a case arriving between Friday 17:00 and
    Sunday 08:00 waits more than 24 h (39 of the week's 168 hours), in both engines."""
    r = pw.simulate(calendar_pathway(capacity), cases=20_000, seed=1)
    share = r.deadlines["seen"]["share_missed"]
    exact = 39 / 168
    se = math.sqrt(exact * (1 - exact) / 20_000)
    assert abs(share - exact) < 5 * se
    assert r.time_to_outcome_hours["p50"] >= 2.0


def test_calendars_off_change_nothing() -> None:
    """A calendar of every day, all day, without holidays leaves times as they are."""
    plain = build(
        [step("s", "entry", duration="2h"), step("done", "outcome")],
        [move("s", "done")],
        roles=[{"id": "r", "agency": "a", "title": "R"}],
    )
    always = build(
        [step("s", "entry", duration="2h"), step("done", "outcome")],
        [move("s", "done")],
        roles=[{"id": "r", "agency": "a", "title": "R", "calendar": "all"}],
        calendars={"all": {}},
    )
    a = pw.simulate(plain, cases=500, seed=3).to_dict()
    b = pw.simulate(always, cases=500, seed=3).to_dict()
    assert json.dumps(a) == json.dumps(b)


def test_same_seed_same_json_with_workers(tmp_path: Path) -> None:
    p = calendar_pathway(2)
    a = pw.simulate(p, cases=3000, seed=5).to_dict()
    b = pw.simulate(p, cases=3000, seed=5, workers=2).to_dict()
    assert json.dumps(a) == json.dumps(b)


BAD = """format: pathways/1
id: cal
agencies: [{id: a, name: A, sector: social}]
calendars:
  office: {timezone: Asia/Phnom_Penh, days: [mon], hours: ["08:00-12:00"], holidays: [2027-01-01]}
  zone: {timezone: Mars/Olympus}
  late: {hours: ["25:00-26:00"]}
  day: {holidays: [not-a-date]}
  idle: {days: []}
roles: [{id: r, agency: a, title: R, calendar: office}]
steps:
  - {id: s, kind: entry, role: r, duration: 2h}
  - {id: done, kind: outcome}
transitions: [{from: s, to: done}]
"""


def test_bad_calendars_are_findings_with_lines(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(BAD, encoding="utf-8")
    assert main(["validate", str(path)]) == 1
    out = capsys.readouterr().out
    assert "bad.yaml:6:20: PW002" in out and "unknown time zone 'Mars/Olympus'" in out
    assert "bad.yaml:7:17: PW002" in out and "'25:00-26:00': hours run from 00:00 to 24:00" in out
    assert "bad.yaml:8:20: PW002" in out and "holidays[0]" in out
    assert "bad.yaml:9:9: PW002" in out and "at least one working day" in out
    assert "Traceback" not in out


def test_unknown_calendar_is_a_reference_finding(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = BAD.split("  zone:")[0] + BAD.split("  idle: {days: []}\n")[1]
    path = tmp_path / "ref.yaml"
    path.write_text(text.replace("calendar: office", "calendar: ofice"), encoding="utf-8")
    assert main(["validate", str(path)]) == 1
    out = capsys.readouterr().out
    assert "PW003" in out and "did you mean 'office'?" in out


def test_pw303_counts_the_worst_wall_clock_span_with_its_witness() -> None:
    p = build(
        [
            step("intake", "entry", duration="2h"),
            step("medical", role="s", duration="1h"),
            step("done", "outcome"),
        ],
        [move("intake", "medical"), move("medical", "done")],
        roles=[
            {"id": "r", "agency": "a", "title": "R", "calendar": "office"},
            {"id": "s", "agency": "b", "title": "S"},
        ],
        calendars={"office": {"timezone": "Asia/Phnom_Penh", **OFFICE}},
        deadlines=[{"id": "pep", "to": "medical", "within": "24h"}],
    )
    (found,) = [f for f in pw.check(p) if f.code == "PW303"]
    assert "reaches 'medical' after 65 h (2.7 days), above 24 h (1 day)" in found.message
    assert (
        "'intake': 2 working hours can take 65 h (2.7 days): Friday 17:00 to Monday 10:00"
        in found.message
    )


def test_pw303_witness_is_wholly_khmer_in_validate_lang_km(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Issue 18: the calendar's witness had English weekdays, so no template matched the whole
    message and `validate --lang km` printed it in English. The weekdays are Babel's (CLDR's)
    Khmer names now; the JSON message stays English."""
    p = build(
        [
            step("intake", "entry", duration="2h"),
            step("medical", role="s", duration="1h"),
            step("done", "outcome"),
        ],
        [move("intake", "medical"), move("medical", "done")],
        roles=[
            {"id": "r", "agency": "a", "title": "R", "calendar": "office"},
            {"id": "s", "agency": "b", "title": "S"},
        ],
        calendars={"office": {"timezone": "Asia/Phnom_Penh", **OFFICE}},
        deadlines=[{"id": "pep", "to": "medical", "within": "24h"}],
    )
    doc = p.model_dump(mode="json", by_alias=True, exclude_defaults=True)
    doc["format"] = p.format
    path = tmp_path / "office.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    main(["validate", "--lang", "km", "--select", "PW303", str(path)])
    out = capsys.readouterr().out
    assert "PW303" in out
    assert "ថ្ងៃសុក្រ ម៉ោង 17:00 ដល់ថ្ងៃច័ន្ទ ម៉ោង 10:00" in out, out
    for english in ("Friday", "Monday", "working hours", "can take", "slowest"):
        assert english not in out, out
    main(["validate", "--format", "json", "--lang", "km", "--select", "PW303", str(path)])
    assert "Friday 17:00 to Monday 10:00" in capsys.readouterr().out


def test_serve_agrees_with_begin_and_finish() -> None:
    line = office()
    for hour in range(0, 2000, 7):
        for work in (0.0, 0.5, 2.0, 9.0, 40.0):
            t = hour + 0.25
            begin = line.begin(t)  # type: ignore[attr-defined]
            assert line.serve(t, work) == pytest.approx((begin, line.finish(begin, work)))  # type: ignore[attr-defined]
    far = 24 * 365 * 30.0  # beyond the fold: the weekly pattern repeats
    assert line.serve(far, 2.0)[1] - far == pytest.approx(by_hand(far % 168, 2.0))  # type: ignore[attr-defined]


def test_calendars_with_parallel_tracks_are_simulated() -> None:
    """The bundled pathway with tracks, every role in office hours: the track loop runs it
    (it was refused once) and cases take longer than around the clock."""
    p = pw.load("pathways/kh/csa-in-person.yaml")
    doc = p.model_dump(mode="json", by_alias=True, exclude_defaults=True)
    doc["format"] = p.format
    doc["calendars"] = {"office": {"timezone": "UTC", **OFFICE}}
    doc["roles"] = [{**r, "calendar": "office"} for r in doc["roles"]]
    office = pw.simulate(pw.Pathway.model_validate(doc), cases=300, seed=1)
    doc["roles"] = [{k: v for k, v in r.items() if k != "calendar"} for r in doc["roles"]]
    plain = pw.simulate(pw.Pathway.model_validate(doc), cases=300, seed=1)
    assert office.cases == plain.cases == 300
    assert office.time_to_outcome_hours["p50"] > plain.time_to_outcome_hours["p50"]


ZONES = ["UTC", "Asia/Phnom_Penh", "Europe/London", "America/New_York", "Australia/Lord_Howe"]


@settings(max_examples=examples(40), deadline=None)
@given(
    zone=st.sampled_from(ZONES),
    days=st.sets(st.sampled_from(["mon", "tue", "wed", "thu", "fri", "sat", "sun"]), min_size=1),
    cuts=st.lists(st.integers(0, 48), min_size=2, max_size=6, unique=True),
    holidays=st.lists(st.integers(0, 900), max_size=4),
    calls=st.lists(
        st.tuples(
            st.one_of(
                st.floats(-30.0, 400.0),
                st.floats(0.0, 24 * 800.0),
                st.floats(24 * 700.0, 24 * 365 * 40.0),
                st.integers(-10, 2 * 24 * 900).map(lambda h: h / 2),  # on the half hours
                st.integers(0, 4 * 24 * 60).map(lambda h: h / 4),  # quarters: inside half hours
            ),
            st.one_of(
                st.just(0.0),
                st.floats(0.0, 3.0),
                st.floats(0.0, 2000.0),
                st.integers(0, 400).map(lambda h: h / 2),
            ),
        ),
        min_size=1,
        max_size=40,
    ),
)
def test_the_event_loops_server_equals_serve_exactly(
    zone: str,
    days: set[str],
    cuts: list[int],
    holidays: list[int],
    calls: list[tuple[float, float]],
) -> None:
    """The closure with its lookup tables gives bit for bit what :meth:`serve`'s binary searches
    give (same JSON for the same seed), whatever the calendar, time zone, holidays and times,
    before and after the weekly fold, beyond the intervals built so far and before time zero."""
    marks = sorted(cuts)[: len(cuts) // 2 * 2]
    hours = [
        f"{a // 2:02d}:{a % 2 * 30:02d}-{b // 2:02d}:{b % 2 * 30:02d}"
        for a, b in zip(marks[::2], marks[1::2], strict=True)
    ]
    off = [MONDAY + dt.timedelta(days=d) for d in holidays]

    def line() -> object:
        return timeline(zone, sorted(days), hours, off, MONDAY, "Asia/Phnom_Penh")

    reference, fast = line(), line()
    serve = fast.server()  # type: ignore[attr-defined]
    for t, work in calls:
        assert serve(t, work) == reference.serve(t, work), (t, work)  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    "zone", ["Europe/London", "America/Santiago", "Australia/Lord_Howe", "Africa/Casablanca"]
)
def test_working_intervals_across_clock_changes_match_the_time_zone_database(zone: str) -> None:
    """Two years of shifts (one across midnight's neighbour, one ending at 24:00) in zones that
    change their clocks, against datetime and zoneinfo boundary by boundary: the plain
    arithmetic on days without a change gives the same instants, to the bit."""
    start = dt.date(2026, 12, 28)
    shifts = ["00:00-01:30", "02:00-03:00", "08:00-12:00", "22:30-24:00"]
    line = timeline(
        zone, ["mon", "tue", "wed", "thu", "fri", "sat", "sun"], shifts, [], start, "UTC"
    )
    line._extend(730)  # type: ignore[attr-defined]
    tz = ZoneInfo(zone)
    origin = dt.datetime.combine(start, dt.time(), tzinfo=ZoneInfo("UTC")).timestamp()
    spans: list[list[float]] = []
    for k in range(730):
        day = line.start + dt.timedelta(days=k)  # type: ignore[attr-defined]
        for text in shifts:
            lo, hi = (int(x[:2]) * 60 + int(x[3:]) for x in text.split("-"))
            ends = [
                dt.datetime.combine(day, dt.time(), tzinfo=tz) + dt.timedelta(minutes=m)
                for m in (lo, hi)
            ]
            t0, t1 = ((e.timestamp() - origin) / 3600.0 for e in ends)
            if spans and abs(spans[-1][1] - t0) < 1e-9:
                spans[-1][1] = t1
            else:
                spans.append([t0, t1])
    assert line.a == [s[0] for s in spans]  # type: ignore[attr-defined]
    assert line.b == [s[1] for s in spans]  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("zone", "hours"),
    [
        ("UTC", ["08:00-12:30", "13:30-17:00"]),
        ("Europe/London", ["00:00-01:30", "07:30-24:00"]),
        ("Australia/Lord_Howe", ["09:30-10:00", "10:30-16:30"]),
    ],
)
def test_the_server_equals_serve_on_every_quarter_hour(zone: str, hours: list[str]) -> None:
    """A sweep the property test may miss: every quarter hour of two weeks (stretches ending on
    the half hour, starts inside and outside them) and of a week past the fold, with short and
    long work, bit for bit; the working-time axis within 1e-9 (relative)."""
    days = ["mon", "tue", "wed", "thu", "fri", "sat"]
    reference = timeline(zone, days, hours, [MONDAY + dt.timedelta(9)], MONDAY, "Asia/Phnom_Penh")
    fast = timeline(zone, days, hours, [MONDAY + dt.timedelta(9)], MONDAY, "Asia/Phnom_Penh")
    serve = fast.server()
    clock = fast.work_clock()
    far = 24 * 365 * 7.0
    for q in range(4 * 24 * 14):
        for t in (q / 4, far + q / 4 if q < 4 * 24 * 7 else None):
            for work in (0.25, 1.5, 30.0):
                if t is not None:
                    begin, end = reference.serve(t, work)
                    assert serve(t, work) == (begin, end), (t, work)
                    # the queue loop's working-time axis, up to rounding (past the fold in a
                    # zone that changes clocks the week repeats: see the property test)
                    if zone == "UTC" or end <= fast.fold:
                        w, at = clock.enter(t)
                        assert (at, clock.begin(w), clock.end(w + work, work)[0]) == pytest.approx(
                            (begin, begin, end), rel=1e-9, abs=1e-9
                        ), (t, work)


def _two_roles_on_calendars(
    holidays: list[str], capacity: int, interview: dict[str, float]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The JSON of the same run with role `t` on role `r`'s calendar ("one": the queue loop's
    inline arithmetic) and on another of the same definition ("two": the calls), seed 11."""
    cal = {
        "timezone": "Europe/London",
        "days": ["mon", "tue", "wed", "thu", "fri"],
        "hours": ["08:30-12:30", "13:30-17:00"],
        "holidays": holidays,
    }

    def pathway(second: str) -> pw.Pathway:
        return build(
            [
                step("s", "entry", duration={"min": 0.5, "mode": 9.0, "max": 40.0}),
                step("i", role="t", tags=["interview"], duration=interview),
                step("done", "outcome"),
            ],
            [move("s", "i"), move("i", "s", probability=0.3), move("i", "done", probability=0.7)],
            roles=[
                {"id": "r", "agency": "a", "title": "R", "capacity": capacity, "calendar": "one"},
                {"id": "t", "agency": "b", "title": "T", "capacity": 1, "calendar": second},
            ],
            calendars={"one": cal, "two": cal},
            policies={"max_interviews": 1000},
            simulation={"arrivals_per_day": 0.4, "start": "2027-01-04"},
        )

    inline = pw.simulate(pathway("one"), cases=3000, seed=11).to_dict()
    called = pw.simulate(pathway("two"), cases=3000, seed=11).to_dict()
    return inline, called


def test_the_queue_loops_inlined_calendar_equals_the_server() -> None:
    """With one calendar the queue loop runs the service arithmetic inline (with the weeks'
    shift of the last service kept); with two it calls each calendar's functions. Two
    calendars with the same definition must therefore give the same JSON as one (up to
    rounding in the last bits: 1e-12 relative), on a run of 20 years
    (far past the weekly fold), with services that cross nights, weekends and holidays in a
    zone that changes its clocks."""
    # 3,000 arrivals at 0.4 a day: some 20 years, the fold is at about 2 years
    inline, called = _two_roles_on_calendars(
        ["2027-04-02", "2027-12-27", "2028-01-03"], 2, {"min": 1, "mode": 2, "max": 30}
    )
    assert inline["roles"]["t"]["wait_hours_mean"] > 0
    _same_within(inline, called, 1e-12)


def test_the_inlined_calendar_with_a_role_years_behind() -> None:
    """A saturated role serves years ahead of the clock, so the weeks' shift the loop keeps
    (the last service's) is often years ahead of the other role's services: their offsets
    into the shift's tables are negative (Python wraps negative indexes), and those services
    must take the called arithmetic. The same JSON as with two calendars of one definition
    (1,860 of them in this run when counted)."""
    inline, called = _two_roles_on_calendars(["2027-04-02"], 10, {"min": 5, "mode": 15, "max": 30})
    assert inline["roles"]["t"]["wait_hours_mean"] > 3 * 8766  # waits of years: saturated
    _same_within(inline, called, 1e-12)


def _same_within(a: object, b: object, rel: float, path: str = "") -> None:
    """``a`` and ``b`` equal, floats within ``rel``: a case that goes on from one calendar to
    another of the same definition takes W there afresh, equal up to rounding (the loop keeps
    a case's working time only on the same calendar)."""
    if isinstance(a, dict) and isinstance(b, dict):
        assert list(a) == list(b), path
        for key in a:
            _same_within(a[key], b[key], rel, f"{path}.{key}")
    elif isinstance(a, list) and isinstance(b, list):
        assert len(a) == len(b), path
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            _same_within(x, y, rel, f"{path}[{i}]")
    elif isinstance(a, float) and isinstance(b, float):
        assert a == pytest.approx(b, rel=rel, abs=1e-12), path
    else:
        assert a == b, path


def test_the_server_keeps_up_when_the_timeline_grows_elsewhere() -> None:
    """The server's tables follow the timeline whoever makes it grow (here `begin`, as the
    deadline hooks do), also when the last working interval only gets longer (every day, all
    day, one holiday); a timeline with a server can still be pickled for worker processes."""
    for days, hours in ((["mon", "tue", "wed", "thu", "fri"], ["08:00-17:00"]), (None, None)):
        args = (days or list(WEEKDAYS), hours or ["00:00-24:00"], [MONDAY + dt.timedelta(3)])
        reference = timeline("Europe/London", *args, MONDAY, "UTC")
        fast = timeline("Europe/London", *args, MONDAY, "UTC")
        serve = fast.server()
        assert serve(10.0, 3.0) == reference.serve(10.0, 3.0)
        fast.begin(24 * 900.0)  # grows the intervals past the server's tables
        for t in [q * 7.25 for q in range(4000)]:
            for work in (0.5, 20.0, 200.0):
                assert serve(t, work) == reference.serve(t, work), (t, work)
        copy = pickle.loads(pickle.dumps(fast))
        assert copy.server()(50.0, 30.0) == reference.serve(50.0, 30.0)


@settings(max_examples=examples(40), deadline=None)
@given(
    zone=st.sampled_from(ZONES),
    days=st.sets(st.sampled_from(["mon", "tue", "wed", "thu", "fri", "sat", "sun"]), min_size=1),
    cuts=st.lists(st.integers(0, 48), min_size=2, max_size=6, unique=True),
    holidays=st.lists(st.integers(0, 900), max_size=4),
    calls=st.lists(
        st.tuples(
            st.one_of(
                st.floats(-30.0, 400.0),
                st.floats(0.0, 24 * 800.0),
                st.floats(24 * 700.0, 24 * 365 * 40.0),
                st.integers(-10, 2 * 24 * 900).map(lambda h: h / 2),  # on the half hours
                st.integers(0, 4 * 24 * 60).map(lambda h: h / 4),
            ),
            st.one_of(
                st.just(0.0),
                st.floats(0.0, 3.0),
                st.floats(0.0, 2000.0),
                st.integers(0, 400).map(lambda h: h / 2),
            ),
        ),
        min_size=1,
        max_size=40,
    ),
)
def test_the_working_time_axis_agrees_with_serve(
    zone: str,
    days: set[str],
    cuts: list[int],
    holidays: list[int],
    calls: list[tuple[float, float]],
) -> None:
    """The queue loop serves in working time (WorkClock): W of the time asked, plus the
    hours, back to the wall clock. Begin and end agree with :meth:`serve` up to rounding
    (1e-9 relative), whatever the calendar, zone and holidays, before and far past the fold
    (in zones that change their clocks: services that end before it); a service of no work
    ends where it begins, even at night."""
    marks = sorted(cuts)[: len(cuts) // 2 * 2]
    hours = [
        f"{a // 2:02d}:{a % 2 * 30:02d}-{b // 2:02d}:{b % 2 * 30:02d}"
        for a, b in zip(marks[::2], marks[1::2], strict=True)
    ]
    off = [MONDAY + dt.timedelta(days=d) for d in holidays]

    def line() -> object:
        return timeline(zone, sorted(days), hours, off, MONDAY, "Asia/Phnom_Penh")

    reference, fast = line(), line()
    clock = fast.work_clock()  # type: ignore[attr-defined]
    for t, work in calls:
        begin, end = reference.serve(t, work)  # type: ignore[attr-defined]
        if zone not in ("UTC", "Asia/Phnom_Penh") and end > fast.fold:  # type: ignore[attr-defined]
            # past the fold the calendar repeats its week (docs/simulation.md); serve follows
            # the clock changes of the weeks after it for the rest of a service
            continue
        w, at = clock.enter(t)
        assert at == pytest.approx(begin, rel=1e-9, abs=1e-9), (t, work)
        assert clock.begin(w) == pytest.approx(begin, rel=1e-9, abs=1e-9), (t, work)
        assert float(clock.begin_array(np.array([w]))[0]) == clock.begin(w)
        done, _ = clock.end(w + work, work)
        assert done >= at - 1e-9, (t, work)
        if not 0.0 < work <= 1e-9:  # less is no work (it ends where the next interval begins)
            assert done == pytest.approx(end, rel=1e-9, abs=1e-9), (t, work)


def _shift(t: float, work: float, lo: float, hi: float) -> float:
    """When ``work`` hours end, begun at ``t`` on a shift of ``lo``-``hi`` o'clock every day
    (UTC, time zero at midnight): day by day, apart from the interval arithmetic under test."""
    day, h = divmod(t, 24.0)
    if h < lo:
        h = lo
    elif h >= hi:
        day, h = day + 1, lo
    while work > hi - h:
        work -= hi - h
        day, h = day + 1, lo
    return day * 24.0 + h + work


def test_queued_steps_on_two_calendars_take_each_calendars_working_time() -> None:
    """A case served on one calendar goes on at once to a role on another: its working time
    there is the other calendar's (the loop keeps a case's working time from its last service
    only for the same calendar). Ample servers, fixed durations, one with no work: each case's
    time to outcome against the day-by-day count, over ten years (far past the fold)."""
    from pathways.simulate import queues
    from pathways.simulate.compile import compile_pathway

    p = build(
        [
            step("a", "entry", role="r", duration="2h"),
            step("z", role="s", duration="0h"),
            step("b", role="s", duration="3h"),
            step("done", "outcome"),
        ],
        [move("a", "z"), move("z", "b"), move("b", "done")],
        roles=[
            {"id": "r", "agency": "a", "title": "R", "capacity": 50, "calendar": "morning"},
            {"id": "s", "agency": "b", "title": "S", "capacity": 50, "calendar": "afternoon"},
        ],
        calendars={"morning": {"hours": ["08:00-12:00"]}, "afternoon": {"hours": ["14:00-18:00"]}},
        simulation={"arrivals_per_day": 0.8, "start": "2027-01-04"},
    )
    cp = compile_pathway(p)
    plan = queues.plan_replication(cp, 3000, np.random.default_rng(5))
    res = queues.tally(cp, plan, queues.event_loop(plan))
    assert plan.arrivals[-1] > 24 * 365 * 8
    for c, t in enumerate(plan.arrivals):
        first = _shift(t, 2.0, 8.0, 12.0)
        expected = _shift(_shift(first, 0.0, 14.0, 18.0), 3.0, 14.0, 18.0)
        assert res.case_time[c] == pytest.approx(expected - t, abs=1e-6), c
