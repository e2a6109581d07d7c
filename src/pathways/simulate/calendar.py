"""The simulation's side of working calendars: arrivals and calendars applied to arrays.

The interval arithmetic itself is :mod:`pathways.calendars` (the rules use it too, for PW303).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from pathways.calendars import Timeline

__all__ = ["arrival_times", "begin_all", "finish_all"]

FloatArray = npt.NDArray[np.float64]


def arrival_times(
    n: int,
    rate_per_day: float | None,
    profile: FloatArray | None,
    rng: np.random.Generator,
) -> FloatArray:
    """Arrival instants (hours from time zero) of ``n`` cases.

    A Poisson stream at ``rate_per_day`` (without one: spread evenly at random over the first
    365 days), with the hours of the day weighted by ``profile`` (24 weights): the stream is
    drawn in "profile time" and mapped through the inverse of the cumulative weight, day by day.
    """
    if rate_per_day:
        u = np.cumsum(rng.exponential(24.0 / rate_per_day, size=n))
    else:
        u = np.sort(rng.uniform(0.0, 365.0 * 24.0, size=n))
    if profile is None:
        return u
    cum = np.concatenate([[0.0], np.cumsum(profile / profile.sum() * 24.0)])
    day, within = np.divmod(u, 24.0)
    hour = np.searchsorted(cum, within, side="right") - 1
    hour = hour.clip(0, 23)
    width = np.where(profile[hour] > 0, cum[hour + 1] - cum[hour], 1.0)
    out: FloatArray = day * 24.0 + hour + (within - cum[hour]) / width
    return out


def begin_all(
    cp_lines: list[Timeline], step_line: npt.NDArray[np.int64], t: FloatArray
) -> FloatArray:
    """:meth:`Timeline.begin` of each time on its step's calendar (-1: the time itself)."""
    out = t.copy()
    for k, line in enumerate(cp_lines):
        hit = np.flatnonzero(step_line == k)
        if hit.size:
            out[hit] = line.begin_array(t[hit])
    return out


def finish_all(
    cp_lines: list[Timeline], step_line: npt.NDArray[np.int64], t: FloatArray, hours: FloatArray
) -> FloatArray:
    """:meth:`Timeline.finish` of each (time, hours) on its step's calendar (-1: t + hours)."""
    out = t + hours
    for k, line in enumerate(cp_lines):
        hit = np.flatnonzero(step_line == k)
        if hit.size:
            out[hit] = line.finish_array(t[hit], hours[hit])
    return out
