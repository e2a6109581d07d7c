"""Guard text to expression tree and back: tokenizer, recursive-descent parser, canonical formatter.

Text is read by a hand-written tokenizer and a recursive-descent parser; nothing the user wrote is
ever handed to ``eval``, ``exec``, ``compile`` or ``ast``. The grammar is in the docstring of
:mod:`pathways.guards`, which re-exports the public names.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

from pathways.guards.tree import (
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
)

__all__ = ["MAX_GUARD_LENGTH", "MAX_NESTING", "format_guard", "parse_guard"]

MAX_GUARD_LENGTH = 2000
"""Longest guard text accepted, in characters."""

MAX_NESTING = 50
"""Deepest nesting of parentheses and ``not`` accepted."""

ALLOWED = (
    "a guard may use only field names, literals (numbers, 'strings', true, false, [lists]), "
    "comparisons (== != < <= > >=), in, not in, and, or, not and parentheses"
)

KEYWORDS = frozenset({"and", "or", "not", "in", "true", "false"})
_NAME_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_DIGITS = frozenset("0123456789")
_NAME_START = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_")
_NAME_CHARS = _NAME_START | _DIGITS
_CHAR_HINTS = {
    ".": "attribute access ('.') is not allowed",
    "=": "'=' is not a comparison (write '==')",
    "!": "'!' is not allowed (write 'not' or '!=')",
    "&": "'&' is not allowed (write 'and')",
    "|": "'|' is not allowed (write 'or')",
    "{": "dictionaries are not allowed",
    ";": "';' is not allowed",
}


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


def format_literal(value: LiteralValue) -> str:
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
        return format_literal(node.value)
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
        items = ", ".join(format_literal(item.value) for item in expr.items.items)
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
