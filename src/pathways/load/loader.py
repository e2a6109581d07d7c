"""Plain data -> findings and a :class:`~pathways.model.Pathway`: steps 4-5 of loading.

4. Check references and duplicate ids on the plain data (PW003, PW004;
   :mod:`pathways.load.references`), validate with pydantic and map each error to the offending
   node (PW002, PW006; :mod:`pathways.load.schema_errors`), type-check the guards (PW005),
   check each scenario's ``set:`` overrides as ``pathways simulate`` would apply them (PW003,
   PW002; :mod:`pathways.load.overrides`).
5. Return a :class:`~pathways.model.Pathway`, or raise :class:`~pathways.errors.LoadError`
   with every finding of the file. A file is never half-loaded.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from pathways._gc import gc_paused
from pathways.errors import LoadError
from pathways.findings import Finding, Location
from pathways.load.codes import finding
from pathways.load.document import parse_document
from pathways.load.overrides import NamesNothing, check_overrides
from pathways.load.references import check_references
from pathways.load.schema_errors import MAX_UNKNOWN_KEYS, prune_unknown, schema_findings
from pathways.load.source import DocPath, SourceMap
from pathways.load.yaml_walk import (
    YAML_UNSAFE,
    DocumentError,
    check_size,
    decode,
    read_bounded,
)
from pathways.model import Pathway

__all__ = [
    "SUFFIXES",
    "data_findings",
    "dump",
    "load",
    "load_data",
    "load_findings",
    "loads",
    "pathway_files",
]


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
                    f"guard {_quoted(tr.when)}: {err}",
                    Location(base.file, base.line, column, base.path),
                )
            )
    return findings


def _scenario_findings(pathway: Pathway, smap: SourceMap) -> list[Finding]:
    """A scenario's ``set:`` override that names nothing in the pathway (PW003, with the
    loader's 'did you mean'), or that cannot apply (PW002), at the override: found with the
    parser and steps ``pathways simulate --scenario`` applies (values read as plain YAML data;
    nothing is run), so ``validate`` says what a run would refuse."""
    if not pathway.scenarios:
        return []
    findings: list[Finding] = []
    for i, scenario in enumerate(pathway.scenarios):
        for index, error in check_overrides(pathway, scenario.overrides):
            path: DocPath = ("scenarios", i, "set")
            if index is None and len(scenario.overrides) == 1:
                index = 0  # the changed pathway is invalid: the one override made it so
            if index is not None:
                path = (*path, index)
            code = "PW003" if isinstance(error, NamesNothing) else "PW002"
            message = f"scenario {scenario.name!r}: {error}"
            findings.append(finding(code, message, smap.locate(path)))
    return findings


def _quoted(text: str, limit: int = 60) -> str:
    """A guard quoted for a message, cut to ``limit`` characters (the column points into it)."""
    return repr(text if len(text) <= limit else text[: limit - 3] + "...")


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
            check_size(len(text))  # before decoding; parse_document checks text the same way
            text = decode(text)
        data, smap = parse_document(text, file)
    except DocumentError as exc:
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
    return _data_findings(data, smap)


def data_findings(data: dict[str, Any], smap: SourceMap) -> list[Finding]:
    """The load findings (PW002-PW006) of a document's plain data; [] when it loads."""
    with gc_paused():
        return _data_findings(data, smap)[1]


def load_data(data: dict[str, Any], smap: SourceMap) -> tuple[Pathway | None, list[Finding]]:
    """A pathway from plain data and its source map (steps 4-5 of loading), or None and the
    load findings: for readers of other formats (:mod:`pathways.bpmn.importer`)."""
    with gc_paused():
        return _data_findings(data, smap)


def _data_findings(data: dict[str, Any], smap: SourceMap) -> tuple[Pathway | None, list[Finding]]:
    findings = check_references(data, smap)
    pathway: Pathway | None = None
    try:
        pathway = Pathway.model_validate(data)
    except ValidationError as exc:
        error = exc
        if exc.error_count() > MAX_UNKNOWN_KEYS:
            # Thousands of errors: unknown keys past the first few are counted, not listed
            # (one linear pass, then the model again on what is left).
            pruned_data, pruned = prune_unknown(data, smap)
            if pruned:
                findings.extend(pruned)
                try:
                    Pathway.model_validate(pruned_data)
                except ValidationError as again:
                    error = again
        findings.extend(schema_findings(error, smap))
    if pathway is not None:
        pathway.attach_source_map(smap)
        findings.extend(_guard_findings(pathway, smap))
        findings.extend(_scenario_findings(pathway, smap))
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


SUFFIXES = (".yaml", ".yml", ".json")
"""The suffixes of pathway files: what a folder given to ``validate`` or ``report`` is searched
for."""


def pathway_files(folder: str | os.PathLike[str]) -> list[Path]:
    """Every ``*.yaml``, ``*.yml`` and ``*.json`` file below ``folder``, sorted."""
    found = Path(folder).rglob("*")
    return sorted(p for p in found if p.suffix in SUFFIXES and p.is_file())


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
    file, data = read_file(path)
    return loads(data, file)


def read_file(path: str | os.PathLike[str]) -> tuple[str, bytes]:
    """(the file's name as given, its bytes) for a loader, within the size bound; a folder, a
    pipe, a device or an unreadable file is a :class:`LoadError` with one PW001 saying why."""
    file = os.fspath(path)
    try:
        return file, read_bounded(Path(file))
    except DocumentError as exc:  # a folder, a pipe or a device
        raise LoadError(
            [finding("PW001", str(exc), Location(file, exc.line, exc.column))]
        ) from None
    except OSError as exc:
        raise LoadError(
            [finding("PW001", f"cannot read file: {exc.strerror or exc}", Location(file, 1, 1))]
        ) from None


def dump(pathway: Pathway, *, fmt: str = "yaml") -> str:
    """Write a pathway back as YAML (or JSON); loading the text gives an equal pathway."""
    data = pathway.model_dump(mode="json", by_alias=True, exclude_defaults=True)
    data = {"format": pathway.format, **data}
    if fmt == "json":
        text = json.dumps(data, ensure_ascii=False, indent=2)
        # Escape what YAML refuses raw or reads as a line break (NEL, LS, PS): a .json file is
        # read as JSON, but the text stays YAML too (pasted into a .yaml file, or read by an
        # earlier version of pathways, which read JSON as YAML).
        return YAML_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text) + "\n"
    return yaml.dump(data, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=100)


class _Dumper(yaml.SafeDumper):
    """SafeDumper that double-quotes a string holding a character YAML reads as a line break
    (NEL, LS, PS) or refuses raw: PyYAML writes them raw in plain and single-quoted style,
    and the reader then folds them into a space (a label 'a\x85b' came back 'a b')."""

    def represent_str(self, data: str) -> yaml.ScalarNode:
        if YAML_UNSAFE.search(data):
            return self.represent_scalar("tag:yaml.org,2002:str", data, style='"')
        return super().represent_str(data)


_Dumper.add_representer(str, _Dumper.represent_str)
