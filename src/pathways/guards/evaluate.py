"""Evaluating a parsed guard on a case's data; the comparison table the simulator shares."""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping
from typing import Any

from pathways.guards.tree import And, Compare, Expr, GuardError, Literal, Membership, Name, Not, Or

__all__ = ["OPERATORS", "MissingFieldError", "evaluate"]

OPERATORS: dict[str, Callable[[Any, Any], Any]] = {
    # what each comparison does; the simulator applies the same table to numpy arrays
    "==": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}


class MissingFieldError(GuardError, KeyError):
    """Raised by :func:`evaluate` when the case data has no value for a field the guard uses."""


def _value(node: Name | Literal, data: Mapping[str, object]) -> object:
    if isinstance(node, Literal):
        return node.value
    try:
        return data[node.name]
    except KeyError:
        raise MissingFieldError(
            f"the case has no value for field {node.name!r}", node.column
        ) from None


def evaluate(expr: Expr, data: Mapping[str, object]) -> bool:
    """Whether the guard holds for a case's data (already checked against ``case_fields``).

    Raises
    ------
    MissingFieldError
        A field the guard needs has no value in ``data`` (a ``KeyError`` and a ``GuardError``).
    GuardError
        Two values cannot be ordered (the guard or the data was not type-checked).

    Examples
    --------
    >>> from pathways.guards import evaluate, parse_guard
    >>> evaluate(parse_guard("age < 12 and not online"), {"age": 9, "online": False})
    True
    """
    if isinstance(expr, Literal):
        return bool(expr.value)
    if isinstance(expr, Name):
        return bool(_value(expr, data))
    if isinstance(expr, Compare):
        left, right = _value(expr.left, data), _value(expr.right, data)
        try:
            return bool(OPERATORS[expr.op](left, right))
        except TypeError:
            raise GuardError(
                f"cannot compare {left!r} {expr.op} {right!r}", expr.op_column
            ) from None
    if isinstance(expr, Membership):
        value = _value(expr.left, data)
        found = any(value == item.value for item in expr.items.items)
        return found != expr.negated
    if isinstance(expr, Not):
        return not evaluate(expr.operand, data)
    if isinstance(expr, And):
        return all(evaluate(operand, data) for operand in expr.operands)
    if isinstance(expr, Or):
        return any(evaluate(operand, data) for operand in expr.operands)
    raise TypeError(f"not a guard expression: {type(expr).__name__}")
