"""Round trip: reading back what ``pathways export`` wrote gives the same pathway, whole
(docs/bpmn.md, "What BPMN cannot hold": those parts travel in the ``pw:data`` JSON), when it is
exported for readers who may see everything (``--visibility restricted``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings

import pathways
from pathways.bpmn.export import to_bpmn
from pathways.bpmn.restore import read_export
from pathways.bpmn.xml import parse_xml
from pathways.model import Pathway
from pathways.testing.strategies import pathways as pathway_strategy
from tests.hyp import examples

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data"
FILES = [
    *sorted((ROOT / "pathways").glob("*/*.yaml")),
    *(DATA / name for name in ("report-hostile.yaml", "tracks-runtime.yaml", "tracks-small.yaml")),
]


def held(p: Pathway) -> dict[str, Any]:
    """The whole pathway: the export holds all of it (in BPMN, in ``pw`` attributes, or in the
    ``pw:data`` JSON of the process)."""
    return p.model_dump(mode="json", by_alias=True, exclude_none=True)


def round_trip(p: Pathway, lang: str | None = None) -> Pathway:
    xml = to_bpmn(p, lang=lang, visibility="restricted")
    restored = read_export(parse_xml(xml.encode("utf-8")), "x.bpmn")
    assert restored is not None, "the export is not read back as an export"
    document, _ = restored
    return Pathway.model_validate(document)


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_round_trip(path: Path, graphviz_dot: str) -> None:
    p = pathways.load(path)
    for lang in (None, "km"):
        assert held(round_trip(p, lang)) == held(p)


@settings(max_examples=examples(12))
@given(pathway_strategy())
def test_round_trip_of_generated_pathways(p: Pathway) -> None:
    assert held(round_trip(p)) == held(p)


def test_edits_in_a_modeller_are_read() -> None:
    """A name renamed in the modeller is the label in the locale the file shows; an added task
    is a step; a file with elements the exporter never writes is left to the general
    mapping."""
    p = pathways.load(ROOT / "pathways" / "kh" / "csa-in-person.yaml")
    xml = to_bpmn(p, lang="km", visibility="restricted")
    step = p.steps[1]
    km = pathways.model.label_text(step.label, "km", p.locales)
    edited = xml.replace(f'name="{km}"', 'name="EDITED"', 1)
    document, smap = read_export(parse_xml(edited.encode()), "x.bpmn") or ({}, None)
    got = Pathway.model_validate(document)
    assert pathways.model.label_text(got.steps[1].label, "km", got.locales) == "EDITED"
    assert pathways.model.label_text(got.steps[1].label, "en", got.locales) == (
        pathways.model.label_text(step.label, "en", p.locales)
    )
    assert smap is not None and smap.values[("steps", 1)][0] > 1  # points into the XML
    added = xml.replace("</bpmn:process>", '<bpmn:task id="new_task" /></bpmn:process>')
    document, smap = read_export(parse_xml(added.encode()), "x.bpmn") or ({}, None)
    assert document["steps"][-1] == {
        "id": "new_task",
        "kind": "action",
    }  # tests/bpmn/test_export_edits.py
    assert smap is not None and [f.step for f in smap.notes] == ["new_task"]
    beyond = xml.replace("</bpmn:process>", '<bpmn:subProcess id="sub" /></bpmn:process>')
    assert read_export(parse_xml(beyond.encode()), "x.bpmn") is None
