"""A prototype, for measuring only: A3 sheets cut from ONE drawing of the whole pathway.

Built into the library as :mod:`pathways.render.clip` (issue 18, sixth wave-2 session), which
is what ``render`` now prints; this script is kept for the figures it gave the session before
(``bench/results/render_clip_prototype.md``, ``docs/performance.md``).

Issue 18's goal is an A3 PDF at most 2x a one-page PDF. The pagination of
``pathways.render.pages`` lays every page out on its own (a layout process, then a drawing
process that lays out and draws each sheet as a cairo PDF of its own) and stays near 3x. This
prototype times the other design, the one the previous session left as the idea: the whole
pathway laid out and drawn once (the one-page PDF's work), each sheet a clipped view of that
one PDF page, with what a sheet adds (its heading, the compact legend, the lane titles, the
continuation markers) drawn once more as an "atlas" graph (every item once, one under
another) and placed by clipping too: by a second ``dot`` process warmed up beside the first, or
(``one_process``) as the second graph written to the same process once the cuts are planned.
Both drawings enter the output as PDF Form XObjects; a sheet is a few ``q ... re W n ... Do Q``
operators. A tile without a step is left out (the markers name the pages).

What is left out or rough, on purpose (it is for timing and for counting sheets, not for
printing): the cuts are planned with estimated sizes of the heading with its legend, the lane
titles and the markers (:data:`ESTIMATES`), checked against the atlas's own (when one is
larger, the cuts are planned again and the atlas drawn again: no bundled pathway needs it);
a marker for an edge between lane groups sits at its step's height; markers are only pushed
apart within their column; LR on A3 landscape only (English or Khmer). Without
``split_text`` every sheet carries the whole drawing's text (clipped from view); with it,
each drawing's text blocks are cut at every text move and each placed region gets only the
pieces that start inside it (labels that cairo writes as one TJ array on a shared baseline
are not cut: a few stray words remain). Run: ``python bench/clip_prototype.py [--write
DIR]`` (the eight pathways of ``bench_render.py --pagination`` and P1 in Khmer: one page,
today's sheets and the prototypes interleaved; with ``--write`` the sheets with their own
text are written to DIR to look at; the table also goes to
``bench/results/render_clip_prototype.md``).
"""

from __future__ import annotations

import bisect
import itertools
import json
import math
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
import zlib
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_render import with_agencies
from common import REPO, md_table, shared_module, to_document

import pathways as pw
from pathways.i18n import tr
from pathways.render import _graphviz
from pathways.render._text import shorten, wrap
from pathways.render.dot import _lane_label, _legend, _lines, _small, draw_source, text
from pathways.render.extract import FONT, Diagram, extract
from pathways.render.pages import MARGIN, MIN_SCALE, legend_columns, page_area

PAD = 14.4  # the drawing's pad (0.2 in): a dot coordinate + PAD is a PDF coordinate


def _unwrap(text_: str) -> str:
    return text_.replace("\\\n", "")


_CLUSTER_BB = re.compile(r'subgraph "?%?(?:cluster_)?([\w-]+)"? \{\s*graph \[[^\]]*?bb="([^"]+)"')
_NODE_POS = re.compile(r'^\t+("(?:[^"\\]|\\.)*"|[\w.@-]+)\t\[(.*?)\];$', re.M | re.S)
_EDGE = re.compile(
    r'^\t+("(?:[^"\\]|\\.)*"|[\w.@-]+) -> ("(?:[^"\\]|\\.)*"|[\w.@-]+)\t\[(.*?)\];$', re.M | re.S
)


def _attr(attrs: str, key: str) -> str | None:
    m = re.search(rf'(?:^|[\s,]){key}="([^"]*)"', attrs)
    if m:
        return m.group(1)
    m = re.search(rf"(?:^|[\s,]){key}=([\w.]+)", attrs)
    return m.group(1) if m else None


def geometry(dot_out: str) -> dict[str, Any]:
    """Cluster boxes, node boxes and edge points of ``dot -Tdot`` output, in dot points."""
    text_ = _unwrap(dot_out)
    graph_bb = [float(v) for v in re.search(r'bb="([^"]+)"', text_).group(1).split(",")]  # type: ignore[union-attr]
    lanes = {name: [float(v) for v in bb.split(",")] for name, bb in _CLUSTER_BB.findall(text_)}
    nodes: dict[str, tuple[float, float, float, float]] = {}
    for name, attrs in _NODE_POS.findall(text_):
        pos = _attr(attrs, "pos")
        if pos is None or " -> " in name:
            continue
        x, y = (float(v) for v in pos.split(","))
        w = float(_attr(attrs, "width") or 0) * 72
        h = float(_attr(attrs, "height") or 0) * 72
        nodes[name.strip('"')] = (x, y, w, h)
    edges = []
    for tail, head, attrs in _EDGE.findall(text_):
        pos = _attr(attrs, "pos")
        if pos is None:
            continue
        points = [
            tuple(float(v) for v in p.split(","))
            for p in pos.split()
            if not p.startswith(("e,", "s,"))
        ]
        edges.append((tail.strip('"'), head.strip('"'), points))
    return {"bb": graph_bb, "lanes": lanes, "nodes": nodes, "edges": edges}


def _crossing_y(points: list[tuple[float, ...]], x: float) -> float | None:
    for (x0, y0), (x1, y1) in itertools.pairwise(points):
        if (x0 - x) * (x1 - x) <= 0 and x0 != x1:
            return y0 + (y1 - y0) * (x - x0) / (x1 - x0)
    return None


ESTIMATES = {"title_w": 212.0, "marker_w": 120.0, "header_h": 100.0}
"""What the cuts are first planned with: the lane title column, each marker column and the
heading with the compact legend (points at drawing size); the atlas then says the real sizes,
and the cuts are planned again (and the atlas drawn again) when one is larger."""


def plan(
    diagram: Diagram, geo: dict[str, Any], sizes: dict[str, float] = ESTIMATES
) -> dict[str, Any]:
    """Cuts along the flow (between steps) and lane groups (between bands) for A3 landscape
    at MIN_SCALE; the tiles, their markers."""
    paper_w, paper_h = page_area("A3", "landscape")
    room_w, room_h = (paper_w - 2 * MARGIN) / MIN_SCALE, (paper_h - 2 * MARGIN) / MIN_SCALE
    title_w, marker_w, header_h = sizes["title_w"], sizes["marker_w"], sizes["header_h"]
    clip_w = room_w - title_w - 2 * marker_w
    clip_h = room_h - header_h
    steps = {node.id for node in diagram.nodes}
    nodes = geo["nodes"]
    lanes = [(key, geo["lanes"][key]) for key in (lane.key for lane in diagram.lanes)] + (
        [("outcomes", geo["lanes"]["outcomes"])] if "outcomes" in geo["lanes"] else []
    )
    left = min(bb[0] for _, bb in lanes)
    first_step = min(nodes[s][0] - nodes[s][2] / 2 for s in steps) - 8
    # segments along x: greedy over the steps' extents, cut only in a gap between steps (no
    # step crosses a cut); a step belongs to the segment its left edge is in
    order = sorted(steps, key=lambda s: nodes[s][0] - nodes[s][2] / 2)
    cuts = [first_step]
    start = first_step
    reach = first_step  # the right edge of the segment's steps so far
    gap: tuple[float, int] | None = None  # the segment's last gap: (its middle, next step)
    k = 0
    while k < len(order):
        x, _, w, _ = nodes[order[k]]
        if k and x - w / 2 > reach:
            gap = (min((reach + x - w / 2) / 2, reach + 12), k)
        # 40 pt for the half gaps at both cuts and the bands' end margin
        if x + w / 2 - start > clip_w - 40 and gap is not None:
            start, k = gap
            cuts.append(start)
            reach, gap = start, None
            continue
        reach = max(reach, x + w / 2)
        k += 1
    # the last segment ends a little after its last step (the bands' ends are left out)
    cuts.append(
        min(
            max(bb[2] for _, bb in lanes),
            max(x + w / 2 for x, _, w, _ in map(nodes.get, steps)) + 16,
        )
    )
    segments = list(itertools.pairwise(cuts))
    # lane groups: top to bottom (dot's y grows upwards)
    groups: list[list[tuple[str, list[float]]]] = [[]]
    top = None
    for key, bb in lanes:
        if groups[-1] and top is not None and top - bb[1] > clip_h:
            groups.append([])
        if not groups[-1]:
            top = bb[3]
        groups[-1].append((key, bb))
    tiles = []
    empty = 0
    for x0, x1 in segments:  # sheet order: along the flow, then down the lane groups
        for g in groups:
            y0, y1 = min(bb[1] for _, bb in g), max(bb[3] for _, bb in g)
            keys = {key for key, _ in g}
            inside = {
                s
                for s in steps
                if x0 <= nodes[s][0] - nodes[s][2] / 2 < x1 and y0 <= nodes[s][1] <= y1
            }
            if not inside:  # a tile without a step is not printed: markers name the pages
                empty += 1
                continue
            tiles.append({"x": (x0, x1), "y": (y0, y1), "lanes": keys, "steps": inside})
    page_of = {}
    for k, tile in enumerate(tiles):
        for s in tile["steps"]:
            page_of[s] = k
    label = {node.id: node.label for node in diagram.nodes}
    for k, tile in enumerate(tiles):
        markers = []
        for tail, head, points in geo["edges"]:
            if tail not in page_of or head not in page_of:
                continue
            y0, y1 = tile["y"]
            if page_of[tail] == k and page_of[head] != k:
                y = _crossing_y(points, tile["x"][1])
                y = nodes[tail][1] if y is None or not y0 <= y <= y1 else y
                words = tr("to page {number}: {step}", diagram.lang)
                step = shorten(label[head], 32)
                markers.append(("to", words.format(number=page_of[head] + 1, step=step), y))
            elif page_of[head] == k and page_of[tail] != k:
                y = _crossing_y(points, tile["x"][0])
                y = nodes[head][1] if y is None or not y0 <= y <= y1 else y
                words = tr("from page {number}: {step}", diagram.lang)
                step = shorten(label[tail], 32)
                markers.append(("from", words.format(number=page_of[tail] + 1, step=step), y))
        tile["markers"] = markers
    return {
        "sizes": sizes,
        "empty": empty,
        "tiles": tiles,
        "left": left,
        "title_w": title_w,
        "marker_w": marker_w,
        "header_h": header_h,
        "room": (room_w, room_h),
        "lanes": dict(lanes),
    }


def atlas_source(diagram: Diagram, layout: dict[str, Any]) -> tuple[str, list[str]]:
    """One graph with every item a sheet adds, each a node (named in the returned order)."""
    columns = legend_columns("A3", "landscape")
    items: list[tuple[str, str, str]] = []  # (name, label, shape attrs)
    total = len(layout["tiles"])
    for k in range(total):
        page = tr("page {number} of {total}", diagram.lang).format(number=k + 1, total=total)
        heading = f"{text(diagram.title)} · {text(page)}"
        items.append(
            (
                f"h{k}",
                f'<<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0"><TR><TD ALIGN="LEFT">'
                f'<FONT POINT-SIZE="18"><B>{heading}</B></FONT></TD></TR></TABLE>>',
                "shape=plaintext margin=0",
            )
        )
    items.append(("legend", f"<{_legend(diagram, True, columns)}>", "shape=plaintext margin=0"))
    for lane in diagram.lanes:
        items.append(
            (
                f"t_{lane.key}",
                _lane_label(lane, 1 if diagram.font == FONT else 4, diagram.lang),
                "shape=plaintext width=2.6 fixedsize=shape",
            )
        )
    for k, tile in enumerate(layout["tiles"]):
        for n, (kind, words, _) in enumerate(tile["markers"]):
            shape = "larrow" if kind == "from" else "rarrow"
            items.append(
                (
                    f"m{k}_{n}",
                    f"<{_small(_lines(wrap(words, 18)), '#222222')}>",
                    f'shape={shape} margin="0.11,0.16" style=filled '
                    'fillcolor="#FFFFFF" color="#666666"',
                )
            )
    lines = [
        "digraph atlas {",
        f'\tgraph [fontname="{diagram.font}" pad=0.2 margin=0 nodesep=0.3 ranksep=0.3]',
        f'\tnode [fontname="{diagram.font}" fontsize=11]',
        f'\tedge [fontname="{diagram.font}"]',
    ]
    for name, label, attrs in items:
        lines.append(f"\t{name} [label={label} {attrs}]")
    # rows of 8 items: same rank within a row, rows chained
    names = [name for name, _, _ in items]
    # one item a row: cairo writes labels that share a baseline as one TJ array, which
    # split_text could not cut between items
    rows = [names[k : k + 1] for k in range(len(names))]
    for row in rows:
        lines.append("\t{ rank=same; " + " ".join(row) + " }")
    for upper, lower in itertools.pairwise(rows):
        lines.append(f"\t{upper[0]} -> {lower[0]} [style=invis]")
    lines.append("}")
    return "\n".join(lines) + "\n", names


def _plain_nodes(plain: bytes) -> dict[str, tuple[float, float, float, float]]:
    out = {}
    for line in plain.decode().splitlines():
        if line.startswith("node "):
            parts = line.split()
            out[parts[1]] = tuple(float(v) * 72 for v in parts[2:6])
    return out  # type: ignore[return-value]


def _page_xobject(
    data: bytes,
) -> tuple[dict[int, bytes], int, tuple[float, float, float, float], int]:
    """(objects, content stream number, media box, resources object number) of cairo's PDF."""
    from pathways.render.pages import _pdf_objects, _ref

    objects, trailer = _pdf_objects(data)
    root = _ref(trailer, b"Root")
    tree = _ref(objects[root], b"Pages")
    leaf = int(re.search(rb"/Kids\s*\[\s*(\d+) 0 R", objects[tree]).group(1))  # type: ignore[union-attr]
    page = objects[leaf]
    box = [float(v) for v in re.search(rb"/MediaBox\s*\[([^\]]*)\]", page).group(1).split()]  # type: ignore[union-attr]
    contents = _ref(page, b"Contents")
    resources = _ref(page, b"Resources")
    skip = {root, tree, leaf}
    if re.search(rb"/Info\s+\d+ 0 R", trailer):
        skip.add(_ref(trailer, b"Info"))
    return {n: b for n, b in objects.items() if n not in skip}, contents, tuple(box), resources  # type: ignore[return-value]


_BLOCK = re.compile(rb"(?m)^([^\n]*?)BT\n(.*?)\nET\n", re.S)
_FLIP = re.compile(rb"^1 0 0 -1 0 ([0-9.]+) cm\n")


_MOVE = re.compile(
    rb"(?m)^(?:([-0-9.]+) ([-0-9.]+) ([-0-9.]+) ([-0-9.]+) ([-0-9.]+) ([-0-9.]+) Tm"
    rb"|([-0-9.]+) ([-0-9.]+) Td)\s*$"
)
_FONT = re.compile(rb"/[^\s/]+ [0-9.]+ Tf")
_FILL = re.compile(rb"(?:[-0-9.]+ ){3}rg")


def _last(block: bytes, before: int, op: bytes) -> bytes | None:
    """The last operation ``op`` (cairo writes it on a line of its own, or after other
    operations on its line) before position ``before``, with its operands."""
    at = block.rfind(op + b"\n", 0, before)
    if at < 0:
        return None
    line = block[block.rfind(b"\n", 0, at) + 1 : at + len(op)]
    m = (_FONT if op == b" Tf" else _FILL).search(line)
    return m.group() if m else None


def _pieces(block: bytes, height: float, colour: bytes) -> list[tuple[float, float, bytes]]:
    """One cairo text block (between BT and ET) cut at every Tm and Td (cairo writes each on
    a line of its own) that is not inside a marked-content span (``BDC ... EMC``: cairo's
    ActualText around a Khmer cluster): each piece with the position it starts at (PDF
    coordinates) and written as a block of its own (its matrix, font and colour set first),
    so that pieces of different labels can go to different sheets."""
    moves = list(_MOVE.finditer(block))
    if not moves:
        return []
    cuts: list[tuple[int, tuple[float, ...]]] = []  # (where a piece starts, its matrix)
    matrix: tuple[float, ...] = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)
    for m in moves:
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


def _text_blocks(
    stream_and_tail: bytes, box: tuple[float, float, float, float]
) -> tuple[bytes, tuple[bytes, list[tuple[float, float, bytes]]]]:
    """cairo's page content (compressed, after ``stream``) without its text, and its text in
    pieces (:func:`_pieces`): (the content's first transformation, [(x, y, piece)])."""
    start = stream_and_tail.index(b"stream") + len(b"stream")
    start += 2 if stream_and_tail[start : start + 2] == b"\r\n" else 1
    end = stream_and_tail.rindex(b"endstream")
    raw = zlib.decompress(stream_and_tail[start:end])
    flip = _FLIP.match(raw)
    if flip is None:
        raise ValueError("not cairo's page content")
    height = float(flip.group(1))
    found: list[tuple[float, float, bytes]] = []

    def take(m: re.Match[bytes]) -> bytes:
        colour = re.findall(rb"[-0-9. ]+ rg", m.group(1))
        found.extend(_pieces(m.group(2), height, colour[-1].strip() if colour else b""))
        return m.group(1) + b"\n"

    graphics = _BLOCK.sub(take, raw)
    _ = box
    found.sort()
    return zlib.compress(graphics), (flip.group(0), found)


def assemble(
    whole: bytes,
    atlas: bytes,
    atlas_nodes: dict[str, tuple[float, float, float, float]],
    layout: dict[str, Any],
    split_text: bool = False,
) -> bytes:
    """The sheets: each a clipped view of the whole drawing and of atlas items.
    ``split_text``: each drawing's text blocks (cairo's ``BT ... ET``) are taken out of its
    shared Form XObject and each placed region gets a Form XObject of its own with only the
    blocks that start inside it, so a sheet's text is what the sheet shows (without it, every
    sheet carries all the text, clipped from view)."""
    paper_w, paper_h = page_area("A3", "landscape")
    bodies: list[bytes] = []

    def add(body: bytes) -> int:
        bodies.append(body)
        return len(bodies)

    xobject = {}
    forms: dict[str, tuple[bytes, tuple[float, float, float, float]]] = {}
    blocks: dict[str, tuple[bytes, list[tuple[float, float, bytes]]]] = {}
    for key, data in (("W", whole), ("A", atlas)):
        objects, contents, box, resources = _page_xobject(data)
        base = len(bodies)
        kept = sorted(objects)
        number = {old: base + k + 1 for k, old in enumerate(kept)}
        ref = re.compile(rb"\b(\d+) 0 R\b")
        for old in kept:
            body = objects[old]
            split = re.search(rb">>\s*stream\r?\n", body)
            head, tail = (
                (body[: split.start() + 2], body[split.start() + 2 :]) if split else (body, b"")
            )
            head = ref.sub(lambda r, number=number: b"%d 0 R" % number[int(r.group(1))], head)
            if old == contents:
                form = (
                    b"<< /Type /XObject /Subtype /Form /BBox [ %g %g %g %g ] /Resources %d 0 R"
                    % (
                        *box,
                        number[resources],
                    )
                )
                forms[key] = (form, box)
                if split_text:
                    graphics, blocks[key] = _text_blocks(tail, box)
                    head, tail = (
                        form + b" /Filter /FlateDecode /Length %d >>" % len(graphics),
                        (b"\nstream\n" + graphics + b"\nendstream\n"),
                    )
                else:
                    head = head.replace(b"<<", form, 1)
            bodies.append(head + tail)
        xobject[key] = number[contents]

    text_forms: dict[tuple[bytes, tuple[float, ...]], int] = {}

    def text_of(key: bytes, region: tuple[float, float, float, float]) -> int | None:
        """A Form XObject with the text blocks of ``key`` that start inside ``region``."""
        if not split_text:
            return None
        name = key.decode()
        found = text_forms.get((key, region))
        if found is None:
            sx, sy, w, h = region
            pieces = blocks[name][1]  # sorted by x
            first = bisect.bisect_left(pieces, (sx - 1,))
            last = bisect.bisect_right(pieces, (sx + w + 1, math.inf))
            chosen = [block for _, y, block in pieces[first:last] if sy - 1 <= y <= sy + h + 1]
            data = zlib.compress(blocks[name][0] + b"".join(chosen))
            form = forms[name][0]
            found = add(
                form
                + b" /Filter /FlateDecode /Length %d >>\nstream\n%b\nendstream\n"
                % (len(data), data)
            )
            text_forms[(key, region)] = found
        return found

    def atlas_box(name: str) -> tuple[float, float, float, float]:
        return atlas_nodes[name]

    room_h = layout["room"][1]
    scale = MIN_SCALE
    pages = []
    for k, tile in enumerate(layout["tiles"]):
        used: set[int] = set()
        ops = [
            b"q %.5f 0 0 %.5f %.3f %.3f cm"
            % (scale, scale, MARGIN, paper_h - MARGIN - room_h * scale)
        ]

        def place(
            key: bytes,
            sx: float,
            sy: float,
            w: float,
            h: float,
            dx: float,
            dy: float,
            ops: list[bytes] = ops,
            used: set[int] = used,
        ) -> None:
            # the source region (sx, sy, w, h) drawn with its lower left corner at (dx, dy)
            text = text_of(key, (sx, sy, w, h))
            extra = b"" if text is None else b" /T%d Do" % text
            if text is not None:
                used.add(text)
            ops.append(
                b"q 1 0 0 1 %.3f %.3f cm %.3f %.3f %.3f %.3f re W n /%b Do%b Q"
                % (dx - sx, dy - sy, sx, sy, w, h, key, extra)
            )

        top = room_h
        hx, hy, hw, hh = atlas_box(f"h{k}")
        place(b"A", hx, hy, hw, hh, 0, top - hh)
        lx, ly, lw, lh = atlas_box("legend")
        place(b"A", lx, ly, lw, lh, 0, top - hh - lh - 4)
        area_top = top - layout["header_h"]
        y0, y1 = tile["y"]
        x0, x1 = tile["x"]
        # the whole drawing's region, below the header, after the titles and incoming markers
        dx = layout["title_w"] + layout["marker_w"]
        place(b"W", x0 + PAD, y0 + PAD, x1 - x0, y1 - y0, dx, area_top - (y1 - y0))
        for key in tile["lanes"]:
            bb = layout["lanes"][key]
            if f"t_{key}" in atlas_nodes:
                tx, ty, tw, th = atlas_box(f"t_{key}")
                place(b"A", tx, ty, tw, th, 0, area_top - (y1 - bb[3]) - th - 4)
        # markers beside the cut they cross, top to bottom, pushed apart not to overlap
        for side in ("from", "to"):
            below = area_top + 1e9
            column = sorted(
                (y, n) for n, (kind, _, y) in enumerate(tile["markers"]) if kind == side
            )
            for y, n in reversed(column):
                mx, my, mw, mh = atlas_box(f"m{k}_{n}")
                at_x = layout["title_w"] if side == "from" else dx + (x1 - x0)
                at_y = min(area_top - (y1 - y) - mh / 2, below - mh - 2, area_top - mh)
                below = at_y
                place(b"A", mx, my, mw, mh, at_x, at_y)
        ops.append(b"Q")
        content = b"\n".join(ops)
        stream = add(b"\n<< /Length %d >>\nstream\n%b\nendstream\n" % (len(content), content))
        pages.append((stream, sorted(used)))
    tree = len(bodies) + len(pages) + 1
    page_numbers = []
    for stream, texts in pages:
        own = b"".join(b" /T%d %d 0 R" % (n, n) for n in texts)
        page_numbers.append(
            add(
                b"\n<< /Type /Page /Parent %d 0 R /MediaBox [ 0 0 %.2f %.2f ] /Contents %d 0 R "
                b"/Resources << /XObject << /W %d 0 R /A %d 0 R%b >> >> >>\n"
                % (tree, paper_w, paper_h, stream, xobject["W"], xobject["A"], own)
            )
        )
    kids = b" ".join(b"%d 0 R" % n for n in page_numbers)
    add(b"\n<< /Type /Pages /Kids [ %b ] /Count %d >>\n" % (kids, len(page_numbers)))
    catalog = add(b"\n<< /Type /Catalog /Pages %d 0 R >>\n" % tree)
    out = bytearray(b"%PDF-1.5\n%\xb5\xed\xae\xfb\n")
    offsets = []
    for n, body in enumerate(bodies, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj%bendobj\n" % (n, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(bodies) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(bodies) + 1,
        catalog,
        xref,
    )
    return bytes(out)


class _OneProcess:
    """One ``dot -Tdot -Tpdf`` process fed graph after graph: the whole drawing first, then,
    once the cuts are planned from its layout, the atlas (which has no clusters, so the
    second graph of the process draws the same bytes every run)."""

    def __init__(self) -> None:
        self.process = subprocess.Popen(
            ["dot", "-Kdot", "-Tdot", "-Tpdf:cairo"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        self.buffer = b""

    def send(self, source: str) -> tuple[str, bytes]:
        """The ``-Tdot`` text and the PDF of one graph."""
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(source.encode("utf-8") + b"\n")
        self.process.stdin.flush()
        while True:
            start = self.buffer.find(b"%PDF-")
            if start >= 0:
                for end in _EOF.finditer(self.buffer, start):
                    if self.buffer.startswith(b"xref", start + int(end.group(1))):
                        dot_out = self.buffer[:start].decode("utf-8")
                        pdf = _graphviz._steady(self.buffer[start : end.end()], "pdf")
                        self.buffer = self.buffer[end.end() :]
                        return dot_out, pdf
            chunk = os.read(self.process.stdout.fileno(), 1 << 16)
            if not chunk:
                raise RuntimeError("dot ended")
            self.buffer += chunk

    def close(self) -> None:
        for pipe in (self.process.stdin, self.process.stdout):
            if pipe is not None:
                pipe.close()
        self.process.wait()


_EOF = re.compile(rb"startxref\r?\n(\d+)\r?\n%%EOF\r?\n")


def measured(
    atlas_nodes: dict[str, tuple[float, float, float, float]], planned: dict[str, float]
) -> dict[str, float]:
    """``planned``, each size raised to what the atlas drew when it is larger."""
    headings = [h for name, (_, _, _, h) in atlas_nodes.items() if name.startswith("h")]
    titles = [w for name, (_, _, w, _) in atlas_nodes.items() if name.startswith("t_")]
    markers = [w for name, (_, _, w, _) in atlas_nodes.items() if name.startswith("m")]
    need = {
        "header_h": max(headings, default=0) + atlas_nodes["legend"][3] + 12,
        "title_w": max(titles, default=0) + 6,
        "marker_w": max(markers, default=0) + 6,
    }
    return {key: max(planned[key], need[key]) for key in planned}


def clipped_a3(
    p: pw.Pathway, one_process: bool = False, split_text: bool = False, lang: str | None = None
) -> tuple[bytes, int, int]:
    """The prototype's A3 PDF of ``p``: (bytes, sheets, tiles without a step left out).
    ``one_process``: the whole drawing and the atlas from one ``dot`` process, in turn;
    otherwise the atlas process starts first and warms up beside the whole drawing.
    ``split_text``: see :func:`assemble`. ``lang``: the language drawn (``km``: Khmer)."""
    diagram = extract(p, lang=lang)
    source = draw_source(
        diagram, "LR", compact=True, legend_columns=legend_columns("A3", "landscape")
    )
    if one_process:
        process = _OneProcess()
        try:
            dot_out, whole = process.send(source)
            geo = geometry(dot_out)
            layout = plan(diagram, geo)
            while True:
                atlas, _ = atlas_source(diagram, layout)
                atlas_out, atlas_pdf = process.send(atlas)
                atlas_nodes = {
                    name: (x - w / 2 + PAD, y - h / 2 + PAD, w, h)
                    for name, (x, y, w, h) in geometry(atlas_out)["nodes"].items()
                }
                sizes = measured(atlas_nodes, layout["sizes"])
                if sizes == layout["sizes"]:
                    break
                layout = plan(diagram, geo, sizes)  # a size was larger than planned
                layout["replanned"] = True
        finally:
            process.close()
    else:
        atlas_process = _graphviz.DrawingProcess(
            diagram.font, "Ag 9 \u25b7\u2b21\u2506\u25ce\u2501\u25b6\u21e8"
        )
        try:
            data = _graphviz._dot(source, ["dot", "pdf"])
            at = data.index(b"%PDF-")
            dot_out, whole = data[:at].decode(), _graphviz._steady(data[at:], "pdf")
            geo = geometry(dot_out)
            layout = plan(diagram, geo)
            atlas, _ = atlas_source(diagram, layout)
            ((atlas_plain, atlas_pdf),) = atlas_process.draw([atlas])
        finally:
            atlas_process.close()
        atlas_nodes = {
            name: (x - w / 2 + PAD, y - h / 2 + PAD, w, h)
            for name, (x, y, w, h) in _plain_nodes(atlas_plain).items()
        }
    pdf = assemble(whole, atlas_pdf, atlas_nodes, layout, split_text)
    REPLANNED[p.id] = bool(layout.get("replanned"))
    return pdf, len(layout["tiles"]), layout["empty"]


REPLANNED: dict[str, bool] = {}
"""Whether the last one-process drawing of a pathway (by id) planned its cuts twice."""


def main() -> None:
    import resource

    if "--help" in sys.argv or "-h" in sys.argv:
        print(__doc__)
        return

    named: list[tuple[str, pw.Pathway, str | None]] = [
        (path.stem, pw.load(path), None) for path in sorted((REPO / "pathways/kh").glob("*.yaml"))
    ]
    gen = shared_module("gen")
    doc = with_agencies(to_document(gen.layered(50, 0), "gen-50"))
    named.append(("layered 50 steps, 6 agencies", pw.loads(json.dumps(doc)), None))
    named.append(("csa-in-person in Khmer", pw.load(REPO / "pathways/kh/csa-in-person.yaml"), "km"))
    write = Path(sys.argv[sys.argv.index("--write") + 1]) if "--write" in sys.argv else None
    out = Path(tempfile.mkdtemp())

    def cpu_now() -> float:
        own, children = (
            resource.getrusage(w) for w in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
        )
        return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime

    rows = []
    for name, p, lang in named:
        runs = {
            "one": lambda p=p, lang=lang: pw.render(p, out / "one.pdf", page=None, lang=lang),
            "now": lambda p=p, lang=lang: pw.render(p, out / "now.pdf", lang=lang),
            "clip": lambda p=p, lang=lang: (out / "clip.pdf").write_bytes(
                clipped_a3(p, lang=lang)[0]
            ),
            "clip1": lambda p=p, lang=lang: (out / "clip1.pdf").write_bytes(
                clipped_a3(p, True, lang=lang)[0]
            ),
            "text": lambda p=p, lang=lang: (out / "text.pdf").write_bytes(
                clipped_a3(p, True, True, lang=lang)[0]
            ),
        }
        for fn in runs.values():
            fn()
        wall: dict[str, list[float]] = {k: [] for k in runs}
        cpu: dict[str, list[float]] = {k: [] for k in runs}
        keys = list(runs)
        for r in range(9):
            for key in keys[r % len(keys) :] + keys[: r % len(keys)]:
                t0, c0 = time.perf_counter(), cpu_now()
                runs[key]()
                wall[key].append(time.perf_counter() - t0)
                cpu[key].append(cpu_now() - c0)
        _, sheets, empty = clipped_a3(p, True, True, lang=lang)
        from pypdf import PdfReader

        now_sheets = len(PdfReader(out / "now.pdf").pages)
        if write is not None:
            write.mkdir(parents=True, exist_ok=True)
            (write / f"{name.split()[0]}.pdf").write_bytes((out / "text.pdf").read_bytes())

        def cell(times: dict[str, list[float]], key: str) -> str:
            ms = statistics.median(times[key]) * 1000
            if key == "one":
                return f"{ms:,.0f} ms"
            ratio = statistics.median(a / b for a, b in zip(times[key], times["one"], strict=True))
            return f"{ms:,.0f} ms ({ratio:.1f}x)"

        rows.append(
            [
                name,
                *(cell(wall, k) for k in keys),
                *(cell(cpu, k) for k in keys),
                f"{now_sheets} / {sheets} (+{empty} tiles without a step, left out)"
                + (", cuts planned twice" if REPLANNED.get(p.id) else ""),
            ]
        )
    table = md_table(
        [
            "pathway",
            "wall: one page",
            "A3 now",
            "A3 clipped, two processes",
            "A3 clipped, one process",
            "the same, each sheet its own text",
            "CPU: one page",
            "A3 now",
            "A3 clipped, two processes",
            "A3 clipped, one process",
            "the same, each sheet its own text",
            "sheets: now / clipped",
        ],
        rows,
    )
    print(table)
    load = " / ".join(f"{v:.1f}" for v in os.getloadavg())
    (REPO / "bench" / "results" / "render_clip_prototype.md").write_text(
        "# Rendering: A3 sheets cut from one drawing (prototype) beside today's pagination\n\n"
        "`python bench/clip_prototype.py`: 9 interleaved rounds, the median of the rounds' "
        f"ratios to the one-page PDF; load average at the end {load} on {os.cpu_count()} "
        f"cores. The prototype is for timing only (see its docstring).\n\n{table}\n",
        encoding="utf-8",
    )


if __name__ == "__main__":
    main()
