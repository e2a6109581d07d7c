"""Guards over whole arrays of cases: the vectorised twin of :func:`pathways.guards.evaluate`.

A guard's AST (from :func:`pathways.guards.parse_guard`, never ``eval``) is walked once per
chunk, and every node becomes a numpy boolean array over the chunk's cases. Fields with a finite
domain are compared through a lookup table built with Python's own operators on the domain
values, so the result is exactly what :func:`~pathways.guards.evaluate` gives case by case.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import numpy.typing as npt

from pathways.errors import SimulationError
from pathways.guards import (
    FLIPPED,
    OPERATORS,
    And,
    Compare,
    Expr,
    Literal,
    Membership,
    Name,
    Not,
    Or,
    format_guard,
)
from pathways.simulate.sampling import Column

__all__ = ["guard_mask", "guard_matrix"]

BoolArray = npt.NDArray[np.bool_]


def _column(name: Name, cols: Mapping[str, Column]) -> Column:
    try:
        return cols[name.name]
    except KeyError:
        raise SimulationError(f"the case has no value for field {name.name!r}") from None


def _table(domain: tuple[Any, ...], test: Callable[[Any], Any]) -> BoolArray:
    try:
        return np.array([bool(test(v)) for v in domain], dtype=bool)
    except TypeError as exc:
        raise SimulationError(f"guard cannot be evaluated: {exc}") from None


def _values(col: Column) -> npt.NDArray[Any]:
    if col.domain is None:
        return col.values
    values: npt.NDArray[Any] = np.array(col.domain, dtype=object)[col.values]
    return values


def _compare(op: str, col: Column, lit: Any, n: int) -> BoolArray:
    if col.domain is not None:
        fn = OPERATORS[op]
        looked_up: BoolArray = _table(col.domain, lambda v: fn(v, lit))[col.values]
        return looked_up
    if isinstance(lit, str):  # a number or boolean never equals a string
        if op in ("==", "!="):
            return np.full(n, op == "!=", dtype=bool)
        raise SimulationError(f"cannot order a number against {lit!r}")
    return np.asarray(OPERATORS[op](col.values, lit), dtype=bool)


def guard_mask(expr: Expr, cols: Mapping[str, Column], n: int) -> BoolArray:
    """Whether ``expr`` holds, for each of the ``n`` cases whose fields are ``cols``."""
    if isinstance(expr, Literal):
        return np.full(n, bool(expr.value), dtype=bool)
    if isinstance(expr, Name):
        col = _column(expr, cols)
        if col.domain is not None:
            truth: BoolArray = _table(col.domain, bool)[col.values]
            return truth
        return np.asarray(col.values, dtype=bool)
    if isinstance(expr, Compare):
        left, right, op = expr.left, expr.right, expr.op
        if isinstance(left, Literal) and isinstance(right, Literal):
            return np.full(n, bool(OPERATORS[op](left.value, right.value)), dtype=bool)
        if isinstance(left, Literal) and isinstance(right, Name):
            left, right, op = right, left, FLIPPED[op]
        if isinstance(left, Name) and isinstance(right, Literal):
            return _compare(op, _column(left, cols), right.value, n)
        assert isinstance(left, Name) and isinstance(right, Name)
        a, b = _values(_column(left, cols)), _values(_column(right, cols))
        try:
            return np.asarray(OPERATORS[op](a, b), dtype=bool)
        except TypeError as exc:
            raise SimulationError(f"guard {format_guard(expr)!r}: {exc}") from None
    if isinstance(expr, Membership):
        items = [item.value for item in expr.items.items]
        if isinstance(expr.left, Literal):
            value = expr.left.value
            return np.full(n, any(value == v for v in items) != expr.negated, dtype=bool)
        col = _column(expr.left, cols)
        if col.domain is not None:
            table = _table(col.domain, lambda v: any(v == i for i in items) != expr.negated)
            member: BoolArray = table[col.values]
            return member
        numeric = [v for v in items if not isinstance(v, str)]
        found = np.isin(col.values, numeric) if numeric else np.zeros(n, dtype=bool)
        return ~found if expr.negated else found
    if isinstance(expr, Not):
        return ~guard_mask(expr.operand, cols, n)
    if isinstance(expr, And):
        out = np.ones(n, dtype=bool)
        for operand in expr.operands:
            out &= guard_mask(operand, cols, n)
        return out
    if isinstance(expr, Or):
        out = np.zeros(n, dtype=bool)
        for operand in expr.operands:
            out |= guard_mask(operand, cols, n)
        return out
    raise TypeError(f"not a guard expression: {type(expr).__name__}")


def guard_matrix(guards: list[Expr], cols: Mapping[str, Column], n: int) -> BoolArray:
    """``(n, 1 + len(guards))`` booleans; column 0 is the always-true guard of unguarded exits."""
    out = np.ones((n, 1 + len(guards)), dtype=bool)
    for g, expr in enumerate(guards, start=1):
        out[:, g] = guard_mask(expr, cols, n)
    return out
