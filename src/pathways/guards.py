"""The guard language of ``when:``, public face: parse (never eval), type-check, evaluate, analyse.

A guard is a small boolean expression over the case fields a pathway declares::

    guard      := or_expr END
    or_expr    := and_expr ("or" and_expr)*
    and_expr   := not_expr ("and" not_expr)*
    not_expr   := "not" not_expr | comparison
    comparison := operand [CMP operand | ["not"] "in" list]      CMP: == != < <= > >=
    operand    := NUMBER | STRING | "true" | "false" | NAME | "(" or_expr ")"
    list       := "[" [literal ("," literal)* [","]] "]"

Text is read by a hand-written tokenizer and a recursive-descent parser; nothing the user wrote is
ever handed to ``eval``, ``exec``, ``compile`` or ``ast``. This module evaluates guards
(:func:`evaluate`) and re-exports the rest, which lives in private modules beside it:

- :mod:`pathways._guard_tree`: the node classes, :class:`GuardError` and tree queries;
- :mod:`pathways._guard_syntax`: tokenizer, parser (:func:`parse_guard`) and formatter
  (:func:`format_guard`);
- :mod:`pathways._guard_types`: :func:`check_guard` against the declared case fields;
- :mod:`pathways._guard_analysis`: the exact analysis behind PW401-PW403 (:func:`find_case`,
  :func:`never_true`, :func:`uncovered_case`, :func:`overlap_case`), imported when first used.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from pathways._guard_syntax import MAX_GUARD_LENGTH, MAX_NESTING, format_guard, parse_guard
from pathways._guard_tree import (
    FLIPPED,
    And,
    Compare,
    Expr,
    GuardError,
    ListLit,
    Literal,
    LiteralValue,
    Membership,
    Name,
    Not,
    Or,
    constants,
    field_names,
    iter_nodes,
    split_comparison,
)
from pathways._guard_types import FieldLike, check_guard

__all__ = [
    "FLIPPED",
    "MAX_GUARD_LENGTH",
    "MAX_NESTING",
    "OPERATORS",
    "And",
    "Compare",
    "Expr",
    "FieldLike",
    "GuardError",
    "ListLit",
    "Literal",
    "LiteralValue",
    "Membership",
    "MissingFieldError",
    "Name",
    "Not",
    "Or",
    "check_guard",
    "constants",
    "evaluate",
    "field_names",
    "find_case",
    "format_guard",
    "iter_nodes",
    "never_true",
    "overlap_case",
    "parse_guard",
    "split_comparison",
    "uncovered_case",
]

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


# ---------------------------------------------------------------------------------- evaluate


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


# ---------------------------------------------------------------------------------- analysis


def find_case(predicate: Expr, fields: Mapping[str, FieldLike]) -> dict[str, object] | None:
    """A case satisfying the predicate over the declared field domains, or None if none exists.

    Exact (no sampling) for boolean, enum, integer and number fields, bounded or not. The case
    holds values only for the fields the predicate constrains; a field it mentions whose value
    does not matter for the returned case is omitted (any value of it satisfies).

    Raises
    ------
    GuardError
        The predicate does not pass :func:`check_guard` (the first error is raised).

    Examples
    --------
    >>> from types import SimpleNamespace as F
    >>> from pathways.guards import find_case, parse_guard
    >>> age = F(type="integer", min=0, max=17, values=None)
    >>> find_case(parse_guard("age > 3 and age != 4"), {"age": age})
    {'age': 5}
    >>> find_case(parse_guard("age > 17"), {"age": age}) is None
    True
    """
    from pathways._guard_analysis import find_case as _find_case

    return _find_case(predicate, fields)


def never_true(expr: Expr, fields: Mapping[str, FieldLike]) -> bool:
    """Whether no case allowed by the field domains satisfies the guard (PW401)."""
    return find_case(expr, fields) is None


def uncovered_case(
    exprs: Sequence[Expr], fields: Mapping[str, FieldLike]
) -> dict[str, object] | None:
    """A case where none of the guards holds (PW402), or None when they cover every case."""
    return find_case(Not(Or(tuple(exprs))), fields)


def overlap_case(a: Expr, b: Expr, fields: Mapping[str, FieldLike]) -> dict[str, object] | None:
    """A case where both guards hold (PW403), or None when they exclude each other."""
    return find_case(And((a, b)), fields)
