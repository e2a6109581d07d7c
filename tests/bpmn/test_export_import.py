"""Export, then import with ``pathways.load``: the whole chain a user runs.

- An export reads back as the same pathway, so ``pathways validate`` says the same of the BPMN
  file as of the YAML (codes, steps and transitions of every finding).
- Stripped of every ``pw`` attribute and element (what a modeller that drops other
  namespaces saves), an export still loads through the general mapping: one step per flow
  node, one transition per sequence flow, the same entries, outcomes, forks and joins.
"""

from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

import pytest

import pathways
from pathways.bpmn.export import BPMN_NS, PW_NS, write_bpmn
from pathways.cli import main

ROOT = Path(__file__).resolve().parents[2]
BUNDLED = sorted((ROOT / "pathways").glob("*/*.yaml"))
B = f"{{{BPMN_NS}}}"


def verdicts(p: pathways.Pathway) -> list[tuple[str, str, int]]:
    today = dt.date(2026, 11, 28)
    return sorted(
        (f.code, f.step or "", f.transition or -1) for f in pathways.check(p, today=today)
    )


@pytest.mark.parametrize("path", BUNDLED, ids=lambda p: p.name)
def test_validate_says_the_same_of_the_export(path: Path, tmp_path: Path) -> None:
    p = pathways.load(path)
    out = write_bpmn(p, tmp_path / f"{path.stem}.bpmn", visibility="restricted")
    back = pathways.load(out)
    assert back == p
    assert verdicts(back) == verdicts(p)


def strip_pw(xml: str) -> str:
    root = ET.fromstring(xml)
    for el in root.iter():
        for key in [k for k in el.attrib if k.startswith(f"{{{PW_NS}}}")]:
            del el.attrib[key]
        for child in list(el):
            if child.tag.startswith(f"{{{PW_NS}}}"):
                el.remove(child)
    return ET.tostring(root, encoding="unicode")


@pytest.mark.parametrize("path", BUNDLED[:3], ids=lambda p: p.name)
def test_without_pw_the_general_mapping_reads_it(path: Path, tmp_path: Path) -> None:
    p = pathways.load(path)
    out = write_bpmn(p, tmp_path / "full.bpmn", visibility="restricted")
    plain = tmp_path / "plain.bpmn"
    text = strip_pw(out.read_text(encoding="utf-8"))
    assert not re.search(r"\bpw:", text)
    plain.write_text(text, encoding="utf-8")
    got = pathways.load(plain)
    process = ET.fromstring(text).find(f"{B}process")
    assert process is not None
    tags = Counter(el.tag.rpartition("}")[2] for el in process)
    kinds = Counter(s.kind for s in got.steps)
    assert kinds["entry"] == tags["startEvent"]
    assert kinds["outcome"] == tags["endEvent"]
    assert kinds["fork"] + kinds["join"] == tags["parallelGateway"]
    assert kinds["wait"] == tags["intermediateCatchEvent"]
    assert len(got.transitions) == tags["sequenceFlow"]


def test_cli_export_then_validate(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = ROOT / "pathways" / "kh" / "csa-in-person.yaml"
    out = tmp_path / "p1.bpmn"
    assert main(["export", str(src), "-o", str(out), "--visibility", "restricted"]) == 0
    capsys.readouterr()
    code_yaml = main(["validate", str(src), "--today", "2026-11-28"])
    said_yaml = capsys.readouterr().out.replace(str(src), "FILE")
    code_bpmn = main(["validate", str(out), "--today", "2026-11-28"])
    said_bpmn = capsys.readouterr().out.replace(str(out), "FILE")
    assert code_bpmn == code_yaml
    strip = re.compile(r"FILE:\d+:\d+")  # the lines and columns are the XML's
    assert strip.sub("FILE", said_bpmn) == strip.sub("FILE", said_yaml)
