"""JSON text -> plain data and a source map: the JSON twin of :mod:`pathways.load.yaml_walk`.

A ``.json`` file is read as JSON, not as YAML. YAML refuses valid JSON: the surrogate-pair
escapes (``\\ud83d\\ude00``) Python's ``json.dumps`` writes for every emoji, a raw U+0085,
U+2028, U+2029, DEL, U+FFFE or U+FFFF in a string, a key longer than 1024 characters; and it
reads some JSON differently (``1e5`` is text to YAML 1.1). Here the standard library's scanner
reads every string, number and constant, so the values are those ``json.loads`` gives; this
module only walks the brackets, commas and colons between them, recording the line and column
of every key and value. Whatever it cannot read, ``json.loads`` is asked to explain, so a
malformed file gets the standard library's words and position.
"""

from __future__ import annotations

import json
import re
from bisect import bisect_right
from collections.abc import Callable
from json.scanner import make_scanner
from typing import Any, cast

from pathways.load.source import DocPath, SourceMap
from pathways.load.yaml_walk import MAX_NODES, DocumentError, check_size, check_surrogates

__all__ = ["NotJson", "parse_json", "read_as_json"]

_scan = make_scanner(json.JSONDecoder())  # type: ignore[arg-type]  # typeshed: any context
"""The standard library's (C) scanner: one string, number or constant (or a whole bracket)."""
_skip = cast(
    "Callable[..., re.Match[str]]", re.compile(r"[ \t\n\r]*").match
)  # JSON's whitespace; matches everywhere (perhaps nothing)
_NUMBER = re.compile(r"-?\d+")
_BREAK = re.compile(r"\r\n?|\n")
_ESCAPE = re.compile(r"\\(?:u([0-9a-fA-F]{4})|.)")
_SURROGATE = re.compile("[\ud800-\udfff]")
_LINE_LIKE = re.compile("[\x85\u2028\u2029]")


class _Unreadable(Exception):
    """Not JSON here: ``json.loads`` says what and where."""


def read_as_json(file: str, text: str) -> bool:
    """Whether to read ``text`` as JSON first: a ``.json`` file always, a ``.yaml`` or ``.yml``
    file never; text named otherwise (a string given to :func:`pathways.loads`) when it opens
    with ``{`` or ``[`` (:func:`parse_json` with ``sniffed`` then says whether it is JSON)."""
    name = file.lower()
    if name.endswith(".json"):
        return True
    if name.endswith((".yaml", ".yml")):
        return False
    start = _skip(text).end()
    return text[start : start + 1] in ("{", "[")


def parse_json(
    text: str, file: str = "<string>", *, sniffed: bool = False
) -> tuple[Any, SourceMap]:
    """Parse JSON text into the plain data ``json.loads`` gives and a source map.

    With ``sniffed`` (the text only looked like JSON) text that is not JSON raises
    :class:`NotJson` for the caller to read it as YAML instead.

    Raises
    ------
    DocumentError
        PW001: not valid JSON (the standard library's words, at its line and column), a
        repeated key, a lone surrogate, nesting past 100 levels, more than
        :data:`~pathways.load.yaml_walk.MAX_NODES` values or a number of thousands of digits.
    """
    check_size(len(text))
    starts = [0, *(m.end() for m in _BREAK.finditer(text))]
    if not text.isascii():
        check_surrogates(text)  # a str given to loads; UTF-8 bytes cannot hold one
    reader = _Reader(text, starts)
    try:
        data, end = reader.value(_skip(text).end(), ())
        if _skip(text, end).end() != len(text):
            raise _Unreadable
    except _Unreadable:
        if sniffed:
            raise NotJson from None
        return _unreadable(text, file, starts)
    smap = SourceMap(file, text=_LINE_LIKE.sub(" ", text))  # lines as JSON counts them
    smap.keys = {path: _position(starts, at) for path, at in reader.keys.items()}
    smap.values = {path: _position(starts, at) for path, at in reader.values.items()}
    return data, smap


def _unreadable(text: str, file: str, starts: list[int]) -> tuple[Any, SourceMap]:
    """Say why ``json.loads`` refuses the text the reader could not read."""
    if not text.strip():
        raise DocumentError("the file is empty; a pathway starts with 'format:'", 1, 1)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        line, column = _position(starts, exc.pos)
        raise DocumentError(f"not valid JSON: {exc.msg}", line, column) from None
    except RecursionError:  # pragma: no cover - the reader refuses such nesting first
        raise DocumentError("nesting deeper than 100 levels", 1, 1) from None
    # (not reached: the reader reads all json.loads reads) json's values, at line 1
    return data, SourceMap(file, values={(): (1, 1)}, text=text)


class NotJson(Exception):
    """Text that looked like JSON (a string opening with ``{``) is not: read it as YAML."""


def _position(starts: list[int], offset: int) -> tuple[int, int]:
    """(line, column), 1-based, of character ``offset``; a line ends at LF, CR LF or CR."""
    line = bisect_right(starts, offset)
    return line, offset - starts[line - 1] + 1


class _Reader:
    """Recursive descent over brackets; the standard scanner reads everything else."""

    def __init__(self, text: str, starts: list[int]) -> None:
        self.text = text
        self.starts = starts
        self.keys: dict[DocPath, int] = {}
        self.values: dict[DocPath, int] = {}
        self.count = 0
        self.escapes = "\\u" in text  # only then can a decoded string hold a lone surrogate

    def fail(self, message: str, offset: int) -> DocumentError:
        return DocumentError(message, *_position(self.starts, offset))

    def value(self, at: int, path: DocPath) -> tuple[Any, int]:
        self.values[path] = at
        self.count += 1
        if self.count > MAX_NODES:
            raise self.fail(f"more than {MAX_NODES:,} values; a pathway is far smaller", at)
        text = self.text
        first = text[at : at + 1]
        if first == "{":
            return self.mapping(at, path)
        if first == "[":
            return self.sequence(at, path)
        try:
            value, end = _scan(text, at)
        except (StopIteration, json.JSONDecodeError):
            raise _Unreadable from None
        except ValueError:  # an integer past Python's limit on digits read from text (4300)
            digits = _NUMBER.match(text, at)
            n = len(digits.group()) if digits else 0
            raise self.fail(
                f"a number with {n:,} digits; a pathway's numbers are far shorter", at
            ) from None
        if self.escapes and first == '"':
            self.check_text(value, at, end)
        return value, end

    def check_text(self, value: str, at: int, end: int) -> None:
        """Refuse a string whose escapes decode to a lone surrogate (half a UTF-16 pair)."""
        if _SURROGATE.search(value) is None:
            return
        pending: tuple[int, int] | None = None  # a high surrogate's (code, offset)
        for m in _ESCAPE.finditer(self.text, at + 1, end - 1):
            code = int(m.group(1), 16) if m.group(1) else -1
            if pending is not None:
                if 0xDC00 <= code <= 0xDFFF and m.start() == pending[1] + 6:
                    pending = None
                    continue
                break
            if 0xD800 <= code <= 0xDBFF:
                pending = (code, m.start())
            elif 0xDC00 <= code <= 0xDFFF:
                pending = (code, m.start())
                break
        offset = pending[1] if pending is not None else at
        escape = self.text[offset : offset + 6] if pending is not None else "\\u"
        raise self.fail(
            f"the escape {escape} is half of a surrogate pair, not a character: write the "
            "character itself, or both halves of its pair (e.g. \\ud83d\\ude00)",
            offset,
        )

    def mapping(self, at: int, path: DocPath) -> tuple[dict[str, Any], int]:
        if len(path) >= 100:
            raise self.fail("nesting deeper than 100 levels", at)
        text, keys = self.text, self.keys
        out: dict[str, Any] = {}
        at = _skip(text, at + 1).end()
        if text[at : at + 1] == "}":
            return out, at + 1
        while True:
            if text[at : at + 1] != '"':
                raise _Unreadable
            try:
                key, end = _scan(text, at)
            except (StopIteration, json.JSONDecodeError):
                raise _Unreadable from None
            if self.escapes:
                self.check_text(key, at, end)
            if key in out:
                raise self.fail(f"duplicate key {key!r}; each key may appear once in a mapping", at)
            child = (*path, key)
            keys[child] = at
            at = _skip(text, end).end()
            if text[at : at + 1] != ":":
                raise _Unreadable
            value, end = self.value(_skip(text, at + 1).end(), child)
            out[key] = value
            at = _skip(text, end).end()
            if text[at : at + 1] == "}":
                return out, at + 1
            if text[at : at + 1] != ",":
                raise _Unreadable
            at = _skip(text, at + 1).end()

    def sequence(self, at: int, path: DocPath) -> tuple[list[Any], int]:
        if len(path) >= 100:
            raise self.fail("nesting deeper than 100 levels", at)
        text = self.text
        out: list[Any] = []
        at = _skip(text, at + 1).end()
        if text[at : at + 1] == "]":
            return out, at + 1
        while True:
            value, end = self.value(at, (*path, len(out)))
            out.append(value)
            at = _skip(text, end).end()
            if text[at : at + 1] == "]":
                return out, at + 1
            if text[at : at + 1] != ",":
                raise _Unreadable
            at = _skip(text, at + 1).end()
