"""The guard expression tree: its node classes, :class:`GuardError`, and queries over a parsed tree.

Everything else in the guard language builds on these: :mod:`pathways.guards.syntax` produces and
writes trees, :mod:`pathways.guards.typecheck` checks them against ``case_fields``,
:mod:`pathways.guards.evaluate` evaluates them; :mod:`pathways.guards` re-exports every public name.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TypeAlias

__all__ = [
    "COMPARISON_OPS",
    "FLIPPED",
    "And",
    "Compare",
    "Expr",
    "GuardError",
    "ListLit",
    "Literal",
    "LiteralValue",
    "Membership",
    "Name",
    "Not",
    "Or",
    "constants",
    "field_names",
    "iter_nodes",
    "split_comparison",
]

COMPARISON_OPS = ("==", "!=", "<", "<=", ">", ">=")
FLIPPED = {"==": "==", "!=": "!=", "<": ">", "<=": ">=", ">": "<", ">=": "<="}

LiteralValue: TypeAlias = bool | int | float | str


class GuardError(ValueError):
    """A guard does not parse, does not type-check, or cannot be evaluated on the given data.

    Attributes
    ----------
    message : str
        One sentence saying what is wrong and what is allowed.
    column : int
        1-based offset in the guard text of the offending token (0 when unknown).
    """

    def __init__(self, message: str, column: int = 0) -> None:
        super().__init__(message, column)
        self.message = message
        self.column = column

    def __str__(self) -> str:
        return self.message


# --------------------------------------------------------------------------------------- AST


@dataclass(frozen=True, slots=True, eq=False)
class Literal:
    """A number, string, ``true`` or ``false``; equal only to a literal of the same type."""

    value: LiteralValue
    column: int = field(default=0, compare=False)

    def __eq__(self, other: object) -> bool:
        # Python says True == 1 == 1.0; a guard's `true`, `1` and `1.0` are different literals.
        if not isinstance(other, Literal):
            return NotImplemented
        return type(self.value) is type(other.value) and self.value == other.value

    def __hash__(self) -> int:
        return hash((type(self.value).__name__, self.value))


@dataclass(frozen=True, slots=True)
class Name:
    """A case-field name."""

    name: str
    column: int = field(default=0, compare=False)


@dataclass(frozen=True, slots=True)
class ListLit:
    """A list of literals, the right-hand side of ``in`` / ``not in``."""

    items: tuple[Literal, ...]
    column: int = field(default=0, compare=False)


@dataclass(frozen=True, slots=True)
class Compare:
    """``left op right`` with ``op`` one of ``== != < <= > >=``."""

    op: str
    left: Name | Literal
    right: Name | Literal
    column: int = field(default=0, compare=False)
    op_column: int = field(default=0, compare=False)

    def __post_init__(self) -> None:
        if self.op not in COMPARISON_OPS:
            raise ValueError(f"unknown comparison operator {self.op!r}")


@dataclass(frozen=True, slots=True)
class Membership:
    """``left in [..]``, or ``left not in [..]`` when ``negated``."""

    left: Name | Literal
    items: ListLit
    negated: bool = False
    column: int = field(default=0, compare=False)
    op_column: int = field(default=0, compare=False)


@dataclass(frozen=True, slots=True)
class And:
    """All operands hold (an empty ``And`` is true)."""

    operands: tuple[Expr, ...]
    column: int = field(default=0, compare=False)


@dataclass(frozen=True, slots=True)
class Or:
    """At least one operand holds (an empty ``Or`` is false)."""

    operands: tuple[Expr, ...]
    column: int = field(default=0, compare=False)


@dataclass(frozen=True, slots=True)
class Not:
    """The operand does not hold."""

    operand: Expr
    column: int = field(default=0, compare=False)


Expr: TypeAlias = Literal | Name | Compare | Membership | And | Or | Not
"""Any guard expression node (a :class:`ListLit` only appears inside :class:`Membership`)."""


# ------------------------------------------------------------------------------------ queries


def iter_nodes(expr: Expr) -> Iterator[Expr | ListLit]:
    """Yield every node of the tree, parents before children, left to right."""
    stack: list[Expr | ListLit] = [expr]
    while stack:
        node = stack.pop()
        yield node
        if isinstance(node, Compare):
            stack.extend((node.right, node.left))
        elif isinstance(node, Membership):
            stack.extend((node.items, node.left))
        elif isinstance(node, ListLit):
            stack.extend(reversed(node.items))
        elif isinstance(node, And | Or):
            stack.extend(reversed(node.operands))
        elif isinstance(node, Not):
            stack.append(node.operand)


def field_names(expr: Expr) -> frozenset[str]:
    """The case fields an expression mentions."""
    return frozenset(node.name for node in iter_nodes(expr) if isinstance(node, Name))


def constants(expr: Expr) -> dict[str, tuple[LiteralValue, ...]]:
    """For each field, the distinct literal values it is compared with, in order of appearance.

    Examples
    --------
    >>> from pathways.guards import constants, parse_guard
    >>> constants(parse_guard("age < 12 or 5 >= age or risk in ['low', 'high']"))
    {'age': (12, 5), 'risk': ('low', 'high')}
    """
    found: dict[str, dict[Literal, None]] = {}
    for node in iter_nodes(expr):
        if isinstance(node, Compare):
            sides = (node.left, node.right)
            names = [s for s in sides if isinstance(s, Name)]
            literals = [s for s in sides if isinstance(s, Literal)]
            if len(names) == 1 and len(literals) == 1:
                found.setdefault(names[0].name, {})[literals[0]] = None
        elif isinstance(node, Membership) and isinstance(node.left, Name):
            bucket = found.setdefault(node.left.name, {})
            for item in node.items.items:
                bucket[item] = None
    return {name: tuple(lit.value for lit in lits) for name, lits in found.items()}


def split_comparison(node: Compare) -> tuple[Name, str, Literal] | None:
    """``name op literal`` for a field-literal comparison in either order, else None."""
    if isinstance(node.left, Name) and isinstance(node.right, Literal):
        return node.left, node.op, node.right
    if isinstance(node.left, Literal) and isinstance(node.right, Name):
        return node.right, FLIPPED[node.op], node.left
    return None
