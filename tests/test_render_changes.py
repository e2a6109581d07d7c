"""The changes overlay of a diagram (issue 16): ``render(..., since=earlier)``.

What was added since the earlier version is outlined purple and says "new since X"; what was
removed is drawn dashed and grey in the lane it belonged to and says "removed since X". Steps
and moves are matched as the diff matches them; an oracle below recomputes the sets from the
documents alone.
"""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

import pathways as pw
from pathways.cli import main
from pathways.render import render, to_mermaid
from pathways.render.extract import extract
from pathways.testing.strategies import pathway_documents
from pathways.visibility import secrets
from tests.hyp import examples

Doc = dict[str, Any]

BASE = """
format: pathways/1
id: changes
version: "1"
visibility: public
agencies:
  - {id: a, name: Social affairs, sector: social}
  - {id: zs, name: ZETA-SECRET-SHELTER, sector: ngo, visibility: restricted}
roles:
  - {id: worker, agency: a, title: Worker}
  - {id: keeper, agency: zs, title: ZETA-SECRET-KEEPER}
steps:
  - {id: intake, kind: entry, role: worker, label: Intake}
  - {id: shelter, role: keeper, label: Shelter stay}
  - {id: place, role: worker, label: Placement}
  - {id: closed, kind: outcome, label: Closed}
transitions:
  - {from: intake, to: shelter}
  - {from: shelter, to: place}
  - {from: intake, to: place}
  - {from: place, to: closed}
"""


def _v2() -> Doc:
    """Version 2: the shelter step is gone, a <review> step is new."""
    doc: Doc = yaml.safe_load(BASE)
    doc["version"] = "2"
    doc["steps"] = [s for s in doc["steps"] if s["id"] != "shelter"]
    doc["steps"].append({"id": "review", "role": "worker", "label": "Review <b>&amp;</b> sign"})
    doc["transitions"] = [
        {"from": "intake", "to": "place"},
        {"from": "place", "to": "review"},
        {"from": "review", "to": "closed"},
    ]
    return doc


def _marks(old: pw.Pathway, new: pw.Pathway, **kw: Any) -> tuple[dict[str, str], set[Any]]:
    d = extract(new, visibility="restricted", since=old, **kw)
    nodes = {n.id: n.change for n in d.nodes if n.change}
    edges = {(e.source, e.target, e.change) for e in d.edges if e.change}
    return nodes, edges


def test_added_and_removed_steps_and_moves_are_marked() -> None:
    old, new = pw.loads(BASE), pw.loads(json.dumps(_v2()))
    nodes, edges = _marks(old, new)
    assert nodes == {"shelter": "removed", "review": "added"}
    assert edges == {
        ("intake", "shelter", "removed"),
        ("shelter", "place", "removed"),
        ("place", "review", "added"),
        ("review", "closed", "added"),
        ("place", "closed", "removed"),
    }
    # the removed step keeps its lane: the shelter's band is drawn though no step of v2 is in it
    d = extract(new, visibility="restricted", since=old)
    lane = next(lane for lane in d.lanes if "shelter" in lane.nodes)
    assert lane.title == "ZETA-SECRET-SHELTER"
    assert d.since == "1"


def test_a_confirmed_rename_is_neither_added_nor_removed() -> None:
    doc = yaml.safe_load(BASE)
    doc["steps"][2]["id"] = "placement"
    for t in doc["transitions"]:
        t["from"] = "placement" if t["from"] == "place" else t["from"]
        t["to"] = "placement" if t["to"] == "place" else t["to"]
    old, new = pw.loads(BASE), pw.loads(json.dumps(doc))
    assert _marks(old, new, renames={"place": "placement"}) == ({}, set())
    nodes, _ = _marks(old, new)
    assert nodes == {"place": "removed", "placement": "added"}


def test_a_removed_restricted_step_is_drawn_anonymously_for_public_readers(
    tmp_path: Path,
) -> None:
    old, new = pw.loads(BASE), pw.loads(json.dumps(_v2()))
    hidden = secrets(old, "public") | secrets(new, "public")
    assert "ZETA-SECRET-KEEPER" in hidden and "ZETA-SECRET-SHELTER" in hidden
    svg = render(new, tmp_path / "c.svg", visibility="public", since=old).read_text("utf-8")
    assert not [text for text in hidden if len(text) > 3 and text in svg]
    assert "(restricted agency)" in svg and "removed since 1" in svg
    mmd = to_mermaid(new, visibility="public", since=old)
    assert not [text for text in hidden if len(text) > 3 and text in mmd]
    assert "stroke-dasharray" in mmd


def _group(svg: str, text: str) -> str:
    """The SVG <g> of the node whose label holds ``text`` (Graphviz writes one per node)."""
    for group in re.findall(r'<g id="node\d+" class="node">.*?</g>', svg, flags=re.S):
        if text in group:
            return group
    raise AssertionError(f"no node with {text!r}")


def test_real_dot_draws_added_purple_removed_dashed_and_escapes_labels(tmp_path: Path) -> None:
    old, new = pw.loads(BASE), pw.loads(json.dumps(_v2()))
    svg = render(new, tmp_path / "c.svg", visibility="restricted", since=old).read_text("utf-8")
    added = _group(svg, "Review &lt;b&gt;&amp;amp;&lt;/b&gt; sign")
    assert 'stroke="#6a3d9a"' in added.lower() and "new since 1" in added
    removed = _group(svg, "Shelter stay")
    assert "stroke-dasharray" in removed and "removed since 1" in removed
    kept = _group(svg, "Placement")
    assert "since 1" not in kept and "stroke-dasharray" not in kept
    assert "<b>" not in svg  # the label is text, never markup


def _transitions(doc: Doc) -> set[tuple[str, str]]:
    return {(t["from"], t["to"]) for t in doc.get("transitions", [])}


@settings(max_examples=examples(15), deadline=None)
@given(doc=pathway_documents(), data=st.data())
def test_marks_agree_with_sets_computed_from_the_documents(doc: Doc, data: st.DataObject) -> None:
    """Remove one step that is neither an entry nor an outcome, add one: the overlay marks
    exactly the steps and (from, to) pairs that the two documents' sets differ by."""
    inner = [s for s in doc["steps"] if s.get("kind", "action") not in ("entry", "outcome")]
    if not inner or any(t.get("event") for t in doc.get("transitions", [])):
        return
    gone = data.draw(st.sampled_from(inner))["id"]
    new = copy.deepcopy(doc)
    new["steps"] = [s for s in new["steps"] if s["id"] != gone]
    keep = [t for t in new.get("transitions", []) if gone not in (t["from"], t["to"])]
    new["transitions"] = [
        t for t in keep if t.get("on_reject") != gone and t.get("kind") != "referral"
    ]
    new["deadlines"] = [
        d for d in new.get("deadlines", []) if gone not in (d.get("to"), d.get("from"))
    ]
    src = new["steps"][0]["id"]
    new["steps"].append({"id": "zz_added", "kind": "outcome"})
    new["transitions"].append({"from": src, "to": "zz_added"})
    try:
        old_p, new_p = pw.loads(json.dumps(doc)), pw.loads(json.dumps(new))
    except pw.LoadError:
        return  # the edit broke a reference the generator made (a policy, a waiver)
    nodes, edges = _marks(old_p, new_p)
    assert nodes == {gone: "removed", "zz_added": "added"}
    old_t, new_t = _transitions(doc), _transitions(new)
    assert {(a, b) for a, b, c in edges if c == "added"} == new_t - old_t
    assert {(a, b) for a, b, c in edges if c == "removed"} == old_t - new_t


def test_cli_render_since_a_file_and_a_bad_revision(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    v1, v2 = tmp_path / "v1.yaml", tmp_path / "v2.yaml"
    v1.write_text(BASE, encoding="utf-8")
    v2.write_text(yaml.safe_dump(_v2()), encoding="utf-8")
    out = tmp_path / "c.svg"
    args = ["render", str(v2), "-o", str(out), "--visibility", "restricted"]
    assert main([*args, "--since", str(v1)]) == 0
    assert "removed since 1" in out.read_text("utf-8")
    capsys.readouterr()
    assert main([*args, "--since", "no-such-revision"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: invalid value for --since: No earlier version")
    assert "\n" not in err


def test_report_since_draws_the_overlay(tmp_path: Path) -> None:
    v1, v2 = tmp_path / "v1.yaml", tmp_path / "v2.yaml"
    v1.write_text(BASE, encoding="utf-8")
    v2.write_text(yaml.safe_dump(_v2()), encoding="utf-8")
    out = tmp_path / "out"
    args = ["report", str(v2), "-o", str(out), "--no-simulation", "--since", str(v1)]
    assert main([*args, "--visibility", "public"]) == 0
    page = (out / "changes.html").read_text("utf-8")
    assert "new since 1" in page and "removed since 1" in page
    assert "ZETA" not in page
