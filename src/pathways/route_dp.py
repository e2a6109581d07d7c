"""Route properties in linear time: the dynamic programmes behind ``routes`` and ``tracks``.

A route is a sequence of steps from an entry step to an outcome step. There can be
exponentially many (``2**K`` for ``K`` stacked decisions) or infinitely many (a loop lies on
one), so nothing here enumerates them. Every property is a dynamic programme over the
condensation of a graph given as successor lists (its strongly connected components, visited
successors first), and every answer comes with a witness route rebuilt from the programme's
choices. :mod:`pathways.routes` runs them on the step graph, :mod:`pathways.tracks` on the
graph of runs of a pathway with parallel tracks; both answer with a :class:`RouteStats`.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pathways.graph import MaskSet, cycle_through, is_loop, shortest_path, strongly_connected

if TYPE_CHECKING:
    from pathways.model import Pathway

__all__ = [
    "INF",
    "INTERVIEW",
    "NEG",
    "EdgeWeight",
    "Longest",
    "RouteStats",
    "agencies_index",
    "best_start",
    "count_routes",
    "longest_routes",
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
    mult: Mapping[int, int | None] | None = None,
) -> int | None:
    """The exact number of distinct routes (step sequences) from ``sources`` to ``sinks``.

    None when a loop lies on one of them (infinitely many). Python integers do not overflow,
    so ``2**200`` routes are counted exactly, in time linear in nodes plus edges. ``mult``
    makes node ``u`` stand for ``mult[u]`` ways through it (None: infinitely many), as a
    collapsed block of parallel tracks does.

    Examples
    --------
    >>> from pathways.route_dp import count_routes
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
        if mult is not None and total not in (0, -1):
            m = mult.get(u, 1)
            total = -1 if m is None else total * m
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
    """Route statistics of a pathway (``pathways routes``); see
    :func:`pathways.routes.route_stats`."""

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
