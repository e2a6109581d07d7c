"""Simulation: run many cases through a pathway and summarise the KPIs working groups ask for.

:func:`simulate` compiles the pathway into arrays once (:mod:`.compile`), cuts the cases into
fixed chunks seeded from ``SeedSequence(seed)``, runs each chunk with the vectorised walk
(:mod:`.walk`: no capacities) or the heapq event loop (:mod:`.queues`: capacities; each chunk
is one replication with its own Poisson arrivals), in this process, in worker processes or on
a Dask cluster (:mod:`.parallel`), and merges the chunks in order (:mod:`.results`); its JSON
is typed and read by :mod:`.contract`. :func:`analyze` gives the exact answers of the absorbing
Markov chain for pathways without queues or guards (:mod:`.exact`).
"""

from __future__ import annotations

import math
import operator
import re
import time
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any

from pathways._callable import make_callable
from pathways.errors import SimulationError
from pathways.model import Pathway
from pathways.simulate.contract import SimulationJSON, read_simulation_json

if TYPE_CHECKING:  # loaded on first use: the contract alone needs no numpy (renderers read it)
    from pathways.simulate.exact import Analysis, analyze
    from pathways.simulate.results import SimulationResult

__all__ = [
    "MAX_CASES",
    "Analysis",
    "SimulationJSON",
    "SimulationResult",
    "analyze",
    "read_simulation_json",
    "saturation_before_run",
    "simulate",
]

_LAZY = {
    "Analysis": "pathways.simulate.exact",
    "analyze": "pathways.simulate.exact",
    "SimulationResult": "pathways.simulate.results",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(module), name)


MAX_CASES = 1_000_000
"""The most cases one run simulates unless ``max_cases`` raises the ceiling (memory grows with
cases: about 250 bytes each)."""

_SCHEDULER = re.compile(r"(tcp|tls|inproc|ws|wss|ucx)://[A-Za-z0-9_.\-\[\]:]{1,255}")


def simulate(
    pathway: Pathway,
    *,
    cases: int = 10000,
    seed: int = 0,
    arrivals_per_day: float | None = None,
    workers: int = 1,
    scheduler: str | None = None,
    overrides: Iterable[str] | Mapping[str, Any] | None = None,
    progress: bool | Callable[[int, int], None] = False,
    scenario: str | None = None,
    max_cases: int = MAX_CASES,
    time_limit: float | None = None,
) -> SimulationResult:
    """Simulate ``cases`` cases through ``pathway`` and return their KPIs.

    Parameters
    ----------
    pathway : Pathway
        A loaded pathway.
    cases : int
        Number of cases (default 10,000).
    seed : int
        Seed of the run; the same seed gives the same result whatever ``workers``/``scheduler``.
    arrivals_per_day : float, optional
        Poisson arrival rate; overrides ``simulation.arrivals_per_day``. Needed (here or in the
        file) when any role has a capacity.
    workers : int
        Processes to run chunks in (1: this process).
    scheduler : str, optional
        Address of a Dask distributed scheduler, e.g. ``"tcp://10.0.0.5:8786"``.
    overrides : iterable of "PATH=VALUE", or mapping, optional
        What-if changes applied first (see :func:`pathways.simulate.overrides.apply_overrides`).
    progress : bool or callable
        True: a rich progress bar on stderr; a callable is called with (cases done, cases).
        Either moves every 1% of the cases or every second, whichever comes later, and at the
        end (the event loops report within a replication; see :mod:`.progress`).
    scenario : str, optional
        A scenario of the file's ``scenarios:`` block: its ``set:`` overrides are applied
        first, then ``overrides``.

    max_cases : int
        The ceiling on ``cases`` (default :data:`MAX_CASES`); raise it for a bigger run.
    time_limit : float, optional
        Seconds the run may take; checked as chunks finish (a SimulationError when over).

    Before running, cases that could never finish (a loop the population's cases never leave,
    or one expected to take more steps than the simulator's cap) are refused with a message
    naming the loop (:mod:`pathways.simulate.termination`).

    Returns
    -------
    SimulationResult
        Its ``to_dict()`` is the JSON of ``pathways simulate --format json``.

    Raises
    ------
    SimulationError
        Bad options or overrides, a guard field without a population, or capacities without an
        arrival rate.

    Examples
    --------
    >>> import pathways as pw
    >>> p = pw.load("pathways/kh/csa-in-person.yaml")
    >>> r = pw.simulate(p, cases=2000, seed=1)
    >>> r.cases, sum(o["count"] for o in r.outcomes.values()) + r.stuck
    (2000, 2000)
    """
    from pathways.simulate.compile import compile_pathway
    from pathways.simulate.overrides import apply_overrides
    from pathways.simulate.parallel import chunk_sizes, run_chunks
    from pathways.simulate.results import merge_chunks, summarize
    from pathways.simulate.tables import MAX_STEPS
    from pathways.simulate.termination import check_termination

    cases = _whole("cases", cases, 1)
    seed = _whole("seed", seed, 0)
    workers = _whole("workers", workers, 1)
    if scenario is not None:
        pathway = _with_scenario(pathway, scenario)
    if cases > _whole("max_cases", max_cases, 1):
        raise SimulationError(
            f"{cases:,} cases is over the ceiling of {max_cases:,}; raise it with "
            "max_cases= (--max-cases) if the machine has the memory (about 250 bytes a case)"
        )
    _check_options(arrivals_per_day, scheduler, time_limit)
    if overrides:
        pathway = apply_overrides(pathway, overrides)
    cp = compile_pathway(pathway, arrivals_per_day=arrivals_per_day)
    check_termination(cp, MAX_STEPS)
    sizes = chunk_sizes(cases, cp.queued)
    callback, finish = _progress(progress, cases)
    if time_limit is not None:
        callback = _budget(callback, time_limit)
    try:
        chunks = run_chunks(
            cp, sizes, seed, workers=workers, scheduler=scheduler, progress=callback
        )
    finally:
        finish()
    run = {
        "mode": "queues" if cp.queued else "independent",
        "chunks": len(sizes),
        "chunk_cases": sizes[0],
        "arrivals_per_day": cp.arrivals_per_day,
    }
    return summarize(cp, merge_chunks(chunks), seed=seed, run=run)


def saturation_before_run(
    pathway: Pathway,
    *,
    seed: int = 0,
    arrivals_per_day: float | None = None,
    overrides: Iterable[str] | Mapping[str, Any] | None = None,
) -> list[dict[str, Any]]:
    """Roles at or near saturation, estimated before a run from a pilot walk of 20,000 cases.

    Same entries as ``SimulationResult.saturation``; :func:`pathways.simulate.saturation.message`
    words one for a person. Empty when no role has a capacity.

    Raises
    ------
    SimulationError
        ``arrivals_per_day`` is out of range (as :func:`simulate` says), or an override does
        not apply.

    Examples
    --------
    >>> import pathways as pw
    >>> from pathways.simulate import saturation_before_run
    >>> p = pw.load("pathways/kh/csa-in-person.yaml")
    >>> found = saturation_before_run(p, arrivals_per_day=12, overrides=["roles.doctor.capacity=1"])
    >>> [(e["level"], e["stable_capacity"] > 1) for e in found if e["role"] == "doctor"]
    [('unstable', True)]
    """
    import numpy as np

    from pathways.simulate.compile import compile_pathway
    from pathways.simulate.overrides import apply_overrides
    from pathways.simulate.saturation import PILOT_CASES, saturation
    from pathways.simulate.tracks import has_tracks, run_tracks
    from pathways.simulate.walk import walk

    _check_options(arrivals_per_day, None, None)  # NaN or inf reached the pilot run's clocks
    if overrides:
        pathway = apply_overrides(pathway, overrides)
    cp = compile_pathway(pathway, arrivals_per_day=arrivals_per_day)
    if not cp.queued:
        return []
    rng = np.random.default_rng(np.random.SeedSequence([seed, 0x5A7]))
    # the walk follows one track; with tracks, busy hours add over tracks (SPEC 7.1)
    pilot = run_tracks(cp, PILOT_CASES // 10, rng) if has_tracks(cp) else walk(cp, PILOT_CASES, rng)
    per_case = (pilot.role_busy / max(pilot.cases, 1)).tolist()
    return saturation(cp, per_case, dict(zip(cp.role_ids, cp.role_labels, strict=False)))


def _with_scenario(pathway: Pathway, name: str) -> Pathway:
    """``pathway`` with the overrides of its scenario ``name`` (errors name the scenario)."""
    from pathways.simulate.overrides import apply_overrides, scenario_overrides

    changes = scenario_overrides(pathway, name)
    try:
        return apply_overrides(pathway, changes)
    except SimulationError as exc:
        raise SimulationError(f"scenario {name!r}: {exc}") from None


def _check_options(
    arrivals_per_day: float | None, scheduler: str | None, time_limit: float | None
) -> None:
    from pathways.model import MAX_ARRIVALS_PER_DAY, MIN_ARRIVALS_PER_DAY

    if arrivals_per_day is not None and not (
        isinstance(arrivals_per_day, int | float)
        and not isinstance(arrivals_per_day, bool)
        and MIN_ARRIVALS_PER_DAY <= arrivals_per_day <= MAX_ARRIVALS_PER_DAY
    ):
        raise SimulationError(
            f"arrivals per day must be a number from {MIN_ARRIVALS_PER_DAY:g} to "
            f"{MAX_ARRIVALS_PER_DAY:,.0f}, got {str(arrivals_per_day)[:40]}"
        )
    if scheduler is not None and not (
        isinstance(scheduler, str) and _SCHEDULER.fullmatch(scheduler)
    ):
        raise SimulationError(
            f"scheduler {str(scheduler)[:60]!r} is not an address; write tcp://host:port"
        )
    if time_limit is not None and not (
        isinstance(time_limit, int | float) and 0 < time_limit < math.inf
    ):
        raise SimulationError(
            f"time_limit must be a positive number of seconds, got {time_limit!r}"
        )


def _budget(callback: Callable[[int], None] | None, seconds: float) -> Callable[[int], None]:
    """``callback`` that also stops the run once it has taken more than ``seconds``."""
    started = time.monotonic()

    def call(n: int) -> None:
        if callback is not None:
            callback(n)
        if time.monotonic() - started > seconds:
            raise SimulationError(
                f"the run took more than its budget of {seconds:g} s; simulate fewer cases "
                "or raise the budget (--time-limit)"
            )

    return call


def _whole(name: str, value: object, least: int) -> int:
    """``value`` as an int (numpy integers too), or a SimulationError naming the option."""
    try:
        if isinstance(value, bool):
            raise TypeError
        number = operator.index(value)  # type: ignore[arg-type]
    except TypeError:
        number = least - 1
    if number < least:
        raise SimulationError(f"{name} must be a whole number of at least {least}, got {value!r}")
    return int(number)


def _progress(
    progress: bool | Callable[[int, int], None], total: int
) -> tuple[Callable[[int], None] | None, Callable[[], None]]:
    """The engines' progress callback (cases done since the last call) and a finisher: a
    rich bar (True) or the caller's ``progress(done, total)``, both through a
    :class:`~pathways.simulate.progress.Throttle` (every 1% or every second, whichever comes
    later, and at the end)."""
    from pathways.simulate.progress import Throttle, bar

    if progress is False:
        return None, lambda: None
    if callable(progress):
        report = progress
        return Throttle(lambda done: report(done, total), total), lambda: None
    show, stop = bar(total)
    return Throttle(show, total), stop


make_callable(__name__, simulate)  # `pathways.simulate` stays callable after submodule imports
