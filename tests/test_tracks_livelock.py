"""Option to complete and unbounded tracks (issue 14, the BPMN Analyzer's livelock.bpmn)
against brute-force token games written here from SPEC 7.1, sharing no code with
``pathways.tracks``.

- ``clearable`` (a track there can end with every track it starts) equals a search of every
  marking of up to ``n + 1`` tracks, on small nets without joins (there the tracks never meet,
  and a track that can end does so without ever holding more than ``n + 1`` tracks: play each
  new track to its end before the next, along the fixed point's ranks).
- On nets with joins whose state space is finite, the case cannot complete from some reachable
  state exactly when PW104, PW105 or PW110 says so, and PW105 on a step some run enters means
  it cannot.
- A run the token game calls unbounded (a state with an earlier state's tracks and more) comes
  with a collision the plain game reaches too.
"""

from __future__ import annotations

from collections import Counter, deque
from typing import Any

from hypothesis import example, given, reject, settings
from hypothesis import strategies as st

import pathways
from pathways import tracks
from pathways.graph import step_graph
from pathways.model import Pathway
from pathways.testing.strategies import track_documents
from tests.hyp import examples

Doc = dict[str, Any]
Marking = tuple[Any, ...]


def _doc(kinds: list[str], edges: list[tuple[int, int]]) -> Doc:
    return {
        "format": "pathways/1",
        "id": "t",
        "agencies": [{"id": "a", "name": "A", "sector": "social"}],
        "roles": [{"id": "r", "agency": "a", "title": "R"}],
        "steps": [
            {"id": f"s{i}", "kind": k, **({} if k == "outcome" else {"role": "r"})}
            for i, k in enumerate(kinds)
        ],
        "transitions": [
            {"from": f"s{a}", "to": f"s{b}", "event": f"e{k}"} for k, (a, b) in enumerate(edges)
        ],
    }


@st.composite
def join_free_nets(draw: st.DrawFn) -> Doc:
    """An entry, then 2-5 actions, decisions, forks and outcomes, each non-outcome with up to
    two exits to any step but the entry (loops, forks on loops, dead ends all happen)."""
    n = draw(st.integers(3, 6))
    kinds = ["entry"] + [
        draw(st.sampled_from(["action", "decision", "fork", "fork", "outcome"]))
        for _ in range(n - 1)
    ]
    edges: list[tuple[int, int]] = []
    for u, kind in enumerate(kinds):
        if kind == "outcome":
            continue
        targets = draw(st.lists(st.integers(1, n - 1), max_size=2, unique=True))
        edges.extend((u, v) for v in targets)
    return _doc(kinds, edges)


class Game:
    """SPEC 7.1's token game, every interleaving: a marking is a sorted tuple of
    ``("at", step)`` and ``("wait", transition)``."""

    def __init__(self, doc: Doc) -> None:
        self.kinds = {s["id"]: s.get("kind", "action") for s in doc["steps"]}
        self.ts = doc["transitions"]
        self.into = {
            j: [i for i, t in enumerate(self.ts) if t["to"] == j]
            for j, k in self.kinds.items()
            if k == "join"
        }
        self.entries = [s for s, k in self.kinds.items() if k == "entry"]

    def successors(self, marking: Marking) -> list[Marking]:
        out = []
        for pos in set(marking):
            if pos[0] != "at":
                continue
            u = pos[1]
            rest = list(marking)
            rest.remove(pos)
            alts = []  # per transition out of u: its target, or a declined referral's fallback
            for i, t in enumerate(self.ts):
                if t["from"] == u:
                    alt = [(i, t["to"])]
                    back = t.get("on_reject")
                    if t.get("kind") == "referral" and back and self.kinds[back] != "join":
                        alt.append((i, back))
                    alts.append(alt)
            if self.kinds[u] == "fork":
                combos: list[list[tuple[int, str]]] = [[]] if alts else []
                for alt in alts:
                    combos = [[*c, a] for c in combos for a in alt]
            else:
                combos = [[a] for alt in alts for a in alt]
            for combo in combos:
                tokens = list(rest)
                for i, v in combo:
                    if self.kinds[v] == "outcome":
                        continue
                    if self.kinds[v] == "join":
                        tokens.append(("wait", i))
                        if all(("wait", k) in tokens for k in self.into[v]):
                            for k in self.into[v]:
                                tokens.remove(("wait", k))
                            tokens.append(("at", v))
                    else:
                        tokens.append(("at", v))
                out.append(tuple(sorted(tokens)))
        return out

    def space(
        self, starts: list[Marking], cap: int, max_states: int
    ) -> dict[Marking, list[Marking]]:
        """Every marking reachable from ``starts`` through markings of at most ``cap`` tracks
        (a bigger one is left out); raises OverflowError past ``max_states``."""
        graph: dict[Marking, list[Marking]] = {}
        queue = deque(starts)
        seen = set(starts)
        while queue:
            m = queue.popleft()
            nxt = [s for s in self.successors(m) if len(s) <= cap]
            graph[m] = nxt
            for s in nxt:
                if s not in seen:
                    if len(seen) >= max_states:
                        raise OverflowError
                    seen.add(s)
                    queue.append(s)
        return graph


def _can_finish(graph: dict[Marking, list[Marking]]) -> set[Marking]:
    """The markings from which the empty marking is reachable."""
    back: dict[Marking, list[Marking]] = {}
    for m, out in graph.items():
        for s in out:
            back.setdefault(s, []).append(m)
    good = {()} if () in graph else set()
    stack = list(good)
    while stack:
        for m in back.get(stack.pop(), ()):
            if m not in good:
                good.add(m)
                stack.append(m)
    return good


def _codes(doc: Doc, codes: list[str]) -> dict[str, list[Any]]:
    found: dict[str, list[Any]] = {c: [] for c in codes}
    for f in pathways.check(Pathway.model_validate(doc), select=codes):
        found[f.code].append(f)
    return found


@settings(max_examples=examples(80))
@given(join_free_nets())
def test_clearable_equals_a_search_of_every_small_marking(doc: Doc) -> None:
    p = Pathway.model_validate(doc)
    sg = step_graph(p)
    got = tracks.clearable(tracks.structure(p, sg))
    game = Game(doc)
    n = len(doc["steps"])
    for k, s in enumerate(doc["steps"]):
        u = s["id"]
        if s["kind"] == "outcome":
            assert got[k]
            continue
        graph = game.space([(("at", u),)], cap=n + 1, max_states=50_000)
        assert bool(got[k]) == (() in graph), u
    # Some step cannot end <=> a dead end (PW104) or a trap (PW105) says where.
    found = _codes(doc, ["PW104", "PW105"])
    assert (not all(got)) == bool(found["PW104"] or found["PW105"])


def _reachable(doc: Doc, max_states: int = 1_500) -> dict[Marking, list[Marking]] | None:
    game = Game(doc)
    try:
        return game.space([(("at", e),) for e in game.entries], 10**9, max_states)
    except OverflowError:
        return None


@settings(max_examples=examples(80))
@given(st.one_of(track_documents(), join_free_nets()))
def test_option_to_complete_matches_the_plain_game(doc: Doc) -> None:
    """On finite state spaces: some reachable state cannot finish <=> PW104, PW105 or PW110
    at a step some run enters; PW105 there always means it cannot."""
    graph = _reachable(doc)
    if graph is None:
        reject()
    good = _can_finish(graph)
    stuck = any(m not in good for m in graph)
    entered = {pos[1] for m in graph for pos in m if pos[0] == "at"}
    found = _codes(doc, ["PW104", "PW105", "PW110", "PW114"])
    assert not found["PW114"]
    trapped = [f for f in found["PW105"] if set(f.route) & entered]
    dead = [f for f in found["PW104"] if f.step in entered]
    assert stuck == bool(trapped or dead or found["PW110"])


LIVELOCK = _doc(
    ["entry", "action", "fork", "action", "action", "outcome"],
    [(0, 1), (1, 2), (2, 3), (2, 4), (3, 1), (4, 5)],
)
"""livelock.bpmn of the BPMN Analyzer's fixtures, as a pathway: s1 -> fork s2 -> s3 -> s1 goes
round for ever, and each round sends a track s4 -> outcome s5."""


@example(doc=LIVELOCK)
@settings(max_examples=examples(60))
@given(st.one_of(join_free_nets(), track_documents()))
def test_a_pile_up_is_real(doc: Doc) -> None:
    """When the token game stops at a pile-up, the plain game (every marking of up to
    ``3n`` tracks) reaches markings with two tracks on one place, and bigger than any bound
    we ask for: it is unbounded."""
    p = Pathway.model_validate(doc)
    sg = step_graph(p)
    st_ = tracks.structure(p, sg)
    result = tracks.explore(st_, [i for i, s in enumerate(p.steps) if s.kind == "entry"], 2_000)
    if result.unbounded is None:
        return
    assert not result.complete and result.collide
    n = len(doc["steps"])
    game = Game(doc)
    try:
        graph = game.space([(("at", e),) for e in game.entries], 3 * n, 20_000)
    except OverflowError:
        return  # too big to search here; the pile-up itself is checked below
    assert any(max(Counter(m).values()) > 1 for m in graph if m)
    assert any(len(m) >= 2 * n for m in graph)


def test_livelock_fixture() -> None:
    """The YAML form of livelock.bpmn: PW105 names the loop and its fork, PW114 the pile-up
    (PW110 undecided), PW111 the step that gets two tracks; well under a second."""
    found = _codes(LIVELOCK, ["PW105", "PW110", "PW111", "PW114"])
    assert [f.step for f in found["PW105"]] == ["s1"]
    assert "'s2'" in found["PW105"][0].message
    assert found["PW105"][0].route == ("s1", "s2", "s3", "s1")
    assert [f.step for f in found["PW111"]] == ["s4"]
    assert [f.step for f in found["PW114"]] == ["s2"] and not found["PW110"]
    assert found["PW114"][0].route[:3] == ("s0", "s1", "s2")
