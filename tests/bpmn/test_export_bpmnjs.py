"""Exported BPMN opened by the real bpmn-js viewer in headless Chromium: every bundled pathway
(and the hostile fixture) imports with zero warnings, every shape and edge is drawn, and no
name (of an event, a gateway or a flow, drawn outside its shape) overlaps a shape or another
name.

bpmn-js comes from the committed lock file in ``tests/bpmn/bpmnjs`` (``make test-deps`` runs
``npm ci`` there, so the test never reaches the network). Chromium is driven through its
command line only (``--dump-dom`` after a virtual-time budget), as in the report's browser
test. A control document with a dangling flow proves the page reports bpmn-js's warnings.
"""

from __future__ import annotations

import html
import json
import re
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

import pathways
from pathways.bpmn.export import to_bpmn
from tests.conftest import require
from tests.test_report_browser import CHROMIUM

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
VIEWER = (
    ROOT / "tests/bpmn/bpmnjs/node_modules/bpmn-js/dist/bpmn-viewer.production.min.js"
).resolve()
BUNDLED = sorted((ROOT / "pathways").glob("*/*.yaml"))
HOSTILE = ROOT / "tests" / "data" / "report-hostile.yaml"
DI = "{http://www.omg.org/spec/BPMN/20100524/DI}"

PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><script src="VIEWER"></script></head>
<body><pre id="out">pending</pre>
<script>
const docs = DOCS;
(async () => {
  const results = {};
  for (const [name, xml] of Object.entries(docs)) {
    const box = document.createElement("div");
    box.style.width = "1600px"; box.style.height = "900px";
    document.body.appendChild(box);
    const viewer = new BpmnJS({container: box});
    try {
      const done = await viewer.importXML(xml);
      const registry = viewer.get("elementRegistry");
      const root = viewer.get("canvas").getRootElement();
      const drawn = registry.filter((el) => el !== root && el.type !== "label"
        && registry.getGraphics(el) && registry.getGraphics(el).querySelector(".djs-visual > *"));
      // Each name as drawn (its text's box) against every flow node's shape, its own
      // included (2 units of slack: a name may touch a shape).
      const shapes = registry.filter((el) => el !== root && el.type !== "label"
        && !el.waypoints && el.type !== "bpmn:Lane" && el.type !== "bpmn:Participant");
      const overlaps = [], boxes = [], clashes = [];
      let labels = 0;
      for (const lab of registry.filter((el) => el.type === "label")) {
        const text = registry.getGraphics(lab).querySelector("text");
        if (!text || !lab.businessObject.name) continue;
        const bb = text.getBBox();
        if (!bb.width) continue;
        labels += 1;
        const x = lab.x + bb.x, y = lab.y + bb.y;
        for (const [id, bx, by, bw, bh] of boxes) {  // and against the names drawn before
          if (x + 2 < bx + bw && bx + 2 < x + bb.width && y + 2 < by + bh && by + 2 < y + bb.height)
            clashes.push([lab.businessObject.id, id]);
        }
        boxes.push([lab.businessObject.id, x, y, bb.width, bb.height]);
        for (const s of shapes) {
          if (x + 2 < s.x + s.width && s.x + 2 < x + bb.width
              && y + 2 < s.y + s.height && s.y + 2 < y + bb.height)
            overlaps.push([lab.businessObject.id, s.id]);
        }
      }
      results[name] = {warnings: done.warnings.map((w) => w.message),
                       drawn: drawn.map((el) => el.id), labels, overlaps, clashes};
    } catch (err) {
      results[name] = {error: String(err.message || err),
                       warnings: (err.warnings || []).map((w) => w.message), drawn: []};
    }
  }
  document.getElementById("out").textContent = JSON.stringify(results);
})();
</script></body></html>
"""

CONTROL = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d"
    targetNamespace="urn:x">
  <bpmn:process id="p"><bpmn:startEvent id="s"/>
    <bpmn:sequenceFlow id="f" sourceRef="s" targetRef="missing"/></bpmn:process>
</bpmn:definitions>
"""


def open_in_bpmnjs(docs: dict[str, str], tmp: Path) -> dict[str, dict[str, object]]:
    page = tmp / "bpmnjs.html"
    page.write_text(
        PAGE.replace("VIEWER", VIEWER.as_uri()).replace(
            "DOCS", json.dumps(docs).replace("</", "<\\/")
        ),
        encoding="utf-8",
    )
    proc = subprocess.run(
        [
            str(CHROMIUM),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--no-first-run",
            f"--user-data-dir={tmp / 'profile'}",
            "--virtual-time-budget=60000",
            "--dump-dom",
            page.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    found = re.search(r'<pre id="out">(.*?)</pre>', proc.stdout, re.S)
    assert found, proc.stdout[-2000:]
    text = html.unescape(found.group(1))
    assert text != "pending", "bpmn-js did not finish within the virtual-time budget"
    result: dict[str, dict[str, object]] = json.loads(text)
    return result


def test_bundled_pathways_open_in_bpmnjs(tmp_path: Path) -> None:
    require(CHROMIUM, "headless Chromium", "run `make test-deps` or apt-get install -y chromium")
    require(
        VIEWER.is_file(),
        "the bpmn-js viewer (tests/bpmn/bpmnjs/node_modules)",
        "run `make test-deps` (npm ci in tests/bpmn/bpmnjs)",
    )
    docs: dict[str, str] = {"control": CONTROL}
    for path in BUNDLED:
        docs[path.stem] = to_bpmn(pathways.load(path))
    docs["csa-in-person-km"] = to_bpmn(
        pathways.load(BUNDLED[0].parent / "csa-in-person.yaml"), lang="km"
    )
    docs["csa-in-person-layered"] = to_bpmn(
        pathways.load(BUNDLED[0].parent / "csa-in-person.yaml"), layout="layered"
    )
    docs["hostile"] = to_bpmn(pathways.load(HOSTILE), visibility="restricted")
    named = pathways.load(BUNDLED[0].parent / "csa-in-person.yaml").model_dump(
        mode="json", by_alias=True, exclude_none=True
    )
    for t in named["transitions"]:  # a name on every flow, drawn beside it
        t["label"] = t.get("event", "next").replace("_", " ")
    docs["csa-in-person-flow-names"] = to_bpmn(pathways.Pathway.model_validate(named))
    results = open_in_bpmnjs(docs, tmp_path)

    control = results.pop("control")
    assert control["warnings"], "the page does not report bpmn-js's warnings"
    assert set(results) == set(docs) - {"control"}
    for name, result in results.items():
        assert "error" not in result, f"{name}: {result.get('error')}"
        assert result["warnings"] == [], f"{name}: {result['warnings']}"
        expected = {
            el.get("bpmnElement")
            for el in ET.fromstring(docs[name]).iter()
            if el.tag in (f"{DI}BPMNShape", f"{DI}BPMNEdge")
        }
        drawn = result["drawn"]
        assert isinstance(drawn, list)
        assert set(drawn) == expected, f"{name}: not drawn: {expected - set(drawn)}"
        # Names are placed (BPMNLabel bounds) where they overlap no shape as bpmn-js draws
        # them: before, 13 of the 157 names of these documents did (11 in Khmer).
        assert result["labels"], name
        assert result["overlaps"] == [], f"{name}: names over shapes: {result['overlaps']}"
        assert result["clashes"] == [], f"{name}: names over names: {result['clashes']}"
