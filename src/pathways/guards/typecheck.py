"""Type-checking a parsed guard against the pathway's declared case fields (PW005).

:func:`check_guard` is re-exported by :mod:`pathways.guards`; the loader reports its errors as
PW005 findings, and the exact analysis (:mod:`pathways.guards.analysis`) refuses guards it rejects.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Protocol

from pathways.guards.syntax import format_literal
from pathways.guards.tree import (
    And,
    Compare,
    Expr,
    GuardError,
    Literal,
    LiteralValue,
    Membership,
    Name,
    Not,
    Or,
    iter_nodes,
    split_comparison,
)

__all__ = ["FieldLike", "check_guard"]

ORDERING_OPS = frozenset({"<", "<=", ">", ">="})


class FieldLike(Protocol):
    """What the guard module needs to know about a case field (``case_fields`` entry)."""

    @property
    def type(self) -> str:
        """One of ``"integer"``, ``"number"``, ``"boolean"``, ``"enum"``."""

    @property
    def min(self) -> int | float | None:
        """Inclusive lower bound of an integer or number field; None when unbounded."""

    @property
    def max(self) -> int | float | None:
        """Inclusive upper bound of an integer or number field; None when unbounded."""

    @property
    def values(self) -> Sequence[str] | None:
        """The values of an enum field."""


# ------------------------------------------------------------------------------- type check


def _describe(value: LiteralValue) -> str:
    if isinstance(value, bool):
        return "the boolean " + format_literal(value)
    if isinstance(value, str):
        return "the string " + format_literal(value)
    return "the number " + format_literal(value)


def _check_literal(
    name: str, spec: FieldLike, op: str, literal: Literal, op_column: int
) -> GuardError | None:
    """Whether ``name op literal`` suits the field; ``op`` is ``in`` for list items."""
    value, kind = literal.value, spec.type
    is_number = isinstance(value, int | float) and not isinstance(value, bool)
    if kind in ("integer", "number"):
        if not is_number:
            return GuardError(
                f"field {name!r} is {'an integer' if kind == 'integer' else 'a number'}, "
                f"so compare it with a number, not {_describe(value)}",
                literal.column,
            )
        if isinstance(value, float) and not math.isfinite(value):
            return GuardError(f"field {name!r} cannot be compared with {value!r}", literal.column)
        if kind == "integer" and isinstance(value, float) and op not in ORDERING_OPS:
            return GuardError(
                f"field {name!r} is an integer, so test equality and 'in' with whole numbers "
                f"such as {math.floor(value)}, not the decimal {format_literal(value)}",
                literal.column,
            )
        return None
    if kind == "boolean":
        if op not in ("==", "!="):
            return GuardError(
                f"field {name!r} is a boolean; use it alone, or with == or != and true or false",
                op_column,
            )
        if not isinstance(value, bool):
            return GuardError(
                f"field {name!r} is a boolean, so compare it with true or false, "
                f"not {_describe(value)}",
                literal.column,
            )
        return None
    if kind == "enum":
        allowed = ", ".join(format_literal(v) for v in spec.values or ())
        if op in ORDERING_OPS:
            return GuardError(
                f"field {name!r} is an enum, which has no order; use ==, !=, in or not in "
                f"with its values {allowed}",
                op_column,
            )
        if not isinstance(value, str):
            return GuardError(
                f"field {name!r} is an enum, so compare it with one of its values {allowed}, "
                f"not {_describe(value)}",
                literal.column,
            )
        if value not in (spec.values or ()):
            return GuardError(
                f"{format_literal(value)} is not a value of field {name!r}; "
                f"allowed values: {allowed}",
                literal.column,
            )
        return None
    return GuardError(f"field {name!r} has the unsupported type {kind!r}", literal.column)


def _check_name(name: Name, fields: Mapping[str, FieldLike]) -> FieldLike | GuardError:
    spec = fields.get(name.name)
    if spec is None:
        known = ", ".join(sorted(fields)) or "(none declared)"
        return GuardError(f"unknown field {name.name!r}; the case fields are: {known}", name.column)
    return spec


def _check_condition(node: Expr, fields: Mapping[str, FieldLike], errors: list[GuardError]) -> None:
    """Type-check a node that stands where a true/false condition is expected."""
    if isinstance(node, Literal):
        if not isinstance(node.value, bool):
            errors.append(
                GuardError(
                    f"{_describe(node.value)} is not a condition; a literal standing alone must "
                    "be true or false",
                    node.column,
                )
            )
    elif isinstance(node, Name):
        spec = _check_name(node, fields)
        if isinstance(spec, GuardError):
            errors.append(spec)
        elif spec.type != "boolean":
            errors.append(
                GuardError(
                    f"field {node.name!r} is {spec.type}, not boolean, so it cannot stand alone "
                    f"as a condition; compare it, for example {node.name} == ...",
                    node.column,
                )
            )
    elif isinstance(node, Compare):
        _check_compare(node, fields, errors)
    elif isinstance(node, Membership):
        _check_membership(node, fields, errors)
    elif isinstance(node, Not):
        _check_condition(node.operand, fields, errors)
    elif isinstance(node, And | Or):
        for operand in node.operands:
            _check_condition(operand, fields, errors)
    else:
        errors.append(GuardError(f"{type(node).__name__} is not a condition", node.column))


def _check_compare(
    node: Compare, fields: Mapping[str, FieldLike], errors: list[GuardError]
) -> None:
    split = split_comparison(node)
    if split is None:
        if isinstance(node.left, Name) and isinstance(node.right, Name):
            for side in (node.left, node.right):
                spec = _check_name(side, fields)
                if isinstance(spec, GuardError):
                    errors.append(spec)
            errors.append(
                GuardError(
                    f"{node.left.name!r} {node.op} {node.right.name!r} compares two fields; "
                    "compare a field with a literal",
                    node.op_column,
                )
            )
        else:
            errors.append(
                GuardError(
                    "this comparison has no field on either side; compare a field with a literal",
                    node.column,
                )
            )
        return
    name, op, literal = split
    spec = _check_name(name, fields)
    if isinstance(spec, GuardError):
        errors.append(spec)
        return
    error = _check_literal(name.name, spec, op, literal, node.op_column)
    if error is not None:
        errors.append(error)


def _check_membership(
    node: Membership, fields: Mapping[str, FieldLike], errors: list[GuardError]
) -> None:
    if not isinstance(node.left, Name):
        errors.append(
            GuardError(
                "the left of 'in' is a literal; put a field there, for example risk in ['high']",
                node.column,
            )
        )
        return
    spec = _check_name(node.left, fields)
    if isinstance(spec, GuardError):
        errors.append(spec)
        return
    if spec.type == "boolean":
        errors.append(
            GuardError(
                f"field {node.left.name!r} is a boolean; use it alone, or with == or != and true "
                "or false, instead of 'in'",
                node.op_column,
            )
        )
        return
    for item in node.items.items:
        error = _check_literal(node.left.name, spec, "in", item, node.op_column)
        if error is not None:
            errors.append(error)


def check_guard(expr: Expr, fields: Mapping[str, FieldLike]) -> list[GuardError]:
    """Type-check an expression against the declared case fields (PW005).

    Rules: a field must be declared; integer and number fields compare with numbers (an integer
    field takes a decimal only with ``< <= > >=``, since ``age == 2.5`` could never hold); boolean
    fields stand alone or take ``==``/``!=`` with ``true``/``false``; enum fields take ``==``,
    ``!=``, ``in``, ``not in`` with strings among their values; enums and booleans have no order;
    a name or literal standing alone as a condition must be boolean; each comparison sets one
    field against one literal, in either order.

    Parameters
    ----------
    expr : Expr
        A parsed guard.
    fields : Mapping[str, FieldLike]
        The pathway's ``case_fields``.

    Returns
    -------
    list[GuardError]
        Every problem found, ordered by column; empty when the guard is well typed.

    Examples
    --------
    >>> from types import SimpleNamespace as F
    >>> from pathways.guards import check_guard, parse_guard
    >>> risk = F(type="enum", min=None, max=None, values=("low", "high"))
    >>> [(e.column, e.message) for e in check_guard(parse_guard("risk == 'mid'"), {"risk": risk})]
    [(9, "'mid' is not a value of field 'risk'; allowed values: 'low', 'high'")]
    """
    errors: list[GuardError] = []
    _check_condition(expr, fields, errors)
    _check_range(expr, errors)
    errors.sort(key=lambda error: error.column)
    return errors


MAX_CONSTANT = 1e15
"""The largest magnitude of a number in a guard (``pathways.model.MAX_NUMBER``)."""


def _check_range(expr: Expr, errors: list[GuardError]) -> None:
    """Every number literal is within +-MAX_CONSTANT, the range of case values."""
    for node in iter_nodes(expr):
        if not isinstance(node, Literal) or isinstance(node.value, bool | str):
            continue
        value = node.value
        if abs(value) > MAX_CONSTANT or value != value:  # abs() of a huge int stays exact
            text = repr(value)
            shown = text if len(text) <= 20 else text[:17] + "..."
            errors.append(
                GuardError(
                    f"the number {shown} is beyond +-1e15, the range of case values", node.column
                )
            )
