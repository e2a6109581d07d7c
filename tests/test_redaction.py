"""The redaction harness: every output at every level shows no marker of a higher level.

Generated pathways get marked agencies (pathways.testing.fuzz.mark_agency): every id, name,
role id and title, contact value and hours of a `partners` or `restricted` agency, and contacts
at each level, carry a unique marker. Each output is produced at each reader level and searched
for the markers that pathways.visibility.secrets lists as hidden at that level: SVG, DOT,
Mermaid, PNG and PDF (their bytes; for PDF also the text pypdf reads off its pages; a PNG's
pixels are drawn from the DOT searched), report HTML (diagram, tables, charts, findings),
simulate JSON, and validate's text, JSON, SARIF and GitHub output. At `restricted` the
markers must appear in the report and the PDF (the search would find a leak).
"""

from __future__ import annotations

import json
import re
import zlib
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings

import pathways as pw
from pathways.report import write_report
from pathways.testing.fuzz import MARK, mark_agency
from pathways.testing.strategies import pathway_documents
from pathways.validate import render_findings
from pathways.visibility import secrets, view
from tests.hyp import examples

LEVELS = ("public", "partners", "restricted")


def _marked(doc: dict[str, Any]) -> pw.Pathway:
    doc = json.loads(json.dumps(doc, default=str))
    doc["visibility"] = "public"
    mark_agency(doc, 0, "restricted")
    if len(doc.get("agencies") or []) > 1:
        mark_agency(doc, 1, "partners")
    return pw.loads(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), "marked.yaml")


def _pdf_text(data: bytes) -> str:
    """The PDF's bytes, every Flate stream inflated (Graphviz compresses its streams), and the
    text pypdf reads off its pages, lines joined by spaces. The streams alone hold no drawn
    text to search: cairo writes it as kerned runs, ``[(H)12(i)9(d)...]TJ``, so a marker
    drawn in the PDF was never found there."""
    import io

    from pypdf import PdfReader

    parts = [data.decode("latin-1")]
    for match in re.finditer(rb"stream\r?\n(.*?)endstream", data, re.S):
        try:
            parts.append(zlib.decompress(match.group(1)).decode("latin-1"))
        except zlib.error:
            continue
    pages = PdfReader(io.BytesIO(data)).pages
    parts.append(" ".join(" ".join(page.extract_text().split()) for page in pages))
    return "\n".join(parts)


def _text_outputs(
    pathway: pw.Pathway, level: str, tmp: Path, formats: tuple[str, ...]
) -> dict[str, str]:
    out: dict[str, str] = {}
    seen = view(pathway, level)
    found = pw.check(seen)
    for fmt in ("text", "json", "sarif", "github"):
        out[f"validate.{fmt}"] = render_findings(found, fmt, files=1)[0]
    try:
        out["simulate.json"] = json.dumps(pw.simulate(seen, cases=50).to_dict())
    except pw.PathwayError as exc:
        out["simulate.error"] = str(exc)
    for suffix in formats:
        target = tmp / f"{level}{suffix}"
        pw.render(pathway, target, visibility=level, findings=found)
        data = target.read_bytes()
        out[suffix] = _pdf_text(data) if suffix == ".pdf" else data.decode("latin-1")
    index = write_report([pathway], tmp / f"report-{level}", visibility=level, cases=50)
    for page in index.parent.glob("*.html"):
        out[f"report/{page.name}"] = page.read_text(encoding="utf-8")
    return out


def _check(pathway: pw.Pathway, tmp: Path, formats: tuple[str, ...]) -> None:
    markers = secrets(pathway, "public")
    assert markers, "the harness marked nothing"
    for level in LEVELS:
        hidden = {s for s in secrets(pathway, level) if MARK in s}  # not e.g. hours '24/7'
        outputs = _text_outputs(pathway, level, tmp, formats)
        for name, text in outputs.items():
            leaked = sorted(s for s in hidden if s in text)
            assert not leaked, f"{name} at {level} shows {leaked}"
        if level == "restricted":
            report = "".join(v for k, v in outputs.items() if k.startswith("report/"))
            assert f"{MARK} Agency 0" in report  # visible at the top level: the search works
            if ".pdf" in outputs:
                assert f"{MARK} Agency 0" in outputs[".pdf"]  # and finds drawn text


@settings(max_examples=examples(3))
@given(doc=pathway_documents(max_steps=7, max_agencies=3))
def test_generated_pathways_leak_no_marker_at_any_level(
    doc: dict[str, Any], tmp_path_factory: pytest.TempPathFactory
) -> None:
    _check(_marked(doc), tmp_path_factory.mktemp("redaction"), (".svg", ".dot", ".mmd"))


@pytest.mark.parametrize("name", ["online-csam-hotline"])
def test_bundled_pathways_leak_no_marker_in_any_format(name: str, tmp_path: Path) -> None:
    doc = yaml.safe_load((Path("pathways/kh") / f"{name}.yaml").read_text(encoding="utf-8"))
    _check(_marked(doc), tmp_path, (".svg", ".dot", ".mmd", ".png", ".pdf"))


def test_load_error_pages_leak_no_marker(tmp_path: Path) -> None:
    """A file that does not load: its findings are built from the reader's view of its data."""
    doc = yaml.safe_load(Path("pathways/kh/csa-in-person.yaml").read_text(encoding="utf-8"))
    doc = json.loads(json.dumps(doc, default=str))
    mark_agency(doc, 0, "restricted")
    doc["roles"].append({"id": "typo", "agency": f"{MARK}a", "title": "T"})  # did you mean ...?
    path = tmp_path / "broken.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    for level in ("public", "partners"):
        index = write_report([path], tmp_path / level, visibility=level, simulation=False)
        html = (index.parent / "broken.html").read_text(encoding="utf-8")
        assert f"{MARK}a0" not in html and "did you mean" not in html
    index = write_report([path], tmp_path / "restricted", visibility="restricted", simulation=False)
    assert f"{MARK}a0" in (index.parent / "broken.html").read_text(encoding="utf-8")
