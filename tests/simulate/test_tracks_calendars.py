"""Working calendars on the track-aware event loop (SPEC 7.1 with 7.3): step durations are
working time of the role's calendar, deadlines wall-clock to the start of service, checked
against closed forms and against a minute-by-minute count written here."""

from __future__ import annotations

import functools
import json
import math
from typing import Any

import pytest

import pathways as pw

from ._pathways import build, move, step

OFFICE = {
    "timezone": "UTC",
    "days": ["mon", "tue", "wed", "thu", "fri"],
    "hours": ["08:00-12:00", "14:00-17:00"],
}


def working(minute_of_week: int) -> bool:
    day, at = divmod(minute_of_week % 10080, 1440)
    return day < 5 and (480 <= at < 720 or 840 <= at < 1020)


def by_hand(start: int, work: int) -> int:
    """Minutes from ``start`` (minutes after Monday 00:00) until ``work`` working minutes are
    done in office hours, counted minute by minute (0 work: 0)."""
    t, left = start, work
    while left > 0:
        if working(t):
            left -= 1
        t += 1
    return t - start


def first_working(start: int) -> int:
    t = start
    while not working(t):
        t += 1
    return t - start


def tracked(
    capacity: int | None = None, rate: float | None = None, calendar: dict[str, Any] | None = None
) -> pw.Pathway:
    """Entry (always), a fork into an office-hours track of 2 working hours and an always track
    of 1 hour, a join, an outcome. Deadlines: service of the office step within 24 h of the
    report, and the case closed within 48 h."""
    office: dict[str, Any] = {"id": "o", "agency": "a", "title": "Office"}
    if calendar is not None:
        office["calendar"] = "office"
    if capacity:
        office["capacity"] = capacity
    sim: dict[str, Any] = {"start": "2027-01-04"}
    if rate:
        sim["arrivals_per_day"] = rate
    return build(
        [
            step("s", "entry", duration="0h"),
            step("f", "fork"),
            step("a", role="o", duration="2h"),
            step("b", duration="1h"),
            step("j", "join"),
            step("done", "outcome"),
        ],
        [
            move("s", "f"),
            move("f", "a"),
            move("f", "b"),
            move("a", "j"),
            move("b", "j"),
            move("j", "done"),
        ],
        roles=[{"id": "r", "agency": "a", "title": "R"}, office],
        calendars={"office": calendar} if calendar is not None else {},
        deadlines=[
            {"id": "seen", "to": "a", "within": "24h"},
            {"id": "closed", "to": "done", "within": "48h"},
        ],
        simulation=sim,
    )


def within(share: float, exact: float, n: int) -> bool:
    return abs(share - exact) < 5 * math.sqrt(exact * (1 - exact) / n) + 1e-9


WEEK = range(0, 10080, 10)  # start minutes over the week, every 10 minutes


@functools.cache
def oracle() -> tuple[float, float, float, float]:
    """By hand over the week's start instants: the share served more than 24 h after the
    report, the share closed after more than 48 h, and the mean and spread of the time to
    close (hours)."""
    late = sum(first_working(m) > 24 * 60 for m in WEEK) / len(WEEK)
    spans = [by_hand(m, 120) / 60 for m in WEEK]
    over = sum(s > 48 for s in spans) / len(spans)
    mean = sum(spans) / len(spans)
    sd = math.sqrt(sum((s - mean) ** 2 for s in spans) / len(spans))
    return late, over, mean, sd


@pytest.mark.parametrize(("capacity", "rate"), [(None, None), (200, 24.0)])
def test_office_track_against_closed_form_and_minute_count(
    capacity: int | None, rate: float | None
) -> None:
    """Cases arrive uniformly over the week (no holidays). Service of the office step begins at
    the next working instant: the 24 h window is missed from Friday 17:00 to Sunday 08:00, 39 of
    the week's 168 hours (closed form). The case closes when the slower track ends: the office
    track (2 working hours) always ends after the 1-hour one, so the share over 48 h and the
    mean are those of the minute-by-minute count over start instants of the week."""
    n = 10_000
    r = pw.simulate(tracked(capacity, rate, OFFICE), cases=n, seed=11)
    assert r.stuck == 0
    late, over, mean, sd = oracle()
    assert late == pytest.approx(39 / 168, abs=1 / len(WEEK))  # the closed form, by hand
    assert within(r.deadlines["seen"]["share_missed"], 39 / 168, n)
    assert within(r.deadlines["closed"]["share_missed"], over, n)
    times = r.time_to_outcome_hours
    assert abs(times["mean"] - mean) < 5 * sd / math.sqrt(n) + 0.05
    assert times["p50"] >= 2.0


def test_one_office_worker_queues_in_working_time() -> None:
    """With one office worker and a case every 2 hours around the clock, the office serves 35
    working hours a week against 84 hours of work: the saturation check counts the calendar
    (offered load over the working share) and the run says so."""
    r = pw.simulate(tracked(capacity=1, rate=12.0, calendar=OFFICE), cases=3000, seed=2)
    office = r.roles["o"]
    assert office["wait_hours_mean"] > 24
    assert any(e["role"] == "o" and e["level"] == "unstable" for e in r.saturation)


def test_same_seed_same_json_with_workers() -> None:
    p = tracked(capacity=3, rate=12.0, calendar=OFFICE)
    a = pw.simulate(p, cases=2500, seed=4).to_dict()
    b = pw.simulate(p, cases=2500, seed=4, workers=2).to_dict()
    assert json.dumps(a) == json.dumps(b)


def test_calendars_that_always_work_change_nothing_with_tracks() -> None:
    a = pw.simulate(tracked(2, 12.0, calendar={}), cases=800, seed=3).to_dict()
    b = pw.simulate(tracked(2, 12.0), cases=800, seed=3).to_dict()
    assert json.dumps(a) == json.dumps(b)
