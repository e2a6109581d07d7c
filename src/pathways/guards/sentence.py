"""Guards as sentences: ``risk == 'high' and not abuse_suspected`` drawn as words.

"if risk is high and abuse_suspected is no". A field is named by its label when the caller
passes the pathway's field labels (``case_fields.<name>.label``, in the reader's language),
else as written in the file; values stay as written (they are the file's ids); the connecting
words are the tool's, in the reader's language. A guard that does not parse is drawn as
written, in brackets.
"""

from __future__ import annotations

from collections.abc import Mapping

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


def _operand(node: Name | Literal, lang: str | None, names: Mapping[str, str]) -> str:
    if isinstance(node, Name):
        return names.get(node.name, node.name)
    value = node.value
    if value is True:
        return tr("yes", lang)
    if value is False:
        return tr("no", lang)
    return str(value)


def _words(expr: Expr, lang: str | None, names: Mapping[str, str], nested: bool = False) -> str:
    if isinstance(expr, Compare):
        pattern = tr(_COMPARE[expr.op], lang)
        return pattern.format(
            left=_operand(expr.left, lang, names), right=_operand(expr.right, lang, names)
        )
    if isinstance(expr, Membership):
        items = ", ".join(_operand(item, lang, names) for item in expr.items.items)
        pattern = (
            N_("{left} is none of {items}") if expr.negated else N_("{left} is one of {items}")
        )
        return tr(pattern, lang).format(left=_operand(expr.left, lang, names), items=items)
    if isinstance(expr, Not):
        if isinstance(expr.operand, Name):
            return tr("{left} is {right}", lang).format(
                left=_operand(expr.operand, lang, names), right=tr("no", lang)
            )
        return tr("not ({inner})", lang).format(inner=_words(expr.operand, lang, names))
    if isinstance(expr, And | Or):
        joiner = tr(" and ", lang) if isinstance(expr, And) else tr(" or ", lang)
        text = joiner.join(_words(o, lang, names, nested=True) for o in expr.operands)
        return f"({text})" if nested and len(expr.operands) > 1 else text
    if isinstance(expr, Name):
        return tr("{left} is {right}", lang).format(
            left=_operand(expr, lang, names), right=tr("yes", lang)
        )
    return _operand(expr, lang, names)


def guard_sentence(
    guard: str, lang: str | None = None, names: Mapping[str, str] | None = None
) -> str:
    """The guard as a sentence starting with "if", in ``lang``, each field named by
    ``names`` (field name to label; :meth:`pathways.model.Pathway.field_labels`) where it has
    the field.

    Examples
    --------
    >>> from pathways.guards.sentence import guard_sentence
    >>> guard_sentence("risk == 'high' and not abuse_suspected")
    'if risk is high and abuse_suspected is no'
    >>> guard_sentence("age < 12 or region in ['north', 'east']")
    'if age is under 12 or region is one of north, east'
    >>> guard_sentence("age_under_18 and not online", names={"age_under_18": "child under 18"})
    'if child under 18 is yes and online is no'
    """
    try:
        tree = parse_guard(guard)
    except GuardError:
        return f"[{guard}]"
    return tr("if {condition}", lang).format(condition=_words(tree, lang, names or _NO_NAMES))
