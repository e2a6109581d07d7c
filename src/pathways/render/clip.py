"""Printed sheets cut from one drawing of the whole pathway (issue 18: A3 within 2x a one-page PDF).

:func:`pathways.render.pages.sheets` lays out and draws every sheet on its own, which costs
about three one-page PDFs. Here the whole pathway is laid out and drawn once (the one-page
PDF's work), and every sheet is a clipped view of that one drawing: the title, subtitle and
compact legend (the drawing's own heading, with the legend columns of
:func:`~pathways.render.pages.legend_columns`), the lane titles of the bands it shows, and a
stretch of those bands. What differs per sheet (its "page N of M" and the continuation
markers) is drawn once more, as a second graph of the same ``dot`` process with every item a
node, and placed by clipping too. Both drawings enter the PDF as Form XObjects; a sheet is a
few ``q ... re W n ... Do Q`` operators at :data:`~pathways.render.pages.MIN_SCALE`, so its
smallest text prints at :data:`~pathways.render.pages.MIN_TEXT_PT`.

Where the sheets are cut: along the flow in a gap that no step, no step's text and no
transition's text crosses (so nothing printed is cut at a sheet's edge), and across it
between bands (lane groups). A stretch of bands with neither a step nor a transition's text
is left out. Every text of a step or a transition lies wholly inside one sheet (checked).
Each sheet holds only its own text: cairo's text blocks are taken out of the shared drawing
and each placed region gets a Form XObject with the pieces that start inside it, so search,
copy and screen readers see a sheet's words only.

:func:`clipped_pdf` answers ``None`` where this cannot work, and the caller uses
:func:`~pathways.render.pages.sheets` (each page laid out on its own): a top-to-bottom
drawing, a band taller than a sheet, a stretch between two gaps wider than a sheet, a
transition's text across a band boundary where lane groups part, markers that do not fit
their column.
"""

from __future__ import annotations

import bisect
import itertools
import math
import re
import zlib
from dataclasses import dataclass, field, replace
from typing import Any

from pathways.i18n import tr
from pathways.render._graphviz import JsonDrawingProcess
from pathways.render._text import shorten
from pathways.render.dot import _marker_label, draw_source, line_pad, quote, text
from pathways.render.extract import FONT, Diagram
from pathways.render.pages import (
    _BOX,
    _PDF_BOX,
    _REF,
    _STREAM,
    _VERSION,
    MARGIN,
    MIN_SCALE,
    _drawn_size,
    _pdf_file,
    _pdf_objects,
    _ref,
    _Unreadable,
    legend_columns,
    narrow_sheet,
    page_area,
    sheets_pdf,
)

__all__ = ["clipped_pdf"]

Box = tuple[float, float, float, float]
"""x0, y0, x1, y1 in the whole drawing's ``dot`` points (y grows upwards)."""

_GAP = 4.0
"""Points between a sheet's columns (lane titles, markers, the bands)."""
_MARKER_W = 110.0
"""The width planned for a marker column before the markers are drawn (planned again when
one is wider)."""


@dataclass
class _Geometry:
    """What the cuts are planned from, read from ``dot -Tjson`` of the whole drawing."""

    bb: Box
    label: Box  # the heading: title, subtitle, notes, compact legend
    heading_w: float  # the title line's width from the drawing's left edge
    bands: list[tuple[str, Box]]  # top to bottom
    heads: dict[str, Box]  # each band's title cell
    steps: dict[str, Box]
    texts: list[Box]  # every text of a step or a transition
    edges: list[tuple[str, str, list[tuple[float, float]]]]


@dataclass
class _Tile:
    x: tuple[float, float]
    y: tuple[float, float]
    steps: set[str]
    markers: list[tuple[str, str, float, str]] = field(default_factory=list)
    """(``to`` or ``from``, the marker's words, the height of its route, the step it names)"""


def _text_boxes(ops: list[dict[str, Any]], khmer: bool) -> list[Box]:
    below, above = (0.5, 1.2) if khmer else (0.25, 0.85)
    out: list[Box] = []
    size = 14.0
    for op in ops:
        if op.get("op") == "F":
            size = float(op.get("size", size))
        elif op.get("op") == "T" and str(op.get("text", "")).strip():
            x, y = (float(v) for v in op["pt"])
            width = float(op.get("width", 0))
            x0 = {"l": x, "r": x - width}.get(op.get("align", "c"), x - width / 2)
            out.append((x0, y - below * size, x0 + width, y + above * size))
    return out


def _union(boxes: list[Box]) -> list[Box]:
    """The box around all of ``boxes`` (the lines of one label), or none."""
    if not boxes:
        return []
    return [
        (
            min(b[0] for b in boxes),
            min(b[1] for b in boxes),
            max(b[2] for b in boxes),
            max(b[3] for b in boxes),
        )
    ]


def _node_box(obj: dict[str, Any]) -> Box:
    x, y = (float(v) for v in obj["pos"].split(","))
    w, h = float(obj.get("width", 0)) * 72, float(obj.get("height", 0)) * 72
    return (x - w / 2, y - h / 2, x + w / 2, y + h / 2)


def _geometry(doc: dict[str, Any], diagram: Diagram) -> _Geometry:
    khmer = diagram.font != FONT
    bb = tuple(float(v) for v in doc["bb"].split(","))
    lx, ly = (float(v) for v in doc["lp"].split(","))
    lw, lh = float(doc["lwidth"]) * 72, float(doc["lheight"]) * 72
    heading = _text_boxes(doc.get("_ldraw_", []), khmer)
    heading_w = (heading[0][2] - bb[0]) if heading else lw
    clusters: dict[str, Box] = {}
    nodes: dict[int, dict[str, Any]] = {}
    for obj in doc.get("objects", []):
        name = str(obj.get("name", ""))
        if "bb" in obj and name.startswith(("cluster_", "%")):
            # "%lane0": a band of a drawing that is not the first of its process
            key = name[len("cluster_") :] if name.startswith("cluster_") else name[1:]
            clusters[key] = tuple(float(v) for v in obj["bb"].split(","))  # type: ignore[assignment]
        elif "pos" in obj:
            nodes[int(obj["_gvid"])] = obj
    keys = [lane.key for lane in diagram.lanes] + ["outcomes"]
    bands = [(key, clusters[key]) for key in keys if key in clusters]
    ids = {node.id for node in diagram.nodes}
    steps: dict[str, Box] = {}
    heads: dict[str, Box] = {}
    texts: list[Box] = []
    for obj in nodes.values():
        name = str(obj["name"])
        if name in ids:
            steps[name] = _node_box(obj)
            texts += _union(_text_boxes(obj.get("_ldraw_", []), khmer))
        elif name.startswith("@head-"):
            heads[name[len("@head-") :]] = _node_box(obj)
    edges = []
    for edge in doc.get("edges", []):
        tail, head = str(nodes[edge["tail"]]["name"]), str(nodes[edge["head"]]["name"])
        texts += _union(_text_boxes(edge.get("_ldraw_", []), khmer))
        if tail in ids and head in ids and "pos" in edge:
            points = [
                (float(a), float(b))
                for a, b in (
                    p.split(",") for p in edge["pos"].split() if not p.startswith(("e,", "s,"))
                )
            ]
            edges.append((tail, head, points))
    return _Geometry(
        bb=bb,  # type: ignore[arg-type]
        label=(lx - lw / 2, ly - lh / 2, lx + lw / 2, ly + lh / 2),
        heading_w=heading_w,
        bands=bands,
        heads=heads,
        steps=steps,
        texts=texts,
        edges=edges,
    )


def _crossing(points: list[tuple[float, float]], x: float) -> float | None:
    for (x0, y0), (x1, y1) in itertools.pairwise(points):
        if (x0 - x) * (x1 - x) <= 0 and x0 != x1:
            return y0 + (y1 - y0) * (x - x0) / (x1 - x0)
    return None


def _rows(
    groups: list[list[int]],
    reach: list[tuple[float, float]],
    texts: list[Box],
    bands_of: list[int],
) -> list[tuple[float, float]] | None:
    """The heights each lane group (``groups``: band indexes) shows on the sheets of one
    stretch along the flow: its bands as far as their texts reach (``reach``: each band's
    heights and those of the texts that stand across its edge or beside it, a transition's
    text between two bands or under the last one; ``bands_of``: the band each text goes with,
    the one its middle is nearest to), and short of a text of another group in that reach.
    None when a text would still cross a group's edge."""
    group_of = {k: g for g, group in enumerate(groups) for k in group}
    owner = [group_of[k] for k in bands_of]
    rows = [[min(reach[k][0] for k in group), max(reach[k][1] for k in group)] for group in groups]
    for g, row in enumerate(rows):
        for box, near in zip(texts, owner, strict=True):
            if near != g and box[1] < row[1] < box[3]:
                row[1] = box[1] - 0.5
            elif near != g and box[1] < row[0] < box[3]:
                row[0] = box[3] + 0.5
    for box, near in zip(texts, owner, strict=True):
        bottom, top = rows[near]
        if not bottom <= box[1] <= box[3] <= top:
            return None
        for bottom, top in rows:
            if bottom < box[3] and box[1] < top and not bottom <= box[1] <= box[3] <= top:
                return None
    return [(bottom, top) for bottom, top in rows]


def _nearest(bands: list[tuple[str, Box]], y: float) -> int:
    """The index of the band nearest to height ``y`` (the one it is in, if any)."""
    return min(range(len(bands)), key=lambda k: max(bands[k][1][1] - y, y - bands[k][1][3]))


def _tiles(geo: _Geometry, cuts: list[float], title_x1: float, clip_h: float) -> list[_Tile] | None:
    """The sheets of each stretch between ``cuts``: the bands from the first to the last the
    stretch uses (a step of theirs, a transition's text nearest to them), in groups that fit
    a sheet's height (filled from the top or, when a text stands across a boundary that way,
    from the bottom); a group's clip reaches as far as its texts (:func:`_rows`). None when a
    text would be cut."""
    tiles: list[_Tile] = []
    bands = geo.bands
    for x0, x1 in itertools.pairwise(cuts):
        texts = [b for b in geo.texts if b[0] >= title_x1 and x0 <= b[0] < x1]
        steps = [b for b in geo.steps.values() if x0 <= (b[0] + b[2]) / 2 < x1]
        reach = [(bb[1], bb[3]) for _, bb in bands]
        used = [False] * len(bands)
        for box in steps:
            used[_nearest(bands, (box[1] + box[3]) / 2)] = True
        near = [_nearest(bands, (box[1] + box[3]) / 2) for box in texts]
        for box, k in zip(texts, near, strict=True):
            used[k] = True
            reach[k] = (min(reach[k][0], box[1] - 1), max(reach[k][1], box[3] + 1))
        if not any(used):
            continue
        first = used.index(True)
        last = len(used) - 1 - used[::-1].index(True)
        span_of = list(range(first, last + 1))
        for order in (span_of, span_of[::-1]):
            groups: list[list[int]] = [[]]
            low, high = math.inf, -math.inf
            for k in order:
                if groups[-1] and max(high, reach[k][1]) - min(low, reach[k][0]) > clip_h - 24:
                    groups.append([])
                    low, high = math.inf, -math.inf
                groups[-1].append(k)
                low, high = min(low, reach[k][0]), max(high, reach[k][1])
            groups = sorted(groups, key=min)  # top to bottom
            rows = _rows(groups, reach, texts, near)
            if rows is not None and all(top - bottom <= clip_h for bottom, top in rows):
                break
        else:
            return None
        for (y0, y1), group in zip(rows, groups, strict=True):
            c0 = min(bands[k][1][1] for k in group)
            c1 = max(bands[k][1][3] for k in group)
            inside = {
                s
                for s, b in geo.steps.items()
                if x0 <= (b[0] + b[2]) / 2 < x1 and c0 <= (b[1] + b[3]) / 2 <= c1
            }
            holds_text = any(x0 <= b[0] and b[2] <= x1 and y0 <= b[1] and b[3] <= y1 for b in texts)
            if inside or holds_text:
                tiles.append(_Tile((x0, x1), (y0, y1), inside))
    return tiles


@dataclass
class _Plan:
    paper: tuple[float, float]  # the sheet, in points
    room: tuple[float, float]  # the paper inside its margins, in drawing points
    titles: tuple[float, float]  # the lane titles' column: x0, x1 in the whole drawing
    marker_w: float
    header_h: float
    page_beside: bool  # "page N of M" beside the title line, not above the heading
    tiles: list[_Tile]


def _plan(
    geo: _Geometry,
    diagram: Diagram,
    paper: tuple[float, float],
    room: tuple[float, float],
    marker_w: float,
    page_size: tuple[float, float],
) -> _Plan | None:
    """The sheets of ``paper`` (``room`` inside its margins, in drawing points): cuts along
    the flow and lane groups, each tile's steps and markers; None where clipping cannot keep
    every text whole on a sheet."""
    if not geo.bands or not geo.steps:
        return None
    room_w, room_h = room
    left = min(bb[0] for _, bb in geo.bands)
    title_x1 = max((box[2] for box in geo.heads.values()), default=left) + _GAP
    title_w = title_x1 - left
    label_w = geo.label[2] - geo.bb[0]
    label_h = geo.label[3] - geo.label[1]
    if label_w + _GAP > room_w:
        return None
    page_beside = geo.heading_w + page_size[0] + 24 <= room_w
    header_h = label_h + _GAP * 2 + (0 if page_beside else page_size[1] + _GAP)
    clip_w = room_w - title_w - 2 * (marker_w + _GAP)
    clip_h = room_h - header_h
    # along the flow: the union of every step's box and every text, cut in its gaps
    spans = sorted(
        [(b[0], b[2]) for b in geo.steps.values()]
        + [(b[0], b[2]) for b in geo.texts if b[0] >= title_x1]
    )
    merged: list[list[float]] = []
    for a, b in spans:
        if merged and a <= merged[-1][1] + 1:
            merged[-1][1] = max(merged[-1][1], b)
        else:
            merged.append([a, b])
    start = merged[0][0] - 8
    cuts = [start]
    for k, (a, b) in enumerate(merged):
        if b - start > clip_w - 16:
            if k == 0:
                return None  # no gap to cut in within a sheet's width
            before = merged[k - 1][1]
            cut = min((before + a) / 2, before + 12)
            cuts.append(cut)
            start = cut
            if b - start > clip_w - 16:
                return None
    cuts.append(min(max(bb[2] for _, bb in geo.bands), merged[-1][1] + 16))
    # across it: for each stretch, the bands it uses in groups that fit a sheet's height
    if any(bb[3] - bb[1] > clip_h for _, bb in geo.bands):
        return None  # one band taller than a sheet
    found = _tiles(geo, cuts, title_x1, clip_h)
    if found is None:
        return None
    tiles = found
    if len(tiles) < 2:
        return None
    page_of = {s: k for k, tile in enumerate(tiles) for s in tile.steps}
    label = {node.id: node.label for node in diagram.nodes}
    for k, tile in enumerate(tiles):
        seen: set[tuple[str, str]] = set()
        y0, y1 = tile.y
        for tail, head, points in geo.edges:
            if page_of.get(tail) == k and page_of.get(head, k) != k:
                kind, other, at = "to", head, _crossing(points, tile.x[1])
                box = geo.steps[tail]
            elif page_of.get(head) == k and page_of.get(tail, k) != k:
                kind, other, at = "from", tail, _crossing(points, tile.x[0])
                box = geo.steps[head]
            else:
                continue
            if at is None or not y0 <= at <= y1:
                at = (box[1] + box[3]) / 2
            pattern = "to page {number}: {step}" if kind == "to" else "from page {number}: {step}"
            words = tr(pattern, diagram.lang).format(
                number=page_of[other] + 1, step=shorten(label[other], 32)
            )
            if (kind, words) not in seen:
                seen.add((kind, words))
                tile.markers.append((kind, words, at, other))
    return _Plan(paper, room, (left, title_x1), marker_w, header_h, page_beside, tiles)


def _atlas_source(diagram: Diagram, plan: _Plan) -> str:
    """One graph with what differs per sheet (the page numbers, the markers), one item a
    row (cairo writes texts that share a baseline as one TJ array, which could not be split
    between sheets)."""
    pad = line_pad(diagram.font)
    font = diagram.font.replace('"', "").replace("\\", "")
    items: list[str] = []
    total = len(plan.tiles)
    for k in range(total):
        page = tr("page {number} of {total}", diagram.lang).format(number=k + 1, total=total)
        items.append(
            f'\tp{k} [label=<<FONT POINT-SIZE="18"><B>{text(page)}</B></FONT>> '
            "shape=plaintext margin=0]"
        )
    for k, tile in enumerate(plan.tiles):
        for n, (kind, words, _, _) in enumerate(tile.markers):
            shape = "larrow" if kind == "from" else "rarrow"
            margin = "0.11,0.16" if pad <= 1 else "0.17,0.16"
            items.append(
                f"\t{quote(f'@{kind}-{k}-{n}')} [label=<{_marker_label(words, pad)}> shape={shape} "
                f'margin="{margin}" style=filled fillcolor="#FFFFFF" color="#666666"]'
            )
    names = [item.split(" ", 1)[0].strip() for item in items]
    chain = [f"\t{a} -> {b} [style=invis]" for a, b in itertools.pairwise(names)]
    return "\n".join(
        [
            "digraph atlas {",
            f'\tgraph [fontname="{font}" pad=0.2 margin=0 nodesep=0.3 ranksep=0.3 rankdir=TB]',
            f'\tnode [fontname="{font}" fontsize=11]',
            *items,
            *chain,
            "}\n",
        ]
    )


def _offset(pdf: bytes, bb: Box) -> tuple[float, float]:
    """What to add to a ``dot`` point to get the point in ``pdf`` (its pad)."""
    m = _PDF_BOX.search(pdf)
    if m is None:
        raise _Unreadable("no /MediaBox")
    return (float(m.group(1)) - (bb[2] - bb[0])) / 2 - bb[0], (
        float(m.group(2)) - (bb[3] - bb[1])
    ) / 2 - bb[1]


@dataclass
class _Cut:
    """One drawing of the whole pathway and what the sheets are cut from it with."""

    whole: bytes  # the drawing's PDF
    geo: _Geometry
    plan: _Plan
    atlas: bytes  # the PDF of what differs per sheet
    atlas_doc: dict[str, Any]
    items: dict[str, Box]  # the atlas's items by name


def _cut(diagram: Diagram, page: str, orientation: str) -> _Cut | bytes | None:
    """The drawing and its cuts; or the PDF of a pathway that fits one sheet whole; or
    ``None`` where clipping cannot keep every step and text whole on a sheet."""
    paper_w, paper_h = page_area(page, orientation)
    room = ((paper_w - 2 * MARGIN) / MIN_SCALE, (paper_h - 2 * MARGIN) / MIN_SCALE)
    # as pages.sheets: the legend as wide as the paper allows, labels wrapped shorter on
    # sheets narrow along the flow (A4 landscape)
    diagram = replace(
        diagram,
        legend_columns=legend_columns(page, orientation),
        narrow=narrow_sheet("LR", page, orientation),
    )
    process = JsonDrawingProcess()
    try:
        doc, whole = process.send(draw_source(diagram, "LR", compact=True))
        width, height = _drawn_size(whole, 0, 0)
        if room[0] >= width and room[1] >= height:  # fits one sheet: as pages.sheets prints it
            return sheets_pdf([whole], page, orientation)
        geo = _geometry(doc, diagram)
        if geo.label[2] - geo.bb[0] + _GAP > room[0]:
            # The heading and legend are wider than the sheet: their columns and wrapping
            # chosen to fit it (pages.fit_title, measured by a layout process, at the width
            # the pages laid out one by one give it: a little more than a heading cut from
            # the drawing, without its pad, needs), and the whole drawn again (its bands
            # named as a later graph of a process needs).
            from pathways.render._graphviz import LayoutProcess, _steady_clusters
            from pathways.render.pages import _TITLE_SLACK, fit_title

            with LayoutProcess() as measuring:
                diagram = fit_title(diagram, room[0] - _TITLE_SLACK, measuring.layouts)
            source = _steady_clusters(draw_source(diagram, "LR", compact=True))
            doc, whole = process.send(source)
            geo = _geometry(doc, diagram)
        page_size = _page_label_size(diagram, room)
        marker_w = _MARKER_W
        for _ in range(4):
            plan = _plan(geo, diagram, (paper_w, paper_h), room, marker_w, page_size)
            if plan is None:
                return None
            atlas_doc, atlas = process.send(_atlas_source(diagram, plan))
            items = {
                str(obj["name"]): _node_box(obj)
                for obj in atlas_doc.get("objects", [])
                if "pos" in obj
            }
            widest = max(
                (b[2] - b[0] for name, b in items.items() if name.startswith("@")), default=0
            )
            if widest <= marker_w:
                return _Cut(whole, geo, plan, atlas, atlas_doc, items)
            marker_w = widest + 2  # a marker wider than planned: cut again
        return None
    finally:
        process.close()


def clipped_pdf(
    diagram: Diagram, direction: str = "LR", page: str = "A3", orientation: str = "landscape"
) -> bytes | None:
    """The PDF of ``diagram`` on sheets of ``page`` in ``orientation``, each a clipped view
    of one drawing of the whole pathway (see the module); ``None`` where clipping cannot
    keep every step and text whole on a sheet (use :func:`pathways.render.pages.sheets`)."""
    if direction != "LR":
        return None
    cut = _cut(diagram, page, orientation)
    if not isinstance(cut, _Cut):
        return cut
    try:
        return _assemble(cut.whole, cut.atlas, cut.geo, cut.plan, cut.items, cut.atlas_doc)
    except _Unreadable:
        return None


def _page_label_size(diagram: Diagram, room: tuple[float, float]) -> tuple[float, float]:
    """A generous size for "page NN of NN" at 18 pt bold, before it is drawn."""
    words = tr("page {number} of {total}", diagram.lang).format(number=99, total=99)
    return min(room[0] / 3, 14 * len(words) + 10), 30.0


def _marker_places(
    plan: _Plan, tile: _Tile, k: int, items: dict[str, Box], area_top: float
) -> list[tuple[str, float, float]] | None:
    """(atlas item, x, y) of each marker on a sheet, beside the cut its route crosses, top to
    bottom and pushed apart; None when a column runs off the sheet."""
    y1 = tile.y[1]
    left = plan.titles[1] - plan.titles[0] + _GAP
    right = left + plan.marker_w + _GAP + (tile.x[1] - tile.x[0]) + _GAP
    out = []
    for side in ("from", "to"):
        column = sorted(
            ((y, n) for n, (kind, _, y, _) in enumerate(tile.markers) if kind == side),
            reverse=True,
        )
        placed: list[tuple[str, float, float, float]] = []  # (name, x, y, height)
        below = math.inf
        for y, n in column:  # top to bottom, each at its route's height or below the last
            name = f"@{side}-{k}-{n}"
            w, h = items[name][2] - items[name][0], items[name][3] - items[name][1]
            at = min(area_top - (y1 - y) - h / 2, below - h - 2, area_top - h)
            below = at
            x = left + plan.marker_w - w if side == "from" else right
            placed.append((name, x, at, h))
        floor = 0.0
        for j in range(len(placed) - 1, -1, -1):  # then up from the bottom where they ran off
            name, x, at, h = placed[j]
            at = max(at, floor)
            if at + h > area_top:
                return None
            placed[j] = (name, x, at, h)
            floor = at + h + 2
        out += [(name, x, at) for name, x, at, _ in placed]
    return out


def _assemble(
    whole: bytes,
    atlas: bytes,
    geo: _Geometry,
    plan: _Plan,
    items: dict[str, Box],
    atlas_doc: dict[str, Any],
) -> bytes | None:
    paper = plan.paper
    room_w, room_h = plan.room
    bodies: list[bytes] = []

    def add(body: bytes) -> int:
        bodies.append(body)
        return len(bodies)

    xobject: dict[str, int] = {}
    forms: dict[str, bytes] = {}
    texts: dict[str, list[tuple[float, float, bytes]]] = {}
    heads: dict[str, bytes] = {}
    shift: dict[str, tuple[float, float]] = {}
    version = (1, 5)
    for key, data, bb in (
        ("W", whole, geo.bb),
        ("A", atlas, tuple(float(v) for v in atlas_doc["bb"].split(","))),
    ):
        m = _VERSION.match(data)
        if m is None:
            raise _Unreadable("not a PDF")
        version = max(version, (int(m.group(1)), int(m.group(2))))
        shift[key] = _offset(data, bb)  # type: ignore[arg-type]
        objects, contents, box, resources = _page_objects(data)
        base = len(bodies)
        kept = sorted(objects)
        number = {old: base + k + 1 for k, old in enumerate(kept)}
        for old in kept:
            body = objects[old]
            split = _STREAM.search(body)
            head, tail = (
                (body[: split.start() + 2], body[split.start() + 2 :]) if split else (body, b"")
            )
            head = _renumber(head, number)
            if old == contents:
                form = (
                    b"<< /Type /XObject /Subtype /Form /BBox [ %g %g %g %g ] /Resources %d 0 R"
                    % (
                        *box,
                        number[resources],
                    )
                )
                forms[key] = form
                graphics, heads[key], texts[key] = _text_blocks(tail)
                head = form + b" /Filter /FlateDecode /Length %d >>" % len(graphics)
                tail = b"\nstream\n" + graphics + b"\nendstream\n"
            bodies.append(head + tail)
        xobject[key] = number[contents]

    own: dict[tuple[str, Box], int] = {}

    def text_of(key: str, region: Box) -> int:
        """A Form XObject with the text pieces of ``key`` that start inside ``region``."""
        found = own.get((key, region))
        if found is None:
            sx, sy, w, h = region
            pieces = texts[key]  # sorted by x
            first = bisect.bisect_left(pieces, (sx - 1,))
            last = bisect.bisect_right(pieces, (sx + w + 1, math.inf))
            chosen = [piece for _, y, piece in pieces[first:last] if sy - 1 <= y <= sy + h + 1]
            data = zlib.compress(heads[key] + b"".join(chosen))
            found = add(
                forms[key]
                + b" /Filter /FlateDecode /Length %d >>\nstream\n%b\nendstream\n"
                % (len(data), data)
            )
            own[(key, region)] = found
        return found

    pages = []
    for k, tile in enumerate(plan.tiles):
        used: set[int] = set()
        ops = [
            b"q %.5f 0 0 %.5f %.3f %.3f cm"
            % (MIN_SCALE, MIN_SCALE, MARGIN, paper[1] - MARGIN - room_h * MIN_SCALE)
        ]

        def place(
            key: str,
            box: Box,
            dx: float,
            dy: float,
            ops: list[bytes] = ops,
            used: set[int] = used,
        ) -> None:
            """The region ``box`` (dot points) of drawing ``key``, its lower left corner
            placed at (dx, dy) on the sheet."""
            ox, oy = shift[key]
            region = (box[0] + ox, box[1] + oy, box[2] - box[0], box[3] - box[1])
            own_text = text_of(key, region)
            used.add(own_text)
            ops.append(
                b"q 1 0 0 1 %.3f %.3f cm %.3f %.3f %.3f %.3f re W n /%b Do /T%d Do Q"
                % (dx - region[0], dy - region[1], *region, key.encode(), own_text)
            )

        label = geo.label
        band_top = max(bb[3] for _, bb in geo.bands)
        label_box = (geo.bb[0], max(label[1] - _GAP, band_top + 0.5), label[2] + _GAP, label[3])
        label_h = label_box[3] - label_box[1]
        page_box = items[f"p{k}"]
        page_w, page_h = page_box[2] - page_box[0], page_box[3] - page_box[1]
        if plan.page_beside:  # over the heading's white ground, after it
            place("W", label_box, 0, room_h - label_h)
            place("A", page_box, room_w - page_w, room_h - page_h - _GAP)
        else:
            place("A", page_box, 0, room_h - page_h)
            place("W", label_box, 0, room_h - page_h - _GAP - label_h)
        area_top = room_h - plan.header_h
        y0, y1 = tile.y
        bottom = area_top - (y1 - y0)
        title_x0, title_x1 = plan.titles
        place("W", (title_x0, y0, title_x1, y1), 0, bottom)
        body_x = (title_x1 - title_x0) + _GAP + plan.marker_w + _GAP
        place("W", (tile.x[0], y0, tile.x[1], y1), body_x, bottom)
        markers = _marker_places(plan, tile, k, items, area_top)
        if markers is None:
            return None
        for name, x, y in markers:
            place("A", items[name], x, y)
        ops.append(b"Q")
        content = zlib.compress(b"\n".join(ops))
        stream = add(
            b"\n<< /Filter /FlateDecode /Length %d >>\nstream\n%b\nendstream\n"
            % (len(content), content)
        )
        pages.append((stream, sorted(used)))
    tree = len(bodies) + len(pages) + 1
    numbers = []
    for stream, used_texts in pages:
        refs = b"".join(b" /T%d %d 0 R" % (n, n) for n in used_texts)
        numbers.append(
            add(
                b"\n<< /Type /Page /Parent %d 0 R /MediaBox [ 0 0 %.2f %.2f ] /Contents %d 0 R "
                b"/Resources << /XObject << /W %d 0 R /A %d 0 R%b >> >> >>\n"
                % (tree, *paper, stream, xobject["W"], xobject["A"], refs)
            )
        )
    return _pdf_file(bodies, numbers, version)


def _renumber(part: bytes, number: dict[int, int]) -> bytes:
    return _REF.sub(lambda r: b"%d 0 R" % number[int(r.group(1))], part)


def _page_objects(data: bytes) -> tuple[dict[int, bytes], int, Box, int]:
    """(objects but the catalogue, page tree, page and info; the content stream's number;
    the page's media box; its resources' number) of a one-page PDF from cairo."""
    objects, trailer = _pdf_objects(data)
    root = _ref(trailer, b"Root")
    tree = _ref(objects[root], b"Pages")
    kids = re.search(rb"/Kids\s*\[\s*(\d+) 0 R\s*\]", objects[tree])
    if kids is None:
        raise _Unreadable("not one page")
    leaf = int(kids.group(1))
    page = objects[leaf]
    box = _BOX.search(page)
    if box is None:
        raise _Unreadable("no /MediaBox")
    skip = {root, tree, leaf}
    if re.search(rb"/Info\s+\d+ 0 R", trailer):
        skip.add(_ref(trailer, b"Info"))
    x0, y0, x1, y1 = (float(v) for v in box.groups())
    kept = {n: b for n, b in objects.items() if n not in skip}
    return kept, _ref(page, b"Contents"), (x0, y0, x1, y1), _ref(page, b"Resources")


_BLOCK = re.compile(rb"(?m)^([^\n]*?)BT\n(.*?)\nET\n", re.S)
_FLIP = re.compile(rb"^1 0 0 -1 0 ([0-9.]+) cm\n")
_MOVE = re.compile(
    rb"(?m)^(?:([-0-9.]+) ([-0-9.]+) ([-0-9.]+) ([-0-9.]+) ([-0-9.]+) ([-0-9.]+) Tm"
    rb"|([-0-9.]+) ([-0-9.]+) Td)\s*$"
)
_FONT = re.compile(rb"/[^\s/]+ [0-9.]+ Tf")
_FILL = re.compile(rb"(?:[-0-9.]+ ){3}rg")


def _last(block: bytes, before: int, op: bytes) -> bytes | None:
    """The last operation ``op`` (cairo writes it on a line of its own, or after others on
    its line) before position ``before``, with its operands."""
    at = block.rfind(op + b"\n", 0, before)
    if at < 0:
        return None
    line = block[block.rfind(b"\n", 0, at) + 1 : at + len(op)]
    m = (_FONT if op == b" Tf" else _FILL).search(line)
    return m.group() if m else None


def _pieces(block: bytes, height: float, colour: bytes) -> list[tuple[float, float, bytes]]:
    """One cairo text block (between BT and ET) cut at every Tm and Td (cairo writes each on
    a line of its own) that is not inside a marked-content span (``BDC ... EMC``: cairo's
    ActualText around a Khmer cluster): each piece with the point it starts at (PDF
    coordinates) and written as a block of its own (its matrix, font and colour first)."""
    cuts: list[tuple[int, tuple[float, ...]]] = []
    matrix: tuple[float, ...] = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)
    for m in _MOVE.finditer(block):
        if m.group(1) is not None:
            matrix = tuple(float(v) for v in m.groups()[:6])
        else:
            a, b, c, d, e, f = matrix
            tx, ty = float(m.group(7)), float(m.group(8))
            matrix = (a, b, c, d, e + tx * a + ty * c, f + tx * b + ty * d)
        if not cuts or block.count(b"BDC", 0, m.start()) == block.count(b"EMC", 0, m.start()):
            cuts.append((m.start(), matrix))
    out: list[tuple[float, float, bytes]] = []
    for k, (at, (a, b, c, d, e, f)) in enumerate(cuts):
        end = cuts[k + 1][0] if k + 1 < len(cuts) else len(block)
        body = block[block.index(b"\n", at) + 1 if b"\n" in block[at:end] else end : end]
        if not body.strip():
            continue
        font = _last(block, at, b" Tf") or b""
        fill = _last(block, at, b" rg") or colour
        head = b"BT\n%g %g %g %g %g %g Tm %b %b\n" % (a, b, c, d, e, f, font, fill)
        out.append((e, height - f, head + body + b"\nET\n"))
    return out


def _text_blocks(stream_and_tail: bytes) -> tuple[bytes, bytes, list[tuple[float, float, bytes]]]:
    """cairo's page content (compressed, after ``stream``) without its text (compressed),
    the content's first transformation, and its text in pieces (:func:`_pieces`) sorted by
    where they start."""
    start = stream_and_tail.index(b"stream") + len(b"stream")
    start += 2 if stream_and_tail[start : start + 2] == b"\r\n" else 1
    end = stream_and_tail.rindex(b"endstream")
    try:
        raw = zlib.decompress(stream_and_tail[start:end])
    except zlib.error:
        raise _Unreadable("a page content that is not deflated") from None
    flip = _FLIP.match(raw)
    if flip is None:
        raise _Unreadable("not cairo's page content")
    height = float(flip.group(1))
    found: list[tuple[float, float, bytes]] = []

    def take(m: re.Match[bytes]) -> bytes:
        colour = re.findall(rb"[-0-9. ]+ rg", m.group(1))
        found.extend(_pieces(m.group(2), height, colour[-1].strip() if colour else b""))
        return m.group(1) + b"\n"

    graphics = _BLOCK.sub(take, raw)
    found.sort()
    return zlib.compress(graphics), flip.group(0), found
