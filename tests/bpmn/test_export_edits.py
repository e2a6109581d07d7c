"""An export edited in a modeller reads back with the modeller's edits and the ``pw`` data of
everything it left alone (issue 14).

The edits are made here the way bpmn.io saves them: deleting a task deletes its sequence
flows, its ``incoming``/``outgoing`` references in the neighbours, its ``flowNodeRef`` in the
lane and its DI shape and edges; a new task comes with its flows, its lane reference and its
shape; a rename changes ``name`` only.
"""

from __future__ import annotations

import functools
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import pathways
from pathways.bpmn.export import BPMN_NS, PW_NS, to_bpmn
from pathways.bpmn.importer import import_bpmn, loads_bpmn
from pathways.model import Pathway
from tests.hyp import examples

ROOT = Path(__file__).resolve().parents[2]
B = f"{{{BPMN_NS}}}"
DI = "{http://www.omg.org/spec/BPMN/20100524/DI}"
DC = "{http://www.omg.org/spec/DD/20100524/DC}"


class Modeller:
    """Edits on an exported file, as bpmn.io makes them."""

    def __init__(self, xml: str) -> None:
        self.root = ET.fromstring(xml)
        process = self.root.find(f"{B}process")
        assert process is not None
        self.process = process
        plane = self.root.find(f"{DI}BPMNDiagram/{DI}BPMNPlane")
        assert plane is not None
        self.plane = plane

    def element(self, ident: str) -> ET.Element:
        found = next((el for el in self.process.iter() if el.get("id") == ident), None)
        assert found is not None, ident
        return found

    def delete(self, ident: str) -> None:
        node = self.element(ident)
        flows = [
            f
            for f in self.process.findall(f"{B}sequenceFlow")
            if ident in (f.get("sourceRef"), f.get("targetRef"))
        ]
        gone = {ident, *(f.get("id") for f in flows)}
        for f in flows:
            self.process.remove(f)
        self.process.remove(node)
        for el in self.process.iter():
            for ref in [c for c in el if c.tag in (f"{B}incoming", f"{B}outgoing")]:
                if ref.text in gone:
                    el.remove(ref)
            for ref in [c for c in el if c.tag == f"{B}flowNodeRef" and c.text == ident]:
                el.remove(ref)
        for di in [d for d in self.plane if d.get("bpmnElement") in gone]:
            self.plane.remove(di)

    def rename(self, ident: str, name: str) -> None:
        self.element(ident).set("name", name)

    def add_task(self, ident: str, name: str, lane_of: str, after: str, before: str) -> None:
        """A new task in the lane of ``lane_of``, with flows ``after`` -> it -> ``before``."""
        task = ET.SubElement(self.process, f"{B}task", {"id": ident, "name": name})
        for k, (a, b) in enumerate(((after, ident), (ident, before))):
            fid = f"Flow_new{k}"
            ET.SubElement(
                self.process, f"{B}sequenceFlow", {"id": fid, "sourceRef": a, "targetRef": b}
            )
            ET.SubElement(task, f"{B}{'incoming' if k == 0 else 'outgoing'}").text = fid
            ET.SubElement(self.plane, f"{DI}BPMNEdge", {"id": f"{fid}_di", "bpmnElement": fid})
        for lane in self.process.iter(f"{B}lane"):  # its lane and the lanes holding that
            if any(r.text == lane_of for r in lane.findall(f"{B}flowNodeRef")):
                ET.SubElement(lane, f"{B}flowNodeRef").text = ident
        shape = ET.SubElement(self.plane, f"{DI}BPMNShape", {"id": f"{ident}_di"})
        shape.set("bpmnElement", ident)
        ET.SubElement(shape, f"{DC}Bounds", {"x": "0", "y": "0", "width": "100", "height": "80"})

    def save(self) -> bytes:
        return ET.tostring(self.root, encoding="utf-8")


def _dump(p: Pathway) -> dict[str, Any]:
    return p.model_dump(mode="json", exclude_none=True, by_alias=True)


@pytest.mark.parametrize("victim", ["medical_report", "legal_aid", "notify", "police_report"])
def test_an_edited_export_keeps_the_pw_data_of_what_was_not_edited(victim: str) -> None:
    p = pathways.load(ROOT / "pathways" / "kh" / "csa-in-person.yaml")
    xml = to_bpmn(p, visibility="restricted")
    m = Modeller(xml)
    shown = m.root.get(f"{{{PW_NS}}}lang") or p.locales[0]
    m.delete(victim)
    m.rename("case_plan", "Plan the case (edited)")
    m.add_task("Activity_0new", "Phone the family", "follow_up", "follow_up", "closed")
    document, smap, findings = import_bpmn(m.save(), "edited.bpmn")
    assert not findings and document is not None
    back = loads_bpmn(m.save(), "edited.bpmn")

    want = _dump(p)
    want["steps"] = [s for s in want["steps"] if s["id"] != victim]
    for s in want["steps"]:
        if s["id"] == "case_plan":
            label = s.get("label")
            s["label"] = (
                {**label, shown: "Plan the case (edited)"}
                if isinstance(label, dict)
                else "Plan the case (edited)"
            )
    role = next(s.role for s in p.steps if s.id == "follow_up")
    added = {"id": "Activity_0new", "kind": "action", "role": role, "label": "Phone the family"}
    want["steps"].append(_dump(Pathway.model_validate({**_dump(p), "steps": [added]}))["steps"][0])
    kept = []
    for t in want["transitions"]:
        if victim in (t["from"], t["to"]):
            continue
        if t.get("on_reject") == victim:
            del t["on_reject"]
        kept.append(t)
    got = _dump(back)
    new = [t for t in got["transitions"] if "Activity_0new" in (t["from"], t["to"])]
    assert [(t["from"], t["to"]) for t in new] == [
        ("follow_up", "Activity_0new"),
        ("Activity_0new", "closed"),
    ]
    want["transitions"] = kept + new
    for key, field in (("deadlines", ("from", "to")), ("waivers", ("step",))):
        if key in want:  # what names the deleted step goes with it (a PW007 info each)
            want[key] = [d for d in want[key] if victim not in (d.get(f) for f in field)]
    assert got["steps"] == want["steps"]
    assert got["transitions"] == want["transitions"]
    assert got == want
    # What was read from the modeller's additions is said, at the elements' lines.
    assert {(f.code, f.severity.value) for f in smap.notes} == {("PW007", "info")}
    assert all(f.line > 1 for f in smap.notes)
    added = [f.message for f in smap.notes if "added in a modeller" in f.message]
    assert len(added) == 3 and "'Activity_0new'" in added[0]
    dropped = [f.message for f in smap.notes if "deleted in a modeller" in f.message]
    assert all(f"'{victim}'" in m for m in dropped)  # deadlines, waivers naming it
    original = _dump(p)
    lost = sum(len(original.get(k, ())) - len(got.get(k, ())) for k in ("deadlines", "waivers"))
    assert len(dropped) == lost
    pathways.check(back)  # the rules run on it (dangling references are their findings)


def test_a_modeller_element_the_export_never_writes_is_read_by_the_general_mapping() -> None:
    p = pathways.load(ROOT / "pathways" / "kh" / "csa-in-person.yaml")
    m = Modeller(to_bpmn(p, visibility="restricted"))
    ET.SubElement(m.process, f"{B}inclusiveGateway", {"id": "Gateway_or"})
    back = loads_bpmn(m.save(), "edited.bpmn")
    assert "Gateway_or" in {s.id for s in back.steps}
    assert len(back.steps) > len(p.steps)  # the general mapping: helper gateways are steps


def test_a_duplicate_id_in_an_edited_export_is_pw004() -> None:
    """Audit of issue 14: two flow nodes of one id lost the first silently; in a file
    `pathways export` wrote as in any other, PW004 names the id (and both lines)."""
    p = pathways.load(ROOT / "pathways" / "kh" / "csa-in-person.yaml")
    m = Modeller(to_bpmn(p, visibility="restricted"))
    first = next(el for el in m.process if el.tag == f"{B}task")
    ET.SubElement(m.process, f"{B}task", {"id": first.get("id") or ""})
    with pytest.raises(pathways.LoadError) as info:
        loads_bpmn(m.save(), "edited.bpmn")
    assert [f.code for f in info.value.findings] == ["PW004"]
    assert f"duplicate BPMN id {first.get('id')!r} on lines" in info.value.findings[0].message


def test_annotations_and_data_objects_added_in_a_modeller_are_passed_over() -> None:
    p = pathways.load(ROOT / "pathways" / "kh" / "csa-in-person.yaml")
    m = Modeller(to_bpmn(p, visibility="restricted"))
    ET.SubElement(m.process, f"{B}textAnnotation", {"id": "Note_1"})
    ET.SubElement(m.process, f"{B}dataObjectReference", {"id": "Data_1"})
    assert loads_bpmn(m.save(), "edited.bpmn") == p


SMALL = ROOT / "pathways" / "kh" / "school-disclosure.yaml"


@functools.cache
def _small_export() -> tuple[Pathway, str]:
    p = pathways.load(SMALL)
    return p, to_bpmn(p, visibility="restricted")


@settings(max_examples=examples(25))
@given(st.data())
def test_any_deletions_never_crash(data: st.DataObject) -> None:
    """Delete any flow nodes and flows of an export (as bpmn.io does), add a task between any
    two nodes: the file imports without an exception, every step and transition read back
    is one the export wrote or the modeller added, and the rules run on it."""
    p, xml = _small_export()
    m = Modeller(xml)
    ids = [
        el.get("id", "")
        for el in m.process
        if el.tag.rpartition("}")[2] not in ("laneSet", "extensionElements", "documentation")
    ]
    for ident in data.draw(st.lists(st.sampled_from(ids), unique=True, max_size=8)):
        m.delete(ident)
    nodes = [el.get("id", "") for el in m.process if el.tag != f"{B}sequenceFlow"]
    nodes = [n for n in nodes if any(r.text == n for r in m.process.iter(f"{B}flowNodeRef"))]
    if len(nodes) >= 2 and data.draw(st.booleans()):
        a, b = data.draw(st.lists(st.sampled_from(nodes), min_size=2, max_size=2))
        m.add_task("Activity_x", "Added", a, a, b)
    document, _, findings = import_bpmn(m.save(), "edited.bpmn")
    assert document is not None and not findings
    back = loads_bpmn(m.save(), "edited.bpmn")
    steps = {s.id for s in p.steps} | {"Activity_x"}
    assert {s.id for s in back.steps} <= steps
    pairs = {(t.source, t.to) for t in p.transitions}
    assert all(
        (t.source, t.to) in pairs or "Activity_x" in (t.source, t.to) for t in back.transitions
    )
    pathways.check(back)
