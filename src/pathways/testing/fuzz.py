"""Structural fuzzing: hostile variants of pathway files through every part of the library.

:func:`hostile_texts` draws pathway files (YAML text) built from the bundled pathways and from
generated ones (:func:`~pathways.testing.strategies.pathway_documents`), then mutated where
it hurts: numbers at and past every bound (``1e308``, ``.inf``, ``.nan``, ``10**400``,
``-0.0``, ``5e-324``, ``2**63``), values of the wrong type (lists, maps, ``null``, booleans,
dates), ids that look like dates, long and odd Unicode strings, keys deleted or added. Some
agencies are made ``restricted`` and every id, name, title and contact of theirs carries a
marker (``zqxMARK...``).

:func:`exercise` runs one text through load -> check -> dump -> load -> simulate (small) ->
render (DOT, Mermaid) -> report -> BPMN export (read back), at a reader level, and asserts
the two properties:

- the only exceptions that leave the library are its own (:class:`pathways.PathwayError`),
  and the BPMN export is well-formed XML whatever the labels hold;
- no output at the reader's level holds a marker that is a secret at that level
  (:func:`pathways.visibility.secrets`), and ``dump`` writes only what ``load`` reads back
  equal.

The fuzzer is Hypothesis, not atheris: the inputs that matter are structured (a document
that is almost valid reaches the simulator and the renderers; random bytes stop at the YAML
parser), Hypothesis draws them from the project's own strategies and shrinks a failure to a
small file, and it needs no compiled libFuzzer build. ``tests/test_fuzz.py`` runs a few dozen
examples in ``make test``; ``make fuzz`` runs ``python -m pathways.testing.fuzz --seconds N``,
batches of random examples until the time is up.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import sys
import time
from pathlib import Path
from typing import Any

import yaml
from hypothesis import strategies as st

from pathways.testing.strategies import pathway_documents

__all__ = ["MARK", "exercise", "hostile_documents", "hostile_texts", "main", "mark_agency"]

MARK = "zqxMARK"
"""The prefix of every marker; no output ever writes it on its own."""

BUNDLED = Path(__file__).resolve().parents[3] / "pathways"

EXTREME_NUMBERS: tuple[Any, ...] = (
    0,
    -1,
    -0.0,
    5e-324,
    1e-320,
    0.1,
    1e15,
    1e15 + 2,
    2**53 + 1,
    2**63,
    1e308,
    10**400,
    -(10**400),
    math.inf,
    -math.inf,
    math.nan,
)

ODD_VALUES: tuple[Any, ...] = (
    None,
    True,
    [],
    {},
    [1, [2, [3]]],
    {"a": {"b": None}},
    "",
    "2026-13-45",
    "9999-99-99",
    "1" + "0" * 400 + "h",
    "PT" + "9" * 400 + "H",
    "0.0000001s",
    "\u202egnp.exe",
    "ក្រសួង" * 50,
    "x" * 5000,
    "<script>alert(1)</script>",
    "{{ and }} [ ] | \" '",
    "a\x01\x1b]0;t\x07\x1b[2J\ufffeb",  # controls XML cannot hold, a terminal would obey
    "]]> --> <!-- %% click s0 call x() ::: #quot; `b` \\N",
    "line\u2028sep\r\nnext\tz",
    # found by the hunts of tests/test_fuzz_*.py: keys that are not text, a line break YAML
    # folds (NEL), a folder of the time-zone database, dates at the ends of the calendar
    {1: "a"},
    {None: "a"},
    "a\x85b",
    "Asia",
    "0001-01-01",
    "9999-12-31",
)


def _bundled() -> list[dict[str, Any]]:
    docs = []
    for path in sorted(BUNDLED.glob("*/*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        if isinstance(data, dict):
            docs.append(data)
    return docs


def _paths(doc: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path to a value of a plain document, parents before children."""
    out = [prefix] if prefix else []
    if isinstance(doc, dict):
        for key, value in doc.items():
            out.extend(_paths(value, (*prefix, key)))
    elif isinstance(doc, list):
        for i, value in enumerate(doc):
            out.extend(_paths(value, (*prefix, i)))
    return out


def _get_parent(doc: Any, path: tuple[Any, ...]) -> Any:
    node = doc
    for part in path[:-1]:
        node = node[part]
    return node


def mark_agency(doc: dict[str, Any], n: int, level: str = "restricted") -> None:
    """Give agency ``n`` the visibility ``level`` and a marker in every text of it and of its
    roles: id, name, role ids and titles, and contacts at each level (value and hours)."""
    agencies = doc.get("agencies") or []
    if not agencies:
        return
    agency = agencies[n % len(agencies)]
    old = agency["id"]
    new = f"{MARK}a{n}"
    agency.update(id=new, name=f"{MARK} Agency {n}", visibility=level)
    agency["contacts"] = [
        {"channel": "phone", "value": f"+855 {MARK}c{n}{vis}", "visibility": vis}
        for vis in ("public", "partners", "restricted")
    ] + [{"channel": "office", "value": f"{MARK} Lane {n}", "hours": f"{MARK}h{n}"}]
    renamed: dict[str, str] = {}
    for k, role in enumerate(doc.get("roles") or []):
        if role.get("agency") == old:
            renamed[role["id"]] = f"{MARK}r{n}x{k}"
            role.update(agency=new, id=renamed[role["id"]], title=f"{MARK} Role {n}.{k}")
    for step in doc.get("steps") or []:
        if step.get("role") in renamed:
            step["role"] = renamed[step["role"]]
    for t in doc.get("transitions") or []:
        if isinstance(t.get("by"), list):
            t["by"] = [renamed.get(r, r) for r in t["by"]]


@st.composite
def hostile_documents(draw: st.DrawFn, *, max_mutations: int = 3) -> dict[str, Any]:
    """A pathway document (plain dict): bundled or generated, marked, then mutated."""
    generated = pathway_documents(max_steps=8, max_agencies=3)
    bundled = _bundled()  # the repository's pathways/ (absent from an installed package)
    base = draw(st.one_of(st.sampled_from(bundled), generated) if bundled else generated)
    doc: dict[str, Any] = json.loads(json.dumps(base, default=str))  # a deep, plain copy
    for n in range(draw(st.integers(0, 2))):
        mark_agency(doc, n, draw(st.sampled_from(("restricted", "partners"))))
    for _ in range(draw(st.integers(0, max_mutations))):
        paths = _paths(doc)
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        parent = _get_parent(doc, path)
        action = draw(st.sampled_from(("number", "odd", "delete", "add")))
        if action == "number":
            parent[path[-1]] = draw(st.sampled_from(EXTREME_NUMBERS))
        elif action == "odd":
            parent[path[-1]] = draw(st.sampled_from(ODD_VALUES))
        elif action == "delete" and isinstance(parent, dict):
            del parent[path[-1]]
        elif action == "add" and isinstance(parent, dict):
            parent[draw(st.sampled_from(("extra", "id", "visibility", "when", "capacity")))] = draw(
                st.sampled_from(EXTREME_NUMBERS + ODD_VALUES)
            )
    return doc


def hostile_texts(**knobs: Any) -> st.SearchStrategy[str]:
    """:func:`hostile_documents` written as YAML (``.inf``/``.nan`` and big ints included)."""
    return hostile_documents(**knobs).map(
        lambda doc: yaml.safe_dump(doc, allow_unicode=True, sort_keys=False, width=100)
    )


def _outputs(text: str, reader: Any) -> tuple[Any, dict[str, str]]:
    """Load ``text`` and produce every output at ``reader``: (pathway or None, name -> text)."""
    from pathways import PathwayError, check, dump, loads, simulate
    from pathways.load import load_findings
    from pathways.render import to_dot, to_mermaid
    from pathways.report import pathway_report
    from pathways.validate import render_findings
    from pathways.visibility import view

    pathway, _ = load_findings(text, "fuzz.yaml")
    outputs: dict[str, str] = {}
    if pathway is None:
        return None, outputs
    seen = view(pathway, reader)
    found = check(seen)
    for fmt in ("text", "json", "sarif", "github"):
        outputs[f"validate.{fmt}"] = render_findings(found, fmt, files=1)[0]
    for fmt in ("yaml", "json"):
        again = loads(dump(pathway, fmt=fmt), "dump")
        assert again == pathway, f"dump ({fmt}) does not load back equal"
    try:
        result = simulate(seen, cases=30, seed=1, time_limit=20).to_dict()
        outputs["simulate.json"] = json.dumps(result, allow_nan=False)
    except PathwayError as exc:
        outputs["simulate.error"] = str(exc)
    try:
        outputs["render.dot"] = to_dot(pathway, visibility=reader, findings=found).source
        outputs["render.mmd"] = to_mermaid(pathway, visibility=reader, findings=found)
    except PathwayError as exc:
        outputs["render.error"] = str(exc)
    outputs["report.html"] = pathway_report(pathway, visibility=reader, cases=30, diagram=False)
    try:
        from pathways.bpmn.export import to_bpmn

        outputs["export.bpmn"] = to_bpmn(pathway, visibility=reader, layout="layered")
    except PathwayError as exc:
        outputs["export.error"] = str(exc)
    return pathway, outputs


def exercise(text: str, reader: str = "public") -> None:
    """Run ``text`` through every part at ``reader``; raise AssertionError on a leak, and let
    any exception other than :class:`pathways.PathwayError` through (the property tested)."""
    from pathways import PathwayError
    from pathways.visibility import secrets

    try:
        pathway, outputs = _outputs(text, reader)
    except PathwayError:
        return
    if pathway is None:
        return
    hidden = {s for s in secrets(pathway, reader) if MARK in s}
    for name, out in outputs.items():
        leaked = sorted(s for s in hidden if s in out)
        assert not leaked, f"{name} at {reader} shows {leaked}"
    if "export.bpmn" in outputs:
        import xml.etree.ElementTree as ET

        from pathways.bpmn.importer import loads_bpmn

        ET.fromstring(outputs["export.bpmn"])  # well-formed, whatever the labels hold
        with contextlib.suppress(PathwayError):  # a finding about the file is an answer
            loads_bpmn(outputs["export.bpmn"].encode(), "fuzz.bpmn")


def main(argv: list[str] | None = None) -> int:
    """``python -m pathways.testing.fuzz --seconds N``: fuzz until the time is up."""
    from hypothesis import HealthCheck, given, settings

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=600.0, help="time budget")
    parser.add_argument("--batch", type=int, default=200, help="examples per batch")
    args = parser.parse_args(argv)
    end = time.monotonic() + args.seconds
    batches = 0

    @settings(
        max_examples=args.batch,
        deadline=None,
        database=None,
        derandomize=False,
        suppress_health_check=list(HealthCheck),
    )
    @given(text=hostile_texts(max_mutations=5), reader=st.sampled_from(["public", "partners"]))
    def run(text: str, reader: str) -> None:
        exercise(text, reader)

    while time.monotonic() < end:
        run()
        batches += 1
        print(f"fuzz: {batches * args.batch} examples, no failure", file=sys.stderr)
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
