"""Parallel tracks: fork/join structure and the token game of SPEC 7.1, without state explosion.

A case holds tracks; a ``fork`` starts one track on each exit, a ``join`` is entered when a
track waits on each of its incoming transitions (SPEC 7.1). Checking such a pathway by playing
the token game on every interleaving costs about ``11**K`` states for ``K`` tracks of ten
steps. This module never does that:

1. **Structure** (linear in steps plus transitions per nesting level). A *simple track* is the
   region a fork exit leads into when it is private (no other edge enters it, no entry step in
   it), holds no outcome and no fork or join other than whole sound blocks nested in it, can
   always go on (every step of it reaches its end) and leaves only by one transition into one
   join. A fork whose exits are all simple tracks ending at one join that nothing else enters
   is a *sound block* (well nested, single entry and single exit, as in the refined process
   structure tree): it can neither deadlock, collide nor end early, and it behaves like one
   step from its fork to its join. Blocks are found innermost first.
2. **Token game on what is left.** A sound block is one move (fork to join), and so is a
   :class:`Region` (tracks meeting at several joins in a tree: fork to last join); a simple track of
   a fork that is not a block is one token that stands for "somewhere in the track, able to
   reach its join" (the moves inside it are private and never change what other tracks can do,
   so they are not interleaved). Only tracks that are not simple are played step by step, and
   the exploration stops at :data:`STATE_BOUND` states (the rules then say so as a finding).

The result is exact for the questions the rules ask (which steps some run enters; deadlocks,
collisions and tracks left running, each with a witness run; the most interviews of a
complete run): tests compare it with a plain exhaustive token game on generated pathways.
"""

from __future__ import annotations

import itertools
from collections import Counter, deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from pathways.graph import StepGraph, cycle_through, is_loop, step_graph, strongly_connected
from pathways.route_dp import (
    INF,
    INTERVIEW,
    NEG,
    RouteStats,
    agencies_index,
    best_start,
    count_routes,
    longest_routes,
    shortest_route,
)

if TYPE_CHECKING:
    from pathways.model import Pathway

__all__ = [
    "STATE_BOUND",
    "Block",
    "Exploration",
    "JoinWait",
    "Region",
    "RunGraph",
    "Structure",
    "Track",
    "Trap",
    "clearable",
    "covers",
    "explore",
    "has_tracks",
    "join_waits",
    "regions",
    "run_graph",
    "run_stats",
    "structure",
    "traps",
]

STATE_BOUND = 20_000
"""Most states the token game explores before it gives up and says so (PW114)."""

Move = tuple[int, int, bool]  # (transition index, target step, is a referral's fallback)


def has_tracks(pathway: Pathway) -> bool:
    """Whether the pathway has a fork or a join step (otherwise SPEC section 3 applies as is)."""
    return any(s.kind in ("fork", "join") for s in pathway.steps)


@dataclass(frozen=True, eq=False)
class Track:
    """A simple track: the private region a fork exit leads into, up to one join transition."""

    fork: int
    exit: int
    join: int
    end: int
    members: tuple[int, ...]
    """Every step of the track (nested blocks included): each is entered in some run."""
    path: tuple[int, ...]
    """Steps of a shortest walk through the track (nested blocks expanded), for witnesses."""
    interviews: float
    """Most interview steps a walk through the track enters (``inf`` on an interview loop)."""
    worst: tuple[int, ...]
    """A walk through the track with that many interviews (once round any loop)."""
    nodes: tuple[int, ...] = ()
    """The track's own graph: its steps, a nested block standing as its fork."""
    adj: tuple[tuple[int, ...], ...] = ()
    """Successors by position in ``nodes`` (a nested block's fork leads to its join)."""


@dataclass(frozen=True, eq=False)
class Block:
    """A sound (well-nested) fork/join block: one move from ``fork`` to ``join``."""

    fork: int
    join: int
    tracks: tuple[Track, ...]

    @property
    def members(self) -> tuple[int, ...]:
        """The steps strictly inside the block (fork and join excluded)."""
        return tuple(m for t in self.tracks for m in t.members)

    @property
    def interviews(self) -> float:
        """Interviews of the tracks of one pass (fork and join excluded)."""
        return sum(t.interviews for t in self.tracks)

    def path(self, worst: bool = False) -> list[int]:
        """Fork, each track's walk, join: the steps one pass enters, in a possible order."""
        out = [self.fork]
        for t in self.tracks:
            out.extend(t.worst if worst else t.path)
        out.append(self.join)
        return out


@dataclass(eq=False)
class Structure:
    """Fork/join structure of a pathway: sound blocks and the simple tracks of other forks."""

    sg: StepGraph
    kinds: list[str]
    moves: list[list[Move]]
    into: dict[int, list[int]]
    """Join step -> indices of the transitions into it (file order)."""
    blocks: dict[int, Block]
    """Fork step -> its sound block."""
    simple: dict[int, Track]
    """Exit transition index -> simple track, for forks that are not sound blocks."""
    interview: list[int]
    block_joins: set[int] = field(default_factory=set)
    """The joins of the sound blocks."""
    preds: list[list[Move]] = field(default_factory=list)
    """Per step, the moves into it ``(transition, from step, is a fallback)``."""

    @property
    def loose_forks(self) -> list[int]:
        """Forks that are not sound blocks (what the token game plays step by step)."""
        return [i for i, k in enumerate(self.kinds) if k == "fork" and i not in self.blocks]


def _moves(pathway: Pathway, sg: StepGraph, kinds: Sequence[str]) -> list[list[Move]]:
    moves: list[list[Move]] = [[] for _ in kinds]
    fallbacks: list[list[Move]] = [[] for _ in kinds]
    for i, t in enumerate(pathway.transitions):
        end = sg.ends[i]
        if end is None:
            continue
        u, v = end
        moves[u].append((i, v, False))
        if t.kind == "referral" and t.on_reject:
            w = sg.index.get(t.on_reject)
            if w is not None and kinds[w] != "join":  # a fallback into a join gives no move
                fallbacks[u].append((i, w, True))
    return [m + f for m, f in zip(moves, fallbacks, strict=True)]


def structure(pathway: Pathway, sg: StepGraph | None = None) -> Structure:
    """Find the sound blocks (innermost first) and the simple tracks of the other forks."""
    sg = sg or step_graph(pathway)
    kinds: list[str] = [s.kind for s in pathway.steps]
    moves = _moves(pathway, sg, kinds)
    into: dict[int, list[int]] = {i: [] for i, k in enumerate(kinds) if k == "join"}
    for i, end in enumerate(sg.ends):
        if end is not None and end[1] in into:
            into[end[1]].append(i)
    interview = [1 if INTERVIEW in s.tags else 0 for s in pathway.steps]
    st = Structure(sg, kinds, moves, into, {}, {}, interview)
    preds: list[list[Move]] = [[] for _ in kinds]
    for u, out in enumerate(moves):
        for i, v, fb in out:
            preds[v].append((i, u, fb))
    st.preds = preds
    forks = [i for i, k in enumerate(kinds) if k == "fork"]
    pending = list(forks)
    progress = True
    while progress and pending:
        progress = False
        for f in list(pending):
            block = _block(st, preds, f)
            if block is not None:
                st.blocks[f] = block
                st.block_joins.add(block.join)
                pending.remove(f)
                progress = True
    for f in pending:
        for i, _, fb in moves[f]:
            if not fb:
                track = _simple_track(st, preds, f, i)
                if track is not None:
                    st.simple[i] = track
    return st


def _block(st: Structure, preds: list[list[Move]], f: int) -> Block | None:
    exits = [i for i, _, fb in st.moves[f] if not fb]
    if len(exits) < 2 or any(fb for _, _, fb in st.moves[f]):
        return None
    tracks: list[Track] = []
    for i in exits:
        track = _simple_track(st, preds, f, i)
        if track is None or (tracks and track.join != tracks[0].join):
            return None
        tracks.append(track)
    join = tracks[0].join
    if sorted(t.end for t in tracks) != sorted(st.into[join]):
        return None
    return Block(f, join, tuple(tracks))


def _simple_track(st: Structure, preds: list[list[Move]], f: int, exit_: int) -> Track | None:
    """The simple track that fork ``f``'s exit ``exit_`` leads into, or None."""
    kinds = st.kinds
    end_of = st.sg.ends[exit_]
    if end_of is None:
        return None
    e = end_of[1]
    if kinds[e] in ("outcome", "entry", "join") or e == f:
        return None
    region: dict[int, None] = {e: None}  # insertion-ordered set of members
    walk: dict[int, list[int]] = {}  # the track's own graph (a nested block is one edge)
    queue = [e]
    end: int | None = None
    join: int | None = None
    while queue:
        u = queue.pop()
        succ: list[int] = []
        walk[u] = succ
        block = st.blocks.get(u)
        if block is not None:
            for m in block.members:
                region[m] = None
            targets: list[tuple[int, int, bool]] = [(-1, block.join, False)]
        elif kinds[u] in ("fork", "join", "outcome", "entry") and u != e:
            if not (kinds[u] == "join" and _is_block_join(st, u)):
                return None
            targets = list(st.moves[u])
        else:
            targets = list(st.moves[u])
        for i, v, fb in targets:
            if kinds[v] == "join" and block is None and not _is_block_join(st, v):
                if fb:
                    continue
                if end is not None:
                    return None
                end, join = i, v
                continue
            if kinds[v] in ("outcome", "entry") or v == f:
                return None
            if kinds[v] == "fork" and v not in st.blocks:
                return None
            succ.append(v)
            if v not in region:
                region[v] = None
                queue.append(v)
            elif v not in walk and v not in queue and block is None:
                pass
    if end is None or join is None:
        return None
    # Private: nothing enters the region except the fork's exit into its first step.
    for m in region:
        for i, src, _ in preds[m]:
            if src in region:
                continue
            if m == e and src == f and i == exit_:
                continue
            return None
    end_ends = st.sg.ends[end]
    assert end_ends is not None
    last = end_ends[0]
    # Every step of the track can go on to its end (no trap, no dead end).
    rev: dict[int, list[int]] = {u: [] for u in walk}
    for u, succ in walk.items():
        for v in succ:
            rev.setdefault(v, []).append(u)
    seen = {last}
    stack = [last]
    while stack:
        v = stack.pop()
        for u in rev.get(v, ()):
            if u not in seen:
                seen.add(u)
                stack.append(u)
    if any(u not in seen for u in walk):
        return None
    nodes = list(walk)
    index = {u: k for k, u in enumerate(nodes)}
    adj = [[index[v] for v in dict.fromkeys(walk[u])] for u in nodes]
    path = _expand(st, _bfs(adj, index[e], index[last]), nodes)
    weight = [
        float(st.blocks[u].interviews + st.interview[u]) if u in st.blocks else st.interview[u]
        for u in nodes
    ]
    sinks = [1 if u == last else 0 for u in nodes]
    res = longest_routes(adj, weight, sinks)
    value = res.value[index[e]]
    prefix, loop, suffix = res.route(index[e])
    worst_idx = prefix + loop[1:] + suffix[1:]
    worst = _expand(st, worst_idx, nodes, worst=True) if value != NEG else path
    return Track(
        fork=f,
        exit=exit_,
        join=join,
        end=end,
        members=tuple(region),
        path=tuple(path),
        interviews=value if value != NEG else 0.0,
        worst=tuple(worst),
        nodes=tuple(nodes),
        adj=tuple(tuple(a) for a in adj),
    )


def _is_block_join(st: Structure, v: int) -> bool:
    return v in st.block_joins


def _bfs(adj: list[list[int]], start: int, goal: int) -> list[int]:
    parent = {start: -1}
    queue = deque([start])
    while queue:
        u = queue.popleft()
        if u == goal:
            break
        for v in adj[u]:
            if v not in parent:
                parent[v] = u
                queue.append(v)
    out = [goal]
    while parent.get(out[-1], -1) != -1:
        out.append(parent[out[-1]])
    return out[::-1]


def _expand(st: Structure, walk: list[int], nodes: list[int], worst: bool = False) -> list[int]:
    """Local walk -> step indices, a nested block written out as the steps of one pass."""
    out: list[int] = []
    for k in walk:
        u = nodes[k]
        block = st.blocks.get(u)
        if block is not None:
            out.extend(block.path(worst)[:-1])  # its join is the walk's next node
        else:
            out.append(u)
    return out


# ------------------------------------------------------------------ regions of several joins


@dataclass(frozen=True, eq=False)
class Segment:
    """One track of a :class:`Region`: from a fork or join ``src`` along transition ``out`` to
    the transition ``into`` of join ``dst``. ``track`` is None when ``out`` goes straight into
    ``dst`` (no step between)."""

    src: int
    dst: int
    out: int
    into: int
    track: Track | None

    @property
    def members(self) -> tuple[int, ...]:
        """The steps of the segment (none for a transition straight into its join)."""
        return self.track.members if self.track is not None else ()


@dataclass(frozen=True, eq=False)
class Region:
    """A sound fork/join region with more than one join: an acyclic marked graph of tracks.

    The fork starts every track; tracks end at joins; each join but the last (``join``) leaves
    by one private track into a later join of the region, and every transition into a join
    of the region comes from one of its tracks. As with a block, each join of a region is
    entered exactly once per pass (the graph of joins is a tree converging on ``join``), so it
    can neither deadlock, collide nor end early, and it behaves like one step from ``fork`` to
    ``join``. An example is the bundled P1 (medical and social tracks meet at a case
    conference, which then waits with the police track at the closure review).
    """

    fork: int
    join: int
    segments: tuple[Segment, ...]
    """Every track, each after the tracks into its source join (topological order)."""
    inner: tuple[int, ...]
    """The joins other than ``join``, each after the joins it depends on."""
    interviews: float = 0.0
    """Interviews of one pass: every track's most, and the inner joins'."""
    worst: tuple[int, ...] = ()
    """The steps one pass enters with that many interviews, in a possible order (each
    track's walk, each inner join after the tracks into it)."""

    @property
    def members(self) -> tuple[int, ...]:
        """The steps strictly inside (the inner joins included; fork and last join not)."""
        return (*self.inner, *(m for s in self.segments for m in s.members))

    def path(self, worst: bool = True) -> list[int]:
        """Fork, the steps of one pass, last join (as :meth:`Block.path`)."""
        del worst
        return [self.fork, *self.worst, self.join]

    @property
    def first_into(self) -> dict[int, int]:
        """Per join of the region, its first incoming transition (file order)."""
        out: dict[int, int] = {}
        for seg in self.segments:
            out[seg.dst] = min(out.get(seg.dst, seg.into), seg.into)
        return out


def regions(st: Structure) -> dict[int, Region]:
    """Fork -> :class:`Region`, for each fork that is not a sound block but heads a region."""
    out: dict[int, Region] = {}
    for f in st.loose_forks:
        region = _region(st, f)
        if region is not None:
            out[f] = region
    return out


def _segment(st: Structure, src: int, i: int) -> Segment | None:
    end = st.sg.ends[i]
    if end is None:
        return None
    v = end[1]
    if st.kinds[v] == "join":
        return None if v in st.block_joins else Segment(src, v, i, i, None)
    track = st.simple.get(i) if st.kinds[src] == "fork" else None
    if track is None:
        track = _simple_track(st, st.preds, src, i)
    if track is None:
        return None
    return Segment(src, track.join, i, track.end, track)


def _region(st: Structure, f: int) -> Region | None:
    """The region headed by fork ``f``, or None when its tracks do not form one."""
    exits = st.moves[f]
    if len(exits) < 2 or any(fb for _, _, fb in exits):
        return None
    segments: list[Segment] = []
    todo = [(f, i) for i, _, _ in exits]
    joins: dict[int, None] = {}
    sinks: list[int] = []
    while todo:
        src, i = todo.pop(0)
        seg = _segment(st, src, i)
        if seg is None:
            return None
        segments.append(seg)
        j = seg.dst
        if j in joins:
            continue
        joins[j] = None
        leave = st.moves[j]
        onward = _segment(st, j, leave[0][0]) if len(leave) == 1 and not leave[0][2] else None
        if onward is None:
            sinks.append(j)
        else:
            todo.append((j, leave[0][0]))
    if len(sinks) != 1:
        return None
    ins: dict[int, list[int]] = {j: [] for j in joins}
    for seg in segments:
        ins[seg.dst].append(seg.into)
    if any(sorted(ins[j]) != sorted(st.into[j]) for j in joins):
        return None  # a join of the region is also entered from outside it
    # Topological order (Kahn): a join is ready once the sources of all its tracks are.
    waiting = {j: len(ins[j]) for j in joins}
    by_src: dict[int, list[Segment]] = {}
    for seg in segments:
        by_src.setdefault(seg.src, []).append(seg)
    ordered: list[Segment] = []
    inner: list[int] = []
    ready = [f]
    while ready:
        node = ready.pop(0)
        if node != f:
            inner.append(node)
        for seg in by_src.get(node, ()):
            ordered.append(seg)
            waiting[seg.dst] -= 1
            if waiting[seg.dst] == 0:
                ready.append(seg.dst)
    if len(inner) != len(joins) or inner[-1] != sinks[0]:
        return None  # a cycle among the joins
    interviews = 0.0
    walk: list[int] = []
    for seg in ordered:
        if seg.src != f:
            walk.append(seg.src)
            interviews += st.interview[seg.src]
        if seg.track is not None:
            walk.extend(seg.track.worst)
            interviews += seg.track.interviews
    return Region(f, sinks[0], tuple(ordered), tuple(inner[:-1]), interviews, tuple(walk))


# ------------------------------------------------- time across a join (PW303 from a track)


@dataclass(frozen=True)
class JoinWait:
    """The other tracks a join waits for, seen from a step ``start`` inside one of its tracks.

    ``hours`` is the latest time after ``start`` is entered at which the slowest of those
    tracks can arrive on its transition into ``join`` (``inf`` when a loop can hold it up);
    ``slowest`` is that track's walk (steps, in order) and ``transition`` its way in.
    """

    join: int
    hours: float
    transition: int
    slowest: tuple[int, ...]


def join_waits(
    st: Structure,
    start: int,
    lower: Sequence[float],
    upper: Sequence[float],
    delay_min: Sequence[float],
    delay_max: Sequence[float],
) -> list[JoinWait]:
    """Per join of each sound block or region holding ``start``: how long after entering
    ``start`` its other tracks can still arrive (SPEC 7.1: a join waits for its slowest
    incoming track; None of this for shapes that are neither).

    ``lower``/``upper`` are per step, ``delay_min``/``delay_max`` per transition. The worst
    case has every step of the other tracks at its longest and the way from the fork to
    ``start`` at its shortest: both start at the fork's exit, and the two are independent.
    Linear in the size of the blocks and regions holding ``start`` (a heap for the shortest
    way), never enumerating runs.
    """
    holders: list[tuple[int, list[int], list[Segment]]] = []
    for f, block in st.blocks.items():
        if start in block.members:
            segs = [Segment(f, block.join, t.exit, t.end, t) for t in block.tracks]
            holders.append((f, [block.join], segs))
    for f, region in regions(st).items():
        if start in region.members:
            holders.append((f, [*region.inner, region.join], list(region.segments)))
    if not holders:
        return []
    ends = st.sg.ends
    after = _forward(st, start)
    out: list[JoinWait] = []
    for f, joins, segs in holders:
        inside = {f, *joins}
        for seg in segs:
            inside.update(seg.members)
        shortest = _earliest(st, f, inside, lower, delay_min).get(start)
        if shortest is None:
            continue
        latest, parent = _latest(st, f, inside, upper, delay_max)
        latest[f] = 0.0  # a fork exit straight into the join
        for j in joins:
            if j not in after or j == start:
                continue  # not after `start`, or `start` itself (its wait came before it)
            best: JoinWait | None = None
            for t in st.into[j]:
                end = ends[t]
                assert end is not None
                src = end[0]
                if src in after or src not in latest:
                    continue  # the track of `start` itself, or one after it
                hours = latest[src] + delay_max[t] - shortest
                if best is None or hours > best.hours:
                    walk = _walk_back(parent, src, f) if src != f else []
                    best = JoinWait(j, hours, t, tuple(walk))
            if best is not None:
                out.append(best)
    return out


def _forward(st: Structure, start: int) -> set[int]:
    """Steps reachable from ``start`` by transitions (itself included)."""
    seen = {start}
    stack = [start]
    tsucc = st.sg.tsucc
    while stack:
        for v in tsucc[stack.pop()]:
            if v not in seen:
                seen.add(v)
                stack.append(v)
    return seen


def _earliest(
    st: Structure,
    f: int,
    inside: set[int],
    lower: Sequence[float],
    delay_min: Sequence[float],
) -> dict[int, float]:
    """Shortest time from fork ``f``'s exit to entering each step inside (a join: when the
    last of its incoming tracks can arrive at the earliest; other steps: the quickest way)."""
    import heapq

    ends = st.sg.ends
    out_of: dict[int, list[int]] = {}
    for i, end in enumerate(ends):
        if end is not None and end[0] in inside and end[1] in inside:
            out_of.setdefault(end[0], []).append(i)
    best: dict[int, float] = {}
    arrived: dict[int, dict[int, float]] = {}  # join -> transition -> earliest arrival
    heap: list[tuple[float, int]] = []
    done: set[int] = set()

    def relax(u: int, at: float) -> None:
        for i in out_of.get(u, ()):
            end = ends[i]
            assert end is not None
            v = end[1]
            when = at + delay_min[i]
            if st.kinds[v] == "join":
                got = arrived.setdefault(v, {})
                got[i] = min(got.get(i, INF), when)
                if v not in done and all(t in got for t in st.into[v]):
                    heapq.heappush(heap, (max(got.values()), v))
            elif when < best.get(v, INF):
                best[v] = when
                heapq.heappush(heap, (when, v))

    relax(f, 0.0)
    while heap:
        at, u = heapq.heappop(heap)
        if u in done:
            continue
        done.add(u)
        best[u] = at
        relax(u, at + lower[u])
    return {u: best[u] for u in done}


def _latest(
    st: Structure,
    f: int,
    inside: set[int],
    upper: Sequence[float],
    delay_max: Sequence[float],
) -> tuple[dict[int, float], dict[int, int]]:
    """Longest time from fork ``f``'s exit to leaving each step inside (``inf`` past a loop
    that takes time), and for each the step before it on that way."""
    nodes = [u for u in inside if u != f]
    index = {u: k for k, u in enumerate(nodes)}
    back: list[list[int]] = [[] for _ in nodes]
    weight_of: dict[tuple[int, int], float] = {}
    root = len(nodes)  # the fork, as the sink of the reversed graph
    back.append([])
    for i, end in enumerate(st.sg.ends):
        if end is None or end[0] not in inside or end[1] not in inside or end[1] == f:
            continue
        u, v = end
        a, b = index[v], (root if u == f else index[u])
        if b not in back[a]:
            back[a].append(b)
        weight_of[a, b] = max(weight_of.get((a, b), 0.0), delay_max[i])
    weight = [upper[u] for u in nodes] + [0.0]
    sinks = [0] * len(nodes) + [1]
    res = longest_routes(back, weight, sinks, lambda a, b: weight_of.get((a, b), 0.0))
    latest: dict[int, float] = {}
    parent: dict[int, int] = {}
    for u in nodes:
        value = res.value[index[u]]
        if value == NEG:
            continue
        latest[u] = value
        nxt = res.nxt[index[u]]
        if nxt != -1:
            parent[u] = nodes[nxt] if nxt != root else f
    return latest, parent


def _walk_back(parent: dict[int, int], src: int, f: int) -> list[int]:
    """The slowest way from fork ``f`` to ``src`` (without ``f``), in order."""
    walk = [src]
    while walk[-1] in parent and parent[walk[-1]] != f and len(walk) <= len(parent):
        walk.append(parent[walk[-1]])
    return walk[::-1]


# ------------------------------------------------------------- option to complete (PW105)


def clearable(st: Structure) -> bytearray:
    """0/1 per step: whether a track there can end, with every track it starts (SPEC 7.1).

    The least fixed point of: an outcome can end; an ``entry``, ``action``, ``decision``,
    ``wait`` or ``join`` step can when one of its moves (a transition, or a referral's
    fallback) leads to a step that can; a fork can when, for each exit, its target or the
    fallback of that exit can (all its tracks must end). A move into a join counts as
    reaching the join: the tracks it waits with are taken as given, which can only make more
    steps clearable. So a step that is *not* clearable is so in every run: a track there, or
    one of the tracks it starts, never ends, and a case holding it can never complete. Linear
    in steps plus transitions (each move is counted down once, as in an attractor). Without
    joins the answer is exact: tracks that never meet move independently.
    """
    kinds = st.kinds
    n = len(kinds)
    clear = bytearray(n)
    need = [1] * n
    exit_done: dict[tuple[int, int], bool] = {}
    for u in range(n):
        if kinds[u] == "fork":
            exits = {i for i, _, fb in st.moves[u] if not fb}
            need[u] = len(exits) if exits else -1  # a fork with no exit never moves on
    stack = [u for u in range(n) if kinds[u] == "outcome"]
    for u in stack:
        clear[u] = 1
    while stack:
        v = stack.pop()
        for i, u, _ in st.preds[v]:
            if clear[u] or need[u] < 0:
                continue
            if kinds[u] == "fork":
                if exit_done.get((u, i)):
                    continue
                exit_done[u, i] = True
            need[u] -= 1
            if need[u] == 0:
                clear[u] = 1
                stack.append(u)
    return clear


@dataclass(frozen=True)
class Trap:
    """Steps (a loop) that no track can leave for good: every way out passes a fork that
    sends a track back in (or the loop has no way out at all). ``members`` in file order;
    ``loop`` a closed walk through the first; ``forks`` the forks of the loop with an exit
    leading out (the tracks they send out can end, the one they send round cannot)."""

    members: tuple[int, ...]
    loop: tuple[int, ...]
    forks: tuple[int, ...]


def traps(st: Structure) -> list[Trap]:
    """The loops of steps that are not :func:`clearable` and that the reason for it never
    leaves: the bottom strongly connected components of the graph that keeps, out of each step
    that cannot end, only the moves to steps that cannot end either (for a fork: its exits
    that cannot). Each such component is a loop (PW105), or a single step with no move (PW104:
    not returned). Every step that cannot end leads into one of the two. Linear time."""
    kinds = st.kinds
    clear = clearable(st)
    n = len(kinds)
    blame: list[list[int]] = [[] for _ in range(n)]
    for u in range(n):
        if clear[u]:
            continue
        ok = set()
        if kinds[u] == "fork":
            ok = {i for i, v, _ in st.moves[u] if clear[v]}
        blame[u] = list(dict.fromkeys(v for i, v, _ in st.moves[u] if not clear[v] and i not in ok))
    comp, members = strongly_connected(blame)
    out: list[Trap] = []
    for c, group in enumerate(members):
        u0 = group[0]
        if clear[u0] or not is_loop(group, blame):
            continue
        if any(comp[v] != c for u in group for v in blame[u]):
            continue
        first = min(group)
        forks = tuple(
            sorted(
                u for u in group if kinds[u] == "fork" and any(clear[v] for _, v, _ in st.moves[u])
            )
        )
        loop = tuple(cycle_through(first, blame, comp))
        out.append(Trap(tuple(sorted(group)), loop, forks))
    out.sort(key=lambda t: t.members[0])
    return out


# --------------------------------------------------------------------------- the token game

Marking = tuple[int, ...]


@dataclass(eq=False)
class Exploration:
    """What the token game found. Routes are step indices entered, in order."""

    entered: bytearray
    deadlock: dict[int, list[int]] = field(default_factory=dict)
    collide: dict[int, tuple[list[int], int | None]] = field(default_factory=dict)
    left_running: dict[int, list[int]] = field(default_factory=dict)
    interviews: float = 0.0
    interviews_route: list[int] = field(default_factory=list)
    complete: bool = True
    states: int = 0
    unbounded: list[int] | None = None
    """A run to a state that holds every track of an earlier state on it and more (None when
    no explored run shows one): the tracks pile up without bound, so the state space is
    infinite and the exploration stopped (see :func:`explore`)."""


class _Game:
    """The reduced token game: positions are steps (``0..n-1``), waits on transitions
    (``n + t``) and simple-track tokens (``n + T + exit``)."""

    def __init__(self, st: Structure) -> None:
        self.st = st
        self.regions = regions(st) if st.loose_forks else {}
        """Regions are sound like blocks: one move from fork to last join."""
        self.n = len(st.kinds)
        self.nt = len(st.sg.ends)
        self.wait_base = self.n
        self.z_base = self.n + self.nt

    def end_of_position(self, p: int) -> int | None:
        """The transition a waiting or simple-track position stands on (None for steps)."""
        if p < self.n:
            return None
        if p < self.z_base:
            return p - self.wait_base
        return self.st.simple[p - self.z_base].end

    def moves(self, marking: Marking) -> Iterator[tuple[Marking, list[int], list[int], float]]:
        """(next marking, steps entered in order, outcomes ended, interviews entered)."""
        st = self.st
        kinds = st.kinds
        for p in dict.fromkeys(marking):
            if p >= self.n:
                continue
            rest = list(marking)
            rest.remove(p)
            block = st.blocks.get(p)
            if block is not None:
                entered = block.path(worst=True)[1:]
                weight = float(block.interviews + st.interview[block.join])  # the join too
                yield self._apply(rest, [], [block.join], entered, weight)
                continue
            region = self.regions.get(p)
            if region is not None:
                entered = region.path()[1:]
                weight = float(region.interviews + st.interview[region.join])
                yield self._apply(rest, [], [region.join], entered, weight)
                continue
            if kinds[p] == "fork":
                options: list[list[tuple[int, int, bool]]] = []
                for i, v, fb in st.moves[p]:
                    if fb:
                        continue
                    alt: list[tuple[int, int, bool]] = [(i, v, False)]
                    alt.extend((j, w, True) for j, w, f2 in st.moves[p] if f2 and j == i)
                    options.append(alt)
                if not options:
                    continue
                for combo in _product(options):
                    yield self._fork(list(rest), combo)  # each combination from a fresh copy
                continue
            for i, v, fb in st.moves[p]:
                yield self._apply(rest, [(i, v, fb)], [], [], 0.0)
        # Joins some of whose waiting tracks are simple-track tokens: the last of them arrives.
        counts = Counter(self.end_of_position(p) for p in marking if p >= self.n)
        if counts:
            for j, ins in st.into.items():
                if not ins or not all(counts.get(t, 0) for t in ins):
                    continue
                if all(self.wait_base + t in marking for t in ins):
                    continue  # all real: the join was entered by the last arrival already
                rest = list(marking)
                for t in ins:
                    real = self.wait_base + t
                    if real in rest:
                        rest.remove(real)
                    else:
                        z = next(
                            q for q in rest if q >= self.z_base and self.end_of_position(q) == t
                        )
                        rest.remove(z)
                yield self._apply(rest, [], [j], [j], float(st.interview[j]))

    def _fork(
        self, rest: list[int], combo: Sequence[tuple[int, int, bool]]
    ) -> tuple[Marking, list[int], list[int], float]:
        arrivals: list[tuple[int, int, bool]] = []
        entered: list[int] = []
        weight = 0.0
        for i, v, fb in combo:
            track = self.st.simple.get(i) if not fb else None
            if track is not None:
                rest.append(self.z_base + i)
                entered.extend(track.worst)
                weight += track.interviews
            else:
                arrivals.append((i, v, fb))
        marking, more, ended, w = self._apply(rest, arrivals, [], [], 0.0)
        return marking, entered + more, ended, weight + w

    def _apply(
        self,
        rest: list[int],
        arrivals: Sequence[tuple[int, int, bool]],
        placed: list[int],
        entered: list[int],
        weight: float,
    ) -> tuple[Marking, list[int], list[int], float]:
        st = self.st
        kinds = st.kinds
        entered = list(entered)
        ended: list[int] = []
        tokens = list(rest)
        tokens.extend(placed)
        for i, v, fb in arrivals:
            kind = kinds[v]
            if kind == "outcome":
                ended.append(v)
                entered.append(v)
                weight += st.interview[v]
            elif kind == "join" and not fb:
                tokens.append(self.wait_base + i)
                ins = st.into[v]
                if all(self.wait_base + t in tokens for t in ins):
                    for t in ins:
                        tokens.remove(self.wait_base + t)
                    tokens.append(v)
                    entered.append(v)
                    weight += st.interview[v]
            else:
                tokens.append(v)
                entered.append(v)
                weight += st.interview[v]
        return tuple(sorted(tokens)), entered, ended, weight


def _product(options: list[list[tuple[int, int, bool]]]) -> Iterator[list[tuple[int, int, bool]]]:
    if not options:
        yield []
        return
    for head in options[0]:
        for tail in _product(options[1:]):
            yield [head, *tail]


COVER_DEPTH = 256
"""How far up its run each new state is compared with the states before it (the cover check
of :func:`explore`)."""


def covers(big: Marking, small: Marking) -> bool:
    """Whether sorted marking ``big`` holds every track of ``small`` and at least one more."""
    if len(big) <= len(small):
        return False
    k = 0
    for p in small:
        while k < len(big) and big[k] < p:
            k += 1
        if k == len(big) or big[k] != p:
            return False
        k += 1
    return True


def explore(st: Structure, entries: Sequence[int], bound: int = STATE_BOUND) -> Exploration:
    """Play the reduced token game from every opening (breadth first, at most ``bound``
    states) and answer the rules' questions with shortest witness runs.

    **Unbounded games stop early.** Each new state is compared with the states of its run
    (the last :data:`COVER_DEPTH`). When it holds every track of one of them and more (it
    *strictly covers* it, as in Karp and Miller's coverability tree), the moves between the
    two can be played again and again: every move of the game only needs its own tracks to be
    there (joins included: a track waiting at a join stays until the join takes it, so
    entering a join as soon as it can be entered changes no outcome), so each round adds the
    same tracks once more, the game has infinitely many states, and some step or join
    transition holds two tracks (PW111). The exploration then stops as soon as it has shown
    a collision (``unbounded`` is the run to the covering state, ``complete`` is false), in
    a few states instead of :data:`STATE_BOUND`.
    """
    game = _Game(st)
    kinds = st.kinds
    result = Exploration(entered=bytearray(game.n))
    ids: dict[Marking, int] = {(-1,): 0}  # state 0: before the case is opened
    markings: list[Marking] = [(-1,)]
    parent: list[tuple[int, list[int]]] = [(-1, [])]
    succ: list[list[int]] = [[]]
    weight: dict[tuple[int, int], tuple[float, list[int]]] = {}
    enters_join: dict[int, set[int]] = {}  # join -> states with a move that enters it
    queue: deque[int] = deque()

    def route_to(sid: int) -> list[int]:
        parts: list[list[int]] = []
        while sid > 0:
            frm, entered = parent[sid]
            parts.append(entered)
            sid = frm
        return [u for part in reversed(parts) for u in part]

    def pumps(marking: Marking, frm: int) -> bool:
        """Whether ``marking`` strictly covers a state of its run (``frm`` and before)."""
        size = len(marking)
        a = frm
        for _ in range(COVER_DEPTH):
            if a <= 0:
                return False
            if len(markings[a]) < size and covers(marking, markings[a]):
                return True
            a = parent[a][0]
        return False

    def add(marking: Marking, frm: int, entered: list[int], w: float) -> None:
        sid = ids.get(marking)
        if sid is None:
            if len(markings) > bound:
                result.complete = False
                return
            sid = len(markings)
            ids[marking] = sid
            markings.append(marking)
            parent.append((frm, entered))
            succ.append([])
            queue.append(sid)
            if marking and (len(set(marking)) < len(marking) or marking[-1] >= game.n):
                _collisions(game, marking, sid, route_to, result)
            if result.unbounded is None and len(marking) > 1 and pumps(marking, frm):
                result.unbounded = route_to(sid)
                result.complete = False
        if sid not in succ[frm]:
            succ[frm].append(sid)
        known = weight.get((frm, sid))
        if known is None or w > known[0]:
            weight[frm, sid] = (w, entered)

    for e in entries:
        result.entered[e] = 1
        add((e,), 0, [e], float(st.interview[e]))
    while queue:
        if result.unbounded is not None and result.collide:
            break  # infinitely many states, and a collision shown: nothing more to decide
        sid = queue.popleft()
        for nxt, entered, ended, w in game.moves(markings[sid]):
            for u in entered:
                result.entered[u] = 1
                if kinds[u] == "join":
                    enters_join.setdefault(u, set()).add(sid)
            if ended and (nxt or len(ended) > 1):
                for o in ended:
                    if o not in result.left_running:
                        result.left_running[o] = route_to(sid) + entered
            add(nxt, sid, entered, w)
    for block in st.blocks.values():
        if result.entered[block.fork]:
            result.entered[block.fork] = 1
            for m in block.members:
                result.entered[m] = 1
    for region in game.regions.values():
        if result.entered[region.fork]:
            for m in region.members:
                result.entered[m] = 1
    for track in st.simple.values():
        if result.entered[track.path[0]]:
            for m in track.members:
                result.entered[m] = 1
    result.states = len(markings) - 1
    if result.complete:
        _deadlocks(game, markings, succ, enters_join, route_to, result)
        _interviews(markings, succ, weight, result)
    return result


def _collisions(
    game: _Game,
    marking: Marking,
    sid: int,
    route_to: Callable[[int], list[int]],
    result: Exploration,
) -> None:
    """Record two tracks at one step, or waiting on one transition (PW111)."""
    st = game.st
    memo: list[list[int]] = []

    def route() -> list[int]:
        if not memo:
            memo.append(route_to(sid))
        return memo[0]

    def record(step: int, transition: int | None) -> None:
        # The witness run is read only for a new finding: a state whose collisions are all
        # known costs no walk up the parent chain (in a run that piles up tracks, every state
        # collides, and the walks made the bounded exploration quadratic in its depth).
        if step not in result.collide:
            result.collide[step] = (route(), transition)

    counts = Counter(marking)
    by_end: Counter[int] = Counter()
    for p, c in counts.items():
        if p < game.n:
            if c > 1:
                record(p, None)
                block = st.blocks.get(p)
                if block is not None:  # two tracks in one block: they can meet anywhere in it
                    for m in block.members:
                        record(m, None)
                    record(block.join, block.tracks[0].end)
                region = game.regions.get(p)
                if region is not None:  # the same in a region, at each of its joins
                    first = region.first_into
                    for m in region.members:
                        if m not in first:
                            record(m, None)
                    for j, way in first.items():
                        record(j, way)
            continue
        t = game.end_of_position(p)
        assert t is not None
        by_end[t] += c
        if p >= game.z_base and c > 1:  # two tokens in one simple track
            for m in st.simple[p - game.z_base].members:
                record(m, None)
    for t, c in by_end.items():
        if c > 1:
            end = st.sg.ends[t]
            assert end is not None
            record(end[1], t)


def _deadlocks(
    game: _Game,
    markings: list[Marking],
    succ: list[list[int]],
    enters_join: dict[int, set[int]],
    route_to: Callable[[int], list[int]],
    result: Exploration,
) -> None:
    """PW110: a reachable state with a track waiting at join J from which J is never entered."""
    st = game.st
    pred: list[list[int]] = [[] for _ in markings]
    for u, out in enumerate(succ):
        for v in out:
            pred[v].append(u)
    block_joins = {b.join for b in st.blocks.values()}
    block_joins.update(j for r in game.regions.values() for j in (*r.inner, r.join))
    for j, ins in st.into.items():
        if j in block_joins:
            continue  # a sound block's tracks are one move: nothing ever waits at its join
        waiting = set(ins)
        bad_state: int | None = None
        good = bytearray(len(markings))
        stack = list(enters_join.get(j, ()))
        for s in stack:
            good[s] = 1
        while stack:
            v = stack.pop()
            for u in pred[v]:
                if not good[u]:
                    good[u] = 1
                    stack.append(u)
        for sid in range(1, len(markings)):  # breadth-first order: shortest witness first
            if good[sid]:
                continue
            if any(p >= game.n and game.end_of_position(p) in waiting for p in markings[sid]):
                bad_state = sid
                break
        if bad_state is not None:
            result.deadlock[j] = route_to(bad_state)


def _interviews(
    markings: list[Marking],
    succ: list[list[int]],
    weight: dict[tuple[int, int], tuple[float, list[int]]],
    result: Exploration,
) -> None:
    """Most interviews over complete runs (ending with no tracks): a longest path in the
    state graph, unbounded when a loop that enters an interview lies on one."""
    sinks = [1 if m == () else 0 for m in markings]

    def ew(u: int, v: int) -> float:
        return weight[u, v][0]

    res = longest_routes(succ, [0.0] * len(markings), sinks, ew)
    value = res.value[0]
    if value == NEG:
        return
    prefix, loop, suffix = res.route(0)
    states = prefix + loop[1:] + suffix[1:]
    route: list[int] = []
    for a, b in itertools.pairwise(states):
        route.extend(weight[a, b][1])
    result.interviews = value
    result.interviews_route = route


# ------------------------------------------------------------------------ route statistics


def run_stats(pathway: Pathway, sg: StepGraph | None = None) -> RouteStats | None:
    """Route statistics of a pathway whose forks all head sound blocks or regions, else None.

    A block or :class:`Region` counts as one step from its fork to its (last) join: its runs
    are the products of its tracks' routes (``count`` counts runs up to the order of
    independent tracks), its time is the critical path through its joins (each join waits
    for its slowest incoming track), and its interviews and hand-offs are the sums over its
    tracks. Time is linear in steps plus transitions: no run is enumerated.
    """

    sg = sg or step_graph(pathway)
    st = structure(pathway, sg)
    regs = regions(st)
    region_joins = {j for r in regs.values() for j in (r.join, *r.inner)}
    if any(f not in regs for f in st.loose_forks) or any(
        not _is_block_join(st, j) and j not in region_joins for j in st.into
    ):
        return None
    steps = pathway.steps
    n = len(steps)
    expected = [s.duration.expected if s.duration is not None else 0.0 for s in steps]
    agency = agencies_index(pathway)

    def delay(u: int, v: int) -> float:
        return sg.delay_mean.get((u, v), 0.0)

    def min_delay(u: int, v: int) -> float:
        return sg.delay_min_mean.get((u, v), 0.0)

    def handoff(u: int, v: int) -> float:
        a, b = agency[u], agency[v]
        return 1.0 if a is not None and b is not None and a != b else 0.0

    interview = [float(x) for x in st.interview]
    zero = [0.0] * n
    # Per block or region, innermost first: (value, witness inside) for each measure.
    agg: dict[str, dict[int, tuple[float, list[int]]]] = {
        "long": {},
        "short": {},
        "interviews": {},
        "handoffs": {},
    }
    counts: dict[int, int | None] = {}
    measures = {
        "long": (expected, delay, False),
        "short": (expected, min_delay, True),
        "interviews": (interview, None, False),
        "handoffs": (zero, handoff, False),
    }
    transitions = pathway.transitions

    def own_delay(i: int) -> float:  # a fork exit straight into a join: its own delay
        d = transitions[i].delay
        return d.expected if d is not None else 0.0

    for f, block in st.blocks.items():
        segs = [Segment(f, block.join, t.exit, t.end, t) for t in block.tracks]
        for name, (node_w, edge_w, is_short) in measures.items():
            timed = name in ("long", "short")
            agg[name][f] = _segments_measure(
                st, f, segs, (), node_w, edge_w, agg[name], is_short, timed, own_delay
            )
        counts[f] = _segments_count(st, segs, counts)
    for f, region in regs.items():  # regions are never nested in a track
        segs = list(region.segments)
        for name, (node_w, edge_w, is_short) in measures.items():
            timed = name in ("long", "short")
            agg[name][f] = _segments_measure(
                st, f, segs, region.inner, node_w, edge_w, agg[name], is_short, timed, own_delay
            )
        counts[f] = _segments_count(st, segs, counts)
    inner = {m for b in st.blocks.values() for m in b.members}
    inner.update(m for r in regs.values() for m in r.members)
    collapsed = {f: b.join for f, b in st.blocks.items()}
    collapsed.update((f, r.join) for f, r in regs.items())
    top: list[list[int]] = [[] for _ in range(n)]
    for u in range(n):
        if u in inner:
            continue
        top[u] = [collapsed[u]] if u in collapsed else list(sg.succ[u])
    sources = [i for i, s in enumerate(steps) if s.kind == "entry"]
    sinks = [1 if s.kind == "outcome" else 0 for s in steps]

    def weights(name: str, base: Sequence[float]) -> list[float]:
        return [base[u] + agg[name][u][0] if u in collapsed else base[u] for u in range(n)]

    def expand(route: list[int], name: str) -> tuple[str, ...]:
        out: list[int] = []
        for u in route:
            out.append(u)
            if u in collapsed:
                out.extend(agg[name][u][1])
        return sg.route(out)

    def block_edges(fn: Callable[[int, int], float]) -> Callable[[int, int], float]:
        def ew(u: int, v: int) -> float:
            return 0.0 if u in collapsed else fn(u, v)

        return ew

    scc = strongly_connected(top)
    count = count_routes(top, sources, sinks, scc=scc, mult=counts)
    short = shortest_route(top, weights("short", expected), sources, sinks, block_edges(min_delay))
    shortest = (expand(short[0], "short"), short[1]) if short else None
    long_res = longest_routes(top, weights("long", expected), sinks, block_edges(delay), scc=scc)
    start = best_start(long_res, sources)
    longest = None
    if start is not None:
        prefix, loop, suffix = long_res.route(start)
        longest = (expand(prefix + loop[1:] + suffix[1:], "long"), long_res.value[start])
    iv = longest_routes(top, weights("interviews", interview), sinks, scc=scc)
    iv_start = best_start(iv, sources)
    ho = longest_routes(top, weights("handoffs", zero), sinks, block_edges(handoff), scc=scc)
    ho_start = best_start(ho, sources)
    return RouteStats(
        count=count,
        shortest=shortest,
        longest=longest,
        max_interviews=iv.value[iv_start] if iv_start is not None else 0.0,
        handoffs_max=ho.value[ho_start] if ho_start is not None else 0.0,
    )


def _segments_measure(
    st: Structure,
    f: int,
    segments: Sequence[Segment],
    inner_joins: Sequence[int],
    node_w: Sequence[float],
    edge_w: Callable[[int, int], float] | None,
    agg: dict[int, tuple[float, list[int]]],
    shortest: bool,
    timed: bool,
    own_delay: Callable[[int], float],
) -> tuple[float, list[int]]:
    """One measure of a block or region from its fork's exit to entering its last join.

    ``timed``: the critical path (a join is entered when its slowest track arrives, then
    takes its own weight); otherwise the sum over tracks and inner joins. The witness is
    every track written out, each join after the tracks into it. A transition straight into
    a join counts its own delay (``own_delay``): two of them may join the same two steps."""
    arrival: dict[int, float] = {}
    total = sum(node_w[j] for j in inner_joins)
    inside: list[int] = []
    last_join = segments[-1].dst if segments else f
    for seg in segments:
        if seg.src != f:
            inside.append(seg.src)  # an inner join, after every track into it
        if seg.track is not None:
            value, walk = _track_measure(st, seg.track, node_w, edge_w, agg, shortest)
            if edge_w is not None:
                value += edge_w(seg.src, seg.track.nodes[0]) + edge_w(_last(st, seg.track), seg.dst)
        else:
            value = edge_w(seg.src, seg.dst) if edge_w is not None else 0.0
            if timed:
                value = own_delay(seg.out)
            walk = []
        inside.extend(walk)
        if timed:
            start = 0.0 if seg.src == f else arrival[seg.src] + node_w[seg.src]
            arrival[seg.dst] = max(arrival.get(seg.dst, NEG), start + value)
        else:
            total += value
    if timed:
        total = arrival.get(last_join, 0.0)
    return total, inside


def _segments_count(
    st: Structure, segments: Sequence[Segment], counts: dict[int, int | None]
) -> int | None:
    """Runs of a block or region: the product of its tracks' routes (None: a loop)."""
    number: int | None = 1
    for seg in segments:
        c = _track_count(st, seg.track, counts) if seg.track is not None else 1
        number = None if c is None or number is None else number * c
    return number


def _last(st: Structure, track: Track) -> int:
    end = st.sg.ends[track.end]
    assert end is not None
    return end[0]


def _track_measure(
    st: Structure,
    track: Track,
    node_w: Sequence[float],
    edge_w: Callable[[int, int], float] | None,
    inner: dict[int, tuple[float, list[int]]],
    shortest: bool,
) -> tuple[float, list[int]]:
    """Longest (or shortest) weight of a walk through a track, with the walk (nested blocks
    written out)."""

    nodes = track.nodes
    adj = [list(a) for a in track.adj]
    last = nodes.index(_last(st, track))
    weight = [node_w[u] + (inner[u][0] if u in inner else 0.0) for u in nodes]

    def ew(a: int, b: int) -> float:
        u, v = nodes[a], nodes[b]
        if u in st.blocks or edge_w is None:
            return 0.0
        return edge_w(u, v)

    sinks = [1 if k == last else 0 for k in range(len(nodes))]
    if shortest:
        found = shortest_route(adj, weight, [0], sinks, ew)
        walk, value = found if found is not None else ([0], 0.0)
    else:
        res = longest_routes(adj, weight, sinks, ew)
        value = res.value[0]
        prefix, loop, suffix = res.route(0)
        walk = prefix + loop[1:] + suffix[1:]
    out: list[int] = []
    for k in walk:
        u = nodes[k]
        out.append(u)
        if u in inner:
            out.extend(inner[u][1])
    return value, out


def _track_count(st: Structure, track: Track, counts: dict[int, int | None]) -> int | None:
    """Routes through a track (a nested block counting its own runs); None on a loop."""
    nodes = track.nodes
    adj = [list(a) for a in track.adj]
    last = nodes.index(_last(st, track))
    sinks = [1 if k == last else 0 for k in range(len(nodes))]
    mult = {k: counts.get(u) for k, u in enumerate(nodes) if u in st.blocks}
    return count_routes(adj, [0], sinks, mult=mult)


# ------------------------------------------------------- "every run passes" (PW204, PW305)


@dataclass(frozen=True, eq=False)
class RunGraph:
    """Steps as the runs of a pathway whose forks all head sound blocks or regions see them.

    ``succ`` is the step graph where a block's fork leads into each of its tracks and, only
    when no track of the block must pass a ``blocked`` step, straight on to its join; the last
    step of a track no longer leads to the join. A region's fork leads, in the same way,
    straight on to each of its joins whose upstream tracks (and joins) can all avoid the
    blocked steps. So "reachable from the entries without entering a blocked step" reads "some
    run enters it before any blocked step was entered, counting a blocked step on a parallel
    track only once a join orders it first".
    """

    succ: list[list[int]]
    passes: dict[int, list[int]]
    """Block fork -> for each track, a walk through it avoiding blocked steps (or [])."""
    jumps: dict[tuple[int, int], list[int]] = field(default_factory=dict)
    """(region fork, join) -> the steps its upstream tracks and joins enter avoiding them."""

    def expand(self, route: Sequence[int], st: Structure) -> list[int]:
        """A route of ``succ`` as the steps a run enters (a block's tracks written out)."""
        out: list[int] = []
        for k, u in enumerate(route):
            out.append(u)
            if k + 1 >= len(route):
                continue
            block = st.blocks.get(u)
            if block is not None and route[k + 1] == block.join:
                out.extend(self.passes.get(u, ()))
            elif (u, route[k + 1]) in self.jumps:
                out.extend(self.jumps[u, route[k + 1]])
        return out


def run_graph(st: Structure, blocked: Sequence[int]) -> RunGraph | None:
    """The :class:`RunGraph` for ``blocked`` (None when some fork heads neither a sound block
    nor a region)."""
    regs = regions(st) if st.loose_forks else {}
    region_joins = {j for r in regs.values() for j in (r.join, *r.inner)}
    if any(f not in regs for f in st.loose_forks) or any(
        not _is_block_join(st, j) and j not in region_joins for j in st.into
    ):
        return None
    succ = [list(s) for s in st.sg.succ]
    passes: dict[int, list[int]] = {}
    must: dict[int, bool] = {}
    for f, block in st.blocks.items():  # innermost first
        through: list[int] = []
        forced = False
        for track in block.tracks:
            walk = _avoiding(st, track, blocked, must, passes)
            if walk is None:
                forced = True
            else:
                through.extend(walk)
            _cut(st, succ, _last(st, track), block.join, track.end)
        must[f] = forced
        if not forced:
            succ[f].append(block.join)
            passes[f] = through
    jumps: dict[tuple[int, int], list[int]] = {}
    for f, region in regs.items():  # never inside a track: after every block
        upstream: dict[int, list[int] | None] = {f: []}  # node -> steps entered up to it
        ways_in = {seg.into for seg in region.segments}
        for seg in region.segments:  # each after the tracks into its source
            before = upstream.get(seg.src)
            last = seg.src if seg.track is None else _last(st, seg.track)
            walk = [] if seg.track is None else _avoiding(st, seg.track, blocked, must, passes)
            if seg.dst in succ[last] and all(
                i in ways_in for i, v, _ in st.moves[last] if v == seg.dst
            ):
                succ[last].remove(seg.dst)
            if seg.src != f and before is not None:
                before = None if blocked[seg.src] else [*before, seg.src]
            if seg.dst not in upstream:
                upstream[seg.dst] = []
            got = upstream[seg.dst]
            if got is not None:
                upstream[seg.dst] = None if before is None or walk is None else got + before + walk
        for j in (*region.inner, region.join):
            steps = upstream.get(j)
            if steps is not None:
                succ[f].append(j)
                jumps[f, j] = list(dict.fromkeys(steps))
    return RunGraph(succ, passes, jumps)


def _cut(st: Structure, succ: list[list[int]], last: int, join: int, end: int) -> None:
    """Remove the edge ``last -> join`` that transition ``end`` stands for (unless another
    transition joins them too)."""
    if join in succ[last] and not any(v == join and i != end for i, v, _ in st.moves[last]):
        succ[last].remove(join)


def _avoiding(
    st: Structure,
    track: Track,
    blocked: Sequence[int],
    must: dict[int, bool],
    passes: dict[int, list[int]],
) -> list[int] | None:
    """A walk through ``track`` entering no blocked step (nested blocks that must pass one
    count as blocked), or None."""
    nodes = track.nodes

    def open_(k: int) -> bool:
        u = nodes[k]
        return not blocked[u] and not must.get(u, False)

    last = nodes.index(_last(st, track))
    if not open_(0):
        return None
    parent = {0: -1}
    queue = deque([0])
    while queue:
        k = queue.popleft()
        if k == last:
            walk = [k]
            while parent[walk[-1]] != -1:
                walk.append(parent[walk[-1]])
            out: list[int] = []
            for q in reversed(walk):
                out.append(nodes[q])
                out.extend(passes.get(nodes[q], ()))
            return out
        for q in track.adj[k]:
            if q not in parent and open_(q):
                parent[q] = k
                queue.append(q)
    return None
