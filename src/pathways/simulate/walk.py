"""The vectorised walk: every case of a chunk advanced one step per iteration with numpy.

Without capacities, cases never meet, so :func:`walk` moves all of them at once: exits are drawn
from per-step cumulative weights (one row per step and guard pattern, :mod:`.tables`), durations
by inversion, guards evaluated once per case as boolean masks. Pathways with capacities run on
the event loop of :mod:`.queues` instead (which uses this walk as a pilot to size its pools).
Both return a :class:`~pathways.simulate.results.ChunkResult`.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from pathways.simulate.calendar import arrival_times, begin_all, finish_all
from pathways.simulate.compile import Compiled
from pathways.simulate.results import ChunkResult, empty_chunk
from pathways.simulate.sampling import DurationTable, draw_entries
from pathways.simulate.tables import MAX_STEPS, choice_table, guard_patterns

__all__ = ["walk"]

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]


def walk(cp: Compiled, n: int, rng: np.random.Generator, max_steps: int = MAX_STEPS) -> ChunkResult:
    """Simulate ``n`` independent cases (no capacities) with vectorised numpy steps."""
    res = empty_chunk(cp, n)
    s_count, width = cp.exit_target.shape
    e_count = max(cp.transition_count, 1)
    step = draw_entries(cp, n, rng)
    patterns, sig = guard_patterns(cp, n, rng)
    table = choice_table(cp, patterns)
    # the cumulative exit weights column by column (the last column is never needed, below)
    cum_cols = [np.ascontiguousarray(table.cum[:, c]) for c in range(width - 1)]
    durations = DurationTable(cp.dur_code, cp.dur_a, cp.dur_c, cp.dur_b)
    fixed_duration = durations.table[:, 1]  # max == the value when nothing is random
    delays = (
        DurationTable(cp.exit_delay_code.clip(0), cp.exit_delay_a, cp.exit_delay_c, cp.exit_delay_b)
        if cp.has_delay
        else durations  # never sampled without delays
    )
    has_delay = (cp.exit_delay_code >= 0).ravel()
    draw_exit = bool(cp.by_probability.any())
    target_flat = cp.exit_target.ravel()
    trans_flat = cp.exit_transition.ravel()
    handoff_flat = cp.exit_handoff.ravel()
    count_handoffs = bool(cp.exit_handoff.any() or cp.exit_reject_handoff.any())
    count_interviews = bool(cp.interview.any())
    is_outcome = cp.is_outcome
    can_stick = bool(table.stuck.any())  # some (pattern, step) row has no enabled exit
    k = len(cp.deadline_ids)
    t_from = [np.full(n, np.nan) for _ in range(k)]
    met = [np.zeros(n, dtype=bool) for _ in range(k)]
    reached = [np.zeros(n, dtype=bool) for _ in range(k)]  # entered `to` after `from`
    for d in range(k):
        if cp.deadline_from[d] == -1:
            t_from[d][:] = 0.0
    interviews = res.case_interviews  # counted in place (int32 zeros)
    handoffs = res.case_handoffs
    busy_by_step = np.zeros(s_count)
    stuck_counts = res.stuck_counts
    times: list[FloatArray] = []
    cid = np.arange(n)
    t = np.zeros(n)
    calendared = cp.calendared
    if calendared:  # SPEC 7.3: cases arrive at instants of the calendar week
        t = arrival_times(n, cp.arrivals_per_day, cp.arrival_profile, rng)
        for d in range(k):
            if cp.deadline_from[d] == -1:
                t_from[d][:] = t
    arrived = t.copy() if calendared else t  # read only with calendars

    def enter(step: IntArray, t: FloatArray, cid: IntArray) -> None:
        # visits are counted at the end, from the entries and the transitions taken
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
                begins = t[hit]
                if calendared:  # met when service begins: the role's next working instant
                    begins = begin_all(cp.timelines, cp.step_calendar[step[hit]], begins)
                elapsed = begins - t_from[d][sel]
                met[d][sel[elapsed <= cp.deadline_within[d]]] = True
                reached[d][sel[~np.isnan(elapsed)]] = True

    res.visits += np.bincount(step, minlength=s_count)
    enter(step, t, cid)
    iteration = 0
    while cid.size:
        done = is_outcome[step]
        if done.any():
            ended, at = cid[done], step[done]
            res.outcome_counts += np.bincount(at, minlength=s_count)
            spent = t[done] - arrived[ended] if calendared else t[done]
            times.append(spent)
            res.case_outcome[ended] = at
            res.case_time[ended] = spent
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
        if calendared:  # durations are working time of the role's calendar
            line = cp.step_calendar[step]
            t = finish_all(cp.timelines, line, begin_all(cp.timelines, line, t), d_service)
        else:
            t = t + d_service
        busy_by_step += np.bincount(step, weights=d_service, minlength=s_count)
        row = step if sig is None else sig[cid] * s_count + step
        stuck = table.stuck[row] if can_stick else None
        if stuck is not None and stuck.any():
            stuck_counts += np.bincount(step[stuck], minlength=s_count)
            keep = ~stuck
            step, t, cid, row = step[keep], t[keep], cid[keep], row[keep]
            m = cid.size
            if not m:
                break
        if draw_exit:
            r = rng.random(m)
            r *= table.total[row]
            # the exit is the number of cumulative weights at or below r, capped at the last
            # exit with weight. A row's weights never decrease (padding is inf), so the cases
            # past column c are among those past column c - 1: test column by column, each
            # column only on the cases still going (a few columns for most, however wide the
            # widest step). The last column counts only when every other does, and then the
            # cap gives the same exit. Four times faster than comparing (m, width) at once
            j = np.zeros(m, dtype=np.int64)
            going = np.flatnonzero(r >= cum_cols[0][row]) if cum_cols else cid[:0]
            for col in cum_cols[1:]:
                if not going.size:
                    break
                j[going] += 1
                going = going[r[going] >= col[row[going]]]
            j[going] += 1
            j = np.minimum(j, table.last[row])
        else:
            j = table.last[row]
        flat = step * width
        flat += j
        nxt = target_flat[flat]
        tr = trans_flat[flat]
        res.transition_counts += np.bincount(tr, minlength=e_count)[: cp.transition_count]
        moved = handoff_flat[flat] if count_handoffs else None
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
                if moved is not None:
                    moved = np.where(declined, cp.exit_reject_handoff.ravel()[flat], moved)
                lost = nxt < 0
                if lost.any():  # declined with nowhere to go: stuck at the referring step
                    stuck_counts += np.bincount(step[lost], minlength=s_count)
                    keep = ~lost
                    nxt, t, cid = nxt[keep], t[keep], cid[keep]
                    moved = None if moved is None else moved[keep]
        if moved is not None:
            hit = np.flatnonzero(moved)
            if hit.size:
                handoffs[cid[hit]] += 1
        step = nxt
        enter(step, t, cid)
        iteration += 1

    res.times = np.concatenate(times) if times else np.zeros(0)
    _count_visits(cp, res)
    res.interviews_hist = np.bincount(interviews) if n else res.interviews_hist
    if n:
        res.handoffs_hist = (
            np.bincount(handoffs) if count_handoffs else np.array([n], dtype=np.int64)
        )
    for d in range(k):
        # A required deadline applies to every case that passed `from`; an optional one only
        # to the cases whose route reached its target (others took a branch it does not cover).
        applicable = ~np.isnan(t_from[d])
        if not cp.deadline_required[d]:
            applicable &= reached[d]
        res.deadline_applicable[d] = int(applicable.sum())
        res.deadline_missed[d] = int((applicable & ~met[d]).sum())
        res.case_deadline[d] = np.where(applicable, np.where(met[d], 1, 2), 0)
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


def _count_visits(cp: Compiled, res: ChunkResult) -> None:
    """Add to ``res.visits`` (which holds the entries) the steps entered by moves: each
    transition taken enters its target, or when declined its ``on_reject`` step (a decline
    with none enters nothing). The same integers as counting every step entered as the walk
    goes, without a count per iteration."""
    if not cp.transition_count:
        return
    slot = cp.exit_transition.ravel()
    used = slot >= 0
    index = slot[used]
    target = np.zeros(cp.transition_count, dtype=np.int64)
    target[index] = cp.exit_target.ravel()[used]
    taken = res.transition_counts - res.declined
    s_count = res.visits.size
    entered = np.bincount(target, weights=taken, minlength=s_count)
    if res.declined.any():
        reject = np.full(cp.transition_count, -1, dtype=np.int64)
        reject[index] = cp.exit_reject.ravel()[used]
        ok = reject >= 0
        entered += np.bincount(reject[ok], weights=res.declined[ok], minlength=s_count)
    res.visits += np.rint(entered).astype(np.int64)
