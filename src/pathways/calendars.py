"""Working calendars as plain interval arithmetic on a clock of hours (SPEC 7.3).

A calendar's working time is a sorted list of wall-clock intervals ``[a_i, b_i)`` in hours
since the simulation's time zero (``simulation.start`` at 00:00 in the first calendar's time
zone), built day by day from the calendar's working days and hours in its own time zone
(:mod:`zoneinfo`: daylight saving changes are the time zone database's, not ours), without its
holidays, with touching intervals merged. ``cum_i`` is the working time before ``a_i``.

- :meth:`Timeline.begin` is the first working instant at or after ``t``: when a service asked
  for at ``t`` starts (a case that reaches an office on Friday evening is served on Monday).
- :meth:`Timeline.finish` is when ``d`` working hours started at ``t`` end.
- :func:`worst_span` is the longest wall-clock time ``d`` working hours can take, over every
  start instant of a week and the holidays (PW303).

Intervals are built for a horizon that doubles when a time beyond it is asked for, so a run
of any length works; :data:`ALWAYS` (every day, all day, no holidays) is never built: it
leaves times as they are, so pathways without calendars run exactly as before.
"""

from __future__ import annotations

import bisect
import datetime as dt
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NamedTuple
from zoneinfo import ZoneInfo

from pathways.model import WEEKDAYS, parse_shift

if TYPE_CHECKING:
    pass

__all__ = [
    "DEFAULT_START",
    "ServeTables",
    "Timeline",
    "WorkClock",
    "timeline",
    "wall_clock",
    "worst_case",
    "worst_span",
]

DEFAULT_START = dt.date(2027, 1, 4)
"""``simulation.start`` when the file gives none (a Monday)."""

FOLD_WEEKS = 52
"""Weeks of the working-time tables past the fold (:meth:`Timeline.work_clock`)."""

_NEAR = 1e-9
"""Hours within which a working time counts as at its interval's end (:class:`WorkClock`:
times shifted by whole weeks of work are rounded in their last bits)."""

FloatArray = Any  # numpy float arrays (numpy is imported only by the vectorised methods)
Rows = list[tuple[float, float, float]]
"""Rows ``(lo, ce, d)`` of :class:`WorkClock`'s tables, one per whole working hour."""


class ServeTables(NamedTuple):
    """What :meth:`Timeline.serve_tables`' closure reads; the lists and dicts change in place
    as the timeline grows. ``slow(t, hours, k)`` is :meth:`Timeline.serve` of a time ``t``
    already shifted back by ``k`` hours (whole weeks past the fold), shifted forward again.

    ``hour[m]`` (``m`` a whole hour of the clock, ``trunc(t)``) is ``(i, a[i], b[i], cum[i])``
    when ``[m, m + 1)`` lies in working interval ``i``, else ``(-2 - j, 0.0, 0.0, 0.0)`` with
    ``j`` the last interval starting at or before ``m``; ``work[m]`` (``m`` a whole working
    hour) is ``(j, cum_end[j], a[j], cum[j])`` with ``j`` the first interval whose working time
    reaches ``m``, or ``()`` when that is the last interval (its end may still grow)."""

    fold: float
    folded: float
    hour: list[tuple[int, float, float, float]]
    aa: list[float]
    a: list[float]
    b: list[float]
    cum: list[float]
    work: list[tuple[int, float, float, float]]
    cum_end: list[float]
    slow: Callable[[float, float, float], tuple[float, float]]


class WorkClock(NamedTuple):
    """A calendar's working-time axis, for the queue loop (:meth:`Timeline.work_clock`).

    ``W(t)`` is the working time done from time zero to the wall-clock instant ``t``. A role's
    servers come free at working instants, so a service of ``h`` working hours that begins at
    ``w`` ends at ``w + h``: one addition. Only wall-clock figures need the way back: the end
    of a service (the event loop's clock) and the begin of one that waited (waits, deadlines).
    Results agree with :meth:`Timeline.serve` up to rounding in the last bits.

    - ``enter(t)`` is ``(W(t), s)`` with ``s`` the first working instant at or after ``t``
      (``t`` itself when ``t`` is working time); ``enter_array`` the same for an array.
    - ``end(w, h)`` is ``(t, inside)``: the wall-clock end of a service of ``h`` working
      hours that ends at ``w`` (the end of a working interval when ``w`` falls on one, unless
      ``h`` is 0 or below 1e-9 h: then where the next interval begins), and whether ``t`` is
      working time.
    - ``begin(w)`` and ``begin_array(w)``: the first working instant with ``W = w``.
    - ``ends[m]``, for a whole working hour ``m`` of the tables, is ``(lo, ce, d)`` of the
      first piece of working time that goes past ``m``: its working time at its start plus
      1e-9 h and at its end less 1e-9 h, and ``d`` its wall clock minus working time, so that
      an ``x`` in ``(lo, ce)`` is at ``x + d`` (the queue loop's inlined ``end``; elsewhere,
      at or near a piece's ends, it calls ``end``).
    - ``shift(w)`` is ``(k, kw, rows)``: ``w`` is at ``x = w - kw`` in the tables, and
      ``x + d + k`` on the wall clock, and so is every working time ``v`` whose
      ``rows[trunc(v - kw)]`` (``ends``' row, or one that rejects every ``x``) takes it in
      (``lo < x < ce``); for any other ``v`` (rejected, or IndexError) call ``end``. The
      queue loop keeps the shift of the last service's end and its rows, so it looks up one
      row per service and checks nothing else; ``settle(w, h)`` is ``end(w, h) + shift(w)``
      in one call, for a service the rows reject.

    The tables hold the intervals before the fold, then the fold's week repeated: the same
    calendar as :meth:`Timeline.serve`'s weekly fold. A working time beyond them is shifted
    back by ``m = FOLD_WEEKS * floor((w - wfold) / (FOLD_WEEKS * weekly))`` weeks (``weekly *
    m`` working hours, ``168 * m`` wall-clock hours) into them; in the weeks of the fold the
    calendar repeats its week, as docs/simulation.md says (:meth:`Timeline.serve` follows
    the clock changes of the weeks after the fold for the rest of a service begun in it).
    """

    ends: list[tuple[float, float, float]]
    shift: Callable[[float], tuple[float, float, Rows]]
    enter: Callable[[float], tuple[float, float]]
    enter_array: Callable[[FloatArray], tuple[FloatArray, FloatArray]]
    end: Callable[[float, float], tuple[float, bool]]
    settle: Callable[[float, float], tuple[float, bool, float, float, Rows]]
    begin: Callable[[float], float]
    begin_array: Callable[[FloatArray], FloatArray]


@dataclass
class Timeline:
    """One calendar's working intervals on the simulation clock, extended on demand."""

    timezone: str
    days: tuple[int, ...]  # 0 = Monday
    shifts: tuple[tuple[int, int], ...]  # minutes from local midnight
    holidays: frozenset[dt.date]
    start: dt.date
    origin: float  # POSIX seconds of time zero
    horizon_days: int = 0
    a: list[float] = field(default_factory=list)
    b: list[float] = field(default_factory=list)
    cum: list[float] = field(default_factory=list)  # working hours before a[i]
    cum_end: list[float] = field(default_factory=list)  # working hours up to b[i]
    fold: float = 0.0  # set after init: see __post_init__
    _cache: tuple[Any, ...] = field(default=(), repr=False, compare=False)
    _cache_days: int = field(default=-1, repr=False, compare=False)

    @property
    def always(self) -> bool:
        """Every day, all day, no holidays: times stay as they are."""
        return len(self.days) == 7 and self.shifts == ((0, 1440),) and not self.holidays

    @property
    def work_share(self) -> float:
        """Working hours per week / 168 (holidays aside): the share of time people work."""
        return len(self.days) * sum(b - a for a, b in self.shifts) / 60.0 / 168.0

    def __post_init__(self) -> None:
        # From `fold` on the calendar repeats week by week (after its last holiday and two
        # years): later times are shifted back by whole weeks, so the intervals never have to
        # be built beyond it (a case that loops for centuries costs nothing more).
        last = max(self.holidays, default=self.start)
        days = max(730, (last - self.start).days + 8)
        self.fold = 168.0 * math.ceil(days * 24.0 / 168.0)

    def _weeks(self, t: float) -> float:
        fold = self.fold
        return 168.0 * math.floor((t - fold) / 168.0) if t > fold + 168.0 else 0.0

    def worked(self, t: float) -> float:
        """Working hours from the fold's week on, or from time zero (differences only)."""
        return self._worked(t - self._weeks(t))

    def begin(self, t: float) -> float:
        """The first working instant at or after ``t``."""
        k = self._weeks(t)
        return self._begin(t - k) + k

    def finish(self, t: float, hours: float) -> float:
        """When ``hours`` working hours started at ``t`` end (``t`` itself for zero hours)."""
        k = self._weeks(t)
        return self._finish(t - k, hours) + k

    def serve(self, t: float, hours: float) -> tuple[float, float]:
        """``(begin(t), finish(begin(t), hours))`` in one call: the event loop's path."""
        k = 0.0
        if t > self.fold + 168.0:
            k = 168.0 * math.floor((t - self.fold) / 168.0)
            t -= k
        start, end = self._serve(t, hours)
        return start + k, end + k

    def _serve(self, t: float, hours: float) -> tuple[float, float]:
        """:meth:`serve` of a time before the fold's end (not shifted by weeks)."""
        if not self.b or t >= self.b[-1] - 192.0:
            self._cover(t)
        a, b = self.a, self.b
        i = bisect.bisect_right(a, t) - 1
        if i >= 0 and t < b[i]:
            start = t
        else:
            i += 1
            start = a[i]
        if start + hours <= b[i]:  # the common case: done within the working stretch
            return start, start + hours
        w = self.cum[i] + (start - a[i]) + hours
        while w > self.cum_end[-1]:
            self._extend(self.horizon_days * 2)
        j = bisect.bisect_left(self.cum_end, w)
        return start, self.a[j] + (w - self.cum[j])

    def server(self) -> Callable[[float, float], tuple[float, float]]:
        """:meth:`serve` as a closure for the event loop: :meth:`serve_tables`' first part."""
        return self.serve_tables()[0]

    def serve_tables(self) -> tuple[Callable[[float, float], tuple[float, float]], ServeTables]:
        """:meth:`serve` as a closure for the event loop, which calls it once per service, and
        the tables it reads (the event loop inlines it when a pathway has one calendar).

        Same arithmetic, same results, without the two binary searches: a table per whole
        hour of the clock gives the working interval the whole hour lies in (a time in that
        hour starts at once), or else the last interval starting at or before it; one per whole
        working hour gives the first interval whose working time reaches it; from there a step
        or two along the intervals finds the one :meth:`serve`'s searches find. The tables are
        indexed by ``math.trunc`` of the time (cheaper than ``int``) and hold the interval's
        bounds beside its index (one look-up, not three). They cover the intervals built so
        far, less the last 192 hours (where :meth:`serve` would build more first); outside
        them, and for negative times, the closure calls :meth:`serve`'s own arithmetic and
        builds its tables again if the timeline grew (more intervals, or a longer last one).
        Built intervals never change but the last one, which may only grow: the tables hold a
        lower bound of its end and send every service that runs past it to the slow path, so
        tables of an earlier build stay exact whoever makes the timeline grow (a deadline's
        ``begin``, another replication's loop on a thread of the same process).
        """
        import numpy as np

        if not self.b:
            self._cover(0.0)
        a, b, cum, cum_end = self.a, self.b, self.cum, self.cum_end
        fold = self.fold
        folded = fold + 168.0
        hour: list[tuple[int, float, float, float]] = []
        aa: list[float] = []  # the interval starts, then +inf
        work: list[tuple[int, float, float, float]] = []
        trunc = math.trunc

        built = [-1, -math.inf]  # the intervals' count and the last end the tables saw

        def index() -> None:
            n = len(a)
            hours = max(0, math.floor(b[-1] - 192.0))
            starts = np.asarray(a, dtype=np.float64)
            marks = np.arange(hours, dtype=np.float64)
            last = np.searchsorted(starts, marks, side="right") - 1
            ends = np.asarray(b, dtype=np.float64)[last.clip(0)]
            inside = (last >= 0) & (marks + 1.0 <= ends)
            # rows: (i, a, b, cum) of each interval, then (-2 - j, 0, 0, 0) for j = -1 .. n - 1
            # (the last interval starting at or before the hour). The last interval's end
            # may still grow: its row's end is a lower bound, so "done within the stretch"
            # stays true, and a service that runs past it ends in the last interval, whose
            # `work` row is empty (the slow path, on the live lists).
            rows = [(i, a[i], b[i], cum[i]) for i in range(n)]
            rows += [(-2 - j, 0.0, 0.0, 0.0) for j in range(-1, n)]
            at = np.where(inside, last, n + 1 + last).tolist()
            hour[:] = list(map(rows.__getitem__, at))
            aa[:] = [*a, math.inf]
            reach = np.arange(math.floor(cum_end[-1]) + 1, dtype=np.float64)
            first = np.searchsorted(np.asarray(cum_end), reach, side="left").tolist()
            reached: list[tuple[int, float, float, float] | tuple[()]]
            reached = [(j, cum_end[j], a[j], cum[j]) for j in range(n - 1)]
            reached.append(())
            work[:] = list(map(reached.__getitem__, first))  # type: ignore[arg-type]
            built[:] = [n, b[-1]]

        unfolded = self._serve

        def slow(t: float, hours: float, k: float) -> tuple[float, float]:
            start, end = unfolded(t, hours)
            if len(a) != built[0] or b[-1] != built[1]:
                index()
            return start + k, end + k

        index()

        def serve(t: float, hours: float) -> tuple[float, float]:
            k = 0.0
            if t > folded:
                k = 168.0 * trunc((t - fold) / 168.0)  # == floor: positive
                t -= k
            elif t < 0.0:
                return slow(t, hours, k)
            try:
                i, ai, bi, ci = hour[trunc(t)]
                if i >= 0:  # the whole hour is working time
                    start = t
                else:
                    i = -2 - i
                    while aa[i + 1] <= t:
                        i += 1
                    if i >= 0 and t < b[i]:
                        start = t
                    else:
                        i += 1
                        start = a[i]
                    ai, bi, ci = a[i], b[i], cum[i]
                if start + hours <= bi:  # the common case: done within the working stretch
                    return start + k, start + hours + k
                w = ci + (start - ai) + hours
                j, ej, aj, cj = work[trunc(w)]  # () for the last interval: ValueError
                if ej < w:
                    j += 1
                    while cum_end[j] < w:
                        j += 1
                    aj, cj = a[j], cum[j]
            except (IndexError, ValueError):  # beyond the tables, or the last interval
                return slow(t, hours, k)
            return start + k, aj + (w - cj) + k

        return serve, ServeTables(fold, folded, hour, aa, a, b, cum, work, cum_end, slow)

    def work_clock(self) -> WorkClock:
        """The calendar's working-time axis and the ways back to the wall clock (see
        :class:`WorkClock`).

        Built once: the working intervals before the fold, then the fold's week (the week
        every later wall-clock time is shifted back into) repeated for :data:`FOLD_WEEKS` + 1
        weeks, on the working-time axis too. A working time past ``wfolded`` is shifted back by
        a whole multiple of ``FOLD_WEEKS`` weeks, so the shift changes once every
        ``FOLD_WEEKS`` weeks of work and the event loop can keep it from one service to the
        next. The tables never grow (the timeline's last interval may: the pieces here end at
        the fold's week).
        """
        import numpy as np

        fold = self.fold
        folded = fold + 168.0
        self._cover(folded + 400.0)
        a, b, cum, cum_end = self.a, self.b, self.cum, self.cum_end
        wfold = self._worked(fold)
        weekly = self._worked(folded) - wfold
        span = weekly * FOLD_WEEKS
        trunc = math.trunc
        bisect_right = bisect.bisect_right

        def enter(t: float) -> tuple[float, float]:
            u, k, kw = t, 0.0, 0.0
            if t > folded:
                m = trunc((t - fold) / 168.0)
                k, kw = 168.0 * m, weekly * m
                u = t - k
            if not b or u >= b[-1] - 1e-9:
                self._cover(u)
            i = bisect_right(a, u) - 1
            if i >= 0 and u < b[i]:
                return cum[i] + (u - a[i]) + kw, t
            return (cum_end[i] if i >= 0 else 0.0) + kw, a[i + 1] + k

        # the pieces: the intervals before the fold, then the fold's week, repeated
        pre = [i for i in range(len(a)) if a[i] < fold]
        week = [i for i in range(len(a)) if max(a[i], fold) < min(b[i], folded)]
        copies = FOLD_WEEKS + 2
        lo = np.array([max(a[i], fold) for i in week])
        c0 = np.array([cum[i] + (max(a[i], fold) - a[i]) for i in week])
        length = np.array([min(b[i], folded) - max(a[i], fold) for i in week])
        r = np.repeat(np.arange(copies, dtype=np.float64), len(week))
        va = np.concatenate([[a[i] for i in pre], np.tile(lo, copies) + 168.0 * r])
        vcum_week = np.tile(c0, copies) + weekly * r
        vcum = np.concatenate([[cum[i] for i in pre], vcum_week])
        vce_np = np.concatenate(
            [[cum[i] + (min(b[i], fold) - a[i]) for i in pre], vcum_week + np.tile(length, copies)]
        )
        vce_np = np.maximum.accumulate(vce_np)  # never decreasing, whatever the rounding
        vd_np = va - vcum  # wall clock minus working time, per piece
        vce: list[float] = vce_np.tolist()
        vd: list[float] = vd_np.tolist()
        reach = np.arange(math.floor(vce[-1] - weekly) + 1, dtype=np.float64)
        first_np = np.searchsorted(vce_np, reach, side="right")
        first = first_np.tolist()
        rows = [(c + _NEAR, ce - _NEAR, d) for c, ce, d in zip(vcum.tolist(), vce, vd, strict=True)]
        ends = list(map(rows.__getitem__, first))
        wfolded = wfold + span
        # the tables of the weeks' shifts (`shift`): the rows of the working times that have
        # the shift, every other row rejects (lo > x or x > ce: the caller calls `end`)
        reject = (math.inf, -math.inf, 0.0)
        top = trunc(wfolded)
        ends0 = ends[: top + 1]  # no shift: [0, wfolded]
        lo0, ce0, d0 = ends0[top]
        ends0[top] = (lo0, min(ce0, wfolded), d0)
        low, high = wfold + 1e-3, wfolded - 1e-3  # shifted: the margin of 1e-3 h inside
        p0, p1 = trunc(low), trunc(high)
        ends_k = [reject] * p0 + ends[p0 : p1 + 1]
        lo0, ce0, d0 = ends_k[p0]
        ends_k[p0] = (max(lo0, low), ce0, d0)
        lo0, ce0, d0 = ends_k[p1]
        ends_k[p1] = (lo0, min(ce0, high), d0)
        # then a shift's worth of rows that reject: the working times just past a table's shift
        # (the loop's services that end in the next one) are rejected, not an IndexError
        pad = [reject] * (trunc(span) + 2)
        ends0 += pad
        ends_k += pad

        def locate(w: float) -> tuple[float, float]:
            """``(x, k)``: ``w`` in the tables, shifted back by ``m`` weeks (``k = 168 m``)."""
            if w > wfolded:
                m = FOLD_WEEKS * trunc((w - wfold) / span)
                return w - weekly * m, 168.0 * m
            return w, 0.0

        def shift(w: float) -> tuple[float, float, Rows]:
            """``(k, kw, rows)``: the shift of ``w`` (wall-clock and working hours), and the
            table of the working times that have it: ``rows[trunc(x)]`` of an ``x = v - kw``
            is ``ends``' row if ``v`` is within 1e-3 h inside the shift's ``FOLD_WEEKS`` weeks
            (so that :func:`locate` gives ``v`` that shift too: ``w`` below 2**40, the
            subtraction's and the quotient's rounding stay below it), else one that rejects
            every ``x``, or it raises IndexError. Every row's lower bound is 0 or more (or
            infinite in a row that rejects), so a negative ``x``, whose ``trunc`` indexes the
            table from its end, is rejected all the same."""
            if w <= wfolded:
                return 0.0, 0.0, ends0
            m = FOLD_WEEKS * trunc((w - wfold) / span)
            return 168.0 * m, weekly * m, ends_k if w < 2.0**40 else []

        def past(x: float, k: float, hours: float) -> tuple[float, bool]:
            j = bisect.bisect_left(vce, x)
            if vce[j] - x > _NEAR:
                return x + vd[j] + k, True
            # at a working interval's end, up to rounding
            if hours > _NEAR:  # the service ends as the interval ends: next, wait for work
                return x + vd[j] + k, False
            return x + vd[j + 1] + k, True  # no work: it ends where it begins, next morning

        def end(w: float, hours: float) -> tuple[float, bool]:
            x, k = locate(w)
            lo, ce, d = ends[trunc(x)]
            if lo < x < ce:
                return x + d + k, True
            return past(x, k, hours)

        def settle(w: float, hours: float) -> tuple[float, bool, float, float, Rows]:
            """``end(w, hours) + shift(w)`` in one call (the same arithmetic)."""
            k, kw, table = shift(w)
            x = w - kw
            lo, ce, d = ends[trunc(x)]
            if lo < x < ce:
                return x + d + k, True, k, kw, table
            done, inside = past(x, k, hours)
            return done, inside, k, kw, table

        def begin(w: float) -> float:
            x, k = locate(w)
            return x + vd[bisect_right(vce, x)] + k

        def begin_array(w: FloatArray) -> FloatArray:
            m = np.where(w > wfolded, FOLD_WEEKS * np.trunc((w - wfold) / span), 0.0)
            x = w - weekly * m
            # bisect_right(vce, x), from the first piece past the whole working hour: the
            # same index as a binary search, in a step or two
            j = first_np.take(np.minimum(x, first_np.size - 1).astype(np.int64))
            while True:
                more = vce_np.take(j, mode="clip") <= x
                more &= j < vce_np.size - 1
                if not more.any():
                    break
                j += more
            out: FloatArray = x + vd_np.take(j) + 168.0 * m
            return out

        def enter_array(t: FloatArray) -> tuple[FloatArray, FloatArray]:
            """:func:`enter` of every element, with the same arithmetic."""
            m = np.where(t > folded, np.trunc((t - fold) / 168.0), 0.0)
            k, kw = 168.0 * m, weekly * m
            u = t - k
            if u.size:
                self._cover(float(u.max()))
            a_np, b_np, cum_np, cum_end_np = self._arrays()
            i = np.searchsorted(a_np, u, side="right") - 1
            ic = i.clip(0)
            working = (i >= 0) & (u < b_np[ic])
            w = np.where(
                working,
                cum_np[ic] + (u - a_np[ic]) + kw,
                np.where(i >= 0, cum_end_np[ic], 0.0) + kw,
            )
            at = np.where(working, t, a_np[(i + 1).clip(0, a_np.size - 1)] + k)
            return w, at

        return WorkClock(ends, shift, enter, enter_array, end, settle, begin, begin_array)

    def _weeks_array(self, t: FloatArray) -> FloatArray:
        import numpy as np

        fold = self.fold
        return np.where(t > fold + 168.0, 168.0 * np.floor((t - fold) / 168.0), 0.0)

    def begin_array(self, t: FloatArray) -> FloatArray:
        """:meth:`begin` for every element (vectorised)."""
        k = self._weeks_array(t)
        return self._begin_array(t - k) + k

    def finish_array(self, t: FloatArray, hours: FloatArray) -> FloatArray:
        """:meth:`finish` for every element (vectorised)."""
        k = self._weeks_array(t)
        return self._finish_array(t - k, hours) + k

    def _extend(self, days: int) -> None:
        """Build the intervals of days ``horizon_days`` .. ``days - 1`` (local dates).

        A day whose local midnight and next midnight have the same UTC offset has that offset
        all day (time zones change their offset at most once a day), so its shift boundaries
        are plain arithmetic on whole seconds; a day of a change asks the time zone database
        for each boundary. Both give the POSIX seconds :func:`_local` gives, exactly.
        """
        zone = ZoneInfo(self.timezone)
        a, b = self.a, self.b
        origin, workdays, holidays, shifts = self.origin, self.days, self.holidays, self.shifts
        first = self.start.toordinal()
        offsets: dict[int, float | None] = {}

        def offset(o: int) -> float | None:  # seconds east of UTC at local midnight of day o
            if o not in offsets:
                off = zone.utcoffset(dt.datetime.fromordinal(o))
                offsets[o] = None if off is None else off.total_seconds()
            return offsets[o]

        for o in range(first + self.horizon_days, first + days):
            if (o - 1) % 7 not in workdays:  # ordinal 1 is a Monday
                continue
            day = dt.date.fromordinal(o)
            if day in holidays:
                continue
            off = offset(o)
            same = off is not None and off == offset(o + 1)
            base = (o - _EPOCH_ORDINAL) * 86400 - (off or 0.0)
            for lo, hi in shifts:
                if same:
                    t0 = (base + lo * 60 - origin) / 3600.0
                    t1 = (base + hi * 60 - origin) / 3600.0
                else:
                    t0 = (_local(day, lo, zone) - origin) / 3600.0
                    t1 = (_local(day, hi, zone) - origin) / 3600.0
                if a and abs(b[-1] - t0) < 1e-9:
                    b[-1] = t1
                else:
                    a.append(t0)
                    b.append(t1)
        self.horizon_days = days
        cum, total = [], 0.0
        cum_end = []
        for t_lo, t_hi in zip(a, b, strict=True):
            cum.append(total)
            total += t_hi - t_lo
            cum_end.append(total)
        # in place: the closures of :meth:`server` hold these lists
        self.cum[:] = cum
        self.cum_end[:] = cum_end
        if not a:
            raise ValueError("the calendar has no working time")

    def _arrays(self) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
        """``a``, ``b``, ``cum`` and ``cum_end`` as numpy arrays, kept until the timeline grows
        (the vectorised methods are called once per step and round of a walk)."""
        import numpy as np

        if self._cache_days != self.horizon_days:
            self._cache = tuple(
                np.asarray(x, dtype=np.float64) for x in (self.a, self.b, self.cum, self.cum_end)
            )
            self._cache_days = self.horizon_days
        return self._cache

    def _cover(self, t: float) -> None:
        while not self.b or t >= self.b[-1] - 1e-9 or t / 24.0 + 8 > self.horizon_days:
            self._extend(max(64, self.horizon_days * 2))

    def _worked(self, t: float) -> float:
        """Working hours from time zero to ``t`` (``t`` before the fold)."""
        self._cover(t)
        i = bisect.bisect_right(self.a, t) - 1
        if i < 0:
            return 0.0
        return self.cum[i] + min(t, self.b[i]) - self.a[i]

    def _begin(self, t: float) -> float:
        self._cover(t)
        i = bisect.bisect_right(self.a, t) - 1
        if i >= 0 and t < self.b[i]:
            return t
        return self.a[i + 1]

    def _finish(self, t: float, hours: float) -> float:
        if hours <= 0:
            return t
        w = self._worked(t) + hours
        self._cover(t + hours)
        while w > self.cum_end[-1]:
            self._extend(self.horizon_days * 2)
        i = bisect.bisect_left(self.cum_end, w)
        return self.a[i] + (w - self.cum[i])

    def _begin_array(self, t: FloatArray) -> FloatArray:
        import numpy as np

        if t.size == 0:
            return t
        self._cover(float(t.max()))
        a, b, _, _ = self._arrays()
        i = np.searchsorted(a, t, side="right") - 1
        inside = (i >= 0) & (t < b[i.clip(0)])
        out: FloatArray = np.where(inside, t, a[(i + 1).clip(0, a.size - 1)])
        return out

    def _finish_array(self, t: FloatArray, hours: FloatArray) -> FloatArray:
        import numpy as np

        if t.size == 0:
            return t
        self._cover(float((t + hours).max()))
        a, b, cum, cum_end = self._arrays()
        i = np.searchsorted(a, t, side="right") - 1
        ic = i.clip(0)
        worked = np.where(i >= 0, cum[ic] + np.minimum(t, b[ic]) - a[ic], 0.0)
        w = worked + hours
        while float(w.max()) > float(cum_end[-1]):
            self._extend(self.horizon_days * 2)
            a, _, cum, cum_end = self._arrays()
        j = np.searchsorted(cum_end, w, side="left")
        out: FloatArray = np.where(hours > 0, a[j] + (w - cum[j]), t)
        return out


_EPOCH_ORDINAL = dt.date(1970, 1, 1).toordinal()


def _local(day: dt.date, minute: int, zone: ZoneInfo) -> float:
    """POSIX seconds of ``minute`` minutes after local midnight of ``day`` (24:00: the next
    day's midnight)."""
    extra, minute = divmod(minute, 1440)
    when = dt.datetime.combine(day + dt.timedelta(days=extra), dt.time(), tzinfo=zone)
    return (when + dt.timedelta(minutes=minute)).timestamp()


def timeline(
    timezone: str,
    days: Sequence[str],
    hours: Sequence[str],
    holidays: Sequence[dt.date],
    start: dt.date,
    origin_zone: str,
) -> Timeline:
    """A calendar's timeline with time zero at ``start`` 00:00 in ``origin_zone``."""
    origin = dt.datetime.combine(start, dt.time(), tzinfo=ZoneInfo(origin_zone)).timestamp()
    return Timeline(
        timezone=timezone,
        days=tuple(sorted({WEEKDAYS.index(d) for d in days})),
        shifts=tuple(sorted(parse_shift(h) for h in hours)),
        holidays=frozenset(holidays),
        start=start - dt.timedelta(days=1),  # a day earlier: zones east of the origin
        origin=origin,
    )


def worst_span(line: Timeline, hours: float, *, weeks: int = 53) -> tuple[float, float]:
    """The longest wall-clock span of ``hours`` working hours, and the start that gives it.

    A span is longest when the work starts just as a working interval ends, so only interval
    ends (and starts, for zero hours) over ``weeks`` weeks from time zero are tried: exact for
    the weekly pattern and every holiday in that year.
    """
    line._cover(weeks * 168.0 + hours * 10 + 200)
    best, at = -math.inf, 0.0
    limit = weeks * 168.0
    for t in (*line.a, *line.b):
        if t < 0 or t > limit:
            continue
        span = line.finish(t, hours) - t
        if span > best:
            best, at = span, t
    return best, at


_DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def wall_clock(line: Timeline, t: float) -> str:
    """``t`` (hours from time zero) as a weekday and local time in the calendar's zone.

    >>> import datetime as dt
    >>> line = timeline("UTC", ["mon"], ["08:00-12:00"], [], dt.date(2027, 1, 4), "UTC")
    >>> wall_clock(line, 24 * 4 + 17)
    'Friday 17:00'
    """
    when = dt.datetime.fromtimestamp(line.origin + t * 3600.0, tz=ZoneInfo(line.timezone))
    # The English name whatever the process's LC_TIME (strftime's %A follows it): the km
    # catalogue's PW303 template matches these names to put the day in Khmer.
    return f"{_DAY_NAMES[when.weekday()]} {when:%H:%M}"


def worst_case(
    timezone: str,
    days: Sequence[str],
    hours: Sequence[str],
    holidays: Sequence[dt.date],
    start: dt.date,
    work: float,
) -> tuple[float, str]:
    """The longest wall-clock time ``work`` working hours take on a calendar, and its witness
    (``"Friday 17:00 to Monday 10:00"``); ``(work, "")`` for a calendar that always works."""
    line = timeline(timezone, days, hours, holidays, start, timezone)
    if line.always or work <= 0:
        return work, ""
    span, at = worst_span(line, work)
    return span, f"{wall_clock(line, at)} to {wall_clock(line, at + span)}"
