"""Paginated drawings: a pathway split over A4 or A3 pages at a legible size.

A working group prints its pathway. One drawing of a 20-step pathway is several metres wide at
full size, so shrinking it onto one sheet makes the text unreadable. Instead the drawing is
split: along the flow at phase boundaries (between ranks of steps) when it is too long, and
between lanes at agency boundaries when it is too tall. Each page keeps the lane titles of the
agencies it shows, a compact legend, and a continuation marker wherever a transition leaves for
or arrives from another page ("to page 3: Police report to the prosecutor").

The cuts are placed on one layout of the whole pathway and checked on the layouts of the
pages as printed, all pages in one ``dot`` process per round (:func:`sheets`), until every page
fits its sheet at a scale of at least :data:`MIN_SCALE`, at which the smallest text
(:data:`~pathways.render.dot.SMALL` points) prints at :data:`MIN_TEXT_PT`. Each page is then
drawn once, and its drawing's own size checked again; :func:`sheets_pdf` places the drawings,
centred and scaled to fit, on sheets of exactly the paper size.
"""

from __future__ import annotations

import io
import math
import os
import re
from collections.abc import Callable, Iterable, Set
from dataclasses import replace

from pathways.errors import RenderError
from pathways.i18n import N_, tr
from pathways.render._text import shorten
from pathways.render.dot import SMALL, blank_box, draw_source, quote
from pathways.render.extract import FONT, Diagram, Edge, Marker

__all__ = [
    "MIN_SCALE",
    "MIN_TEXT_PT",
    "ORIENTATIONS",
    "PAGE_SIZES",
    "default_direction",
    "fit_title",
    "legend_columns",
    "legend_size",
    "narrow_sheet",
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


def default_direction(page: str | None, orientation: str) -> str:
    """The direction a drawing takes when none is asked for: along the sheet's long side,
    ``TB`` on portrait sheets (``page`` A4 or A3), otherwise ``LR``.

    Issue 18 audit, measured on the seven bundled pathways: on portrait sheets a band of one
    step with its lane title and continuation boxes is wider than the sheet at 7 pt left to
    right (A4 portrait 4.6 pt at the smallest, 19 to 28 sheets; A3 portrait 6.4-7.1 pt, 11 to
    18 sheets), while top to bottom the same pathways take 4 to 7 A3 sheets at 7 pt or more.
    """
    return "TB" if page is not None and orientation == "portrait" else "LR"


_NARROW_BELOW = 1200.0
"""Drawing points along the flow under which a sheet is narrow (``Diagram.narrow``)."""


def narrow_sheet(direction: str, page: str, orientation: str) -> bool:
    """Whether labels wrap shorter on these sheets (:data:`~pathways.render.dot.NARROW`):
    left to right on a sheet that holds fewer than 1,200 points along the flow at the
    smallest scale (A4 landscape and the portrait sheets: 1,009 and 692; A3 landscape holds
    1,458). Top to bottom keeps the usual widths: narrower steps make a column taller and
    measured no better (Khmer A4 portrait 6.9 -> 5.2-7.4 pt)."""
    paper_w, _ = page_area(page, orientation)
    return direction == "LR" and (paper_w - 2 * MARGIN) / MIN_SCALE < _NARROW_BELOW


def scale_to_fit(width: float, height: float, page: str, orientation: str) -> float:
    """The scale at which a drawing of ``width`` x ``height`` points fits inside the margins
    (never above 1: pages are not enlarged)."""
    paper_w, paper_h = page_area(page, orientation)
    return min(1.0, (paper_w - 2 * MARGIN) / width, (paper_h - 2 * MARGIN) / height)


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
    markers, edges = _gathered(markers, edges)
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


_GATHER_ABOVE = 3
"""More "from page N" boxes than this in one band of a page are gathered into one box."""


def _gathered(
    markers: dict[str, Marker], edges: list[Edge]
) -> tuple[dict[str, Marker], list[Edge]]:
    """``markers`` and ``edges`` with the incoming markers of a band gathered into one box
    (``@from-LANE``, a line "from page N: step" for each) where the band has more than
    :data:`_GATHER_ABOVE` of them, its arrows to each step drawn once.

    Issue 18 audit: compensation-claim's DoSVY follow-up is reached from seven steps on
    other pages; their seven boxes stood side by side (top to bottom) or one above another
    (left to right), wider or taller than an A4 sheet holds at 7 pt (5.2-5.9 pt)."""
    by_lane: dict[str | None, list[Marker]] = {}
    for marker in markers.values():
        if marker.incoming:
            by_lane.setdefault(marker.lane, []).append(marker)
    merged: dict[str, str] = {}
    out = dict(markers)
    for lane, incoming in by_lane.items():
        if len(incoming) <= _GATHER_ABOVE:
            continue
        key = f"@from-{lane}"
        for marker in incoming:
            merged[marker.id] = key
            del out[marker.id]
        out[key] = Marker(key, lane, "\n".join(m.text for m in incoming), True)
    if not merged:
        return markers, edges
    kept: list[Edge] = []
    seen: set[Edge] = set()
    for edge in edges:
        if edge.source in merged:
            edge = replace(edge, source=merged[edge.source])
            drawn = replace(edge, transition=None)  # what is drawn: kind, colour, width
            if drawn in seen:
                continue
            seen.add(drawn)
        kept.append(edge)
    return out, kept


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


def _batch_both(graphs: list[str], fmt: str) -> list[tuple[bytes, bytes]]:
    """(``dot -Tplain`` layout, ``fmt`` drawing) of each graph: PDFs all from one ``dot``
    process (the same bytes every run: :func:`~pathways.render._graphviz.drawings_with_layouts`),
    other formats from one ``dot`` run each, a few at a time."""
    from concurrent.futures import ThreadPoolExecutor

    from pathways.render._graphviz import drawings_with_layouts, run_dot_with_layout

    if len(graphs) < 2 or fmt == "pdf":
        return drawings_with_layouts(graphs, fmt)
    with ThreadPoolExecutor(max_workers=min(4, os.cpu_count() or 1)) as pool:
        return list(pool.map(lambda g: run_dot_with_layout(g, fmt), graphs))


def _numbered(
    diagram: Diagram, pieces: list[list[str]], wide: Set[str] = frozenset()
) -> list[Diagram]:
    """The diagram of each piece as a page: markers naming the page they lead to, numbered;
    a page of one step in ``wide`` with that step's text wrapped wider (``Diagram.wide``)."""
    page_of = {step: number for number, piece in enumerate(pieces) for step in piece}
    total = len(pieces)
    out = []
    for number, piece in enumerate(pieces):
        sub = _sub(diagram, frozenset(piece), page_of)
        if len(piece) == 1 and piece[0] in wide:
            sub = replace(sub, wide=True)
        heading = tr("page {number} of {total}", diagram.lang).format(
            number=number + 1, total=total
        )
        out.append(replace(sub, page=heading if total > 1 else ""))
    return out


_ONE_PAGE_STEPS = 12
"""Up to this many steps the whole pathway is drawn at once (it may fit one page); above, it
is only laid out first, to place the cuts."""

_ROUNDS = 40
"""Most layout rounds before the pages are drawn as they are (never reached by the bundled
pathways, which need two to four)."""


def sheets(
    diagram: Diagram,
    direction: str = "LR",
    page: str = "A3",
    orientation: str = "landscape",
    fmt: str = "pdf",
) -> list[tuple[Diagram, bytes]]:
    """Each page's diagram and its drawing in ``fmt``, every one checked to fit its sheet at
    :data:`MIN_SCALE` (its smallest text prints at :data:`MIN_TEXT_PT`).

    The whole pathway is laid out once (and drawn at once when it is short: a pathway that
    fits one page costs one ``dot`` run). Its layout orders the steps along the flow; the
    steps are cut greedily into segments (phase boundaries) that should fit a page, and a
    segment too tall for one page into groups of whole lanes (agency boundaries). Every round
    lays out the pages not laid out before (with markers, legend and the page number "99 of
    99", so a page's layout does not depend on the others) and corrects only what does not
    fit: a segment too long gets a shorter budget from its first
    step on (the segments before it stay), a segment too tall one more lane group. When all
    pages fit, they are drawn (a PDF's pages by one ``dot`` process, the same bytes every
    time), each one's size read from its own drawing, and checked once more. Every layout
    (the whole pathway's and every round's) comes from one ``dot`` process fed graph after
    graph (:class:`~pathways.render._graphviz.LayoutProcess`). For a pathway of more than
    12 steps both processes start first, the drawing one
    (:class:`~pathways.render._graphviz.DrawingProcess`) warming up its fonts beside the
    layout rounds, so on two cores its start-up costs no waiting.
    """
    from pathways.render._graphviz import DrawingProcess, LayoutProcess

    # Both `dot` processes of a long pathway start before any graph is built, each given a
    # little text to lay out first: their start-up (fontconfig, the fonts) runs beside the
    # Python work and, for the drawing process, beside all the layout rounds.
    warm = (diagram.font, _SAMPLE if diagram.font == FONT else f"{_SAMPLE} \u1780")
    process: list[LayoutProcess] = []  # one `dot` for every layout below
    painter: list[DrawingProcess] = []  # one `dot` drawing every PDF page at the end

    def lay_out(sources: list[str]) -> list[bytes]:
        if not process:
            process.append(LayoutProcess())
        return process[0].layouts(sources)

    def draw_pages(sources: list[str]) -> list[tuple[bytes, bytes]]:
        return painter[0].draw(sources) if painter else _batch_both(sources, fmt)

    try:
        if len(diagram.nodes) > _ONE_PAGE_STEPS:
            process.append(LayoutProcess(warm))
            if fmt == "pdf":
                painter.append(DrawingProcess(*warm))
        return _sheets(diagram, direction, page, orientation, fmt, lay_out, draw_pages)
    finally:
        for running in process:
            running.close()
        for drawing in painter:
            drawing.close()


_SAMPLE = "Ag 9 \u25b7\u2b21\u2506\u25ce\u2501\u25b6\u21e8"
"""Text for the processes' warm-up: letters, a digit and the compact legend's symbols, which
may come from other fonts than the labels'."""


def _sheets(
    diagram: Diagram,
    direction: str,
    page: str,
    orientation: str,
    fmt: str,
    lay_out: Callable[[list[str]], list[bytes]],
    draw_pages: Callable[[list[str]], list[tuple[bytes, bytes]]],
) -> list[tuple[Diagram, bytes]]:
    """:func:`sheets`, its layouts made by ``lay_out``, its pages drawn by ``draw_pages``."""

    paper_w, paper_h = page_area(page, orientation)
    room_w, room_h = paper_w - 2 * MARGIN, paper_h - 2 * MARGIN
    flow = 0 if direction == "LR" else 1
    room = (room_w, room_h)[flow] / MIN_SCALE  # along the flow, in drawing points
    room_across = (room_h, room_w)[flow] / MIN_SCALE
    # At first the legend as wide as the paper allows (a short pathway that fits one page as
    # it is costs no measuring); before any cut, the title and legend fitted to the sheet.
    diagram = replace(
        diagram,
        legend_columns=legend_columns(page, orientation),
        narrow=narrow_sheet(direction, page, orientation),
    )

    def graphs(pages: list[Diagram]) -> list[str]:
        return [draw_source(d, direction, compact=True) for d in pages]

    def excess(plain: bytes, data: bytes) -> tuple[float, float]:
        """How far a page overruns its sheet at MIN_SCALE (drawing points), along the flow
        and across; zero or less when it fits."""
        width, height = (float(v) * 72 for v in plain[: plain.find(b"\n")].split()[2:4])
        # `dot -Tplain` leaves out the drawing's pad, which the PDF page has; the drawing,
        # when there is one, says its own size, which is what is printed.
        full_w, full_h = _drawn_size(data, width + _PAD, height + _PAD)
        over_w, over_h = full_w - room_w / MIN_SCALE, full_h - room_h / MIN_SCALE
        return (over_w, over_h) if flow == 0 else (over_h, over_w)

    blank = _BlankLabels(diagram.font, lay_out)

    everything = [node.id for node in diagram.nodes]
    if len(everything) <= _ONE_PAGE_STEPS:
        whole = _numbered(diagram, [everything])
        ((plain, data),) = _batch_both(graphs(whole), fmt)
        if max(excess(plain, data)) <= 0:
            return [(whole[0], data)]
    placeholder = tr("page {number} of {total}", diagram.lang).format(number=99, total=99)
    diagram = fit_title(diagram, room_w / MIN_SCALE - _TITLE_SLACK, lay_out, placeholder)
    (plain,) = blank.layouts(graphs(_numbered(diagram, [everything])))
    _, _, centres, sizes = _layout(plain)
    sign = 1 if flow == 0 else -1  # dot's y grows upwards; a top-down flow goes down
    position = {i: sign * centres[i][flow] for i in everything}
    extent = {i: sizes[i][flow] for i in everything}
    order = sorted(everything, key=lambda i: (position[i], i))
    fits_whole = max(excess(plain, b"")) <= 0  # a long pathway that fits one page
    budget = math.inf if fits_whole else room - _OVERHEAD
    limits: dict[str, float] = {}  # a shorter budget for the segment starting at a step
    groups: dict[tuple[str, ...], int] = {}  # lane groups of a segment, when more than one
    # Steps alone on a page too long for the sheet top to bottom: their text wraps wider.
    wide: set[str] = set()

    def plan() -> tuple[list[list[str]], list[tuple[str, ...]]]:
        pieces: list[list[str]] = []
        owners: list[tuple[str, ...]] = []
        for segment in _segments(order, position, extent, limits, budget):
            parts = groups.get(segment, 1)
            for piece in _by_lanes(diagram, list(segment), parts) if parts > 1 else [segment]:
                pieces.append(list(piece))
                owners.append(segment)
        return pieces, owners

    # Each piece's layout as a page numbered "99 of 99" (no narrower than its real number),
    # so a piece laid out once is not laid out again when the pieces around it change.
    laid: dict[tuple[str, ...], bytes] = {}

    drawing = fits_whole
    for _ in range(_ROUNDS):
        pieces, owners = plan()
        if drawing:
            pages = _numbered(diagram, pieces, wide)
            measured = draw_pages(graphs(pages))
        else:
            todo = [key for key in dict.fromkeys(map(tuple, pieces)) if key not in laid]
            subs = [
                replace(
                    _sub(diagram, frozenset(key), None),
                    page=placeholder,
                    wide=len(key) == 1 and key[0] in wide,
                )
                for key in todo
            ]
            if todo:
                laid.update(zip(todo, blank.layouts(graphs(subs)), strict=True))
            measured = [(laid[tuple(piece)], b"") for piece in pieces]
        changed = False
        if len(pieces) <= _MAX_PAGES:
            for piece, segment, (plain, data) in zip(pieces, owners, measured, strict=True):
                along, across = excess(plain, data)
                if len(piece) == 1 and along > 0 and flow == 1 and piece[0] not in wide:
                    # One step too tall for the sheet: its text wrapped wider, this page only
                    # (wider everywhere made the other pages wider and took more sheets).
                    wide.add(piece[0])
                    laid.pop(tuple(piece), None)
                    changed = True
                    continue
                if len(piece) == 1 or max(along, across) <= 0:
                    continue
                changed = True
                # The segment's span in the whole layout: the budget that would keep it.
                span = max(position[i] + extent[i] / 2 for i in segment) - min(
                    position[i] - extent[i] / 2 for i in segment
                )
                limit = min(limits.get(segment[0], budget), span)
                if along > 0:
                    limits[segment[0]] = limit - along - 1
                if across > 0:
                    parts = groups.get(segment, 1)
                    now = len(_by_lanes(diagram, list(segment), parts)) if parts > 1 else 1
                    more = max(parts + 1, math.ceil(parts * (1 + across / room_across)))
                    if len(_by_lanes(diagram, list(segment), more)) > now:
                        groups[segment] = more
                    elif along <= 0:  # one lane too tall: a shorter segment
                        limits[segment[0]] = limit / 2
        if not changed:
            if drawing:
                return [(d, data) for d, (_, data) in zip(pages, measured, strict=True)]
            drawing = True
        else:
            drawing = False
    pages = _numbered(diagram, plan()[0], wide)
    return [(d, data) for d, (_, data) in zip(pages, draw_pages(graphs(pages)), strict=True)]


_TABLE_LABEL = re.compile(r"label=(<<.*?>>)(?=[ \]])", re.DOTALL)
"""An HTML-like label in DOT text (``label=`` or ``xlabel=``): a step, a lane title, the title
and legend, a marker, an edge's text. Its text is escaped, so ``>>`` before a space or ``]``
ends it."""


def _measuring(font: str, labels: list[str], size: int) -> str:
    """A graph of one ``plaintext`` node per label (m0, m1, ...), to measure them."""
    nodes = "".join(f"\tm{k} [label={label}]\n" for k, label in enumerate(labels))
    return (
        f"digraph {{\n\tnode [fontname={quote(font)} fontsize={size} "
        f"shape=plaintext margin=0 width=0 height=0]\n{nodes}}}\n"
    )


def _sizes(plain: bytes) -> list[tuple[str, str]]:
    """The (width, height) in inches of nodes m0, m1, ... as ``dot -Tplain`` prints them."""
    found: dict[str, tuple[str, str]] = {}
    for line in plain.decode("utf-8", "replace").splitlines():
        m = _NODE.match(line)
        if m:
            found[m.group(1)] = (m.group(4), m.group(5))
    return [found[f"m{k}"] for k in range(len(found))]


class _BlankLabels:
    """Layouts for the fit checks, every table label replaced by a blank box of its size.

    ``dot`` lays a label out by its size alone, and measuring the text (pango) is most of a
    page's layout time: laid out with blank boxes, a page has the same size and the same
    positions (tests compare). So each distinct label (a step, a lane title, a page title
    with its legend, a marker, an edge's text) is measured once, as a node of its own
    (``plaintext``, no margin, at the font size of where it is drawn), and from then on every
    page of every round that shows it gets the box. A box is checked in the process that
    lays out the pages: if it is not its label's size (another Graphviz), the label stays,
    and the pages that show it are laid out again with it.
    """

    def __init__(self, font: str, lay_out: Callable[[list[str]], list[bytes]]) -> None:
        self._font = font
        self._lay_out = lay_out
        self._boxes: dict[str, str] = {}

    def _measuring(self, labels: list[str], size: int) -> str:
        return _measuring(self._font, labels, size)

    @staticmethod
    def _sizes(plain: bytes) -> list[tuple[str, str]]:
        return _sizes(plain)

    def _blank(self, source: str) -> str:
        return _TABLE_LABEL.sub(
            lambda m: "label=" + self._boxes.get(m.group(1), m.group(1)), source
        )

    def layouts(self, sources: list[str]) -> list[bytes]:
        """The ``plain`` layout of each page (DOT text), its table labels blank boxes."""
        titles: dict[str, None] = {}  # graph labels: text at the graph's size, 14 pt
        labels: dict[str, None] = {}  # node labels and xlabels: at the nodes' size, 11 pt
        edges: dict[str, None] = {}  # edge labels: at the edges' size, SMALL
        for source in sources:
            _, _, body = source.partition("\n\t")
            graph_line, _, rest = body.partition("\n")
            titles.update(dict.fromkeys(_TABLE_LABEL.findall(graph_line)))
            for line in rest.split("\n"):
                if "label=<" in line:
                    found = _TABLE_LABEL.findall(line)
                    (edges if " -> " in line else labels).update(dict.fromkeys(found))
        groups = [
            ([label for label in group if label not in self._boxes], size)
            for group, size in ((titles, 14), (labels, 11), (edges, SMALL))
        ]
        groups = [(new, size) for new, size in groups if new]
        measured = self._lay_out([self._measuring(*group) for group in groups]) if groups else []
        expected: list[tuple[list[str], list[tuple[str, str]]]] = []
        for (new, _), plain in zip(groups, measured, strict=True):
            sizes = self._sizes(plain)
            for label, (width, height) in zip(new, sizes, strict=True):
                self._boxes[label] = blank_box(round(float(width) * 72), round(float(height) * 72))
            expected.append((new, sizes))
        checks = [self._measuring([self._boxes[x] for x in new], size) for new, size in groups]
        out = self._lay_out(checks + [self._blank(source) for source in sources])
        bad: set[str] = set()
        for (new, sizes), plain in zip(expected, out, strict=False):
            for label, want, got in zip(new, sizes, self._sizes(plain), strict=True):
                if want != got:
                    self._boxes[label] = label
                    bad.add(label)
        out = out[len(checks) :]
        redo = [k for k, source in enumerate(sources) if any(x in source for x in bad)]
        if redo:
            again = self._lay_out([self._blank(sources[k]) for k in redo])
            for k, plain in zip(redo, again, strict=True):
                out[k] = plain
        return out


def _segments(
    order: list[str],
    position: dict[str, float],
    extent: dict[str, float],
    limits: dict[str, float],
    budget: float,
) -> list[tuple[str, ...]]:
    """``order`` (steps by position along the flow) cut greedily into runs, each spanning at
    most its budget from the near edge of its first step to the far edge of its last: the
    budget of ``limits`` for a run starting at that step, otherwise ``budget``."""
    out: list[list[str]] = []
    start = limit = 0.0
    for i in order:
        if not out or position[i] + extent[i] / 2 - start > limit:
            out.append([])
            start = position[i] - extent[i] / 2
            limit = limits.get(i, budget)
        out[-1].append(i)
    return [tuple(run) for run in out]


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
    """How many legend entries may stand side by side on the page at the smallest scale: the
    most :func:`fit_title` tries (English entries are about 240 points wide)."""
    paper_w, _ = page_area(page, orientation)
    return max(2, min(6, int((paper_w - 2 * MARGIN) / MIN_SCALE / 240)))


_TITLE_SLACK = 56.0
"""Points of a page's width that are not its title block: the graph label's margins and the
drawing's pad (49 measured beside a legend)."""

_LEGEND_WRAPS = (0, 32, 24)
"""Characters at which the compact legend's entries may wrap (0: not at all), tried in turn."""

_TITLE_WRAPS = (0, 80, 64, 52, 42, 34, 28)
"""Characters at which the heading may wrap (0: one line), tried in turn."""


def fit_title(
    diagram: Diagram,
    width: float,
    lay_out: Callable[[list[str]], list[bytes]],
    page: str = "",
) -> Diagram:
    """``diagram`` with its compact legend and heading laid out to be at most ``width``
    points wide: of the legends that fit (up to ``diagram.legend_columns`` entries side by
    side, their meanings on one line or wrapped), the one of fewest lines, of those the one
    of most columns; the heading (with ``page``, the widest page number) on as few lines as
    fit. When no legend fits, the narrowest.

    Every cell of the legend and every way of wrapping the heading is measured in one graph
    for ``lay_out``; a legend's size follows from its cells' (:func:`legend_size`).

    Issue 18 audit: the Khmer legend of six columns was 1,436 points wide, wider than an A3
    landscape sheet holds at the smallest scale, so every page overran its sheet and the
    pathway was cut into pages of one to three steps (13 sheets instead of 6, 6.9 pt).
    """
    from pathways.render.dot import heading_label, legend_cells, line_pad

    pad = line_pad(diagram.font)
    variants = [legend_cells(diagram, True, w) for w in _LEGEND_WRAPS]
    cells = list(
        dict.fromkeys(
            cell for heading, entries in variants for cell in (heading, *sum(entries, ()))
        )
    )
    titled = replace(diagram, page=page)
    headings = [heading_label(replace(titled, title_width=w), pad) for w in _TITLE_WRAPS]
    labels = [f"<{cell}>" for cell in cells] + headings
    (plain,) = lay_out([_measuring(diagram.font, labels, 14)])
    sizes = [(float(w) * 72, float(h) * 72) for w, h in _sizes(plain)]
    size_of = dict(zip(cells, sizes, strict=False))
    candidates = [
        (legend_size(size_of, heading, entries, columns), columns, wrap_at)
        for wrap_at, (heading, entries) in zip(_LEGEND_WRAPS, variants, strict=True)
        for columns in range(max(1, diagram.legend_columns), 0, -1)
    ]
    fitting = [c for c in candidates if c[0][0] <= width]
    if fitting:
        _, columns, wrap_at = min(fitting, key=lambda c: (round(c[0][1]), -c[1]))
    else:
        _, columns, wrap_at = min(candidates, key=lambda c: c[0][0])
    title_width = next(
        (w for w, (x, _) in zip(_TITLE_WRAPS, sizes[len(cells) :], strict=True) if x <= width),
        _TITLE_WRAPS[-1],
    )
    return replace(diagram, legend_columns=columns, legend_width=wrap_at, title_width=title_width)


def legend_size(
    size_of: dict[str, tuple[float, float]],
    heading: str,
    entries: tuple[tuple[str, str], ...],
    columns: int,
) -> tuple[float, float]:
    """(width, height) in points of the legend's table of ``columns`` entries a row, from the
    size of each cell's content (``size_of``), as Graphviz sizes an HTML table: each column
    as wide as its widest cell, each row as tall as its tallest, every cell padded, spacing
    between and around the cells, a border around all."""
    from pathways.render.dot import LEGEND_TABLE

    border, spacing, padding = LEGEND_TABLE
    used = 2 * min(columns, len(entries))
    widths = [0.0] * used
    heights: list[float] = []
    for start in range(0, len(entries), columns):
        tallest = 0.0
        row = [cell for entry in entries[start : start + columns] for cell in entry]
        for k, cell in enumerate(row):
            w, h = size_of[cell]
            widths[k] = max(widths[k], w + 2 * padding)
            tallest = max(tallest, h + 2 * padding)
        heights.append(tallest)
    head_w, head_h = size_of[heading]
    inside = max(sum(widths) + (used - 1) * spacing, head_w + 2 * padding)
    height = head_h + 2 * padding + sum(heights) + len(heights) * spacing
    return inside + 2 * (spacing + border), height + 2 * (spacing + border)


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
    ``dot``), each centred and scaled to fit inside the margins.

    ``dot``'s PDFs are copied object by object, renumbered, each page wrapped in a
    transformation (:func:`_place`): no PDF is parsed beyond its cross-reference table and
    dictionaries. A drawing that is not laid out that way (another cairo) goes through pypdf.
    """
    paper_w, paper_h = page_area(page, orientation)

    def placement(width: float, height: float) -> tuple[float, float, float]:
        scale = scale_to_fit(width, height, page, orientation)
        dx = (paper_w - width * scale) / 2
        dy = paper_h - MARGIN - height * scale  # top-aligned: the title starts each sheet
        return scale, dx, dy

    drawings = list(drawings)
    try:
        return _place(drawings, (paper_w, paper_h), placement)
    except _Unreadable:
        return _place_pypdf(drawings, (paper_w, paper_h), placement)


Placement = Callable[[float, float], tuple[float, float, float]]


class _Unreadable(ValueError):
    """A PDF that :func:`_place` does not copy (no classic cross-reference table, more than
    one page, a reference it cannot follow)."""


_STARTXREF = re.compile(rb"startxref\s+(\d+)\s+%%EOF\s*$")
_OBJ = re.compile(rb"\s*(\d+) 0 obj\b")
_REF = re.compile(rb"\b(\d+) 0 R\b")
_STREAM = re.compile(rb">>\s*stream\r?\n")
_BOX = re.compile(rb"/MediaBox\s*\[\s*([-0-9.]+)\s+([-0-9.]+)\s+([-0-9.]+)\s+([-0-9.]+)\s*\]")
_CONTENTS = re.compile(rb"/Contents\s+(\d+ 0 R|\[[^\]]*\])")
_PARENT = re.compile(rb"/Parent\s+\d+ 0 R")
_VERSION = re.compile(rb"%PDF-(\d)\.(\d)")


def _pdf_objects(data: bytes) -> tuple[dict[int, bytes], bytes]:
    """Each object's text between ``N 0 obj`` and ``endobj``, and the trailer, of a PDF with
    a classic cross-reference table (what cairo writes)."""
    import bisect

    end = _STARTXREF.search(data, max(0, len(data) - 64))
    if end is None:
        raise _Unreadable("no startxref")
    xref = int(end.group(1))
    if data[xref : xref + 4] != b"xref":
        raise _Unreadable("no classic cross-reference table")
    trailer_at = data.index(b"trailer", xref)
    tokens = data[xref + 4 : trailer_at].split()
    offsets: dict[int, int] = {}
    i = 0
    while i < len(tokens):
        first, count = int(tokens[i]), int(tokens[i + 1])
        i += 2
        for k in range(count):
            if tokens[i + 2] == b"n":
                offsets[first + k] = int(tokens[i])
            i += 3
    ends = [*sorted(offsets.values()), xref]
    objects: dict[int, bytes] = {}
    for number, start in offsets.items():
        head = _OBJ.match(data, start)
        if head is None or int(head.group(1)) != number:
            raise _Unreadable(f"object {number} is not where the table says")
        body = data[head.end() : ends[bisect.bisect_right(ends, start)]]
        objects[number] = body[: body.rindex(b"endobj")]
    return objects, data[trailer_at : end.start()]


def _ref(text: bytes, key: bytes) -> int:
    m = re.search(rb"/" + key + rb"\s+(\d+) 0 R", text)
    if m is None:
        raise _Unreadable(f"no /{key.decode()}")
    return int(m.group(1))


def _place(drawings: list[bytes], paper: tuple[float, float], placement: Placement) -> bytes:
    """:func:`sheets_pdf` without a PDF library: every object of every drawing copied and
    renumbered (only outside streams), each page given the paper's box and its content wrapped
    in ``q scale 0 0 scale dx dy cm ... Q``, one page tree over all of them."""
    bodies: list[bytes] = []  # the new objects, numbered from 1

    def add(body: bytes) -> int:
        bodies.append(body)
        return len(bodies)

    def stream(content: bytes) -> bytes:
        return b"\n<< /Length %d >>\nstream\n%b\nendstream\n" % (len(content), content)

    pages: list[int] = []
    version = (1, 4)
    try:
        for data in drawings:
            m = _VERSION.match(data)
            if m is None:
                raise _Unreadable("not a PDF")
            version = max(version, (int(m.group(1)), int(m.group(2))))
            objects, trailer = _pdf_objects(data)
            root = _ref(trailer, b"Root")
            tree = _ref(objects[root], b"Pages")
            kids = re.search(rb"/Kids\s*\[([^\]]*)\]", objects[tree])
            if kids is None or len(_REF.findall(kids.group(1))) != 1:
                raise _Unreadable("not one page")
            leaf = int(_REF.findall(kids.group(1))[0])
            skip = {root, tree}
            if re.search(rb"/Info\s+\d+ 0 R", trailer):
                skip.add(_ref(trailer, b"Info"))
            base = len(bodies)
            kept = sorted(n for n in objects if n not in skip)
            number = {old: base + k + 1 for k, old in enumerate(kept)}

            def renumber(part: bytes, number: dict[int, int] = number) -> bytes:
                return _REF.sub(lambda r: b"%d 0 R" % number[int(r.group(1))], part)

            page_dict = objects[leaf]
            box = _BOX.search(page_dict)
            contents = _CONTENTS.search(page_dict)
            if box is None or contents is None:
                raise _Unreadable("a page without /MediaBox or /Contents")
            x0, y0, x1, y1 = (float(v) for v in box.groups())
            scale, dx, dy = placement(x1 - x0, y1 - y0)
            page_dict = _PARENT.sub(b"/Parent @tree", page_dict)
            page_dict = _CONTENTS.sub(
                lambda c: b"/Contents [ @before %b @after ]" % c.group(1).strip(b"[] "),
                page_dict,
            )
            page_dict = _BOX.sub(b"/MediaBox [ 0 0 %.2f %.2f ]" % paper, page_dict)
            for old in kept:
                body = page_dict if old == leaf else objects[old]
                split = _STREAM.search(body)
                head, tail = (
                    (body[: split.start() + 2], body[split.start() + 2 :]) if split else (body, b"")
                )
                bodies.append(renumber(head) + tail)
            before = add(
                stream(
                    b"q %.5f 0 0 %.5f %.3f %.3f cm\n"
                    % (scale, scale, dx - scale * x0, dy - scale * y0)
                )
            )
            after = add(stream(b"\nQ\n"))  # separate from the drawing's last operator
            n = number[leaf] - 1
            bodies[n] = (
                bodies[n]
                .replace(b"@before", b"%d 0 R" % before)
                .replace(b"@after", b"%d 0 R" % after)
            )
            pages.append(number[leaf])
    except (KeyError, IndexError, ValueError) as exc:
        raise _Unreadable(str(exc)) from None
    tree = len(bodies) + 1
    for n in pages:
        bodies[n - 1] = bodies[n - 1].replace(b"@tree", b"%d 0 R" % tree)
    return _pdf_file(bodies, pages, version)


def _pdf_file(bodies: list[bytes], pages: list[int], version: tuple[int, int]) -> bytes:
    """A PDF file of ``bodies`` (objects numbered from 1) and, after them, the page tree over
    ``pages`` (object ``len(bodies) + 1``, which the pages' ``/Parent`` must name), the catalog,
    the info and the cross-reference table."""
    tree = len(bodies) + 1
    refs = b" ".join(b"%d 0 R" % n for n in pages)
    bodies = [
        *bodies,
        b"\n<< /Type /Pages /Kids [ %b ] /Count %d >>\n" % (refs, len(pages)),
        b"\n<< /Type /Catalog /Pages %d 0 R >>\n" % tree,
        b"\n<< /Producer (pathways) >>\n",
    ]
    out = bytearray(b"%%PDF-%d.%d\n%%\xb5\xed\xae\xfb\n" % version)
    offsets = []
    for n, body in enumerate(bodies, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj%bendobj\n" % (n, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(bodies) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root %d 0 R /Info %d 0 R >>\n" % (
        len(bodies) + 1,
        tree + 1,
        tree + 2,
    )
    out += b"startxref\n%d\n%%%%EOF\n" % xref
    return bytes(out)


def _place_pypdf(drawings: list[bytes], paper: tuple[float, float], placement: Placement) -> bytes:
    """:func:`sheets_pdf` through pypdf, for drawings :func:`_place` does not read."""
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import ContentStream, RectangleObject

    writer = PdfWriter()
    for data in drawings:
        sheet = writer.add_page(PdfReader(io.BytesIO(data)).pages[0])
        scale, dx, dy = placement(float(sheet.mediabox.width), float(sheet.mediabox.height))
        # Wrap the drawing in a transformation instead of merging pages, which would parse
        # every drawing operator (seconds per page in pypdf).
        contents = sheet.get_contents()
        body = contents.get_data() if contents is not None else b""
        stream = ContentStream(None, None)
        stream.set_data(
            f"q {scale:.5f} 0 0 {scale:.5f} {dx:.3f} {dy:.3f} cm\n".encode() + body + b"\nQ\n"
        )
        sheet.replace_contents(stream)
        box = RectangleObject([0, 0, *paper])
        sheet.mediabox = box
        sheet.cropbox = box
    writer.compress_identical_objects()
    writer.add_metadata({"/Producer": "pathways"})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
