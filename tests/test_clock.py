"""Clocks: the system clock, the simulated clock, and aware-UTC conversion."""

from __future__ import annotations

import datetime as dt

import pytest

from pathways.clock import Clock, SimulatedClock, SystemClock, as_utc

T0 = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)


def test_system_clock_is_aware_utc_and_reads_the_wall_clock() -> None:
    """SystemClock.now() is an aware UTC datetime between two readings of the wall clock
    (no tolerance: nothing depends on how fast the machine is)."""
    before = dt.datetime.now(dt.UTC)
    now = SystemClock().now()
    after = dt.datetime.now(dt.UTC)
    assert now.tzinfo is dt.UTC
    assert before <= now <= after
    assert isinstance(SystemClock(), Clock)


def test_simulated_clock_moves_only_when_told() -> None:
    """SimulatedClock stays put, advances by timedelta and/or hours, and jumps forward."""
    clock = SimulatedClock(T0)
    assert clock.now() == clock.now() == T0
    assert clock.advance(dt.timedelta(minutes=30), hours=1) == T0 + dt.timedelta(hours=1.5)
    clock.set(T0 + dt.timedelta(days=2))
    assert clock.now() == T0 + dt.timedelta(days=2)
    assert isinstance(clock, Clock)
    assert SimulatedClock().now() == dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def test_simulated_clock_never_goes_back() -> None:
    """A negative step or an earlier time is refused."""
    clock = SimulatedClock(T0)
    with pytest.raises(ValueError, match="cannot go back"):
        clock.advance(hours=-1)
    with pytest.raises(ValueError, match="cannot go back"):
        clock.set(T0 - dt.timedelta(seconds=1))
    assert clock.now() == T0


def test_simulated_clock_converts_to_utc_and_refuses_naive_times() -> None:
    """Times given in another zone are stored in UTC; naive times are refused."""
    plus7 = dt.timezone(dt.timedelta(hours=7))
    clock = SimulatedClock(dt.datetime(2026, 3, 1, 7, tzinfo=plus7))
    assert clock.now() == T0 and clock.now().tzinfo is dt.UTC
    with pytest.raises(ValueError, match="no timezone"):
        SimulatedClock(dt.datetime(2026, 3, 1))
    with pytest.raises(ValueError, match="must be a datetime"):
        as_utc("2026-03-01")  # type: ignore[arg-type]
