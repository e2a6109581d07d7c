"""Diagram model -> Graphviz: swimlanes per agency, shapes per step kind, a legend.

Every piece of user text goes into an HTML-like label through :func:`text`, which escapes it
fully (``& < > " '`` as entities and ``\\`` doubled, so Graphviz's ``\\N``/``\\G`` escapes
cannot fire). No user text is ever written into a plain quoted attribute, so no label can
close a string, open markup, or reach the SVG as anything but text.
"""

from __future__ import annotations

import contextlib
import functools
import html
import re
from collections.abc import Iterator
from typing import TYPE_CHECKING

from pathways.i18n import N_, human_hours, tr
from pathways.render._text import MAX_TEXT, printable, shorten, wrap
from pathways.render.extract import (
    BADGE_TAGS,
    CHANGE_COLOURS,
    FONT,
    HEAT,
    SEVERITY_COLOURS,
    Diagram,
    Edge,
    Lane,
    Marker,
    Node,
    sector_word,
)

if TYPE_CHECKING:
    import graphviz

__all__ = [
    "DIRECTIONS",
    "OUTCOMES_LANE",
    "SHAPES",
    "SMALL",
    "badge_word",
    "blank_box",
    "draw",
    "draw_source",
    "quote",
    "text",
]

SHAPES: dict[str, dict[str, str]] = {
    "entry": {"shape": "cds", "style": "filled"},
    "action": {"shape": "box", "style": "rounded,filled"},
    "decision": {"shape": "hexagon", "style": "filled"},
    "wait": {"shape": "box", "style": "rounded,dashed,filled"},
    "outcome": {"shape": "box", "style": "rounded,bold,filled", "peripheries": "2"},
    # BPMN parallel gateways: a small diamond with "+", the step's text beside it (xlabel)
    "fork": {
        "shape": "diamond",
        "style": "filled",
        "fixedsize": "true",
        "width": "0.55",
        "height": "0.55",
        "penwidth": "2",
    },
    "join": {
        "shape": "diamond",
        "style": "filled",
        "fixedsize": "true",
        "width": "0.55",
        "height": "0.55",
        "penwidth": "2",
    },
}
"""Graphviz node attributes by step kind (fork and join: BPMN parallel gateways)."""

GATEWAYS = frozenset({"fork", "join"})
"""Step kinds drawn as a parallel gateway: a diamond with "+" and the text beside it."""

EDGE_STYLES: dict[str, dict[str, str]] = {
    "internal": {"color": "#404040"},
    "handoff": {"color": "#404040", "arrowhead": "vee"},
    "referral": {"color": "#0072B2", "penwidth": "2.2", "arrowhead": "normal"},
    "fallback": {"color": "#D55E00", "style": "dashed", "arrowhead": "empty"},
}
"""Graphviz edge attributes by transition kind (``fallback``: a referral's on_reject)."""

_GREY = "#555555"

SMALL = 9
"""The smallest font size drawn (points): at the 0.78 scale a paginated page may shrink to,
it prints at 7 pt."""

LANE_TITLE_WIDTH = 26
"""Characters per line of a lane's title: the title column is repeated on every page."""

_WIDTHS = {"label": 30, "note": 36, "edge": 30, "lane": LANE_TITLE_WIDTH, "head": 2.6}
NARROW = {"label": 24, "note": 28, "edge": 22, "lane": 20, "head": 2.0, "marker": 14}
"""Characters per line of a step's label, of its notes (role, deadlines, warnings), of an
edge's text and of a lane's title, the width of the lane title's column (inches) and the
characters per line of a continuation box, on sheets narrow along the flow
(``Diagram.narrow``; otherwise 30, 36, 30, 26, 2.6 and 18). Measured on the seven bundled
pathways on A4 landscape, left to right: with the usual widths a page of one decision with
its lane title, an edge's text and its continuation boxes is about 1,060 points long, over
the 1,009 the sheet holds at 7 pt (6.5 pt at the smallest); with these every sheet prints
at 7 pt or more, English and Khmer (boxes at 18: Khmer compensation-claim 6.9 pt; at 12 the
boxes grow too tall: 6.5 pt)."""

WIDE = {"label": 44, "note": 52}
"""Characters per line of a step's label and of its notes on a page of that one step that is
too long for its sheet top to bottom (``Diagram.wide``): wider lines, fewer of them, a shorter
step along the flow. Measured on the bundled pathways in Khmer on A4 portrait: a page of one
decision (school-disclosure's consent, sextortion-helpline's caregiver check) was about 1,057
points tall with the usual widths, over the 1,010 the sheet holds at 7 pt (6.7 pt); at 36 and
44 characters 1,025 and 995, at 44 and 52 both 963 (7.3 pt), their width unchanged (the
heading is wider)."""

DIRECTIONS = ("LR", "TB")
"""``LR``: lanes are horizontal bands and the case flows left to right; ``TB``: lanes are
columns and the case flows top to bottom."""


def text(value: str) -> str:
    """Escape user text for a Graphviz HTML-like label (cut at :data:`MAX_TEXT` characters).

    Examples
    --------
    >>> from pathways.render.dot import text
    >>> text('<script>"&\\\\N')
    '&lt;script&gt;&quot;&amp;\\\\\\\\N'
    """
    line = " ".join(printable(shorten(value, MAX_TEXT)).splitlines())  # one line: rows break
    escaped = html.escape(line, quote=True)
    # Graphviz refuses a run of text that is "]" or "]]", and an empty or blank one ("syntax
    # error ... <B></B>"): a role, an agency, an arrow's label or a title written so drew
    # nothing at all.
    return escaped.replace("\\", "\\\\").replace("]", "&#93;") or " "


def _lines(lines: list[str]) -> str:
    return "<BR/>".join(text(line) for line in lines)


def _small(value: str, colour: str = _GREY, size: int = SMALL) -> str:
    return f'<FONT POINT-SIZE="{size}" COLOR="{colour}">{value}</FONT>'


def _rows(
    lines: list[str], colour: str | None = None, size: int = SMALL, align: str = "", pad: int = 1
) -> list[str]:
    # One table row per line, not <BR/>, so each line can be padded: Graphviz spaces lines by
    # the font size alone, which makes Khmer's stacked vowels and subscripts collide.
    where = f' ALIGN="{align}"' if align else ""
    cells = (text(line) if colour is None else _small(text(line), colour, size) for line in lines)
    return [f'<TR><TD{where} CELLPADDING="{pad}">{cell}</TD></TR>' for cell in cells]


_BADGE_WORDS = {
    "interview": N_("INTERVIEW"),
    "consent": N_("CONSENT"),
    "medical": N_("MEDICAL"),
    "court": N_("COURT"),
}


def badge_word(tag: str, lang: str | None) -> str:
    """The word on a tag's badge ("CONSENT"), in ``lang``."""
    return tr(_BADGE_WORDS.get(tag, tag.upper()), lang)


def _badges(badges: tuple[str, ...], lang: str | None) -> str:
    words = {b: badge_word(b, lang) for b in badges}
    cells = "".join(
        f'<TD BGCOLOR="{BADGE_TAGS[b]}" WIDTH="{8 * len(words[b]) + 8}" HEIGHT="13" '
        f'FIXEDSIZE="TRUE"><FONT POINT-SIZE="{SMALL}">{text(words[b])}</FONT></TD>'
        for b in badges
    )
    return f'<TABLE BORDER="0" CELLSPACING="3" CELLPADDING="0"><TR>{cells}</TR></TABLE>'


@functools.lru_cache(maxsize=4096)  # pagination draws a step on page after page, round after round
def _node_label(
    node: Node, pad: int, lang: str | None = None, narrow: bool = False, wide: bool = False
) -> str:
    widths = NARROW if narrow else {**_WIDTHS, **WIDE} if wide else _WIDTHS
    note = int(widths["note"])
    rows = _rows(node.lines(int(widths["label"])), pad=pad)
    if node.role:
        rows += _rows(wrap(node.role, note), _GREY, pad=pad)
    if node.badges:
        rows.append(f"<TR><TD>{_badges(node.badges, lang)}</TD></TR>")
    for line in node.deadlines:
        rows += _rows(wrap(line, note), "#0B5394", pad=pad)
    if node.stats:
        rows += _rows([node.stats], "#000000", pad=pad)
    if node.alert:
        rows += _rows(wrap(node.alert, note), SATURATION_COLOURS[node.saturation], pad=pad)
    if node.codes and node.severity:
        colour = "#8B0000" if node.severity == "error" else "#7A5200"
        shown = [part for t in node.titles for part in wrap(t, note)] or [" ".join(node.codes)]
        rows += _rows(shown, colour, 10, pad=pad)
    body = "".join(rows)
    return f'<<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="1">{body}</TABLE>>'


def _marker_label(value: str, pad: int, width: int = 18) -> str:
    """A continuation marker's text wrapped at ``width`` characters: lines joined by <BR/>,
    or in Khmer (``pad`` above 1) one padded table row per line, as step labels are, since
    <BR/> spaces lines by the font size alone and Khmer's stacked vowels and subscripts then
    stand over the arrow's border (issue 18 audit, the printed Khmer sheets)."""
    if pad <= 1:
        return _small(_lines(wrap(value, width)), "#222222")
    rows = "".join(_rows(wrap(value, width), "#222222", pad=pad))
    return f'<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0">{rows}</TABLE>'


def _line_width(marker: Marker, direction: str, narrow: bool = False) -> int:
    """Characters a line of a continuation marker holds: a box that gathers several steps
    (``pages._gathered``) 36 top to bottom, where its height is the flow's, and 18 left to
    right; other boxes 18, or 14 on narrow sheets (:data:`NARROW`)."""
    if "\n" in marker.text:
        return 36 if direction == "TB" else 18
    return int(NARROW["marker"]) if narrow else 18


def _lane_rows(lane: Lane, lang: str | None = None, narrow: bool = False) -> list[tuple[str, str]]:
    """(kind, line) of a lane's title cell: its name, its sector and its contacts."""
    width = int((NARROW if narrow else _WIDTHS)["lane"])
    rows = [("title", line) for line in wrap(lane.title, width)]
    sector = sector_word(lane.sector, lang)
    rows.append(("sector", tr("sector: {sector}", lang).format(sector=sector)))
    for contact in lane.contacts:
        rows += [("contact", line) for line in wrap(contact, width)]
    return rows


@functools.lru_cache(maxsize=1024)
def _lane_label(lane: Lane, pad: int, lang: str | None = None, narrow: bool = False) -> str:
    rows: list[str] = []
    for kind, line in _lane_rows(lane, lang, narrow):
        if kind == "title":
            rows.append(f'<TR><TD ALIGN="LEFT" CELLPADDING="{pad}"><B>{text(line)}</B></TD></TR>')
        else:
            colour = "#333333" if kind == "sector" else _GREY
            rows += _rows([line], colour, SMALL, "LEFT", pad)
    body = "".join(rows)
    return f'<<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="1">{body}</TABLE>>'


def _edge_attrs(edge: Edge, narrow: bool = False) -> dict[str, str]:
    attrs = dict(EDGE_STYLES[edge.kind])
    if edge.change is not None:
        attrs["color"] = CHANGE_COLOURS[edge.change]
        attrs["penwidth"] = "2.5"
        if edge.change == "removed":
            attrs["style"] = "dashed"
    lines = list(edge.lines)
    if edge.codes and edge.severity:
        lines.extend(edge.titles or (" ".join(edge.codes),))
        attrs["color"] = SEVERITY_COLOURS[edge.severity]
        attrs["penwidth"] = "3"
    if edge.weight is not None:
        width = 1 + 7 * edge.weight
        attrs["penwidth"] = f"{width:.2f}"
        attrs["arrowsize"] = f"{max(0.35, 0.9 / width**0.5):.2f}"  # heads grow with the pen
    if edge.lit is not None:
        attrs.update(_LIT if edge.lit else _FADED)
    if lines:
        width = int(NARROW["edge"]) if narrow else _EDGE_LABEL_WIDTH
        wrapped = [part for line in lines for part in wrap(line, width)]
        ink = "#222222" if edge.lit is not False else _FADED["fontcolor"]
        attrs["label"] = f"<{_small(_lines(wrapped), ink)}>"
    return attrs


_LIT = {"penwidth": "3", "color": "#000000"}
"""A traced step or transition: on the case's routes (bold, black)."""
_FADED = {"color": "#C8C8C8", "fontcolor": "#A0A0A0", "fillcolor": "#F4F4F4"}
"""A step or transition the traced case cannot reach (greyed)."""


_EDGE_LABEL_WIDTH = 30
SATURATION_COLOURS = {"unstable": "#B00000", "near": "#7A5200"}
"""Ink of the simulation overlay's saturation warning at a step (red; amber near it)."""
_SATURATION_ENTRY = {
    "unstable": (
        N_("saturated"),
        N_("the role's queue grows without bound: its waits depend only on how long the run was"),
    ),
    "near": (N_("near saturation"), N_("the role is 90% busy or more: waits vary a lot")),
}
_FINDING_ENTRY = {
    "error": N_("error finding (codes shown)"),
    "warning": N_("warning finding (codes shown)"),
}
_LEGEND_COLUMNS = 4
_LEGEND_WIDTH = 40
"""Characters at which a legend entry holding the reader's words (a trace's facts, a
version) wraps, so that one long entry does not widen the legend and with it every printed
page (issue 18 audit: a trace of two facts printed on 11 A3 sheets, of which five held one
step each, where the pathway alone takes 6)."""


def _wrapped(meaning: str) -> str:
    """A legend entry's meaning as lines of at most about :data:`_LEGEND_WIDTH` characters."""
    return "\n".join(wrap(meaning, _LEGEND_WIDTH))


def _legend(diagram: Diagram, compact: bool = False, columns: int = _LEGEND_COLUMNS) -> str:
    """A legend laid out in a few wide rows, so it adds little to the diagram's height;
    ``compact`` (each page of a paginated drawing) keeps the shapes and lines only."""
    return _legend_table(*legend_cells(diagram, compact), columns)


def legend_cells(
    diagram: Diagram, compact: bool = False, width: int | None = None
) -> tuple[str, tuple[tuple[str, str], ...]]:
    """The legend's heading and its entries as the HTML of their cells (sample, meaning),
    the meanings wrapped at ``width`` characters (None: the compact legend's
    ``diagram.legend_width``; 0: not wrapped). Pagination measures them to choose the
    compact legend's columns."""
    if width is None:
        width = diagram.legend_width if compact else 0
    return _legend_of(
        diagram.lang,
        any(node.kind in GATEWAYS for node in diagram.nodes),
        compact,
        () if compact else diagram.sectors,
        diagram.findings,
        diagram.since,
        diagram.traced,
        diagram.simulation,
        diagram.max_wait,
        diagram.saturation,
        width,
    )


@functools.lru_cache(maxsize=256)  # the same legend on page after page, round after round
def _legend_of(
    lang: str | None,
    gateways: bool,
    compact: bool,
    sectors: tuple[tuple[str, str, str, bool], ...],
    findings: bool,
    since: str,
    traced: str,
    simulation: bool,
    max_wait: float,
    saturation: tuple[str, ...] = (),
    width: int = 0,
) -> tuple[str, tuple[tuple[str, str], ...]]:
    """:func:`legend_cells` from what the legend shows."""

    deadline = text(tr("deadline", lang))
    heading = text(tr("Legend", lang))
    entries: list[tuple[str, str]] = [
        (text(tr("▷ pointed box", lang)), tr("entry: a case can start here", lang)),
        (text(tr("▢ rounded box", lang)), tr("action by the lane's role", lang)),
        (text(tr("⬡ hexagon", lang)), tr("decision: the role chooses an exit", lang)),
        (text(tr("┆ dashed box", lang)), tr("wait: time passes (court date ...)", lang)),
        (text(tr("◎ double box", lang)), tr("outcome: the case ends", lang)),
        *(
            [
                (
                    text(tr("◇ + diamond", lang)),
                    tr("fork / join: tracks start together; the join waits for all", lang),
                )
            ]
            if gateways
            else []
        ),
        ('<FONT COLOR="#404040">──▶</FONT>', tr("transition (internal or handoff)", lang)),
        ('<FONT COLOR="#0072B2"><B>━━▶</B></FONT>', tr("referral to another agency", lang)),
        ('<FONT COLOR="#D55E00">- - ▷</FONT>', tr("where a declined referral goes", lang)),
        (
            f'<FONT COLOR="#0B5394">{deadline}</FONT>',
            tr("time limit, at the step it ends at", lang),
        ),
        (text(tr("if ... 80%", lang)), tr("condition on case data; share", lang)),
    ]
    if compact:
        entries.append((text(tr("⇨ arrow box", lang)), tr("continues on another page", lang)))
    else:
        entries.append((_badges(tuple(BADGE_TAGS), lang), tr("tags safeguard rules check", lang)))
        for sector, frame, fill, dashed in sectors:
            swatch = (
                f'<TABLE BORDER="1" COLOR="{frame}" BGCOLOR="{fill}"><TR><TD>  </TD></TR></TABLE>'
            )
            pattern = N_("{sector} lane (dashed)") if dashed else N_("{sector} lane")
            entries.append((swatch, tr(pattern, lang).format(sector=sector_word(sector, lang))))
    if findings:
        for severity, colour in SEVERITY_COLOURS.items():
            swatch = f'<TABLE BORDER="3" COLOR="{colour}"><TR><TD>  </TD></TR></TABLE>'
            entries.append((swatch, tr(_FINDING_ENTRY[severity], lang)))
    if since:
        added, removed = CHANGE_COLOURS["added"], CHANGE_COLOURS["removed"]
        entries.append(
            (
                f'<TABLE BORDER="3" COLOR="{added}"><TR><TD>  </TD></TR></TABLE>',
                _wrapped(tr("new since {version}", lang).format(version=since)),
            )
        )
        entries.append(
            (
                f'<FONT COLOR="{removed}">- - -</FONT>',
                _wrapped(tr("removed since {version}", lang).format(version=since)),
            )
        )
    if traced:
        entries.append(
            (
                "<B>━━▶</B>",
                _wrapped(tr("on the routes of a case where {facts}", lang).format(facts=traced)),
            )
        )
        entries.append(('<FONT COLOR="#A0A0A0">──▶</FONT>', tr("not for this case (greyed)", lang)))
    if simulation:
        cells = "".join(f'<TD BGCOLOR="{c}">  </TD>' for c in HEAT)
        scale = f'<TABLE BORDER="1" COLOR="#888888" CELLSPACING="0"><TR>{cells}</TR></TABLE>'
        longest = human_hours(max_wait, lang)
        entries.append((scale, tr("role's mean wait, 0 to {time}", lang).format(time=longest)))
        entries.append((text(tr("━ thicker", lang)), tr("more cases along the edge", lang)))
        for level in saturation:
            sample, meaning = _SATURATION_ENTRY[level]
            shown = _small(f"<B>{text(tr(sample, lang))}</B>", SATURATION_COLOURS[level])
            entries.append((shown, tr(meaning, lang)))
    if width:
        entries = [(sample, "\n".join(wrap(meaning, width))) for sample, meaning in entries]
    formatted = tuple(
        (
            _small(sample, "#222222") if "<" not in sample else sample,
            _small(_lines(meaning.splitlines()), "#222222"),
        )
        for sample, meaning in entries
    )
    return f"<B>{heading}</B>", formatted


LEGEND_TABLE = (1, 1, 1)
"""The legend table's border, cell spacing and cell padding (points), for measuring."""


@functools.lru_cache(maxsize=256)
def _legend_table(heading: str, cells: tuple[tuple[str, str], ...], columns: int) -> str:
    """The legend's table: its heading across, then ``columns`` entries a row."""
    rows = [f'<TR><TD COLSPAN="{2 * columns}" ALIGN="LEFT">{heading}</TD></TR>']
    for start in range(0, len(cells), columns):
        row = "".join(
            f'<TD ALIGN="LEFT">{sample}</TD><TD ALIGN="LEFT">{meaning}</TD>'
            for sample, meaning in cells[start : start + columns]
        )
        rows.append(f"<TR>{row}</TR>")
    body = "".join(rows)
    border, spacing, padding = LEGEND_TABLE
    return (
        f'<TABLE BORDER="{border}" COLOR="#AAAAAA" CELLBORDER="0" CELLSPACING="{spacing}" '
        f'CELLPADDING="{padding}">{body}</TABLE>'
    )


def line_pad(font: str) -> int:
    """Points of padding around each line of text: Khmer stacks vowels and subscripts above
    and below the line, so each line gets more room."""
    return 1 if font == FONT else 4


def _heading_rows(diagram: Diagram, pad: int) -> list[str]:
    """The heading (title and page number, wrapped at ``diagram.title_width`` characters when
    set) as table rows."""
    heading = diagram.title + (f" · {diagram.page}" if diagram.page else "")
    lines = wrap(heading, diagram.title_width) if diagram.title_width else [heading]
    return [
        f'<TR><TD ALIGN="LEFT" CELLPADDING="{pad}"><FONT POINT-SIZE="18"><B>{text(line)}</B>'
        "</FONT></TD></TR>"
        for line in lines
    ]


def heading_label(diagram: Diagram, pad: int) -> str:
    """The heading alone as an HTML-like label, to measure (pagination)."""
    body = "".join(_heading_rows(diagram, pad))
    return f'<<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0">{body}</TABLE>>'


def legend_label(diagram: Diagram, columns: int) -> str:
    """The compact legend alone as an HTML-like label, to measure (pagination)."""
    return f"<{_legend(diagram, True, columns)}>"


def _title(diagram: Diagram, pad: int, compact: bool, columns: int) -> str:
    """The title, subtitle, file-wide findings and the legend, above the lanes."""
    rows = _heading_rows(diagram, pad)
    rows += _rows([diagram.subtitle], _GREY, 10, "LEFT", pad)
    for severity, message in diagram.notes:
        colour = "#8B0000" if severity == "error" else "#7A5200"
        rows += _rows(wrap(message, 100), colour, 10, "LEFT", pad)
    rows.append(f'<TR><TD ALIGN="LEFT">{_legend(diagram, compact, columns)}</TD></TR>')
    return f'<<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0">{"".join(rows)}</TABLE>>'


_HTML_LABEL = re.compile(r"<.*>$", re.DOTALL)
_PLAIN_ID = re.compile(r"([a-zA-Z_][a-zA-Z0-9_]*|-?(\.[0-9]+|[0-9]+(\.[0-9]*)?))$")
_KEYWORDS = frozenset({"node", "edge", "graph", "digraph", "subgraph", "strict"})


@functools.lru_cache(maxsize=8192)  # ids, colours and labels repeat on page after page
def quote(value: str) -> str:
    """A DOT id or attribute value, written as the ``graphviz`` package writes it: an
    HTML-like label (``<...>``, made by :func:`text` and the label builders) as it is, a plain
    id (``lane3``, ``0.25``) as it is, anything else in double quotes with ``"`` escaped.

    Backslashes and line breaks never reach a plain value (ids are ``[A-Za-z0-9_.-]``, user
    text goes into HTML-like labels): DOT cannot quote a final backslash and would join a
    line at a backslash-newline, so they are refused rather than written.

    Examples
    --------
    >>> from pathways.render.dot import quote
    >>> quote("lane3"), quote("@head-lane3"), quote("node"), quote('a"b'), quote("<<B>x</B>>")
    ('lane3', '"@head-lane3"', '"node"', '"a\\\\"b"', '<<B>x</B>>')
    """
    if _HTML_LABEL.match(value):
        return value
    if _PLAIN_ID.match(value) and value.lower() not in _KEYWORDS:
        return value
    if "\\" in value or "\n" in value or "\r" in value:
        raise ValueError(f"cannot write {value!r} as a DOT id")
    return '"' + value.replace('"', '\\"') + '"'


def _attr_list(label: str | None, attrs: dict[str, str]) -> str:
    """`` [label=... a=1 b=2]``: the label first, then the rest sorted by name (as the
    ``graphviz`` package orders keyword attributes); empty without attributes."""
    parts = [f"label={quote(label)}"] if label is not None else []
    parts += [f"{quote(k)}={quote(v)}" for k, v in sorted(attrs.items())]
    return f" [{' '.join(parts)}]" if parts else ""


class _Writer:
    """The DOT text of a digraph, written line by line exactly as :class:`graphviz.Digraph`
    writes it (the same bytes: tested against the package), without its per-call
    argument checks and quoting machinery: pagination builds a graph for every page of every
    round, and the package's overhead was half of that."""

    def __init__(self) -> None:
        self.body: list[str] = []

    def node(self, name: str, label: str | None = None, **attrs: str) -> None:
        self.body.append(f"\t{quote(name)}{_attr_list(label, attrs)}\n")

    def edge(self, tail: str, head: str, label: str | None = None, **attrs: str) -> None:
        # ids never hold ":" (no ports), so an end is quoted as a whole
        self.body.append(f"\t{quote(tail)} -> {quote(head)}{_attr_list(label, attrs)}\n")

    def attr(self, **attrs: str) -> None:
        if attrs:
            self.body.append(f"\t{_attr_list(None, attrs)[2:-1]}\n")

    @contextlib.contextmanager
    def subgraph(self, name: str | None = None) -> Iterator[_Writer]:
        inner = _Writer()
        yield inner
        head = f"subgraph {quote(name)} {{\n" if name else "{\n"
        self.body += [f"\t{line}" for line in (head, *inner.body, "}\n")]


def _graph_source(
    name: str,
    graph_attr: dict[str, str],
    node_attr: dict[str, str],
    edge_attr: dict[str, str],
    body: list[str],
) -> str:
    lines = [f"digraph {quote(name)} {{\n" if name else "digraph {\n"]
    for kw, attrs in (("graph", graph_attr), ("node", node_attr), ("edge", edge_attr)):
        if attrs:
            lines.append(f"\t{kw}{_attr_list(None, attrs)}\n")
    return "".join([*lines, *body, "}\n"])


OUTCOMES_LANE = N_("Outcomes")
"""The title of the band that holds outcomes no agency owns."""


def draw(
    diagram: Diagram,
    direction: str = "LR",
    *,
    compact: bool = False,
    legend_columns: int | None = None,
) -> graphviz.Digraph:
    """Lay the diagram model out as a Graphviz digraph (no binary needed until it is drawn).

    Lanes are true swimlanes: one band per agency across the whole drawing, in the diagram's
    lane order, each opened by a title cell. Invisible edges hold every band's title before
    its first step and an invisible end point after its last, and chain the titles (and the
    ends) in order, so ``dot`` keeps the bands stacked in that order and full width.
    ``direction`` is ``LR`` (bands stacked top to bottom) or ``TB`` (columns left to right).
    """
    import graphviz

    name, graph_attr, node_attr, edge_attr, body = _parts(
        diagram, direction, compact, legend_columns
    )
    g = graphviz.Digraph(name=name, graph_attr=graph_attr, node_attr=node_attr, edge_attr=edge_attr)
    g.body = body
    return g


def draw_source(
    diagram: Diagram,
    direction: str = "LR",
    *,
    compact: bool = False,
    legend_columns: int | None = None,
) -> str:
    """The DOT text of :func:`draw` (the same bytes as its ``.source``), written directly:
    what pagination feeds ``dot`` for each page of each round."""
    return _graph_source(*_parts(diagram, direction, compact, legend_columns))


def blank_box(width: int, height: int) -> str:
    """An HTML-like label that is an empty box of ``width`` x ``height`` points: the size
    of a title for ``dot`` to lay out, without its text to measure."""
    return (
        '<<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="0" FIXEDSIZE="TRUE" '
        f'WIDTH="{width}" HEIGHT="{height}"><TR><TD></TD></TR></TABLE>>'
    )


def _parts(
    diagram: Diagram,
    direction: str,
    compact: bool,
    legend_columns: int | None,
) -> tuple[str, dict[str, str], dict[str, str], dict[str, str], list[str]]:
    """The graph's name, its graph, node and edge attributes, and its body lines (the legend
    ``legend_columns`` entries wide; None: the diagram's own choice, else 4)."""
    if legend_columns is None:
        legend_columns = diagram.legend_columns or _LEGEND_COLUMNS
    if direction not in DIRECTIONS:
        raise ValueError(f"unknown direction {direction!r}; use LR or TB")
    font = diagram.font
    pad = line_pad(font)
    narrow, wide = diagram.narrow, diagram.wide
    graph_attr = {
        "rankdir": direction,
        "newrank": "true",
        "fontname": font,
        "label": _title(diagram, pad, compact, legend_columns),
        "labelloc": "t",
        "labeljust": "l",
        "nodesep": "0.25",
        "ranksep": "0.4",
        "pad": "0.2",
        "bgcolor": "white",
        # A page's PDF is exactly its layout plus the pad: cairo's PDF otherwise adds a
        # 36 pt margin on every side, which shrank the printed text below 7 pt.
        **({"margin": "0"} if compact else {}),
    }
    node_attr = {
        "fontname": font,
        "fontsize": "11",
        "margin": "0.08,0.04",
        "fillcolor": "white",
        "color": "#333333",
    }
    edge_attr = {"fontname": font, "fontsize": str(SMALL), "arrowsize": "0.7"}
    g = _Writer()
    by_id = {node.id: node for node in diagram.nodes}

    def add_node(target: _Writer, node: Node) -> None:
        attrs = dict(SHAPES[node.kind])
        if node.heat is not None:
            attrs["fillcolor"] = HEAT[node.heat]
        if node.change == "added":
            attrs["color"] = CHANGE_COLOURS["added"]
            attrs["penwidth"] = "3.5"
        elif node.change == "removed":
            attrs["color"] = CHANGE_COLOURS["removed"]
            attrs["fontcolor"] = "#666666"
            attrs["fillcolor"] = "#F2F2F2"
            attrs["style"] = (
                attrs["style"].replace("dashed,", "").replace("filled", "dashed,filled")
            )
        if node.codes and node.severity:
            attrs["color"] = SEVERITY_COLOURS[node.severity]
            attrs["penwidth"] = "3.5"
        if node.lit is not None:
            attrs.update(_LIT if node.lit else _FADED)
        if node.kind in GATEWAYS:  # BPMN parallel gateway: "+" inside, the text beside it
            attrs["xlabel"] = _node_label(node, pad, diagram.lang, narrow, wide)
            target.node(node.id, label='<<FONT POINT-SIZE="22"><B>+</B></FONT>>', **attrs)
            return
        target.node(node.id, label=_node_label(node, pad, diagram.lang, narrow, wide), **attrs)

    placed = {n for lane in diagram.lanes for n in lane.nodes}
    outside = tuple(node.id for node in diagram.nodes if node.id not in placed)
    markers: dict[str | None, list[Marker]] = {}
    for marker in diagram.markers:
        markers.setdefault(marker.lane, []).append(marker)
    bands: list[tuple[str, str, dict[str, str], tuple[str, ...]]] = [
        (
            lane.key,
            _lane_label(lane, pad, diagram.lang, narrow),
            {
                "style": "filled,dashed" if lane.dashed else "filled",
                "fillcolor": lane.fill,
                "color": lane.frame,
            },
            lane.nodes,
        )
        for lane in diagram.lanes
    ]
    if outside or None in markers:
        outcomes = f"<<B>{text(tr(OUTCOMES_LANE, diagram.lang))}</B>>"
        bands.append(
            (
                "outcomes",
                outcomes,
                {"style": "filled", "fillcolor": "#F4F4F4", "color": "#999999"},
                outside,
            )
        )
    heads: list[str] = []
    ends: list[str] = []
    # Every title cell the same size, so the bands start at one line.
    rows = max((len(_lane_rows(lane, diagram.lang, narrow)) for lane in diagram.lanes), default=1)
    head_size = {"width": str((NARROW if narrow else _WIDTHS)["head"])}
    if direction == "TB":
        head_size["height"] = f"{rows * (14 + 2 * pad) / 72 + 0.15:.2f}"
    for key, label, style, members in bands:
        head, end = f"@head-{key}", f"@end-{key}"
        heads.append(head)
        ends.append(end)
        lane_markers = markers.get(None if key == "outcomes" else key, [])
        with g.subgraph(name=f"cluster_{key}") as c:
            c.attr(label="", penwidth="1.2", margin="6", fontname=font, **style)
            c.node(head, label=label, shape="plaintext", fixedsize="shape", **head_size)
            c.node(end, label="", shape="point", style="invis", width="0.01")
            for node_id in members:
                add_node(c, by_id[node_id])
            for marker in lane_markers:
                width = _line_width(marker, direction, narrow)
                c.node(
                    marker.id,
                    label=f"<{_marker_label(marker.text, pad, width)}>",
                    shape="larrow" if marker.incoming else "rarrow",
                    # The head of the arrow takes about 6 pt off the body above and below:
                    # a taller margin keeps every line of the text inside the body.
                    margin="0.11,0.16" if pad <= 1 else "0.17,0.16",
                    style="filled",
                    fillcolor="#FFFFFF",
                    color="#666666",
                )
    # The band order: one invisible node before the titles whose out-edges keep their order
    # (``ordering=out``), and one after the ends whose in-edges keep theirs.
    g.node("@spine", label="", shape="point", style="invis", width="0.01", ordering="out")
    g.node("@tail", label="", shape="point", style="invis", width="0.01", ordering="in")
    for head, end in zip(heads, ends, strict=True):
        g.edge("@spine", head, style="invis")
        g.edge(end, "@tail", style="invis")
    for chain in (heads, ends):
        with g.subgraph() as same:
            same.attr(rank="same")
            for node_id in chain:
                same.node(node_id)
    # Titles before every step, ends after: an edge from the first title to each step nothing
    # leads to, and from each step that leads nowhere to the first end (the rest follow
    # through the same-rank chains). Far fewer edges than one per step, and as binding.
    sources = {n for n in by_id} | {m.id for m in diagram.markers}
    sinks = set(sources)
    for edge in diagram.edges:
        sources.discard(edge.target)
        sinks.discard(edge.source)
    for node_id in sorted(sources):
        g.edge(heads[0], node_id, style="invis", weight="0")
    for node_id in sorted(sinks):
        g.edge(node_id, ends[0], style="invis", weight="0")
    for edge in diagram.edges:
        g.edge(edge.source, edge.target, **_edge_attrs(edge, narrow))
    return diagram.id, graph_attr, node_attr, edge_attr, g.body
