"""Random draws for the simulation: case fields from ``simulation.population``, durations.

Durations are drawn by inverting their distribution function, one uniform number per draw, so
the vectorised walk and the event loop consume the random stream the same way and a fixed
duration costs no randomness beyond that uniform. Case fields are drawn once per case (they never
change while a case runs) and only for the fields some guard uses.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
import numpy.typing as npt

from pathways.errors import SimulationError
from pathways.guards.population import guard_constants, population_example
from pathways.simulate.compile import DUR_EXPONENTIAL, DUR_UNIFORM, Compiled

__all__ = ["Column", "DurationTable", "draw_entries", "draw_fields", "sample_one"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class Column:
    """The values of one case field for every case of a chunk.

    A field with a finite domain (enum, or drawn with ``choice`` without a declared type) is kept
    as integer ``codes`` into ``domain``; other fields as plain numeric or boolean ``values``.
    """

    values: npt.NDArray[Any]
    domain: tuple[Any, ...] | None = None


class DurationTable:
    """Durations (of steps, or of exit delays) as rows of parameters, sampled by inversion.

    Parameters are ``(code, a, c, b)``: triangular ``min, mode, max`` (a fixed duration has all
    three equal), uniform ``min, max`` or exponential mean ``a``.
    """

    def __init__(self, code: IntArray, a: FloatArray, c: FloatArray, b: FloatArray) -> None:
        code = np.asarray(code).ravel()
        a, c, b = (np.asarray(x, dtype=np.float64).ravel() for x in (a, c, b))
        span = b - a
        fc = np.divide(c - a, span, out=np.zeros_like(span), where=span > 0)
        uniform = code == DUR_UNIFORM
        expo = code == DUR_EXPONENTIAL
        # rows: a, b, fc, span*(c-a), span*(b-c); uniform rows use a + u*span via fc = 2
        k1 = span * (c - a)
        k2 = span * (b - c)
        fc = np.where(uniform, 2.0, fc)
        k1 = np.where(uniform, span, k1)
        self.table = np.stack([a, b, fc, k1, k2], axis=1)
        # the same parameters as contiguous columns: gathering five 1-D arrays by row is
        # twice as fast as gathering rows of the 2-D table
        self.a, self.b, self.fc, self.k1, self.k2 = (
            np.ascontiguousarray(self.table[:, i]) for i in range(5)
        )
        self.code = code
        self.has_uniform = bool(uniform.any())
        self.has_exponential = bool(expo.any())
        self.random = bool((span > 0).any()) or self.has_exponential

    @cached_property
    def rows(self) -> list[tuple[int, float, float, float, float, float]]:
        """The parameters ``(code, a, b, fc, k1, k2)`` of every row as Python numbers, for the
        event loops' scalar draws (:func:`sample_one`); built on first use (the vectorised walk
        never needs them)."""
        columns = (self.code, self.a, self.b, self.fc, self.k1, self.k2)
        return list(zip(*(c.tolist() for c in columns), strict=True))

    def sample(self, rows: IntArray, u: FloatArray) -> FloatArray:
        """Durations for ``rows`` given uniforms ``u`` in [0, 1) (same shape)."""
        a, fc, k1 = self.a[rows], self.fc[rows], self.k1[rows]
        lower = u < fc
        # one square root per draw: of u*k1 below the mode, of (1-u)*k2 above it (the same
        # operations on the same numbers as computing both and choosing, so the same values)
        root = np.where(lower, u * k1, (1.0 - u) * self.k2[rows])
        np.sqrt(root, out=root)  # in place: fewer temporaries, less memory traffic
        above = self.b[rows]
        above -= root
        root += a
        out = np.where(lower, root, above)
        if self.has_uniform:
            uni = fc == 2.0
            out = np.where(uni, a + u * k1, out)
        if self.has_exponential:
            idx = np.flatnonzero(self.code[rows] == DUR_EXPONENTIAL)
            if idx.size:
                out[idx] = -a[idx] * np.log1p(-u[idx])
        result: FloatArray = out
        return result

    def sample_row(self, row: int, u: FloatArray) -> FloatArray:
        """Durations of one row given uniforms ``u``: :meth:`sample` with ``rows`` all ``row``.

        The same operations on the same numbers, with the row's parameters as scalars, so the
        values are identical, bit for bit.
        """
        code, a, b, fc, k1, k2 = self.rows[row]
        out: FloatArray
        if code == DUR_EXPONENTIAL:
            out = -a * np.log1p(-u)
        elif fc == 2.0:
            out = a + u * k1
        else:
            out = np.where(u < fc, a + np.sqrt(u * k1), b - np.sqrt((1.0 - u) * k2))
        return out


def sample_one(row: tuple[int, float, float, float, float, float], u: float) -> float:
    """One duration from a :attr:`DurationTable.rows` entry (the event loop's scalar path)."""
    code, a, b, fc, k1, k2 = row
    if code == DUR_EXPONENTIAL:
        return -a * math.log1p(-u)
    if fc == 2.0:
        return a + u * k1
    if u < fc:
        return a + math.sqrt(u * k1)
    return b - math.sqrt((1.0 - u) * k2)


def draw_entries(cp: Compiled, n: int, rng: np.random.Generator) -> IntArray:
    """The entry step of each of ``n`` cases, by ``simulation.entries`` weights."""
    if cp.entry_steps.size == 1:
        return np.full(n, cp.entry_steps[0], dtype=np.int64)
    cum = np.cumsum(cp.entry_weights)
    pick = np.searchsorted(cum, rng.random(n) * cum[-1], side="right")
    entries: IntArray = cp.entry_steps[np.minimum(pick, cp.entry_steps.size - 1)]
    return entries


def _weights(name: str, arg: dict[Any, Any]) -> tuple[list[Any], FloatArray]:
    keys = list(arg)
    w = np.array([float(arg[k]) for k in keys])
    if w.sum() <= 0:
        raise SimulationError(f"population of {name!r}: choice weights add up to zero")
    return keys, np.cumsum(w / w.sum())


def _pick(cum: FloatArray, n: int, rng: np.random.Generator) -> IntArray:
    return np.minimum(np.searchsorted(cum, rng.random(n), side="right"), cum.size - 1)


def draw_fields(cp: Compiled, n: int, rng: np.random.Generator) -> dict[str, Column]:
    """Draw every field a guard uses, for ``n`` cases, in sorted field order.

    Raises
    ------
    SimulationError
        A guard uses a field that ``simulation.population`` does not say how to draw, or the
        distribution does not fit the field's type.
    """
    out: dict[str, Column] = {}
    for name in cp.guard_fields:
        spec = cp.population.get(name)
        if spec is None:
            example = population_example(
                name, cp.case_fields.get(name), guard_constants(cp.guards).get(name, ())
            )
            raise SimulationError(
                f"a guard uses case field {name!r}, but simulation.population does not say how "
                f"to draw it; add e.g. `population: {example}`"
            )
        ((kind, arg),) = spec.items()
        decl = cp.case_fields.get(name)
        ftype = decl.type if decl is not None else None
        enum_like = ftype == "enum" or (
            ftype is None and kind == "choice" and all(isinstance(k, str) for k in arg)
        )
        if enum_like:
            domain = tuple(decl.values) if decl is not None and decl.values else tuple(arg)
            if kind == "choice":
                keys, cum = _weights(name, arg)
                bad = [k for k in keys if k not in domain]
                if bad:
                    raise SimulationError(
                        f"population of {name!r}: {bad[0]!r} is not a value of the field; "
                        "values: " + ", ".join(repr(v) for v in domain)
                    )
                code_of = np.array([domain.index(k) for k in keys], dtype=np.int64)
                out[name] = Column(code_of[_pick(cum, n, rng)], domain)
            elif kind == "fixed" and arg in domain:
                out[name] = Column(np.full(n, domain.index(arg), dtype=np.int64), domain)
            else:
                raise SimulationError(
                    f"population of {name!r}: an enum field is drawn with `choice` or `fixed` "
                    "(one of its values)"
                )
            continue
        if kind == "uniform":
            lo, hi = arg
            if ftype == "integer" or (
                ftype is None and isinstance(lo, int) and isinstance(hi, int)
            ):
                low, high = math.ceil(lo), math.floor(hi)
                if low > high:
                    raise SimulationError(f"population of {name!r}: no integer in {arg}")
                out[name] = Column(rng.integers(low, high, size=n, endpoint=True))
            else:
                out[name] = Column(rng.uniform(float(lo), float(hi), size=n))
        elif kind == "bernoulli":
            out[name] = Column(rng.random(n) < float(arg))
        elif kind == "choice":
            keys, cum = _weights(name, arg)
            if any(isinstance(k, str) for k in keys):
                raise SimulationError(
                    f"population of {name!r}: text choices do not fit a {ftype} field"
                )
            out[name] = Column(np.array(keys)[_pick(cum, n, rng)])
        else:  # fixed
            if isinstance(arg, str) or arg is None:
                raise SimulationError(
                    f"population of {name!r}: fixed value {arg!r} does not fit a {ftype} field"
                )
            out[name] = Column(np.full(n, arg))
    return out
