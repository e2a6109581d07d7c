"""Tests for the guard language: parsing, formatting, type checks, evaluation and exact analysis."""

from __future__ import annotations

import itertools
import operator
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import pathways.guards
from pathways.guards import (
    And,
    Compare,
    Expr,
    GuardError,
    ListLit,
    Literal,
    Membership,
    MissingFieldError,
    Name,
    Not,
    Or,
    check_guard,
    constants,
    evaluate,
    field_names,
    find_case,
    format_guard,
    never_true,
    overlap_case,
    parse_guard,
    uncovered_case,
)
from tests.hyp import examples

SETTINGS = settings(
    max_examples=examples(150), deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


@dataclass(frozen=True)
class Field:
    """A stand-in for the model's case field: just what the guard module reads."""

    type: str
    min: int | float | None = None
    max: int | float | None = None
    values: tuple[str, ...] | None = None


# Bounded domains, small enough to enumerate (the integer bounds are floats, as the model has them).
BOUNDED = {
    "i": Field("integer", 0.0, 6.0),
    "j": Field("integer", 0, 6),
    "e": Field("enum", values=("lo", "mid", "hi")),
    "b": Field("boolean"),
}
BOUNDED_GRID = {"i": range(7), "j": range(7), "e": ("lo", "mid", "hi"), "b": (False, True)}

# Unbounded domains: constants stay in [-4, 4] (quarters), so these grids hit every class.
UNBOUNDED = {"n": Field("integer"), "y": Field("number"), "x": Field("number", -2, 2)}
UNBOUNDED_GRID: dict[str, Sequence[object]] = {
    "n": range(-10, 11),
    "y": [k / 8 for k in range(-40, 41)],
    "x": [k / 8 for k in range(-16, 17)],
}

ALL_FIELDS = {**BOUNDED, **UNBOUNDED}


# ------------------------------------------------------------------------------- strategies

names = st.sampled_from(["a", "b", "age", "risk", "online", "x_1", "_z", "notable", "andy"])
literal_values = st.one_of(
    st.booleans(),
    st.integers(min_value=-(10**6), max_value=10**6),
    st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False),
    st.floats(min_value=-1e-3, max_value=1e-3, allow_nan=False, allow_infinity=False),
    st.text(max_size=8),
)
literals = literal_values.map(Literal)
operands = st.one_of(names.map(Name), literals)
ops = st.sampled_from(["==", "!=", "<", "<=", ">", ">="])


def _compound(children: st.SearchStrategy[Expr]) -> st.SearchStrategy[Expr]:
    many = st.lists(children, min_size=2, max_size=3).map(tuple)
    return st.one_of(children.map(Not), many.map(And), many.map(Or))


any_atoms = st.one_of(
    operands,
    st.builds(Compare, ops, operands, operands),
    st.builds(
        Membership, operands, st.lists(literals, max_size=3).map(tuple).map(ListLit), st.booleans()
    ),
)
any_exprs = st.recursive(any_atoms, _compound, max_leaves=10)


def _typed_atoms(fields: Mapping[str, Field]) -> st.SearchStrategy[Expr]:
    """Well-typed atoms over the given fields (constants near the interesting range)."""
    options: list[st.SearchStrategy[Expr]] = [st.booleans().map(Literal)]
    for name, spec in fields.items():
        field = Name(name)
        if spec.type == "integer":
            whole = st.integers(-4, 8).map(Literal)
            half = st.integers(-4, 8).map(lambda k: Literal(k + 0.5))
            options += [
                st.builds(Compare, ops, st.just(field), whole),
                st.builds(Compare, ops, whole, st.just(field)),
                st.builds(Compare, st.sampled_from(["<", "<=", ">", ">="]), st.just(field), half),
                st.builds(
                    Membership,
                    st.just(field),
                    st.lists(whole, max_size=3).map(tuple).map(ListLit),
                    st.booleans(),
                ),
            ]
        elif spec.type == "number":
            quarter = st.integers(-16, 16).map(lambda k: k / 4)
            number = st.one_of(st.integers(-4, 4), quarter).map(Literal)
            options += [
                st.builds(Compare, ops, st.just(field), number),
                st.builds(Compare, ops, number, st.just(field)),
                st.builds(
                    Membership,
                    st.just(field),
                    st.lists(number, max_size=3).map(tuple).map(ListLit),
                    st.booleans(),
                ),
            ]
        elif spec.type == "enum":
            value = st.sampled_from(spec.values or ()).map(Literal)
            equality = st.sampled_from(["==", "!="])
            options += [
                st.builds(Compare, equality, st.just(field), value),
                st.builds(Compare, equality, value, st.just(field)),
                st.builds(
                    Membership,
                    st.just(field),
                    st.lists(value, max_size=3).map(tuple).map(ListLit),
                    st.booleans(),
                ),
            ]
        else:
            options += [
                st.just(field),
                st.builds(
                    Compare,
                    st.sampled_from(["==", "!="]),
                    st.just(field),
                    st.booleans().map(Literal),
                ),
            ]
    return st.one_of(options)


def typed_exprs(fields: Mapping[str, Field], leaves: int = 8) -> st.SearchStrategy[Expr]:
    return st.recursive(_typed_atoms(fields), _compound, max_leaves=leaves)


# ----------------------------------------------------------------- reference implementations

REF_OPS: dict[str, Callable[[Any, Any], bool]] = {
    "==": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}


def ref_eval(expr: Expr, data: Mapping[str, Any]) -> bool:
    """An independent evaluator over the tree (exact arithmetic, no shared code)."""

    def side(node: Expr) -> Any:
        value = data[node.name] if isinstance(node, Name) else node.value  # type: ignore[union-attr]
        if isinstance(value, float):
            return Fraction(value)
        return value

    match expr:
        case Literal(value=value):
            return value is True
        case Name(name=name):
            return data[name] is True
        case Compare(op=op, left=left, right=right):
            return REF_OPS[op](side(left), side(right))
        case Membership(left=left, items=items, negated=negated):
            value = side(left)
            hits = [item for item in items.items if value == side(item)]
            return bool(hits) is not negated
        case Not(operand=operand):
            return not ref_eval(operand, data)
        case And(operands=operands):
            return all(ref_eval(o, data) for o in operands)
        case Or(operands=operands):
            return any(ref_eval(o, data) for o in operands)
    raise AssertionError(expr)


def grid_cases(names: Sequence[str]) -> list[dict[str, Any]]:
    """Every combination of grid values for the named fields."""
    grid = {**BOUNDED_GRID, **UNBOUNDED_GRID}
    ordered = sorted(names)
    return [
        dict(zip(ordered, combo, strict=True))
        for combo in itertools.product(*(grid[n] for n in ordered))
    ]


def assert_witness(expr: Expr, case: dict[str, object] | None) -> None:
    """`case` satisfies `expr` whatever the omitted fields hold; None iff brute force finds none."""
    used = field_names(expr)
    satisfying = [c for c in grid_cases(list(used)) if ref_eval(expr, c)]
    if case is None:
        assert satisfying == []
        return
    assert set(case) <= used
    for name, value in case.items():
        spec = ALL_FIELDS[name]
        if spec.type == "integer":
            assert type(value) is int
        if spec.type in ("integer", "number"):
            assert isinstance(value, int | float) and not isinstance(value, bool)
            assert spec.min is None or value >= spec.min
            assert spec.max is None or value <= spec.max
        elif spec.type == "enum":
            assert value in (spec.values or ())
        else:
            assert type(value) is bool
    completions = [c for c in grid_cases(list(used - set(case)))]
    for rest in completions:
        assert ref_eval(expr, {**rest, **case}), (format_guard(expr), case, rest)


# ------------------------------------------------------------------------- parse and format


@SETTINGS
@given(any_exprs)
def test_format_then_parse_gives_the_same_tree(expr: Expr) -> None:
    """Formatting any tree and parsing the text back gives an equal tree, and stable text."""
    text = format_guard(expr)
    parsed = parse_guard(text)
    assert parsed == expr
    assert format_guard(parsed) == text


@SETTINGS
@given(any_exprs)
def test_columns_point_at_the_node_text(expr: Expr) -> None:
    """Every parsed name and literal carries the 1-based column where its text starts."""
    text = format_guard(expr)
    for node in pathways.guards.iter_nodes(parse_guard(text)):
        if isinstance(node, Name):
            assert text[node.column - 1 :].startswith(node.name)
        elif isinstance(node, Literal):
            formatted = format_guard(node)
            assert text[node.column - 1 :].startswith(formatted)
        elif isinstance(node, Compare):
            assert text[node.op_column - 1 :].startswith(node.op)
            assert node.column == node.left.column


def test_precedence_is_or_then_and_then_not_then_comparison() -> None:
    """`or` binds loosest, then `and`, then `not`, then comparisons; `and` chains into one node."""
    a, b, c = Name("a"), Name("b"), Name("c")
    assert parse_guard("a or b and c") == Or((a, And((b, c))))
    assert parse_guard("not a and b") == And((Not(a), b))
    assert parse_guard("not x == 1") == Not(Compare("==", Name("x"), Literal(1)))
    assert parse_guard("a and b and c") == And((a, b, c))
    assert parse_guard("(a and b) and c") == And((And((a, b)), c))
    assert parse_guard("x not in [1, 2]") == Membership(
        Name("x"), ListLit((Literal(1), Literal(2))), negated=True
    )
    assert parse_guard("not x in [1]") == Not(Membership(Name("x"), ListLit((Literal(1),))))
    assert parse_guard("((a))") == a


def test_literals_parse_to_typed_values() -> None:
    """Integers, decimals, both quote styles, escapes, negatives and booleans keep their type."""
    assert parse_guard("x == -3").right == Literal(-3)  # type: ignore[union-attr]
    assert parse_guard("x == 2.50").right == Literal(2.5)  # type: ignore[union-attr]
    assert parse_guard('x == "it\'s"').right == Literal("it's")  # type: ignore[union-attr]
    assert parse_guard(r"x == 'a\'b\\c'").right == Literal("a'b\\c")  # type: ignore[union-attr]
    assert parse_guard("x == true").right == Literal(True)  # type: ignore[union-attr]
    assert parse_guard("x in []") == Membership(Name("x"), ListLit(()))
    assert parse_guard("x in [1, 2,]").items == ListLit((Literal(1), Literal(2)))  # type: ignore[union-attr]


def test_literal_equality_respects_type() -> None:
    """`true`, `1` and `1.0` are different literals although Python finds them equal."""
    assert Literal(True) != Literal(1)
    assert Literal(1) != Literal(1.0)
    assert Literal(2) == Literal(2, column=9)
    assert len({Literal(True), Literal(1), Literal(1.0)}) == 3


@pytest.mark.parametrize("value", [1e-05, 1.5e16, 1e300, -2.5e-10, 5e-324, -0.0, 0.1])
def test_extreme_decimals_round_trip(value: float) -> None:
    """Decimals whose repr uses an exponent are written in full and read back exactly."""
    expr = Compare("<", Name("x"), Literal(value))
    text = format_guard(expr)
    assert "e" not in text.split("<")[1]
    assert parse_guard(text) == expr


def test_strings_with_both_quotes_round_trip() -> None:
    """A string holding both quote characters and backslashes survives format and parse."""
    expr = Compare("==", Name("s"), Literal("a'b\"c\\d"))
    assert parse_guard(format_guard(expr)) == expr


def test_format_writes_canonical_text() -> None:
    """The formatter spaces operators, adds only needed parentheses, and uses single quotes."""
    assert format_guard(parse_guard("not(a or b)and(c)")) == "not (a or b) and c"
    assert format_guard(parse_guard('risk in ["low"]or x>=1')) == "risk in ['low'] or x >= 1"
    assert format_guard(And(())) == "true"
    assert format_guard(Or(())) == "false"


# ------------------------------------------------------------------------------ hostile text

HOSTILE = [
    ("__import__('os').system('touch x')", 11, "function calls are not allowed"),
    ("a.b", 2, "attribute access"),
    ("f(x)", 2, "function calls are not allowed"),
    ("x[0]", 2, "indexing is not allowed"),
    ("x + 1", 3, "arithmetic"),
    ("x == 1 - y", 8, "arithmetic"),
    ("1 < x < 3", 7, "chained comparisons"),
    ("x == 1 in [1]", 8, "chained comparisons"),
    ("x == 'abc", 6, "not closed"),
    ('x == "abc', 6, "not closed"),
    ("x == 'a\\n'", 8, "escapes"),
    ("x = 1", 3, "'=='"),
    ("x && y", 3, "'and'"),
    ("x == 1e5", 7, "unexpected 'e'"),
    ("x == 1.", 7, "decimal point"),
    ("", 1, "ends too early"),
    ("(a", 3, "')'"),
    ("a b", 3, "expected 'and', 'or'"),
    ("[1, 2]", 1, "a list may only follow"),
    ("x in y", 6, "a list such as"),
    ("x in [y]", 7, "only literals"),
    ("x in [[1]]", 7, "only literals"),
    ("x == é", 6, "unexpected character"),
    ("lambda: 1", 7, "unexpected character"),
    ("(a and b) == true", 11, "field name or a literal"),
    ("x == not y", 6, "expected a field name or a literal"),
    ("'a'('b')", 4, "function calls"),
]


@pytest.mark.parametrize(("text", "column", "fragment"), HOSTILE, ids=[h[0] for h in HOSTILE])
def test_text_outside_the_grammar_is_a_guard_error(text: str, column: int, fragment: str) -> None:
    """Anything outside the grammar raises GuardError pointing at the offending token."""
    with pytest.raises(GuardError) as caught:
        parse_guard(text)
    assert caught.value.column == column
    assert fragment in caught.value.message
    assert "a guard may use only field names" in caught.value.message


def test_code_injection_runs_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A Python payload is rejected as a call at its '(' and creates no file."""
    monkeypatch.chdir(tmp_path)
    with pytest.raises(GuardError) as caught:
        parse_guard("__import__('os').system('touch x')")
    assert caught.value.column == 11
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("text", "column"),
    [
        ("(" * 10000, 2001),
        ("x" * 10_240, 2001),
        ("(" * 60 + "x" + ")" * 60, 51),
        ("not " * 60 + "x", 201),
        ("(" * 50 + "x" + ")" * 50, None),
        ("not " * 50 + "x", None),
    ],
    ids=["10000-parens", "10kB", "60-parens", "60-nots", "50-parens", "50-nots"],
)
def test_size_and_nesting_are_bounded(text: str, column: int | None) -> None:
    """Text over 2000 characters or nesting over 50 levels is a GuardError, never RecursionError."""
    if column is None:
        assert field_names(parse_guard(text)) == {"x"}
        return
    with pytest.raises(GuardError) as caught:
        parse_guard(text)
    assert caught.value.column == column


GUARDISH = "()[]'\"\\<>=!andortuefsi 0123456789.,-_x"


@settings(max_examples=examples(300), deadline=None)
@given(st.one_of(st.text(max_size=60), st.text(GUARDISH, max_size=80)))
def test_any_text_parses_or_raises_guard_error(text: str) -> None:
    """Arbitrary text either parses or raises GuardError; no other exception escapes."""
    try:
        expr = parse_guard(text)
    except GuardError as error:
        assert 1 <= error.column <= len(text) + 1
    else:
        assert parse_guard(format_guard(expr)) == expr


def test_the_modules_never_evaluate_text() -> None:
    """No module of the package calls eval, exec, compile or ast.literal_eval."""
    package = Path(str(pathways.__file__)).parent
    sources = sorted(package.rglob("*.py"))
    assert len(sources) > 20
    for path in sources:
        source = path.read_text(encoding="utf-8")
        found = re.search(r"(?<![.\w])(eval|exec|compile|literal_eval|__import__)\(", source)
        assert not found, f"{path}: {found}"
        assert "import ast" not in source, path


# ------------------------------------------------------------------------------ check_guard

CHECKS = [
    ("agee < 3", 1, "unknown field 'agee'; the case fields are: b, e, i, j"),
    ("i == 1 and zz", 12, "unknown field 'zz'"),
    ("e == 'urgent'", 6, "'urgent' is not a value of field 'e'; allowed values: 'lo', 'mid', 'hi'"),
    ("e in ['lo', 'nope']", 13, "'nope' is not a value of field 'e'"),
    ("e < 'lo'", 3, "field 'e' is an enum, which has no order"),
    ("e == 3", 6, "compare it with one of its values 'lo', 'mid', 'hi', not the number 3"),
    ("b < true", 3, "field 'b' is a boolean"),
    ("b == 1", 6, "compare it with true or false, not the number 1"),
    ("b in [true]", 3, "instead of 'in'"),
    ("i", 1, "field 'i' is integer, not boolean, so it cannot stand alone"),
    ("not e", 5, "cannot stand alone"),
    ("i == 'x'", 6, "field 'i' is an integer, so compare it with a number, not the string 'x'"),
    ("i == 2.5", 6, "whole numbers such as 2, not the decimal 2.5"),
    ("i in [1, 2.0]", 10, "not the decimal 2.0"),
    ("i == true", 6, "not the boolean true"),
    ("3", 1, "the number 3 is not a condition"),
    ("1 == 1", 1, "no field on either side"),
    ("i == j", 3, "compares two fields"),
    ("'lo' in ['lo']", 1, "the left of 'in' is a literal"),
]


@pytest.mark.parametrize(("text", "column", "fragment"), CHECKS, ids=[c[0] for c in CHECKS])
def test_check_guard_reports_type_errors_at_the_token(
    text: str, column: int, fragment: str
) -> None:
    """Each type problem is one error whose message says what is allowed, at the right column."""
    errors = check_guard(parse_guard(text), BOUNDED)
    assert len(errors) == 1, [e.message for e in errors]
    assert errors[0].column == column
    assert fragment in errors[0].message


@pytest.mark.parametrize(
    "text",
    [
        "i < 3 and not b",
        "3 > i",
        "i < 2.5",
        "e in ['lo', 'hi'] or b == false",
        "b",
        "true",
        "not (e != 'mid')",
        "j >= 0 and j <= 6",
        "e not in []",
    ],
)
def test_check_guard_accepts_well_typed_guards(text: str) -> None:
    """Well-typed guards, literal-first comparisons and bare booleans give no errors."""
    assert check_guard(parse_guard(text), BOUNDED) == []


def test_check_guard_reports_every_error_in_column_order() -> None:
    """All errors of one guard are reported, sorted by column."""
    errors = check_guard(parse_guard("zz == 1 or e == 'x' or i"), BOUNDED)
    assert [e.column for e in errors] == [1, 17, 24]


def test_number_fields_take_decimals_and_integers() -> None:
    """A number field compares with integers and decimals alike, including equality."""
    assert check_guard(parse_guard("y == 2.5 or y in [1, 0.5] or 3 <= y"), UNBOUNDED) == []


# ---------------------------------------------------------------------------------- evaluate


@SETTINGS
@given(
    typed_exprs(BOUNDED),
    st.fixed_dictionaries({k: st.sampled_from(list(v)) for k, v in BOUNDED_GRID.items()}),
)
def test_evaluate_agrees_with_reference(expr: Expr, data: dict[str, Any]) -> None:
    """evaluate() gives the reference evaluator's answer on well-typed guards and data."""
    assert check_guard(expr, BOUNDED) == []
    assert evaluate(expr, data) is ref_eval(expr, data)


@pytest.mark.parametrize(
    ("text", "data", "expected"),
    [
        ("i < 3 and not b", {"i": 2, "b": False}, True),
        ("i < 3 and not b", {"i": 3, "b": False}, False),
        ("3 > i", {"i": 2}, True),
        ("e in ['lo', 'hi']", {"e": "mid"}, False),
        ("e not in ['lo', 'hi']", {"e": "mid"}, True),
        ("y > 0.5", {"y": 0.75}, True),
        ("b == false or i >= 6", {"b": True, "i": 6}, True),
    ],
)
def test_evaluate_examples(text: str, data: dict[str, object], expected: bool) -> None:
    """Hand-checked guards evaluate as a reader would expect."""
    assert evaluate(parse_guard(text), data) is expected


def test_evaluate_missing_field_is_a_key_error_guard_error() -> None:
    """A missing field raises MissingFieldError, both a GuardError and a KeyError."""
    with pytest.raises(KeyError) as caught:
        evaluate(parse_guard("b or i < 3"), {"b": False})
    assert isinstance(caught.value, MissingFieldError)
    assert isinstance(caught.value, GuardError)
    assert caught.value.column == 6
    assert str(caught.value) == "the case has no value for field 'i'"


def test_field_names_and_constants() -> None:
    """field_names lists the fields used; constants lists each field's literals once, in order."""
    expr = parse_guard("i < 3 or 3 > i or e in ['lo', 'hi'] or b")
    assert field_names(expr) == {"i", "e", "b"}
    assert constants(expr) == {"i": (3,), "e": ("lo", "hi")}


# ---------------------------------------------------------------------------------- analysis


@SETTINGS
@given(typed_exprs(BOUNDED))
def test_find_case_agrees_with_brute_force_on_bounded_fields(expr: Expr) -> None:
    """find_case returns a real witness, and None exactly when no case satisfies (bounded)."""
    assert_witness(expr, find_case(expr, BOUNDED))


@SETTINGS
@given(typed_exprs(UNBOUNDED, leaves=6))
def test_find_case_agrees_with_brute_force_on_unbounded_and_number_fields(expr: Expr) -> None:
    """Also exact for unbounded integers and for numbers (checked on a class-covering grid)."""
    assert_witness(expr, find_case(expr, UNBOUNDED))


@SETTINGS
@given(st.lists(typed_exprs(BOUNDED, leaves=4), min_size=1, max_size=4))
def test_uncovered_case_agrees_with_brute_force(guards: list[Expr]) -> None:
    """uncovered_case finds a case no guard holds for, or None when the guards cover all cases."""
    case = uncovered_case(guards, BOUNDED)
    assert_witness(Not(Or(tuple(guards))), case)


@SETTINGS
@given(typed_exprs(BOUNDED, leaves=4), typed_exprs(BOUNDED, leaves=4))
def test_overlap_case_agrees_with_brute_force(a: Expr, b: Expr) -> None:
    """overlap_case finds a case both guards hold for, or None when they never overlap."""
    case = overlap_case(a, b, BOUNDED)
    assert_witness(And((a, b)), case)
    assert never_true(And((a, b)), BOUNDED) is (case is None)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("i > 3 and i != 4", {"i": 5}),
        ("i > 6", None),
        ("i >= 2.5 and i <= 2.9", None),
        ("n > 5 and n < 7", {"n": 6}),
        ("n > 5 and n < 6", None),
        ("n > 1000000 and n != 1000001", {"n": 1000002}),
        ("y > 0.5 and y < 0.75", {"y": 0.625}),
        ("y > 0 and y < 1 and y != 0.5", {"y": 0.25}),
        ("x > 2", None),
        ("x >= 2 and y == 7.25", {"x": 2, "y": 7.25}),
        ("b and not b", None),
        ("e != 'lo' and e != 'mid'", {"e": "hi"}),
        ("b or not b", {}),
        ("true", {}),
        ("false", None),
        ("e in []", None),
    ],
)
def test_find_case_examples(text: str, expected: dict[str, object] | None) -> None:
    """Hand-checked cases, including unbounded integers and numbers and omitted free fields."""
    assert find_case(parse_guard(text), ALL_FIELDS) == expected


def test_find_case_omits_fields_whose_value_does_not_matter() -> None:
    """A field that any value satisfies is left out of the case."""
    case = find_case(parse_guard("(i < 3 or i >= 3) and e == 'mid'"), BOUNDED)
    assert case == {"e": "mid"}


def test_find_case_rejects_ill_typed_predicates() -> None:
    """Analysis refuses a guard that does not type-check, with check_guard's first error."""
    with pytest.raises(GuardError) as caught:
        find_case(parse_guard("i == 'x'"), BOUNDED)
    assert caught.value.column == 6


def test_empty_guard_lists() -> None:
    """No guard leaves every case uncovered; an empty domain means there is no case at all."""
    assert uncovered_case([], BOUNDED) == {}
    empty = {"k": Field("integer", 5, 4)}
    assert find_case(parse_guard("k != 0"), empty) is None


def test_exhaustive_decision_over_ten_fields() -> None:
    """A decision with ten fields and ten guards that cover every case has no uncovered case,
    and dropping one guard exposes a case only that guard covered."""
    fields = {f"f{k}": Field("integer", 0, 9) for k in range(10)}
    guards = [parse_guard(f"f{k} >= 5 and f{(k + 1) % 10} < 5") for k in range(10)]
    guards.append(parse_guard(" and ".join(f"f{k} < 5" for k in range(10))))
    guards.append(parse_guard(" and ".join(f"f{k} >= 5" for k in range(10))))
    assert uncovered_case(guards, fields) is None
    case = uncovered_case(guards[1:], fields)
    assert case is not None
    assert evaluate(guards[0], {**dict.fromkeys(fields, 0), **case})
