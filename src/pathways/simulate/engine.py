"""The two simulation engines: a vectorised walk (no queues) and a heapq event loop (queues).

Without capacities, cases never meet, so :func:`walk` advances every case of a chunk by one step
per iteration with numpy: exits are drawn from per-step cumulative weights (one table row per
step and guard pattern), durations by inversion. With capacities, :func:`run_queues` runs one
replication's whole Poisson arrival stream through FIFO queues per role in a tight Python loop
over precomputed lists. Both return a :class:`~pathways.simulate.results.ChunkResult`.
"""

from __future__ import annotations

import heapq
import math
from array import array
from bisect import bisect_right
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from pathways.simulate.compile import DUR_EXPONENTIAL, Compiled
from pathways.simulate.masks import guard_matrix
from pathways.simulate.results import ChunkResult
from pathways.simulate.sampling import DurationTable, draw_entries, draw_fields, sample_one

__all__ = ["MAX_STEPS", "ChoiceTable", "choice_table", "run_chunk", "run_queues", "walk"]

MAX_STEPS = 10_000
"""Steps a case may take before it is stopped and counted as stuck (a loop it never leaves)."""

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


@dataclass
class ChoiceTable:
    """Exit choice per (guard pattern, step): row ``sig * S + s``.

    ``cum`` holds cumulative weights of the enabled exits (``inf`` on padding), ``total`` their
    sum, ``last`` the last exit with weight and ``stuck`` whether no exit is enabled. A step that
    chooses by guard alone gives weight 1 to its first enabled exit and 0 to the others.
    """

    cum: FloatArray
    total: FloatArray
    last: IntArray
    stuck: BoolArray


def choice_table(cp: Compiled, patterns: BoolArray) -> ChoiceTable:
    """Build the exit-choice rows for every guard pattern (row of ``patterns``) and step."""
    n_sig = patterns.shape[0]
    s_count, width = cp.exit_target.shape
    valid: BoolArray = np.asarray(np.arange(width)[None, :] < cp.degree[:, None])  # (S, D)
    enabled = patterns[:, cp.exit_guard] & valid[None, :, :]  # (sig, S, D)
    weight = np.where(enabled, cp.exit_weight[None, :, :], 0.0)
    first: IntArray = np.asarray(np.argmax(enabled, axis=2))  # first enabled exit
    any_enabled: BoolArray = np.asarray(enabled.any(axis=2))
    first_only: BoolArray = np.logical_or(~cp.by_probability[None, :], weight.sum(axis=2) <= 0)
    one_hot = np.arange(width)[None, None, :] == first[:, :, None]
    weight = np.where(first_only[:, :, None], one_hot & any_enabled[:, :, None], weight)
    cum = np.cumsum(weight, axis=2)
    total = cum[:, :, -1].copy()
    cum = np.where(valid[None, :, :], cum, np.inf)
    positive = weight > 0
    last = width - 1 - np.argmax(positive[:, :, ::-1], axis=2)
    return ChoiceTable(
        cum=cum.reshape(n_sig * s_count, width),
        total=total.reshape(-1),
        last=last.reshape(-1).astype(np.int64),
        stuck=(~any_enabled).reshape(-1),
    )


def _patterns(cp: Compiled, n: int, rng: np.random.Generator) -> tuple[BoolArray, IntArray | None]:
    """The distinct guard patterns of the cases and each case's pattern number."""
    if not cp.guards:
        return np.ones((1, 1), dtype=bool), None
    cols = draw_fields(cp, n, rng)
    matrix = guard_matrix(cp.guards, cols, n)
    patterns, sig = np.unique(matrix, axis=0, return_inverse=True)
    return patterns, sig.reshape(-1).astype(np.int64)


def _empty(cp: Compiled, n: int) -> ChunkResult:
    s_count, roles, k = len(cp.step_ids), len(cp.role_ids), len(cp.deadline_ids)
    return ChunkResult(
        cases=n,
        outcome_counts=np.zeros(s_count, dtype=np.int64),
        stuck_counts=np.zeros(s_count, dtype=np.int64),
        step_limit=0,
        times=np.zeros(0),
        interviews_hist=np.zeros(1, dtype=np.int64),
        handoffs_hist=np.zeros(1, dtype=np.int64),
        deadline_applicable=np.zeros(k, dtype=np.int64),
        deadline_missed=np.zeros(k, dtype=np.int64),
        visits=np.zeros(s_count, dtype=np.int64),
        transition_counts=np.zeros(cp.transition_count, dtype=np.int64),
        declined=np.zeros(cp.transition_count, dtype=np.int64),
        role_busy=np.zeros(roles),
        role_busy_window=np.zeros(roles),
        window_hours=0.0,
        role_services=np.zeros(roles, dtype=np.int64),
        role_zero_waits=np.zeros(roles, dtype=np.int64),
        role_waits=[np.zeros(0) for _ in range(roles)],
    )


def walk(cp: Compiled, n: int, rng: np.random.Generator, max_steps: int = MAX_STEPS) -> ChunkResult:
    """Simulate ``n`` independent cases (no capacities) with vectorised numpy steps."""
    res = _empty(cp, n)
    s_count, width = cp.exit_target.shape
    e_count = max(cp.transition_count, 1)
    step = draw_entries(cp, n, rng)
    patterns, sig = _patterns(cp, n, rng)
    table = choice_table(cp, patterns)
    durations = DurationTable(cp.dur_code, cp.dur_a, cp.dur_c, cp.dur_b)
    fixed_duration = durations.table[:, 1]  # max == the value when nothing is random
    delays = DurationTable(
        cp.exit_delay_code.clip(0), cp.exit_delay_a, cp.exit_delay_c, cp.exit_delay_b
    )
    has_delay = (cp.exit_delay_code >= 0).ravel()
    draw_exit = bool(cp.by_probability.any())
    target_flat = cp.exit_target.ravel()
    trans_flat = cp.exit_transition.ravel()
    handoff_flat = cp.exit_handoff.ravel()
    count_handoffs = bool(cp.exit_handoff.any() or cp.exit_reject_handoff.any())
    count_interviews = bool(cp.interview.any())
    is_outcome = cp.is_outcome
    k = len(cp.deadline_ids)
    t_from = [np.full(n, np.nan) for _ in range(k)]
    met = [np.zeros(n, dtype=bool) for _ in range(k)]
    for d in range(k):
        if cp.deadline_from[d] == -1:
            t_from[d][:] = 0.0
    interviews = np.zeros(n, dtype=np.int64)
    handoffs = np.zeros(n, dtype=np.int64)
    busy_by_step = np.zeros(s_count)
    stuck_counts = res.stuck_counts
    times: list[FloatArray] = []
    cid = np.arange(n)
    t = np.zeros(n)

    def enter(step: IntArray, t: FloatArray, cid: IntArray) -> None:
        res.visits += np.bincount(step, minlength=s_count)
        if count_interviews:
            hit = np.flatnonzero(cp.interview[step])
            if hit.size:
                interviews[cid[hit]] += 1
        for d in range(k):
            f = cp.deadline_from[d]
            if f >= 0:
                hit = np.flatnonzero(step == f)
                if hit.size:
                    sel = cid[hit]
                    new = np.isnan(t_from[d][sel])
                    t_from[d][sel[new]] = t[hit[new]]
            hit = np.flatnonzero(cp.deadline_to[d][step])
            if hit.size:
                sel = cid[hit]
                ok = (t[hit] - t_from[d][sel]) <= cp.deadline_within[d]
                met[d][sel[ok]] = True

    enter(step, t, cid)
    iteration = 0
    while cid.size:
        done = is_outcome[step]
        if done.any():
            res.outcome_counts += np.bincount(step[done], minlength=s_count)
            times.append(t[done])
            keep = ~done
            step, t, cid = step[keep], t[keep], cid[keep]
            if not cid.size:
                break
        if iteration >= max_steps:
            stuck_counts += np.bincount(step, minlength=s_count)
            res.step_limit += int(cid.size)
            break
        m = cid.size
        if durations.random:
            d_service = durations.sample(step, rng.random(m))
        else:
            d_service = fixed_duration[step]
        t = t + d_service
        busy_by_step += np.bincount(step, weights=d_service, minlength=s_count)
        row = step if sig is None else sig[cid] * s_count + step
        stuck = table.stuck[row]
        if stuck.any():
            stuck_counts += np.bincount(step[stuck], minlength=s_count)
            keep = ~stuck
            step, t, cid, row = step[keep], t[keep], cid[keep], row[keep]
            m = cid.size
            if not m:
                break
        if draw_exit:
            r = rng.random(m) * table.total[row]
            j = (r[:, None] >= table.cum[row]).sum(axis=1)
            j = np.minimum(j, table.last[row])
        else:
            j = table.last[row]
        flat = step * width + j
        nxt = target_flat[flat]
        tr = trans_flat[flat]
        res.transition_counts += np.bincount(tr, minlength=e_count)[: cp.transition_count]
        moved = handoff_flat[flat]
        if cp.has_delay:
            delayed = has_delay[flat]
            if delayed.any():
                u = rng.random(m)
                t = t + np.where(delayed, delays.sample(flat, u), 0.0)
        if cp.has_decline:
            q = cp.exit_decline.ravel()[flat]
            declined = rng.random(m) < q
            if declined.any():
                res.declined += np.bincount(tr[declined], minlength=e_count)[: cp.transition_count]
                reject = cp.exit_reject.ravel()[flat]
                nxt = np.where(declined, reject, nxt)
                moved = np.where(declined, cp.exit_reject_handoff.ravel()[flat], moved)
                lost = nxt < 0
                if lost.any():  # declined with nowhere to go: stuck at the referring step
                    stuck_counts += np.bincount(step[lost], minlength=s_count)
                    keep = ~lost
                    nxt, t, cid, moved = nxt[keep], t[keep], cid[keep], moved[keep]
        if count_handoffs:
            hit = np.flatnonzero(moved)
            if hit.size:
                handoffs[cid[hit]] += 1
        step = nxt
        enter(step, t, cid)
        iteration += 1

    res.times = np.concatenate(times) if times else np.zeros(0)
    res.interviews_hist = np.bincount(interviews) if n else res.interviews_hist
    res.handoffs_hist = np.bincount(handoffs) if n else res.handoffs_hist
    for d in range(k):
        applicable = ~np.isnan(t_from[d])
        res.deadline_applicable[d] = int(applicable.sum())
        res.deadline_missed[d] = int((applicable & ~met[d]).sum())
    serving = (cp.step_role >= 0) & ~cp.is_wait
    roles = len(cp.role_ids)
    res.role_busy = np.bincount(
        cp.step_role[serving], weights=busy_by_step[serving], minlength=roles
    ).astype(np.float64)
    # every service starts at once without capacities: count them, all with zero wait
    served = res.visits - res.outcome_counts  # entries of serving steps that got served
    services = np.bincount(cp.step_role[serving], weights=served[serving], minlength=roles)
    res.role_services = services.astype(np.int64)
    res.role_zero_waits = res.role_services.copy()
    return res


def _uniforms(rng: np.random.Generator, batch: int = 1 << 16) -> Iterator[float]:
    while True:
        yield from rng.random(batch).tolist()


def run_queues(
    cp: Compiled, n: int, rng: np.random.Generator, max_steps: int = MAX_STEPS
) -> ChunkResult:
    """Simulate one replication: ``n`` cases arriving as a Poisson stream, FIFO queues per role.

    The arrival window (first to last arrival) is what utilisation is measured over.
    """
    res = _empty(cp, n)
    s_count, width = cp.exit_target.shape
    rate = cp.arrivals_per_day or 1.0
    entry = draw_entries(cp, n, rng).tolist()
    patterns, sig_arr = _patterns(cp, n, rng)
    table = choice_table(cp, patterns)
    arrivals = np.cumsum(rng.exponential(24.0 / rate, size=n)).tolist()
    window = arrivals[-1] if n else 0.0
    nu: Callable[[], float] = _uniforms(rng).__next__
    sig = sig_arr.tolist() if sig_arr is not None else [0] * n

    # per-step lists (Python scalars: the loop must not touch numpy)
    durations = DurationTable(cp.dur_code, cp.dur_a, cp.dur_c, cp.dur_b)
    dur_rows = durations.rows
    dur_fixed: list[float | None] = [
        None if (row[0] == DUR_EXPONENTIAL or row[2] != row[1]) else row[1] for row in dur_rows
    ]
    role = cp.step_role.tolist()
    cap = cp.capacity.tolist()
    queued_step = [
        (role[s] >= 0 and cap[role[s]] > 0 and not bool(cp.is_wait[s])) for s in range(s_count)
    ]
    serving = [(role[s] >= 0 and not bool(cp.is_wait[s])) for s in range(s_count)]
    outcome = cp.is_outcome.tolist()
    interview = cp.interview.tolist()
    delays = DurationTable(
        cp.exit_delay_code.clip(0), cp.exit_delay_a, cp.exit_delay_c, cp.exit_delay_b
    ).rows
    exits: list[list[tuple[int, int, object, float, int, bool, bool]]] = []
    for s in range(s_count):
        row_exits = []
        for j in range(int(cp.degree[s])):
            fi = s * width + j
            row_exits.append(
                (
                    int(cp.exit_target[s, j]),
                    int(cp.exit_transition[s, j]),
                    delays[fi] if cp.exit_delay_code[s, j] >= 0 else None,
                    float(cp.exit_decline[s, j]),
                    int(cp.exit_reject[s, j]),
                    bool(cp.exit_handoff[s, j]),
                    bool(cp.exit_reject_handoff[s, j]),
                )
            )
        exits.append(row_exits)
    choice: list[tuple[list[float], float, int] | None] = []
    for row in range(table.total.size):
        if table.stuck[row]:
            choice.append(None)
        else:
            cum = [x for x in table.cum[row].tolist() if x != math.inf]
            choice.append((cum, float(table.total[row]), int(table.last[row])))
    k = len(cp.deadline_ids)
    hooks: list[list[tuple[int, bool, bool]]] = [[] for _ in range(s_count)]
    for d in range(k):
        for s in range(s_count):
            is_from = cp.deadline_from[d] == s
            is_to = bool(cp.deadline_to[d][s])
            if is_from or is_to:
                hooks[s].append((d, is_from, is_to))
    within = cp.deadline_within
    from_start = [cp.deadline_from[d] == -1 for d in range(k)]

    # per-case state
    cur = [0] * n
    t_in = [0.0] * n
    enq = [0.0] * n
    steps_taken = [0] * n
    iv = [0] * n
    ho = [0] * n
    t_from: list[list[float]] = [[math.nan] * n for _ in range(k)]
    met: list[list[bool]] = [[False] * n for _ in range(k)]

    visits = [0] * s_count
    outcome_counts = [0] * s_count
    stuck_counts = [0] * s_count
    trans_counts = [0] * cp.transition_count
    declined_counts = [0] * cp.transition_count
    roles = len(cap)
    free = list(cap)
    queue: list[deque[int]] = [deque() for _ in range(roles)]
    busy = [0.0] * roles
    busy_w = [0.0] * roles
    services = [0] * roles
    zero_waits = [0] * roles
    waits = [array("d") for _ in range(roles)]
    times = array("d")
    step_limit = 0

    heap: list[tuple[float, int, int, int]] = []
    push, pop = heapq.heappush, heapq.heappop
    seq = 1
    ARRIVE, DONE, NEW = 0, 1, 2
    if n:
        push(heap, (arrivals[0], 0, NEW, 0))
    while heap:
        now, _, kind, c = pop(heap)
        if kind == DONE:
            s = cur[c]
            r = role[s]
            if queued_step[s]:
                q = queue[r]
                if q:  # hand the server to the longest-waiting case
                    w = q.popleft()
                    ws = cur[w]
                    wait = now - enq[w]
                    services[r] += 1
                    if wait > 0.0:
                        waits[r].append(wait)
                    else:
                        zero_waits[r] += 1
                    fixed = dur_fixed[ws]
                    dw = fixed if fixed is not None else sample_one(dur_rows[ws], nu())
                    busy[r] += dw
                    if now < window:
                        busy_w[r] += dw if now + dw <= window else window - now
                    push(heap, (now + dw, seq, DONE, w))
                    seq += 1
                else:
                    free[r] += 1
            pick = choice[sig[c] * s_count + s]
            if pick is None:
                stuck_counts[s] += 1
                continue
            cum, total, last = pick
            if len(cum) == 1:
                j = 0
            else:
                j = bisect_right(cum, nu() * total)
                if j > last:
                    j = last
            target, tr, delay, decline, reject, moved, reject_moved = exits[s][j]
            trans_counts[tr] += 1
            extra = sample_one(delay, nu()) if delay is not None else 0.0  # type: ignore[arg-type]
            if decline and nu() < decline:
                declined_counts[tr] += 1
                target, moved = reject, reject_moved
                if target < 0:
                    stuck_counts[s] += 1
                    continue
            if moved:
                ho[c] += 1
            steps_taken[c] += 1
            if steps_taken[c] >= max_steps:
                stuck_counts[s] += 1
                step_limit += 1
                continue
            cur[c] = target
            if extra > 0.0:
                push(heap, (now + extra, seq, ARRIVE, c))
                seq += 1
                continue
        elif kind == NEW:
            cur[c] = entry[c]
            t_in[c] = now
            for d in range(k):
                if from_start[d]:
                    t_from[d][c] = now
            if c + 1 < n:
                push(heap, (arrivals[c + 1], 0, NEW, c + 1))
        # the case enters its current step now
        s = cur[c]
        visits[s] += 1
        if interview[s]:
            iv[c] += 1
        for d, is_from, is_to in hooks[s]:
            if is_from and t_from[d][c] != t_from[d][c]:  # nan: not passed yet
                t_from[d][c] = now
            if is_to and now - t_from[d][c] <= within[d]:
                met[d][c] = True
        if outcome[s]:
            outcome_counts[s] += 1
            times.append(now - t_in[c])
            continue
        if queued_step[s]:
            r = role[s]
            if not free[r]:
                enq[c] = now
                queue[r].append(c)
                continue
            free[r] -= 1
            services[r] += 1
            zero_waits[r] += 1
        fixed = dur_fixed[s]
        dur = fixed if fixed is not None else sample_one(dur_rows[s], nu())
        if serving[s]:
            r = role[s]
            busy[r] += dur
            if not queued_step[s]:
                services[r] += 1
                zero_waits[r] += 1
            elif now < window:
                busy_w[r] += dur if now + dur <= window else window - now
        push(heap, (now + dur, seq, DONE, c))
        seq += 1

    res.visits = np.array(visits, dtype=np.int64)
    res.outcome_counts = np.array(outcome_counts, dtype=np.int64)
    res.stuck_counts = np.array(stuck_counts, dtype=np.int64)
    res.step_limit = step_limit
    res.transition_counts = np.array(trans_counts, dtype=np.int64)
    res.declined = np.array(declined_counts, dtype=np.int64)
    res.times = np.frombuffer(times, dtype=np.float64).copy()
    res.interviews_hist = np.bincount(np.array(iv, dtype=np.int64)) if n else res.interviews_hist
    res.handoffs_hist = np.bincount(np.array(ho, dtype=np.int64)) if n else res.handoffs_hist
    for d in range(k):
        passed = ~np.isnan(np.array(t_from[d]))
        res.deadline_applicable[d] = int(passed.sum())
        res.deadline_missed[d] = int((passed & ~np.array(met[d], dtype=bool)).sum())
    res.role_busy = np.array(busy)
    res.role_busy_window = np.array(busy_w)
    res.window_hours = float(window)
    res.role_services = np.array(services, dtype=np.int64)
    res.role_zero_waits = np.array(zero_waits, dtype=np.int64)
    res.role_waits = [np.frombuffer(w, dtype=np.float64).copy() for w in waits]
    return res


def run_chunk(cp: Compiled, n: int, seed: np.random.SeedSequence) -> ChunkResult:
    """One chunk (no queues) or one replication (queues), from its own seed sequence."""
    rng = np.random.default_rng(seed)
    if cp.queued:
        return run_queues(cp, n, rng)
    return walk(cp, n, rng)
