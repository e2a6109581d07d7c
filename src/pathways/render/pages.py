"""Paginated drawings: a pathway split over A4 or A3 pages at a legible size.

A working group prints its pathway. One drawing of a 20-step pathway is several metres wide at
full size, so shrinking it onto one sheet makes the text unreadable. Instead the drawing is
split: along the flow at phase boundaries (between ranks of steps) when it is too long, and
between lanes at agency boundaries when it is too tall. Each page keeps the lane titles of the
agencies it shows, a compact legend, and a continuation marker wherever a transition leaves for
or arrives from another page ("to page 3: Police report to the prosecutor").

Every page is drawn by ``dot`` as it will be printed, and its layout is read from the same
run (:func:`sheets`); a page is split again until it fits the page at a scale of at least
:data:`MIN_SCALE`, at which the smallest text (:data:`~pathways.render.dot.SMALL` points)
prints at :data:`MIN_TEXT_PT`. The PDF pages are then placed, centred and scaled to
fit, on sheets of exactly the paper size.
"""

from __future__ import annotations

import io
import math
import os
import re
from collections.abc import Iterable
from dataclasses import replace
from typing import TYPE_CHECKING

from pathways.errors import RenderError
from pathways.i18n import N_, tr
from pathways.render._text import shorten
from pathways.render.dot import SMALL, draw
from pathways.render.extract import Diagram, Edge, Marker

if TYPE_CHECKING:
    import graphviz

__all__ = [
    "MIN_SCALE",
    "MIN_TEXT_PT",
    "ORIENTATIONS",
    "PAGE_SIZES",
    "legend_columns",
    "page_area",
    "page_diagrams",
    "scale_to_fit",
    "sheets",
    "sheets_pdf",
]

PAGE_SIZES: dict[str, tuple[float, float]] = {
    "A4": (595.28, 841.89),
    "A3": (841.89, 1190.55),
}
"""Paper sizes in points (1/72 inch), portrait: width, height."""

ORIENTATIONS = ("landscape", "portrait")

MARGIN = 28.35
"""Page margin in points (10 mm), inside which the drawing is placed."""

MIN_TEXT_PT = 7.0
"""The smallest text size, in points on paper, that a paginated page prints."""

MIN_SCALE = MIN_TEXT_PT / SMALL
"""The smallest scale a page may be shrunk to (the smallest text then prints at 7 pt)."""

_MAX_PAGES = 200
_PAD = 2 * 0.2 * 72 + 2
"""The drawing's pad on both sides (points), which ``dot -Tplain`` sizes leave out."""
_OVERHEAD = 520.0
"""Points of a page along the flow that are not steps: the lane titles, the continuation
markers at both ends, the margins."""

_NODE = re.compile(r'^node ("(?:[^"\\]|\\.)*"|\S+) (\S+) (\S+) (\S+) (\S+) ')


def page_area(page: str, orientation: str) -> tuple[float, float]:
    """(width, height) in points of the paper, for ``page`` (A4, A3) and ``orientation``."""
    try:
        width, height = PAGE_SIZES[page.upper()]
    except KeyError:
        raise RenderError(f"unknown page size {page!r}; use A4 or A3") from None
    if orientation not in ORIENTATIONS:
        raise RenderError(f"unknown orientation {orientation!r}; use landscape or portrait")
    return (height, width) if orientation == "landscape" else (width, height)


def scale_to_fit(width: float, height: float, page: str, orientation: str) -> float:
    """The scale at which a drawing of ``width`` x ``height`` points fits inside the margins
    (never above 1: pages are not enlarged)."""
    paper_w, paper_h = page_area(page, orientation)
    return min(1.0, (paper_w - 2 * MARGIN) / width, (paper_h - 2 * MARGIN) / height)


def _batch(graphs: list[graphviz.Digraph], fmt: str) -> list[bytes]:
    """Draw several graphs, one ``dot`` process each, a few at a time.

    One process for all of them would be cheaper, but ``dot`` lays out the second and later
    graphs of one input differently from run to run; one graph per process gives the same
    bytes every time.
    """
    from concurrent.futures import ThreadPoolExecutor

    from pathways.render._graphviz import run_dot

    if len(graphs) < 2:
        return [run_dot(g.source, fmt) for g in graphs]
    with ThreadPoolExecutor(max_workers=min(4, os.cpu_count() or 1)) as pool:
        return list(pool.map(lambda g: run_dot(g.source, fmt), graphs))


def _layout(
    plain: bytes,
) -> tuple[float, float, dict[str, tuple[float, float]], dict[str, tuple[float, float]]]:
    """(width, height, node centres, node sizes) in points, from ``dot -Tplain`` output."""
    lines = plain.decode("utf-8", "replace").splitlines()
    _, _, width, height = lines[0].split()[:4]
    centres: dict[str, tuple[float, float]] = {}
    sizes: dict[str, tuple[float, float]] = {}
    for line in lines[1:]:
        m = _NODE.match(line)
        if m:
            name = m.group(1)
            if name.startswith('"'):
                name = name[1:-1].replace('\\"', '"').replace("\\\\", "\\")
            centres[name] = (float(m.group(2)) * 72, float(m.group(3)) * 72)
            sizes[name] = (float(m.group(4)) * 72, float(m.group(5)) * 72)
    return float(width) * 72, float(height) * 72, centres, sizes


def _sub(diagram: Diagram, keep: frozenset[str], page_of: dict[str, int] | None) -> Diagram:
    """The part of ``diagram`` with the steps in ``keep``, with continuation markers."""
    by_id = {node.id: node for node in diagram.nodes}
    lane_of = {node.id: node.lane for node in diagram.nodes}
    markers: dict[str, Marker] = {}
    edges: list[Edge] = []

    lang = diagram.lang

    def where(step: str, incoming: bool) -> str:
        number = "99" if page_of is None else str(page_of[step] + 1)
        pattern = N_("from page {number}: {step}") if incoming else N_("to page {number}: {step}")
        return tr(pattern, lang).format(number=number, step=shorten(by_id[step].label, 32))

    for edge in diagram.edges:
        inside = (edge.source in keep, edge.target in keep)
        if inside == (True, True):
            edges.append(edge)
        elif inside == (True, False):
            key = f"@to-{lane_of[edge.source]}-{edge.target}"
            markers.setdefault(
                key, Marker(key, lane_of[edge.source], where(edge.target, False), False)
            )
            edges.append(replace(edge, target=key))
        elif inside == (False, True):
            key = f"@from-{lane_of[edge.target]}-{edge.source}"
            markers.setdefault(
                key, Marker(key, lane_of[edge.target], where(edge.source, True), True)
            )
            edges.append(replace(edge, source=key, lines=()))
    marked = {marker.lane for marker in markers.values()}
    lanes = tuple(
        replace(lane, nodes=tuple(n for n in lane.nodes if n in keep))
        for lane in diagram.lanes
        if any(n in keep for n in lane.nodes) or lane.key in marked
    )
    return replace(
        diagram,
        lanes=lanes,
        nodes=tuple(node for node in diagram.nodes if node.id in keep),
        edges=tuple(edges),
        markers=tuple(markers.values()),
    )


def _cut(
    ids: list[str], position: dict[str, float], extent: dict[str, float], budget: float
) -> list[list[str]]:
    """Split ``ids`` into runs along ``position`` (phase boundaries), each spanning at most
    ``budget`` points from the near edge of its first step to the far edge of its last
    (``extent``: each step's size along the flow); at least two runs when there are two."""
    ordered = sorted(ids, key=lambda i: (position[i], i))
    out: list[list[str]] = [[]]
    start = 0.0
    for i in ordered:
        if not out[-1]:
            start = position[i] - extent[i] / 2
        elif position[i] + extent[i] / 2 - start > budget:
            out.append([])
            start = position[i] - extent[i] / 2
        out[-1].append(i)
    if len(out) == 1 and len(ordered) > 1:
        half = len(ordered) // 2
        out = [ordered[:half], ordered[half:]]
    return out


def _by_lanes(diagram: Diagram, ids: list[str], pieces: int) -> list[list[str]]:
    """Split ``ids`` into up to ``pieces`` groups of whole lanes (agency boundaries)."""
    lane_order = [lane.key for lane in diagram.lanes] + [None]
    lane_of = {node.id: node.lane for node in diagram.nodes}
    groups: dict[str | None, list[str]] = {}
    for i in ids:
        groups.setdefault(lane_of[i], []).append(i)
    lanes = [groups[key] for key in lane_order if key in groups]
    if len(lanes) < 2:
        return [ids]
    size = math.ceil(len(ids) / min(pieces, len(lanes)))
    out: list[list[str]] = [[]]
    for members in lanes:
        if out[-1] and len(out[-1]) + len(members) > size:
            out.append([])
        out[-1].extend(members)
    return out


def _batch_both(graphs: list[graphviz.Digraph], fmt: str) -> list[tuple[bytes, bytes]]:
    """(``dot -Tplain`` layout, ``fmt`` drawing) of each graph, both from one ``dot`` run."""
    from concurrent.futures import ThreadPoolExecutor

    from pathways.render._graphviz import run_dot_with_layout

    if len(graphs) < 2:
        return [run_dot_with_layout(g.source, fmt) for g in graphs]
    with ThreadPoolExecutor(max_workers=min(4, os.cpu_count() or 1)) as pool:
        return list(pool.map(lambda g: run_dot_with_layout(g.source, fmt), graphs))


def _numbered(diagram: Diagram, pieces: list[list[str]]) -> list[Diagram]:
    """The diagram of each piece as a page: markers naming the page they lead to, numbered."""
    page_of = {step: number for number, piece in enumerate(pieces) for step in piece}
    total = len(pieces)
    out = []
    for number, piece in enumerate(pieces):
        sub = _sub(diagram, frozenset(piece), page_of)
        heading = tr("page {number} of {total}", diagram.lang).format(
            number=number + 1, total=total
        )
        out.append(replace(sub, page=heading if total > 1 else ""))
    return out


_ONE_PAGE_STEPS = 12
"""Above this many steps the whole pathway is first laid out without being drawn."""


def sheets(
    diagram: Diagram,
    direction: str = "LR",
    page: str = "A3",
    orientation: str = "landscape",
    fmt: str = "pdf",
) -> list[tuple[Diagram, bytes]]:
    """Each page's diagram and its drawing in ``fmt``, every one checked to fit its sheet at
    :data:`MIN_SCALE` (its smallest text prints at :data:`MIN_TEXT_PT`).

    Each round draws every page as it will be printed (markers, page numbers, legend) and
    reads its layout from the same ``dot`` run, so a page that fits is done in one run: the
    first round is the whole pathway on one page, whose layout places the first cuts. Only a
    page that does not fit is cut again (at phase boundaries, or between lanes when it is too
    tall), and then every page is drawn again (the page numbers changed). A pathway of N
    pages usually costs one run for the whole and one per page.
    """
    paper_w, paper_h = page_area(page, orientation)
    room_w, room_h = paper_w - 2 * MARGIN, paper_h - 2 * MARGIN
    flow = 0 if direction == "LR" else 1
    room = room_w if flow == 0 else room_h
    columns = legend_columns(page, orientation)

    pieces: list[list[str]] = [[node.id for node in diagram.nodes]]
    first = True
    while True:
        pages = _numbered(diagram, pieces)
        graphs = [draw(d, direction, compact=True, legend_columns=columns) for d in pages]
        if first and len(diagram.nodes) > _ONE_PAGE_STEPS:
            # A pathway this long rarely fits one page: lay it out only (no drawing), to cut.
            drawn = [(plain, b"") for plain in _batch(graphs, "plain")]
        else:
            drawn = _batch_both(graphs, fmt)
        first = False
        out: list[list[str]] = []
        for ids, (plain, data) in zip(pieces, drawn, strict=True):
            width, height, centres, sizes = _layout(plain)
            # `dot -Tplain` leaves out the drawing's pad, which the PDF page has; the drawing,
            # when there is one, says its own size, which is what is printed.
            full_w, full_h = _drawn_size(data, width + _PAD, height + _PAD)
            over_w = full_w * MIN_SCALE / room_w
            over_h = full_h * MIN_SCALE / room_h
            if max(over_w, over_h) <= 1 or len(ids) == 1 or len(pieces) > _MAX_PAGES:
                out.append(ids)
                continue
            over_flow, over_across = (over_w, over_h) if flow == 0 else (over_h, over_w)
            sign = 1 if flow == 0 else -1  # dot's y grows upwards; a top-down flow goes down
            position = {i: sign * centres[i][flow] for i in ids}
            if over_flow >= over_across:
                extent = {i: sizes[i][flow] for i in ids}
                cut = _cut(ids, position, extent, room / MIN_SCALE - _OVERHEAD)
            else:
                cut = _by_lanes(diagram, ids, math.ceil(over_across))
                if len(cut) < 2:
                    cut = _cut(ids, position, {i: 0.0 for i in ids}, 0)
            out += cut
        if len(out) == len(pieces) and all(data for _, data in drawn):
            return [(d, data) for d, (_, data) in zip(pages, drawn, strict=True)]
        pieces = out


_PDF_BOX = re.compile(rb"/MediaBox \[\s*0 0 ([0-9.]+) ([0-9.]+)\s*\]")
_SVG_BOX = re.compile(rb'<svg width="([0-9.]+)pt" height="([0-9.]+)pt"')


def _drawn_size(data: bytes, width: float, height: float) -> tuple[float, float]:
    """The size in points of a drawing (a PDF's page box, an SVG's width and height), never
    less than ``width`` x ``height`` (the layout plus the pad)."""
    m = _PDF_BOX.search(data) or _SVG_BOX.search(data[:2000])
    if m is None:
        return width, height
    return max(width, float(m.group(1))), max(height, float(m.group(2)))


def legend_columns(page: str, orientation: str) -> int:
    """How many legend entries fit side by side on the page at the smallest scale."""
    paper_w, _ = page_area(page, orientation)
    return max(2, min(6, int((paper_w - 2 * MARGIN) / MIN_SCALE / 240)))


def page_diagrams(
    diagram: Diagram,
    direction: str = "LR",
    page: str = "A3",
    orientation: str = "landscape",
) -> list[Diagram]:
    """The diagram of each page, numbered, with markers naming the page they lead to (the
    pages of :func:`sheets`)."""
    return [page_diagram for page_diagram, _ in sheets(diagram, direction, page, orientation)]


def sheets_pdf(
    drawings: Iterable[bytes], page: str = "A3", orientation: str = "landscape"
) -> bytes:
    """One PDF with a sheet of exactly the paper size per drawing (one-page PDFs from
    ``dot``), each centred and scaled to fit inside the margins."""
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import ContentStream, RectangleObject

    paper_w, paper_h = page_area(page, orientation)
    writer = PdfWriter()
    for data in drawings:
        sheet = writer.add_page(PdfReader(io.BytesIO(data)).pages[0])
        width, height = float(sheet.mediabox.width), float(sheet.mediabox.height)
        scale = scale_to_fit(width, height, page, orientation)
        dx = (paper_w - width * scale) / 2
        dy = paper_h - MARGIN - height * scale  # top-aligned: the title starts each sheet
        # Wrap the drawing in a transformation instead of merging pages, which would parse
        # every drawing operator (seconds per page in pypdf).
        contents = sheet.get_contents()
        body = contents.get_data() if contents is not None else b""
        stream = ContentStream(None, None)
        stream.set_data(
            f"q {scale:.5f} 0 0 {scale:.5f} {dx:.3f} {dy:.3f} cm\n".encode() + body + b"\nQ\n"
        )
        sheet.replace_contents(stream)
        box = RectangleObject([0, 0, paper_w, paper_h])
        sheet.mediabox = box
        sheet.cropbox = box
    writer.compress_identical_objects()
    writer.add_metadata({"/Producer": "pathways"})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
