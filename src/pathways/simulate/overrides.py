"""What-if overrides: ``--set roles.social_worker.capacity=5`` applied to a pathway before a run.

An override is ``PATH=VALUE``. ``PATH`` is dotted: a section (``roles``, ``steps``, ``agencies``,
``deadlines``: then an id; ``transitions``: then an index), then the keys inside, as in the file
(``steps.intake.duration``, ``transitions.3.probability``, ``simulation.arrivals_per_day``,
``simulation.population.age``, ``policies.max_interviews``). ``VALUE`` is read as YAML, so
``5``, ``2h``, ``null`` and ``{min: 1h, max: 3h}`` all work. The changed document is validated
again as a whole, so an override can never produce a pathway a file could not.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import yaml
from pydantic import ValidationError

from pathways.errors import SimulationError
from pathways.model import Pathway

__all__ = ["apply_overrides", "parse_override"]

_BY_ID = ("roles", "steps", "agencies", "deadlines")


def parse_override(text: str) -> tuple[str, Any]:
    """``"roles.x.capacity=5"`` -> ``("roles.x.capacity", 5)``.

    Raises
    ------
    SimulationError
        There is no ``=``, or the value is not valid YAML.
    """
    path, sep, raw = text.partition("=")
    path = path.strip()
    if not sep or not path:
        raise SimulationError(
            f"--set {text!r}: write PATH=VALUE, e.g. roles.social_worker.capacity=5"
        )
    try:
        value = yaml.safe_load(raw) if raw.strip() else None
    except yaml.YAMLError:
        raise SimulationError(f"--set {text!r}: the value is not valid YAML") from None
    return path, value


def _set(doc: dict[str, Any], path: str, value: Any) -> None:
    parts = path.split(".")
    head = parts[0]
    if head not in doc and head not in ("simulation", "policies"):
        raise SimulationError(
            f"--set {path}: no section {head!r}; use roles, steps, transitions, agencies, "
            "deadlines, simulation or policies"
        )
    node: Any = doc
    rest = parts
    if head in _BY_ID or head == "transitions":
        if len(parts) < 3:
            raise SimulationError(f"--set {path}: name an item and a key, e.g. {head}.<id>.<key>")
        items = doc.get(head, [])
        if head == "transitions":
            try:
                node = items[int(parts[1])]
            except (ValueError, IndexError):
                raise SimulationError(
                    f"--set {path}: {parts[1]!r} is not a transition index (0 to {len(items) - 1})"
                ) from None
        else:
            found = [item for item in items if item.get("id") == parts[1]]
            if not found:
                ids = ", ".join(str(item.get("id")) for item in items)
                raise SimulationError(
                    f"--set {path}: no {head[:-1]} {parts[1]!r}; there are: {ids}"
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
    >>> from pathways.simulate.overrides import apply_overrides
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
    doc = pathway.model_dump(mode="json", by_alias=True, exclude_defaults=True)
    doc["format"] = pathway.format
    for path, value in pairs:
        _set(doc, path, value)
    try:
        return Pathway.model_validate(doc)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(x) for x in err["loc"])
        names = ", ".join(p for p, _ in pairs)
        raise SimulationError(f"--set {names}: {where}: {err['msg']}") from None
