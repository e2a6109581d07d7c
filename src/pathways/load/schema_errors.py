"""pydantic validation errors -> PW002/PW006 findings at the offending key or value.

Maps each error's ``loc`` to the longest document path the source map knows, words the message
with the dotted path, and adds a 'did you mean' hint for unknown keys.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel, ValidationError

from pathways.findings import Finding
from pathways.load.codes import finding
from pathways.load.source import DocPath, SourceMap
from pathways.model import Pathway

__all__ = ["schema_findings"]


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
    for error in exc.errors(include_url=False):
        loc = tuple(error["loc"])
        kind = error["type"]
        path = _error_path(loc, smap)
        code = "PW006" if kind == "invalid_duration" else "PW002"
        if kind == "extra_forbidden":
            key = loc[-1]
            options = [f for f in _model_fields(Pathway, loc[:-1]) if f != key]
            close = difflib.get_close_matches(str(key), options, n=1)
            hint = (
                f"; did you mean {close[0]!r}?"
                if close
                else (f"; allowed: {', '.join(options)}" if options else "")
            )
            location = smap.locate(
                (*path[:-1], key) if path and path[-1] == key else path, key=True
            )
            message = f"unknown key {key!r} in {_dotted(loc[:-1])}{hint}"
        elif kind == "missing":
            location = smap.locate(path)
            message = f"{_dotted(loc[:-1])} is missing required key {loc[-1]!r}"
        else:
            location = smap.locate(path)
            text = str(error["msg"]).removeprefix("Value error, ")
            where = _dotted(path)
            message = f"{where}: {text[0].lower() + text[1:] if text else 'invalid value'}"
        marker = (code, location.line, location.column, message)
        if marker in seen:
            continue
        seen.add(marker)
        findings.append(finding(code, message, location))
    return findings
