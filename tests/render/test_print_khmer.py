"""Continuation markers on printed Khmer sheets hold their text (issue 18 audit).

Seen on the printed A3 sheets of `render --lang km`: the lines of a "ពីទំព័រ 6៖ ..." marker
were spaced by the font size alone (``<BR/>``), so Khmer's stacked vowels and subscripts, and
the widest line, stood over the arrow's outline. Read from Graphviz's own layout (``-Tjson``:
the outline's points, each line's anchor and measured width), every line of every marker lies
inside the outline, with Khmer's glyph extent (an em above the baseline, half an em below).
"""

from __future__ import annotations

import json
import subprocess

import pathways
from pathways.render.dot import draw
from pathways.render.extract import extract
from pathways.render.pages import page_diagrams

from ._helpers import P1, requires_dot

Point = tuple[float, float]


def _outline_x(points: list[Point], y: float) -> tuple[float, float] | None:
    """(leftmost, rightmost) x where the closed outline crosses height ``y``, or None."""
    xs = [
        x0 + (x1 - x0) * (y - y0) / (y1 - y0)
        for (x0, y0), (x1, y1) in zip(points, points[1:] + points[:1], strict=True)
        if y0 != y1 and (y0 - y) * (y1 - y) <= 0
    ]
    return (min(xs), max(xs)) if xs else None


def _lines_outside(layout: dict[str, object], up: float, down: float) -> list[str]:
    """The marker lines of a ``dot -Tjson`` layout whose box crosses the marker's outline."""
    problems = []
    for obj in layout.get("objects", []):  # type: ignore[attr-defined]
        if not str(obj["name"]).startswith(("@from-", "@to-")):
            continue
        points = [tuple(p) for op in obj["_draw_"] if op["op"] in "pP" for p in op["points"]]
        size = 9.0
        for op in obj.get("_ldraw_", []):
            if op["op"] == "F":
                size = op["size"]
            if op["op"] != "T":
                continue
            (x, base), width = op["pt"], op["width"]
            left = x + {"l": 0.0, "c": -0.5, "r": -1.0}[op["align"]] * width
            for y in (base - down * size, base, base + up * size):
                span = _outline_x(points, y)
                if span is None or left < span[0] - 0.5 or left + width > span[1] + 0.5:
                    problems.append(f"{obj['name']}: {op['text']!r}")
                    break
    return problems


@requires_dot
def test_khmer_markers_hold_their_lines() -> None:
    pages = page_diagrams(extract(pathways.load(P1), lang="km"))
    sources = [draw(sub, "LR", compact=True).source for sub in pages]
    problems, markers = [], 0
    for source in sources:
        run = subprocess.run(["dot", "-Tjson"], input=source.encode(), capture_output=True)
        layout = json.loads(run.stdout)
        markers += sum(
            str(o["name"]).startswith(("@from-", "@to-")) for o in layout.get("objects", [])
        )
        problems += _lines_outside(layout, up=1.0, down=0.5)
    assert markers >= 20
    assert problems == []
