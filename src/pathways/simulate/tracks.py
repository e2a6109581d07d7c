"""The event loop for pathways with parallel tracks (``fork`` and ``join`` steps, SPEC 7.1).

A case with tracks is a set of positions that changes size (a fork adds a track per exit, a
join gathers one from each incoming transition) and whose parts wait for each other, so the two
single-position engines hand such pathways here:

- the vectorised walk keeps one array row per case and moves every row one step per
  iteration; a case whose tracks run at once and meet at joins has no single row and no single
  "next step", so it cannot be advanced as one element;
- the queue loop of :mod:`.queues` keeps at most one pending event per case and computes its
  counts from pre-drawn pools, which relies on a case being in one place at a time.

This loop keeps a heap of ``(time, order, case, step, transition)`` arrivals, in time order,
with or without capacities: every track enters its step when it arrives (a track arriving at a
join waits on its transition, and the join is entered when the last incoming track arrives), is
served by the step's role (FIFO with ``capacity`` servers, or at once without a capacity or at
a ``wait`` step), and leaves by one exit (chosen as in the other engines: guard pattern, then
probability; a declined referral goes to ``on_reject``) or, at a fork, by all exits at once.
The case ends when its last track ends at an outcome: its time to outcome is then, so it is the
time of the slowest track. With working calendars (SPEC 7.3) cases arrive from
``simulation.start`` (by the hour-of-day profile), a service starts at the next working instant
of its role's calendar and its duration is working time; delays and deadlines are wall-clock.
Interviews of all tracks add up. A deadline is met when service at its target begins (SPEC
7.2). A case that never ends (a stuck track, or a track waiting at a join no other track will
reach) is counted stuck at the first step where a track stopped.
Random numbers come from one stream per step and use (common random numbers), drawn in fixed
batches, so the same seed gives the same result and a what-if run differs by its queues.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Callable

import numpy as np

from pathways.calendars import Timeline
from pathways.simulate.calendar import arrival_times
from pathways.simulate.compile import Compiled
from pathways.simulate.results import ChunkResult, empty_chunk
from pathways.simulate.sampling import DurationTable, draw_entries, sample_one
from pathways.simulate.tables import MAX_STEPS, choice_table, guard_patterns

__all__ = ["has_tracks", "run_tracks"]

_BATCH = 512


def has_tracks(cp: Compiled) -> bool:
    """Whether the compiled pathway has fork or join steps."""
    return any(k in ("fork", "join") for k in cp.step_kind)


class _Stream:
    """Uniform numbers from one generator, drawn in batches (one stream per step and use)."""

    __slots__ = ("gen", "left")

    def __init__(self, gen: np.random.Generator) -> None:
        self.gen = gen
        self.left: list[float] = []

    def __call__(self) -> float:
        if not self.left:
            self.left = self.gen.random(_BATCH).tolist()
        return self.left.pop()


def _streams(rng: np.random.Generator, count: int) -> list[_Stream]:
    # Common random numbers: the k-th service (exit, decline, delay) at a step draws the same
    # number whatever the order of events, so a what-if run (another capacity) differs from
    # the base run by its queues, not by reshuffled randomness.
    root = np.random.SeedSequence(int(rng.integers(0, 2**63)))
    return [_Stream(np.random.default_rng(child)) for child in root.spawn(count)]


def run_tracks(
    cp: Compiled,
    n: int,
    rng: np.random.Generator,
    max_steps: int = 0,
    tick: Callable[[int], None] | None = None,
) -> ChunkResult:
    """Simulate ``n`` cases of a pathway with tracks; one replication when roles have
    capacities (Poisson arrivals), else independent cases all starting at time 0.
    ``tick(cases)`` is called every 1% of the cases finished (progress)."""
    limit = max_steps or MAX_STEPS
    res = empty_chunk(cp, n)
    s_count, width = cp.exit_target.shape
    entry = draw_entries(cp, n, rng).tolist()
    patterns, sig_arr = guard_patterns(cp, n, rng)
    table = choice_table(cp, patterns)
    queued = cp.queued
    calendared = cp.calendared
    if calendared and n:  # SPEC 7.3: arrivals from simulation.start, by hour-of-day profile
        # without queues and a rate: spread over the first year, as in the walk
        drawn = arrival_times(n, cp.arrivals_per_day, cp.arrival_profile, rng)
        arrival_list: list[float] = drawn.tolist()
        window = arrival_list[-1] if queued else 0.0
    elif queued and n:
        rate = cp.arrivals_per_day or 1.0
        arrival_list = np.cumsum(rng.exponential(24.0 / rate, size=n)).tolist()
        window = arrival_list[-1]
    else:
        arrival_list, window = [0.0] * n, 0.0
    arrival = arrival_list
    # per step the working calendar of its role (None: always): durations are working time
    lines: list[Timeline | None] = [
        cp.timelines[k] if k >= 0 else None for k in cp.step_calendar.tolist()
    ]
    # and its serve: the closure of Timeline.server (same results, table look-ups), one per
    # calendar
    closures = {id(line): line.server() for line in cp.timelines}
    serve_at = [None if line is None else closures[id(line)] for line in lines]
    base = (sig_arr * s_count).tolist() if sig_arr is not None else [0] * n
    streams = _streams(rng, 4 * s_count)
    u_dur, u_exit = streams[:s_count], streams[s_count : 2 * s_count]
    u_decline, u_delay = streams[2 * s_count : 3 * s_count], streams[3 * s_count :]

    durations = DurationTable(cp.dur_code, cp.dur_a, cp.dur_c, cp.dur_b).rows
    delays = DurationTable(
        cp.exit_delay_code.clip(0), cp.exit_delay_a, cp.exit_delay_c, cp.exit_delay_b
    ).rows
    kind = cp.step_kind
    is_fork = [k == "fork" for k in kind]
    is_join = [k == "join" for k in kind]
    is_outcome = cp.is_outcome.tolist()
    role = cp.step_role.tolist()
    cap = cp.capacity.tolist()
    serving = [role[s] >= 0 and not cp.is_wait[s] for s in range(s_count)]
    queue = [serving[s] and cap[role[s]] > 0 for s in range(s_count)]
    interview = cp.interview.tolist()
    degree = cp.degree.tolist()
    target = cp.exit_target.tolist()
    trans = cp.exit_transition.tolist()
    reject = cp.exit_reject.tolist()
    decline = cp.exit_decline.tolist()
    delay_code = cp.exit_delay_code.tolist()
    handoff = cp.exit_handoff.tolist()
    reject_handoff = cp.exit_reject_handoff.tolist()
    cum, total, last, stuck_row = (
        table.cum.tolist(),
        table.total.tolist(),
        table.last.tolist(),
        table.stuck.tolist(),
    )
    draw_exit = bool(cp.by_probability.any())
    # the transitions into each join: all must hold a waiting track for the join to be entered
    into: dict[int, list[int]] = {s: [] for s in range(s_count) if is_join[s]}
    for s in range(s_count):
        for j in range(degree[s]):
            if is_join[target[s][j]]:
                into[target[s][j]].append(trans[s][j])
    k = len(cp.deadline_ids)
    starts = [[d for d in range(k) if cp.deadline_from[d] == s] for s in range(s_count)]
    ends = [[d for d in range(k) if cp.deadline_to[d][s]] for s in range(s_count)]
    from_open = [d for d in range(k) if cp.deadline_from[d] == -1]
    within = cp.deadline_within

    alive = [1] * n  # running tracks (waiting ones included)
    moves = [0] * n
    iv = [0] * n
    ho = [0] * n
    halted = [-1] * n  # first step where a track stopped for good (stuck), -1: none
    over = [False] * n  # stopped by the step cap
    waiting: list[dict[int, int] | None] = [None] * n  # transition -> tracks waiting on it
    t_from = [[math.nan] * n for _ in range(k)]
    met = [[False] * n for _ in range(k)]
    reached = [[False] * n for _ in range(k)]
    for d in from_open:
        for c in range(n):
            t_from[d][c] = arrival[c]
    outcome_counts = [0] * s_count
    visits = [0] * s_count
    transition_counts = [0] * cp.transition_count
    declined = [0] * cp.transition_count
    times: list[float] = []
    roles = len(cap)
    servers: list[list[float]] = [[0.0] * c for c in cap]  # when each server comes free
    busy = [0.0] * roles
    busy_w = [0.0] * roles
    services = [0] * roles
    wait_sum = [0.0] * roles
    waits: list[list[float]] = [[] for _ in range(roles)]
    wcases: list[list[int]] = [[] for _ in range(roles)]  # the case of each positive wait
    case_outcome = [-1] * n
    case_time = [math.nan] * n

    heap: list[tuple[float, int, int, int, int]] = [
        (arrival[c], c, c, entry[c], -1) for c in range(n)
    ]
    heapq.heapify(heap)
    order = n
    pop, push = heapq.heappop, heapq.heappush
    every = max(1, n // 100)  # progress: every `every` cases finished
    finished, tick_at = 0, every if tick is not None else 0
    while heap:
        now, _, c, s, via = pop(heap)
        if over[c]:
            continue
        if is_join[s] and via >= 0:  # the track waits on its transition into the join
            w = waiting[c]
            if w is None:
                w = waiting[c] = {}
            w[via] = w.get(via, 0) + 1
            needed = into[s]
            if any(w.get(e, 0) == 0 for e in needed):
                continue
            for e in needed:  # the last one arrived: one track from each, one goes on
                w[e] -= 1
            alive[c] -= len(needed) - 1
        visits[s] += 1
        if interview[s]:
            iv[c] += 1
        for d in starts[s]:
            if t_from[d][c] != t_from[d][c]:  # nan: the first entry starts the clock
                t_from[d][c] = now
        line = lines[s]
        if is_outcome[s]:
            at = now if line is None else line.begin(now)
            for d in ends[s]:
                _meet(t_from[d], met[d], reached[d], c, at, within[d])
            alive[c] -= 1
            if alive[c] == 0:
                outcome_counts[s] += 1
                times.append(now - arrival[c])
                case_outcome[c], case_time[c] = s, now - arrival[c]
                finished += 1
                if finished == tick_at:
                    tick(every)  # type: ignore[misc]
                    tick_at += every
            continue
        # service by the step's role: FIFO with `capacity` servers, or at once
        dur = sample_one(durations[s], u_dur[s]())
        begin = now
        r = role[s]
        if queue[s]:
            free = servers[r]
            begin = max(now, heapq.heappop(free))
            if line is None:
                done = begin + dur
            else:  # service starts at the next working instant and takes working time
                begin, done = serve_at[s](begin, dur)  # type: ignore[misc]
            heapq.heappush(free, done)
            waited = begin - now
            if waited > 0:
                waits[r].append(waited)
                wcases[r].append(c)
                wait_sum[r] += waited
        elif line is None:
            done = begin + dur
        else:
            begin, done = serve_at[s](now, dur)  # type: ignore[misc]
        if serving[s]:
            services[r] += 1
            busy[r] += dur
            if begin < window:
                if line is None:
                    busy_w[r] += min(done, window) - begin
                elif done <= window:
                    busy_w[r] += dur
                else:  # the working time of the service up to the window's end
                    busy_w[r] += min(dur, max(0.0, line.worked(window) - line.worked(begin)))
        for d in ends[s]:
            _meet(t_from[d], met[d], reached[d], c, begin, within[d])
        moves[c] += 1
        if moves[c] > limit:
            over[c] = True
            halted[c] = s
            continue
        if is_fork[s]:
            exits = list(range(degree[s]))
            alive[c] += len(exits) - 1
        else:
            row = base[c] + s
            if stuck_row[row]:
                if halted[c] < 0:
                    halted[c] = s
                continue
            if draw_exit and total[row] > 0:
                x = u_exit[s]() * total[row]
                j = 0
                row_cum = cum[row]
                while j < width and row_cum[j] <= x:
                    j += 1
                exits = [min(j, last[row])]
            else:
                exits = [last[row]]
        for j in exits:
            e = trans[s][j]
            transition_counts[e] += 1
            nxt, moved = target[s][j], handoff[s][j]
            if decline[s][j] > 0 and u_decline[s]() < decline[s][j]:
                declined[e] += 1
                nxt, moved, e = reject[s][j], reject_handoff[s][j], -1
                if nxt < 0:  # declined with nowhere to go: the track stops at the referrer
                    if halted[c] < 0:
                        halted[c] = s
                    continue
            if moved:
                ho[c] += 1
            at = done
            if delay_code[s][j] >= 0:
                at += sample_one(delays[s * width + j], u_delay[s]())
            push(heap, (at, order, c, nxt, e))
            order += 1

    stuck_counts = [0] * s_count
    step_limit = 0
    for c in range(n):
        if alive[c] > 0 or over[c]:
            where = halted[c]
            if where < 0:  # only waiting tracks are left: stuck at the first such join
                w = waiting[c] or {}
                where = next((j for j in into if any(w.get(e, 0) > 0 for e in into[j])), entry[c])
            stuck_counts[where] += 1
            step_limit += over[c]
    res.outcome_counts = np.array(outcome_counts, dtype=np.int64)
    res.stuck_counts = np.array(stuck_counts, dtype=np.int64)
    res.step_limit = step_limit
    res.times = np.array(times, dtype=np.float64)
    res.interviews_hist = np.bincount(np.array(iv, dtype=np.int64)) if n else res.interviews_hist
    res.handoffs_hist = np.bincount(np.array(ho, dtype=np.int64)) if n else res.handoffs_hist
    # per case, in case order (arrival order with queues), for the confidence intervals
    res.case_outcome = np.array(case_outcome, dtype=np.int32)
    res.case_time = np.array(case_time, dtype=np.float64)
    res.case_interviews = np.array(iv, dtype=np.int32)
    res.case_handoffs = np.array(ho, dtype=np.int32)
    res.wait_cases = [np.array(w, dtype=np.int64) for w in wcases]
    for d in range(k):
        passed = ~np.isnan(np.array(t_from[d]))
        if not cp.deadline_required[d]:
            passed &= np.array(reached[d], dtype=bool)
        hit = np.array(met[d], dtype=bool)
        res.deadline_applicable[d] = int(passed.sum())
        res.deadline_missed[d] = int((passed & ~hit).sum())
        res.case_deadline[d] = np.where(passed, np.where(hit, 1, 2), 0)
    res.visits = np.array(visits, dtype=np.int64)
    res.transition_counts = np.array(transition_counts, dtype=np.int64)
    res.declined = np.array(declined, dtype=np.int64)
    res.role_busy = np.array(busy)
    res.role_busy_window = np.array(busy_w)
    res.window_hours = float(window)
    res.role_services = np.array(services, dtype=np.int64)
    res.role_wait_sum = np.array(wait_sum)
    res.role_waits = [np.array(w, dtype=np.float32) for w in waits]
    res.role_zero_waits = res.role_services - np.array([len(w) for w in waits], dtype=np.int64)
    return res


def _meet(
    t_from: list[float], met: list[bool], reached: list[bool], c: int, at: float, within: float
) -> None:
    """The deadline's target is served at ``at``: met when within the limit of its start."""
    start = t_from[c]
    if start == start:  # started (not nan)
        reached[c] = True
        if at - start <= within:
            met[c] = True
