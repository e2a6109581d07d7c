"""The files the commands read and write: which files PATH arguments name, and checks done
before any work starts.

Each check returns a one-line problem (or None), which the command raises as a
:class:`~pathways.cli._common.Usage` (``error: ...``, exit 2). Inputs must be regular files (a
FIFO or a device would block or never end); outputs must go into an existing, writable folder
and not onto a folder. What a command prints and how it parses option values is in
:mod:`pathways.cli._common`.
"""

from __future__ import annotations

import errno
import json
import os
import stat
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import typer

from pathways.cli._common import Usage
from pathways.model import Visibility

__all__ = [
    "MAX_JSON_BYTES",
    "MAX_JSON_DEPTH",
    "VISIBILITY_OPTION",
    "check_paths",
    "expand_paths",
    "input_problem",
    "output_problem",
    "read_json",
]

MAX_JSON_BYTES = 50 * 1024 * 1024
"""The largest JSON file an option reads (``render --simulation``)."""

MAX_JSON_DEPTH = 64
"""The deepest nesting of an option's JSON (a simulation result is 4 levels deep)."""


def _visibility(value: str | Visibility) -> Visibility:
    try:
        return Visibility(value)
    except ValueError:
        raise typer.BadParameter(
            f"{str(value)[:40]!r}; choose one of public, partners, restricted"
        ) from None


VISIBILITY_OPTION: dict[str, Any] = {
    "parser": _visibility,
    "metavar": "[public|partners|restricted]",
}
"""typer.Option arguments of every ``--visibility`` (a :class:`~pathways.model.Visibility`)."""


def input_problem(path: Path, *, folders: bool = False, what: str = "a pathway file") -> str | None:
    """Why ``path`` cannot be read as input, or None (a regular file; a folder if allowed)."""
    try:
        mode = path.stat().st_mode
    except OSError as exc:
        if isinstance(exc, FileNotFoundError):
            return f"no such file: {str(path)!r}"
        return _os_problem(path, exc, "cannot read")
    if stat.S_ISREG(mode) or (folders and stat.S_ISDIR(mode)):
        return None
    kind = "a folder" if stat.S_ISDIR(mode) else "not a regular file (a pipe or a device?)"
    return f"{str(path)!r} is {kind}; give {what}"


def check_paths(
    path: Path | None,
    output: Path | None = None,
    suffixes: Sequence[str] = (),
    *,
    hints: bool = True,
) -> None:
    """:class:`~pathways.cli._common.Usage` unless ``path`` is a regular file and ``output``
    can be written (and ends in one of ``suffixes``, when given: the suffix picks the format).

    ``hints``: the error names the argument or option (``PATH``, ``--output``); without, it
    is the message alone, as ``render`` and ``export`` print it.
    """
    if output is not None and suffixes and output.suffix.lower() not in suffixes:
        raise Usage(
            f"-o {str(output)!r}: unknown suffix {output.suffix[:20] or '(none)'!r}; "
            f"use one of {', '.join(suffixes)}"
        )
    problem = input_problem(path) if path is not None else None
    if problem is not None:
        raise Usage(problem, param_hint="PATH" if hints else None)
    problem = output_problem(output) if output is not None else None
    if problem is not None:
        raise Usage(problem, param_hint="--output" if hints else None)


def expand_paths(paths: list[Path]) -> list[Path]:
    """Files as given, and the pathway files below each folder
    (:func:`pathways.load.pathway_files`).

    Raises :class:`~pathways.cli._common.Usage` (``PATH``) for a path that is neither a
    regular file nor a folder.
    """
    from pathways.load import pathway_files

    out: list[Path] = []
    for path in paths:
        problem = input_problem(path, folders=True)
        if problem is not None:
            raise Usage(problem, param_hint="PATH")
        out.extend(pathway_files(path) if path.is_dir() else [path])
    return out


def output_problem(path: Path, *, folder: bool = False) -> str | None:
    """Why ``path`` cannot be written, or None.

    A file output must not be a folder and must go into an existing, writable folder; a folder
    output (``folder=True``) may be missing if its parent exists and is writable.
    """
    try:
        mode: int | None = path.stat().st_mode
    except (FileNotFoundError, NotADirectoryError):  # missing (its folder is checked below)
        mode = None
    except OSError as exc:  # a name too long, a symbolic-link loop
        return _os_problem(path, exc, "cannot write")
    if mode is not None and stat.S_ISDIR(mode):
        if not folder:
            return f"{str(path)!r} is a folder; give a file name"
        target = path
    elif mode is not None:
        if folder:
            return f"{str(path)!r} exists and is not a folder"
        if not stat.S_ISREG(mode):
            return f"{str(path)!r} is not a regular file; give a file name"
        target = path.parent
    else:
        target = path.parent
    parent = target if str(target) else Path(".")
    if not parent.is_dir():
        return f"folder {str(parent)!r} does not exist; create it first"
    if not os.access(parent, os.W_OK | os.X_OK):
        return f"folder {str(parent)!r} is not writable"
    return None


def _os_problem(path: Path, exc: OSError, doing: str) -> str:
    """Why the file system refuses ``path`` (``doing``: "cannot read" or "cannot write"), in
    words the catalogue translates for the two a user makes by mistake."""
    if exc.errno == errno.ELOOP:
        return f"{str(path)!r} is a loop of symbolic links"
    if exc.errno == errno.ENAMETOOLONG:
        return f"{str(path)!r}: a name in it is longer than the file system allows"
    return f"{doing} {str(path)!r}: {exc.strerror or exc}"


def read_json(path: Path, option: str) -> tuple[Any, str | None]:
    """JSON from a regular file of at most :data:`MAX_JSON_BYTES`, nested at most
    :data:`MAX_JSON_DEPTH` deep: (data, None) or (None, one-line problem)."""
    problem = input_problem(path, what="a JSON file")
    if problem:
        return None, f"{option}: {problem}"
    try:
        with path.open("rb") as fh:
            raw = fh.read(MAX_JSON_BYTES + 1)
    except OSError as exc:
        return None, f"{option}: cannot read {str(path)!r}: {exc.strerror or exc}"
    if len(raw) > MAX_JSON_BYTES:
        return None, f"{option}: {str(path)!r} is larger than {MAX_JSON_BYTES >> 20} MB"
    depth = _depth(raw)
    if depth > MAX_JSON_DEPTH:
        return None, f"{option}: {str(path)!r} nests deeper than {MAX_JSON_DEPTH} levels"
    try:
        return json.loads(raw.decode("utf-8")), None
    except UnicodeDecodeError:
        return None, f"{option}: {str(path)!r} is not UTF-8 text"
    except json.JSONDecodeError as exc:
        return None, f"{option}: {path}:{exc.lineno}:{exc.colno}: not JSON ({exc.msg})"
    except ValueError as exc:  # e.g. a number with more digits than Python reads
        return None, f"{option}: {str(path)!r}: {str(exc)[:100]}"


def _depth(raw: bytes) -> int:
    """The deepest bracket nesting of JSON bytes, strings skipped (linear, no recursion)."""
    deepest = depth = 0
    in_string = escaped = False
    for byte in raw:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):
            depth += 1
            deepest = max(deepest, depth)
        elif byte in (0x5D, 0x7D):
            depth -= 1
    return deepest
