"""Route properties in linear time: counts, worst interviews, longest time, hand-offs, witnesses.

A route is a sequence of steps from an entry step to an outcome step. There can be
exponentially many (``2**K`` for ``K`` stacked decisions) or infinitely many (a loop lies on
one), so nothing here enumerates them. Every property is a dynamic programme over the
condensation of the step graph (its strongly connected components, visited successors first),
and every answer comes with a witness route rebuilt from the programme's choices.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pathways.graph import (
    MaskSet,
    StepGraph,
    cycle_through,
    is_loop,
    shortest_path,
    step_graph,
    strongly_connected,
)

if TYPE_CHECKING:
    from pathways.model import Pathway

__all__ = [
    "INTERVIEW",
    "Longest",
    "RouteStats",
    "count_routes",
    "longest_routes",
    "route_stats",
    "shortest_route",
]

INTERVIEW = "interview"
INF = math.inf
NEG = -math.inf

EdgeWeight = Callable[[int, int], float]


def _no_edge_weight(u: int, v: int) -> float:
    del u, v
    return 0.0


@dataclass(frozen=True, eq=False)
class Longest:
    """The result of :func:`longest_routes`: per step, the most weight on a route to a sink.

    ``value[u]`` is ``-inf`` when no sink can be reached from ``u`` and ``inf`` when a loop of
    positive weight can be taken on the way. Use :meth:`route` for a witness.
    """

    adj: Sequence[Sequence[int]]
    sinks: Sequence[int]
    comp: list[int]
    value: list[float]
    positive_loop: bytearray
    nxt: list[int]
    exit_of: dict[int, tuple[int, int]]
    heavy: dict[int, tuple[int, int]]

    def route(self, start: int) -> tuple[list[int], list[int], list[int]]:
        """A witness from ``start``: ``(prefix, loop, suffix)``.

        For a finite value, ``prefix`` is the heaviest route (ending at a sink) and ``loop`` and
        ``suffix`` are empty. For ``inf``, ``prefix`` leads to a step ``x`` on a positive loop,
        ``loop`` is a closed walk ``[x, ..., x]`` through a weighted part of it and ``suffix``
        runs from ``x`` to a sink; ``prefix + loop[1:] * k + suffix[1:]`` is a route for any
        ``k``.
        """
        path = [start]
        u = start
        guard = 0
        while True:
            guard += 1
            if guard > 4 * len(self.value) + 4:  # pragma: no cover - defensive
                break
            c = self.comp[u]
            if self.positive_loop[c] and self.value[u] == INF:
                return path, self._weighted_cycle(u), self._to_sink(u)
            if c in self.exit_of:
                member, target = self.exit_of[c]
                if member != u:
                    inner = shortest_path(self.adj, [u], {member}, self._inside(c))
                    path.extend((inner or [u, member])[1:])
                if target == -1:
                    break
                path.append(target)
                u = target
                continue
            v = self.nxt[u]
            if v == -1:
                break
            path.append(v)
            u = v
        return path, [], []

    def _inside(self, c: int) -> Callable[[int], bool]:
        comp = self.comp

        def inside(v: int) -> bool:
            return comp[v] == c

        return inside

    def _weighted_cycle(self, x: int) -> list[int]:
        """A closed walk from ``x`` through the weighted node or edge of its loop."""
        c = self.comp[x]
        u, v = self.heavy[c]

        def inside(w: int) -> bool:
            return self.comp[w] == c

        if v == -1 and u == x:
            return cycle_through(x, self.adj, self.comp)
        to_u = shortest_path(self.adj, [x], {u}, inside) or [x, u]
        back = shortest_path(self.adj, [u if v == -1 else v], {x}, inside) or [x]
        return to_u + back[1:] if v == -1 else to_u + back

    def _to_sink(self, x: int) -> list[int]:
        sinks = self.sinks
        path = shortest_path(
            self.adj,
            [x],
            MaskSet(sinks),
            lambda v: self.value[v] != NEG,
        )
        return path or [x]


def longest_routes(
    adj: Sequence[Sequence[int]],
    node_weight: Sequence[float],
    sinks: Sequence[int],
    edge_weight: EdgeWeight | None = None,
    *,
    scc: tuple[list[int], list[list[int]]] | None = None,
) -> Longest:
    """The heaviest route from every node to a sink, by DP on the condensation.

    Parameters
    ----------
    adj : adjacency lists (each successor once).
    node_weight : weight of entering each node (non-negative).
    sinks : 0/1 mask of the nodes a route may end at.
    edge_weight : weight of taking edge ``(u, v)`` (non-negative); default 0.
    scc : ``strongly_connected(adj)`` if already computed.

    A strongly connected component that can reach a sink and holds any weight (a weighted
    node, or an edge of positive weight between two of its nodes) makes every route through
    it unbounded: ``inf``. Time is linear in nodes plus edges.
    """
    ew = edge_weight or _no_edge_weight
    comp, members = scc if scc is not None else strongly_connected(adj)
    n = len(adj)
    value = [NEG] * n
    nxt = [-1] * n
    positive_loop = bytearray(len(members))
    exit_of: dict[int, tuple[int, int]] = {}
    heavy: dict[int, tuple[int, int]] = {}
    for c, group in enumerate(members):
        if len(group) == 1 and group[0] not in adj[group[0]]:
            u = group[0]
            best = 0.0 if sinks[u] else NEG
            choice = -1
            for v in adj[u]:
                val = value[v]
                if val == NEG:
                    continue
                val = val + ew(u, v) if val != INF else INF
                if val > best:
                    best, choice = val, v
            if best != NEG:
                value[u] = node_weight[u] + best if best != INF else INF
                nxt[u] = choice
            continue
        # A loop: find its best way out, then whether it carries weight.
        best = NEG
        exit_pair = (-1, -1)
        weighted: tuple[int, int] | None = None
        for u in group:
            if node_weight[u] > 0 and weighted is None:
                weighted = (u, -1)
            if sinks[u] and best < 0.0:
                best, exit_pair = 0.0, (u, -1)
            for v in adj[u]:
                if comp[v] == c:
                    if weighted is None and ew(u, v) > 0:
                        weighted = (u, v)
                    continue
                val = value[v]
                if val == NEG:
                    continue
                val = val + ew(u, v) if val != INF else INF
                if val > best:
                    best, exit_pair = val, (u, v)
        if best == NEG:
            continue
        if weighted is not None:
            positive_loop[c] = 1
            heavy[c] = weighted
            for u in group:
                value[u] = INF
            continue
        exit_of[c] = exit_pair
        for u in group:
            value[u] = best
    return Longest(adj, sinks, comp, value, positive_loop, nxt, exit_of, heavy)


def count_routes(
    adj: Sequence[Sequence[int]],
    sources: Sequence[int],
    sinks: Sequence[int],
    *,
    scc: tuple[list[int], list[list[int]]] | None = None,
) -> int | None:
    """The exact number of distinct routes (step sequences) from ``sources`` to ``sinks``.

    None when a loop lies on one of them (infinitely many). Python integers do not overflow,
    so ``2**200`` routes are counted exactly, in time linear in nodes plus edges.

    Examples
    --------
    >>> from pathways.routes import count_routes
    >>> count_routes([[1, 2], [3], [3], []], [0], [0, 0, 0, 1])
    2
    >>> count_routes([[1], [0, 2], []], [0], [0, 0, 1]) is None
    True
    """
    comp, members = scc if scc is not None else strongly_connected(adj)
    count: list[int] = [0] * len(adj)  # -1 stands for infinitely many
    for group in members:
        if is_loop(group, adj):
            live = any(
                sinks[u] or any(count[v] != 0 for v in adj[u] if comp[v] != comp[u]) for u in group
            )
            for u in group:
                count[u] = -1 if live else 0
            continue
        u = group[0]
        total = 1 if sinks[u] else 0
        for v in adj[u]:
            cv = count[v]
            if cv == -1:
                total = -1
                break
            total += cv
        count[u] = total
    result = 0
    for s in sources:
        if count[s] == -1:
            return None
        result += count[s]
    return result


def shortest_route(
    adj: Sequence[Sequence[int]],
    node_weight: Sequence[float],
    sources: Sequence[int],
    sinks: Sequence[int],
    edge_weight: EdgeWeight | None = None,
) -> tuple[list[int], float] | None:
    """The lightest route from a source to a sink (Dijkstra; weights are non-negative)."""
    ew = edge_weight or _no_edge_weight
    dist: dict[int, float] = {}
    parent: dict[int, int] = {}
    heap: list[tuple[float, int, int]] = []
    order = 0
    for s in sources:
        heapq.heappush(heap, (node_weight[s], order, s))
        order += 1
        parent.setdefault(s, -1)
    done: set[int] = set()
    best: dict[int, float] = {}
    while heap:
        d, _, u = heapq.heappop(heap)
        if u in done:
            continue
        done.add(u)
        dist[u] = d
        if sinks[u]:
            path = [u]
            while parent[path[-1]] != -1:
                path.append(parent[path[-1]])
            return path[::-1], d
        for v in adj[u]:
            if v in done:
                continue
            nd = d + ew(u, v) + node_weight[v]
            if nd < best.get(v, INF):
                best[v] = nd
                parent[v] = u
                heapq.heappush(heap, (nd, order, v))
                order += 1
    return None


# ------------------------------------------------------------------------------ statistics


@dataclass(frozen=True)
class RouteStats:
    """Route statistics of a pathway (``pathways routes``); see :func:`route_stats`."""

    count: int | None
    shortest: tuple[tuple[str, ...], float] | None
    longest: tuple[tuple[str, ...], float] | None
    max_interviews: float
    handoffs_max: float

    def to_dict(self) -> dict[str, Any]:
        """SPEC section 3's JSON: ``count``, ``shortest``, ``longest``, ``max_interviews``,
        ``handoffs_max`` (``"infinite"``/``"unbounded"`` where a loop makes them so)."""

        def route(value: tuple[tuple[str, ...], float] | None) -> dict[str, Any] | None:
            if value is None:
                return None
            hours: float | str = "unbounded" if value[1] == INF else round(value[1], 6)
            return {"route": list(value[0]), "hours": hours}

        def bound(value: float) -> int | str:
            return "unbounded" if value == INF else int(max(value, 0))

        return {
            "count": "infinite" if self.count is None else self.count,
            "shortest": route(self.shortest),
            "longest": route(self.longest),
            "max_interviews": bound(self.max_interviews),
            "handoffs_max": bound(self.handoffs_max),
        }


def _unroll(sg: StepGraph, res: Longest, start: int, times: int = 1) -> tuple[str, ...]:
    prefix, loop, suffix = res.route(start)
    nodes = list(prefix)
    for _ in range(times if loop else 0):
        nodes.extend(loop[1:])
    nodes.extend(suffix[1:])
    return sg.route(nodes)


def best_start(res: Longest, sources: Sequence[int]) -> int | None:
    """The source with the largest value (first in order on ties), or None if none has one."""
    best: int | None = None
    for s in sources:
        if res.value[s] != NEG and (best is None or res.value[s] > res.value[best]):
            best = s
    return best


def agencies_index(pathway: Pathway) -> list[str | None]:
    """The agency of each step's role, by step index."""
    roles = pathway.roles_by_id
    return [roles[s.role].agency if s.role in roles else None for s in pathway.steps]


def route_stats(pathway: Pathway, sg: StepGraph | None = None) -> RouteStats:
    """Count routes and find the shortest, longest, most-interviewed and most-handed-off ones.

    Hours are expected hours (``Duration.expected`` of each step on the route plus the expected
    delay of each transition taken). With parallel tracks whose forks are all well nested
    (:func:`pathways.tracks.run_stats`) a fork/join block counts as one step: its time is that
    of its slowest track, its interviews and hand-offs add over its tracks, and ``count``
    counts runs up to the order of independent tracks; other pathways with tracks are
    measured on the step graph. A loop on some entry-to-outcome route makes the count
    infinite and, when the loop takes time, holds an interview or changes agency, makes the
    longest time, ``max_interviews`` or ``handoffs_max`` unbounded.

    Examples
    --------
    >>> import pathways as pw
    >>> from pathways.routes import route_stats
    >>> stats = route_stats(pw.load("pathways/kh/csa-in-person.yaml"))
    >>> isinstance(stats.to_dict()["count"], (int, str))
    True
    """
    sg = sg or step_graph(pathway)
    from pathways.tracks import has_tracks, run_stats

    if has_tracks(pathway):
        with_tracks = run_stats(pathway, sg)
        if with_tracks is not None:
            return with_tracks
    steps = pathway.steps
    sources = [i for i, s in enumerate(steps) if s.kind == "entry"]
    sinks = [1 if s.kind == "outcome" else 0 for s in steps]
    scc = strongly_connected(sg.succ)
    count = count_routes(sg.succ, sources, sinks, scc=scc)
    expected = [s.duration.expected if s.duration is not None else 0.0 for s in steps]

    def mean_delay(u: int, v: int) -> float:
        return sg.delay_mean.get((u, v), 0.0)

    def min_delay(u: int, v: int) -> float:
        return sg.delay_min_mean.get((u, v), 0.0)

    short = shortest_route(sg.succ, expected, sources, sinks, min_delay)
    shortest = (sg.route(short[0]), short[1]) if short else None
    long_res = longest_routes(sg.succ, expected, sinks, mean_delay, scc=scc)
    start = best_start(long_res, sources)
    longest = None
    if start is not None:
        longest = (_unroll(sg, long_res, start), long_res.value[start])
    interview = [1.0 if INTERVIEW in s.tags else 0.0 for s in steps]
    iv = longest_routes(sg.succ, interview, sinks, scc=scc)
    iv_start = best_start(iv, sources)
    agency = agencies_index(pathway)

    def handoff(u: int, v: int) -> float:
        a, b = agency[u], agency[v]
        return 1.0 if a is not None and b is not None and a != b else 0.0

    zero = [0.0] * len(steps)
    ho = longest_routes(sg.succ, zero, sinks, handoff, scc=scc)
    ho_start = best_start(ho, sources)
    return RouteStats(
        count=count,
        shortest=shortest,
        longest=longest,
        max_interviews=iv.value[iv_start] if iv_start is not None else 0.0,
        handoffs_max=ho.value[ho_start] if ho_start is not None else 0.0,
    )


def format_stats(stats: RouteStats) -> str:
    """The statistics as a few lines of text for coordinators."""
    d = stats.to_dict()
    lines = [f"routes: {d['count']}"]
    for key in ("shortest", "longest"):
        item: Mapping[str, Any] | None = d[key]
        if item is None:
            lines.append(f"{key}: no route from an entry step to an outcome step")
        else:
            hours = item["hours"]
            shown = hours if isinstance(hours, str) else f"{hours:g}"
            lines.append(f"{key}: {shown} hours expected")
            lines.append("    route: " + " -> ".join(item["route"]))
    lines.append(f"most interviews on a route: {d['max_interviews']}")
    lines.append(f"most hand-offs between agencies on a route: {d['handoffs_max']}")
    return "\n".join(lines) + "\n"
