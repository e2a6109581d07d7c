"""The simulation engines' entry point and the vectorised walk for pathways without queues.

Without capacities, cases never meet, so :func:`walk` advances every case of a chunk by one step
per iteration with numpy: exits are drawn from per-step cumulative weights (one table row per
step and guard pattern, :func:`choice_table`), durations by inversion, guards evaluated once per
case as boolean masks. With capacities, :func:`run_chunk` hands the chunk, one replication with
its own Poisson arrivals, to the heapq event loop of :mod:`pathways.simulate.events`. Both
return a :class:`~pathways.simulate.results.ChunkResult`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from pathways.simulate.compile import Compiled
from pathways.simulate.masks import guard_matrix
from pathways.simulate.results import ChunkResult
from pathways.simulate.sampling import DurationTable, draw_entries, draw_fields

__all__ = ["MAX_STEPS", "ChoiceTable", "choice_table", "run_chunk", "walk"]

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
        role_wait_sum=np.zeros(roles),
        role_waits=[np.zeros(0, dtype=np.float32) for _ in range(roles)],
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
    reached = [np.zeros(n, dtype=bool) for _ in range(k)]  # entered `to` after `from`
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
                elapsed = t[hit] - t_from[d][sel]
                met[d][sel[elapsed <= cp.deadline_within[d]]] = True
                reached[d][sel[~np.isnan(elapsed)]] = True

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
        # A required deadline applies to every case that passed `from`; an optional one only
        # to the cases whose route reached its target (others took a branch it does not cover).
        applicable = ~np.isnan(t_from[d])
        if not cp.deadline_required[d]:
            applicable &= reached[d]
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


def run_chunk(cp: Compiled, n: int, seed: np.random.SeedSequence) -> ChunkResult:
    """One chunk (no queues) or one replication (queues), from its own seed sequence."""
    rng = np.random.default_rng(seed)
    if cp.queued:
        from pathways.simulate.events import run_queues

        return run_queues(cp, n, rng)
    return walk(cp, n, rng)
