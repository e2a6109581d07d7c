"""`pathways trace`: the routes a case with some facts can take (issue 18, "trace this child").

The three-valued guard reading is checked against a brute force over every completion of the
facts; the traced steps against a reachability search written here on networkx.
"""

from __future__ import annotations

import itertools
import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import networkx as nx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import pathways
from pathways.cli import main
from pathways.guards import (
    And,
    Compare,
    Expr,
    ListLit,
    Literal,
    Membership,
    Name,
    Not,
    Or,
    constants,
    evaluate,
    format_guard,
    parse_guard,
)
from pathways.trace import TraceError, format_trace, trace, truth
from tests.hyp import examples

ROOT = Path(__file__).resolve().parent.parent
P1 = ROOT / "pathways" / "kh" / "csa-in-person.yaml"
BUNDLED = sorted((ROOT / "pathways" / "kh").glob("*.yaml"))

# ----------------------------------------------------------------- three-valued guard reading

DOMAINS: dict[str, list[object]] = {
    "colour": ["red", "green", "blue"],
    "flag": [True, False],
    "n": list(range(6)),
}


def _operand(field: str) -> st.SearchStrategy[tuple[Name, Literal]]:
    return st.sampled_from(DOMAINS[field]).map(lambda v: (Name(field), Literal(v)))


@st.composite
def leaves(draw: st.DrawFn) -> Expr:
    field = draw(st.sampled_from(sorted(DOMAINS)))
    name, lit = draw(_operand(field))
    if field == "flag":
        return draw(st.sampled_from([name, Not(name), Compare("==", name, lit)]))
    if field == "colour":
        items = ListLit(tuple(Literal(v) for v in draw(st.sets(st.sampled_from(DOMAINS[field])))))
        return draw(
            st.sampled_from(
                [Compare("==", name, lit), Compare("!=", name, lit), Membership(name, items)]
            )
        )
    op = draw(st.sampled_from(["<", "<=", ">", ">=", "==", "!="]))
    return Compare(op, name, lit) if draw(st.booleans()) else Compare(op, lit, name)


guards = st.recursive(
    leaves(),
    lambda inner: st.one_of(
        inner.map(Not),
        st.lists(inner, min_size=1, max_size=3).map(lambda xs: And(tuple(xs))),
        st.lists(inner, min_size=1, max_size=3).map(lambda xs: Or(tuple(xs))),
    ),
    max_leaves=6,
)
partial_facts = st.fixed_dictionaries(
    {}, optional={name: st.sampled_from(values) for name, values in DOMAINS.items()}
)


@settings(max_examples=examples(150))
@given(guards, partial_facts)
def test_three_valued_reading_is_sound(expr: Expr, facts: dict[str, object]) -> None:
    """True means true for every completion of the facts, False false for every one; with
    every fact given it is the guard's value."""
    missing = [name for name in DOMAINS if name not in facts]
    values = {
        evaluate(expr, {**facts, **dict(zip(missing, combo, strict=True))})
        for combo in itertools.product(*(DOMAINS[m] for m in missing))
    }
    got = truth(expr, facts)
    if got is not None:
        assert values == {got}, format_guard(expr)
    if not missing:
        assert got is not None


# ----------------------------------------------------------------------------- traced steps


def oracle_steps(p: pathways.Pathway, facts: dict[str, object]) -> set[str]:
    """Steps reachable from the entries over the transitions whose guard holds (all facts
    known), with each open referral's on_reject, by networkx."""
    g = nx.DiGraph()
    g.add_nodes_from(s.id for s in p.steps)
    for t in p.transitions:
        if t.when and not evaluate(parse_guard(t.when), facts):
            continue
        g.add_edge(t.source, t.to)
        if t.kind == "referral" and t.on_reject:
            g.add_edge(t.source, t.on_reject)
    out: set[str] = set()
    for entry in p.entry_steps():
        out |= {entry} | nx.descendants(g, entry)
    return out


def every_case(p: pathways.Pathway) -> list[dict[str, object]]:
    """Every combination of field values that any guard can tell apart."""
    found: dict[str, set[object]] = {}
    for t in p.transitions:
        if t.when:
            for name, values in constants(parse_guard(t.when)).items():
                found.setdefault(name, set()).update(values)
    choices: list[list[object]] = []
    for name, spec in p.case_fields.items():
        if spec.type == "enum":
            choices.append(list(spec.values or ()))
        elif spec.type == "boolean":
            choices.append([True, False])
        else:
            points = {
                v for x in found.get(name, ()) if isinstance(x, int | float) for v in (x, x + 1)
            }
            points = {v for v in points if spec.accepts(int(v) if spec.type == "integer" else v)}
            choices.append(sorted(int(v) if spec.type == "integer" else v for v in points) or [0])
    names = list(p.case_fields)
    return [dict(zip(names, combo, strict=True)) for combo in itertools.product(*choices)]


@pytest.mark.parametrize("path", BUNDLED, ids=lambda p: p.stem)
def test_traced_steps_are_the_reachable_steps(path: Path) -> None:
    """For every distinguishable case of each bundled pathway, the traced steps are the steps
    the case can reach; with some facts left out, every step any completion reaches is lit."""
    p = pathways.load(path)
    cases = every_case(p)
    assert cases
    for facts in cases[:40]:
        assert set(trace(p, facts).steps) == oracle_steps(p, facts), facts
    for name in p.case_fields:
        partial = {k: v for k, v in cases[0].items() if k != name}
        union = set().union(*(oracle_steps(p, {**partial, name: c[name]}) for c in cases))
        assert union <= set(trace(p, partial).steps)


def test_trace_of_p1_in_plain_words() -> None:
    """A high-risk case reported 10 hours after the incident: urgent medical care, not the
    routine track; the shelter referral with its kinship fallback; labels, not ids."""
    p = pathways.load(P1)
    t = trace(p, ["risk=high", "hours_since_incident=10"])
    assert "medical_urgent" in t.steps and "medical_routine" not in t.steps
    text = format_trace(t)
    assert "for a case where risk level = high, hours since the incident = 10" in text
    assert "Urgent medical care" in text and "Non-urgent medical check" not in text
    assert "referral to NGO partner shelter, answer within 24 h (1 day)" in text
    assert "if declined: Emergency placement with safe relatives (kinship care)" in text
    assert "deadline: PEP window, within 72 h (3 days) of entry" in text
    assert "consent is asked here" in text
    assert "timing_check" not in text  # the step's label is written, not its id
    unknown = trace(p, ["risk=high"])
    assert {"medical_urgent", "medical_routine"} <= set(unknown.steps)
    assert "depends on hours since the incident" in format_trace(unknown)


@pytest.mark.parametrize(
    ("facts", "message"),
    [
        (["rsk=high"], "'rsk' is not a case field of kh-csa-in-person; did you mean risk?"),
        (["risk=hihg"], "risk is one of 'low', 'medium', 'high'; did you mean high?"),
        (["hours_since_incident=soon"], "hours_since_incident is an integer >= 0 <= 8760"),
        (["risk"], "write a fact as field=value"),
    ],
)
def test_bad_facts_are_one_line_errors(
    facts: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(TraceError, match=re.escape(message)):
        trace(pathways.load(P1), facts)
    assert main(["trace", str(P1), *facts]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1 and message in err


def test_unknown_entry_is_refused() -> None:
    with pytest.raises(TraceError, match="did you mean report_ccwc"):
        trace(pathways.load(P1), entries=["report_ccw"])


def test_cli_json_lists_ids(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["trace", str(P1), "risk=low", "--entry", "report_police", "--format", "json"]) == 0
    data: dict[str, Any] = json.loads(capsys.readouterr().out)
    assert data["facts"] == {"risk": "low"}
    assert data["entries"] == ["report_police"]
    assert "report_ccwc" not in data["steps"] and "placement_shelter" not in data["steps"]
    assert data["waiting_on"]  # the timing check still depends on hours_since_incident


@pytest.mark.usefixtures("graphviz_dot")
def test_trace_svg_lights_the_routes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`-o trace.svg`: the traced steps are drawn bold and black, the others greyed."""
    out = tmp_path / "trace.svg"
    assert main(["trace", str(P1), "risk=low", "hours_since_incident=100", "-o", str(out)]) == 0
    assert str(out) in capsys.readouterr().out
    ns = {"s": "http://www.w3.org/2000/svg"}
    strokes: dict[str, set[str]] = {}
    for g in ET.parse(out).getroot().iter("{http://www.w3.org/2000/svg}g"):
        title = g.find("s:title", ns)
        if g.get("class") == "node" and title is not None and title.text:
            strokes[title.text] = {
                el.get("stroke", "") for el in g if el.tag.endswith(("polygon", "path", "ellipse"))
            }
    p = pathways.load(P1)
    lit = set(trace(p, {"risk": "low", "hours_since_incident": 100}).steps)
    assert lit and lit != {s.id for s in p.steps}
    for step in p.steps:
        colours = strokes[step.id]
        assert ("#000000" in colours) == (step.id in lit), (step.id, colours)
        assert ("#c8c8c8" in colours) == (step.id not in lit), (step.id, colours)


def test_trace_of_a_real_case_snapshot(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`--case`: a case run on the engine and saved as a snapshot is traced from where it is:
    the route so far, its facts, and only what can still happen."""
    import datetime as dt

    from pathways.clock import SimulatedClock
    from pathways.engine import Engine

    small = ROOT / "tests" / "data" / "engine-small.yaml"
    t0 = dt.datetime(2026, 1, 5, 9, tzinfo=dt.UTC)
    engine = Engine(pathways.load(small), clock=SimulatedClock(t0))
    case = engine.open(data={"age": 12, "online": False, "risk": "high"}, case_id="c-1", at=t0)
    case.fire(
        "screen", actor=pathways.Actor(id="c1", role="counsellor"), at=t0 + dt.timedelta(hours=1)
    )
    snapshot = tmp_path / "case.json"
    snapshot.write_text(json.dumps(case.to_dict()), encoding="utf-8")
    assert main(["trace", str(small), "--case", str(snapshot), "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["so_far"] == ["intake", "screen"]
    assert data["entries"] == ["screen"]
    assert data["facts"] == {"age": 12, "online": False, "risk": "high"}
    assert "intake" not in data["steps"] and "referred_out" not in data["steps"]
    assert "shelter" in data["steps"]
    assert main(["trace", str(small), "--case", str(snapshot)]) == 0
    assert capsys.readouterr().out.startswith("So far: Intake -> Screening\n")
    other = tmp_path / "other.json"
    other.write_text(json.dumps({**case.to_dict(), "pathway": "another"}), encoding="utf-8")
    assert main(["trace", str(small), "--case", str(other)]) == 2
    assert "follows pathway 'another'" in capsys.readouterr().err


def test_trace_json_and_drawing_keep_stdout_json(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`--format json -o x.mmd`: stdout stays one JSON document; the written path goes to stderr."""
    out = tmp_path / "trace.mmd"
    args = ["trace", str(P1), "risk=low", "--format", "json", "-o", str(out)]
    assert main(args) == 0
    captured = capsys.readouterr()
    assert json.loads(captured.out)["steps"]
    assert str(out) in captured.err
    assert out.read_text(encoding="utf-8").startswith(("flowchart", "%%", "---"))


def test_trace_unwritable_output_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A drawing that cannot be written: one `error:` line naming the file, exit 1."""
    out = tmp_path / "trace.mmd"
    out.mkdir()  # a folder where the file should go
    assert main(["trace", str(P1), "risk=low", "-o", str(out)]) in (1, 2)
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error:") and "trace.mmd" in err[0]


@pytest.mark.usefixtures("graphviz_dot")
def test_a_traced_pdf_takes_the_sheets_of_the_pathway() -> None:
    """Issue 18 audit: `trace FILE risk=low hours_since_incident=100 -o trace.pdf` printed 11
    A3 sheets, five of them holding one step, where `render -o x.pdf` prints 6: the legend's
    "on the routes of a case where ..." entry was one long line, which widened the legend
    and with it every page. The reader's facts now wrap, and the sheets are the pathway's."""
    from pathways.render.extract import extract, light
    from pathways.render.pages import page_diagrams

    p = pathways.load(P1)
    facts = {"risk": "low", "hours_since_incident": 100}
    traced = trace(p, facts)
    diagram = extract(p)
    lit = light(
        diagram,
        traced.steps,
        traced.transitions,
        traced.fallbacks,
        ", ".join(f"{name} = {value}" for name, value in facts.items()),
    )
    plain = [len(sub.nodes) for sub in page_diagrams(diagram)]
    assert [len(sub.nodes) for sub in page_diagrams(lit)] == plain
