"""Text -> plain data and a source map: steps 1-3 of loading (see :mod:`pathways.load`).

1. Read the bytes with a size bound, decode strict UTF-8 (PW001 at the bad byte).
2. ``yaml.compose`` the text (the C parser when libyaml is there) into nodes, with a resolver
   that keeps ``yes``/``no``/``on``/``off`` as strings: step ids like ``yes`` are likely in
   decision pathways, and YAML 1.1 would silently turn them into booleans.
3. Walk the nodes once into plain ``dict``/``list``/scalars, recording every key's and value's
   line and column, refusing duplicate keys and alias expansion past a bound (PW001).
"""

from __future__ import annotations

import re
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from pathways.errors import LoadError
from pathways.findings import Location
from pathways.load.codes import finding
from pathways.load.source import DocPath, SourceMap

__all__ = [
    "MAX_BYTES",
    "MAX_NODES",
    "YAML_UNSAFE",
    "DocumentError",
    "check_size",
    "check_surrogates",
    "decode",
    "parse_yaml",
    "read_bounded",
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

    # The parser asks these of every node. Most scalars are keys, ids and labels: quoted, or
    # starting with a character no implicit resolver looks at, so strings without PyYAML's
    # lookups; and there are no path resolvers to descend into (7% of the compose time).
    def resolve(self, kind: type[yaml.Node], value: str, implicit: tuple[bool, bool]) -> str:
        if kind is _SCALAR and (not implicit[0] or value[:1] not in _RESOLVED_FIRST):
            return _STR_TAG
        return _base_resolve(self, kind, value, implicit)

    def descend_resolver(self, current_node: Any, current_index: Any) -> None:
        pass

    def ascend_resolver(self) -> None:
        pass


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in _BaseLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool",
    re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
    list("tTfF"),
)
_SCALAR, _MAPPING = yaml.ScalarNode, yaml.MappingNode  # looked up once: asked of every node
_base_resolve: Callable[..., str] = _BaseLoader.resolve
_RESOLVED_FIRST = frozenset(_Loader.yaml_implicit_resolvers)
"""The first characters of the plain scalars an implicit resolver may type ('' included)."""
assert not _Loader.yaml_path_resolvers  # descend_resolver and ascend_resolver skip them
# resolve skips a scalar by its first character: a resolver for any first character (PyYAML's
# None key) would be skipped silently
assert None not in _RESOLVED_FIRST


class DocumentError(Exception):
    """A PW001 problem of the text at a line and column (turned into a finding by the caller)."""

    def __init__(self, message: str, line: int, column: int) -> None:
        super().__init__(message)
        self.line = line
        self.column = column


def read_bounded(path: Path) -> bytes:
    """The bytes of ``path``, reading at most one byte past :data:`MAX_BYTES` (enough for
    :func:`check_size` to refuse a larger file); only a regular file is opened (a FIFO or a
    device would block or never end)."""
    if not stat.S_ISREG(path.stat().st_mode):
        kind = "a folder" if path.is_dir() else "not a regular file (a pipe or a device?)"
        raise DocumentError(f"{kind}; a pathway is a YAML or JSON file", 1, 1)
    with path.open("rb") as fh:
        return fh.read(MAX_BYTES + 1)


def check_size(size: int) -> None:
    """Refuse a document of more than :data:`MAX_BYTES` bytes (or characters) with PW001: the
    one check of the size bound, for files, bytes and text alike."""
    if size > MAX_BYTES:
        raise DocumentError(
            f"file is larger than {MAX_BYTES // (1024 * 1024)} MB; a pathway is far smaller, "
            "so this is not a pathway file",
            1,
            1,
        )


def decode(data: bytes) -> str:
    """Strict UTF-8 (a BOM allowed), or :class:`DocumentError` at the bad byte."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        before = data[: exc.start]
        line = before.count(b"\n") + 1
        column = exc.start - (before.rfind(b"\n") + 1) + 1
        raise DocumentError(
            f"invalid UTF-8 byte 0x{data[exc.start]:02x}; save the file as UTF-8", line, column
        ) from None


def parse_yaml(text: str, file: str = "<string>") -> tuple[Any, SourceMap]:
    """Parse YAML text into plain data and a source map (JSON text goes to
    :func:`pathways.load.json_walk.parse_json`; :func:`pathways.load.document.parse_document`
    chooses).

    Raises
    ------
    LoadError
        PW001 when the text is not readable YAML, repeats a key, or expands aliases
        past :data:`MAX_NODES`.
    """
    smap = SourceMap(file, text=text)
    try:
        check_size(len(text))
        try:
            loader = _Loader(text)
        except UnicodeEncodeError:  # the C parser encodes the text as UTF-8 first
            check_surrogates(text)
            raise
        try:
            node = loader.get_single_node()
            if node is None:
                raise DocumentError("the file is empty; a pathway starts with 'format:'", 1, 1)
            data = _Walker(loader, smap).walk(node, ())
        finally:
            loader.dispose()
    except DocumentError as exc:
        raise LoadError(
            [finding("PW001", str(exc), Location(file, exc.line, exc.column))]
        ) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
        from pathways.load.yaml_words import escape_column, plain_problem

        lines = text.splitlines()
        source_line = lines[line - 1] if 0 < line <= len(lines) else ""
        problem = exc.problem or exc.context or "unreadable YAML"
        if "invalid Unicode character escape" in problem:  # at the escape, not inside it
            column = escape_column(source_line, column)
        context = exc.context if exc.problem else ""
        words = plain_problem(problem, source_line, column, context or "")
        message = f"not readable as YAML: {words}"
        raise LoadError([finding("PW001", message, Location(file, line, column))]) from None
    except yaml.YAMLError as exc:
        first = str(exc).splitlines()[0] if str(exc) else "unreadable YAML"
        raise LoadError(
            [finding("PW001", f"not readable as YAML: {first}", Location(file, 1, 1))]
        ) from None
    return data, smap


_SURROGATE = re.compile("[\ud800-\udfff]")


def check_surrogates(text: str) -> None:
    """Refuse text holding a lone surrogate (only a ``str`` given to ``loads`` can: UTF-8
    bytes cannot encode one), on which the C parser raised UnicodeEncodeError."""
    found = _SURROGATE.search(text)
    if found is not None:
        before = text[: found.start()]
        raise DocumentError(
            f"character U+{ord(found.group()):04X} is a lone surrogate, not Unicode text",
            before.count("\n") + 1,
            found.start() - (before.rfind("\n") + 1) + 1,
        )


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
            raise DocumentError(
                f"aliases expand to more than {MAX_NODES:,} nodes; write the data out plainly", *pos
            )
        if len(path) > 100:
            raise DocumentError("nesting deeper than 100 levels", *pos)
        if node.tag not in _PLAIN_TAGS:
            raise DocumentError(
                f"unsupported YAML tag {node.tag!r}; pathway files hold plain data only", *pos
            )
        self.values[path] = pos
        if isinstance(node, _SCALAR):
            return node.value if node.tag == _STR_TAG else self._scalar(node)
        if isinstance(node, _MAPPING):
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
                        raise DocumentError(
                            "a merge key '<<' takes a mapping or a list of mappings",
                            value_node.start_mark.line + 1,
                            value_node.start_mark.column + 1,
                        )
                    merged.extend(p for p in source.value if p[0].tag != _MERGE_TAG)
            merged_from = {id(k) for k, _ in merged}
            pairs = own + merged
        for key_node, value_node in pairs:
            if not isinstance(key_node, _SCALAR):
                raise DocumentError(
                    "a mapping key must be a plain value",
                    key_node.start_mark.line + 1,
                    key_node.start_mark.column + 1,
                )
            if key_node.tag == _STR_TAG:
                key = key_node.value
            else:
                key = self._scalar(key_node)
                if not isinstance(key, str | int | float | bool):
                    key = str(key)
            if key in out:
                if id(key_node) in merged_from:  # a merged key never overrides an explicit one
                    continue
                raise DocumentError(
                    f"duplicate key {key!r}; each key may appear once in a mapping",
                    key_node.start_mark.line + 1,
                    key_node.start_mark.column + 1,
                )
            child = (*path, key)
            mark = key_node.start_mark
            keys[child] = (mark.line + 1, mark.column + 1)
            if value_node.tag == _STR_TAG and isinstance(value_node, _SCALAR):
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
        if node.tag == _TIMESTAMP_TAG:
            # Dates stay text: the model parses them, so '9999-99-99' is a PW002 at the value
            # and a step id '2026-01-01' stays an id.
            return node.value
        # PyYAML's constructors trust the resolver: given an explicit tag on a value that does
        # not read as that type (`!!int x`, `!!bool ''`) they raise ValueError, KeyError or
        # IndexError. A tag is kept only on a value that reads as its type without it (an
        # integer may be tagged a float).
        implicit = self.loader.resolve(_SCALAR, node.value, (True, False))
        if implicit != node.tag and (implicit, node.tag) != (_INT_TAG, _FLOAT_TAG):
            tag = "!!" + node.tag.rsplit(":", 1)[-1]
            value = node.value if len(node.value) <= 40 else node.value[:37] + "..."
            raise DocumentError(
                f"{value!r} is not a valid {tag} value; write it without the tag",
                node.start_mark.line + 1,
                node.start_mark.column + 1,
            )
        try:
            return self.loader.construct_object(node, deep=True)
        except ValueError:  # an integer past Python's limit on digits read from text (4300)
            raise DocumentError(
                f"a number with {len(node.value):,} digits; a pathway's numbers are far shorter",
                node.start_mark.line + 1,
                node.start_mark.column + 1,
            ) from None
        except yaml.YAMLError as exc:
            raise DocumentError(
                f"cannot read value: {getattr(exc, 'problem', None) or exc}",
                node.start_mark.line + 1,
                node.start_mark.column + 1,
            ) from None


_MERGE_TAG = "tag:yaml.org,2002:merge"
_STR_TAG = "tag:yaml.org,2002:str"
_INT_TAG = "tag:yaml.org,2002:int"
_FLOAT_TAG = "tag:yaml.org,2002:float"
_TIMESTAMP_TAG = "tag:yaml.org,2002:timestamp"
YAML_UNSAFE = re.compile(yaml.reader.Reader.NON_PRINTABLE.pattern + "|[\x85\u2028\u2029]")
_PLAIN_TAGS = frozenset(
    f"tag:yaml.org,2002:{t}"
    for t in ("str", "int", "float", "bool", "null", "timestamp", "map", "seq")
)
