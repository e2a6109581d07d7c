"""Printed sheets cut from one drawing of the whole pathway (issue 18's 2x goal for A3).

What a working group gets must stay as good as the sheets laid out one by one: exact paper
sizes, the smallest text at 7 pt or more, every step whole on a sheet, no text cut at a
sheet's edge, markers naming the sheet where a route goes on, the compact legend and each
sheet's own text. Read from the real PDF (pypdf), the real ``dot`` layouts and SVGs.
"""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

import pathways
from pathways.render import clip, render
from pathways.render.dot import draw_source
from pathways.render.extract import extract
from pathways.render.pages import MIN_TEXT_PT, PAGE_SIZES, legend_columns

from ._helpers import BUNDLED, P1, SVG_NS, requires_dot


def _cut(path: Path, lang: str | None = None, page: str = "A3", orientation: str = "landscape"):  # type: ignore[no-untyped-def]
    cut = clip._cut(extract(pathways.load(path), lang=lang), page, orientation)
    assert isinstance(cut, clip._Cut), f"{path.stem} {lang}: not cut from one drawing"
    return cut


def _smallest_font(svg: bytes) -> float:
    return min(
        float(el.get("font-size", "0"))
        for el in ET.fromstring(svg).iter(f"{SVG_NS}text")
        if "".join(el.itertext()).strip()
    )


@requires_dot
@pytest.mark.parametrize("lang", [None, "km"], ids=["en", "km"])
@pytest.mark.parametrize("path", BUNDLED, ids=lambda p: p.stem)
def test_every_step_and_text_is_whole_on_one_sheet(path: Path, lang: str | None) -> None:
    """The default A3 landscape sheets of every bundled pathway, English and Khmer, are cut
    from one drawing: every step on exactly one sheet, and every text of a step or a
    transition (its box from ``dot``'s own drawing operations) wholly inside the part of
    the drawing a sheet shows, never across its edge."""
    diagram = extract(pathways.load(path), lang=lang)
    found = clip._cut(diagram, "A3", "landscape")
    assert isinstance(found, clip._Cut), f"{path.stem} {lang}: not cut from one drawing"
    cut = found
    tiles = cut.plan.tiles
    assert len(tiles) > 1
    for node in diagram.nodes:
        assert sum(node.id in tile.steps for tile in tiles) == 1, node.id
    for x0, y0, x1, y1 in cut.geo.texts:
        if x0 < cut.plan.titles[1]:
            continue  # a lane title: the titles' column is shown whole
        inside = [
            t for t in tiles if t.x[0] <= x0 and x1 <= t.x[1] and t.y[0] <= y0 and y1 <= t.y[1]
        ]
        crossing = [
            t
            for t in tiles
            if x0 < t.x[1] and t.x[0] < x1 and y0 < t.y[1] and t.y[0] < y1 and t not in inside
        ]
        assert inside, f"text at {(x0, y0, x1, y1)} is on no sheet"
        assert not crossing, f"text at {(x0, y0, x1, y1)} is cut at a sheet's edge"


@requires_dot
@pytest.mark.parametrize("lang", [None, "km"], ids=["en", "km"])
def test_markers_name_the_sheet_where_the_route_goes_on(lang: str | None) -> None:
    """Every transition between two sheets has a "to page N" marker on the sheet it leaves
    and a "from page N" marker on the sheet it reaches, N the sheet of the step named."""
    diagram = extract(pathways.load(P1), lang=lang)
    tiles = _cut(P1, lang).plan.tiles
    page_of = {step: k for k, tile in enumerate(tiles) for step in tile.steps}
    crossing = [e for e in diagram.edges if page_of[e.source] != page_of[e.target]]
    assert crossing
    for edge in crossing:
        for kind, here, other in (
            ("to", page_of[edge.source], edge.target),
            ("from", page_of[edge.target], edge.source),
        ):
            found = [m for m in tiles[here].markers if m[0] == kind and m[3] == other]
            assert found, f"no {kind} marker for {edge.source} -> {edge.target}"
            number = re.search(r"[0-9០-៩]+", found[0][1])
            assert number is not None
            digits = number.group().translate(str.maketrans("០១២៣៤៥៦៧៨៩", "0123456789"))
            assert int(digits) == page_of[other] + 1


@requires_dot
def test_default_pdf_sheets_are_a3_and_print_text_at_7pt(tmp_path: Path) -> None:
    """The PDF `render` prints: every sheet exactly A3 landscape, drawn at one scale (the
    sheet's own ``cm``), at which the smallest font of the drawing it is cut from (its SVG)
    prints at 7 pt or more; "page k of N" on sheet k only, markers both ways, the legend
    on every sheet, and each step's first line on a sheet (each sheet its own text)."""
    from pypdf import PdfReader

    diagram = extract(pathways.load(P1))
    reader = PdfReader(render(pathways.load(P1), tmp_path / "p1.pdf"))
    tiles = _cut(P1).plan.tiles
    assert len(reader.pages) == len(tiles) > 1
    source = draw_source(
        diagram, "LR", compact=True, legend_columns=legend_columns("A3", "landscape")
    )
    from pathways.render._graphviz import run_dot

    smallest = _smallest_font(run_dot(source, "svg"))
    portrait_w, portrait_h = PAGE_SIZES["A3"]
    texts = []
    for k, sheet in enumerate(reader.pages):
        assert abs(float(sheet.mediabox.width) - portrait_h) < 1
        assert abs(float(sheet.mediabox.height) - portrait_w) < 1
        contents = sheet.get_contents()
        assert contents is not None
        data = contents.get_data()
        placed = re.match(rb"\s*q ([0-9.]+) 0 0 ([0-9.]+) [-0-9.]+ [-0-9.]+ cm", data)
        assert placed is not None and placed.group(1) == placed.group(2)
        # every placement inside is a translation: one scale for the whole sheet
        assert re.findall(rb"\bq 1 0 0 1 [-0-9.]+ [-0-9.]+ cm", data)
        assert not re.findall(
            rb"\bq (?!1 0 0 1 )[-0-9.]+ 0 0 [-0-9.]+ [-0-9.]+ [-0-9.]+ cm", data[5:]
        )
        assert smallest * float(placed.group(1)) >= MIN_TEXT_PT
        text = sheet.extract_text()
        texts.append(text)
        assert f"page {k + 1} of {len(tiles)}" in text
        assert "Legend" in text
    for k, text in enumerate(texts):
        others = [n for n in range(len(tiles)) if n != k]
        assert not any(f"page {n + 1} of" in text for n in others)
    assert any(re.search(r"to page \d+:", t) for t in texts)
    assert any(re.search(r"from page \d+:", t) for t in texts)
    by_id = {node.id: node for node in diagram.nodes}
    for k, tile in enumerate(tiles):
        for step in tile.steps:
            first = by_id[step].lines()[0]
            assert first in texts[k].replace("\n", " ") or first in texts[k], (k, first)


@requires_dot
@pytest.mark.parametrize("lang", [None, "km"], ids=["en", "km"])
def test_markers_hold_their_text(lang: str | None) -> None:
    """The markers drawn for the sheets keep every line inside the arrow's body (the check
    of test_print's markers, on the drawing the markers are cut from)."""
    from pathways.render._graphviz import run_dot

    from .test_print import _marker_overflow

    diagram = extract(pathways.load(P1), lang=lang)
    cut = _cut(P1, lang)
    svg = run_dot(clip._atlas_source(diagram, cut.plan), "svg")
    markers, problems = _marker_overflow(svg)
    assert markers >= 3
    assert problems == []


@requires_dot
def test_same_bytes_every_time(tmp_path: Path) -> None:
    """Two renders of the same pathway give the same PDF."""
    p = pathways.load(BUNDLED[0])
    first = render(p, tmp_path / "a.pdf").read_bytes()
    assert render(p, tmp_path / "b.pdf").read_bytes() == first


@requires_dot
def test_top_to_bottom_keeps_the_pages_laid_out_one_by_one(tmp_path: Path) -> None:
    """Where clipping is not used (top to bottom), `render` prints the pages of
    ``pages.sheets``: A3 landscape sheets still."""
    from pypdf import PdfReader

    assert clip.clipped_pdf(extract(pathways.load(P1)), "TB") is None
    reader = PdfReader(
        io.BytesIO(render(pathways.load(P1), tmp_path / "tb.pdf", direction="TB").read_bytes())
    )
    assert len(reader.pages) > 1
    assert all(abs(float(s.mediabox.width) - PAGE_SIZES["A3"][1]) < 1 for s in reader.pages)


@requires_dot
def test_a4_landscape_fits_its_heading_and_is_cut_from_one_drawing(tmp_path: Path) -> None:
    """On A4 landscape the heading with a legend of six columns is wider than the sheet: its
    columns and wrapping are chosen to fit (pages.fit_title, the choice the pages laid out one
    by one make), the drawing made again, and the sheets cut from it: exactly A4 landscape,
    the same bytes twice. (`render` prints A4 as pages laid out one by one, which take fewer
    sheets there; ``clipped_pdf`` cuts them when asked.)"""
    from pypdf import PdfReader

    diagram = extract(pathways.load(P1))
    cut = clip._cut(diagram, "A4", "landscape")
    assert isinstance(cut, clip._Cut)
    assert cut.geo.label[2] - cut.geo.bb[0] <= cut.plan.room[0]
    first = clip.clipped_pdf(diagram, "LR", "A4", "landscape")
    assert first is not None
    assert clip.clipped_pdf(diagram, "LR", "A4", "landscape") == first
    reader = PdfReader(io.BytesIO(first))
    width, height = PAGE_SIZES["A4"]
    assert len(reader.pages) == len(cut.plan.tiles) > 1
    for sheet in reader.pages:
        assert abs(float(sheet.mediabox.width) - height) < 1
        assert abs(float(sheet.mediabox.height) - width) < 1


@requires_dot
def test_a_drawing_process_draws_graph_after_graph_as_separate_processes_do() -> None:
    """The one ``dot -Tjson -Tpdf`` process the sheets are cut with (shared with the layout
    process of pages.sheets: :class:`~pathways.render._graphviz.JsonDrawingProcess`) answers
    each graph written to it with the layout and PDF one process each gives, a PDF whose
    text holds "%%EOF" included; a graph `dot` rejects is a RenderError naming Graphviz, not a
    hang."""
    import json

    from pathways.errors import RenderError
    from pathways.render._graphviz import JsonDrawingProcess, run_dot

    graphs = [
        'digraph first { subgraph cluster_x { label="x"; a } a -> b [label="%%EOF"] }',
        'digraph second { c -> d [label="startxref"] }',
        "digraph third { e }",
    ]
    with JsonDrawingProcess() as process:
        got = [process.send(graph) for graph in graphs]
    for graph, (doc, pdf) in zip(graphs, got, strict=True):
        assert doc == json.loads(run_dot(graph, "json"))
        assert pdf == run_dot(graph, "pdf")
    with JsonDrawingProcess() as process, pytest.raises(RenderError, match="Graphviz failed"):
        process.send("digraph { a -> }")


@requires_dot
def test_a_heading_wider_than_the_sheet_is_fitted_as_the_pages_fit_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Where the heading and legend are wider than the sheet (Khmer on A4 landscape), the
    cut drawing's are fitted to the width the pages laid out one by one give them: one slack
    for both (there were two constants, 16 and 56 points). The sheets are exactly the
    paper's size."""
    from pathways.render import pages
    from pathways.render.pages import page_area, sheets

    widths: list[float] = []
    real = pages.fit_title

    def fit_title(diagram, width, lay_out, page=""):  # type: ignore[no-untyped-def]
        widths.append(width)
        return real(diagram, width, lay_out, page)

    monkeypatch.setattr(pages, "fit_title", fit_title)
    khmer = extract(pathways.load(P1), lang="km")
    clip._cut(khmer, "A4", "landscape")
    assert len(widths) == 1
    sheets(khmer, "LR", "A4", "landscape")
    assert len(widths) == 2 and widths[0] == widths[1]
    assert _cut(P1, page="A4").plan.paper == page_area("A4", "landscape")
