"""BPMN export: ``to_bpmn`` beside its floors, side by side in one run.

For each pathway: the export with Graphviz's layout (where ``dot`` finishes in time) and with
the linear-time layered layout, beside two floors measured in the same run: serialising an
ElementTree of the same number of elements (what writing the XML costs at least) and, for the
``dot`` layout, running ``dot -Tjson0`` on the same layout source alone.
Run: ``python bench/bench_bpmn_export.py [--quick]``.
"""

from __future__ import annotations

import json
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_render import with_agencies
from common import REPO, md_table, median_time, shared_module, to_document

import pathways as pw
from pathways.bpmn.export import _dot_source, _Writer, to_bpmn
from pathways.render._graphviz import run_dot


def plain_tree(count: int) -> str:
    """An XML tree of ``count`` elements with two attributes each, serialised."""
    root = ET.Element("definitions")
    for i in range(count):
        ET.SubElement(root, "el", {"id": f"e{i}", "name": f"element {i}"})
    return ET.tostring(root, encoding="unicode")


def main() -> None:
    quick = "--quick" in sys.argv
    gen = shared_module("gen")
    cases: list[tuple[str, pw.Pathway, bool]] = []
    for path in sorted((REPO / "pathways").glob("*/*.yaml")):
        p = pw.load(path)
        cases.append((f"{path.stem} ({len(p.steps)} steps)", p, True))
    sizes = [200, 5000] if not quick else [200]
    for size in sizes:
        doc = with_agencies(to_document(gen.layered(size, 0), f"gen-{size}"))
        p = pw.loads(json.dumps(doc))
        cases.append((f"generated {size} steps, 6 agencies", p, size <= 200))
    rows = []
    for name, p, with_dot in cases:
        writer = _Writer(p, None)
        writer.build()
        elements = len(ET.fromstring(to_bpmn(p, layout="layered")).findall(".//*"))
        floor = median_time(lambda n=elements: plain_tree(n), repeats=3)
        layered = median_time(lambda p=p: to_bpmn(p, layout="layered"), repeats=3)
        dot = dot_alone = None
        if with_dot:
            source = _dot_source(writer)
            dot_alone = median_time(lambda s=source: run_dot(s, "json0"), repeats=3)
            dot = median_time(lambda p=p: to_bpmn(p, layout="dot"), repeats=3)
        rows.append(
            [
                name,
                f"{len(writer.nodes):,}",
                f"{elements:,}",
                f"{floor * 1000:,.0f} ms",
                f"{layered * 1000:,.0f} ms",
                f"{layered / floor:.1f}x",
                "-" if dot_alone is None else f"{dot_alone * 1000:,.0f} ms",
                "-" if dot is None else f"{dot * 1000:,.0f} ms",
            ]
        )
        print(rows[-1], flush=True)
    table = md_table(
        [
            "pathway",
            "BPMN nodes",
            "XML elements",
            "floor: ElementTree of as many elements",
            "to_bpmn, layered",
            "layered / floor",
            "dot -Tjson0 alone",
            "to_bpmn, dot",
        ],
        rows,
    )
    print(table)
    out = REPO / "bench" / "results" / "bpmn_export.md"
    out.write_text(
        "# BPMN export: to_bpmn beside its floors\n\nMedian of up to 3 runs, one run of "
        "`python bench/bench_bpmn_export.py`.\n\n" + table + "\n",
        encoding="utf-8",
    )


if __name__ == "__main__":
    main()
