"""The previous A3 pagination, kept out of the library for ``bench_render.py --pagination``.

``paginate`` is the algorithm :func:`pathways.render.pages.sheets` replaced: every piece laid
out on its own to check that it fits, neighbours laid out together to try merging them; then
:func:`pdf` draws every page once more (one ``dot`` process each) and places the drawings on
sheets with pypdf, as the library used to. Only the bench imports this module; it uses the
library's private helpers (``_sub``, ``_cut``, ``_by_lanes``, ``_layout``), which may change
under it.
"""

from __future__ import annotations

import io
import math
import os
from collections.abc import Iterable
from typing import TYPE_CHECKING

from pathways.render.dot import draw
from pathways.render.extract import Diagram
from pathways.render.pages import (
    _MAX_PAGES,
    _OVERHEAD,
    _PAD,
    MARGIN,
    MIN_SCALE,
    _by_lanes,
    _layout,
    _sub,
    legend_columns,
    page_area,
    scale_to_fit,
)

if TYPE_CHECKING:
    import graphviz

__all__ = ["paginate", "pdf"]

_MERGE_ROUNDS = 2

Centres = dict[str, tuple[float, float]]


def _batch(graphs: list[graphviz.Digraph], fmt: str) -> list[bytes]:
    """Draw several graphs, one ``dot`` process each, a few at a time."""
    from concurrent.futures import ThreadPoolExecutor

    from pathways.render._graphviz import run_dot

    if len(graphs) < 2:
        return [run_dot(g.source, fmt) for g in graphs]
    with ThreadPoolExecutor(max_workers=min(4, os.cpu_count() or 1)) as pool:
        return list(pool.map(lambda g: run_dot(g.source, fmt), graphs))


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


def paginate(
    diagram: Diagram,
    direction: str = "LR",
    page: str = "A3",
    orientation: str = "landscape",
) -> list[frozenset[str]]:
    """The steps of each page as the previous algorithm cut them: every piece laid out on its
    own to check it fits, neighbours laid out together to try merging them.

    A piece too long along the flow is cut at phase boundaries (positions along the flow in
    its own layout); a piece too wide across the lanes is cut between lanes.
    """
    paper_w, paper_h = page_area(page, orientation)
    room_w, room_h = paper_w - 2 * MARGIN, paper_h - 2 * MARGIN
    flow = 0 if direction == "LR" else 1
    room = room_w if flow == 0 else room_h
    columns = legend_columns(page, orientation)
    Size = tuple[float, float, float]  # width, height, extent of the steps along the flow

    def layouts(pieces: list[list[str]]) -> list[tuple[float, float, Centres, Centres]]:
        graphs = [
            draw(
                _sub(diagram, frozenset(ids), None),
                direction,
                compact=True,
                legend_columns=columns,
            )
            for ids in pieces
        ]
        return [_layout(plain) for plain in _batch(graphs, "plain")]

    def fits(width: float, height: float) -> bool:
        return (width + _PAD) * MIN_SCALE <= room_w and (height + _PAD) * MIN_SCALE <= room_h

    items: list[tuple[list[str], Size | None]] = [([node.id for node in diagram.nodes], None)]
    while any(size is None for _, size in items):
        pending = [n for n, (_, size) in enumerate(items) if size is None]
        laid = dict(zip(pending, layouts([items[n][0] for n in pending]), strict=True))
        out: list[tuple[list[str], Size | None]] = []
        for n, (ids, known) in enumerate(items):
            if known is not None:
                out.append((ids, known))
                continue
            width, height, centres, sizes = laid[n]
            if fits(width, height) or len(ids) == 1 or len(items) > _MAX_PAGES:
                out.append((ids, (width, height, _extent(ids, centres, sizes, flow))))
                continue
            over_w = (width + _PAD) * MIN_SCALE / room_w
            over_h = (height + _PAD) * MIN_SCALE / room_h
            over_flow, over_across = (over_w, over_h) if flow == 0 else (over_h, over_w)
            sign = 1 if flow == 0 else -1
            position = {i: sign * centres[i][flow] for i in ids}
            if over_flow >= over_across:
                extent = {i: sizes[i][flow] for i in ids}
                pieces = _cut(ids, position, extent, room / MIN_SCALE - _OVERHEAD)
            else:
                pieces = _by_lanes(diagram, ids, math.ceil(over_across))
                if len(pieces) < 2:
                    pieces = _cut(ids, position, {i: 0.0 for i in ids}, 0)
            out += [(piece, None) for piece in pieces]
        items = out
    for _ in range(_MERGE_ROUNDS):
        candidates = [
            n
            for n in range(len(items) - 1)
            if _could_fit(items[n][1], items[n + 1][1], room / MIN_SCALE)
        ]
        if not candidates:
            break
        laid_pairs = layouts([items[n][0] + items[n + 1][0] for n in candidates])
        joined = {
            n: (w, h, _extent(items[n][0] + items[n + 1][0], c, z, flow))
            for n, (w, h, c, z) in zip(candidates, laid_pairs, strict=True)
        }
        merged: list[tuple[list[str], Size | None]] = []
        n = 0
        while n < len(items):
            size = joined.get(n)
            if size is not None and fits(size[0], size[1]):
                merged.append((items[n][0] + items[n + 1][0], size))
                n += 2
            else:
                merged.append(items[n])
                n += 1
        if len(merged) == len(items):
            break
        items = merged
    return [frozenset(ids) for ids, _ in items]


def _extent(ids: list[str], centres: Centres, sizes: Centres, flow: int) -> float:
    """How far the steps ``ids`` reach along the flow in a layout, edge to edge."""
    low = min(centres[i][flow] - sizes[i][flow] / 2 for i in ids)
    high = max(centres[i][flow] + sizes[i][flow] / 2 for i in ids)
    return high - low


def _could_fit(
    first: tuple[float, float, float] | None,
    second: tuple[float, float, float] | None,
    room: float,
) -> bool:
    """Whether two pages' steps might fit one page along the flow together."""
    if first is None or second is None:
        return False
    return first[2] + second[2] + _OVERHEAD <= room


def pdf(
    diagrams: Iterable[Diagram],
    direction: str = "LR",
    page: str = "A3",
    orientation: str = "landscape",
) -> bytes:
    """One PDF with a sheet of the paper size per page diagram, as the library made it: every
    page drawn by its own ``dot`` process, the drawings placed on sheets with pypdf."""
    columns = legend_columns(page, orientation)
    graphs = [draw(d, direction, compact=True, legend_columns=columns) for d in diagrams]
    return _pypdf_sheets(_batch(graphs, "pdf"), page, orientation)


def _pypdf_sheets(drawings: Iterable[bytes], page: str, orientation: str) -> bytes:
    """The previous sheet assembly: each one-page drawing read, wrapped and written by pypdf."""
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import ContentStream, RectangleObject

    paper_w, paper_h = page_area(page, orientation)
    writer = PdfWriter()
    for data in drawings:
        sheet = writer.add_page(PdfReader(io.BytesIO(data)).pages[0])
        width, height = float(sheet.mediabox.width), float(sheet.mediabox.height)
        scale = scale_to_fit(width, height, page, orientation)
        dx = (paper_w - width * scale) / 2
        dy = paper_h - MARGIN - height * scale
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
