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
ever handed to ``eval``, ``exec``, ``compile`` or ``ast``. This package re-exports the public
names of its modules, each built on the ones above it:

- :mod:`pathways.guards.tree`: the node classes, :class:`GuardError` and tree queries;
- :mod:`pathways.guards.syntax`: tokenizer, parser (:func:`parse_guard`) and formatter
  (:func:`format_guard`);
- :mod:`pathways.guards.typecheck`: :func:`check_guard` against the declared case fields;
- :mod:`pathways.guards.evaluate`: :func:`evaluate` on a case's data;
- :mod:`pathways.guards.analysis`: the exact analysis behind PW401-PW403 (:func:`find_case`,
  :func:`never_true`, :func:`uncovered_case`, :func:`overlap_case`).
- :mod:`pathways.guards.population`: the ``simulation.population`` entry to paste for a field
  the guards use (PW505's note and ``pathways simulate``'s refusal).
"""

from __future__ import annotations

from pathways.guards.analysis import find_case, never_true, overlap_case, uncovered_case
from pathways.guards.evaluate import OPERATORS, MissingFieldError, evaluate
from pathways.guards.syntax import MAX_GUARD_LENGTH, MAX_NESTING, format_guard, parse_guard
from pathways.guards.tree import (
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
from pathways.guards.typecheck import FieldLike, check_guard

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
