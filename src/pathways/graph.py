"""The pathway as a graph: steps are nodes, transitions and referral fallbacks are edges.

Functions here take a :class:`~pathways.model.Pathway` or a ``networkx.DiGraph``, in networkx
style, so rules read as sentences.
"""

from __future__ import annotations

from collections.abc import Callable, Container, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import networkx as nx

    from pathways.model import Duration, Pathway, Transition

__all__ = [
    "MaskSet",
    "StepGraph",
    "cycle_through",
    "is_loop",
    "outside",
    "reachable",
    "shortest_path",
    "step_graph",
    "strongly_connected",
    "to_networkx",
]


def to_networkx(pathway: Pathway) -> nx.DiGraph:
    """Build the pathway's directed graph.

    Nodes are step ids in file order, with attributes ``kind``, ``role``, ``agency``,
    ``sector``, ``tags`` and ``label``. Every transition is an edge with ``event``, ``guard``,
    ``probability``, ``kind``, ``transitions`` (the indices of the transitions it stands for)
    and ``fallback=False``; every referral's ``on_reject`` adds a fallback edge from the
    referral's ``from`` step with ``fallback=True`` (unless a transition already joins them).

    Examples
    --------
    >>> import pathways as pw
    >>> g = to_networkx(pw.load("pathways/kh/csa-in-person.yaml"))
    >>> all(g.nodes[n]["kind"] for n in g)
    True
    """
    import networkx as nx  # imported on first use: a third of `pathways validate`'s start-up

    g = nx.DiGraph(id=pathway.id)
    for step in pathway.steps:
        g.add_node(
            step.id,
            kind=step.kind,
            role=step.role,
            agency=pathway.agency_of(step.id),
            sector=pathway.sector_of(step.id),
            tags=tuple(step.tags),
            label=pathway.label(step.id),
        )
    for i, t in enumerate(pathway.transitions):
        if g.has_edge(t.source, t.to) and not g.edges[t.source, t.to]["fallback"]:
            g.edges[t.source, t.to]["transitions"] += (i,)
            continue
        g.add_edge(
            t.source,
            t.to,
            event=t.event,
            guard=t.when,
            probability=t.probability,
            kind=t.kind,
            fallback=False,
            transitions=(i,),
        )
    for i, t in enumerate(pathway.transitions):
        if t.kind == "referral" and t.on_reject and not g.has_edge(t.source, t.on_reject):
            g.add_edge(
                t.source,
                t.on_reject,
                event=f"decline_{t.event}",
                guard=None,
                probability=None,
                kind="fallback",
                fallback=True,
                transitions=(i,),
            )
    return g


# --------------------------------------------------------------------------------------------
# Integer graph queries. Rules and route statistics work on step indices (file order) and
# plain adjacency lists, so every analysis is one pass over steps plus transitions.


@dataclass(frozen=True, eq=False)
class StepGraph:
    """The pathway as integer adjacency lists: step ``i`` is ``pathway.steps[i]``.

    ``succ``/``pred`` hold every edge (transitions and referral fallbacks), each successor once;
    ``tsucc`` holds transition edges only (deadline times ignore fallbacks). ``delay_max`` and
    ``delay_mean`` give, per transition edge ``(u, v)``, the largest upper and expected delay
    among the transitions joining them; ``delay_min_mean`` the smallest expected delay.
    """

    ids: tuple[str, ...]
    index: dict[str, int]
    succ: list[list[int]]
    pred: list[list[int]]
    tsucc: list[list[int]]
    ends: list[tuple[int, int] | None] = field(repr=False)
    transitions: Sequence[Transition] = field(repr=False)

    def __len__(self) -> int:
        return len(self.ids)

    def route(self, nodes: Iterable[int]) -> tuple[str, ...]:
        """Step ids for a list of step indices."""
        return tuple(self.ids[n] for n in nodes)

    def ends_of(self, i: int) -> tuple[int, int] | None:
        """Step indices ``(from, to)`` of transition ``i`` (None if it names an unknown step)."""
        return self.ends[i]

    def _delays(self) -> Iterator[tuple[int, int, Duration | None]]:
        for end, t in zip(self.ends, self.transitions, strict=True):
            if end is not None:
                yield end[0], end[1], t.delay

    @cached_property
    def delay_max(self) -> dict[tuple[int, int], float]:
        """Largest upper delay (``Duration.upper``) per transition edge with a delay."""
        out: dict[tuple[int, int], float] = {}
        for u, v, delay in self._delays():
            if delay is not None and delay.upper > out.get((u, v), 0.0):
                out[u, v] = delay.upper
        return out

    @cached_property
    def delay_mean(self) -> dict[tuple[int, int], float]:
        """Largest expected delay per transition edge with a delay."""
        out: dict[tuple[int, int], float] = {}
        for u, v, delay in self._delays():
            if delay is not None and delay.expected > out.get((u, v), 0.0):
                out[u, v] = delay.expected
        return out

    @cached_property
    def delay_min_mean(self) -> dict[tuple[int, int], float]:
        """Smallest expected delay per transition edge (0 when one transition has none)."""
        out: dict[tuple[int, int], float] = {}
        for u, v, delay in self._delays():
            mean = delay.expected if delay is not None else 0.0
            out[u, v] = min(out.get((u, v), mean), mean)
        return {key: value for key, value in out.items() if value > 0.0}


def step_graph(pathway: Pathway) -> StepGraph:
    """Build the :class:`StepGraph` of a pathway in one pass (unknown step ids are skipped).

    Examples
    --------
    >>> import pathways as pw
    >>> from pathways.graph import step_graph
    >>> sg = step_graph(pw.load("pathways/kh/csa-in-person.yaml"))
    >>> len(sg) == len(sg.succ) == len(sg.pred)
    True
    """
    ids = tuple(s.id for s in pathway.steps)
    index = {sid: i for i, sid in enumerate(ids)}
    n = len(ids)
    succ: list[list[int]] = [[] for _ in range(n)]
    tsucc: list[list[int]] = [[] for _ in range(n)]
    pred: list[list[int]] = [[] for _ in range(n)]
    ends: list[tuple[int, int] | None] = []
    fallbacks: list[tuple[int, int]] = []
    get = index.get
    for t in pathway.transitions:
        u, v = get(t.source), get(t.to)
        if u is None or v is None:
            ends.append(None)
            continue
        ends.append((u, v))
        out = tsucc[u]
        if v not in out:  # out-degrees are small: a list scan beats a set of pairs
            out.append(v)
            succ[u].append(v)
            pred[v].append(u)
        if t.on_reject is not None and t.kind == "referral":
            w = get(t.on_reject)
            if w is not None:
                fallbacks.append((u, w))
    for u, w in fallbacks:
        if w not in succ[u]:
            succ[u].append(w)
            pred[w].append(u)
    return StepGraph(
        ids=ids,
        index=index,
        succ=succ,
        pred=pred,
        tsucc=tsucc,
        ends=ends,
        transitions=pathway.transitions,
    )


def reachable(
    adj: Sequence[Sequence[int]], sources: Iterable[int], blocked: Sequence[int] | None = None
) -> bytearray:
    """Mark every node reachable from ``sources`` along ``adj``.

    ``blocked`` is an optional mask: nodes with a true entry are neither entered nor left
    (a blocked source is not marked).

    Examples
    --------
    >>> from pathways.graph import reachable
    >>> list(reachable([[1], [2], [], [0]], [0]))
    [1, 1, 1, 0]
    >>> list(reachable([[1], [2], [], [0]], [0], blocked=[0, 1, 0, 0]))
    [1, 0, 0, 0]
    """
    seen = bytearray(len(adj))
    stack = [s for s in sources if not (blocked and blocked[s])]
    for s in stack:
        seen[s] = 1
    while stack:
        u = stack.pop()
        for v in adj[u]:
            if not seen[v] and not (blocked and blocked[v]):
                seen[v] = 1
                stack.append(v)
    return seen


def strongly_connected(succ: Sequence[Sequence[int]]) -> tuple[list[int], list[list[int]]]:
    """Strongly connected components by an iterative Tarjan search.

    Returns ``(comp, members)``: ``comp[v]`` is the component of node ``v`` and ``members[c]``
    its nodes. Components come in reverse topological order: every edge leaving component
    ``c`` goes to a component with a smaller number, so a loop ``for c in range(len(members))``
    visits successors first (the order dynamic programming on the condensation needs).

    Examples
    --------
    >>> from pathways.graph import strongly_connected
    >>> comp, members = strongly_connected([[1], [0, 2], []])
    >>> members
    [[2], [1, 0]]
    """
    n = len(succ)
    idx = [-1] * n
    low = [0] * n
    onstack = bytearray(n)
    comp = [-1] * n
    stack: list[int] = []
    members: list[list[int]] = []
    counter = 0
    for root in range(n):
        if idx[root] != -1:
            continue
        work = [(root, 0)]
        while work:
            v, i = work[-1]
            if i == 0:
                idx[v] = low[v] = counter
                counter += 1
                stack.append(v)
                onstack[v] = 1
            sv = succ[v]
            recursed = False
            while i < len(sv):
                w = sv[i]
                i += 1
                if idx[w] == -1:
                    work[-1] = (v, i)
                    work.append((w, 0))
                    recursed = True
                    break
                if onstack[w] and idx[w] < low[v]:
                    low[v] = idx[w]
            if recursed:
                continue
            work.pop()
            if work:
                u = work[-1][0]
                if low[v] < low[u]:
                    low[u] = low[v]
            if low[v] == idx[v]:
                group: list[int] = []
                c = len(members)
                while True:
                    w = stack.pop()
                    onstack[w] = 0
                    comp[w] = c
                    group.append(w)
                    if w == v:
                        break
                members.append(group)
    return comp, members


def is_loop(members: Sequence[int], succ: Sequence[Sequence[int]]) -> bool:
    """Whether a strongly connected component is a loop: several steps, or one with an edge
    to itself."""
    return len(members) > 1 or members[0] in succ[members[0]]


def shortest_path(
    succ: Sequence[Sequence[int]],
    sources: Iterable[int],
    targets: Container[int],
    allowed: Callable[[int], bool] | None = None,
) -> list[int] | None:
    """A fewest-steps path from any source to any target (breadth first), or None.

    Only nodes for which ``allowed`` is true are entered (sources included).
    """
    parent: dict[int, int] = {}
    queue: list[int] = []
    for s in sources:
        if s not in parent and (allowed is None or allowed(s)):
            parent[s] = -1
            queue.append(s)
    head = 0
    while head < len(queue):
        u = queue[head]
        head += 1
        if u in targets:
            path = [u]
            while parent[path[-1]] != -1:
                path.append(parent[path[-1]])
            return path[::-1]
        for v in succ[u]:
            if v not in parent and (allowed is None or allowed(v)):
                parent[v] = u
                queue.append(v)
    return None


def cycle_through(
    node: int, succ: Sequence[Sequence[int]], comp: Sequence[int], via: int | None = None
) -> list[int]:
    """A closed walk ``[node, ..., node]`` inside ``node``'s component (through ``via`` when
    given); ``node`` must lie on a loop."""
    c = comp[node]

    def inside(v: int) -> bool:
        return comp[v] == c

    if node in succ[node] and (via is None or via == node):
        return [node, node]
    first: list[int]
    if via is not None and via != node:
        first = shortest_path(succ, [node], {via}, inside) or [node]
        start = via
    else:
        first = [node]
        start = node
    back = shortest_path(succ, [v for v in succ[start] if inside(v)], {node}, inside)
    if back is None:  # not a loop after all; callers only ask for loops
        return [node]
    return [*first, *back]


class MaskSet:
    """The step indices whose byte is set in ``mask``, as a container (``i in MaskSet(m)``)."""

    __slots__ = ("mask",)

    def __init__(self, mask: Sequence[int]) -> None:
        self.mask = mask

    def __contains__(self, v: object) -> bool:
        return isinstance(v, int) and bool(self.mask[v])


def outside(mask: bytearray) -> Callable[[int], bool]:
    """A predicate true for the step indices whose byte is *not* set in ``mask``."""

    def allowed(v: int) -> bool:
        return not mask[v]

    return allowed
