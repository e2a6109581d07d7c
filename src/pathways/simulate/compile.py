"""Compile a pathway once into the flat arrays the simulation engines run on.

Every engine (the vectorised walk, the event loop, the exact chain) reads a :class:`Compiled`:
step kinds, roles and capacities, duration parameters, and for every step its exits padded to
the largest out-degree (targets, weights, guard numbers, delays, declines). Nothing here runs
per case; the pathway model is not touched again once compiled.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from pathways.calendars import DEFAULT_START, Timeline, timeline
from pathways.errors import SimulationError
from pathways.guards import Expr, GuardError, field_names, parse_guard
from pathways.model import Duration, Pathway, label_text

__all__ = ["DUR_EXPONENTIAL", "DUR_TRIANGULAR", "DUR_UNIFORM", "Compiled", "compile_pathway"]

DUR_TRIANGULAR = 0
"""Duration code for triangular (a fixed duration is a triangular with min = mode = max)."""
DUR_UNIFORM = 1
DUR_EXPONENTIAL = 2

WITHIN_SLACK = 1e-6
"""Hours (3.6 ms) added to a deadline's limit in the engines' comparisons: clock times are sums
of floats (arrival + durations + delays), so a case whose service begins exactly at the limit
can be a few ulps over it (of a 7 h window, 0.8% of such cases in the queue loop and 18% with
calendars were counted missed); no deadline of a pathway is meant to the millisecond."""

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


def duration_params(d: Duration | None) -> tuple[int, float, float, float]:
    """``(code, a, c, b)``: kind code, min, mode, max (an exponential's mean is in ``a``).

    A missing duration is a fixed zero.
    """
    if d is None:
        return DUR_TRIANGULAR, 0.0, 0.0, 0.0
    if d.kind == "exponential":
        return DUR_EXPONENTIAL, float(d.mean or 0.0), 0.0, 0.0
    if d.kind == "uniform":
        return DUR_UNIFORM, float(d.min), 0.0, float(d.max)
    if d.kind == "fixed":
        return DUR_TRIANGULAR, float(d.max), float(d.max), float(d.max)
    mode = float(d.mode if d.mode is not None else d.min)
    return DUR_TRIANGULAR, float(d.min), mode, float(d.max)


def _moves(a: str | None, b: str | None) -> bool:
    """A hand-off between agencies: both steps have an agency and they differ."""
    return a is not None and b is not None and a != b


def exit_weights(probabilities: list[float | None]) -> tuple[bool, list[float]]:
    """Whether a step chooses its exit by probability, and the weight of each exit.

    When no exit of a step has a probability, the first exit whose guard holds is taken (file
    order). When some have one, exits without a probability share what the others leave
    (``1 - sum``, never below zero) equally.
    """
    if all(p is None for p in probabilities):
        return False, [1.0] * len(probabilities)
    given = sum(p for p in probabilities if p is not None)
    missing = sum(1 for p in probabilities if p is None)
    rest = max(0.0, 1.0 - given) / missing if missing else 0.0
    return True, [rest if p is None else float(p) for p in probabilities]


@dataclass
class Compiled:
    """A pathway as arrays (``S`` steps, exits padded to ``D`` per step, ``E`` transitions).

    Exit ``j`` of step ``s`` is transition ``exit_transition[s, j]`` (``-1`` for padding).
    Guard ``0`` is "always true"; guard ``g > 0`` is ``guards[g - 1]``.
    """

    pathway_id: str
    step_ids: list[str]
    role_ids: list[str]
    transition_count: int
    is_outcome: BoolArray
    is_wait: BoolArray
    step_role: IntArray  # -1: no role
    capacity: IntArray  # per role; 0: unlimited
    dur_code: IntArray
    dur_a: FloatArray
    dur_c: FloatArray
    dur_b: FloatArray
    degree: IntArray
    by_probability: BoolArray
    exit_target: IntArray  # (S, D)
    exit_weight: FloatArray  # (S, D), 0 on padding
    exit_guard: IntArray  # (S, D)
    exit_transition: IntArray  # (S, D)
    exit_decline: FloatArray  # (S, D) decline probability
    exit_reject: IntArray  # (S, D) on_reject step, -1: none (a decline leaves the case stuck)
    exit_delay_code: IntArray  # (S, D) duration code of the delay, -1: no delay
    exit_delay_a: FloatArray
    exit_delay_c: FloatArray
    exit_delay_b: FloatArray
    exit_handoff: BoolArray  # (S, D): the target's agency differs from the source's
    exit_reject_handoff: BoolArray  # (S, D): the on_reject step's agency differs
    has_delay: bool
    has_decline: bool
    guards: list[Expr]
    guard_texts: list[str]
    guard_fields: list[str]  # fields the guards use, sorted
    entry_steps: IntArray
    entry_weights: FloatArray  # normalised
    interview: BoolArray
    max_interviews: int
    deadline_ids: list[str]
    deadline_from: list[int]  # step index, -1: the entry step the case started at, -2: unknown
    deadline_to: list[BoolArray]
    deadline_within: list[float]  # the limit plus WITHIN_SLACK
    deadline_required: list[bool]  # required: a case that never reaches `to` missed it
    arrivals_per_day: float | None
    population: dict[str, dict[str, Any]]
    case_fields: dict[str, Any]
    step_agency: list[str | None] = field(default_factory=list)
    step_labels: list[str] = field(default_factory=list)  # first locale, for text output
    role_labels: list[str] = field(default_factory=list)
    # working calendars (SPEC 7.3): per step the timeline of its role's calendar, -1: always
    step_calendar: IntArray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    timelines: list[Timeline] = field(default_factory=list)
    role_work_share: FloatArray = field(default_factory=lambda: np.zeros(0))
    arrival_profile: FloatArray | None = None  # 24 weights by hour of day, or None

    @property
    def calendared(self) -> bool:
        """Whether some step's role works to a calendar other than always."""
        return bool((self.step_calendar >= 0).any())

    step_kind: list[str] = field(default_factory=list)  # fork and join: see :mod:`.tracks`

    @property
    def queued(self) -> bool:
        """Whether any role has a capacity (cases then interact through queues)."""
        return bool((self.capacity > 0).any())

    @property
    def has_guards(self) -> bool:
        return bool(self.guards)


def compile_pathway(pathway: Pathway, *, arrivals_per_day: float | None = None) -> Compiled:
    """Compile ``pathway`` for simulation.

    Parameters
    ----------
    pathway : Pathway
        A loaded pathway.
    arrivals_per_day : float, optional
        Overrides ``simulation.arrivals_per_day``.

    Raises
    ------
    SimulationError
        Entry weights name unknown steps, a guard does not parse, or arrivals are missing while a
        role has a capacity.
    """
    steps = pathway.steps
    ids = [s.id for s in steps]
    index = pathway.step_index
    n = len(steps)
    role_ids = [r.id for r in pathway.roles]
    role_index = {r: i for i, r in enumerate(role_ids)}
    capacity = np.array([r.capacity or 0 for r in pathway.roles], dtype=np.int64)
    step_role = np.array([role_index.get(s.role or "", -1) for s in steps], dtype=np.int64)
    agency = [pathway.agency_of(s.id) for s in steps]

    params = [duration_params(s.duration) for s in steps]
    exits: list[list[int]] = [[] for _ in range(n)]
    for i, t in enumerate(pathway.transitions):
        if t.source in index and t.to in index:
            exits[index[t.source]].append(i)
    width = max([len(e) for e in exits] + [1])

    guard_texts: list[str] = []
    guards: list[Expr] = []
    guard_no: dict[str, int] = {}
    fields: set[str] = set()
    shape = (n, width)
    target = np.zeros(shape, dtype=np.int64)
    weight = np.zeros(shape)
    guard = np.zeros(shape, dtype=np.int64)
    trans = np.full(shape, -1, dtype=np.int64)
    decline = np.zeros(shape)
    reject = np.full(shape, -1, dtype=np.int64)
    handoff = np.zeros(shape, dtype=bool)
    reject_handoff = np.zeros(shape, dtype=bool)
    by_probability = np.zeros(n, dtype=bool)
    delay_code = np.full(shape, -1, dtype=np.int64)
    delay_a = np.zeros(shape)
    delay_c = np.zeros(shape)
    delay_b = np.zeros(shape)
    for s in range(n):
        out = [pathway.transitions[i] for i in exits[s]]
        by_probability[s], weights = exit_weights([t.probability for t in out])
        for j, (i, t) in enumerate(zip(exits[s], out, strict=True)):
            target[s, j] = index[t.to]
            weight[s, j] = weights[j]
            trans[s, j] = i
            handoff[s, j] = _moves(agency[s], agency[index[t.to]])
            if t.when:
                if t.when not in guard_no:
                    try:
                        expr = parse_guard(t.when)
                    except GuardError as exc:
                        raise SimulationError(
                            f"transition {i} ({t.source!r} -> {t.to!r}): guard {t.when!r} "
                            f"does not parse: {exc}"
                        ) from None
                    guards.append(expr)
                    guard_texts.append(t.when)
                    guard_no[t.when] = len(guards)
                    fields |= field_names(expr)
                guard[s, j] = guard_no[t.when]
            if t.kind == "referral" and t.decline_probability:
                decline[s, j] = t.decline_probability
                if t.on_reject in index:
                    reject[s, j] = index[t.on_reject]
                    reject_handoff[s, j] = _moves(agency[s], agency[index[t.on_reject]])
            if t.delay is not None:
                code, a, c, b = duration_params(t.delay)
                delay_code[s, j], delay_a[s, j], delay_c[s, j], delay_b[s, j] = code, a, c, b

    sim = pathway.simulation
    entry_ids = pathway.entry_steps()
    if sim is not None and sim.entries:
        unknown = [k for k in sim.entries if k not in index]
        if unknown:
            raise SimulationError(
                f"simulation.entries names unknown step {unknown[0]!r}; steps are: "
                + ", ".join(ids)
            )
        pairs = [(index[k], float(w)) for k, w in sim.entries.items()]
    else:
        pairs = [(index[k], 1.0) for k in entry_ids]
    if not pairs:
        raise SimulationError(f"pathway {pathway.id!r} has no entry step to start cases at")
    total = sum(w for _, w in pairs)
    if total <= 0:
        raise SimulationError("simulation.entries weights add up to zero")

    deadline_from: list[int] = []
    deadline_to: list[BoolArray] = []
    for d in pathway.deadlines:
        deadline_from.append(-1 if d.source is None else index.get(d.source, -2))
        mask = np.zeros(n, dtype=bool)
        for sid in pathway.deadline_targets(d):
            mask[index[sid]] = True
        deadline_to.append(mask)

    rate = (
        arrivals_per_day
        if arrivals_per_day is not None
        else (sim.arrivals_per_day if sim else None)
    )
    if rate is not None and rate <= 0:
        raise SimulationError(f"arrivals per day must be above zero, got {rate:g}")
    locales = tuple(pathway.locales)
    compiled = Compiled(
        pathway_id=pathway.id,
        step_ids=ids,
        role_ids=role_ids,
        transition_count=len(pathway.transitions),
        is_outcome=np.array([s.kind == "outcome" for s in steps], dtype=bool),
        is_wait=np.array([s.kind == "wait" for s in steps], dtype=bool),
        step_role=step_role,
        capacity=capacity,
        dur_code=np.array([p[0] for p in params], dtype=np.int64),
        dur_a=np.array([p[1] for p in params]),
        dur_c=np.array([p[2] for p in params]),
        dur_b=np.array([p[3] for p in params]),
        degree=np.array([len(e) for e in exits], dtype=np.int64),
        by_probability=by_probability,
        exit_target=target,
        exit_weight=weight,
        exit_guard=guard,
        exit_transition=trans,
        exit_decline=decline,
        exit_reject=reject,
        exit_delay_code=delay_code,
        exit_delay_a=delay_a,
        exit_delay_c=delay_c,
        exit_delay_b=delay_b,
        exit_handoff=handoff,
        exit_reject_handoff=reject_handoff,
        has_delay=bool((delay_code >= 0).any()),
        has_decline=bool((decline > 0).any()),
        guards=guards,
        guard_texts=guard_texts,
        guard_fields=sorted(fields),
        entry_steps=np.array([s for s, _ in pairs], dtype=np.int64),
        entry_weights=np.array([w / total for _, w in pairs]),
        interview=np.array(["interview" in s.tags for s in steps], dtype=bool),
        max_interviews=pathway.policies.max_interviews,
        deadline_ids=[d.id for d in pathway.deadlines],
        deadline_from=deadline_from,
        deadline_to=deadline_to,
        deadline_within=[float(d.within) + WITHIN_SLACK for d in pathway.deadlines],
        deadline_required=[d.required for d in pathway.deadlines],
        arrivals_per_day=rate,
        population=dict(sim.population) if sim is not None else {},
        case_fields=dict(pathway.case_fields),
        step_agency=agency,
        step_labels=[label_text(st.label, None, locales) or st.id for st in steps],
        role_labels=[label_text(r.title, None, locales) or r.id for r in pathway.roles],
        step_kind=[s.kind for s in steps],
    )
    _calendars(pathway, compiled, step_role)
    if compiled.queued and rate is None:
        role = role_ids[int(np.flatnonzero(capacity > 0)[0])]
        raise SimulationError(
            f"role {role!r} has a capacity, so cases queue and need an arrival rate: set "
            "simulation.arrivals_per_day in the file or pass --arrivals-per-day"
        )
    return compiled


def _calendars(pathway: Pathway, cp: Compiled, step_role: IntArray) -> None:
    """Fill in the calendar fields: one timeline per calendar some role works to, unless it is
    every day, all day, without holidays (then times stay as they are)."""
    sim = pathway.simulation
    start = (sim.start if sim is not None else None) or DEFAULT_START
    zones = [c.timezone for c in pathway.calendars.values()]
    origin = zones[0] if zones else "UTC"
    lines: dict[str, int] = {}
    timelines: list[Timeline] = []
    role_line: list[int] = []
    share: list[float] = []
    for role in pathway.roles:
        cal = pathway.calendars.get(role.calendar or "")
        if cal is None:
            role_line.append(-1)
            share.append(1.0)
            continue
        line = timeline(cal.timezone, cal.days, cal.hours, cal.holidays, start, origin)
        share.append(line.work_share)
        if line.always:
            role_line.append(-1)
            continue
        name = role.calendar or ""
        if name not in lines:
            lines[name] = len(timelines)
            timelines.append(line)
        role_line.append(lines[name])
    per_role = np.array([*role_line, -1], dtype=np.int64)
    cp.step_calendar = per_role[step_role]  # step_role -1 picks the trailing -1
    cp.timelines = timelines
    cp.role_work_share = np.array(share)
    profile = sim.arrival_profile if sim is not None else None
    cp.arrival_profile = None if profile is None else np.array(profile, dtype=np.float64)
