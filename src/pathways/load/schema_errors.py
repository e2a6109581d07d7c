"""pydantic validation errors -> PW002/PW006 findings at the offending key or value.

Maps each error's ``loc`` to the longest document path the source map knows, words the message
with the dotted path, and adds a 'did you mean' hint for unknown keys.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel, ValidationError

from pathways.findings import Finding, Location
from pathways.i18n import did_you_mean
from pathways.load.codes import finding
from pathways.load.source import DocPath, SourceMap
from pathways.model import KeyedValueError, Pathway

__all__ = ["MAX_UNKNOWN_KEYS", "keyed_where", "prune_unknown", "schema_findings"]


def _error_path(loc: tuple[int | str, ...], smap: SourceMap) -> DocPath:
    """The longest prefix of a pydantic error location that is in the document.

    pydantic adds union member tags (``str``, ``dict[str,str]``) and model-validator markers to
    ``loc``; they are not document keys and are dropped here.
    """
    path: DocPath = ()
    for part in loc:
        candidate = (*path, part)
        if smap.has(candidate):
            path = candidate
        elif isinstance(part, str) and part in ("from",) and smap.has((*path, "from")):
            path = (*path, "from")
    return path


def _dotted(path: Sequence[str | int]) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "document"


def _model_fields(model: type[BaseModel], loc: Sequence[str | int]) -> list[str]:
    """Field names (aliases) of the model at ``loc``, for 'did you mean' hints."""
    current: Any = model
    for part in loc:
        if isinstance(part, int):
            continue
        field = None
        if isinstance(current, type) and issubclass(current, BaseModel):
            for name, info in current.model_fields.items():
                if (info.alias or name) == part:
                    field = info
        if field is None:
            return []
        current = _inner_model(field.annotation)
    if isinstance(current, type) and issubclass(current, BaseModel):
        return [info.alias or name for name, info in current.model_fields.items()]
    return []


def _inner_model(annotation: Any) -> Any:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()) or ():
        found = _inner_model(arg)
        if found is not None:
            return found
    return None


def schema_findings(exc: ValidationError, smap: SourceMap) -> list[Finding]:
    """One PW002 (PW006 for a bad duration) finding per distinct error, in pydantic's order."""
    findings: list[Finding] = []
    seen: set[tuple[str, int, int, str]] = set()
    spellings: dict[DocPath, dict[tuple[bool, object], str]] = {}
    for error in exc.errors(include_url=False):
        loc = tuple(error["loc"])
        kind = error["type"]
        path = _error_path(loc, smap)
        code = "PW006" if kind == "invalid_duration" else "PW002"
        if kind == "extra_forbidden":
            key = loc[-1]
            options = [f for f in _model_fields(Pathway, loc[:-1]) if f != key]
            hint = did_you_mean(str(key), options) or (
                f"; allowed: {', '.join(options)}" if options else ""
            )
            location = smap.locate(
                (*path[:-1], key) if path and path[-1] == key else path, key=True
            )
            message = f"unknown key {key!r} in {_dotted(loc[:-1])}{hint}"
        elif kind == "missing":
            location = smap.locate(path)
            message = f"{_dotted(loc[:-1])} is missing required key {loc[-1]!r}"
        else:
            inner = error.get("ctx", {}).get("error")
            if isinstance(inner, KeyedValueError):  # one finding per key, at the key
                for below, text in inner.errors:
                    at = _as_written((*path, *below), smap, spellings)
                    _add(
                        findings,
                        seen,
                        code,
                        f"{keyed_where(path, below)}: {text}",
                        smap.locate(at, key=at in smap.keys),  # a list item: its value
                    )
                continue
            location = smap.locate(path)
            text = str(error["msg"]).removeprefix("Value error, ")
            where = _dotted(path)
            message = f"{where}: {text[0].lower() + text[1:] if text else 'invalid value'}"
            if kind == "literal_error" and isinstance(error.get("input"), str):
                message += _literal_hint(error["input"], str(error.get("ctx", {}).get("expected")))
        _add(findings, seen, code, message, location)
    return findings


def _as_written(
    at: DocPath, smap: SourceMap, spellings: dict[DocPath, dict[tuple[bool, object], str]]
) -> DocPath:
    """``at`` as the document writes it. A population ``choice``'s key over a number or
    boolean field may be written as text (``{"20": 0.5}``: a JSON file's keys are all text),
    which the model reads as the field's type (``20``); the path of such a key is found again
    by its text among its siblings' (``spellings``: each map's, read once, by parent path).

    >>> from pathways.load.source import SourceMap
    >>> smap = SourceMap("p.json", keys={("c", "20"): (3, 9), ("c", "true"): (3, 20)})
    >>> _as_written(("c", 20), smap, {}), _as_written(("c", True), smap, {})
    (('c', '20'), ('c', 'true'))
    >>> _as_written(("c", 1), smap, {})  # no such key: as it was
    ('c', 1)
    """
    last = at[-1] if at else None
    if not isinstance(last, int | float) or at in smap.keys or at in smap.values:
        return at  # text, written as read, or a list's item
    parent = at[:-1]
    spelled = spellings.get(parent)
    if spelled is None:
        spelled = spellings[parent] = {}
        for path in smap.keys:
            text = path[-1] if len(path) == len(at) else None
            if isinstance(text, str) and path[:-1] == parent:
                read = _read_key(text)
                if read is not None:
                    spelled.setdefault(read, text)
    text = spelled.get(_key_of(last))
    return at if text is None else (*parent, text)


def _read_key(text: str) -> tuple[bool, object] | None:
    """A key written as text, read as a number or boolean (as :mod:`pathways.model` reads a
    choice's), in the form :func:`_key_of` gives; else None."""
    if len(text) > 40:
        return None
    try:
        value = json.loads(text)
    except ValueError:
        return None
    return _key_of(value) if isinstance(value, int | float) else None


def _key_of(value: object) -> tuple[bool, object]:
    """A number or boolean as a dict key: ``True`` not ``1``, every NaN alike."""
    return (isinstance(value, bool), value if value == value else "nan")


def _literal_hint(value: str, expected: str) -> str:
    """The loader's 'did you mean' for a value that is not one of a few fixed words (a
    calendar's days, a step's kind), when one is close; pydantic's message lists them all.

    >>> _literal_hint("tues", "'mon', 'tue' or 'wed'")
    "; did you mean 'tue'?"
    >>> _literal_hint("pathways/2", "'pathways/1'")
    ''
    """
    choices = re.findall(r"'([^']*)'", expected)
    return did_you_mean(value, choices) if len(choices) > 1 else ""


def keyed_where(path: Sequence[str | int], below: Sequence[str | int]) -> str:
    """Where a :class:`~pathways.model.KeyedValueError` is said to be: at the model its
    validator checks, or (for the whole pathway's) at the section of the key.

    >>> keyed_where(("case_fields", "risk"), ("value_labels", "hihg"))
    'case_fields.risk'
    >>> keyed_where((), ("simulation", "population", "risk", "fixed"))
    'simulation'
    """
    return _dotted(path or below[:1])


def _add(
    findings: list[Finding],
    seen: set[tuple[str, int, int, str]],
    code: str,
    message: str,
    location: Location,
) -> None:
    """``findings`` with one more finding, unless the same one is there already."""
    marker = (code, location.line, location.column, message)
    if marker not in seen:
        seen.add(marker)
        findings.append(finding(code, message, location))


MAX_UNKNOWN_KEYS = 20
"""Unknown keys reported one by one per file; the rest are counted in one more finding."""


def prune_unknown(data: dict[str, Any], smap: SourceMap) -> tuple[dict[str, Any], list[Finding]]:
    """``data`` with the unknown keys past the first :data:`MAX_UNKNOWN_KEYS` removed, and a
    finding that counts them.

    Keys are judged against the model where the model is a plain one (the sections of a
    pathway, their items, ``case_fields`` entries); one linear pass, so a file with hundreds of
    thousands of unknown keys costs no more than reading it, and its report stays short.
    """
    state = {"kept": 0, "dropped": 0, "first": None}
    out = _prune(data, Pathway, (), state)
    if not state["dropped"]:
        return data, []
    first = state["first"]
    assert isinstance(first, tuple)
    count = state["dropped"]
    message = (
        f"and {count:,} more unknown key{'s' * (count != 1)} (the first {MAX_UNKNOWN_KEYS} are "
        "listed); a pathway has only the keys of the format reference"
    )
    return out, [finding("PW002", message, smap.locate(first, key=True))]


def _prune(node: Any, model: Any, path: DocPath, state: dict[str, Any]) -> Any:
    if isinstance(node, list):
        return [_prune(item, model, (*path, i), state) for i, item in enumerate(node)]
    if not isinstance(node, dict) or not (isinstance(model, type) and issubclass(model, BaseModel)):
        return node
    fields = {(info.alias or name): info for name, info in model.model_fields.items()}
    out: dict[Any, Any] = {}
    for key, value in node.items():
        info = fields.get(key) if isinstance(key, str) else None
        if info is None:
            if state["kept"] < MAX_UNKNOWN_KEYS:
                state["kept"] += 1
                out[key] = value
            else:
                state["dropped"] += 1
                if state["first"] is None:
                    state["first"] = (*path, key)
            continue
        inner = _inner_model(info.annotation)
        if inner is not None and _is_mapping_of_models(info.annotation):
            out[key] = (
                {k: _prune(v, inner, (*path, key, k), state) for k, v in value.items()}
                if isinstance(value, dict)
                else value
            )
        elif inner is not None:
            out[key] = _prune(value, inner, (*path, key), state)
        else:
            out[key] = value
    return out


def _is_mapping_of_models(annotation: Any) -> bool:
    """Whether a field is ``dict[str, Model]`` (``case_fields``) rather than a model or a list."""
    origin = getattr(annotation, "__origin__", None)
    if origin is dict:
        return True
    return any(_is_mapping_of_models(arg) for arg in getattr(annotation, "__args__", ()) or ())
