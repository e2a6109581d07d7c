"""Exact satisfiability of guards over the declared case-field domains (PW401-PW403, simulation).

The literals a predicate compares a field with cut that field's domain into finitely many
*classes* (single points and the gaps between them) on which every comparison in the predicate
is constant. The predicate then becomes a formula over finite-domain variables whose leaves say
"field is in this set of classes" (a bit mask). A small solver decides it exactly: it narrows
domains by the leaves of top-level conjunctions, splits conjunctions whose parts share no field
into independent problems, branches on one field at a time (classes that no leaf tells apart
count as one branch), and remembers sub-problems that failed.

Number fields are real-valued but a case carries Python floats: a gap between two constants
that holds no float (adjacent floats) is empty.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from pathways.guards.evaluate import evaluate
from pathways.guards.tree import (
    And,
    Compare,
    Expr,
    GuardError,
    Literal,
    Membership,
    Name,
    Not,
    Or,
    constants,
    field_names,
    split_comparison,
)
from pathways.guards.typecheck import FieldLike, check_guard

__all__ = ["find_case", "never_true", "overlap_case", "uncovered_case"]


# ---------------------------------------------------------------------------------- classes


def _integer_classes(spec: FieldLike, points_in: list[int | float]) -> list[object]:
    lo = None if spec.min is None else math.ceil(spec.min)
    hi = None if spec.max is None else math.floor(spec.max)
    if lo is not None and hi is not None and lo > hi:
        return []
    points = {p for p in (lo, hi) if p is not None}
    for c in points_in:
        points.update((math.floor(c), math.ceil(c)))
    pts = sorted(p for p in points if (lo is None or p >= lo) and (hi is None or p <= hi))
    if not pts:
        return [0]
    reps: list[object] = [pts[0] - 1] if lo is None else []
    for a, b in itertools.pairwise(pts):
        reps.append(a)
        if b - a >= 2:
            reps.append(a + 1)
    reps.append(pts[-1])
    if hi is None:
        reps.append(pts[-1] + 1)
    return reps


def _between(a: int | float, b: int | float) -> int | float | None:
    """A value strictly between a < b, preferring a whole number; None when no float fits."""
    n = math.floor(a) + 1
    if n < b:
        return n
    try:
        fa, fb = float(a), float(b)
    except OverflowError:
        return None
    for candidate in ((fa + fb) / 2, math.nextafter(fa, math.inf)):
        if a < candidate < b:
            return candidate
    return None


def _number_classes(spec: FieldLike, points_in: list[int | float]) -> list[object]:
    lo, hi = spec.min, spec.max
    if lo is not None and hi is not None and lo > hi:
        return []
    points = {p for p in (lo, hi) if p is not None}
    points.update(c for c in points_in if (lo is None or c >= lo) and (hi is None or c <= hi))
    pts = sorted(points)
    if not pts:
        return [0]
    reps: list[object] = [math.floor(pts[0]) - 1] if lo is None else []
    for a, b in itertools.pairwise(pts):
        reps.append(a)
        middle = _between(a, b)
        if middle is not None:
            reps.append(middle)
    reps.append(pts[-1])
    if hi is None:
        reps.append(math.ceil(pts[-1]) + 1)
    return reps


def _classes(spec: FieldLike, literals: tuple[object, ...]) -> list[object]:
    """One representative value per class of the field's domain."""
    if spec.type == "boolean":
        return [False, True]
    if spec.type == "enum":
        return list(dict.fromkeys(spec.values or ()))
    numbers = [v for v in literals if isinstance(v, int | float) and not isinstance(v, bool)]
    if spec.type == "integer":
        return _integer_classes(spec, numbers)
    return _number_classes(spec, numbers)


# ---------------------------------------------------------------------------------- formulas


@dataclass(frozen=True, slots=True)
class _Const:
    value: bool


@dataclass(frozen=True, slots=True)
class _Leaf:
    field: str
    mask: int  # bit i set: the field's class i satisfies the leaf


@dataclass(frozen=True, slots=True)
class _Junction:
    is_and: bool
    children: tuple[_Formula, ...]


_Formula = _Const | _Leaf | _Junction
_TRUE = _Const(True)
_FALSE = _Const(False)


def _mask(reps: list[object], test: Expr) -> int:
    """The classes (by representative) for which a one-field expression holds."""
    (name,) = field_names(test)
    mask = 0
    for i, rep in enumerate(reps):
        if evaluate(test, {name: rep}):
            mask |= 1 << i
    return mask


def _convert(expr: Expr, positive: bool, reps: Mapping[str, list[object]]) -> _Formula:
    """The formula for ``expr`` (or for its negation when not ``positive``)."""
    if isinstance(expr, Literal):
        return _TRUE if bool(expr.value) == positive else _FALSE
    if isinstance(expr, Name | Compare | Membership):
        if isinstance(expr, Compare) and split_comparison(expr) is None:
            raise GuardError("a comparison must set one field against one literal", expr.column)
        if isinstance(expr, Membership) and not isinstance(expr.left, Name):
            raise GuardError("the left of 'in' must be a field", expr.column)
        (name,) = field_names(expr)
        mask = _mask(reps[name], expr)
        full = (1 << len(reps[name])) - 1
        return _Leaf(name, mask if positive else full ^ mask)
    if isinstance(expr, Not):
        return _convert(expr.operand, not positive, reps)
    is_and = isinstance(expr, And) == positive
    return _Junction(is_and, tuple(_convert(o, positive, reps) for o in expr.operands))


def _simplify(formula: _Formula, domains: Mapping[str, int]) -> _Formula:
    """Fold leaves decided by the current domains, flatten and merge same-field leaves."""
    if isinstance(formula, _Const):
        return formula
    if isinstance(formula, _Leaf):
        domain = domains[formula.field]
        mask = formula.mask & domain
        if mask == domain:
            return _TRUE
        if mask == 0:
            return _FALSE
        return formula if mask == formula.mask else _Leaf(formula.field, mask)
    is_and = formula.is_and
    absorbing, identity = (_FALSE, _TRUE) if is_and else (_TRUE, _FALSE)
    children: list[_Formula] = []
    leaves: dict[str, int] = {}
    pending = list(reversed(formula.children))
    while pending:
        child = _simplify(pending.pop(), domains)
        if child == absorbing:
            return absorbing
        if child == identity:
            continue
        if isinstance(child, _Junction) and child.is_and == is_and:
            pending.extend(reversed(child.children))
        elif isinstance(child, _Leaf):
            previous = leaves.get(child.field)
            if previous is None:
                leaves[child.field] = child.mask
            else:
                leaves[child.field] = previous & child.mask if is_and else previous | child.mask
        else:
            children.append(child)
    for name, mask in leaves.items():
        domain = domains[name]
        if mask & domain == 0:
            if is_and:
                return _FALSE
            continue
        if mask & domain == domain:
            if not is_and:
                return _TRUE
            continue
        children.append(_Leaf(name, mask))
    if not children:
        return identity
    if len(children) == 1:
        return children[0]
    return _Junction(is_and, tuple(children))


def _fields(formula: _Formula) -> frozenset[str]:
    if isinstance(formula, _Leaf):
        return frozenset((formula.field,))
    if isinstance(formula, _Junction):
        return frozenset().union(*(_fields(child) for child in formula.children))
    return frozenset()


def _leaf_masks(formula: _Formula, name: str, out: set[int]) -> None:
    if isinstance(formula, _Leaf):
        if formula.field == name:
            out.add(formula.mask)
    elif isinstance(formula, _Junction):
        for child in formula.children:
            _leaf_masks(child, name, out)


def _leaf_counts(formula: _Formula, counts: dict[str, int]) -> None:
    if isinstance(formula, _Leaf):
        counts[formula.field] = counts.get(formula.field, 0) + 1
    elif isinstance(formula, _Junction):
        for child in formula.children:
            _leaf_counts(child, counts)


def _components(children: tuple[_Formula, ...]) -> list[list[_Formula]]:
    """Group conjuncts into parts that share no field with each other."""
    groups: list[tuple[set[str], list[_Formula]]] = []
    for child in children:
        names = set(_fields(child))
        merged: list[_Formula] = [child]
        keep: list[tuple[set[str], list[_Formula]]] = []
        for group_names, members in groups:
            if group_names & names:
                names |= group_names
                merged.extend(members)
            else:
                keep.append((group_names, members))
        groups = [*keep, (names, merged)]
    return [members for _, members in groups]


# ------------------------------------------------------------------------------------ solver


class _Solver:
    def __init__(self) -> None:
        self.failed: set[tuple[_Formula, tuple[int, ...]]] = set()

    def solve(self, formula: _Formula, domains: dict[str, int]) -> dict[str, int] | None:
        """Domains (narrowed) under which the formula always holds, or None if unsatisfiable."""
        domains = dict(domains)
        formula = _simplify(formula, domains)
        while True:  # propagate the leaves of a top-level conjunction into the domains
            if isinstance(formula, _Const):
                return domains if formula.value else None
            if isinstance(formula, _Leaf):
                domains[formula.field] = formula.mask
                return domains
            if not formula.is_and:
                break
            leaves = [c for c in formula.children if isinstance(c, _Leaf)]
            if not leaves:
                break
            for leaf in leaves:
                domains[leaf.field] &= leaf.mask
            formula = _simplify(formula, domains)
        names = sorted(_fields(formula))
        key = (formula, tuple(domains[name] for name in names))
        if key in self.failed:
            return None
        parts = _components(formula.children) if formula.is_and else []
        if len(parts) > 1:
            result = self._split(parts, domains)
        else:
            result = self._branch(formula, domains, names)
        if result is None:
            self.failed.add(key)
        return result

    def _split(self, parts: list[list[_Formula]], domains: dict[str, int]) -> dict[str, int] | None:
        """Solve the parts of a conjunction that share no field, one by one."""
        result = dict(domains)
        for part in parts:
            sub = part[0] if len(part) == 1 else _Junction(True, tuple(part))
            solved = self.solve(sub, domains)
            if solved is None:
                return None
            for name in _fields(sub):
                result[name] = solved[name]
        return result

    def _branch(
        self, formula: _Junction, domains: dict[str, int], names: list[str]
    ) -> dict[str, int] | None:
        counts: dict[str, int] = {}
        _leaf_counts(formula, counts)
        name = max(names, key=lambda n: (counts.get(n, 0), -domains[n].bit_count()))
        masks: set[int] = set()
        _leaf_masks(formula, name, masks)
        ordered = sorted(masks)
        groups: dict[tuple[int, ...], int] = {}
        domain, bit = domains[name], 0
        while domain >> bit:
            if domain >> bit & 1:
                signature = tuple(m >> bit & 1 for m in ordered)
                groups[signature] = groups.get(signature, 0) | 1 << bit
            bit += 1
        for group in groups.values():
            narrowed = dict(domains)
            narrowed[name] = group
            solved = self.solve(formula, narrowed)
            if solved is not None:
                return solved
        return None


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
    errors = check_guard(predicate, fields)
    if errors:
        raise errors[0]
    literals = constants(predicate)
    reps: dict[str, list[object]] = {}
    for name in sorted(field_names(predicate)):
        reps[name] = _classes(fields[name], literals.get(name, ()))
        if not reps[name]:
            return None  # the field's domain is empty: no case is allowed at all
    full = {name: (1 << len(values)) - 1 for name, values in reps.items()}
    formula = _convert(predicate, True, reps)
    solved = _Solver().solve(formula, full)
    if solved is None:
        return None
    case: dict[str, object] = {}
    for name, values in reps.items():
        mask = solved[name]
        if mask != full[name]:
            case[name] = values[(mask & -mask).bit_length() - 1]
    return case


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
