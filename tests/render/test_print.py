"""Diagrams that print: true swimlanes, and PDFs paginated onto A3/A4 at a legible size.

Read at the pixel level from what Graphviz drew: the SVG's cluster and node boxes, its font
sizes, and the PDF's page boxes.
"""

from __future__ import annotations

import io
import itertools
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

import pathways
from pathways.render import render
from pathways.render.dot import draw
from pathways.render.extract import extract
from pathways.render.pages import (
    MIN_TEXT_PT,
    PAGE_SIZES,
    legend_columns,
    page_diagrams,
    scale_to_fit,
)

from ._helpers import BUNDLED, P1, SVG_NS, requires_dot

Box = tuple[float, float, float, float]  # x0, x1, y0, y1


def _box(group: ET.Element) -> Box | None:
    """The bounding box of a node or cluster group's outline (polygon or path)."""
    numbers: list[float] = []
    for el in group:
        tag = el.tag.removeprefix(SVG_NS)
        if tag == "polygon":
            numbers += [float(n) for n in re.split(r"[ ,]+", el.get("points", "").strip())]
        elif tag == "path":
            numbers += [float(n) for n in re.findall(r"-?\d+(?:\.\d+)?", el.get("d", ""))]
        elif tag == "ellipse":
            cx, cy = float(el.get("cx", 0)), float(el.get("cy", 0))
            rx, ry = float(el.get("rx", 0)), float(el.get("ry", 0))
            numbers += [cx - rx, cy - ry, cx + rx, cy + ry]
    if not numbers:
        return None  # an invisible node (a band's end point)
    xs, ys = numbers[0::2], numbers[1::2]
    return min(xs), max(xs), min(ys), max(ys)


def _groups(svg: bytes, kind: str) -> dict[str, Box]:
    root = ET.fromstring(svg)
    out = {}
    for group in root.iter(f"{SVG_NS}g"):
        if group.get("class") == kind:
            title = group.find(f"{SVG_NS}title")
            assert title is not None and title.text is not None
            box = _box(group)
            if box is not None:
                out[title.text] = box
    return out


def _bands(pathway: pathways.Pathway, direction: str) -> None:
    diagram = extract(pathway)
    svg = draw(diagram, direction).pipe(format="svg")
    clusters = _groups(svg, "cluster")
    nodes = _groups(svg, "node")
    lanes = [f"cluster_{lane.key}" for lane in diagram.lanes]
    across = (2, 3) if direction == "LR" else (0, 1)  # the bands' range across the flow
    along = (0, 1) if direction == "LR" else (2, 3)
    # Every step of an agency inside its band.
    for lane in diagram.lanes:
        band = clusters[f"cluster_{lane.key}"]
        for step in lane.nodes:
            box = nodes[step]
            assert band[across[0]] <= box[across[0]] and box[across[1]] <= band[across[1]], (
                f"{pathway.id} {direction}: step {step} outside its band {lane.title}"
            )
    # Bands in the diagram's order (by sector), one after the other, not overlapping.
    order = sorted(lanes, key=lambda key: clusters[key][across[0]])
    assert order == lanes
    for upper, lower in itertools.pairwise(order):
        assert clusters[upper][across[1]] <= clusters[lower][across[0]]
    # Full width: every band spans the whole drawing along the flow (to a few points).
    starts = [clusters[key][along[0]] for key in lanes]
    ends = [clusters[key][along[1]] for key in lanes]
    assert max(starts) - min(starts) < 12 and max(ends) - min(ends) < 12, (starts, ends)


@requires_dot
@pytest.mark.parametrize("path", BUNDLED, ids=lambda p: p.stem)
def test_lanes_are_bands_left_to_right(path: Path) -> None:
    """LR: one horizontal band per agency, full width, in sector order; steps inside."""
    _bands(pathways.load(path), "LR")


@requires_dot
@pytest.mark.parametrize("path", BUNDLED, ids=lambda p: p.stem)
def test_lanes_are_columns_top_to_bottom(path: Path) -> None:
    """TB: one column per agency, full height, in sector order; every step inside its column
    (every bundled pathway, as LR: the issue asks it of both; 0.3 s each)."""
    _bands(pathways.load(path), "TB")


def _svg_points(svg: bytes) -> tuple[float, float, float]:
    """(width, height, smallest font size) of a Graphviz SVG, in points."""
    root = ET.fromstring(svg)
    width = float(root.get("width", "0").removesuffix("pt"))
    height = float(root.get("height", "0").removesuffix("pt"))
    sizes = [
        float(el.get("font-size", "0"))
        for el in root.iter(f"{SVG_NS}text")
        if "".join(el.itertext()).strip()
    ]
    return width, height, min(sizes)


@requires_dot
@pytest.mark.parametrize(
    ("path", "direction", "page", "orientation"),
    [
        (P1, "LR", "A3", "landscape"),
        (BUNDLED[0], "LR", "A3", "landscape"),
        (P1, "TB", "A3", "portrait"),
        (P1, "TB", "A4", "portrait"),
    ],
    ids=["P1-A3", "first-bundled-A3", "P1-A3-portrait-TB", "P1-A4-portrait-TB"],
)
def test_paginated_pages_print_text_at_7pt_or_more(
    path: Path, direction: str, page: str, orientation: str
) -> None:
    """Each page's drawing, scaled to fit its sheet, prints its smallest text at >= 7 pt
    (font size in the SVG x the scale the page is printed at)."""
    diagram = extract(pathways.load(path))
    pages = page_diagrams(diagram, direction, page, orientation)
    assert len(pages) > 1  # a bundled pathway does not fit one sheet at a legible size
    drawn: set[str] = set()
    for sub in pages:
        assert 1 <= sub.legend_columns <= legend_columns(page, orientation)
        svg = draw(sub, direction, compact=True).pipe(format="svg")  # the page's own legend
        width, height, smallest = _svg_points(svg)
        scale = scale_to_fit(width, height, page, orientation)
        assert smallest * scale >= MIN_TEXT_PT, f"{sub.page}: {smallest} pt x {scale:.4f}"
        drawn |= {node.id for node in sub.nodes}
        assert "Legend" in svg.decode()
    # Every step is on exactly one page.
    assert drawn == {node.id for node in diagram.nodes}
    assert sum(len(sub.nodes) for sub in pages) == len(diagram.nodes)


@requires_dot
def test_paginated_pdf_prints_its_smallest_text_at_7pt_or_more(tmp_path: Path) -> None:
    """The issue's own check on the PDF of the pages laid out one by one (what `render`
    prints top to bottom, and left to right where the sheets cannot be cut from one drawing:
    tests/render/test_clip.py checks those): every sheet exactly A3 landscape, and the
    smallest font of its page (read from the SVG of the same page) times the scale the sheet
    draws it at (the PDF's own ``cm``) is at least 7 pt, with no tolerance. A sheet once
    printed at 6.7 pt: cairo's PDF carried a 36 pt margin on each side that the fit check
    did not count."""
    from pypdf import PdfReader

    from pathways.render._graphviz import run_dot
    from pathways.render.pages import sheets, sheets_pdf

    drawn = sheets(extract(pathways.load(P1)))
    (tmp_path / "p1.pdf").write_bytes(sheets_pdf(data for _, data in drawn))
    pdf = PdfReader(tmp_path / "p1.pdf")
    pages = [page for page, _ in drawn]
    assert len(pdf.pages) == len(pages) > 1
    portrait_w, portrait_h = PAGE_SIZES["A3"]
    for sheet, sub in zip(pdf.pages, pages, strict=True):
        assert abs(float(sheet.mediabox.width) - portrait_h) < 1
        assert abs(float(sheet.mediabox.height) - portrait_w) < 1
        contents = sheet.get_contents()
        assert contents is not None
        placed = re.match(
            rb"\s*q ([0-9.]+) 0 0 ([0-9.]+) [-0-9.]+ [-0-9.]+ cm", contents.get_data()
        )
        assert placed is not None and placed.group(1) == placed.group(2)
        svg = run_dot(draw(sub, "LR", compact=True).source, "svg")
        _, _, smallest = _svg_points(svg)
        assert smallest * float(placed.group(1)) >= MIN_TEXT_PT, (sub.page, smallest, placed[1])


@requires_dot
def test_default_pdf_is_a3_landscape_pages_with_continuations(tmp_path: Path) -> None:
    """The default PDF of a bundled pathway: several sheets, each exactly A3 landscape, with
    "to page N" / "from page N" markers naming the step on the other page."""
    from pypdf import PdfReader

    p = pathways.load(P1)
    pdf = render(p, tmp_path / "p1.pdf").read_bytes()
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) > 1
    portrait_w, portrait_h = PAGE_SIZES["A3"]
    for sheet in reader.pages:
        assert abs(float(sheet.mediabox.width) - portrait_h) < 1
        assert abs(float(sheet.mediabox.height) - portrait_w) < 1
    first = reader.pages[0].extract_text()
    assert f"page 1 of {len(reader.pages)}" in first
    assert re.search(r"to page \d+:", first)
    assert re.search(r"from page \d+:", reader.pages[1].extract_text())


@requires_dot
def test_pdf_a4_portrait_and_one_big_page(tmp_path: Path) -> None:
    """--page A4 --orientation portrait gives A4 portrait sheets; page=None one page."""
    from pypdf import PdfReader

    p = pathways.load(BUNDLED[0])
    a4 = PdfReader(render(p, tmp_path / "a4.pdf", page="A4", orientation="portrait"))
    width, height = PAGE_SIZES["A4"]
    assert all(
        abs(float(s.mediabox.width) - width) < 1 and abs(float(s.mediabox.height) - height) < 1
        for s in a4.pages
    )
    one = PdfReader(render(p, tmp_path / "one.pdf", page=None))
    assert len(one.pages) == 1
    assert float(one.pages[0].mediabox.width) > 2 * height  # the whole, unreadably long strip


def test_unknown_layout_values_are_refused(tmp_path: Path) -> None:
    """A wrong direction, page size or orientation is one clear error, before drawing."""
    from pathways.errors import RenderError

    p = pathways.load(P1)
    with pytest.raises(RenderError, match="unknown direction 'up'; use LR or TB"):
        render(p, tmp_path / "x.dot", direction="up")
    with pytest.raises(RenderError, match="unknown page size 'A5'; use A4 or A3"):
        render(p, tmp_path / "x.pdf", page="A5")
    with pytest.raises(RenderError, match="unknown orientation 'sideways'"):
        render(p, tmp_path / "x.pdf", orientation="sideways")


def _marker_overflow(svg: bytes) -> tuple[int, list[str]]:
    """The number of continuation markers, and the lines of their text that stand outside
    the body of the arrow shape (the rectangle, not the head): the body is where the points
    at the far end from the head lie (the lowest x of a right arrow, the highest of a left
    one)."""
    problems, markers = [], 0
    for group in ET.fromstring(svg).iter(f"{SVG_NS}g"):
        title = group.find(f"{SVG_NS}title")
        if title is None or not (title.text or "").startswith(("@to-", "@from-")):
            continue
        markers += 1
        polygon = group.find(f"{SVG_NS}polygon")
        assert polygon is not None
        numbers = [float(n) for n in re.split(r"[ ,]+", polygon.get("points", "").strip())]
        points = list(zip(numbers[::2], numbers[1::2], strict=True))
        end = min if (title.text or "").startswith("@to-") else max
        far = end(x for x, _ in points)
        ys = [y for x, y in points if abs(x - far) < 0.01]
        top, bottom = min(ys), max(ys)
        for text in group.iter(f"{SVG_NS}text"):
            y, size = float(text.get("y", "0")), float(text.get("font-size", "0"))
            # The glyphs stand from about 0.8 em above the baseline to 0.2 em below it.
            if y - 0.8 * size < top - 0.5 or y + 0.2 * size > bottom + 0.5:
                problems.append(f"{title.text}: {''.join(text.itertext())!r}")
    return markers, problems


@requires_dot
@pytest.mark.parametrize("lang", [None, "km"], ids=["en", "km"])
def test_continuation_markers_hold_their_text(lang: str | None) -> None:
    """Issue 18, seen on the printed A3 sheets: a "to page 3: Informed consent and assent to..."
    marker wrote its first and last lines over the border of its arrow (three lines in a body
    sized for two; the arrow's head takes height from the body). Every line now lies inside."""
    pages = page_diagrams(extract(pathways.load(P1), lang=lang))
    checked = 0
    for sub in pages[:3]:  # the first sheets already carry markers both ways
        svg = draw(sub, "LR", compact=True)
        markers, problems = _marker_overflow(svg.pipe(format="svg"))
        checked += markers
        assert problems == []
    assert checked >= 3
