"""The event loop for pathways with capacities: Poisson arrivals, FIFO queues per role, heapq.

Cases meet in the queues, so their events must be processed in time order. The loop is kept
tight: every random quantity (service times per step, exit choices per step and guard pattern,
delays per exit) comes from pools refilled in numpy batches, so the loop only pops numbers from
arrays; counts that follow from the pools (visits, services, busy time, transitions taken) are
computed from what was consumed, after the loop (the pools are sized from a small pilot walk).
Steps without a queue (roles without a capacity, ``wait`` steps) touch nothing shared, so a case
runs through them at once without heap events. In a FIFO queue with c servers each case, in the
order it reaches the role, takes the server that comes free first: its start and end are known
when it arrives, so a role keeps only the times its servers come free (a heap of c numbers) and
a finished service needs no work on the role. Heap entries are ``(time, code, nw)``: ``code >= 0``
is "case ``code`` finishes service", ``code < 0`` is "case ``~code`` enters a step with a queue"
(later than the clock, after a delay or steps without queues); ``nw`` is the working time of a
service's end on a calendar (nan if none, see :func:`event_loop`). A case has at most one
pending event, so ties are broken by case number, deterministically (``nw`` is never compared).

:func:`run_queues` is three parts: :func:`plan_replication` builds the tables and pools, the event
loop (:func:`event_loop`, kept tight: the queue benchmark measures it) runs the cases, and
:func:`tally` turns what the loop counted and what the pools handed out into a result.
"""

from __future__ import annotations

import heapq
import math
import sys
from array import array
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from pathways.calendars import Timeline, WorkClock
from pathways.simulate.calendar import arrival_times
from pathways.simulate.compile import Compiled
from pathways.simulate.results import ChunkResult, empty_chunk
from pathways.simulate.sampling import DurationTable, draw_entries
from pathways.simulate.tables import MAX_STEPS, ChoiceTable, choice_table, guard_patterns
from pathways.simulate.walk import walk

__all__ = ["LoopCounts", "QueuePlan", "event_loop", "plan_replication", "run_queues", "tally"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

_MIN_BATCH = 256
CALENDARED = 1 << 20
"""Fast-path code offset of a step with a queue on a working calendar (``-CALENDARED - role``)."""
_MAX_BATCH = 1 << 12


def _never(*_: float) -> Any:
    """The calendared fast paths' functions without one calendar (they are not taken then)."""
    raise AssertionError("no calendared fast path without exactly one calendar")


_PILOT_CASES = 2000


def _array(values: list[Any], dtype: type[Any]) -> npt.NDArray[Any]:
    """A list of numbers as an array (np.fromiter: quicker than np.array for a long list)."""
    return np.fromiter(values, dtype, len(values))


class _Pools:
    """Arrays of pre-drawn values, one per key, refilled in numpy batches when empty.

    Values are popped from the end, and a list is refilled only once empty, so what was
    consumed is every earlier batch plus the tail of the last one. ``summarize(key, values)``
    turns consumed values into an array of totals, added up batch by batch, so that
    :meth:`consumed` reports them exactly without counting inside the loop.
    """

    def __init__(
        self,
        keys: int,
        draw: Callable[[int, int], npt.NDArray[Any]],
        summarize: Callable[[int, npt.NDArray[Any]], npt.NDArray[Any]] | None = None,
        expected: list[float] | None = None,
        listed: npt.NDArray[Any] | None = None,
        typecode: str = "d",
    ) -> None:
        # array.array: filled from a batch's bytes, a value becomes a Python object only when
        # popped (lists of the exit codes, whose pop is cheaper, were no quicker at N = 20 and
        # 50 and 1.5% slower at N = 200)
        self.typecode = typecode
        self.lists: list[array[Any]] = [array(typecode) for _ in range(keys)]
        self.pops: list[Callable[[], Any]] = [lst.pop for lst in self.lists]
        self.draw = draw
        self.summarize = summarize
        self.totals: list[npt.NDArray[Any] | None] = [None] * keys
        self.last: list[npt.NDArray[Any] | None] = [None] * keys
        self.drawn = [0] * keys
        # expected draws per key (from a pilot walk): the first batches are sized to them, so
        # most pools are filled once or twice instead of growing batch by batch
        self.expected = expected if expected is not None else [0.0] * keys
        # what the lists hold for a drawn value v: listed[v] (v itself if None); the totals
        # are always of the drawn values
        self.listed = listed

    def refill(self, key: int) -> Any:
        want = self.expected[key] * 1.02 + 16 - self.drawn[key]
        size = int(min(_MAX_BATCH, max(_MIN_BATCH, self.drawn[key] // 4, want)))
        batch = self.draw(key, size)
        previous = self.last[key]
        if previous is not None and self.summarize is not None:
            part = self.summarize(key, previous)
            total = self.totals[key]
            self.totals[key] = part if total is None else total + part
        self.last[key] = batch
        self.drawn[key] += size
        lst = self.lists[key]
        listed = batch if self.listed is None else self.listed[batch]
        lst.frombytes(listed.astype(np.float64 if self.typecode == "d" else np.int64).tobytes())
        return lst.pop()

    def consumed(self, key: int) -> npt.NDArray[Any] | None:
        """The totals of every value popped for ``key`` (None if nothing was drawn)."""
        assert self.summarize is not None
        last = self.last[key]
        if last is None:
            return None
        part = self.summarize(key, last[len(self.lists[key]) :])
        total = self.totals[key]
        return part if total is None else total + part


def _back_edges(cp: Compiled) -> set[tuple[int, int]]:
    """Moves ``(s, t)`` that close a cycle in a depth-first search of the step graph.

    Every cycle contains at least one such move, so counting only these bounds every loop:
    the event loop stops a case after :data:`~pathways.simulate.tables.MAX_STEPS` of them.
    """
    s_count = len(cp.step_ids)
    succ: list[list[int]] = [[] for _ in range(s_count)]
    for s in range(s_count):
        for j in range(int(cp.degree[s])):
            succ[s].append(int(cp.exit_target[s, j]))
            if cp.exit_reject[s, j] >= 0:
                succ[s].append(int(cp.exit_reject[s, j]))
    state = [0] * s_count  # 0 new, 1 on the stack, 2 done
    back: set[tuple[int, int]] = set()
    for root in range(s_count):
        if state[root]:
            continue
        state[root] = 1
        stack = [(root, iter(succ[root]))]
        while stack:
            node, it = stack[-1]
            for t in it:
                if state[t] == 1:
                    back.add((node, t))
                elif state[t] == 0:
                    state[t] = 1
                    stack.append((t, iter(succ[t])))
                    break
            else:
                state[node] = 2
                stack.pop()
    return back


@dataclass
class QueuePlan:
    """Everything the event loop of one replication reads, built before it runs.

    Per step: ``role``, ``flag`` (8 queue, 2 outcome, 4 bookkeeping), ``plain`` (the fast-path
    code), ``interview`` and deadline ``hooks``; per exit code: ``ex_next`` and ``ex_flag``;
    per case: ``entry``, ``arrivals`` (also as arrays: ``entry_array``, ``arrival_array``)
    and ``base`` (its guard pattern's first table row).
    """

    n: int
    s_count: int
    width: int
    sd: int
    k: int
    entry: list[int]
    arrivals: list[float]
    entry_array: IntArray
    arrival_array: FloatArray
    window: float
    base: list[int]
    table: ChoiceTable
    dur_pool: _Pools
    exit_pool: _Pools
    delay_pool: _Pools
    role: list[int]
    cap: list[int]
    hooks: list[list[tuple[int, bool, bool]]]
    interview: list[bool]
    flag: list[int]
    plain: list[int]
    ex_next: list[int]
    ex_flag: list[int]
    within: list[float]
    start_deadlines: list[int]
    lines: list[Timeline | None]


@dataclass
class LoopCounts:
    """What the event loop counted itself (the rest follows from the pools)."""

    outcome_counts: list[int]
    stuck_counts: list[int]
    step_limit: int
    times: FloatArray
    iv: IntArray
    ho: IntArray
    t_from: list[list[float]]
    met: list[list[bool]]
    reached: list[list[bool]]
    busy_w: list[float]
    waits: list[FloatArray]
    wcases: list[IntArray]
    done: IntArray
    cur: IntArray


def run_queues(
    cp: Compiled,
    n: int,
    rng: np.random.Generator,
    max_steps: int = MAX_STEPS,
    tick: Callable[[int], None] | None = None,
) -> ChunkResult:
    """Simulate one replication: ``n`` cases arriving as a Poisson stream, FIFO queues per role.

    Utilisation is measured over the arrival window (time 0 to the last arrival); a service
    that runs past the window counts only up to its end. ``tick(cases)`` is called every 1% of
    the arrivals (progress).
    """
    plan = plan_replication(cp, n, rng)
    return tally(cp, plan, event_loop(plan, max_steps, tick))


def plan_replication(cp: Compiled, n: int, rng: np.random.Generator) -> QueuePlan:
    """Draw the replication's arrivals, entries and guard patterns, size the pools from a
    pilot walk, and build the per-step and per-exit tables the loop reads."""
    s_count, width = cp.exit_target.shape
    sd = s_count * width
    stuck_code = 2 * sd
    rate = cp.arrivals_per_day or 1.0
    entry_array = draw_entries(cp, n, rng).astype(np.int64)
    entry = entry_array.tolist()
    patterns, sig_arr = guard_patterns(cp, n, rng)
    table = choice_table(cp, patterns)
    # a small pilot walk (routing does not depend on queues) estimates how often each step,
    # exit and delay is drawn, to size the pools
    pilot = walk(cp, min(n, _PILOT_CASES), rng)
    per_case = n / max(pilot.cases, 1)
    step_draws = (pilot.visits - pilot.outcome_counts) * per_case
    share = (
        np.bincount(sig_arr, minlength=patterns.shape[0]) / max(n, 1)
        if sig_arr is not None
        else np.ones(1)
    )
    row_draws = (share[:, None] * step_draws[None, :]).ravel()
    trans_draws = pilot.transition_counts * per_case
    flat_trans = cp.exit_transition.ravel()
    delay_draws = (
        np.where(flat_trans >= 0, trans_draws[flat_trans.clip(0)], 0.0)
        if trans_draws.size
        else np.zeros(flat_trans.shape)  # no transitions at all: nothing to index
    )
    if cp.calendared:  # SPEC 7.3: arrivals from simulation.start, by hour-of-day profile
        arrival_array = arrival_times(n, rate, cp.arrival_profile, rng)
    else:
        arrival_array = np.cumsum(rng.exponential(24.0 / rate, size=n))
    arrivals = arrival_array.tolist()
    window = arrivals[-1] if n else 0.0
    base = (sig_arr * s_count).tolist() if sig_arr is not None else [0] * n

    durations = DurationTable(cp.dur_code, cp.dur_a, cp.dur_c, cp.dur_b)
    delays = DurationTable(
        cp.exit_delay_code.clip(0), cp.exit_delay_a, cp.exit_delay_c, cp.exit_delay_b
    )
    decline = cp.exit_decline.ravel()

    def draw_duration(s: int, size: int) -> FloatArray:
        return durations.sample_row(s, rng.random(size))

    def draw_delay(e: int, size: int) -> FloatArray:
        return delays.sample_row(e, rng.random(size))

    def draw_exit(row: int, size: int) -> IntArray:
        s = row % s_count
        if table.stuck[row]:
            return np.full(size, stuck_code, dtype=np.int64)
        if table.total[row] > 0 and np.count_nonzero(np.isfinite(table.cum[row])) > 1:
            r = rng.random(size) * table.total[row]
            # cum is non-decreasing (inf on padding): the count of entries <= r, as a search
            j = np.minimum(np.searchsorted(table.cum[row], r, side="right"), table.last[row])
        else:
            j = np.full(size, table.last[row], dtype=np.int64)
        e = s * width + j
        q = decline[e]
        if q.any():
            e = np.where(rng.random(size) < q, e + sd, e)
        out: IntArray = e.astype(np.int64)
        return out

    def count_and_sum(_: int, values: FloatArray) -> FloatArray:
        return np.array([values.size, values.sum()])

    def exit_counts(row: int, codes: IntArray) -> IntArray:
        # local bins: exit j, then exit j declined (width + j), then stuck (2 * width)
        first = (row % s_count) * width
        local = np.where(
            codes == stuck_code,
            2 * width,
            np.where(codes >= sd, codes - sd - first + width, codes - first),
        )
        counts: IntArray = np.bincount(local, minlength=2 * width + 1)
        return counts

    dur_pool = _Pools(s_count, draw_duration, count_and_sum, step_draws.tolist())
    exit_pool = _Pools(table.total.size, draw_exit, exit_counts, row_draws.tolist(), typecode="q")
    delay_pool = _Pools(sd, draw_delay, expected=delay_draws.tolist())

    # per-step flags: 8 queue (a role with a capacity, not a wait step), 2 outcome, 4 bookkeeping,
    # 16 a working calendar (durations in working time)
    role = cp.step_role.tolist()
    cap = cp.capacity.tolist()
    hooks: list[list[tuple[int, bool, bool]]] = [[] for _ in range(s_count)]
    k = len(cp.deadline_ids)
    for d in range(k):
        for s in range(s_count):
            is_from = cp.deadline_from[d] == s
            is_to = bool(cp.deadline_to[d][s])
            if is_from or is_to:
                hooks[s].append((d, is_from, is_to))
    interview = cp.interview.tolist()
    flag = []
    for s in range(s_count):
        f = 0
        if cp.is_outcome[s]:
            f |= 2
        elif role[s] >= 0 and cap[role[s]] > 0 and not cp.is_wait[s]:
            f |= 8
        if interview[s] or hooks[s]:
            f |= 4
        if cp.step_calendar[s] >= 0:  # a working calendar: never on a fast path
            f |= 16
        flag.append(f)
    # fast-path steps: a step with a queue and nothing else to do (its role), one with nothing
    # to do but count an interview (-4 - its role), the same two on a working calendar
    # (-CALENDARED - its role, -2 * CALENDARED - its role), an outcome with nothing to do but
    # count (-1); -2 for every other step
    # the calendared fast paths inline one calendar's arithmetic: with two or more calendars
    # on steps with a queue, those steps take the general path
    one_calendar = len({int(cp.step_calendar[s]) for s in range(s_count) if flag[s] & 24 == 24}) < 2
    plain = [
        role[s]
        if flag[s] == 8
        else -4 - role[s]
        if flag[s] == 12 and not hooks[s]
        else -CALENDARED - role[s]
        if flag[s] == 24 and one_calendar
        else -2 * CALENDARED - role[s]
        if flag[s] == 28 and not hooks[s] and one_calendar
        else -1
        if flag[s] == 2
        else -2
        for s in range(s_count)
    ]
    # per exit code (e, or e + sd when declined; stuck_code): next step, and flags
    # 1 hand-off, 2 delay, 4 a move that closes a loop (counted against the step cap)
    back = _back_edges(cp)
    ex_next = [-1] * (2 * sd + 1)
    ex_flag = [0] * (2 * sd + 1)
    for s in range(s_count):
        for j in range(int(cp.degree[s])):
            e = s * width + j
            has_delay = 2 if cp.exit_delay_code[s, j] >= 0 else 0
            ex_next[e] = int(cp.exit_target[s, j])
            target, reject = int(cp.exit_target[s, j]), int(cp.exit_reject[s, j])
            loop = 4 if (s, target) in back else 0
            ex_flag[e] = has_delay | loop | (1 if cp.exit_handoff[s, j] else 0)
            ex_next[e + sd] = reject
            loop = 4 if (s, reject) in back else 0
            ex_flag[e + sd] = has_delay | loop | (1 if cp.exit_reject_handoff[s, j] else 0)
    within = cp.deadline_within
    start_deadlines = [d for d in range(k) if cp.deadline_from[d] == -1]
    # the exit pools' lists hold the next step for a plain move (no hand-off, delay or move
    # closing a loop), else ~code, so the loop looks up no tables for the common move
    exit_pool.listed = np.array(
        [ex_next[e] if ex_next[e] >= 0 and not ex_flag[e] else ~e for e in range(len(ex_next))],
        dtype=np.int64,
    )

    return QueuePlan(
        n=n,
        s_count=s_count,
        width=width,
        sd=sd,
        k=k,
        entry=entry,
        arrivals=arrivals,
        entry_array=entry_array,
        arrival_array=arrival_array,
        window=window,
        base=base,
        table=table,
        dur_pool=dur_pool,
        exit_pool=exit_pool,
        delay_pool=delay_pool,
        role=role,
        cap=cap,
        hooks=hooks,
        interview=interview,
        flag=flag,
        plain=plain,
        ex_next=ex_next,
        ex_flag=ex_flag,
        within=within,
        start_deadlines=start_deadlines,
        lines=[cp.timelines[k] if k >= 0 else None for k in cp.step_calendar.tolist()],
    )


def event_loop(
    plan: QueuePlan, max_steps: int = MAX_STEPS, tick: Callable[[int], None] | None = None
) -> LoopCounts:
    """Run the replication's cases through the queues in time order; ``tick(cases)`` every 1%
    of the arrivals."""
    n, s_count, sd, k = plan.n, plan.s_count, plan.sd, plan.k
    entry, arrivals, window, base = plan.entry, plan.arrivals, plan.window, plan.base
    dur_pool, exit_pool, delay_pool = plan.dur_pool, plan.exit_pool, plan.delay_pool
    role, cap, hooks, interview = plan.role, plan.cap, plan.hooks, plan.interview
    flag, plain, ex_next, ex_flag = plan.flag, plan.plain, plan.ex_next, plan.ex_flag
    within, start_deadlines, lines = plan.within, plan.start_deadlines, plan.lines
    # Steps with a queue on a working calendar are served in working time (WorkClock): their
    # role's servers come free at working instants, a service is one addition, and only its
    # end goes back to the wall clock. Steps without a queue call the calendar's serve.
    clocks: dict[int, WorkClock] = {}
    servers: dict[int, Callable[[float, float], tuple[float, float]]] = {}
    for s, line in enumerate(lines):
        if line is None:
            continue
        if flag[s] & 8:
            if id(line) not in clocks:
                clocks[id(line)] = line.work_clock()
        elif id(line) not in servers:
            servers[id(line)] = line.server()
    serve_at = [servers.get(id(line)) for line in lines]
    clock_at = [
        clocks.get(id(line)) if line is not None and flag[s] & 8 else None
        for s, line in enumerate(lines)
    ]
    enter_at = [None if w is None else w.enter for w in clock_at]
    end_at = [None if w is None else w.end for w in clock_at]
    begin_at = [None if w is None else w.begin for w in clock_at]
    role_clock = {role[s]: w for s, w in enumerate(clock_at) if w is not None}
    # with one calendar (the fast paths' steps: plan_replication) the fast paths inline its
    # WorkClock.end on its tables
    one = len(clocks) == 1
    only = next(iter(clocks.values())) if one else None
    c_settle, c_enter = (only.settle, only.enter) if only else (_never, _never)
    # the weeks' shift of the fold (WorkClock.shift) of the last service's end and the rows
    # of the working times that have it, kept (none at first: the first service asks)
    e_k, e_kw = 0.0, 0.0
    e_rows: list[tuple[float, float, float]] = []
    # and the shift before it: services that end on either side of a shift's edge alternate
    o_k, o_kw = 0.0, 0.0
    o_rows: list[tuple[float, float, float]] = []
    cal1, cal2 = -CALENDARED, -2 * CALENDARED  # the fast-path codes' bounds, as locals
    trunc = math.trunc
    nan = math.nan
    # a role's start threshold: a service that begins after the window's end is waiting at the
    # window's end (in working time for a role on a calendar: after W(window), or at it when the
    # window's end is not working time)
    window_w = [window] * len(cap)
    for r, w in role_clock.items():
        at, first = w.enter(window)
        window_w[r] = at if first == window else math.nextafter(at, -math.inf)
    w_window = window_w[next(iter(role_clock))] if one else 0.0  # the fast paths' (one calendar)
    dpop, xpop, ypop = dur_pool.pops, exit_pool.pops, delay_pool.pops
    drefill, xrefill, yrefill = dur_pool.refill, exit_pool.refill, delay_pool.refill
    cur = [0] * n
    # when each case reached its outcome (it arrived at arrival_array[c]); arrays of floats, here
    # and below, where a list would keep an object per case (memory costs more time than the
    # array's item assignment saves)
    t_out = array("d", bytes(8 * n))
    # when a case that waits past the end of the arrival window starts its service, and the
    # service's duration (set only then: the window's busy hours need them)
    start = [-math.inf] * n
    pend = [0.0] * n
    taken = [0] * n
    iv = [0] * n
    ho = [0] * n
    t_from: list[list[float]] = [[math.nan] * n for _ in range(k)]
    met: list[list[bool]] = [[False] * n for _ in range(k)]
    reached: list[list[bool]] = [[False] * n for _ in range(k)]  # entered `to` after `from`
    stuck_counts = [0] * s_count
    roles = len(cap)
    # FIFO with c servers: each case, in the order it reaches the role, takes the server that
    # comes free first, so its start and end are known at once. Per role, a heap of the times
    # its servers come free.
    free_at: list[list[float]] = [[-math.inf] * c for c in cap]
    busy_w = [0.0] * roles
    # the waits, and below the cases that waited, in array.array: its append costs more than
    # a list's (it parses its argument), but the values take no objects (memory) and become
    # numpy arrays without a copy
    waits = [array("d") for _ in range(roles)]
    # on a calendar: waits holds the working instant a service begins (nan: the wall-clock
    # wait is known, minus `wnow`), `wnow` the wall clock it was asked for; see the end
    wnow = [array("d") for _ in range(roles)]
    # W(now) of a case entering a step on a calendar comes with its event when that is the end
    # of its last service (on the calendar, and in working time: else nan), or from its arrival:
    # per case the arrival instant when it is working time (W then in `w_arrived`), minus it
    # at night (W and the first working instant in `w_arrived`, `first_at`), else nan
    arrived = w_arrived = first_at = array("d")
    # with 2 or more calendars: the calendar of the W an event or `w_arrived` holds
    wcal: list[WorkClock | None] = [None] * n if clocks and not one else []
    if clocks:  # a case that arrives in working time at a step on a calendar: W(arrival), at once
        arrived_np, w_arrived_np, first_np = np.full(n, nan), np.zeros(n), np.zeros(n)
        at_entry = plan.entry_array
        times_in = plan.arrival_array
        for w in clocks.values():
            hit = np.flatnonzero(np.array([x is w for x in clock_at], dtype=bool)[at_entry])
            w_in, first = w.enter_array(times_in[hit])
            working = first == times_in[hit]
            if one:  # at night: -arrival marks W and the first working instant as known
                night = ~working & (times_in[hit] > 0.0)
                arrived_np[hit[night]] = -times_in[hit[night]]
                w_arrived_np[hit[night]] = w_in[night]
                first_np[hit[night]] = first[night]
            hit = hit[working]
            arrived_np[hit] = times_in[hit]
            w_arrived_np[hit] = w_in[working]
            for c in hit.tolist() if wcal else ():
                wcal[c] = w
        arrived, w_arrived, first_at = (
            array("d", x.tobytes()) for x in (arrived_np, w_arrived_np, first_np)
        )
    wcases = [array("q") for _ in range(roles)]  # the case of each positive wait
    # the calendared fast path's code is not its role: it finds the role's lists by step
    free_of = [free_at[r] if r >= 0 else [] for r in role]
    waits_of = [waits[r] if r >= 0 else array("d") for r in role]
    wnow_of = [wnow[r] if r >= 0 else array("d") for r in role]
    wcases_of = [wcases[r] if r >= 0 else array("q") for r in role]
    done = array("q")  # the cases that reached an outcome, in the order they did
    step_limit = 0
    # progress: every `every` arrivals (never with no tick: arrival counts start at 1)
    every = max(1, n // 100)
    tick_at = every if tick is not None else 0
    mark = min(tick_at, n) if tick_at else n  # the next arrival count of either

    def window_busy(heap: list[tuple[float, int, float]]) -> list[float]:
        """Busy hours per role up to now (the window's end), from the pools, once.

        Every duration drawn at a step with a queue so far belongs to a service that ended,
        is running (its part after now is taken off) or has not started (waiting: taken off).
        """
        busy = [0.0] * roles
        for s in range(s_count):
            if flag[s] & 8:
                used = dur_pool.consumed(s)
                if used is not None:
                    busy[role[s]] += float(used[1])
        # a case whose service starts after now waits (an earlier start is at most now); the
        # parts are taken off in order of start (waiting, FIFO), then of end (running), so the
        # sums do not depend on the heap's layout
        waiting: list[list[tuple[float, int]]] = [[] for _ in range(roles)]
        running: list[tuple[float, int]] = []
        for t, code, _ in heap:
            if code >= 0:
                r = role[cur[code]]
                if start[code] > window_w[r]:
                    waiting[r].append((start[code], code))
                else:
                    running.append((t, code))
        for r in range(roles):
            busy[r] -= sum(pend[w] for _, w in sorted(waiting[r]))
        for t, code in sorted(running):
            busy[role[cur[code]]] -= t - window
        return busy

    # (now, code, nw) is the next event, just taken off the heap: nw is W(now) of its case on
    # the calendar of the service that ends (nan: none, or not known). A sentinel (inf, ~n,
    # nan) stays on the heap, so it is never empty; after the last arrival `next_time` is the
    # largest float, so the sentinel ends the loop. A case that starts a service puts its end
    # on the heap and takes the next event off in one step (heappushpop: no heap work if its
    # own end is next). Ties in time go by code (nw is never compared: a case has at most one
    # event on the heap).
    heap: list[tuple[float, int, float]] = [(math.inf, ~n, nan)]
    push, pop, replace = heapq.heappush, heapq.heappop, heapq.heapreplace
    pushpop = heapq.heappushpop
    nxt_arrival = 0
    next_time = arrivals[0] if n else -math.inf
    arrivals = [*arrivals, sys.float_info.max]  # after the last arrival: none before the end
    now, code, nw = pop(heap)
    while True:
        # Each event gives the case c, its step s, `now` (when c enters s) and r = plain[s], the
        # step's fast-path code (-2: the general path; -3: the general path after a delay, with
        # the event's time in `clock`)
        if now > next_time:  # the next case arrives before the event: put the event back
            if nxt_arrival == n:
                break
            push(heap, (now, code, nw))
            nw = nan  # the arrival's W: from `arrived`
            c = nxt_arrival
            now = next_time
            nxt_arrival += 1
            next_time = arrivals[nxt_arrival]
            cur[c] = s = entry[c]
            if nxt_arrival == mark:  # the last arrival, or progress to report
                if nxt_arrival == n:  # the last arrival closes the window of utilisation
                    busy_w = window_busy(heap)
                if nxt_arrival == tick_at:
                    tick(every)  # type: ignore[misc]
                    tick_at += every
                mark = min(tick_at, n)
            for d in start_deadlines:
                t_from[d][c] = now
            r = plain[s]
        elif code < 0:
            c = ~code
            s = cur[c]
            r = plain[s]
        else:  # case `code` finishes service at a step with a capacity
            c = code
            row = base[c] + cur[c]
            try:
                v = xpop[row]()
            except IndexError:
                v = xrefill(row)
            if v >= 0:  # a plain move to step v
                cur[c] = s = v
                r = plain[s]
            else:
                clock = now
                s = cur[c]
                e = ~v
                target = ex_next[e]
                if target < 0:
                    stuck_counts[s] += 1
                    now, code, nw = pop(heap)
                    continue
                cur[c] = s = target
                fe = ex_flag[e]
                if fe & 1:
                    ho[c] += 1
                if fe & 2:
                    ed = e % sd
                    try:
                        now += ypop[ed]()
                    except IndexError:
                        now += yrefill(ed)
                if fe & 4:
                    taken[c] += 1
                    if taken[c] >= max_steps:
                        stuck_counts[s] += 1
                        step_limit += 1
                        now, code, nw = pop(heap)
                        continue
                # after a delay a step with a queue must wait for the clock: the general path,
                # with the event's time in `clock` (-3)
                r = plain[s] if now == clock else -3
        # Case c enters step s (== cur[c]) at `now`. The fast paths first (one copy each, for
        # every kind of event): a step with nothing to do but serve or count.
        if r >= 0:  # the common case: a plain step with a queue, now
            try:
                dur = dpop[s]()
            except IndexError:
                dur = drefill(s)
            fa = free_at[r]
            begin = fa[0]
            if begin <= now:
                end = now + dur
            else:
                waits[r].append(begin - now)
                wcases[r].append(c)
                if begin > window:
                    start[c] = begin
                    pend[c] = dur
                end = begin + dur
            replace(fa, end)
            now, code, nw = pushpop(heap, (end, c, nan))
            continue
        if r <= cal1:  # the same on a working calendar, in working time (WorkClock)
            if r <= cal2:  # a step that counts an interview
                iv[c] += 1
            try:
                dur = dpop[s]()
            except IndexError:
                dur = drefill(s)
            fa = free_of[s]  # the role's, by step: the code is not decoded
            bw = fa[0]  # servers come free at working instants
            if nw != nw:  # not the end of the case's last service here: W(now) looked up
                if arrived[c] == now:  # arrived in working time: W known from the arrivals
                    nw, at = w_arrived[c], now
                elif arrived[c] == -now:  # arrived at night: both known from the arrivals
                    nw, at = w_arrived[c], first_at[c]
                else:  # W(now), and the first working instant at or after now
                    nw, at = c_enter(now)
                if at > now and bw <= nw:  # outside working hours: waits for the next one
                    waits_of[s].append(nan)  # the wall-clock wait is known: at - now
                    wnow_of[s].append(now - at)
                    wcases_of[s].append(c)
                    if nw > w_window:
                        start[c] = nw
                        pend[c] = dur
            # else the common case: W(now) is the end of its last service, in working time
            if bw > nw:
                waits_of[s].append(bw)  # the wall-clock begin is found after the loop, at once
                wnow_of[s].append(now)
                wcases_of[s].append(c)
                if bw > w_window:
                    start[c] = bw
                    pend[c] = dur
            else:
                bw = nw
            ew = bw + dur
            replace(fa, ew)
            x = ew - e_kw  # WorkClock.end, inlined: one look-up and three additions
            try:  # the rows of the weeks of the last service's end (WorkClock.shift)
                lo, ce, cd = e_rows[trunc(x)]
            except IndexError:
                lo = ce = x
            if lo < x and x < ce:  # (not chained: fewer instructions)
                end = x + cd + e_k
            else:  # near the end of a working interval, or in other weeks
                x = ew - o_kw  # the shift before, first: rows that take x in give WorkClock.end
                try:
                    lo, ce, cd = o_rows[trunc(x)]
                except IndexError:
                    lo = ce = x
                if lo < x and x < ce:  # back to it
                    end = x + cd + o_k
                    e_k, e_kw, e_rows, o_k, o_kw, o_rows = o_k, o_kw, o_rows, e_k, e_kw, e_rows
                else:  # the shift of ew
                    k0, kw0, rows0 = e_k, e_kw, e_rows
                    end, inside, e_k, e_kw, e_rows = c_settle(ew, dur)
                    if e_kw != kw0:  # another shift: the one before is kept
                        o_k, o_kw, o_rows = k0, kw0, rows0
                    if not inside:  # W(end) is ew, but end is not working time: not known
                        ew = nan
            now, code, nw = pushpop(heap, (end, c, ew))
            continue
        if r < -3:  # a plain step with a queue that counts an interview (a copy of the
            # r >= 0 path on purpose: folding them costs the common path a test per visit)
            iv[c] += 1
            r = -4 - r
            try:
                dur = dpop[s]()
            except IndexError:
                dur = drefill(s)
            fa = free_at[r]
            begin = fa[0]
            if begin <= now:
                end = now + dur
            else:
                waits[r].append(begin - now)
                wcases[r].append(c)
                if begin > window:
                    start[c] = begin
                    pend[c] = dur
                end = begin + dur
            replace(fa, end)
            now, code, nw = pushpop(heap, (end, c, nan))
            continue
        if r == -1:  # an outcome (counted and timed after the loop, from `done`)
            t_out[c] = now
            done.append(c)
            now, code, nw = pop(heap)
            continue
        if r == -2:  # the general path needs the event's time (-3: set before the delay)
            clock = now
        while True:
            f = flag[s]
            if f & 8 and now > clock:  # a queue ahead: enter it in time order
                push(heap, (now, ~c, nan))
                break
            if f & 4:
                if interview[s]:
                    iv[c] += 1
                for d, is_from, is_to in hooks[s]:
                    if is_from and t_from[d][c] != t_from[d][c]:  # nan: not passed yet
                        t_from[d][c] = now
                    # a deadline is met when service at `to` begins (SPEC 7.2): at a step
                    # with a queue, that is decided below, once the start is known
                    if is_to and not f & 8 and t_from[d][c] == t_from[d][c]:
                        reached[d][c] = True
                        at = lines[s].begin(now) if f & 16 else now  # type: ignore[union-attr]
                        if at - t_from[d][c] <= within[d]:
                            met[d][c] = True
            if f & 2:
                t_out[c] = now
                done.append(c)
                break
            try:
                dur = dpop[s]()
            except IndexError:
                dur = drefill(s)
            if f & 8:
                r = role[s]
                fa = free_at[r]
                begin = fa[0]
                if f & 16:  # working calendar: in working time, as on the fast path
                    if nw == nw and (one or wcal[c] is clock_at[s]):  # W(now) from the event
                        at = now
                    elif arrived[c] == now and (one or wcal[c] is clock_at[s]):
                        nw, at = w_arrived[c], now
                    else:
                        nw, at = enter_at[s](now)  # type: ignore[misc]
                    if begin > nw:
                        bw = begin
                        begin = begin_at[s](bw)  # type: ignore[misc]
                        waits[r].append(bw)
                        wnow[r].append(now)
                        wcases[r].append(c)
                        if bw > window_w[r]:
                            start[c] = bw
                            pend[c] = dur
                    else:
                        bw, begin = nw, at
                        if at > now:
                            waits[r].append(nan)
                            wnow[r].append(now - at)
                            wcases[r].append(c)
                            if bw > window_w[r]:
                                start[c] = bw
                                pend[c] = dur
                    ew = bw + dur
                    end, inside = end_at[s](ew, dur)  # type: ignore[misc]
                    if wcal:  # W on this calendar from now on; the arrival's no more
                        wcal[c] = clock_at[s]
                        arrived[c] = nan
                    replace(fa, ew)
                    push(heap, (end, c, ew if inside else nan))
                    if f & 4:  # deadlines to this step: met if service begins in time
                        for d, _, is_to in hooks[s]:
                            if is_to and t_from[d][c] == t_from[d][c]:
                                reached[d][c] = True
                                if begin - t_from[d][c] <= within[d]:
                                    met[d][c] = True
                    break
                if begin <= now:
                    end = now + dur
                else:
                    waits[r].append(begin - now)
                    wcases[r].append(c)
                    if begin > window:
                        start[c] = begin
                        pend[c] = dur
                    end = begin + dur
                replace(fa, end)
                push(heap, (end, c, nan))
                if f & 4:  # deadlines to this step: met if service begins in time
                    served_at = begin if begin > now else now
                    for d, _, is_to in hooks[s]:
                        if is_to and t_from[d][c] == t_from[d][c]:
                            reached[d][c] = True
                            if served_at - t_from[d][c] <= within[d]:
                                met[d][c] = True
                break
            # no queue here: finish the step now and choose the exit
            if f & 16:
                now = serve_at[s](now, dur)[1]  # type: ignore[misc]
            else:
                now += dur
            row = base[c] + s
            try:
                v = xpop[row]()
            except IndexError:
                v = xrefill(row)
            if v >= 0:
                cur[c] = s = v
                continue
            e = ~v
            target = ex_next[e]
            if target < 0:
                stuck_counts[s] += 1
                break
            cur[c] = target
            fe = ex_flag[e]
            if fe & 1:
                ho[c] += 1
            if fe & 2:
                ed = e % sd
                try:
                    now += ypop[ed]()
                except IndexError:
                    now += yrefill(ed)
            if fe & 4:
                taken[c] += 1
                if taken[c] >= max_steps:
                    stuck_counts[s] += 1
                    step_limit += 1
                    break
            s = target
        now, code, nw = pop(heap)

    # outcomes and times to outcome, from the cases that reached one (in that order) and
    # where they stopped: the loop only notes the case and the time
    finished = np.frombuffer(done, np.int64)
    stopped = _array(cur, np.int64)  # each case's step when the loop ended
    outcome_counts = np.bincount(stopped[finished], minlength=s_count).tolist()
    times = np.frombuffer(t_out, np.float64)[finished] - plan.arrival_array[finished]
    waited = [np.frombuffer(w, np.float64) for w in waits]
    for r, w in role_clock.items():  # the begins of waits on a calendar, to the wall clock
        bws = waited[r]
        asked = np.frombuffer(wnow[r], np.float64)
        known = np.isnan(bws)
        begun = np.where(known, -asked, w.begin_array(np.where(known, 0.0, bws)) - asked)
        waited[r] = np.maximum(begun, 0.0)
    return LoopCounts(
        outcome_counts=outcome_counts,
        stuck_counts=stuck_counts,
        step_limit=step_limit,
        times=times,
        iv=_array(iv, np.int64),
        ho=_array(ho, np.int64),
        t_from=t_from,
        met=met,
        reached=reached,
        busy_w=busy_w,
        waits=waited,
        wcases=[np.frombuffer(w, np.int64).copy() for w in wcases],
        done=finished,
        cur=stopped,
    )


def tally(cp: Compiled, plan: QueuePlan, loop: LoopCounts) -> ChunkResult:
    """The replication's result: the loop's counts, and visits, services, busy time and
    transitions taken from what the pools handed out."""
    n, s_count, width, k = plan.n, plan.s_count, plan.width, plan.k
    dur_pool, exit_pool, table = plan.dur_pool, plan.exit_pool, plan.table
    outcome_counts, stuck_counts, times = loop.outcome_counts, loop.stuck_counts, loop.times
    iv, ho, t_from, met, reached = loop.iv, loop.ho, loop.t_from, loop.met, loop.reached
    busy_w, waits, window, roles = loop.busy_w, loop.waits, plan.window, len(plan.cap)
    step_limit = loop.step_limit
    res = empty_chunk(cp, n)
    # what the pools handed out gives visits, services, busy time and transitions taken
    served = np.zeros(s_count, dtype=np.int64)
    busy_step = np.zeros(s_count)
    for s in range(s_count):
        used = dur_pool.consumed(s)
        if used is not None:
            served[s] = int(used[0])
            busy_step[s] = float(used[1])
    taken_e = np.zeros((s_count, width), dtype=np.int64)
    declined_e = np.zeros((s_count, width), dtype=np.int64)
    for row in range(table.total.size):
        counts = exit_pool.consumed(row)
        if counts is not None:
            s = row % s_count
            taken_e[s] += counts[:width] + counts[width : 2 * width]
            declined_e[s] += counts[width : 2 * width]
    trans_flat = cp.exit_transition.ravel()
    valid = trans_flat >= 0
    res.transition_counts = np.bincount(
        trans_flat[valid], weights=taken_e.ravel()[valid], minlength=cp.transition_count
    ).astype(np.int64)
    res.declined = np.bincount(
        trans_flat[valid], weights=declined_e.ravel()[valid], minlength=cp.transition_count
    ).astype(np.int64)
    res.outcome_counts = np.array(outcome_counts, dtype=np.int64)
    res.visits = served + res.outcome_counts
    res.stuck_counts = np.array(stuck_counts, dtype=np.int64)
    res.step_limit = step_limit
    res.times = times
    res.interviews_hist = np.bincount(iv) if n else res.interviews_hist
    res.case_interviews = iv.astype(np.int32)
    res.case_handoffs = ho.astype(np.int32)
    finished = loop.done
    res.case_time[finished] = times
    res.case_outcome[finished] = loop.cur[finished]
    res.handoffs_hist = np.bincount(ho) if n else res.handoffs_hist
    for d in range(k):
        passed = ~np.isnan(np.array(t_from[d]))
        if not cp.deadline_required[d]:  # optional: only the cases that reached the target
            passed &= np.array(reached[d], dtype=bool)
        res.deadline_applicable[d] = int(passed.sum())
        hit = np.array(met[d], dtype=bool)
        res.deadline_missed[d] = int((passed & ~hit).sum())
        res.case_deadline[d] = np.where(passed, np.where(hit, 1, 2), 0)
    serving = (cp.step_role >= 0) & ~cp.is_wait
    res.role_busy = np.bincount(
        cp.step_role[serving], weights=busy_step[serving], minlength=roles
    ).astype(np.float64)
    res.role_busy_window = np.array(busy_w)
    res.window_hours = float(window)
    res.role_services = np.bincount(
        cp.step_role[serving], weights=served[serving], minlength=roles
    ).astype(np.int64)
    exact_waits = waits
    res.role_wait_sum = np.array([float(w.sum()) for w in exact_waits])
    res.role_waits = [w.astype(np.float32) for w in exact_waits]
    res.wait_cases = loop.wcases
    res.role_zero_waits = res.role_services - np.array([w.size for w in res.role_waits], np.int64)
    return res
