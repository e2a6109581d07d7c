"""What-if overrides: ``--set roles.social_worker.capacity=5`` applied to a pathway before a run.

An override is ``PATH=VALUE``. ``PATH`` is dotted: a section (``roles``, ``steps``, ``agencies``,
``deadlines``: then an id; ``transitions``: then an index, or ``from=A,to=B`` (also ``event=E``)
naming the transition by its steps), then the keys inside, as in the file
(``steps.intake.duration``, ``transitions.3.probability``, ``simulation.arrivals_per_day``,
``simulation.population.age``, ``policies.max_interviews``). ``VALUE`` is read as YAML, so
``5``, ``2h``, ``null`` and ``{min: 1h, max: 3h}`` all work. The changed document is validated
again as a whole, so an override can never produce a pathway a file could not. A name that
matches nothing gets the loader's "did you mean" hint.

The parser sits beside the loader, which checks each scenario's ``set:`` with it
(:func:`check_overrides`) as ``pathways simulate`` would apply it (:func:`apply_overrides`);
:mod:`pathways.simulate.overrides` re-exports these names and adds :func:`scenario_overrides`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import yaml
from pydantic import ValidationError

from pathways.errors import SimulationError
from pathways.i18n import did_you_mean
from pathways.load.schema_errors import keyed_where
from pathways.model import KeyedValueError, Pathway

__all__ = [
    "NamesNothing",
    "apply_overrides",
    "check_overrides",
    "hint",
    "parse_override",
]


class NamesNothing(SimulationError):
    """An override whose path names no section, item or transition of the pathway (the
    loader reports it in a scenario's ``set:`` as PW003, unknown-reference)."""


_BY_ID = ("roles", "steps", "agencies", "deadlines")
_SELECTOR = re.compile(
    r"^transitions\.((?:from|to|event)=[^.,=]+(?:,(?:from|to|event)=[^.,=]+)*)\."
)


def hint(name: str, known: Iterable[str]) -> str:
    """The loader's hint: 'did you mean' the closest name, else the names there are.

    >>> hint("docter", ["doctor", "police"])
    "; did you mean 'doctor'?"
    """
    names = sorted(set(known))
    return did_you_mean(name, names) or (
        f"; there are: {', '.join(names[:12])}" if names else "; there are none"
    )


MAX_OVERRIDE_CHARS = 2000
"""The longest ``--set`` text."""

MAX_OVERRIDE_DEPTH = 20
"""The deepest bracket nesting of a ``--set`` value."""


def _depth(text: str) -> int:
    deepest = depth = 0
    for ch in text:
        if ch in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif ch in "]}":
            depth -= 1
    return deepest


def parse_override(text: str) -> tuple[str, Any]:
    """``"roles.x.capacity=5"`` -> ``("roles.x.capacity", 5)``.

    Raises
    ------
    SimulationError
        There is no ``=``, or the value is not valid YAML.
    """
    if len(text) > MAX_OVERRIDE_CHARS or _depth(text) > MAX_OVERRIDE_DEPTH:
        raise SimulationError(
            f"--set {text[:40]!r}...: longer than {MAX_OVERRIDE_CHARS} characters or nested "
            f"deeper than {MAX_OVERRIDE_DEPTH} levels; an override is one short value"
        )
    selector = _SELECTOR.match(text.strip())
    if selector:  # transitions.from=a,to=b.key=value: the selector holds '=' signs of its own
        head = selector.group(0)
        path, sep, raw = text.strip()[len(head) :].partition("=")
        path = head + path.strip()
    else:
        path, sep, raw = text.partition("=")
    path = path.strip()
    if not sep or not path:
        raise SimulationError(
            f"--set {text!r}: write PATH=VALUE, e.g. roles.social_worker.capacity=5"
        )
    try:
        value = yaml.safe_load(raw) if raw.strip() else None
    except (yaml.YAMLError, ValueError, RecursionError):
        raise SimulationError(f"--set {text!r}: the value is not valid YAML") from None
    return path, value


def _transition(items: list[dict[str, Any]], path: str, key: str) -> dict[str, Any]:
    """The transition ``key`` names: an index, or ``from=A,to=B[,event=E]``."""
    if "=" not in key:
        try:
            return items[int(key)]
        except (ValueError, IndexError):
            raise NamesNothing(
                f"--set {path}: {key!r} is not a transition index (0 to {len(items) - 1}) "
                "or from=STEP,to=STEP"
            ) from None
    want = dict(part.split("=", 1) for part in key.split(","))
    found = [t for t in items if all(str(t.get(k)) == v for k, v in want.items())]
    if len(found) == 1:
        return found[0]
    if found:
        raise SimulationError(
            f"--set {path}: {len(found)} transitions match {key!r}; add event=... to pick one"
        )
    for field in ("from", "to", "event"):
        if field in want and not any(str(t.get(field)) == want[field] for t in items):
            known = [str(t.get(field)) for t in items if t.get(field) is not None]
            raise NamesNothing(
                f"--set {path}: no transition has {field}={want[field]}" + hint(want[field], known)
            )
    near = [t for t in items if str(t.get("from")) == want.get("from")] or items
    pairs = ", ".join(f"from={t.get('from')},to={t.get('to')}" for t in near[:8])
    raise NamesNothing(f"--set {path}: no transition matches {key!r}; there are: {pairs}")


def _set(doc: dict[str, Any], path: str, value: Any) -> None:
    selector = _SELECTOR.match(path + ".")
    parts = path.split(".")
    if selector and path.startswith("transitions."):
        key = selector.group(1)
        parts = ["transitions", key, *path[len("transitions.") + len(key) + 1 :].split(".")]
    head = parts[0]
    if head not in doc and head not in ("simulation", "policies"):
        sections = ["roles", "steps", "transitions", "agencies", "deadlines", "simulation"]
        raise NamesNothing(
            f"--set {path}: no section {head!r}" + hint(head, [*sections, "policies"])
        )
    if parts[:2] == ["simulation", "population"]:  # a case field the file does not declare
        fields = doc.get("case_fields") or {}
        named = parts[2:3] or (list(value) if isinstance(value, dict) else [])
        for name in named:
            if name not in fields:
                raise NamesNothing(
                    f"--set {path}: no case field {name!r}" + hint(str(name), map(str, fields))
                )
    node: Any = doc
    rest = parts
    if head in _BY_ID or head == "transitions":
        if len(parts) < 3:
            raise SimulationError(f"--set {path}: name an item and a key, e.g. {head}.<id>.<key>")
        items = doc.get(head, [])
        if head == "transitions":
            node = _transition(items, path, parts[1])
        else:
            found = [item for item in items if item.get("id") == parts[1]]
            if not found:
                ids = [str(item.get("id")) for item in items]
                raise NamesNothing(
                    f"--set {path}: no {head[:-1]} {parts[1]!r}" + hint(parts[1], ids)
                )
            node = found[0]
        rest = parts[2:]
    else:
        rest = parts
    for key in rest[:-1]:
        child = node.get(key) if isinstance(node, Mapping) else None
        if child is None:
            child = {}
            node[key] = child
        if not isinstance(child, dict):
            raise SimulationError(f"--set {path}: {key!r} is not a map")
        node = child
    if value is None:
        node.pop(rest[-1], None)
    else:
        node[rest[-1]] = value


def check_overrides(
    pathway: Pathway, overrides: Sequence[str]
) -> list[tuple[int | None, SimulationError]]:
    """The problems of a list of ``--set`` texts, without running anything: ``(index of the
    override, error)`` for each that cannot be read or names nothing, in order; else one with
    index None when the changed pathway is not valid; ``[]`` when :func:`apply_overrides`
    would succeed. The same parser and the same steps as :func:`apply_overrides` (values are
    read with ``yaml.safe_load`` only).

    Examples
    --------
    >>> import pathways as pw
    >>> from pathways.load.overrides import check_overrides
    >>> p = pw.load("pathways/kh/csa-in-person.yaml")
    >>> for index, error in check_overrides(p, ["roles.docter.capacity=2", "steps=1"]):
    ...     print(index, error)
    0 --set roles.docter.capacity: no role 'docter'; did you mean 'doctor'?
    1 --set steps: name an item and a key, e.g. steps.<id>.<key>
    """
    if not overrides:
        return []
    problems: list[tuple[int | None, SimulationError]] = []
    pairs: list[tuple[str, Any]] = []
    doc = _document(pathway)
    for index, text in enumerate(overrides):
        try:
            path, value = parse_override(text)
            _set(doc, path, value)
        except SimulationError as exc:
            problems.append((index, exc))
            continue
        pairs.append((path, value))
    if problems:
        return problems
    try:
        _validated(doc, pairs)
    except SimulationError as exc:
        return [(None, exc)]
    return []


def _document(pathway: Pathway) -> dict[str, Any]:
    doc = pathway.model_dump(mode="json", by_alias=True, exclude_defaults=True)
    doc["format"] = pathway.format
    return doc


def _validated(doc: dict[str, Any], pairs: Sequence[tuple[str, Any]]) -> Pathway:
    try:
        return Pathway.model_validate(doc)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(x) for x in err["loc"])
        message = str(err["msg"]).removeprefix("Value error, ")  # as the loader words it
        inner = err.get("ctx", {}).get("error")
        if isinstance(inner, KeyedValueError):  # the loader's words for the first key
            below, message = inner.errors[0]
            where = keyed_where(tuple(err["loc"]), below)
        names = ", ".join(p for p, _ in pairs)
        raise SimulationError(f"--set {names}: {where}: {message}") from None


def apply_overrides(pathway: Pathway, overrides: Iterable[str] | Mapping[str, Any]) -> Pathway:
    """A copy of ``pathway`` with the overrides applied, validated again.

    Parameters
    ----------
    overrides : iterable of "PATH=VALUE" strings, or a mapping of PATH to value

    Raises
    ------
    SimulationError
        A path names nothing in the pathway, or the changed pathway is not valid; the message is
        one line naming the override.

    Examples
    --------
    >>> import pathways as pw
    >>> from pathways.load.overrides import apply_overrides
    >>> p = pw.load("pathways/kh/csa-in-person.yaml")
    >>> apply_overrides(p, ["roles.doctor.capacity=5"]).roles_by_id["doctor"].capacity
    5
    """
    pairs = (
        list(overrides.items())
        if isinstance(overrides, Mapping)
        else [parse_override(text) for text in overrides]
    )
    if not pairs:
        return pathway
    doc = _document(pathway)
    for path, value in pairs:
        _set(doc, path, value)
    return _validated(doc, pairs)
