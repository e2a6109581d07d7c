"""Diagram model -> Graphviz: swimlanes per agency, shapes per step kind, a legend.

Every piece of user text goes into an HTML-like label through :func:`text`, which escapes it
fully (``& < > " '`` as entities and ``\\`` doubled, so Graphviz's ``\\N``/``\\G`` escapes
cannot fire). No user text is ever written into a plain quoted attribute, so no label can
close a string, open markup, or reach the SVG as anything but text.
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

from pathways.render._text import printable, wrap
from pathways.render.extract import (
    BADGE_TAGS,
    FONT,
    HEAT,
    SEVERITY_COLOURS,
    Diagram,
    Edge,
    Lane,
    Node,
)

if TYPE_CHECKING:
    import graphviz

__all__ = ["SHAPES", "draw", "text"]

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


def text(value: str) -> str:
    """Escape user text for a Graphviz HTML-like label.

    Examples
    --------
    >>> from pathways.render.dot import text
    >>> text('<script>"&\\\\N')
    '&lt;script&gt;&quot;&amp;\\\\\\\\N'
    """
    return html.escape(printable(value), quote=True).replace("\\", "\\\\")


def _lines(lines: list[str]) -> str:
    return "<BR/>".join(text(line) for line in lines)


def _small(value: str, colour: str = _GREY, size: int = 9) -> str:
    return f'<FONT POINT-SIZE="{size}" COLOR="{colour}">{value}</FONT>'


def _rows(
    lines: list[str], colour: str | None = None, size: int = 9, align: str = "", pad: int = 1
) -> list[str]:
    # One table row per line, not <BR/>, so each line can be padded: Graphviz spaces lines by
    # the font size alone, which makes Khmer's stacked vowels and subscripts collide.
    where = f' ALIGN="{align}"' if align else ""
    cells = (text(line) if colour is None else _small(text(line), colour, size) for line in lines)
    return [f'<TR><TD{where} CELLPADDING="{pad}">{cell}</TD></TR>' for cell in cells]


def _badges(badges: tuple[str, ...]) -> str:
    cells = "".join(
        f'<TD BGCOLOR="{BADGE_TAGS[b]}" WIDTH="{6 * len(b) + 8}" HEIGHT="11" FIXEDSIZE="TRUE">'
        f'<FONT POINT-SIZE="7">{text(b.upper())}</FONT></TD>'
        for b in badges
    )
    return f'<TABLE BORDER="0" CELLSPACING="3" CELLPADDING="0"><TR>{cells}</TR></TABLE>'


def _node_label(node: Node, pad: int) -> str:
    rows = _rows(node.lines(), pad=pad)
    if node.role:
        rows += _rows(wrap(node.role, 36), _GREY, pad=pad)
    if node.badges:
        rows.append(f"<TR><TD>{_badges(node.badges)}</TD></TR>")
    for line in node.deadlines:
        rows += _rows(wrap(line, 36), "#0B5394", pad=pad)
    if node.stats:
        rows += _rows([node.stats], "#000000", pad=pad)
    if node.codes and node.severity:
        colour = "#8B0000" if node.severity == "error" else "#7A5200"
        rows += _rows([" ".join(node.codes)], colour, 10, pad=pad)
    body = "".join(rows)
    return f'<<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="1">{body}</TABLE>>'


def _lane_label(lane: Lane, pad: int) -> str:
    rows = [
        f'<TR><TD ALIGN="LEFT" CELLPADDING="{pad}"><B>{text(line)}</B></TD></TR>'
        for line in wrap(lane.title, 44)
    ]
    rows += _rows([f"sector: {lane.sector}"], "#333333", 9, "LEFT", pad)
    for contact in lane.contacts:
        rows += _rows(wrap(contact, 50), _GREY, 9, "LEFT", pad)
    body = "".join(rows)
    return f'<<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="1">{body}</TABLE>>'


def _edge_attrs(edge: Edge) -> dict[str, str]:
    attrs = dict(EDGE_STYLES[edge.kind])
    lines = list(edge.lines)
    if edge.codes and edge.severity:
        lines.append(" ".join(edge.codes))
        attrs["color"] = SEVERITY_COLOURS[edge.severity]
        attrs["penwidth"] = "3"
    if edge.weight is not None:
        width = 1 + 7 * edge.weight
        attrs["penwidth"] = f"{width:.2f}"
        attrs["arrowsize"] = f"{max(0.35, 0.9 / width**0.5):.2f}"  # heads grow with the pen
    if lines:
        attrs["label"] = f"<{_small(_lines(lines), '#222222', 9)}>"
    return attrs


_LEGEND_COLUMNS = 2


def _legend(diagram: Diagram) -> str:
    """A legend laid out in a few wide rows, so it adds little to the diagram's height."""
    entries: list[tuple[str, str]] = [
        ("▷ pointed box", "entry: a case can start here"),
        ("▢ rounded box", "action by the lane's role"),
        ("⬡ hexagon", "decision: the role chooses an exit"),
        ("┆ dashed box", "wait: time passes (court date ...)"),
        ("◎ double box", "outcome: the case ends"),
        *(
            [("◇ + diamond", "fork / join: tracks start together; the join waits for all")]
            if any(node.kind in GATEWAYS for node in diagram.nodes)
            else []
        ),
        ('<FONT COLOR="#404040">──▶</FONT>', "transition (internal or handoff)"),
        ('<FONT COLOR="#0072B2"><B>━━▶</B></FONT>', "referral to another agency"),
        ('<FONT COLOR="#D55E00">- - ▷</FONT>', "where a declined referral goes"),
        ('<FONT COLOR="#0B5394">deadline</FONT>', "time limit, at the step it ends at"),
        ("[guard] 80%", "condition on case data; share"),
        (_badges(tuple(BADGE_TAGS)), "tags safeguard rules check"),
    ]
    for sector, frame, fill, dashed in diagram.sectors:
        swatch = f'<TABLE BORDER="1" COLOR="{frame}" BGCOLOR="{fill}"><TR><TD>  </TD></TR></TABLE>'
        entries.append((swatch, f"{sector} lane" + (" (dashed)" if dashed else "")))
    if diagram.findings:
        for severity, colour in SEVERITY_COLOURS.items():
            swatch = f'<TABLE BORDER="3" COLOR="{colour}"><TR><TD>  </TD></TR></TABLE>'
            entries.append((swatch, f"{severity} finding (codes shown)"))
    if diagram.simulation:
        cells = "".join(f'<TD BGCOLOR="{c}">  </TD>' for c in HEAT)
        scale = f'<TABLE BORDER="1" COLOR="#888888" CELLSPACING="0"><TR>{cells}</TR></TABLE>'
        entries.append((scale, f"role's mean wait, 0 to {diagram.max_wait:.1f}h"))
        entries.append(("━ thicker", "more cases along the edge"))
    rows = [f'<TR><TD COLSPAN="{2 * _LEGEND_COLUMNS}" ALIGN="LEFT"><B>Legend</B></TD></TR>']
    for start in range(0, len(entries), _LEGEND_COLUMNS):
        cells = "".join(
            f'<TD ALIGN="LEFT">{sample}</TD>'
            f'<TD ALIGN="LEFT">{_small(text(meaning), "#222222")}</TD>'
            for sample, meaning in entries[start : start + _LEGEND_COLUMNS]
        )
        rows.append(f"<TR>{cells}</TR>")
    body = "".join(rows)
    return (
        '<<TABLE BORDER="1" COLOR="#AAAAAA" CELLBORDER="0" CELLSPACING="2" CELLPADDING="2">'
        f"{body}</TABLE>>"
    )


def _title(diagram: Diagram, pad: int) -> str:
    rows = [
        f'<TR><TD CELLPADDING="{pad}"><FONT POINT-SIZE="18"><B>{text(diagram.title)}</B></FONT>'
        "</TD></TR>",
        *_rows([diagram.subtitle], _GREY, 10, pad=pad),
    ]
    for severity, message in diagram.notes:
        colour = "#8B0000" if severity == "error" else "#7A5200"
        rows += _rows(wrap(message, 100), colour, 10, pad=pad)
    return f'<<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0">{"".join(rows)}</TABLE>>'


def draw(diagram: Diagram) -> graphviz.Digraph:
    """Lay the diagram model out as a Graphviz digraph (no binary needed until it is drawn)."""
    import graphviz

    font = diagram.font
    # Khmer stacks vowels and subscripts above and below the line: give each line more room.
    pad = 1 if font == FONT else 4
    g = graphviz.Digraph(
        name=diagram.id,
        graph_attr={
            "rankdir": "LR",
            "newrank": "true",
            "fontname": font,
            "label": _title(diagram, pad),
            "labelloc": "t",
            "labeljust": "l",
            "nodesep": "0.3",
            "ranksep": "0.45",
            "pad": "0.3",
            "bgcolor": "white",
        },
        node_attr={
            "fontname": font,
            "fontsize": "11",
            "margin": "0.08,0.04",
            "fillcolor": "white",
            "color": "#333333",
        },
        edge_attr={"fontname": font, "fontsize": "9", "arrowsize": "0.7"},
    )
    by_id = {node.id: node for node in diagram.nodes}

    def add_node(target: graphviz.Digraph, node: Node) -> None:
        attrs = dict(SHAPES[node.kind])
        if node.heat is not None:
            attrs["fillcolor"] = HEAT[node.heat]
        if node.codes and node.severity:
            attrs["color"] = SEVERITY_COLOURS[node.severity]
            attrs["penwidth"] = "3.5"
        if node.kind in GATEWAYS:  # BPMN parallel gateway: "+" inside, the text beside it
            attrs["xlabel"] = _node_label(node, pad)
            target.node(node.id, label='<<FONT POINT-SIZE="22"><B>+</B></FONT>>', **attrs)
            return
        target.node(node.id, label=_node_label(node, pad), **attrs)

    for number, lane in enumerate(diagram.lanes):
        with g.subgraph(name=f"cluster_{number}") as c:
            c.attr(
                label=_lane_label(lane, pad),
                labeljust="l",
                fontname=font,
                style="filled,rounded,dashed" if lane.dashed else "filled,rounded",
                fillcolor=lane.fill,
                color=lane.frame,
                penwidth="1.5",
                margin="10",
            )
            for node_id in lane.nodes:
                add_node(c, by_id[node_id])
    placed = {n for lane in diagram.lanes for n in lane.nodes}
    outside = [node for node in diagram.nodes if node.id not in placed]
    for node in outside:
        add_node(g, node)
    ends = [node.id for node in outside if node.kind == "outcome"]
    if ends:
        with g.subgraph(name="outcomes") as s:
            s.attr(rank="max")
            for node_id in ends:
                s.node(node_id)
    for edge in diagram.edges:
        g.edge(edge.source, edge.target, **_edge_attrs(edge))
    g.node("@legend", label=_legend(diagram), shape="plaintext")
    return g
