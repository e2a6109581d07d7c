"""Guards as sentences: ``risk == 'high' and not abuse_suspected`` drawn as words.

"if risk is high and abuse_suspected is no". A field is named by its label when the caller
passes the pathway's field labels (``case_fields.<name>.label``, in the reader's language),
else as written in the file; values stay as written (they are the file's ids); the connecting
words are the tool's, in the reader's language. A guard that does not parse is drawn as
written, in brackets.
"""

from __future__ import annotations

from collections.abc import Mapping

from pathways.findings import value_text
from pathways.guards.syntax import parse_guard
from pathways.guards.tree import And, Compare, Expr, GuardError, Literal, Membership, Name, Not, Or
from pathways.i18n import N_, tr

__all__ = ["guard_sentence"]

_COMPARE = {
    "==": N_("{left} is {right}"),
    "!=": N_("{left} is not {right}"),
    "<": N_("{left} is under {right}"),
    "<=": N_("{left} is at most {right}"),
    ">": N_("{left} is over {right}"),
    ">=": N_("{left} is at least {right}"),
}


_NO_NAMES: Mapping[str, str] = {}
_NO_VALUES: Mapping[str, Mapping[str, str]] = {}


def _operand(
    node: Name | Literal,
    lang: str | None,
    names: Mapping[str, str],
    values: Mapping[str, str] = _NO_NAMES,
) -> str:
    """A field by its label; a value by its label among ``values`` (the enum value labels of
    the field it is compared with), else as written."""
    if isinstance(node, Name):
        return names.get(node.name, node.name)
    return value_text(node.value, values, lang)


class _Say:
    """The reader's words: ``lang``, field labels and enum value labels."""

    def __init__(
        self, lang: str | None, names: Mapping[str, str], values: Mapping[str, Mapping[str, str]]
    ) -> None:
        self.lang, self.names, self.values = lang, names, values

    def of(self, node: Name | Literal, other: Name | Literal | None = None) -> str:
        field = other.name if isinstance(other, Name) else None
        return _operand(node, self.lang, self.names, self.values.get(field or "", _NO_NAMES))


def _words(expr: Expr, say: _Say, nested: bool = False) -> str:
    lang = say.lang
    if isinstance(expr, Compare):
        pattern = tr(_COMPARE[expr.op], lang)
        return pattern.format(
            left=say.of(expr.left, expr.right), right=say.of(expr.right, expr.left)
        )
    if isinstance(expr, Membership):
        items = ", ".join(say.of(item, expr.left) for item in expr.items.items)
        pattern = (
            N_("{left} is none of {items}") if expr.negated else N_("{left} is one of {items}")
        )
        return tr(pattern, lang).format(left=say.of(expr.left), items=items)
    if isinstance(expr, Not):
        if isinstance(expr.operand, Name):
            return tr("{left} is {right}", lang).format(
                left=say.of(expr.operand), right=tr("no", lang)
            )
        return tr("not ({inner})", lang).format(inner=_words(expr.operand, say))
    if isinstance(expr, And | Or):
        joiner = tr(" and ", lang) if isinstance(expr, And) else tr(" or ", lang)
        text = joiner.join(_words(o, say, nested=True) for o in expr.operands)
        return f"({text})" if nested and len(expr.operands) > 1 else text
    if isinstance(expr, Name):
        return tr("{left} is {right}", lang).format(left=say.of(expr), right=tr("yes", lang))
    return say.of(expr)


def guard_sentence(
    guard: str,
    lang: str | None = None,
    names: Mapping[str, str] | None = None,
    values: Mapping[str, Mapping[str, str]] | None = None,
) -> str:
    """The guard as a sentence starting with "if", in ``lang``, each field named by
    ``names`` (field name to label; :meth:`pathways.model.Pathway.field_labels`) where it has
    the field, and each enum value compared with a field by ``values`` (field to value to
    label; :meth:`pathways.model.Pathway.value_labels`) where it has the value.

    Examples
    --------
    >>> from pathways.guards.sentence import guard_sentence
    >>> guard_sentence("risk == 'high' and not abuse_suspected")
    'if risk is high and abuse_suspected is no'
    >>> guard_sentence("age < 12 or region in ['north', 'east']")
    'if age is under 12 or region is one of north, east'
    >>> guard_sentence("age_under_18 and not online", names={"age_under_18": "child under 18"})
    'if child under 18 is yes and online is no'
    >>> guard_sentence("risk in ['high', 'medium']", values={"risk": {"high": "high risk"}})
    'if risk is one of high risk, medium'
    """
    try:
        tree = parse_guard(guard)
    except GuardError:
        return f"[{guard}]"
    say = _Say(lang, names or _NO_NAMES, values or _NO_VALUES)
    return tr("if {condition}", lang).format(condition=_words(tree, say))
