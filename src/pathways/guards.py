"""The guard language of ``when:``: parse it without eval, type-check it, evaluate and analyse it.

A guard is a small boolean expression over the case fields a pathway declares::

    guard      := or_expr END
    or_expr    := and_expr ("or" and_expr)*
    and_expr   := not_expr ("and" not_expr)*
    not_expr   := "not" not_expr | comparison
    comparison := operand [CMP operand | ["not"] "in" list]      CMP: == != < <= > >=
    operand    := NUMBER | STRING | "true" | "false" | NAME | "(" or_expr ")"
    list       := "[" [literal ("," literal)* [","]] "]"

Text is read by a hand-written tokenizer and a recursive-descent parser; nothing the user wrote is
ever handed to ``eval``, ``exec``, ``compile`` or ``ast``. The exact analysis behind PW401-PW403
(:func:`find_case`, :func:`never_true`, :func:`uncovered_case`, :func:`overlap_case`) lives in
:mod:`pathways._guard_analysis` and is re-exported here.
"""

from __future__ import annotations

import math
import operator
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Protocol, TypeAlias

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

MAX_GUARD_LENGTH = 2000
"""Longest guard text accepted, in characters."""

MAX_NESTING = 50
"""Deepest nesting of parentheses and ``not`` accepted."""

ALLOWED = (
    "a guard may use only field names, literals (numbers, 'strings', true, false, [lists]), "
    "comparisons (== != < <= > >=), in, not in, and, or, not and parentheses"
)

COMPARISON_OPS = ("==", "!=", "<", "<=", ">", ">=")
ORDERING_OPS = frozenset({"<", "<=", ">", ">="})
KEYWORDS = frozenset({"and", "or", "not", "in", "true", "false"})
_NAME_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_DIGITS = frozenset("0123456789")
_NAME_START = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_")
_NAME_CHARS = _NAME_START | _DIGITS
OPERATORS: dict[str, Callable[[Any, Any], Any]] = {
    # what each comparison does; the simulator applies the same table to numpy arrays
    "==": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}
FLIPPED = {"==": "==", "!=": "!=", "<": ">", "<=": ">=", ">": "<", ">=": "<="}
_CHAR_HINTS = {
    ".": "attribute access ('.') is not allowed",
    "=": "'=' is not a comparison (write '==')",
    "!": "'!' is not allowed (write 'not' or '!=')",
    "&": "'&' is not allowed (write 'and')",
    "|": "'|' is not allowed (write 'or')",
    "{": "dictionaries are not allowed",
    ";": "';' is not allowed",
}

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


class MissingFieldError(GuardError, KeyError):
    """Raised by :func:`evaluate` when the case data has no value for a field the guard uses."""


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


# --------------------------------------------------------------------------------- tokenizer


@dataclass(frozen=True, slots=True)
class _Token:
    kind: str  # "num" "str" "name" "kw" "op" "(" ")" "[" "]" "," "end"
    text: str
    column: int
    value: LiteralValue | None = None


def _error(problem: str, column: int) -> GuardError:
    return GuardError(f"{problem}; {ALLOWED}", column)


def _scan_number(text: str, i: int) -> tuple[_Token, int]:
    start = i
    if text[i] == "-":
        i += 1
    while i < len(text) and text[i] in _DIGITS:
        i += 1
    is_decimal = i < len(text) and text[i] == "."
    if is_decimal:
        if i + 1 >= len(text) or text[i + 1] not in _DIGITS:
            raise _error("a decimal point must be followed by digits (write 1.0, not 1.)", i + 1)
        i += 1
        while i < len(text) and text[i] in _DIGITS:
            i += 1
    if i < len(text) and (text[i] in _NAME_CHARS or text[i] == "."):
        raise _error(f"unexpected {text[i]!r} after the number {text[start:i]!r}", i + 1)
    literal = text[start:i]
    value: LiteralValue
    if is_decimal:
        value = float(literal)
        if not math.isfinite(value):
            raise _error(f"the number {literal[:20]!r}... is too large", start + 1)
    else:
        value = int(literal)
    return _Token("num", literal, start + 1, value), i


def _scan_string(text: str, i: int) -> tuple[_Token, int]:
    quote, start, chars = text[i], i, []
    i += 1
    while i < len(text):
        ch = text[i]
        if ch == "\\":
            if i + 1 < len(text) and text[i + 1] in "\\'\"":
                chars.append(text[i + 1])
                i += 2
                continue
            raise _error("the only escapes in a string are \\\\, \\' and \\\"", i + 1)
        if ch == quote:
            return _Token("str", text[start : i + 1], start + 1, "".join(chars)), i + 1
        chars.append(ch)
        i += 1
    raise _error(f"the string opened here is not closed (add the closing {quote})", start + 1)


def _tokenize(text: str) -> Iterator[_Token]:
    """Yield tokens lazily, so that the parser reports the first problem in reading order."""
    i, n = 0, len(text)
    while i < n:
        ch, col = text[i], i + 1
        if ch in " \t\r\n":
            i += 1
        elif ch in _DIGITS or (ch == "-" and i + 1 < n and text[i + 1] in _DIGITS):
            token, i = _scan_number(text, i)
            yield token
        elif ch in "'\"":
            token, i = _scan_string(text, i)
            yield token
        elif ch in _NAME_START:
            j = i + 1
            while j < n and text[j] in _NAME_CHARS:
                j += 1
            word = text[i:j]
            if word in ("true", "false"):
                yield _Token("kw", word, col, word == "true")
            else:
                yield _Token("kw" if word in KEYWORDS else "name", word, col)
            i = j
        elif text.startswith(("==", "!=", "<=", ">="), i):
            yield _Token("op", text[i : i + 2], col)
            i += 2
        elif ch in "<>":
            yield _Token("op", ch, col)
            i += 1
        elif ch in "()[],":
            yield _Token(ch, ch, col)
            i += 1
        elif ch in "+-*/%^~@":
            raise _error(f"arithmetic ({ch!r}) is not allowed", col)
        else:
            raise _error(_CHAR_HINTS.get(ch, f"unexpected character {ch!r}"), col)
    yield _Token("end", "", n + 1)


# ------------------------------------------------------------------------------------ parser


class _Parser:
    def __init__(self, tokens: Iterator[_Token]) -> None:
        self.source = tokens
        self.tokens: list[_Token] = []
        self.pos = 0
        self.depth = 0

    def peek(self, ahead: int = 0) -> _Token:
        while len(self.tokens) <= self.pos + ahead and (
            not self.tokens or self.tokens[-1].kind != "end"
        ):
            self.tokens.append(next(self.source))
        return self.tokens[min(self.pos + ahead, len(self.tokens) - 1)]

    def advance(self) -> _Token:
        token = self.peek()
        self.pos += 1
        return token

    def is_kw(self, word: str, ahead: int = 0) -> bool:
        token = self.peek(ahead)
        return token.kind == "kw" and token.text == word

    def enter(self, token: _Token) -> None:
        self.depth += 1
        if self.depth > MAX_NESTING:
            raise GuardError(
                f"the guard nests parentheses and 'not' deeper than {MAX_NESTING} levels; "
                "simplify it",
                token.column,
            )

    def unexpected(self, token: _Token, expected: str) -> GuardError:
        if token.kind == "end":
            return _error(f"the guard ends too early (expected {expected})", token.column)
        return _error(f"expected {expected} but found {token.text!r}", token.column)

    def parse(self) -> Expr:
        expr = self.or_expr()
        token = self.peek()
        if token.kind == "(":
            raise _error("function calls are not allowed", token.column)
        if token.kind != "end":
            raise self.unexpected(token, "'and', 'or' or the end of the guard")
        return expr

    def or_expr(self) -> Expr:
        operands = [self.and_expr()]
        while self.is_kw("or"):
            self.advance()
            operands.append(self.and_expr())
        if len(operands) == 1:
            return operands[0]
        return Or(tuple(operands), column=operands[0].column)

    def and_expr(self) -> Expr:
        operands = [self.not_expr()]
        while self.is_kw("and"):
            self.advance()
            operands.append(self.not_expr())
        if len(operands) == 1:
            return operands[0]
        return And(tuple(operands), column=operands[0].column)

    def not_expr(self) -> Expr:
        if self.is_kw("not"):
            token = self.advance()
            self.enter(token)
            operand = self.not_expr()
            self.depth -= 1
            return Not(operand, column=token.column)
        return self.comparison()

    def comparison(self) -> Expr:
        left = self.operand()
        token = self.peek()
        node: Expr
        if token.kind == "op":
            self.advance()
            right = self.operand()
            for side in (left, right):
                if not isinstance(side, Name | Literal):
                    raise _error(
                        "each side of a comparison must be a field name or a literal "
                        "(a list may only follow 'in')"
                        if isinstance(side, ListLit)
                        else "each side of a comparison must be a field name or a literal",
                        side.column if isinstance(side, ListLit) else token.column,
                    )
            assert isinstance(left, Name | Literal) and isinstance(right, Name | Literal)
            node = Compare(token.text, left, right, column=left.column, op_column=token.column)
        elif self.is_kw("in") or (self.is_kw("not") and self.is_kw("in", 1)):
            negated = self.advance().text == "not"
            if negated:
                self.advance()
            if not isinstance(left, Name | Literal):
                raise _error("the left of 'in' must be a field name or a literal", token.column)
            if self.peek().kind != "[":
                raise self.unexpected(self.peek(), "a list such as ['a', 'b'] after 'in'")
            items = self.list_literal()
            node = Membership(left, items, negated, column=left.column, op_column=token.column)
        else:
            if isinstance(left, ListLit):
                raise _error("a list may only follow 'in' or 'not in'", left.column)
            return left
        after = self.peek()
        if after.kind == "op" or self.is_kw("in") or (self.is_kw("not") and self.is_kw("in", 1)):
            raise _error(
                "chained comparisons such as 1 < x < 3 are not allowed (join two comparisons "
                "with 'and')",
                after.column,
            )
        return node

    def operand(self) -> Expr | ListLit:
        token = self.peek()
        if token.kind in ("num", "str") or (token.kind == "kw" and token.text in ("true", "false")):
            self.advance()
            assert token.value is not None
            return Literal(token.value, column=token.column)
        if token.kind == "name":
            self.advance()
            following = self.peek()
            if following.kind == "(":
                raise _error("function calls are not allowed", following.column)
            if following.kind == "[":
                raise _error("indexing is not allowed", following.column)
            return Name(token.text, column=token.column)
        if token.kind == "(":
            self.advance()
            self.enter(token)
            inner = self.or_expr()
            self.depth -= 1
            closing = self.peek()
            if closing.kind != ")":
                raise self.unexpected(closing, f"')' to close the '(' at column {token.column}")
            self.advance()
            return inner
        if token.kind == "[":
            return self.list_literal()
        raise self.unexpected(token, "a field name or a literal")

    def list_literal(self) -> ListLit:
        opening = self.advance()
        items: list[Literal] = []
        while self.peek().kind != "]":
            token = self.peek()
            is_bool = token.kind == "kw" and token.text in ("true", "false")
            if token.kind not in ("num", "str") and not is_bool:
                if token.kind == "end":
                    raise self.unexpected(token, "']' to close the list")
                raise _error("a list may hold only literals", token.column)
            self.advance()
            assert token.value is not None
            items.append(Literal(token.value, column=token.column))
            if self.peek().kind == ",":
                self.advance()
            elif self.peek().kind != "]":
                raise self.unexpected(self.peek(), "',' or ']' in the list")
        self.advance()
        return ListLit(tuple(items), column=opening.column)


def parse_guard(text: str) -> Expr:
    """Parse guard text into an expression tree, without ever evaluating it as Python.

    Parameters
    ----------
    text : str
        The ``when:`` text, at most :data:`MAX_GUARD_LENGTH` characters.

    Returns
    -------
    Expr
        The tree; ``a and b and c`` gives one :class:`And` with three operands.

    Raises
    ------
    GuardError
        The text is too long, nests too deep, or is not in the grammar; ``.column`` (1-based)
        points at the offending token.

    Examples
    --------
    >>> from pathways.guards import parse_guard, format_guard
    >>> format_guard(parse_guard("age<12 and not(online)"))
    'age < 12 and not online'
    """
    if not isinstance(text, str):
        raise GuardError(f"a guard must be text, not {type(text).__name__}", 1)
    if len(text) > MAX_GUARD_LENGTH:
        raise GuardError(
            f"the guard is {len(text)} characters long; at most {MAX_GUARD_LENGTH} are allowed",
            MAX_GUARD_LENGTH + 1,
        )
    return _Parser(_tokenize(text)).parse()


# --------------------------------------------------------------------------------- formatter


def _format_literal(value: LiteralValue) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"a guard literal must be finite, not {value!r}")
        text = repr(value)
        if "e" in text:
            text = format(Decimal(text), "f")
        return text if "." in text else text + ".0"
    if isinstance(value, str):
        escaped = value.replace("\\", "\\\\")
        if "'" not in value:
            return f"'{escaped}'"
        if '"' not in value:
            return f'"{escaped}"'
        return "'" + escaped.replace("'", "\\'") + "'"
    raise TypeError(f"a guard literal is a bool, int, float or str, not {type(value).__name__}")


def _format_operand(node: Expr) -> str:
    if isinstance(node, Literal):
        return _format_literal(node.value)
    if isinstance(node, Name):
        if not _NAME_RE.match(node.name) or node.name in KEYWORDS:
            raise ValueError(f"{node.name!r} is not a valid field name")
        return node.name
    raise TypeError(f"a comparison side is a Name or Literal, not {type(node).__name__}")


def format_guard(expr: Expr) -> str:
    """Write an expression as canonical guard text; ``parse_guard(format_guard(e)) == e``.

    And/Or nodes with fewer than two operands are written as ``true`` / ``false`` / their
    single operand, so only those do not round-trip to the same tree.
    """
    if isinstance(expr, Literal | Name):
        return _format_operand(expr)
    if isinstance(expr, Compare):
        return f"{_format_operand(expr.left)} {expr.op} {_format_operand(expr.right)}"
    if isinstance(expr, Membership):
        items = ", ".join(_format_literal(item.value) for item in expr.items.items)
        keyword = "not in" if expr.negated else "in"
        return f"{_format_operand(expr.left)} {keyword} [{items}]"
    if isinstance(expr, Not):
        inner = format_guard(expr.operand)
        return f"not ({inner})" if isinstance(expr.operand, And | Or) else f"not {inner}"
    if isinstance(expr, And | Or):
        if not expr.operands:
            return "true" if isinstance(expr, And) else "false"
        if len(expr.operands) == 1:
            return format_guard(expr.operands[0])
        wrap: tuple[type, ...] = (And, Or) if isinstance(expr, And) else (Or,)
        parts = [
            f"({format_guard(o)})" if isinstance(o, wrap) else format_guard(o)
            for o in expr.operands
        ]
        return (" and " if isinstance(expr, And) else " or ").join(parts)
    raise TypeError(f"not a guard expression: {type(expr).__name__}")


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


# ------------------------------------------------------------------------------- type check


def _describe(value: LiteralValue) -> str:
    if isinstance(value, bool):
        return "the boolean " + _format_literal(value)
    if isinstance(value, str):
        return "the string " + _format_literal(value)
    return "the number " + _format_literal(value)


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
                f"such as {math.floor(value)}, not the decimal {_format_literal(value)}",
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
        allowed = ", ".join(_format_literal(v) for v in spec.values or ())
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
                f"{_format_literal(value)} is not a value of field {name!r}; "
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
    errors.sort(key=lambda error: error.column)
    return errors


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
