"""SPEC section 6 (the Python API names outside tests use), run as the SPEC writes it.

The SPEC's block runs on two pathways: the first half (load, check, graph, simulate, render) on
the bundled csa-in-person, the runtime half on tests/data/engine-small.yaml with its counsellor
named as the SPEC names it (``hotline_counsellor``). A name removed or renamed fails here
(``Pathway.graph()`` was once removed by a refactor, and nothing failed).
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import networkx as nx
import pytest

import pathways

ROOT = Path(__file__).resolve().parent.parent


def test_spec_section_6_load_check_graph_simulate_render(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(ROOT)
    p = pathways.load("pathways/kh/csa-in-person.yaml")  # raises pathways.LoadError (.findings)
    findings = pathways.check(p)  # list[Finding]: every rule, sorted
    g = p.graph()  # networkx.DiGraph, steps as nodes
    result = pathways.simulate(p, cases=1_000, seed=0)  # .to_dict() == the JSON above
    pathways.render(p, str(tmp_path / "out.svg"), lang="km")

    assert isinstance(findings, list)
    assert all(isinstance(f, pathways.Finding) for f in findings)
    assert findings == sorted(findings, key=pathways.Finding.sort_key)
    assert isinstance(g, nx.DiGraph) and set(g) == {s.id for s in p.steps}
    assert json.loads(json.dumps(result.to_dict()))["cases"] == 1_000
    assert (tmp_path / "out.svg").read_text(encoding="utf-8").lstrip().startswith("<")
    with pytest.raises(pathways.LoadError) as raised:
        pathways.loads("format: pathways/1\nid: x\n")
    assert raised.value.findings


def test_spec_section_6_runtime() -> None:
    text = (ROOT / "tests" / "data" / "engine-small.yaml").read_text(encoding="utf-8")
    p = pathways.loads(text.replace("counsellor", "hotline_counsellor"))
    engine = pathways.Engine(p)  # runtime on `transitions`
    case = engine.open(data={"age": 12, "online": False}, entry="intake", case_id="c-1")
    case.fire("screen", actor=pathways.Actor(id="u7", role="hotline_counsellor"))
    assert case.step == "screen"
    entry = case.history[-1]  # history: who fired what, when
    assert (entry.event, entry.source, entry.target, entry.actor, entry.role) == (
        "screen",
        "intake",
        "screen",
        "u7",
        "hotline_counsellor",
    )
    for name in ("seq", "at", "note", "hash"):
        assert hasattr(entry, name), name
    now = dt.datetime.now(dt.UTC) + dt.timedelta(days=30)
    assert [d for d in case.overdue(now)]  # closed-5d (from screen) is missed by then
    snapshot = case.to_dict()
    assert engine.restore(snapshot).to_dict() == snapshot  # round-trips exactly
    with pytest.raises(pathways.TransitionNotAllowed):
        case.fire("nowhere", actor=pathways.Actor(id="u7", role="hotline_counsellor"))
    with pytest.raises(pathways.NotAuthorized):
        case.fire("close", actor=pathways.Actor(id="s1", role="social_worker"))
    assert case.to_dict() == snapshot  # neither error changed the case
