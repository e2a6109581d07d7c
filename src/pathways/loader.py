"""Loading: YAML or JSON text -> (data, SourceMap) -> Pathway, or PW0xx findings.

1. Read the bytes with a size bound, decode strict UTF-8 (PW001 at the bad byte).
2. ``yaml.compose`` the text (the C parser when libyaml is there) into nodes, with a resolver
   that keeps ``yes``/``no``/``on``/``off`` as strings: step ids like ``yes`` are likely in
   decision pathways, and YAML 1.1 would silently turn them into booleans.
3. Walk the nodes once into plain ``dict``/``list``/scalars, recording every key's and value's
   line and column, refusing duplicate keys and alias expansion past a bound (PW001).
4. Check references and duplicate ids on the plain data (PW003, PW004;
   :mod:`pathways._references`), validate with pydantic and map each error to the offending
   node (PW002, PW006; :mod:`pathways._schema_errors`), type-check the guards (PW005).
5. Return a :class:`~pathways.model.Pathway`, or raise :class:`~pathways.errors.LoadError`
   with every finding of the file. A file is never half-loaded.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from pathways._gc import gc_paused
from pathways._load_codes import finding
from pathways._references import check_references
from pathways._schema_errors import schema_findings
from pathways.errors import LoadError
from pathways.findings import Finding, Location
from pathways.model import Pathway
from pathways.source import DocPath, SourceMap

__all__ = [
    "MAX_BYTES",
    "MAX_NODES",
    "dump",
    "load",
    "load_findings",
    "loads",
    "parse_document",
]

MAX_BYTES = 10 * 1024 * 1024
"""Files larger than this are refused (PW001) without being read whole."""

MAX_NODES = 1_000_000
"""Alias expansion past this many nodes is refused (PW001): a 'billion laughs' file."""

try:  # the C parser is several times faster; the node tree and marks are the same
    _BaseLoader: type[yaml.SafeLoader] = yaml.CSafeLoader  # type: ignore[assignment]
except AttributeError:  # pragma: no cover - PyYAML built without libyaml
    _BaseLoader = yaml.SafeLoader


class _Loader(_BaseLoader):  # type: ignore[misc,valid-type]
    """SafeLoader whose booleans are only true/false (YAML 1.2), never yes/no/on/off."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in _BaseLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool",
    re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
    list("tTfF"),
)


class _DocumentError(Exception):
    def __init__(self, message: str, line: int, column: int) -> None:
        super().__init__(message)
        self.line = line
        self.column = column


# --- 1-3: text -> plain data + source map ------------------------------------------------------


def _read(path: Path) -> bytes:
    with path.open("rb") as fh:
        data = fh.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise _DocumentError(
            f"file is larger than {MAX_BYTES // (1024 * 1024)} MB; a pathway is far smaller, "
            "so this is not a pathway file",
            1,
            1,
        )
    return data


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        before = data[: exc.start]
        line = before.count(b"\n") + 1
        column = exc.start - (before.rfind(b"\n") + 1) + 1
        raise _DocumentError(
            f"invalid UTF-8 byte 0x{data[exc.start]:02x}; save the file as UTF-8", line, column
        ) from None


def parse_document(text: str, file: str = "<string>") -> tuple[Any, SourceMap]:
    """Parse YAML or JSON text into plain data and a source map.

    Raises
    ------
    LoadError
        PW001 when the text is not readable YAML/JSON, repeats a key, or expands aliases
        past :data:`MAX_NODES`.
    """
    smap = SourceMap(file, text=text)
    try:
        if len(text) > MAX_BYTES:
            raise _DocumentError("document is larger than 10 MB; this is not a pathway", 1, 1)
        loader = _Loader(text)
        try:
            node = loader.get_single_node()
            if node is None:
                raise _DocumentError("the file is empty; a pathway starts with 'format:'", 1, 1)
            data = _Walker(loader, smap).walk(node, ())
        finally:
            loader.dispose()
    except _DocumentError as exc:
        raise LoadError(
            [finding("PW001", str(exc), Location(file, exc.line, exc.column))]
        ) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
        problem = exc.problem or exc.context or "unreadable YAML"
        message = f"not readable as YAML: {problem}"
        raise LoadError([finding("PW001", message, Location(file, line, column))]) from None
    except yaml.YAMLError as exc:
        first = str(exc).splitlines()[0] if str(exc) else "unreadable YAML"
        raise LoadError(
            [finding("PW001", f"not readable as YAML: {first}", Location(file, 1, 1))]
        ) from None
    return data, smap


class _Walker:
    """Turns a node tree into plain data, recording positions; one pass, bounded."""

    def __init__(self, loader: Any, smap: SourceMap) -> None:
        self.loader = loader
        self.smap = smap
        self.values = smap.values
        self.count = 0

    def walk(self, node: yaml.Node, path: DocPath) -> Any:
        self.count += 1
        mark = node.start_mark
        pos = (mark.line + 1, mark.column + 1)
        if self.count > MAX_NODES:
            raise _DocumentError(
                f"aliases expand to more than {MAX_NODES:,} nodes; write the data out plainly", *pos
            )
        if len(path) > 100:
            raise _DocumentError("nesting deeper than 100 levels", *pos)
        if node.tag not in _PLAIN_TAGS:
            raise _DocumentError(
                f"unsupported YAML tag {node.tag!r}; pathway files hold plain data only", *pos
            )
        self.values[path] = pos
        if isinstance(node, yaml.ScalarNode):
            return node.value if node.tag == _STR_TAG else self._scalar(node)
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, path)
        return [self.walk(item, (*path, i)) for i, item in enumerate(node.value)]

    def _mapping(self, node: yaml.MappingNode, path: DocPath) -> dict[Any, Any]:
        out: dict[Any, Any] = {}
        keys, values = self.smap.keys, self.values
        pairs: list[tuple[yaml.Node, yaml.Node]] = list(node.value)
        merged_from: set[int] = set()  # key nodes that come from a merge key `<<`
        if any(k.tag == _MERGE_TAG for k, _ in pairs):
            own = [p for p in pairs if p[0].tag != _MERGE_TAG]
            merged: list[tuple[yaml.Node, yaml.Node]] = []
            for key_node, value_node in pairs:
                if key_node.tag != _MERGE_TAG:
                    continue
                sources = (
                    value_node.value if isinstance(value_node, yaml.SequenceNode) else [value_node]
                )
                for source in sources:
                    if not isinstance(source, yaml.MappingNode):
                        raise _DocumentError(
                            "a merge key '<<' takes a mapping or a list of mappings",
                            value_node.start_mark.line + 1,
                            value_node.start_mark.column + 1,
                        )
                    merged.extend(p for p in source.value if p[0].tag != _MERGE_TAG)
            merged_from = {id(k) for k, _ in merged}
            pairs = own + merged
        for key_node, value_node in pairs:
            if not isinstance(key_node, yaml.ScalarNode):
                raise _DocumentError(
                    "a mapping key must be a plain value",
                    key_node.start_mark.line + 1,
                    key_node.start_mark.column + 1,
                )
            key = key_node.value if key_node.tag == _STR_TAG else self._scalar(key_node)
            if not isinstance(key, str | int | float | bool):
                key = str(key)
            if key in out:
                if id(key_node) in merged_from:  # a merged key never overrides an explicit one
                    continue
                raise _DocumentError(
                    f"duplicate key {key!r}; each key may appear once in a mapping",
                    key_node.start_mark.line + 1,
                    key_node.start_mark.column + 1,
                )
            child = (*path, key)
            mark = key_node.start_mark
            keys[child] = (mark.line + 1, mark.column + 1)
            if value_node.tag == _STR_TAG and isinstance(value_node, yaml.ScalarNode):
                # the common leaf, inlined: a plain string needs no checks beyond the count
                self.count += 1
                if self.count > MAX_NODES:
                    out[key] = self.walk(value_node, child)  # raises with the position
                mark = value_node.start_mark
                values[child] = (mark.line + 1, mark.column + 1)
                out[key] = value_node.value
            else:
                out[key] = self.walk(value_node, child)
        return out

    def _scalar(self, node: yaml.Node) -> Any:
        if node.tag == _STR_TAG:  # the common case, without the constructor's overhead
            return node.value
        try:
            return self.loader.construct_object(node, deep=True)
        except yaml.YAMLError as exc:
            raise _DocumentError(
                f"cannot read value: {getattr(exc, 'problem', None) or exc}",
                node.start_mark.line + 1,
                node.start_mark.column + 1,
            ) from None


_MERGE_TAG = "tag:yaml.org,2002:merge"
_STR_TAG = "tag:yaml.org,2002:str"
_YAML_UNSAFE = re.compile(yaml.reader.Reader.NON_PRINTABLE.pattern + "|[\x85\u2028\u2029]")
_PLAIN_TAGS = frozenset(
    f"tag:yaml.org,2002:{t}"
    for t in ("str", "int", "float", "bool", "null", "timestamp", "map", "seq")
)


# --- 4: plain data -> findings + Pathway -------------------------------------------------------


def _guard_findings(pathway: Pathway, smap: SourceMap) -> list[Finding]:
    """PW005: every ``when:`` parses and type-checks against ``case_fields``."""
    from pathways import guards

    findings: list[Finding] = []
    for i, tr in enumerate(pathway.transitions):
        if tr.when is None:
            continue
        base = smap.locate(("transitions", i, "when"))
        try:
            errors = guards.check_guard(guards.parse_guard(tr.when), pathway.case_fields)
        except guards.GuardError as exc:
            errors = [exc]
        for err in errors:
            column = base.column + _column_offset(
                smap, ("transitions", i, "when"), tr.when, getattr(err, "column", 1)
            )
            findings.append(
                finding(
                    "PW005",
                    f"guard {tr.when!r}: {err}",
                    Location(base.file, base.line, column, base.path),
                )
            )
    return findings


def _column_offset(smap: SourceMap, path: DocPath, text: str, column: int) -> int:
    """Where column ``column`` of a guard sits relative to the start of its YAML value.

    A quoted scalar starts one character before its text; a plain one starts with it.
    """
    del text
    line, col = smap.values.get(path, (0, 0))
    lines = smap.text.splitlines()
    quoted = 0 < line <= len(lines) and lines[line - 1][col - 1 : col] in ("'", '"')
    return max(column - 1, 0) + (1 if quoted else 0)


def load_findings(
    text: str | bytes, file: str = "<string>"
) -> tuple[Pathway | None, list[Finding]]:
    """Load text into a Pathway, returning every load finding instead of raising."""
    with gc_paused():
        return _load_findings(text, file)


def _load_findings(text: str | bytes, file: str) -> tuple[Pathway | None, list[Finding]]:
    try:
        if isinstance(text, bytes):
            if len(text) > MAX_BYTES:
                raise _DocumentError("file is larger than 10 MB; this is not a pathway", 1, 1)
            text = _decode(text)
        data, smap = parse_document(text, file)
    except _DocumentError as exc:
        return None, [finding("PW001", str(exc), Location(file, exc.line, exc.column))]
    except LoadError as exc:
        return None, exc.findings
    if not isinstance(data, dict):
        kind = type(data).__name__ if data is not None else "empty"
        return None, [
            finding(
                "PW002",
                f"a pathway file holds one mapping (format:, id:, steps: ...), not a {kind} value",
                smap.locate(()),
            )
        ]
    findings = check_references(data, smap)
    pathway: Pathway | None = None
    try:
        pathway = Pathway.model_validate(data)
    except ValidationError as exc:
        findings.extend(schema_findings(exc, smap))
    if pathway is not None:
        pathway.__dict__["_source_map"] = smap
        findings.extend(_guard_findings(pathway, smap))
    findings.sort(key=Finding.sort_key)
    if findings:
        return None, findings
    return pathway, []


def loads(text: str | bytes, file: str = "<string>") -> Pathway:
    """Load a pathway from YAML or JSON text.

    Raises
    ------
    LoadError
        With every PW0xx finding of the text.
    """
    pathway, findings = load_findings(text, file)
    if pathway is None:
        raise LoadError(findings)
    return pathway


def load(path: str | os.PathLike[str]) -> Pathway:
    """Load a pathway file (YAML or JSON).

    Parameters
    ----------
    path : str or PathLike
        The file. Its name, as given, is the ``file`` of every finding.

    Returns
    -------
    Pathway
        The loaded pathway; it remembers its file and source map for line-accurate findings.

    Raises
    ------
    LoadError
        When the file has any PW0xx error; ``.findings`` lists them all.

    Examples
    --------
    >>> import pathways as pw
    >>> p = pw.load("pathways/kh/csa-in-person.yaml")
    >>> p.id
    'kh-csa-in-person'
    """
    file = os.fspath(path)
    try:
        data = _read(Path(file))
    except _DocumentError as exc:
        raise LoadError(
            [finding("PW001", str(exc), Location(file, exc.line, exc.column))]
        ) from None
    except OSError as exc:
        raise LoadError(
            [finding("PW001", f"cannot read file: {exc.strerror or exc}", Location(file, 1, 1))]
        ) from None
    return loads(data, file)


def dump(pathway: Pathway, *, fmt: str = "yaml") -> str:
    """Write a pathway back as YAML (or JSON); loading the text gives an equal pathway."""
    data = pathway.model_dump(mode="json", by_alias=True, exclude_defaults=True)
    data = {"format": pathway.format, **data}
    if fmt == "json":
        text = json.dumps(data, ensure_ascii=False, indent=2)
        # YAML (which reads our JSON too) refuses raw non-printable characters and folds its
        # own line breaks (NEL, LS, PS) inside strings: escape them.
        return _YAML_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text) + "\n"
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100)
