"""Clocks for the case runtime: where :class:`pathways.Engine` reads "now" from.

The engine never calls :func:`datetime.datetime.now` itself; it asks its clock, so tests and
replays can run on simulated time. This follows sismic's ``clock`` module (``Clock``,
``SimulatedClock``) passed into ``Interpreter(..., clock=None)``. Every clock returns
timezone-aware datetimes in UTC.
"""

from __future__ import annotations

import datetime as dt
from typing import Protocol, runtime_checkable

__all__ = ["Clock", "SimulatedClock", "SystemClock", "as_utc"]

UTC = dt.UTC


def as_utc(when: dt.datetime, what: str = "time") -> dt.datetime:
    """``when`` converted to UTC; a naive datetime is refused.

    Raises
    ------
    ValueError
        ``when`` has no timezone (the runtime never guesses one).

    Examples
    --------
    >>> import datetime as dt
    >>> from pathways.clock import as_utc
    >>> as_utc(dt.datetime(2026, 1, 1, 9, tzinfo=dt.timezone(dt.timedelta(hours=7)))).isoformat()
    '2026-01-01T02:00:00+00:00'
    """
    if not isinstance(when, dt.datetime):
        raise ValueError(f"{what} must be a datetime, not {type(when).__name__}")
    if when.tzinfo is None or when.utcoffset() is None:
        raise ValueError(
            f"{what} {when.isoformat()!r} has no timezone; pass an aware datetime, "
            "e.g. datetime.now(timezone.utc)"
        )
    return when.astimezone(UTC)


@runtime_checkable
class Clock(Protocol):
    """Anything with a ``now()`` returning an aware datetime."""

    def now(self) -> dt.datetime:
        """The current time, timezone-aware, in UTC."""
        ...


class SystemClock:
    """The wall clock: ``datetime.now(timezone.utc)``.

    Examples
    --------
    >>> from pathways.clock import SystemClock
    >>> SystemClock().now().tzinfo is not None
    True
    """

    def now(self) -> dt.datetime:
        """The current wall-clock time in UTC."""
        return dt.datetime.now(UTC)

    def __repr__(self) -> str:
        return "SystemClock()"


class SimulatedClock:
    """A clock that only moves when told to, for tests and replays.

    Like sismic's ``SimulatedClock``, time never goes backwards: :meth:`advance` refuses a
    negative step and :meth:`set` an earlier time.

    Parameters
    ----------
    start
        The initial time (aware); default 2026-01-01T00:00:00Z.

    Examples
    --------
    >>> import datetime as dt
    >>> from pathways.clock import SimulatedClock
    >>> clock = SimulatedClock(dt.datetime(2026, 3, 1, tzinfo=dt.timezone.utc))
    >>> clock.advance(hours=36).isoformat()
    '2026-03-02T12:00:00+00:00'
    """

    __slots__ = ("_now",)

    def __init__(self, start: dt.datetime | None = None) -> None:
        self._now = (
            as_utc(start, "start") if start is not None else dt.datetime(2026, 1, 1, tzinfo=UTC)
        )

    def now(self) -> dt.datetime:
        """The simulated current time."""
        return self._now

    def advance(self, delta: dt.timedelta | None = None, *, hours: float = 0.0) -> dt.datetime:
        """Move the clock forward by ``delta`` plus ``hours``; return the new time.

        Raises
        ------
        ValueError
            The step is negative.
        """
        step = (delta or dt.timedelta()) + dt.timedelta(hours=hours)
        if step < dt.timedelta():
            raise ValueError(f"a simulated clock cannot go back in time (step {step})")
        self._now = self._now + step
        return self._now

    def set(self, when: dt.datetime) -> None:
        """Jump to ``when`` (aware, not earlier than now).

        Raises
        ------
        ValueError
            ``when`` is naive or earlier than the current simulated time.
        """
        when = as_utc(when)
        if when < self._now:
            raise ValueError(
                f"a simulated clock cannot go back in time ({when.isoformat()} is before "
                f"{self._now.isoformat()})"
            )
        self._now = when

    def __repr__(self) -> str:
        return f"SimulatedClock({self._now.isoformat()!r})"
