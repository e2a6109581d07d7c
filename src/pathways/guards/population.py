"""A ``simulation.population`` entry to paste for a case field the guards use: the one example
PW505's note and ``pathways simulate``'s refusal both give (YAML flow style, loadable as it is)."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable

from pathways.guards.syntax import format_literal
from pathways.guards.tree import Expr, LiteralValue, constants
from pathways.model import MAX_NUMBER, CaseField


def guard_constants(guards: Iterable[Expr]) -> dict[str, list[LiteralValue]]:
    """For each field, the literal values ``guards`` compare it with, in order of appearance
    (repeats kept): what :func:`population_example` draws a field the pathway does not declare
    from, and where it ends a number's range."""
    seen: dict[str, list[LiteralValue]] = {}
    for expr in guards:
        for name, values in constants(expr).items():
            seen.setdefault(name, []).extend(values)
    return seen


_PLAIN = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:[ -][A-Za-z0-9_]+)*")
_YAML_WORDS = frozenset({"y", "n", "yes", "no", "true", "false", "on", "off", "null"})


def _yaml_key(text: str) -> str:
    """``text`` as a key of a YAML flow mapping that reads back as the same string: as it is
    when plain, JSON-quoted otherwise (a word YAML reads as true, false or null included)."""
    if _PLAIN.fullmatch(text) and text.lower() not in _YAML_WORDS:
        return text
    return json.dumps(text, ensure_ascii=False)


def population_example(name: str, field: CaseField | None, seen: Iterable[object] = ()) -> str:
    """A ``simulation.population`` entry for case field ``name`` that can be pasted into a
    file as it is (YAML flow style), drawn as ``field``'s type allows: an integer or number
    uniformly from its ``min`` (or 0, or the smallest number ``seen``: the guards' constants)
    to its ``max`` (or twice the largest number seen, at least low + 1, at most the largest
    value a population may hold), a boolean as a fair coin, an enum equally often over its
    values. A field the pathway does not declare is drawn as the constants the guards compare
    it with suggest (a boolean without any).

    >>> from pathways.model import CaseField
    >>> population_example("age", CaseField(type="integer", min=0, max=17))
    '{age: {uniform: [0, 17]}}'
    >>> population_example("hours", CaseField(type="number", min=0), [72, 24])
    '{hours: {uniform: [0, 144]}}'
    >>> population_example("score", CaseField(type="number"), [0.5])
    '{score: {uniform: [0, 1]}}'
    >>> population_example("online", CaseField(type="boolean"))
    '{online: {bernoulli: 0.5}}'
    >>> population_example("risk", CaseField(type="enum", values=("low", "yes", "a: b")))
    '{risk: {choice: {low: 1, "yes": 1, "a: b": 1}}}'
    """
    values = list(seen)
    numbers = [v for v in values if isinstance(v, int | float) and not isinstance(v, bool)]
    words = list(dict.fromkeys(v for v in values if isinstance(v, str)))
    if field is not None:
        kind = field.type
    elif numbers:
        kind = "number"
    else:
        kind = "enum" if words else "boolean"
    if kind == "boolean":
        draw = "{bernoulli: 0.5}"
    elif kind == "enum":
        options = list(field.values or ()) if field is not None else words
        draw = "{choice: {" + ", ".join(f"{_yaml_key(v)}: 1" for v in options) + "}}"
    else:
        low = field.min if field is not None and field.min is not None else min([0, *numbers])
        high = (
            field.max
            if field is not None and field.max is not None
            # no further than a file's population may draw (the example must load)
            else min(MAX_NUMBER, max([low + 1, *(2 * v for v in numbers)]))
        )
        low = min(low, high)  # a max below 0 or the guards' numbers
        if kind == "integer":
            low, high = math.ceil(low), math.floor(high)
        ends = [int(v) if float(v).is_integer() else v for v in (low, high)]
        draw = f"{{uniform: [{format_literal(ends[0])}, {format_literal(ends[1])}]}}"
    return f"{{{_yaml_key(name)}: {draw}}}"
