"""A pathway -> BPMN 2.0 XML with diagram interchange (``pathways export``).

The mapping (``docs/bpmn.md``, "Export"):

- **One pool** for the pathway (one ``process``), with a lane per agency and, inside it, a
  child lane per role that owns a step. A case is one token moving between agencies; in BPMN,
  sequence flows cannot cross pools, so a pool per agency would turn every cross-agency
  transition into a message flow between fragments of processes (and forks and joins across
  agencies could not be drawn at all). One pool keeps the pathway's semantics exactly; the
  agencies are still visible as the top-level lanes. Steps without a role (outcomes) sit in a
  last lane marked ``pw:roleless="true"``.
- Steps: ``entry`` -> start event, ``action`` -> task (``userTask``, ``manualTask``,
  ``serviceTask``, ``sendTask``, ``receiveTask``, ``scriptTask`` or ``businessRuleTask`` when
  the step carries that tag), ``decision`` -> exclusive gateway, ``fork`` / ``join`` ->
  parallel gateway (diverging / converging), ``wait`` -> intermediate timer catch event with
  its duration in ISO 8601, ``outcome`` -> end event. An entry step that transitions lead back
  into becomes a task after a start event, and an outcome with exits a task (start events take
  no incoming flow, end events no outgoing one).
- Transitions -> sequence flows; a guard is the flow's ``conditionExpression`` (in the guard
  language, ``language="https://pathways.invalid/guards"``). A step other than a decision or a
  fork with two or more exits is followed by an exclusive gateway (``pw:split``): in BPMN two
  plain outgoing flows would both be taken. A transition with a ``delay`` passes through an
  intermediate timer catch event (``pw:kind="delay"``) holding the delay.
- What BPMN has no element for is kept in attributes of the ``pw`` namespace
  (:data:`PW_NS`), on the element it belongs to, and labels written as maps, every locale, in
  ``pw:label`` extension elements: an importer that knows them restores the pathway, others
  ignore them (BPMN allows attributes of other namespaces on every element).
- Diagram interchange: Graphviz's ``dot`` lays the pathway out as bands, one per role lane
  (grouped by agency, in the order of the rendered swimlanes), with nodes of BPMN's sizes;
  the shapes' bounds, the lanes' bands and the flows' waypoints come from that layout.

The XML is written with :mod:`xml.etree.ElementTree` (every text and attribute escaped by
the library); control characters, which XML 1.0 cannot hold, are replaced by U+FFFD.
"""

from __future__ import annotations

import itertools
import json
import math
import re
import unicodedata
import xml.etree.ElementTree as ET
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pathways._version import __version__
from pathways.bpmn.restore import PW_NS, TASK_KINDS, XML_NS
from pathways.durations import format_hours
from pathways.errors import RenderError
from pathways.i18n import N_, tr
from pathways.model import Duration, Label, Pathway, Step, Transition, Visibility, label_text

__all__ = [
    "BPMNDI_NS",
    "BPMN_NS",
    "DATA_KEYS",
    "DC_NS",
    "DI_NS",
    "DOT_LIMIT",
    "GUARD_LANGUAGE",
    "LAYOUTS",
    "PW_NS",
    "TASK_TAGS",
    "iso_duration",
    "to_bpmn",
    "write_bpmn",
]

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
BPMNDI_NS = "http://www.omg.org/spec/BPMN/20100524/DI"
DC_NS = "http://www.omg.org/spec/DD/20100524/DC"
DI_NS = "http://www.omg.org/spec/DD/20100524/DI"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"

GUARD_LANGUAGE = "https://pathways.invalid/guards"
"""The ``language`` of a condition expression written in the guard language."""

TASK_TAGS = {tag: kind for kind, tag in TASK_KINDS.items()}
"""Action steps with one of these tags are written as that kind of task (first tag wins)."""

TASK_SIZE = (100.0, 80.0)
EVENT_SIZE = (36.0, 36.0)
GATEWAY_SIZE = (50.0, 50.0)
HEADER = 30.0
"""Width of the name strip of a pool or a lane (bpmn-js draws names in it)."""
ORIGIN = (160.0, 80.0)

ROLELESS_LANE = N_("Outcomes")

_NCNAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]*$")
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff\u202a-\u202e\u2066-\u2069]")
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
"""Characters XML 1.0 cannot hold, not even as character references."""

for _prefix, _uri in (
    ("bpmn", BPMN_NS),
    ("bpmndi", BPMNDI_NS),
    ("dc", DC_NS),
    ("di", DI_NS),
    ("xsi", XSI_NS),
    ("pw", PW_NS),
):
    ET.register_namespace(_prefix, _uri)


def _b(tag: str) -> str:
    return f"{{{BPMN_NS}}}{tag}"


def _pw(name: str) -> str:
    return f"{{{PW_NS}}}{name}"


def _clean(text: str) -> str:
    """Text XML 1.0 can hold: control characters and bidi overrides become U+FFFD."""
    return _CONTROL.sub("\ufffd", text.replace("\t", " "))


def _xml_text(text: str) -> str:
    """``text`` with only the characters XML 1.0 cannot hold replaced by U+FFFD (for values
    that are not names: guards, reasons, tags, enum values; tabs and bidi marks are kept)."""
    return _XML_INVALID.sub("\ufffd", text)


def _xml_data(value: Any) -> Any:
    """:func:`_xml_text` on every string (keys too) of a JSON value, so ``pw:data`` agrees
    with the attributes and guards that name the same values (an enum value in a guard)."""
    if isinstance(value, str):
        return _xml_text(value)
    if isinstance(value, dict):
        return {_xml_text(k): _xml_data(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_xml_data(v) for v in value]
    return value


def _xml_safe(root: ET.Element) -> None:
    """Every attribute value and text of the tree in characters XML 1.0 can hold: whatever
    field a control character came in by (a version, an event, a tag), the file parses."""
    for el in root.iter():
        if el.text:
            el.text = _xml_text(el.text)
        if el.tail:
            el.tail = _xml_text(el.tail)
        for key, value in el.attrib.items():
            el.set(key, _xml_text(value))


def _tags_attr(tags: Sequence[str]) -> str:
    """Tags as ``pw:tags``: space-separated, or a JSON list when a tag holds a space (or is
    empty, or the first starts with "["), so each comes back whole (restore reads both)."""
    tags = [_xml_text(t) for t in tags]  # as a deadline's "tag:..." in pw:data has it
    if all(t and not any(c.isspace() for c in t) for t in tags) and not tags[0].startswith("["):
        return " ".join(tags)
    return json.dumps(tags, ensure_ascii=False)


def iso_duration(hours: float) -> str:
    """Hours as an ISO 8601 duration (days, hours, minutes, seconds).

    >>> iso_duration(72.0), iso_duration(0.75), iso_duration(26.5), iso_duration(0)
    ('P3D', 'PT45M', 'P1DT2H30M', 'PT0S')
    """
    seconds = round(hours * 3600)
    days, rest = divmod(seconds, 86400)
    h, rest = divmod(rest, 3600)
    m, s = divmod(rest, 60)
    time = "".join(f"{v}{u}" for v, u in ((h, "H"), (m, "M"), (s, "S")) if v)
    text = "P" + (f"{days}D" if days else "") + (f"T{time}" if time else "")
    return "PT0S" if text == "P" else text


def _duration_text(duration: Duration) -> str:
    """The file's own form of a duration, as one compact JSON value (``pw:duration``)."""
    data = duration.model_dump()
    return data if isinstance(data, str) else json.dumps(data, separators=(",", ":"))


def _representative(duration: Duration) -> float:
    """The one time a timer can hold: the fixed time, the mode, or the mean."""
    if duration.kind == "triangular" and duration.mode is not None:
        return duration.mode
    return duration.expected


# --- what is written: nodes, flows, bands -------------------------------------------------


@dataclass(slots=True)
class _Node:
    id: str
    tag: str  # BPMN element local name
    band: int
    name: str
    size: tuple[float, float]
    step: Step | None = None
    attrs: dict[str, str] = field(default_factory=dict)
    timer: str | None = None  # ISO 8601 duration of a timer event
    incoming: list[str] = field(default_factory=list)
    outgoing: list[str] = field(default_factory=list)


@dataclass(slots=True)
class _Flow:
    id: str
    source: str
    target: str
    name: str = ""
    condition: str | None = None
    attrs: dict[str, str] = field(default_factory=dict)
    transition: Transition | None = None


@dataclass(slots=True)
class _Band:
    """One role lane (or the lane of role-less steps), within its agency."""

    agency: str | None
    role: str | None
    members: list[str] = field(default_factory=list)


class _Ids:
    """Unique BPMN ids (xsd:ID: an NCName), step ids first and kept where they are valid."""

    def __init__(self) -> None:
        self.used: set[str] = set()

    def take(self, wanted: str) -> str:
        base = wanted if _NCNAME.match(wanted) else "_" + re.sub(r"[^A-Za-z0-9_.-]", "_", wanted)
        ident, n = base, 1
        while ident in self.used:
            n += 1
            ident = f"{base}_{n}"
        self.used.add(ident)
        return ident


class _Writer:
    def __init__(self, pathway: Pathway, lang: str | None) -> None:
        self.p = pathway
        self.lang = lang
        self.ids = _Ids()
        self.nodes: dict[str, _Node] = {}
        self.flows: list[_Flow] = []
        self.bands: list[_Band] = []
        self.node_of_step: dict[str, str] = {}  # step id -> BPMN id of the node flows enter
        self.exit_of_step: dict[str, str] = {}  # step id -> BPMN id of the node flows leave

    def text(self, label: Label | None) -> str:
        return _clean(label_text(label, self.lang, self.p.locales))

    # -- bands ----------------------------------------------------------------------------

    def plan_bands(self) -> dict[str, int]:
        """Band per step: role lanes grouped by agency, agencies in the swimlane order."""
        p = self.p
        from pathways.render.extract import sector_rank

        roles_used: dict[str, list[str]] = defaultdict(list)
        roleless: list[str] = []
        for step in p.steps:
            if step.role in p.roles_by_id:
                roles_used[step.role or ""].append(step.id)
            else:
                roleless.append(step.id)
        by_agency: dict[str, list[str]] = defaultdict(list)
        for role in p.roles:
            if role.id in roles_used:
                by_agency[role.agency].append(role.id)
        agency_order = sorted(
            (a for a in p.agencies if a.id in by_agency),
            key=lambda a: (*sector_rank(a.sector), p.agencies.index(a)),
        )
        orphans = [a for a in by_agency if a not in p.agencies_by_id]  # unknown agency ids
        band_of: dict[str, int] = {}
        for agency_id in [a.id for a in agency_order] + orphans:
            for role_id in by_agency[agency_id]:
                self.bands.append(_Band(agency_id, role_id))
                for step_id in roles_used[role_id]:
                    band_of[step_id] = len(self.bands) - 1
        if roleless or not self.bands:
            self.bands.append(_Band(None, None))
            for step_id in roleless:
                band_of[step_id] = len(self.bands) - 1
        return band_of

    # -- nodes and flows -------------------------------------------------------------------

    def add_node(self, node: _Node) -> None:
        self.nodes[node.id] = node
        self.bands[node.band].members.append(node.id)

    def add_flow(self, flow: _Flow) -> None:
        self.flows.append(flow)
        self.nodes[flow.source].outgoing.append(flow.id)
        self.nodes[flow.target].incoming.append(flow.id)

    def build(self) -> None:
        p = self.p
        band_of = self.plan_bands()
        incoming: dict[str, int] = defaultdict(int)
        for t in p.transitions:
            incoming[t.to] += 1
        exits: dict[str, list[int]] = defaultdict(list)
        for i, t in enumerate(p.transitions):
            exits[t.source].append(i)
        for step in p.steps:  # step ids are taken first, so they stay as written
            self.node_of_step[step.id] = self.ids.take(step.id)
        for step in p.steps:
            self.add_step(step, band_of[step.id], incoming[step.id], len(exits[step.id]))
        for i, t in enumerate(p.transitions):
            if t.source in self.exit_of_step and t.to in self.node_of_step:
                self.add_transition(i, t, band_of[t.source])

    def add_step(self, step: Step, band: int, n_in: int, n_exits: int) -> None:
        ident = self.node_of_step[step.id]
        attrs: dict[str, str] = {_pw("kind"): step.kind}
        if ident != step.id:
            attrs[_pw("id")] = step.id
        if step.tags:
            attrs[_pw("tags")] = _tags_attr(step.tags)
        if step.duration is not None:
            attrs[_pw("duration")] = _duration_text(step.duration)
        if step.confidentiality.value != "internal":
            attrs[_pw("confidentiality")] = step.confidentiality.value
        name = self.text(step.label)
        timer: str | None = None
        kind = step.kind
        entered = n_in > 0
        if kind == "entry":
            tag = "task" if entered else "startEvent"
        elif kind == "outcome":
            tag = "task" if n_exits else "endEvent"
        elif kind == "decision":
            tag = "exclusiveGateway"
        elif kind in ("fork", "join"):
            tag = "parallelGateway"
        elif kind == "wait":
            tag = "intermediateCatchEvent"
            timer = iso_duration(_representative(step.duration)) if step.duration else ""
        else:
            tag = next((TASK_TAGS[t] for t in step.tags if t in TASK_TAGS), "task")
        size = (
            TASK_SIZE
            if tag.endswith("ask")
            else GATEWAY_SIZE
            if tag.endswith("Gateway")
            else EVENT_SIZE
        )
        node = _Node(ident, tag, band, name, size, step, attrs, timer)
        self.add_node(node)
        self.exit_of_step[step.id] = ident
        if kind == "fork" and n_in >= 2:
            # Transitions into a fork are alternatives (a BPMN parallel gateway would wait for
            # all of them): they meet at an exclusive gateway first.
            merge = self.ids.take(f"{ident}__merge")
            self.add_node(
                _Node(
                    merge, "exclusiveGateway", band, "", GATEWAY_SIZE, attrs={_pw("merge"): step.id}
                )
            )
            self.add_flow(_Flow(self.ids.take(f"Flow_{ident}__merge"), merge, ident))
            self.node_of_step[step.id] = merge
        if kind == "entry" and entered:  # a start event leads into the entry task
            start = self.ids.take(f"{ident}__start")
            self.add_node(
                _Node(start, "startEvent", band, "", EVENT_SIZE, attrs={_pw("startOf"): step.id})
            )
            self.add_flow(_Flow(self.ids.take(f"Flow_{ident}__start"), start, ident))
        if n_exits >= 2 and kind not in ("decision", "fork"):
            split = self.ids.take(f"{ident}__split")
            self.add_node(
                _Node(
                    split, "exclusiveGateway", band, "", GATEWAY_SIZE, attrs={_pw("split"): step.id}
                )
            )
            self.add_flow(_Flow(self.ids.take(f"Flow_{ident}__split"), ident, split))
            self.exit_of_step[step.id] = split

    def add_transition(self, index: int, t: Transition, band: int) -> None:
        p = self.p
        attrs: dict[str, str] = {_pw("transition"): str(index)}
        source_step = p.steps_by_id.get(t.source)
        fork = source_step is not None and source_step.kind == "fork"
        if t.event != (("tracks" if fork else None) or f"to_{t.to}"):
            attrs[_pw("event")] = t.event
        default_by = (source_step.role,) if source_step is not None and source_step.role else ()
        if t.by is not None and tuple(t.by) != default_by:
            attrs[_pw("by")] = " ".join(t.by)
        if t.kind != "internal":
            attrs[_pw("kind")] = t.kind
        if t.probability is not None:
            attrs[_pw("probability")] = repr(t.probability)
        if t.on_reject is not None:
            attrs[_pw("onReject")] = t.on_reject
        if t.response_within is not None:
            attrs[_pw("responseWithin")] = format_hours(t.response_within)
        if t.consent != "required":
            attrs[_pw("consent")] = t.consent
        if t.reason is not None:
            attrs[_pw("reason")] = _xml_text(t.reason)
        if t.decline_probability is not None:
            attrs[_pw("declineProbability")] = repr(t.decline_probability)
        source = self.exit_of_step[t.source]
        target = self.node_of_step[t.to]
        flow_id = self.ids.take(f"Flow_{index + 1}")
        name = self.text(t.label)
        if t.delay is not None:
            attrs[_pw("delay")] = _duration_text(t.delay)
            timer_id = self.ids.take(f"Delay_{index + 1}")
            self.add_node(
                _Node(
                    timer_id,
                    "intermediateCatchEvent",
                    band,
                    "",
                    EVENT_SIZE,
                    attrs={_pw("kind"): "delay", _pw("delayOf"): flow_id},
                    timer=iso_duration(_representative(t.delay)),
                )
            )
            self.add_flow(_Flow(flow_id, source, timer_id, name, t.when, attrs, t))
            after = self.ids.take(f"Flow_{index + 1}__delay")
            self.add_flow(_Flow(after, timer_id, target, attrs={_pw("delayOf"): flow_id}))
        else:
            self.add_flow(_Flow(flow_id, source, target, name, t.when, attrs, t))


# --- layout -------------------------------------------------------------------------------


def _quote(name: str) -> str:
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _dot_source(w: _Writer) -> str:
    """Bands as stacked full-width clusters (the swimlane technique of ``render.dot``)."""
    out = [
        "digraph bpmn {",
        "rankdir=LR; newrank=true; nodesep=0.6; ranksep=0.55; splines=true;",
        'node [label="", fixedsize=true];',
    ]
    for n, band in enumerate(w.bands):
        out.append(f'subgraph cluster_{n} {{ label=""; margin=20;')
        out.append(f'"@head{n}" [shape=point, width=0.01]; "@end{n}" [shape=point, width=0.01];')
        for ident in band.members:
            node = w.nodes[ident]
            shape = (
                "box"
                if node.size == TASK_SIZE
                else "diamond"
                if node.size == GATEWAY_SIZE
                else "circle"
            )
            out.append(
                f"{_quote(ident)} [shape={shape}, width={node.size[0] / 72:.4f}, "
                f"height={node.size[1] / 72:.4f}];"
            )
        out.append("}")
    heads = [f'"@head{n}"' for n in range(len(w.bands))]
    ends = [f'"@end{n}"' for n in range(len(w.bands))]
    out.append('"@spine" [shape=point, width=0.01, ordering=out];')
    out.append('"@tail" [shape=point, width=0.01, ordering=in];')
    for head, end in zip(heads, ends, strict=True):
        out.append(f'"@spine" -> {head}; {end} -> "@tail";')
    out.append("{ rank=same; " + " ".join(heads) + " }")
    out.append("{ rank=same; " + " ".join(ends) + " }")
    sources = set(w.nodes)
    sinks = set(w.nodes)
    for flow in w.flows:
        sources.discard(flow.target)
        sinks.discard(flow.source)
    for ident in sorted(sources):
        out.append(f"{heads[0]} -> {_quote(ident)} [weight=0];")
    for ident in sorted(sinks):
        out.append(f"{_quote(ident)} -> {ends[0]} [weight=0];")
    for flow in w.flows:
        out.append(f"{_quote(flow.source)} -> {_quote(flow.target)} [id={_quote(flow.id)}];")
    out.append("}")
    return "\n".join(out)


Point = tuple[float, float]


@dataclass(slots=True)
class _Layout:
    shapes: dict[str, tuple[float, float, float, float]]  # id -> x, y, w, h (BPMN, y down)
    bands: list[tuple[float, float]]  # band -> top, bottom
    left: float  # x of the pool
    right: float
    edges: dict[str, list[Point]]


def _spline_points(pos: str) -> tuple[list[Point], Point | None, Point | None]:
    start: Point | None = None
    end: Point | None = None
    points: list[Point] = []
    for token in pos.split():
        if token.startswith(("s,", "e,")):
            x, y = token[2:].split(",")[:2]
            if token[0] == "s":
                start = (float(x), float(y))
            else:
                end = (float(x), float(y))
            continue
        x, y = token.split(",")[:2]
        points.append((float(x), float(y)))
    return points, start, end


def _layout(w: _Writer) -> _Layout:
    from pathways.render._graphviz import run_dot

    graph = json.loads(run_dot(_dot_source(w), "json0"))
    height = float(graph["bb"].split(",")[3])
    objects = graph.get("objects", [])
    clusters: dict[int, tuple[float, float, float, float]] = {}
    centres: dict[str, Point] = {}
    names: dict[int, str] = {}
    for obj in objects:
        name = obj.get("name", "")
        if name.startswith("cluster_"):
            x0, y0, x1, y1 = (float(v) for v in obj["bb"].split(","))
            clusters[int(name[8:])] = (x0, height - y1, x1, height - y0)
        elif "pos" in obj:
            x, y = obj["pos"].split(",")[:2]
            centres[name] = (float(x), height - float(y))
        names[obj["_gvid"]] = name
    x_min = min((c[0] for c in clusters.values()), default=0.0)
    x_max = max((c[2] for c in clusters.values()), default=0.0)
    dx = ORIGIN[0] + 3 * HEADER - x_min
    dy = ORIGIN[1]
    shapes: dict[str, tuple[float, float, float, float]] = {}
    for ident, node in w.nodes.items():
        cx, cy = centres[ident]
        shapes[ident] = (cx + dx - node.size[0] / 2, cy + dy - node.size[1] / 2, *node.size)
    # Bands tile the pool: each gap between two neighbours is split at its middle.
    spans = [(clusters[n][1] + dy, clusters[n][3] + dy) for n in range(len(w.bands))]
    tiled: list[tuple[float, float]] = []
    order = sorted(range(len(spans)), key=lambda n: spans[n][0])
    bounds = [spans[order[0]][0]]
    for a, b in itertools.pairwise(order):
        bounds.append((spans[a][1] + spans[b][0]) / 2)
    bounds.append(spans[order[-1]][1])
    tiled = [(0.0, 0.0)] * len(spans)
    for k, n in enumerate(order):
        tiled[n] = (bounds[k], bounds[k + 1])
    tiled_top, tiled_bottom = bounds[0], bounds[-1]
    edges: dict[str, list[Point]] = {}
    for edge in graph.get("edges", []):
        ident = edge.get("id")
        if not ident or "pos" not in edge:
            continue
        points, start, end = _spline_points(edge["pos"])
        curve = points[::3] if len(points) >= 4 else points
        if points and curve[-1] != points[-1]:
            curve.append(points[-1])
        way = ([start] if start else []) + curve + ([end] if end else [])
        # dot may route a long edge around the clusters: keep it inside the pool's lanes
        low, high = tiled_top, tiled_bottom
        edges[ident] = [
            (
                min(max(x + dx, ORIGIN[0] + 3 * HEADER), x_max + dx),
                min(max(height - y + dy, low), high),
            )
            for x, y in way
        ]
    return _Layout(shapes, tiled, ORIGIN[0], x_max + dx, edges)


DOT_LIMIT = 400
"""Above this many BPMN nodes ``layout="auto"`` uses :func:`_layered`: Graphviz's crossing
minimisation grows much faster than the graph (2.5 s for 626 nodes, over 10 minutes for
3,000)."""

LAYOUTS = ("auto", "dot", "layered")

_COLUMN = 160.0  # a task (100) and the gap after it
_ROW = 120.0  # a task (80) and the gap below it
_PAD = 30.0


def _layered(w: _Writer) -> _Layout:
    """A linear-time layered layout: columns by longest path from the starts (back edges of a
    depth-first search left out), rows within each band by order of appearance; flows are
    routed orthogonally through the gap after their source's column."""
    succ: dict[str, list[str]] = {n: [] for n in w.nodes}
    for flow in w.flows:
        succ[flow.source].append(flow.target)
    back: set[tuple[str, str]] = set()
    state: dict[str, int] = {}  # 1 on the stack, 2 done
    starts = [n for n, node in w.nodes.items() if not node.incoming] + list(w.nodes)
    for root in starts:
        if root in state:
            continue
        state[root] = 1
        stack = [(root, iter(succ[root]))]
        while stack:
            node, children = stack[-1]
            child = next(children, None)
            if child is None:
                state[node] = 2
                stack.pop()
            elif state.get(child) == 1:
                back.add((node, child))
            elif child not in state:
                state[child] = 1
                stack.append((child, iter(succ[child])))
    indegree = dict.fromkeys(w.nodes, 0)
    for flow in w.flows:
        if (flow.source, flow.target) not in back:
            indegree[flow.target] += 1
    rank = dict.fromkeys(w.nodes, 0)
    ready = [n for n in w.nodes if indegree[n] == 0]
    while ready:
        node = ready.pop()
        for child in succ[node]:
            if (node, child) in back:
                continue
            rank[child] = max(rank[child], rank[node] + 1)
            indegree[child] -= 1
            if indegree[child] == 0:
                ready.append(child)
    left = ORIGIN[0]
    x0 = left + 3 * HEADER + _PAD + TASK_SIZE[0] / 2
    row = _rows(w, rank, succ)
    shapes: dict[str, tuple[float, float, float, float]] = {}
    bands: list[tuple[float, float]] = []
    top = ORIGIN[1]
    for band in w.bands:
        rows = 0
        for ident in band.members:
            rows = max(rows, row[ident] + 1)
            size = w.nodes[ident].size
            cx = x0 + rank[ident] * _COLUMN
            cy = top + _PAD + row[ident] * _ROW + _ROW / 2
            shapes[ident] = (cx - size[0] / 2, cy - size[1] / 2, *size)
        height = 2 * _PAD + max(rows, 1) * _ROW
        bands.append((top, top + height))
        top += height
    right = x0 + max(rank.values(), default=0) * _COLUMN + TASK_SIZE[0] / 2 + _PAD
    edges: dict[str, list[Point]] = {}
    for flow in w.flows:
        sx, sy, sw, sh = shapes[flow.source]
        tx, ty, tw, th = shapes[flow.target]
        a = (sx + sw, sy + sh / 2)
        b = (tx, ty + th / 2)
        if b[0] > a[0]:
            gap = sx + sw / 2 + _COLUMN / 2
            edges[flow.id] = [a, (gap, a[1]), (gap, b[1]), b]
        else:  # back to an earlier column: under both shapes
            low = max(sy + sh, ty + th) + _PAD / 2
            start, end = (sx + sw / 2, sy + sh), (tx + tw / 2, ty + th)
            edges[flow.id] = [start, (start[0], low), (end[0], low), end]
    return _Layout(shapes, bands, left, right, edges)


SWEEPS = 8
"""Barycentre sweeps of :func:`_rows` (forward, backward, ...); the best order is kept."""


def _inversions(values: list[float]) -> int:
    """Pairs ``i < j`` with ``values[i] > values[j]`` (merge sort, ``O(n log n)``)."""
    if len(values) < 2:
        return 0
    mid = len(values) // 2
    left, right = values[:mid], values[mid:]
    count = _inversions(left) + _inversions(right)
    left.sort()
    right.sort()
    j = 0
    for x in left:  # for each of the left, the right ones smaller than it
        while j < len(right) and right[j] < x:
            j += 1
        count += j
    return count


def _crossings(
    lines: list[tuple[int, float, int, float]],
) -> int:
    """Pairs of straight lines ``(column, height) -> (column, height)`` that cross, counted
    gap by gap between neighbouring columns (a line's height in a gap is interpolated):
    two lines cross in a gap when their order flips across it. Lines that share an end
    (both leave or enter one node) are not told apart from crossing there; ties count
    nothing."""
    gaps: dict[int, list[tuple[float, float]]] = defaultdict(list)
    for c0, y0, c1, y1 in lines:
        if c0 == c1:
            continue
        if c0 > c1:
            c0, y0, c1, y1 = c1, y1, c0, y0
        step = (y1 - y0) / (c1 - c0)
        for c in range(c0, c1):
            gaps[c].append((y0 + step * (c - c0), y0 + step * (c + 1 - c0)))
    total = 0
    for pairs in gaps.values():
        pairs.sort()
        total += _inversions([b for _, b in pairs])
    return total


def _rows(w: _Writer, rank: dict[str, int], succ: dict[str, list[str]]) -> dict[str, int]:
    """The row of each node within its band's column: crossing minimisation by barycentre
    sweeps (Sugiyama, Tagawa and Toda 1981), the lanes fixed.

    The nodes of one band and one column (a *cell*) start in order of appearance. A forward
    sweep visits the columns left to right and orders each cell by the mean height of its
    nodes' neighbours in earlier columns (a node with none keeps its place); a backward sweep
    does the same right to left with the later columns. Heights are those of the drawing:
    the band's top plus the row, so neighbours in other lanes pull as they are drawn. Each
    sweep costs a sort per cell: ``O((V + E) log V)`` for :data:`SWEEPS` sweeps.
    """
    band_of: dict[str, int] = {}
    cells: dict[tuple[int, int], list[str]] = defaultdict(list)
    for b, band in enumerate(w.bands):
        for ident in band.members:
            band_of[ident] = b
            cells[b, rank[ident]].append(ident)
    tall = [0] * len(w.bands)
    for (b, _), members in cells.items():
        tall[b] = max(tall[b], len(members))
    base: list[float] = []
    top = 0.0
    for b in range(len(w.bands)):
        base.append(top)
        top += max(tall[b], 1) + 1.0  # a band's rows, and a gap
    pred: dict[str, list[str]] = defaultdict(list)
    for node, children in succ.items():
        for child in children:
            if child != node:
                pred[child].append(node)
    row = {ident: k for members in cells.values() for k, ident in enumerate(members)}
    by_rank: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for cell in cells:
        by_rank[cell[1]].append(cell)
    ranks = sorted(by_rank)
    flows = [(u, v) for u, children in succ.items() for v in children if u != v]

    def crossings() -> int:
        return _crossings(
            [
                (rank[u], base[band_of[u]] + row[u], rank[v], base[band_of[v]] + row[v])
                for u, v in flows
            ]
        )

    best, best_row = crossings(), dict(row)
    for sweep in range(SWEEPS):
        forward = sweep % 2 == 0
        for r in ranks if forward else ranks[::-1]:
            for cell in by_rank[r]:
                members = cells[cell]
                if len(members) < 2:
                    continue

                keys: dict[str, tuple[float, int]] = {}
                for ident in members:
                    near = [
                        base[band_of[v]] + row[v]
                        for v in (*pred[ident], *succ[ident])
                        if (rank[v] < r if forward else rank[v] > r)
                    ]
                    own = base[band_of[ident]] + row[ident]
                    keys[ident] = (sum(near) / len(near) if near else own, row[ident])
                members.sort(key=keys.__getitem__)
                for k, ident in enumerate(members):
                    row[ident] = k
        now = crossings()
        if now < best:
            best, best_row = now, dict(row)
    return best_row


# --- XML ----------------------------------------------------------------------------------


def _sub(parent: ET.Element, tag: str, attrs: dict[str, str] | None = None) -> ET.Element:
    return ET.SubElement(parent, tag, attrs or {})


def _n(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".") if value != int(value) else str(int(value))


def _other_labels(
    parent: ET.Element, what: str, label: Label | None, shown: str | None, locales: Sequence[str]
) -> None:
    """``pw:label`` (or ``pw:description``, ``pw:title``) extension elements, one per locale of
    a label written as a map (the shown one too, so a reader tells a map from a plain string
    and which locale the name is in); nothing for a plain string."""
    del shown, locales
    if not isinstance(label, dict) or not label:
        return
    ext = parent.find(_b("extensionElements"))
    if ext is None:
        ext = _sub(parent, _b("extensionElements"))
    for lang, value in label.items():
        item = _sub(ext, _pw(what), {f"{{{XML_NS}}}lang": lang})
        item.text = _clean(value)


def _documentation(parent: ET.Element, w: _Writer, label: Label | None) -> None:
    text = w.text(label)
    if text:
        doc = _sub(parent, _b("documentation"), {"textFormat": "text/plain"})
        doc.text = text


def _shown_locale(label: Label | None, lang: str | None, locales: Sequence[str]) -> str | None:
    if not isinstance(label, dict):
        return None
    for key in (lang, *locales):
        if key is not None and key in label:
            return key
    return next(iter(label), None)


def _labels(parent: ET.Element, w: _Writer, label: Label | None, description: Label | None) -> None:
    locs = w.p.locales
    _other_labels(parent, "label", label, _shown_locale(label, w.lang, locs), locs)
    _other_labels(
        parent, "description", description, _shown_locale(description, w.lang, locs), locs
    )


DATA_KEYS = (
    "visibility",
    "sources",
    "sectors",
    "case_fields",
    "deadlines",
    "policies",
    "simulation",
    "rules",
    "waivers",
    "calendars",
    "scenarios",
)
"""Parts of a pathway with no BPMN element, written as JSON in one ``pw:data`` extension
element of the process, with the agencies and roles (their contacts, levels, order, and those
that own no step)."""


def _pathway_data(p: Pathway) -> dict[str, object]:
    doc = p.model_dump(mode="json", by_alias=True, exclude_none=True, exclude_defaults=True)
    data: dict[str, object] = {k: doc[k] for k in DATA_KEYS if k in doc}
    for key in ("agencies", "roles"):
        if key in doc:
            data[key] = doc[key]
    return data


def _document(w: _Writer, layout: _Layout, lang: str | None) -> ET.Element:
    p = w.p
    key = re.sub(r"[^A-Za-z0-9_.-]", "_", p.id)
    defs = ET.Element(
        _b("definitions"),
        {
            "id": f"Definitions_{key}",
            "targetNamespace": f"https://pathways.invalid/pathways/{p.id}",
            "exporter": "pathways",
            "exporterVersion": __version__,
            _pw("format"): p.format,
            _pw("pathway"): p.id,
            _pw("version"): p.version,
            _pw("locales"): " ".join(p.locales),
        },
    )
    if lang:
        defs.set(_pw("lang"), lang)
    if p.jurisdiction:
        defs.set(_pw("jurisdiction"), p.jurisdiction)
    title = w.text(p.title)  # no title: no name (a reader would take the id for one)
    named = {"name": title} if title else {}
    collab_id = w.ids.take(f"Collaboration_{key}")
    process_id = w.ids.take(f"Process_{key}")
    pool_id = w.ids.take(f"Participant_{key}")
    collab = _sub(defs, _b("collaboration"), {"id": collab_id})
    _sub(collab, _b("participant"), {"id": pool_id, **named, "processRef": process_id})
    process = _sub(defs, _b("process"), {"id": process_id, **named, "isExecutable": "false"})
    _documentation(process, w, p.description)
    _other_labels(process, "title", p.title, _shown_locale(p.title, lang, p.locales), p.locales)
    _other_labels(process, "description", p.description, None, p.locales)
    data = _pathway_data(p)
    if data:
        ext = process.find(_b("extensionElements"))
        if ext is None:
            ext = _sub(process, _b("extensionElements"))
        data_text = json.dumps(_xml_data(data), ensure_ascii=True, separators=(",", ":"))
        _sub(ext, _pw("data")).text = data_text

    # lanes: one per agency, a child lane per role
    lane_set = _sub(process, _b("laneSet"), {"id": w.ids.take(f"LaneSet_{key}")})
    lane_shapes: list[tuple[str, float, float, float]] = []  # id, x, top, bottom
    agency_lanes: dict[str | None, ET.Element] = {}
    agency_span: dict[str | None, list[float]] = {}
    agency_lane_id: dict[str | None, str] = {}
    members_of: dict[str | None, list[str]] = defaultdict(list)
    for n, band in enumerate(w.bands):
        top, bottom = layout.bands[n]
        if band.agency is None:
            lane = _sub(
                lane_set,
                _b("lane"),
                {
                    "id": w.ids.take("Lane_roleless"),
                    "name": tr(ROLELESS_LANE, lang),
                    _pw("roleless"): "true",
                },
            )
            for ident in band.members:
                _sub(lane, _b("flowNodeRef")).text = ident
            lane_shapes.append((lane.get("id", ""), layout.left + HEADER, top, bottom))
            continue
        if band.agency not in agency_lanes:
            agency = p.agencies_by_id.get(band.agency)
            attrs = {"id": w.ids.take(f"Lane_{band.agency}"), _pw("agency"): band.agency}
            attrs["name"] = w.text(agency.name) if agency else band.agency
            if agency is not None:
                attrs[_pw("sector")] = agency.sector
            agency_lane = _sub(lane_set, _b("lane"), attrs)
            if agency is not None:
                _other_labels(
                    agency_lane,
                    "label",
                    agency.name,
                    _shown_locale(agency.name, lang, p.locales),
                    p.locales,
                )
            agency_lanes[band.agency] = agency_lane
            agency_lane_id[band.agency] = attrs["id"]
            agency_span[band.agency] = [top, bottom]
            _sub(agency_lane, _b("childLaneSet"), {"id": w.ids.take(f"LaneSet_{band.agency}")})
        span = agency_span[band.agency]
        span[0], span[1] = min(span[0], top), max(span[1], bottom)
        role = p.roles_by_id[band.role or ""]
        child_set = agency_lanes[band.agency].find(_b("childLaneSet"))
        assert child_set is not None
        rattrs = {
            "id": w.ids.take(f"Lane_{band.agency}_{role.id}"),
            "name": w.text(role.title) or role.id,
            _pw("role"): role.id,
        }
        if role.capacity is not None:
            rattrs[_pw("capacity")] = str(role.capacity)
        if role.clearance.value != "internal":
            rattrs[_pw("clearance")] = role.clearance.value
        if role.calendar is not None:
            rattrs[_pw("calendar")] = role.calendar
        role_lane = _sub(child_set, _b("lane"), rattrs)
        _other_labels(
            role_lane, "label", role.title, _shown_locale(role.title, lang, p.locales), p.locales
        )
        for ident in band.members:
            _sub(role_lane, _b("flowNodeRef")).text = ident
        members_of[band.agency].extend(band.members)
        lane_shapes.append((rattrs["id"], layout.left + 2 * HEADER, top, bottom))
    for agency_id, lane in agency_lanes.items():
        child_set = lane.find(_b("childLaneSet"))
        assert child_set is not None
        position = list(lane).index(child_set)
        for offset, ident in enumerate(members_of[agency_id]):
            ref = ET.Element(_b("flowNodeRef"))
            ref.text = ident
            lane.insert(position + offset, ref)
        top, bottom = agency_span[agency_id]
        lane_shapes.append((agency_lane_id[agency_id], layout.left + HEADER, top, bottom))

    # flow nodes
    for node in w.nodes.values():
        el = _sub(process, _b(node.tag), {"id": node.id})
        if node.name:
            el.set("name", node.name)
        if node.tag in ("exclusiveGateway", "parallelGateway"):
            many_in, many_out = len(node.incoming) > 1, len(node.outgoing) > 1
            direction = (
                "Mixed"
                if many_in and many_out
                else "Converging"
                if many_in
                else "Diverging"
                if many_out
                else "Unspecified"
            )
            el.set("gatewayDirection", direction)
        for k, v in node.attrs.items():
            el.set(k, v)
        if node.step is not None:
            _documentation(el, w, node.step.description)
            _labels(el, w, node.step.label, node.step.description)
        for flow_id in node.incoming:
            _sub(el, _b("incoming")).text = flow_id
        for flow_id in node.outgoing:
            _sub(el, _b("outgoing")).text = flow_id
        if node.timer is not None:
            timer = _sub(el, _b("timerEventDefinition"), {"id": w.ids.take(f"Timer_{node.id}")})
            if node.timer:
                td = _sub(
                    timer, _b("timeDuration"), {f"{{{XSI_NS}}}type": "bpmn:tFormalExpression"}
                )
                td.text = node.timer
    for flow in w.flows:
        attrs = {"id": flow.id, "sourceRef": flow.source, "targetRef": flow.target}
        if flow.name:
            attrs["name"] = flow.name
        el = _sub(process, _b("sequenceFlow"), {**attrs, **flow.attrs})
        if flow.transition is not None:
            _labels(el, w, flow.transition.label, None)
        if flow.condition:
            cond = _sub(
                el,
                _b("conditionExpression"),
                {f"{{{XSI_NS}}}type": "bpmn:tFormalExpression", "language": GUARD_LANGUAGE},
            )
            cond.text = _xml_text(flow.condition)

    # diagram interchange
    diagram = _sub(defs, f"{{{BPMNDI_NS}}}BPMNDiagram", {"id": w.ids.take(f"Diagram_{key}")})
    plane = _sub(
        diagram,
        f"{{{BPMNDI_NS}}}BPMNPlane",
        {"id": w.ids.take(f"Plane_{key}"), "bpmnElement": collab_id},
    )
    top = min((b[0] for b in layout.bands), default=ORIGIN[1])
    bottom = max((b[1] for b in layout.bands), default=ORIGIN[1] + 100)

    def shape(element: str, x: float, y: float, wd: float, ht: float, horizontal: bool) -> None:
        attrs = {"id": w.ids.take(f"{element}_di"), "bpmnElement": element}
        if horizontal:
            attrs["isHorizontal"] = "true"
        s = _sub(plane, f"{{{BPMNDI_NS}}}BPMNShape", attrs)
        _sub(
            s,
            f"{{{DC_NS}}}Bounds",
            {"x": _n(x), "y": _n(y), "width": _n(wd), "height": _n(ht)},
        )

    width = layout.right - layout.left
    shape(pool_id, layout.left, top, width, bottom - top, True)
    for ident, x, lane_top, lane_bottom in lane_shapes:
        shape(ident, x, lane_top, layout.right - x, lane_bottom - lane_top, True)
    labels = _Labels(layout, lane_shapes, top)
    for ident, node in w.nodes.items():
        x, y, wd, ht = layout.shapes[ident]
        shape(ident, x, y, wd, ht, False)
        if node.name and node.tag in _EXTERNAL_LABELS:
            _label_bounds(plane[-1], labels.for_node(ident, node.name))
    for flow in w.flows:
        e = _sub(
            plane,
            f"{{{BPMNDI_NS}}}BPMNEdge",
            {"id": w.ids.take(f"{flow.id}_di"), "bpmnElement": flow.id},
        )
        points = layout.edges.get(flow.id) or _straight(layout, flow)
        for x, y in points:
            _sub(e, f"{{{DI_NS}}}waypoint", {"x": _n(x), "y": _n(y)})
        if flow.name:
            _label_bounds(e, labels.for_flow(points, flow.name))
    return defs


# --- label positions ----------------------------------------------------------------------

_EXTERNAL_LABELS = frozenset(
    {"startEvent", "endEvent", "intermediateCatchEvent", "exclusiveGateway", "parallelGateway"}
)
"""Elements whose name BPMN tools draw outside the shape (tasks hold theirs inside)."""

LABEL_WIDTH = 90.0
"""bpmn-js wraps an external label at 90 units."""

Box = tuple[float, float, float, float]


def label_size(text: str) -> tuple[float, float]:
    """An estimate of the box bpmn-js draws ``text`` in (11 px Arial, wrapped at 90): about
    eleven Latin letters a line 13 units high, or eight Khmer letters (combining marks take
    no room) a line 17 high; on the generous side, measured on the bundled pathways' names
    in headless Chromium."""
    letters = sum(1 for c in text if unicodedata.category(c) not in ("Mn", "Mc", "Cf"))
    khmer = sum(1 for c in text if "\u1780" <= c <= "\u17ff")
    if khmer * 2 > letters:
        per_line, line = 8.0, 17.0
    else:
        per_line, line = 11.0, 13.0
    lines = max(1, math.ceil(letters / per_line))
    width = LABEL_WIDTH if lines > 1 else min(LABEL_WIDTH, 7.0 * letters + 6.0)
    return width, lines * line + 4.0


def _overlaps(a: Box, b: Box) -> bool:
    return a[0] < b[0] + b[2] and b[0] < a[0] + a[2] and a[1] < b[1] + b[3] and b[1] < a[1] + a[3]


class _Labels:
    """Places names outside shapes: the first candidate box (below, above, right, left of the
    shape; beside the middle of a flow's segments, longest first), then boxes further out
    around it (rings 12 units apart, up to 144), that overlaps no flow node's shape and no
    name placed before and stays inside the lanes; the first candidate when none is free.
    Shapes and names are kept in a grid of 200-unit cells, so a name costs the few shapes near
    it, not all of them."""

    GAP = 6.0
    CELL = 200.0
    RINGS = 12
    STEP = 12.0

    def __init__(
        self, layout: _Layout, lanes: Sequence[tuple[str, float, float, float]], top: float
    ) -> None:
        self.by_id = layout.shapes
        self.grid: dict[tuple[int, int], list[Box]] = defaultdict(list)
        for box in layout.shapes.values():
            self.add(box)
        self.left = max((x for _, x, _, _ in lanes), default=layout.left)
        self.right = layout.right
        self.top = top
        self.bottom = max((b for _, _, _, b in lanes), default=math.inf)

    def cells(self, box: Box) -> Iterator[tuple[int, int]]:
        c = self.CELL
        for i in range(int(box[0] // c), int((box[0] + box[2]) // c) + 1):
            for j in range(int(box[1] // c), int((box[1] + box[3]) // c) + 1):
                yield i, j

    def add(self, box: Box) -> None:
        for cell in self.cells(box):
            self.grid[cell].append(box)

    def free(self, box: Box) -> bool:
        if box[0] < self.left or box[0] + box[2] > self.right:
            return False
        if box[1] < self.top or box[1] + box[3] > self.bottom:
            return False
        return not any(_overlaps(box, b) for cell in self.cells(box) for b in self.grid[cell])

    def choose(self, candidates: list[Box]) -> Box:
        chosen = next((c for c in candidates if self.free(c)), None)
        if chosen is None:
            x, y, wd, ht = candidates[0]
            for ring in range(1, self.RINGS + 1):
                r = ring * self.STEP
                around = [
                    (x + dx * r, y + dy * r, wd, ht)
                    for dx, dy in ((0, 1), (0, -1), (1, 0), (-1, 0), (1, 1), (-1, 1), (1, -1))
                ]
                chosen = next((c for c in around if self.free(c)), None)
                if chosen is not None:
                    break
        chosen = chosen or candidates[0]
        self.add(chosen)
        return chosen

    def for_node(self, ident: str, name: str) -> Box:
        x, y, wd, ht = self.by_id[ident]
        lw, lh = label_size(name)
        cx, g = x + wd / 2, self.GAP
        return self.choose(
            [
                (cx - lw / 2, y + ht + g, lw, lh),  # below: where modellers put it
                (cx - lw / 2, y - g - lh, lw, lh),  # above
                (x + wd + g, y + ht / 2 - lh / 2, lw, lh),  # right
                (x - g - lw, y + ht / 2 - lh / 2, lw, lh),  # left
                (x + wd + g, y + ht + g, lw, lh),  # below right
                (x - g - lw, y + ht + g, lw, lh),  # below left
            ]
        )

    def for_flow(self, points: Sequence[Point], name: str) -> Box:
        lw, lh = label_size(name)
        g = self.GAP
        segments = sorted(
            itertools.pairwise(points),
            key=lambda ab: -math.hypot(ab[1][0] - ab[0][0], ab[1][1] - ab[0][1]),
        )
        candidates: list[Box] = []
        for (ax, ay), (bx, by) in segments:
            mx, my = (ax + bx) / 2, (ay + by) / 2
            candidates += [
                (mx - lw / 2, my - g - lh, lw, lh),  # above
                (mx - lw / 2, my + g, lw, lh),  # below
                (mx + g, my - lh / 2, lw, lh),  # right
                (mx - g - lw, my - lh / 2, lw, lh),  # left
            ]
        return self.choose(candidates or [(0.0, 0.0, lw, lh)])


def _label_bounds(parent: ET.Element, box: Box) -> None:
    label = _sub(parent, f"{{{BPMNDI_NS}}}BPMNLabel")
    x, y, wd, ht = box
    _sub(label, f"{{{DC_NS}}}Bounds", {"x": _n(x), "y": _n(y), "width": _n(wd), "height": _n(ht)})


def _straight(layout: _Layout, flow: _Flow) -> list[Point]:
    """Centre to centre, for an edge the layout did not route (a loop on one node)."""
    points: list[Point] = []
    for ident in (flow.source, flow.target):
        x, y, wd, ht = layout.shapes[ident]
        points.append((x + wd / 2, y + ht / 2))
    return points


def to_bpmn(
    pathway: Pathway,
    *,
    lang: str | None = None,
    visibility: str | Visibility = "partners",
    layout: str = "auto",
) -> str:
    """The pathway as a BPMN 2.0 document (XML text) with diagram interchange.

    Parameters
    ----------
    pathway
        A loaded pathway.
    lang
        Locale of the names (falling back to the pathway's first locale); every locale's
        labels are kept in ``pw:label`` extension elements.
    visibility
        ``public``, ``partners`` (default) or ``restricted``: who will read the file. Agencies
        above it are written as anonymous stand-ins (the one visibility policy,
        :mod:`pathways.visibility`); a pathway above it is refused.
    layout
        ``dot`` (Graphviz's layout, the drawing of ``pathways render``), ``layered`` (a
        linear-time layout in columns, for large pathways) or ``auto`` (default): ``dot`` up to
        :data:`DOT_LIMIT` BPMN nodes, ``layered`` above.

    Returns
    -------
    str
        The XML document, UTF-8 declared.

    Raises
    ------
    RenderError
        Graphviz is missing or failed, or the pathway is not for readers at ``visibility``.
    ValueError
        ``layout`` is not one of :data:`LAYOUTS`.

    Examples
    --------
    >>> import pathways as pw
    >>> from pathways.bpmn.export import to_bpmn
    >>> xml = to_bpmn(pw.load("pathways/kh/csa-in-person.yaml"), lang="km")
    >>> xml.startswith("<?xml"), xml.count("<bpmn:parallelGateway"), "BPMNShape" in xml
    (True, 3, True)
    """
    from pathways.visibility import parse_level, policy, view

    if layout not in LAYOUTS:
        raise ValueError(f"unknown layout {layout!r}; use one of {', '.join(LAYOUTS)}")
    reader = parse_level(visibility)
    assert reader is not None
    if not policy(pathway, reader).pathway_visible:
        raise RenderError(
            f"pathway {pathway.id!r} is for {pathway.visibility.value} readers; export it with "
            f"--visibility {pathway.visibility.value} (or widen its `visibility:`)"
        )
    seen = view(pathway, reader)
    writer = _Writer(seen, lang)
    writer.build()
    dot = layout == "dot" or (layout == "auto" and len(writer.nodes) <= DOT_LIMIT)
    placed = _layout(writer) if dot else _layered(writer)
    root = _document(writer, placed, lang)
    _xml_safe(root)
    ET.indent(root, space="  ")
    # ElementTree writes a carriage return in text as is, and XML readers turn it into a line
    # feed; as a character reference it reads back (attributes already have theirs).
    body = ET.tostring(root, encoding="unicode").replace("\r", "&#13;")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + body + "\n"


def write_bpmn(
    pathway: Pathway,
    path: str | Path,
    *,
    lang: str | None = None,
    visibility: str | Visibility = "partners",
    layout: str = "auto",
) -> Path:
    """Write :func:`to_bpmn` to ``path`` (UTF-8); folders are created. Returns the path."""
    out = Path(path)
    text = to_bpmn(pathway, lang=lang, visibility=visibility, layout=layout)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    return out
