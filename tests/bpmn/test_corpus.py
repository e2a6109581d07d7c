"""BPMN files written by others (tests/data/bpmn/corpus, copied with their licences) import
without exceptions, and the library's verdicts agree with the published ones."""

from __future__ import annotations

import collections
import datetime as dt
import json
import os
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

import pathways as pw
from pathways.bpmn.importer import import_bpmn, load_bpmn, loads_bpmn, to_yaml
from pathways.findings import Severity
from pathways.load.loader import load_data

CORPUS = Path("tests/data/bpmn/corpus")
COUNTS = Path("tests/data/bpmn/unmapped-counts.json")
SOUNDNESS = CORPUS / "bpmn-analyzer-soundness"
MIWG = CORPUS / "bpmn-miwg-reference"
FILES = sorted(p.relative_to(CORPUS).as_posix() for p in CORPUS.rglob("*.bpmn"))
TODAY = dt.date(2026, 12, 1)

NOT_XML = {
    # bpmnlint reads it with a lenient parser; the XML binds no namespace to its `bpmn:` prefix.
    "bpmnlint-rule-fixtures/no-bpmndi/valid-no-lanes.bpmn": "PW001",
}

OUTSIDE: dict[str, str] = {}
"""Files with verdicts outside the mappable subset, and why (none: livelock.bpmn, a loop that
forks a new track every round, was here until PW105 read option to complete with tracks and
the token game stopped at its first pile-up; see test_livelock_is_decided_at_once)."""


def test_the_copied_corpus_is_complete() -> None:
    assert len(FILES) == 248
    assert (CORPUS / "NOTICE.md").is_file()


def test_every_corpus_file_imports_and_unmapped_elements_are_counted() -> None:
    """No exception on any file; the PW007 findings (warnings, infos) per file are the table's,
    and each names the element's id and a line in the file."""
    table = json.loads(COUNTS.read_text("utf-8"))
    assert sorted(table) == FILES
    got: dict[str, object] = {}
    for rel in FILES:
        path = CORPUS / rel
        data = path.read_bytes()
        document, smap, findings = import_bpmn(data, str(path))
        if document is None:
            got[rel] = {"load": findings[0].code}
            continue
        pathway, load_findings = load_data(document, smap)
        assert pathway is not None, (rel, [str(f) for f in load_findings[:3]])
        lines = data.count(b"\n") + 1
        for note in smap.notes:
            assert note.code == "PW007"
            assert 1 <= note.line <= lines
            if note.severity is Severity.WARNING:
                assert "'" in note.message  # the element's id
        counts = collections.Counter(n.severity for n in smap.notes)
        got[rel] = [counts[Severity.WARNING], counts[Severity.INFO]]
    assert got == table
    assert {k: v for k, v in got.items() if isinstance(v, dict)} == {
        k: {"load": v} for k, v in NOT_XML.items()
    }


def test_the_written_yaml_of_every_corpus_file_loads_and_checks_alike() -> None:
    """Audit of issue 14: `pathways import X.bpmn -o X.yaml` left out `steps` when the model
    had no flow nodes (26 bpmnlint files), so the YAML gave PW002 where the BPMN file gave
    PW101/PW102. Now the YAML of every corpus file loads and `check` gives the same codes as
    the BPMN file, but for PW007: the importer's notes belong to the BPMN file (`pathways
    import` prints them), the YAML has nothing left to note."""
    differ: dict[str, tuple[list[str], list[str]]] = {}
    for rel in FILES:
        if rel in NOT_XML:
            continue
        path = CORPUS / rel
        document, smap, _ = import_bpmn(path.read_bytes(), str(path))
        assert document is not None, rel
        text = to_yaml(document)  # before load_data, which may fill the document in
        pathway, _ = load_data(document, smap)
        assert pathway is not None, rel
        from_bpmn = sorted({f.code for f in pw.check(pathway)} - {"PW007"})
        from_yaml = sorted({f.code for f in pw.check(pw.loads(text))})
        if from_bpmn != from_yaml:
            differ[rel] = (from_bpmn, from_yaml)
    assert differ == {}


def _verdict_files() -> list[str]:
    expected = json.loads((SOUNDNESS / "expected.json").read_text("utf-8"))["files"]
    return sorted(f for f, v in expected.items() if v.get("fulfilled") and f not in OUTSIDE)


def test_files_outside_the_mappable_subset_are_listed() -> None:
    expected = json.loads((SOUNDNESS / "expected.json").read_text("utf-8"))["files"]
    with_verdicts = {f for f, v in expected.items() if v.get("fulfilled")}
    assert set(OUTSIDE) <= with_verdicts
    assert len(_verdict_files()) + len(OUTSIDE) == len(with_verdicts) == 17


def _activities(path: Path) -> set[str]:
    """Ids of the activities of a BPMN file (read here with ElementTree, not the importer)."""
    kinds = {"task", "userTask", "manualTask", "serviceTask", "sendTask", "receiveTask"}
    kinds |= {"scriptTask", "businessRuleTask", "callActivity", "subProcess"}
    return {
        el.attrib["id"]
        for el in ET.parse(path).iter()
        if el.tag.rpartition("}")[2] in kinds and "id" in el.attrib
    }


@pytest.mark.parametrize("rel", _verdict_files())
def test_verdicts_agree_with_the_bpmn_analyzer(rel: str) -> None:
    """Safeness false <-> PW111; OptionToComplete false <-> PW110 or PW105; NoDeadActivities
    false <-> PW103 on exactly the activities the analyzer names."""
    expected = json.loads((SOUNDNESS / "expected.json").read_text("utf-8"))["files"][rel]
    path = SOUNDNESS / rel
    pathway = load_bpmn(path)
    findings = pw.check(pathway, select=["PW103", "PW105", "PW110", "PW111"], today=TODAY)
    codes = {f.code for f in findings}
    fulfilled = expected["fulfilled"]
    if "Safeness" in fulfilled:
        assert ("PW111" in codes) == (not fulfilled["Safeness"])
    if "OptionToComplete" in fulfilled:
        assert bool(codes & {"PW110", "PW105"}) == (not fulfilled["OptionToComplete"])
    if "NoDeadActivities" in fulfilled:
        dead = {f.step for f in findings if f.code == "PW103"} & _activities(path)
        assert bool(dead) == (not fulfilled["NoDeadActivities"])
        if expected.get("problematic_elements"):
            assert dead == set(expected["problematic_elements"])
    for f in findings:  # every finding points into the BPMN file
        assert f.file == str(path) and f.line > 1


def test_livelock_is_decided_at_once() -> None:
    """livelock.bpmn: the analyzer says unsafe and no option to complete (0 terminated states).
    The token game stops at the first state that holds an earlier one's tracks and more (it
    ran to its 20,000-state bound for 30-80 s before), PW105 names the loop the fork sends a
    track round, and PW114 says PW110 is undecided (never silently fine)."""
    import time

    path = SOUNDNESS / "integration" / "livelock.bpmn"
    pathway = load_bpmn(path)
    began = time.perf_counter()
    findings = pw.check(pathway, select=["PW105", "PW110", "PW111", "PW114"], today=TODAY)
    assert time.perf_counter() - began < 1.0
    by_code = {f.code: f for f in findings}
    assert sorted(by_code) == ["PW105", "PW111", "PW114"]
    assert by_code["PW105"].step == "Gateway_19m1xkh"
    assert "Gateway_11yg34z" in by_code["PW105"].message
    assert by_code["PW111"].step == "Activity_08howcn"
    assert "undecided" in by_code["PW114"].message and "pile up" in by_code["PW114"].message


def _verdicts(path: Path) -> tuple[collections.Counter[str], set[str]]:
    """The codes found (with their counts) and the activities PW103 names."""
    findings = pw.check(load_bpmn(path), today=TODAY)
    dead = {f.step for f in findings if f.code == "PW103"} & _activities(path)
    return collections.Counter(f.code for f in findings), {str(d) for d in dead}


def test_the_three_prefix_files_give_identical_results() -> None:
    """bpmn:, wurst: and no prefix name the same namespace, and are read alike. bpmn-prefix and
    wurst-prefix draw one model (element ids differ): the same verdicts, the same dead
    activities. no-prefix draws upstream's unsafe model: exactly what unsafe.bpmn gives."""
    prefix = SOUNDNESS / "unit" / "prefix"
    bpmn, wurst = _verdicts(prefix / "bpmn-prefix.bpmn"), _verdicts(prefix / "wurst-prefix.bpmn")
    assert bpmn == wurst
    assert bpmn[1] == {"Dead_1", "Dead_2", "Dead_3", "Dead_4"}
    unsafe = SOUNDNESS / "unit" / "properties" / "safeness" / "unsafe.bpmn"
    assert _verdicts(prefix / "no-prefix.bpmn") == _verdicts(unsafe)
    assert _verdicts(unsafe)[0]["PW111"] == 2


MIWG_FLOW = {
    "task", "userTask", "manualTask", "serviceTask", "sendTask", "receiveTask", "scriptTask",
    "businessRuleTask", "callActivity", "subProcess", "transaction", "adHocSubProcess",
    "exclusiveGateway", "parallelGateway", "eventBasedGateway", "inclusiveGateway",
    "complexGateway", "startEvent", "endEvent", "intermediateCatchEvent",
    "intermediateThrowEvent", "boundaryEvent",
}  # fmt: skip


def _mapped_counts(path: Path) -> collections.Counter[str]:
    """What the mapping promises, worked out here with ElementTree: every flow node is a step,
    except a sub-process with exactly one blank start event (flattened: its contents are steps),
    and the contents of an event sub-process or of a sub-process kept whole (not flattened)."""
    counts: collections.Counter[str] = collections.Counter()

    def local(el: ET.Element) -> str:
        return el.tag.rpartition("}")[2]

    def walk(container: ET.Element) -> None:
        for el in container:
            tag = local(el)
            if tag not in MIWG_FLOW:
                continue
            if tag in ("subProcess", "transaction"):
                inner = [c for c in el if local(c) in MIWG_FLOW]
                blank = [
                    c
                    for c in inner
                    if local(c) == "startEvent" and not any("EventDefinition" in d.tag for d in c)
                ]
                if el.attrib.get("triggeredByEvent") == "true":
                    continue
                if len(blank) == 1:
                    walk(el)
                    continue
            counts[tag] += 1

    for process in ET.parse(path).getroot():
        if local(process) == "process":
            walk(process)
    return counts


@pytest.mark.parametrize("name", sorted(p.name for p in MIWG.glob("*.bpmn")))
def test_miwg_element_counts(name: str) -> None:
    """Agencies, roles, steps per BPMN element type and referrals equal the counts of
    expected.json for what is mapped."""
    expected = json.loads((MIWG / "expected.json").read_text("utf-8"))[name]
    path = MIWG / name
    pathway = load_bpmn(path)
    tags = {
        el.attrib["id"]: el.tag.rpartition("}")[2]
        for el in ET.parse(path).iter()
        if "id" in el.attrib
    }
    steps = collections.Counter(tags[s.id] for s in pathway.steps if s.id in tags)
    counts = expected["element_counts"]
    mapped = _mapped_counts(path)
    for tag in MIWG_FLOW:
        assert steps[tag] == mapped[tag], tag
        assert mapped[tag] <= counts.get(tag, 0), tag
    referenced = {p["processRef"] for p in expected["participants"]}
    lone = [p for p in expected["processes"] if p["id"] not in referenced]
    assert len(pathway.agencies) == len(expected["participants"]) + len(lone)
    lanes = sum(len(p["lanes"]) for p in expected["processes"])
    assert len([r for r in pathway.roles if not r.id.endswith(".staff")]) == lanes
    referrals = [t for t in pathway.transitions if t.kind == "referral"]
    assert len(referrals) == counts.get("messageFlow", 0)


SPIFF = Path(os.environ.get("PATHWAYS_SHARED", "../shared")) / "corpus" / "spiffworkflow-bpmn"


def test_spiffworkflow_models_import() -> None:
    """The LGPL SpiffWorkflow models are not copied here: read from ../shared/corpus."""
    if not SPIFF.is_dir():
        pytest.skip(f"{SPIFF} is absent (LGPL-3.0 models stay outside the repository)")
    files = sorted([*SPIFF.rglob("*.bpmn"), *SPIFF.rglob("*.bpmn20.xml")])
    assert len(files) == 30
    for path in files:
        document, smap, findings = import_bpmn(path.read_bytes(), str(path))
        assert document is not None, (path, findings)
        pathway, load_findings = load_data(document, smap)
        assert pathway is not None, (path, [str(f) for f in load_findings[:3]])


@pytest.mark.parametrize("name", sorted(p.name for p in MIWG.glob("*.bpmn")))
def test_miwg_export_then_import_is_a_fixed_point(name: str) -> None:
    """import(export(import(M))) == import(M): what the import makes of a reference file
    survives the export (read back by restore.read_export) field for field."""
    from pathways.bpmn.export import to_bpmn

    first = load_bpmn(MIWG / name)
    again = loads_bpmn(to_bpmn(first, visibility="restricted").encode(), "again.bpmn")
    assert again.model_dump() == first.model_dump()
