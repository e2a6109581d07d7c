"""Graph queries: the integer step graph, reachability, components, paths and loops."""

from __future__ import annotations

import itertools

import networkx as nx
from hypothesis import given
from hypothesis import strategies as st

from pathways import loads
from pathways.graph import (
    cycle_through,
    is_loop,
    reachable,
    shortest_path,
    step_graph,
    strongly_connected,
)

adjacency = st.integers(1, 9).flatmap(
    lambda n: st.lists(
        st.lists(st.integers(0, n - 1), max_size=4, unique=True), min_size=n, max_size=n
    )
)


def _nx(adj: list[list[int]]) -> nx.DiGraph:
    g = nx.DiGraph()
    g.add_nodes_from(range(len(adj)))
    g.add_edges_from((u, v) for u, vs in enumerate(adj) for v in vs)
    return g


@given(adjacency)
def test_components_equal_networkx_and_come_successors_first(adj: list[list[int]]) -> None:
    """Same components as networkx; every edge goes to an equal or earlier component."""
    comp, members = strongly_connected(adj)
    assert {frozenset(m) for m in members} == {
        frozenset(c) for c in nx.strongly_connected_components(_nx(adj))
    }
    assert all(comp[v] <= comp[u] for u, vs in enumerate(adj) for v in vs)
    for group in members:
        assert is_loop(group, adj) == (len(group) > 1 or group[0] in adj[group[0]])


@given(adjacency, st.data())
def test_reachable_and_paths_equal_networkx(adj: list[list[int]], data: st.DataObject) -> None:
    """reachable() is networkx descendants; shortest_path is a real fewest-edge path."""
    g = _nx(adj)
    n = len(adj)
    src = data.draw(st.integers(0, n - 1))
    blocked = data.draw(st.lists(st.integers(0, 1), min_size=n, max_size=n))
    seen = reachable(adj, [src], blocked)
    if blocked[src]:
        assert not any(seen)
    else:
        h = g.subgraph(v for v in g if not blocked[v])
        assert {v for v in range(n) if seen[v]} == nx.descendants(h, src) | {src}
    dst = data.draw(st.integers(0, n - 1))
    path = shortest_path(adj, [src], {dst})
    if nx.has_path(g, src, dst):
        assert path is not None and path[0] == src and path[-1] == dst
        assert len(path) - 1 == nx.shortest_path_length(g, src, dst)
        assert all(g.has_edge(a, b) for a, b in itertools.pairwise(path))
    else:
        assert path is None


@given(adjacency)
def test_cycle_through_is_a_closed_walk(adj: list[list[int]]) -> None:
    """For every node on a loop, and every node of its loop as `via`, a closed walk."""
    comp, members = strongly_connected(adj)
    for group in members:
        if not is_loop(group, adj):
            continue
        for node, via in itertools.product(group, repeat=2):
            walk = cycle_through(node, adj, comp, via=via)
            assert walk[0] == walk[-1] == node and len(walk) >= 2 and via in walk
            assert all(b in adj[a] for a, b in itertools.pairwise(walk))
            assert all(comp[v] == comp[node] for v in walk)


def test_step_graph_has_fallbacks_and_delays() -> None:
    """Transitions and referral fallbacks are edges; fallbacks are not transition edges."""
    p = loads(
        """\
format: pathways/1
id: g
agencies: [{id: a, name: A, sector: social}]
roles: [{id: r, agency: a, title: R}]
steps:
  - {id: start, kind: entry, role: r}
  - {id: shelter, role: r}
  - {id: done, kind: outcome}
transitions:
  - {from: start, to: shelter, kind: referral, on_reject: start, response_within: 1d, delay: 2h}
  - {from: start, to: shelter, event: again, delay: {min: 1h, max: 5h}}
  - {from: shelter, to: done}
""",
        "g.yaml",
    )
    sg = step_graph(p)
    s, sh, d = (sg.index[x] for x in ("start", "shelter", "done"))
    assert sorted(sg.succ[s]) == sorted([sh, s]) and sg.succ[sh] == [d]
    assert sg.tsucc[s] == [sh]
    assert sorted(sg.pred[s]) == [s]
    assert sg.delay_max[(s, sh)] == 5.0
    assert sg.delay_mean[(s, sh)] == 3.0 and sg.delay_min_mean[(s, sh)] == 2.0
    assert sg.route([s, sh, d]) == ("start", "shelter", "done")
    assert len(sg) == 3


def test_validation_does_not_import_networkx() -> None:
    """networkx is imported on first use of ``to_networkx``: loading it took about a third
    of `pathways validate`'s start-up, and no rule needs it."""
    import subprocess
    import sys

    code = (
        "import sys, pathways\n"
        "pathways.check(pathways.load('pathways/kh/csa-in-person.yaml'))\n"
        "assert 'networkx' not in sys.modules, 'networkx imported'\n"
        "from pathways.graph import to_networkx\n"
        "assert to_networkx(pathways.load('pathways/kh/csa-in-person.yaml')).number_of_nodes()\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
