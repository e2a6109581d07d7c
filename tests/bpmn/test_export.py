"""BPMN export: the structure BPMN 2.0 requires, checked from the spec in this file, the OMG
schema (the copy bpmn-moddle publishes on npm, restored by ``make test-deps``), labels and
escaping, the layout, and the command line.

The structural oracle below is written from the BPMN 2.0 spec (sections 8-12 and the DI
chapter), independently of the exporter: ids are unique; every flow's ``sourceRef`` and
``targetRef`` is a flow node of the same process and its ``incoming``/``outgoing`` lists agree;
start events take no incoming flow, end events no outgoing one; every flow node sits in exactly
one leaf lane; every shape and edge references an element, every element has exactly one shape
or edge; lanes tile their pool and child lanes tile their parent; shapes lie inside their lane.
"""

from __future__ import annotations

import itertools
import re
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import pathways
from pathways.bpmn.export import PW_NS, iso_duration, to_bpmn
from pathways.cli import main
from pathways.durations import parse_hours
from pathways.model import Pathway
from pathways.testing.strategies import pathways as pathway_strategy
from tests.conftest import require
from tests.hyp import examples

ROOT = Path(__file__).resolve().parents[2]
BUNDLED = sorted((ROOT / "pathways").glob("*/*.yaml"))
EXTRA = [
    ROOT / "tests" / "data" / "report-hostile.yaml",
    ROOT / "tests" / "render" / "data" / "hostile.yaml",
    ROOT / "tests" / "data" / "tracks-runtime.yaml",
    ROOT / "tests" / "data" / "tracks-small.yaml",
]
XSD = ROOT / "tests" / "bpmn" / "bpmnjs" / "node_modules" / "bpmn-moddle" / "resources" / "bpmn"

B = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"
BPMNDI = "{http://www.omg.org/spec/BPMN/20100524/DI}"
DC = "{http://www.omg.org/spec/DD/20100524/DC}"
DI = "{http://www.omg.org/spec/DD/20100524/DI}"
PW = f"{{{PW_NS}}}"

FLOW_NODES = {
    "startEvent",
    "endEvent",
    "intermediateCatchEvent",
    "intermediateThrowEvent",
    "task",
    "userTask",
    "manualTask",
    "serviceTask",
    "sendTask",
    "receiveTask",
    "scriptTask",
    "businessRuleTask",
    "exclusiveGateway",
    "parallelGateway",
}
ISO = re.compile(r"^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$")


def local(el: ET.Element) -> str:
    return el.tag.rpartition("}")[2]


def bounds(shape: ET.Element) -> tuple[float, float, float, float]:
    b = shape.find(f"{DC}Bounds")
    assert b is not None
    return tuple(float(b.get(k, "nan")) for k in ("x", "y", "width", "height"))  # type: ignore[return-value]


def check_structure(xml: str) -> dict[str, ET.Element]:
    """The spec's structural rules (module docstring); returns the flow nodes by id."""
    root = ET.fromstring(xml)
    assert root.tag == f"{B}definitions"
    ids = [el.get("id") for el in root.iter() if el.get("id") is not None]
    dupes = [i for i, n in Counter(ids).items() if n > 1]
    assert not dupes, f"duplicate ids: {dupes}"
    for ident in ids:
        assert re.match(r"^[A-Za-z_][A-Za-z0-9_.-]*$", ident or ""), f"not an NCName: {ident!r}"
    by_id = {el.get("id"): el for el in root.iter() if el.get("id") is not None}

    processes = root.findall(f"{B}process")
    participants = root.findall(f"{B}collaboration/{B}participant")
    assert len(processes) == 1 and len(participants) == 1
    process = processes[0]
    assert participants[0].get("processRef") == process.get("id")

    nodes = {el.get("id", ""): el for el in process if local(el) in FLOW_NODES}
    flows = {el.get("id", ""): el for el in process if local(el) == "sequenceFlow"}
    assert nodes and set(nodes).isdisjoint(flows)
    incoming: dict[str, set[str]] = {n: set() for n in nodes}
    outgoing: dict[str, set[str]] = {n: set() for n in nodes}
    for fid, flow in flows.items():
        src, tgt = flow.get("sourceRef", ""), flow.get("targetRef", "")
        assert src in nodes, f"{fid}: sourceRef {src!r} is not a flow node"
        assert tgt in nodes, f"{fid}: targetRef {tgt!r} is not a flow node"
        outgoing[src].add(fid)
        incoming[tgt].add(fid)
        cond = flow.find(f"{B}conditionExpression")
        if cond is not None:
            assert (cond.text or "").strip(), f"{fid}: empty condition"
    for nid, node in nodes.items():
        assert {e.text for e in node.findall(f"{B}incoming")} == incoming[nid], nid
        assert {e.text for e in node.findall(f"{B}outgoing")} == outgoing[nid], nid
        kind = local(node)
        if kind == "startEvent":
            assert not incoming[nid], f"start event {nid} has incoming flows"
        if kind == "endEvent":
            assert not outgoing[nid], f"end event {nid} has outgoing flows"
        if kind == "parallelGateway" or kind == "exclusiveGateway":
            direction = node.get("gatewayDirection")
            if direction == "Diverging":
                assert len(incoming[nid]) <= 1 and len(outgoing[nid]) >= 2, nid
            if direction == "Converging":
                assert len(incoming[nid]) >= 2 and len(outgoing[nid]) <= 1, nid
        if kind == "intermediateCatchEvent":
            timer = node.find(f"{B}timerEventDefinition")
            assert timer is not None, f"{nid}: a catch event without a timer"
            duration = timer.find(f"{B}timeDuration")
            if duration is not None:
                assert ISO.match(duration.text or ""), duration.text

    # lanes: every flow node in exactly one leaf lane, parents hold their children's nodes
    leaf_of: dict[str, str] = {}

    def walk(lane: ET.Element) -> set[str]:
        refs = {r.text or "" for r in lane.findall(f"{B}flowNodeRef")}
        assert refs <= set(nodes), f"lane {lane.get('id')} refers to {refs - set(nodes)}"
        children = lane.findall(f"{B}childLaneSet/{B}lane")
        if not children:
            for ref in refs:
                assert ref not in leaf_of, f"{ref} is in two lanes"
                leaf_of[ref] = lane.get("id", "")
            return refs
        below: set[str] = set()
        for child in children:
            below |= walk(child)
        assert refs == below, f"lane {lane.get('id')}: refs differ from its child lanes'"
        return refs

    top_lanes = process.findall(f"{B}laneSet/{B}lane")
    for lane in top_lanes:
        walk(lane)
    assert set(leaf_of) == set(nodes), f"not in a lane: {set(nodes) - set(leaf_of)}"

    # diagram interchange
    planes = root.findall(f"{BPMNDI}BPMNDiagram/{BPMNDI}BPMNPlane")
    assert len(planes) == 1
    shapes: dict[str, ET.Element] = {}
    edges: dict[str, ET.Element] = {}
    for di in planes[0]:
        ref = di.get("bpmnElement", "")
        assert ref in by_id, f"{di.get('id')} references {ref!r}, which does not exist"
        target = shapes if local(di) == "BPMNShape" else edges
        assert ref not in target, f"two DI elements for {ref}"
        target[ref] = di
    lanes = {el.get("id", ""): el for el in process.iter(f"{B}lane")}
    assert set(shapes) == set(nodes) | set(lanes) | {participants[0].get("id")}
    assert set(edges) == set(flows)
    for fid, edge in edges.items():
        points = edge.findall(f"{DI}waypoint")
        assert len(points) >= 2, fid
        for p in points:
            float(p.get("x", "nan")), float(p.get("y", "nan"))
    for shape in shapes.values():
        _x, _y, w, h = bounds(shape)
        assert w > 0 and h > 0

    def inside(inner: tuple[float, ...], outer: tuple[float, ...]) -> bool:
        eps = 0.5
        return (
            inner[0] >= outer[0] - eps
            and inner[1] >= outer[1] - eps
            and inner[0] + inner[2] <= outer[0] + outer[2] + eps
            and inner[1] + inner[3] <= outer[1] + outer[3] + eps
        )

    def tiles(parts: list[ET.Element], whole: tuple[float, ...]) -> None:
        boxes = sorted(bounds(shapes[p.get("id", "")]) for p in parts)
        boxes.sort(key=lambda b: b[1])
        assert abs(boxes[0][1] - whole[1]) < 0.5
        assert abs(boxes[-1][1] + boxes[-1][3] - (whole[1] + whole[3])) < 0.5
        for a, b in itertools.pairwise(boxes):
            assert abs(a[1] + a[3] - b[1]) < 0.5, "lanes leave a gap or overlap"
        for b in boxes:
            assert abs(b[0] + b[2] - (whole[0] + whole[2])) < 0.5, "lane not full width"
            assert b[0] > whole[0], "lane does not leave its parent's name strip"

    pool = bounds(shapes[participants[0].get("id", "")])
    tiles(top_lanes, pool)
    for lane in lanes.values():
        children = lane.findall(f"{B}childLaneSet/{B}lane")
        if children:
            tiles(children, bounds(shapes[lane.get("id", "")]))
    for nid, lane_id in leaf_of.items():
        assert inside(bounds(shapes[nid]), bounds(shapes[lane_id])), f"{nid} outside its lane"
    return nodes


def step_of(node: ET.Element) -> str | None:
    if node.get(f"{PW}kind") in (None, "delay"):
        return None
    return node.get(f"{PW}id") or node.get("id")


def check_against(p: Pathway, xml: str, lang: str | None) -> None:
    """Every step, role and transition is in the file, with its name in ``lang``."""
    nodes = check_structure(xml)
    root = ET.fromstring(xml)
    steps = {step_of(n): n for n in nodes.values() if step_of(n) is not None}
    assert set(steps) == {s.id for s in p.steps}
    for step in p.steps:
        node = steps[step.id]
        assert node.get(f"{PW}kind") == step.kind
        assert (node.get("name") or "") == (
            pathways.model.label_text(step.label, lang, p.locales).replace("\t", " ")
        ) or "\ufffd" in (node.get("name") or "")
        if step.kind in ("fork", "join"):
            # BPMN's parallel gateway waits for every incoming flow: only a join may have
            # several, one per transition into it (alternatives into a fork meet before it).
            into = sum(1 for t in p.transitions if t.to == step.id)
            n_in = len(node.findall(f"{B}incoming"))
            assert n_in == (into if step.kind == "join" else min(into, 1)), step.id
        if step.kind == "wait" and step.duration is not None and step.duration.kind == "fixed":
            text = node.find(f"{B}timerEventDefinition/{B}timeDuration")
            assert text is not None
            d, h, m, s = (int(g or 0) for g in ISO.match(text.text or "").groups())  # type: ignore[union-attr]
            assert abs(d * 24 + h + m / 60 + s / 3600 - step.duration.max) < 1 / 3600
    flows = [f for f in root.iter(f"{B}sequenceFlow") if f.get(f"{PW}transition") is not None]
    assert sorted(int(f.get(f"{PW}transition", "-1")) for f in flows) == list(
        range(len(p.transitions))
    )
    for f in flows:
        t = p.transitions[int(f.get(f"{PW}transition", "-1"))]
        cond = f.find(f"{B}conditionExpression")
        assert (cond.text if cond is not None else None) == t.when
    roles = {lane.get(f"{PW}role") for lane in root.iter(f"{B}lane")} - {None}
    assert roles == {s.role for s in p.steps if s.role in p.roles_by_id}


@pytest.mark.parametrize("path", BUNDLED + EXTRA, ids=lambda p: p.name)
def test_export_structure(path: Path, graphviz_dot: str) -> None:
    p = pathways.load(path)
    for lang in (None, "km"):
        check_against(p, to_bpmn(p, lang=lang, visibility="restricted"), lang)


@settings(max_examples=examples(12))
@given(pathway_strategy())
def test_export_structure_of_generated_pathways(p: Pathway) -> None:
    """Any pathway the strategies draw (forks, joins, loops back to entries, waits, guards),
    in both layouts."""
    check_against(p, to_bpmn(p, visibility="restricted"), None)
    check_against(p, to_bpmn(p, visibility="restricted", layout="layered"), None)


@pytest.mark.parametrize("path", BUNDLED, ids=lambda p: p.name)
def test_layered_layout(path: Path) -> None:
    """The linear-time layout obeys the same rules, and puts every flow's target in a later
    column unless the flow goes back (a loop)."""
    p = pathways.load(path)
    xml = to_bpmn(p, layout="layered")
    check_against(p, xml, None)
    with pytest.raises(ValueError, match="unknown layout"):
        to_bpmn(p, layout="neato")


def test_hostile_labels_are_text() -> None:
    """Markup, entities and quotes in labels reach the XML as text and parse back unchanged."""
    p = pathways.load(ROOT / "tests" / "data" / "report-hostile.yaml")
    xml = to_bpmn(p, visibility="restricted")
    names = {el.get("name") for el in ET.fromstring(xml).iter() if el.get("name")}
    assert '<script>alert(1)</script> & "quotes"' in " ".join(names)
    assert "<script>" not in xml


def test_control_characters_are_replaced() -> None:
    p = pathways.load(ROOT / "pathways" / "kh" / "csa-in-person.yaml")
    doc = p.model_dump(mode="json", by_alias=True, exclude_none=True)
    doc["steps"][1]["label"] = "bad\x01label\u202e"
    xml = to_bpmn(Pathway.model_validate(doc))
    ET.fromstring(xml)  # well-formed
    assert "bad\ufffdlabel\ufffd" in xml


def test_visibility_hides_agencies() -> None:
    """The one visibility policy: a restricted agency's name and role titles never appear."""
    p = pathways.load(ROOT / "tests" / "render" / "data" / "restricted.yaml")
    from pathways.visibility import secrets

    public = to_bpmn(p, visibility="public")
    assert secrets(p, "public")
    for secret in secrets(p, "public"):
        assert secret not in public


def test_iso_durations() -> None:
    for hours in (0.0, 0.25, 1.0, 23.5, 24.0, 72.0, 170.75, 1 / 3600):
        text = iso_duration(hours)
        assert ISO.match(text), text
        assert abs(parse_hours(text) - hours) < 1 / 3600 + 1e-9


def test_schema_valid() -> None:
    """The OMG BPMN 2.0 XSD (bpmn-moddle's copy) accepts every export."""
    require(
        (XSD / "xsd" / "BPMN20.xsd").is_file(),
        "bpmn-moddle's copy of the BPMN 2.0 XSD (tests/bpmn/bpmnjs/node_modules)",
        "run `make test-deps` (npm ci in tests/bpmn/bpmnjs)",
    )
    from lxml import etree

    schema = etree.XMLSchema(etree.parse(str(XSD / "xsd" / "BPMN20.xsd")))
    for path in BUNDLED + EXTRA[:2]:
        p = pathways.load(path)
        doc = etree.fromstring(to_bpmn(p, lang="km", visibility="restricted").encode())
        assert schema.validate(doc), f"{path.name}: {schema.error_log.last_error}"


def test_cli_export(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "p.bpmn"
    src = ROOT / "pathways" / "kh" / "csa-in-person.yaml"
    assert main(["export", str(src), "-o", str(out), "--lang", "km"]) == 0
    assert capsys.readouterr().out.strip() == str(out)
    check_against(pathways.load(src), out.read_text(encoding="utf-8"), "km")
    assert main(["export", str(src), "-o", str(tmp_path / "p.svg")]) == 2
    assert "unknown suffix '.svg'" in capsys.readouterr().err
    assert main(["export", str(src), "-o", str(out), "--lang", "kh"]) == 2
    assert "did you mean km" in capsys.readouterr().err
    assert main(["export", str(src), "-o", str(out), "--layout", "circo"]) == 2
    assert "invalid value for --layout" in capsys.readouterr().err
    assert main(["export", str(src), "-o", str(out), "--layout", "layered"]) == 0
    check_against(pathways.load(src), out.read_text(encoding="utf-8"), None)
    assert main(["export", str(tmp_path / "none.yaml"), "-o", str(out)]) == 2
    bad = tmp_path / "bad.yaml"
    bad.write_text("format: pathways/1\nid: x\nsteps: [}\n", encoding="utf-8")
    assert main(["export", str(bad), "-o", str(out)]) == 1
    err = capsys.readouterr().err
    assert "not exported: the file does not load" in err and "Traceback" not in err


def test_a_pathway_above_the_reader_is_refused(tmp_path: Path) -> None:
    """The one visibility policy: a pathway for restricted readers is not exported for
    partners; the command says so in one line (exit 1) and writes nothing."""
    from pathways.errors import RenderError

    p = pathways.load(ROOT / "pathways" / "kh" / "csa-in-person.yaml")
    restricted = Pathway.model_validate(
        {**p.model_dump(mode="json", by_alias=True, exclude_none=True), "visibility": "restricted"}
    )
    with pytest.raises(RenderError, match="--visibility restricted"):
        to_bpmn(restricted)
    src = tmp_path / "r.yaml"
    src.write_text(pathways.dump(restricted), encoding="utf-8")
    out = tmp_path / "r.bpmn"
    assert main(["export", str(src), "-o", str(out)]) == 1
    assert not out.exists()
    assert main(["export", str(src), "-o", str(out), "--visibility", "restricted"]) == 0


CONTROL_EVERYWHERE = """\
format: pathways/1
id: control
version: "1\\x01"
jurisdiction: "K\\x02H"
case_fields:
  risk: {type: enum, values: ["lo\\x01w", "t\\tab", "c\\rr", "bi\\u202edi", hi],
         value_labels: {"lo\\x01w": "L\\x03"}}
agencies: [{id: a, name: "A\\x04", sector: social,
            contacts: [{channel: "p\\x05", value: "1\\x06", visibility: public}]}]
roles: [{id: r, agency: a, title: "R\\x07"}]
steps:
  - {id: s, kind: entry, role: r, tags: ["t\\x08g", "two words", "[x"]}
  - {id: d, kind: decision, role: r}
  - {id: o, kind: outcome}
transitions:
  - {from: s, to: d, event: "e\\x0bv", consent: override, reason: "why\\x0c\\tnot"}
  - {from: d, to: o, when: "risk == 'lo\\x01w' or risk == 't\\tab' or risk == 'c\\rr'"}
  - {from: d, to: o, when: "risk == 'bi\\u202edi' or risk == 'hi'", event: other}
simulation:
  population: {risk: {choice: {"lo\\x01w": 0.5, hi: 0.5}}}
"""


def test_control_characters_in_any_field_read_back() -> None:
    """A control character XML 1.0 cannot hold, in any field and not only in a label (a
    version, an event, a tag, an enum value in a guard and in pw:data), is written as U+FFFD
    everywhere alike: the file is well-formed and reads back as the pathway with U+FFFD in
    its place. Tabs, carriage returns and bidi marks in guards and reasons, and tags with a
    space, come back exactly (they were written as U+FFFD or a space, or split)."""
    from pathways.bpmn.importer import loads_bpmn

    p = pathways.loads(CONTROL_EVERYWHERE, "control.yaml")
    xml = to_bpmn(p, visibility="restricted")
    ET.fromstring(xml)  # well-formed
    back = loads_bpmn(xml.encode(), "control.bpmn")
    assert (back.version, back.jurisdiction) == ("1\ufffd", "K\ufffdH")
    assert back.case_fields["risk"].values == ("lo\ufffdw", "t\tab", "c\rr", "bi\u202edi", "hi")
    assert back.steps[0].tags == ("t\ufffdg", "two words", "[x")
    assert back.transitions[0].event == "e\ufffdv"
    assert back.transitions[0].reason == "why\ufffd\tnot"
    assert back.transitions[1].when == "risk == 'lo\ufffdw' or risk == 't\tab' or risk == 'c\rr'"
    assert back.transitions[2].when == p.transitions[2].when
    assert back.simulation.population["risk"] == {"choice": {"lo\ufffdw": 0.5, "hi": 0.5}}
    assert back.agencies[0].contacts[0].value == "1\ufffd"


@settings(max_examples=examples(40), deadline=None)
@given(
    text=st.text(st.characters(exclude_categories=("Cs",)), max_size=12),
    where=st.sampled_from(["version", "event", "tag", "reason", "label", "value"]),
)
def test_any_text_anywhere_exports_well_formed_and_reads_back(text: str, where: str) -> None:
    """Whatever characters a field holds, the export parses and reads back as a pathway, the
    field the same but for U+FFFD where XML 1.0 cannot hold a character (labels: their own
    replacements)."""
    from pathways.bpmn.importer import loads_bpmn

    data = pathways.loads(CONTROL_EVERYWHERE, "c.yaml").model_dump(
        mode="json", by_alias=True, exclude_defaults=True
    )
    if where == "version":
        data["version"] = text or "1"
    elif where == "event":
        data["transitions"][0]["event"] = text or "go"
    elif where == "tag":
        data["steps"][0]["tags"] = [text]
    elif where == "reason":
        data["transitions"][0]["reason"] = text + "why"
    elif where == "label":
        data["steps"][0]["label"] = text
    else:  # an enum value, in the field, a guard, the population and value_labels
        value = text or "v"
        data["case_fields"]["risk"]["values"][0] = value
        data["case_fields"]["risk"]["value_labels"] = {value: "L"}
        quoted = value.replace("\\", "\\\\").replace("'", "\\'")
        data["transitions"][1]["when"] = f"risk == '{quoted}'"
        data["simulation"]["population"]["risk"]["choice"] = {value: 0.5, "hi": 0.5}
    p = Pathway.model_validate(data)
    xml = to_bpmn(p, visibility="restricted", layout="layered")
    back = loads_bpmn(xml.encode(), "c.bpmn")
    fix = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
    if where == "version":
        assert back.version == fix.sub("\ufffd", p.version)
    elif where == "event":
        assert back.transitions[0].event == fix.sub("\ufffd", p.transitions[0].event)
    elif where == "tag":
        assert back.steps[0].tags == (fix.sub("\ufffd", text),)
    elif where == "reason":
        assert back.transitions[0].reason == fix.sub("\ufffd", text + "why")
    elif where == "value":
        assert back.case_fields["risk"].values[0] == fix.sub("\ufffd", value)
