"""Diagram model -> Mermaid flowchart text: one subgraph per agency, no binary needed.

Every label is a quoted Mermaid string (``"..."``) in which each character that is not a
letter, mark, digit, space or harmless punctuation is written as a Mermaid entity code
(``#34;`` for ``"``, ``#60;`` for ``<``, ``#35;`` for ``#`` ...). Mermaid turns those into
HTML character references, so quotes cannot end the string and ``<script>`` stays text.
Node and subgraph ids are generated (``s0``, ``lane0``), never taken from the file.

A traced drawing (``pathways trace FILE facts -o trace.mmd``) lights the case's routes the way
the SVG does: steps on them get the class ``lit`` (bold black frame), the rest ``faded`` (grey),
each transition its ``linkStyle``, and a key node ``trace0`` says which facts were traced.
"""

from __future__ import annotations

import unicodedata

from pathways.i18n import tr
from pathways.render._text import MAX_TEXT, printable, shorten, wrap
from pathways.render.dot import badge_word
from pathways.render.extract import (
    CHANGE_COLOURS,
    HEAT,
    SEVERITY_COLOURS,
    Diagram,
    Edge,
    Node,
    sector_word,
)

__all__ = ["draw", "escape"]

_LIT = "stroke:#000000,stroke-width:3px"
"""A traced step or transition: on the case's routes (bold, black; the SVG's pen)."""
_FADED = "fill:#F4F4F4,stroke:#C8C8C8,color:#A0A0A0"
"""A step the traced case cannot reach (greyed, as in the SVG)."""
_FADED_LINK = "stroke:#C8C8C8,color:#A0A0A0"

_SAFE_PUNCTUATION = frozenset(" .,:;!?'-_/()+=@~*^$")

_SHAPES: dict[str, tuple[str, str]] = {
    "entry": (">", "]"),
    "action": ("(", ")"),
    "decision": ("{{", "}}"),
    "wait": ("[/", "/]"),
    "outcome": ("([", "])"),
    "fork": ("{", "}"),  # BPMN parallel gateway: a diamond whose text starts with "+"
    "join": ("{", "}"),
}

_ARROWS: dict[str, str] = {
    "internal": "-->",
    "handoff": "-->",
    "referral": "==>",
    "fallback": "-.->",
}


def escape(value: str) -> str:
    """Write text for inside a quoted Mermaid label, as entity codes where needed.

    Examples
    --------
    >>> from pathways.render.mermaid import escape
    >>> escape('a "b" <script> #1 {x}')
    'a #34;b#34; #60;script#62; #35;1 #123;x#125;'
    """
    out: list[str] = []
    for char in printable(shorten(value, MAX_TEXT)):
        category = unicodedata.category(char)
        if char in _SAFE_PUNCTUATION or (category[0] in "LMN" and char not in "`"):
            out.append(char)
        elif char in "\r\n\t":
            out.append(" ")
        else:
            out.append(f"#{ord(char)};")
    return "".join(out)


def _label(lines: list[str]) -> str:
    return '"' + "<br>".join(escape(line) for line in lines) + '"'


def _node(node: Node, lang: str | None = None) -> str:
    lines = node.lines(34)
    if node.kind in ("fork", "join"):
        lines = ["+", *lines]
    if node.role:
        lines.append(f"({node.role})")
    if node.badges:
        lines.append(" ".join(f"[{badge_word(b, lang)}]" for b in node.badges))
    lines.extend(node.deadlines)
    if node.stats:
        lines.append(node.stats)
    if node.alert:
        lines.append(f"⚠ {node.alert}")
    if node.codes and node.severity:
        lines.extend(node.titles or (" ".join(node.codes),))
    start, end = _SHAPES[node.kind]
    return f"{start}{_label(lines)}{end}"


def _edge_text(edge: Edge) -> list[str]:
    lines = list(edge.lines)
    if edge.codes and edge.severity:
        lines.extend(edge.titles or (" ".join(edge.codes),))
    return lines


def draw(diagram: Diagram, direction: str = "LR") -> str:
    """The Mermaid flowchart of a diagram model (``direction``: LR or TB)."""
    ids = {node.id: f"s{number}" for number, node in enumerate(diagram.nodes)}
    by_id = {node.id: node for node in diagram.nodes}
    out: list[str] = []
    if diagram.font != "DejaVu Sans":
        out.append('%%{init: {"themeVariables": {"fontFamily": "' + diagram.font + '"}}}%%')
    out.append(f"flowchart {'TB' if direction == 'TB' else 'LR'}")
    styles: list[str] = []
    placed: set[str] = set()
    for number, lane in enumerate(diagram.lanes):
        sector = tr("sector: {sector}", diagram.lang).format(
            sector=sector_word(lane.sector, diagram.lang)
        )
        title = [*wrap(lane.title, 60), sector, *lane.contacts]
        out.append(f"  subgraph lane{number}[{_label(title)}]")
        for node_id in lane.nodes:
            out.append(f"    {ids[node_id]}{_node(by_id[node_id], diagram.lang)}")
            placed.add(node_id)
        out.append("  end")
        dash = ",stroke-dasharray:6 3" if lane.dashed else ""
        styles.append(f"  style lane{number} fill:{lane.fill},stroke:{lane.frame}{dash}")
    for node in diagram.nodes:
        if node.id not in placed:
            out.append(f"  {ids[node.id]}{_node(node, diagram.lang)}")
    if diagram.traced:
        key = [
            "━━▶ "
            + tr("on the routes of a case where {facts}", diagram.lang).format(
                facts=diagram.traced
            ),
            "──▶ " + tr("not for this case (greyed)", diagram.lang),
        ]
        out.append(f"  trace0[{_label(key)}]")
    for number, edge in enumerate(diagram.edges):
        text = _edge_text(edge)
        label = f"|{_label(text)}|" if text else ""
        out.append(f"  {ids[edge.source]} {_ARROWS[edge.kind]}{label} {ids[edge.target]}")
        link: list[str] = []
        if edge.kind == "referral":
            link.append("stroke:#0072B2")
        elif edge.kind == "fallback":
            link.append("stroke:#D55E00")
        if edge.change is not None:
            link = [f"stroke:{CHANGE_COLOURS[edge.change]}", "stroke-width:2.5px"]
            if edge.change == "removed":
                link.append("stroke-dasharray:6 3")
        if edge.codes and edge.severity:
            link = [f"stroke:{SEVERITY_COLOURS[edge.severity]}", "stroke-width:3px"]
        if edge.weight is not None:
            link.append(f"stroke-width:{1 + 7 * edge.weight:.1f}px")
        if edge.lit is not None:
            link = [_LIT if edge.lit else _FADED_LINK]
        if link:
            styles.append(f"  linkStyle {number} {','.join(link)}")
    for node in diagram.nodes:
        node_style: list[str] = []
        if node.heat is not None:
            node_style.append(f"fill:{HEAT[node.heat]}")
        if node.change is not None:
            node_style += [f"stroke:{CHANGE_COLOURS[node.change]}", "stroke-width:3px"]
            if node.change == "removed":
                node_style.append("stroke-dasharray:6 3")
        if node.codes and node.severity:
            node_style += [f"stroke:{SEVERITY_COLOURS[node.severity]}", "stroke-width:3px"]
        if node_style:
            styles.append(f"  style {ids[node.id]} {','.join(node_style)}")
    if diagram.traced:
        styles.append(f"  classDef lit {_LIT}")
        styles.append(f"  classDef faded {_FADED}")
        for name in ("lit", "faded"):
            members = [ids[n.id] for n in diagram.nodes if n.lit is (name == "lit")]
            if members:
                styles.append(f"  class {','.join(members)} {name}")
        styles.append("  classDef key fill:#FFFFFF,stroke:#AAAAAA")
        styles.append("  class trace0 key")
    return "\n".join(out + styles) + "\n"
