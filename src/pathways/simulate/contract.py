"""The JSON of ``pathways simulate --format json`` as typed dicts, and its one reader.

:meth:`pathways.simulate.SimulationResult.to_dict` returns a :class:`SimulationJSON`; whoever
reads simulation JSON from elsewhere (a file given to ``pathways render --simulation``, a dict
passed to :func:`pathways.render`) calls :func:`read_simulation_json` once, where it is read,
and then indexes the typed dict without guessing. ``format`` names this contract's version;
JSON written before it had the key (0.1.0) is read as version 1. ``ci95`` beside a KPI's
values maps each of them to its 95% confidence interval ``[lo, hi]`` (null where a run is too
small). Keys may be added within a version (readers ignore keys they do not know); a key is
never removed or changed in meaning.

This module imports nothing heavy, so renderers can use it without loading numpy.
"""

import math
import types
import typing
from collections.abc import Mapping
from typing import Any, NotRequired, TypedDict, Union

from pathways.errors import SimulationError

__all__ = [
    "FORMAT",
    "DeadlineJSON",
    "InterviewsJSON",
    "OutcomeJSON",
    "RoleJSON",
    "RunJSON",
    "SaturationJSON",
    "SimulationJSON",
    "StepJSON",
    "TimeToOutcomeJSON",
    "TransitionJSON",
    "read_simulation_json",
]

FORMAT = "pathways-simulation/1"
"""The value of ``format`` in simulation JSON written by this version."""


class OutcomeJSON(TypedDict):
    count: int
    share: float
    ci95: NotRequired[dict[str, list[float] | None]]


class TimeToOutcomeJSON(TypedDict):
    mean: float | None
    p50: float | None
    p90: float | None
    p99: float | None
    histogram: NotRequired[dict[str, list[float]]]  # added by the report, not by simulate
    ci95: NotRequired[dict[str, list[float] | None]]


class InterviewsJSON(TypedDict):
    mean: float
    max: int
    share_over_limit: float
    ci95: NotRequired[dict[str, list[float] | None]]


class DeadlineJSON(TypedDict):
    applicable: int
    missed: int
    share_missed: float
    ci95: NotRequired[dict[str, list[float] | None]]


class RoleJSON(TypedDict):
    utilization: float
    wait_hours_mean: float
    wait_hours_p90: float
    capacity: NotRequired[int | None]
    busy_hours_per_case: NotRequired[float]
    offered_load: NotRequired[float | None]
    ci95: NotRequired[dict[str, list[float] | None]]


class StepJSON(TypedDict):
    visits: int
    visits_per_case: NotRequired[float]


class TransitionJSON(TypedDict):
    index: int
    count: int
    declined: int


class RunJSON(TypedDict):
    mode: str
    chunks: int
    chunk_cases: int
    arrivals_per_day: float | None


class HandoffsJSON(TypedDict):
    mean: float
    max: int
    ci95: NotRequired[dict[str, list[float] | None]]


class SaturationJSON(TypedDict):
    role: str
    label: str
    offered_load: float
    capacity: int
    load: float
    level: str
    stable_capacity: int
    capacity_below_90: int
    work_share: NotRequired[float]


class SimulationJSON(TypedDict):
    """SPEC section 5's object (required keys) and the documented additions (not required)."""

    format: NotRequired[str]
    pathway: str
    cases: int
    seed: int
    outcomes: dict[str, OutcomeJSON]
    stuck: int
    time_to_outcome_hours: TimeToOutcomeJSON
    interviews: InterviewsJSON
    deadlines: dict[str, DeadlineJSON]
    roles: dict[str, RoleJSON]
    steps: dict[str, StepJSON]
    stuck_steps: NotRequired[dict[str, int]]
    step_limit: NotRequired[int]
    handoffs: NotRequired[HandoffsJSON]
    transitions: NotRequired[list[TransitionJSON]]
    run: NotRequired[RunJSON]
    saturation: NotRequired[list[SaturationJSON]]


def read_simulation_json(data: object, *, source: str = "simulation") -> SimulationJSON:
    """Check that ``data`` is simulation JSON of a version this library reads, and type it.

    ``data`` is the parsed JSON object, or anything with a ``to_dict()`` that returns one (a
    :class:`~pathways.simulate.SimulationResult`). Keys this version does not know are kept.

    Raises
    ------
    SimulationError
        One line naming ``source``, the key path and what was expected.

    Examples
    --------
    >>> read_simulation_json({"format": "pathways-simulation/9"}, source="sim.json")
    Traceback (most recent call last):
    ...
    pathways.errors.SimulationError: sim.json: format 'pathways-simulation/9' is not one this \
version reads (pathways-simulation/1); re-run `pathways simulate --format json`
    """
    to_dict = getattr(data, "to_dict", None)
    if callable(to_dict):
        data = to_dict()
    if not isinstance(data, Mapping):
        raise SimulationError(
            f"{source}: not a JSON object; pass the output of `pathways simulate --format json`"
        )
    fmt = data.get("format", FORMAT)
    if fmt != FORMAT:
        raise SimulationError(
            f"{source}: format {fmt!r} is not one this version reads ({FORMAT}); "
            "re-run `pathways simulate --format json`"
        )
    _check(data, SimulationJSON, source, "")
    return typing.cast(SimulationJSON, dict(data))


def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls, include_extras=False)


def _describe(tp: Any) -> str:
    if tp is type(None):
        return "null"
    if isinstance(tp, type) and typing.is_typeddict(tp):
        return "an object"
    origin = typing.get_origin(tp)
    if origin in (Union, types.UnionType):
        return " or ".join(_describe(a) for a in typing.get_args(tp))
    names = {int: "a whole number", float: "a number", str: "a string", dict: "an object"}
    return names.get(origin or tp, "a list" if origin is list else str(tp))


def _check(value: Any, tp: Any, source: str, path: str) -> None:
    """Raise a SimulationError unless ``value`` fits the type ``tp`` (JSON's view of it)."""
    where = path or "the top level"
    origin = typing.get_origin(tp)
    if origin in (Union, types.UnionType):
        for option in typing.get_args(tp):
            try:
                _check(value, option, source, path)
            except SimulationError:
                continue
            return
        raise SimulationError(f"{source}: {where}: expected {_describe(tp)}, got {value!r:.40}")
    ok: bool
    if tp is type(None):
        ok = value is None
    elif tp is int:
        ok = isinstance(value, int) and not isinstance(value, bool)
    elif tp is float:
        ok = isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
    elif tp is str:
        ok = isinstance(value, str)
    elif isinstance(tp, type) and typing.is_typeddict(tp):
        if not isinstance(value, Mapping):
            raise SimulationError(f"{source}: {where}: expected an object, got {value!r:.40}")
        hints = _hints(tp)
        for key in sorted(getattr(tp, "__required_keys__", ())):
            if key not in value:
                raise SimulationError(f"{source}: {where}: the key {key!r} is missing")
        for key, sub in hints.items():
            if key in value:
                _check(value[key], sub, source, f"{path}.{key}" if path else key)
        return
    elif origin is dict:
        if not isinstance(value, Mapping):
            raise SimulationError(f"{source}: {where}: expected an object, got {value!r:.40}")
        _, sub = typing.get_args(tp)
        for key, item in value.items():
            _check(item, sub, source, f"{path}.{key}" if path else str(key))
        return
    elif origin is list:
        if not isinstance(value, list):
            raise SimulationError(f"{source}: {where}: expected a list, got {value!r:.40}")
        (sub,) = typing.get_args(tp)
        for i, item in enumerate(value):
            _check(item, sub, source, f"{path}[{i}]")
        return
    else:  # pragma: no cover - a type this module does not use
        raise TypeError(tp)
    if not ok:
        raise SimulationError(f"{source}: {where}: expected {_describe(tp)}, got {value!r:.40}")
