"""Exact answers for pathways without queues or guards: the absorbing Markov chain.

With no capacities, cases do not interact; with no guards, every exit is taken with a fixed
probability. The pathway is then an absorbing Markov chain over its steps: outcome steps absorb,
and so do steps where a case gets stuck. With ``Q`` the moves between non-outcome steps and
``N = (I - Q)^-1`` the fundamental matrix, ``N R`` gives the outcome probabilities, ``pi N`` the
expected visits per step (``pi``: the entry weights) and ``N m`` expected times. A declined
referral is one more edge (to ``on_reject``) with the decline probability. Simulation results
are tested against these numbers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from pathways.errors import SimulationError
from pathways.model import Pathway
from pathways.simulate.compile import DUR_EXPONENTIAL, DUR_UNIFORM, Compiled, compile_pathway

__all__ = ["Analysis", "analyze", "expected_duration"]

FloatArray = npt.NDArray[np.float64]


def expected_duration(code: Any, a: Any, c: Any, b: Any) -> Any:
    """Mean of durations given as compiled ``(code, min, mode, max)`` (arrays or scalars)."""
    code = np.asarray(code)
    return np.where(
        code == DUR_EXPONENTIAL,
        a,
        np.where(code == DUR_UNIFORM, (np.asarray(a) + b) / 2.0, (np.asarray(a) + c + b) / 3.0),
    )


@dataclass(frozen=True)
class Analysis:
    """Exact expectations of a pathway's simulation (see :func:`analyze`).

    Attributes
    ----------
    outcomes : dict
        Outcome step id -> probability that a case ends there.
    stuck : float
        Probability that a case gets stuck (a step with no exit, or a declined referral with no
        ``on_reject``).
    visits : dict
        Step id -> expected number of times a case enters it.
    time_to_outcome_hours : float or None
        Expected time from start to outcome, for the cases that reach one.
    interviews_mean : float
        Expected number of ``interview`` steps a case enters.
    """

    pathway: str
    outcomes: dict[str, float]
    stuck: float
    visits: dict[str, float]
    time_to_outcome_hours: float | None
    interviews_mean: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "pathway": self.pathway,
            "outcomes": dict(self.outcomes),
            "stuck": self.stuck,
            "visits": dict(self.visits),
            "time_to_outcome_hours": self.time_to_outcome_hours,
            "interviews_mean": self.interviews_mean,
        }


def _branches(cp: Compiled) -> tuple[FloatArray, FloatArray]:
    """Move probabilities ``P`` (S x S) and ``delay_w`` (S x S: probability times expected delay
    of every branch into each target). Mass missing from a row of ``P`` ends stuck.
    """
    s_count = len(cp.step_ids)
    p_move = np.zeros((s_count, s_count))
    delay_w = np.zeros((s_count, s_count))
    mean_delay = np.where(
        cp.exit_delay_code >= 0,
        expected_duration(cp.exit_delay_code, cp.exit_delay_a, cp.exit_delay_c, cp.exit_delay_b),
        0.0,
    )
    for s in range(s_count):
        degree = int(cp.degree[s])
        if cp.is_outcome[s]:
            continue
        if degree == 0:
            continue
        weights = cp.exit_weight[s, :degree]
        if not cp.by_probability[s] or weights.sum() <= 0:
            probs = np.zeros(degree)
            probs[0] = 1.0  # no probabilities: the first exit (file order) is taken
        else:
            probs = weights / weights.sum()
        for j in range(int(cp.degree[s])):
            p = float(probs[j])
            if p <= 0:
                continue
            q = float(cp.exit_decline[s, j])
            tgt, rej = int(cp.exit_target[s, j]), int(cp.exit_reject[s, j])
            p_move[s, tgt] += p * (1 - q)
            delay_w[s, tgt] += p * (1 - q) * mean_delay[s, j]
            if q > 0 and rej >= 0:
                p_move[s, rej] += p * q
                delay_w[s, rej] += p * q * mean_delay[s, j]
    return p_move, delay_w


def analyze(pathway: Pathway) -> Analysis:
    """Exact outcome probabilities, expected visits and time for a pathway without queues or guards.

    Parameters
    ----------
    pathway : Pathway
        A pathway whose roles have no capacity and whose transitions have no ``when`` guard.

    Returns
    -------
    Analysis

    Raises
    ------
    SimulationError
        The pathway has a guard or a capacity, or a loop that cases can never leave.

    Examples
    --------
    >>> import pathways as pw
    >>> p = pw.loads('''
    ... format: pathways/1
    ... id: tiny
    ... agencies: [{id: a, name: A, sector: social}]
    ... roles: [{id: r, agency: a, title: R}]
    ... steps:
    ...   - {id: start, kind: entry, role: r, duration: 2h}
    ...   - {id: yes, kind: outcome}
    ...   - {id: no, kind: outcome}
    ... transitions:
    ...   - {from: start, to: yes, probability: 0.25}
    ...   - {from: start, to: no, probability: 0.75}
    ... ''')
    >>> a = pw.analyze(p)
    >>> a.outcomes, a.time_to_outcome_hours
    ({'yes': 0.25, 'no': 0.75}, 2.0)
    """
    guarded = [i for i, t in enumerate(pathway.transitions) if t.when]
    if guarded:
        raise SimulationError(
            f"analyze needs a pathway without guards; transition {guarded[0]} has "
            f"`when: {pathway.transitions[guarded[0]].when}` (use simulate instead)"
        )
    gateways = [s.id for s in pathway.steps if s.kind in ("fork", "join")]
    if gateways:
        raise SimulationError(
            f"analyze needs a pathway without parallel tracks; {gateways[0]!r} is a "
            f"{pathway.steps_by_id[gateways[0]].kind} (a case is then in several steps at once, "
            "not one chain: use simulate instead)"
        )
    limited = [r.id for r in pathway.roles if r.capacity]
    if limited:
        raise SimulationError(
            f"analyze needs a pathway without capacities; role {limited[0]!r} has one "
            "(queues make cases interact: use simulate instead)"
        )
    cp = compile_pathway(pathway)
    s_count = len(cp.step_ids)
    p_move, delay_w = _branches(cp)
    trans = np.flatnonzero(~cp.is_outcome)
    outs = np.flatnonzero(cp.is_outcome)
    start = np.zeros(s_count)
    np.add.at(start, cp.entry_steps, cp.entry_weights)
    q = p_move[np.ix_(trans, trans)]
    r = p_move[np.ix_(trans, outs)]
    eye = np.eye(trans.size)
    fundamental = eye - q
    if trans.size:
        # a loop cases cannot leave makes I - Q singular (or nearly so)
        if np.linalg.cond(fundamental) > 1e12:
            raise SimulationError(
                "analyze: some loop of steps can never be left, so cases circle for ever"
            )
        visits_t = np.linalg.solve(fundamental.T, start[trans])
        absorb = np.linalg.solve(fundamental, r)  # (T, O)
    else:
        visits_t = np.zeros(0)
        absorb = np.zeros((0, outs.size))
    outcome_p = np.clip(start[outs] + start[trans] @ absorb, 0.0, 1.0)
    visits = np.zeros(s_count)
    visits[trans] = visits_t
    visits[outs] = outcome_p
    # h: probability of reaching an outcome; tau: E[time * 1{outcome}] (time in hours)
    h = np.ones(s_count)
    h[trans] = absorb.sum(axis=1) if trans.size else 0.0
    service = expected_duration(cp.dur_code, cp.dur_a, cp.dur_c, cp.dur_b)
    rhs = service[trans] * h[trans] + (delay_w[trans] * h[None, :]).sum(axis=1)
    tau = np.zeros(s_count)
    if trans.size:
        tau[trans] = np.linalg.solve(fundamental, rhs)
    reach = float(start @ h)
    time = float(start @ tau / reach) if reach > 0 else None
    return Analysis(
        pathway=pathway.id,
        outcomes={cp.step_ids[s]: float(outcome_p[k]) for k, s in enumerate(outs)},
        stuck=float(max(0.0, 1.0 - outcome_p.sum())),
        visits={cp.step_ids[s]: float(visits[s]) for s in range(s_count)},
        time_to_outcome_hours=time,
        interviews_mean=float(visits[cp.interview].sum()),
    )
