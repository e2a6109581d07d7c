"""Rendering: ``pathways.render`` against a bare Graphviz drawing of the same graph, side by side.

The baseline is the least any Graphviz diagram of a pathway costs: one plain node per step and
one plain edge per transition, no lanes, labels, legend or escaping, drawn by the same ``dot``.
Ours adds the swimlane clusters, HTML labels, badges, deadlines and the legend, so the ratio
is the price of the working-group picture. Mermaid needs no binary and is timed alone.
Run: ``python bench/bench_render.py [--quick]``; ``--pagination`` times the A3 PDF of every
bundled pathway beside a one-page PDF and beside the previous pagination, in one run.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path
from typing import Any

import graphviz

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import REPO, md_table, median_time, shared_module, to_document

import pathways as pw
from pathways.render import to_dot, to_mermaid

SECTORS = ("police", "social", "health", "justice", "ngo", "hotline")


def with_agencies(doc: dict[str, Any], count: int = 6) -> dict[str, Any]:
    """Spread the generated roles over ``count`` agencies, so there are lanes to draw."""
    agencies = [
        {"id": f"agency{i}", "name": f"Agency {i}", "sector": SECTORS[i % len(SECTORS)]}
        for i in range(count)
    ]
    roles = [{**r, "agency": f"agency{i % count}"} for i, r in enumerate(doc["roles"])]
    return {**doc, "agencies": agencies, "roles": roles}


def bare(p: pw.Pathway) -> graphviz.Digraph:
    g = graphviz.Digraph(graph_attr={"rankdir": "LR"})
    for step in p.steps:
        g.node(step.id)
    for t in p.transitions:
        g.edge(t.source, t.to)
    return g


def previous_a3(p: pw.Pathway, out: Path) -> int:
    """The A3 PDF as the previous algorithm made it (``previous_pagination.paginate``: every
    piece laid out on its own, neighbours tried together, then every page drawn and placed
    with pypdf): the number of pages."""
    from dataclasses import replace

    from previous_pagination import paginate, pdf

    from pathways.i18n import tr
    from pathways.render import pages
    from pathways.render.extract import extract

    diagram = extract(p)
    pieces = paginate(diagram)
    page_of = {step: n for n, piece in enumerate(pieces) for step in piece}
    drawn = [
        replace(
            pages._sub(diagram, piece, page_of),
            page=tr("page {number} of {total}", None).format(number=n + 1, total=len(pieces)),
        )
        for n, piece in enumerate(pieces)
    ]
    out.write_bytes(pdf(drawn))
    return len(drawn)


def pagination(cases: list[tuple[str, pw.Pathway]], out: Path) -> str:
    """One page, the previous A3 pagination and today's, side by side in one run."""
    from pypdf import PdfReader

    rows = []
    for name, p in cases:
        one = median_time(lambda p=p: pw.render(p, out / "one.pdf", page=None), repeats=3)
        before = median_time(lambda p=p: previous_a3(p, out / "before.pdf"), repeats=3)
        now = median_time(lambda p=p: pw.render(p, out / "now.pdf"), repeats=3)
        rows.append(
            [
                name,
                f"{one * 1000:,.0f} ms",
                f"{before * 1000:,.0f} ms ({before / one:.1f}x)",
                f"{now * 1000:,.0f} ms ({now / one:.1f}x)",
                f"{len(PdfReader(out / 'before.pdf').pages)} / "
                f"{len(PdfReader(out / 'now.pdf').pages)}",
            ]
        )
    return md_table(
        [
            "pathway",
            "PDF, one page",
            "A3 sheets before",
            "A3 sheets now",
            "sheets before / now",
        ],
        rows,
    )


def main() -> None:
    quick = "--quick" in sys.argv
    if "--pagination" in sys.argv:
        out = Path(tempfile.mkdtemp())
        named = [
            (path.stem, pw.load(path)) for path in sorted((REPO / "pathways/kh").glob("*.yaml"))
        ]
        gen = shared_module("gen")
        doc = with_agencies(to_document(gen.layered(50, 0), "gen-50"))
        named.append(("layered 50 steps, 6 agencies", pw.loads(json.dumps(doc))))
        print(pagination(named, out))
        return
    gen = shared_module("gen")
    cases: list[tuple[str, pw.Pathway]] = [
        (
            "bundled P1 (22 steps, 8 agencies)",
            pw.load(REPO / "pathways/kh/csa-in-person.yaml"),
        )
    ]
    for size in [50] if quick else [50, 200]:
        doc = with_agencies(to_document(gen.layered(size, 0), f"gen-{size}"))
        cases.append((f"layered {size} steps, 6 agencies", pw.loads(json.dumps(doc))))
    rows = []
    out = Path(tempfile.mkdtemp())
    for name, p in cases:
        base_svg = median_time(lambda p=p: bare(p).pipe(format="svg"), repeats=3)
        ours_dot = median_time(lambda p=p: to_dot(p).source)
        ours_svg = median_time(lambda p=p: pw.render(p, out / "x.svg"), repeats=3)
        ours_png = median_time(lambda p=p: pw.render(p, out / "x.png"), repeats=3)
        ours_mmd = median_time(lambda p=p: to_mermaid(p))
        one_pdf = median_time(lambda p=p: pw.render(p, out / "x.pdf", page=None), repeats=3)
        a3_pdf = median_time(lambda p=p: pw.render(p, out / "x.pdf"), repeats=3)
        rows.append(
            [
                name,
                f"{base_svg * 1000:,.0f} ms",
                f"{ours_svg * 1000:,.0f} ms",
                f"{ours_svg / base_svg:.2f}x",
                f"{ours_png * 1000:,.0f} ms",
                f"{ours_dot * 1000:,.1f} ms",
                f"{ours_mmd * 1000:,.1f} ms",
                f"{one_pdf * 1000:,.0f} ms",
                f"{a3_pdf * 1000:,.0f} ms",
                f"{a3_pdf / one_pdf:.2f}x",
            ]
        )
    table = md_table(
        [
            "pathway",
            "bare Graphviz SVG",
            "pathways.render SVG",
            "ratio",
            "pathways.render PNG",
            "to_dot (no binary)",
            "to_mermaid",
            "PDF, one page",
            "PDF, A3 sheets",
            "A3 / one page",
        ],
        rows,
    )
    print(table)
    if not quick:
        version = graphviz.version()
        text = (
            "# Rendering: pathways.render vs a bare Graphviz drawing\n\n"
            f"Graphviz {'.'.join(map(str, version))}; median of up to 5 runs (3 for drawings). "
            "The baseline draws the same steps and transitions as plain nodes and edges with "
            "the same `dot`; ours adds lanes, HTML labels, badges, deadlines and the legend.\n\n"
            f"{table}\n"
        )
        (REPO / "bench" / "results" / "render.md").write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
