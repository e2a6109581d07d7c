"""Route rules and route statistics against brute-force oracles on small random pathways.

The library never enumerates routes; these tests do (pathways have at most 8 steps), so any
disagreement between the linear-time programmes and plain enumeration shows up here.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Any

import networkx as nx
from hypothesis import example, given, settings
from hypothesis import strategies as st

from pathways import Pathway, check
from pathways.guards import evaluate, parse_guard
from pathways.routes import route_stats
from tests.hyp import examples
from tests.rules.conftest import TODAY

AGENCIES = [("a0", "social"), ("a1", "health"), ("a2", "police")]


@st.composite
def small_pathways(draw: st.DrawFn, *, referrals: bool = True) -> dict[str, Any]:
    """A document with 2..8 steps, random edges, tags, agencies, durations and delays."""
    n = draw(st.integers(2, 8))
    kinds = ["entry"] + [
        draw(st.sampled_from(["action", "action", "outcome", "entry"])) for _ in range(n - 1)
    ]
    if "outcome" not in kinds:
        kinds[-1] = "outcome"
    steps = []
    for i, kind in enumerate(kinds):
        step: dict[str, Any] = {"id": f"s{i}", "kind": kind}
        if kind != "outcome":
            step["role"] = f"r{draw(st.integers(0, 2))}"
            step["duration"] = f"{draw(st.integers(0, 5))}h"
        tags = draw(st.sets(st.sampled_from(["interview", "consent", "medical"]), max_size=2))
        if tags:
            step["tags"] = sorted(tags)
        steps.append(step)
    pairs = draw(
        st.lists(
            st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)), max_size=3 * n, unique=True
        )
    )
    if draw(st.booleans()):  # a forward chain makes long routes likely
        pairs = list(dict.fromkeys([*((i, i + 1) for i in range(n - 1)), *pairs]))
    transitions = []
    for u, v in pairs:
        if kinds[u] == "outcome" and draw(st.integers(0, 3)) > 0:
            continue
        t: dict[str, Any] = {"from": f"s{u}", "to": f"s{v}"}
        if draw(st.booleans()):
            t["delay"] = f"{draw(st.integers(0, 3))}h"
        if referrals and kinds[u] != "outcome" and draw(st.integers(0, 2)) == 0:
            t.update(
                kind="referral", on_reject=f"s{draw(st.integers(0, n - 1))}", response_within="1d"
            )
        if draw(st.integers(0, 4)) == 0:
            t.update(consent="override", reason="child in danger")
        transitions.append(t)
    if referrals:  # each shape in about one document in three, at most two per document
        chosen = [shape for shape in FALLBACK_SHAPES if draw(st.integers(0, 2)) == 0]
        for shape in chosen[:2]:
            _splice(shape, steps, transitions, draw)
    n = len(steps)
    deadlines = []
    if draw(st.booleans()):
        deadlines.append(
            {
                "id": "dl",
                "to": draw(st.sampled_from([f"s{draw(st.integers(1, n - 1))}", "tag:medical"])),
                "within": f"{draw(st.integers(0, 24))}h",
                "required": True,
            }
        )
        if draw(st.booleans()):
            deadlines[0]["from"] = f"s{draw(st.integers(0, n - 1))}"
    if (
        deadlines
        and deadlines[0]["to"] == "tag:medical"
        and not any("medical" in s.get("tags", ()) for s in steps)
    ):
        deadlines[0]["to"] = "s0"
    return {
        "format": "pathways/1",
        "id": "gen",
        "agencies": [
            {"id": a, "name": a, "sector": s, "contacts": [{"channel": "phone", "value": "1"}]}
            for a, s in AGENCIES
        ],
        "roles": [{"id": f"r{k}", "agency": AGENCIES[k][0], "title": f"R{k}"} for k in range(3)],
        "steps": steps,
        "transitions": transitions,
        "deadlines": deadlines,
        "policies": {
            "max_interviews": draw(st.integers(0, 2)),
            "every_route_reaches": [draw(st.sampled_from(["social", "health", "police"]))],
        },
    }


# The shapes where a referral's fallback decides a verdict (rules that followed transitions
# only got them wrong): a loop left only by a decline (PW105), a step reached only through a
# decline that shares before consent (PW305), a consent step reached only through a decline,
# and a required step skipped by a decline (PW304). Each takes two new steps.
FALLBACK_SHAPES = ("decline-exit-loop", "decline-shares", "decline-consent", "decline-skips")


def _splice(
    shape: str, steps: list[dict[str, Any]], transitions: list[dict[str, Any]], draw: Any
) -> None:
    """Add ``shape`` after a random non-outcome step ``u`` (two new steps ``a``, ``b``)."""
    sources = [s["id"] for s in steps if s["kind"] != "outcome"]
    u = draw(st.sampled_from(sources))
    others = [s["id"] for s in steps]
    a, b = f"s{len(steps)}", f"s{len(steps) + 1}"
    refer = {"kind": "referral", "response_within": "1d"}
    new = [{"id": a, "kind": "action", "role": "r0"}, {"id": b, "kind": "action", "role": "r0"}]
    y = draw(st.sampled_from(others))
    if shape == "decline-exit-loop":  # u -> a -> b -> a, left only by b's decline to y
        edges = [(u, a, {}), (a, b, {}), (b, a, {**refer, "on_reject": y})]
    elif shape == "decline-shares":  # u refers to a (consent); a decline sends it to b,
        new[0]["tags"] = ["consent"]  # which shares with y's agency before any consent
        new[1]["role"] = draw(st.sampled_from(["r0", "r1", "r2"]))
        edges = [(u, a, {**refer, "on_reject": b}), (b, y, {}), (a, y, {})]
    elif shape == "decline-consent":  # consent (b) only after a declined referral to a
        new[1]["tags"] = ["consent"]
        edges = [(u, a, {**refer, "on_reject": b}), (b, y, {}), (a, y, {})]
    else:  # decline-skips: u refers to a (medical); a decline goes straight to y
        new[0]["tags"] = ["medical"]
        new.pop()
        edges = [(u, a, {**refer, "on_reject": y}), (a, y, {})]
    steps.extend(new)
    transitions.extend({"from": x, "to": z, **extra} for x, z, extra in edges)


def _document(
    steps: list[dict[str, Any]],
    transitions: list[dict[str, Any]],
    deadlines: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """A document in the shape small_pathways() draws, for the explicit examples."""
    return {
        "format": "pathways/1",
        "id": "gen",
        "agencies": [
            {"id": a, "name": a, "sector": s, "contacts": [{"channel": "phone", "value": "1"}]}
            for a, s in AGENCIES
        ],
        "roles": [{"id": f"r{k}", "agency": AGENCIES[k][0], "title": f"R{k}"} for k in range(3)],
        "steps": steps,
        "transitions": transitions,
        "deadlines": deadlines or [],
        "policies": {"max_interviews": 1, "every_route_reaches": ["social"]},
    }


REFER = {"kind": "referral", "response_within": "1d"}
# s1 <-> s2 is left only when s2's referral back to s1 is declined (to s3): no trap.
DECLINE_EXIT_LOOP = _document(
    [
        {"id": "s0", "kind": "entry", "role": "r0"},
        {"id": "s1", "kind": "action", "role": "r0"},
        {"id": "s2", "kind": "action", "role": "r0"},
        {"id": "s3", "kind": "outcome"},
    ],
    [
        {"from": "s0", "to": "s1"},
        {"from": "s1", "to": "s2"},
        {"from": "s2", "to": "s1", **REFER, "on_reject": "s3"},
    ],
)
# consent is at s1, on the accepted branch; the decline reaches s2, which shares with health.
DECLINE_SHARES = _document(
    [
        {"id": "s0", "kind": "entry", "role": "r0"},
        {"id": "s1", "kind": "action", "role": "r0", "tags": ["consent"]},
        {"id": "s2", "kind": "action", "role": "r0"},
        {"id": "s3", "kind": "action", "role": "r1"},
        {"id": "s4", "kind": "outcome"},
    ],
    [
        {"from": "s0", "to": "s1", **REFER, "on_reject": "s2"},
        {"from": "s1", "to": "s3"},
        {"from": "s2", "to": "s3"},
        {"from": "s3", "to": "s4"},
    ],
)
# the required medical step s1 is skipped when its referral is declined (to s2).
DECLINE_SKIPS = _document(
    [
        {"id": "s0", "kind": "entry", "role": "r0"},
        {"id": "s1", "kind": "action", "role": "r1", "tags": ["medical"]},
        {"id": "s2", "kind": "outcome"},
    ],
    [{"from": "s0", "to": "s1", **REFER, "on_reject": "s2"}, {"from": "s1", "to": "s2"}],
    [{"id": "dl", "to": "tag:medical", "within": "24h", "required": True}],
)


# ---------------------------------------------------------------------------- naive oracles


def _graph(p: Pathway, *, fallbacks: bool = True) -> nx.MultiDiGraph:
    g = nx.MultiDiGraph()
    g.add_nodes_from(s.id for s in p.steps)
    for i, t in enumerate(p.transitions):
        g.add_edge(t.source, t.to, key=("t", i))
        if fallbacks and t.kind == "referral" and t.on_reject:
            g.add_edge(t.source, t.on_reject, key=("f", i))
    return g


def _walks_to(
    g: nx.MultiDiGraph, start: str, stop: set[str], avoid: set[str]
) -> Iterator[list[str]]:
    """Simple paths from ``start`` to a node of ``stop``, entering no node of ``avoid``."""
    if start in avoid:
        return
    if start in stop:
        yield [start]
    h = g.subgraph(n for n in g if n not in avoid)
    for target in stop:
        if target != start and target in h:
            yield from nx.all_simple_paths(h, start, target)


def _on_cycle(g: nx.MultiDiGraph, v: str) -> bool:
    return any(nx.has_path(g, w, v) for w in g.successors(v))


def _entries(p: Pathway) -> list[str]:
    return p.entry_steps()


def _outcomes(p: Pathway) -> set[str]:
    return set(p.outcome_steps())


def _routes(p: Pathway) -> list[list[str]]:
    """Every simple route from an entry to an outcome (complete when the graph has no loop on
    a route)."""
    g = _graph(p)
    out: list[list[str]] = []
    for e in _entries(p):
        for path in _walks_to(g, e, _outcomes(p), set()):
            out.append(path)
    return out


def _loop_on_route(p: Pathway, pred: Any = lambda v: True) -> bool:
    g = _graph(p)
    entries, outcomes = _entries(p), _outcomes(p)
    return any(
        pred(v)
        and _on_cycle(g, v)
        and any(nx.has_path(g, e, v) for e in entries)
        and any(nx.has_path(g, v, o) for o in outcomes)
        for v in g
    )


def _codes(p: Pathway, code: str) -> list[Any]:
    return [f for f in check(p, select=[code], today=TODAY) if f.code == code]


# ----------------------------------------------------------------------------------- tests


@example(doc=DECLINE_EXIT_LOOP)
@given(small_pathways())
def test_reachability_dead_ends_and_traps(doc: dict[str, Any]) -> None:
    """PW103, PW104 and PW105 flag exactly what a naive search finds."""
    p = Pathway.model_validate(doc)
    g = _graph(p)
    entries = _entries(p)
    unreachable = {v for v in g if not any(nx.has_path(g, e, v) for e in entries)}
    assert {f.step for f in _codes(p, "PW103")} == unreachable
    has_exit = {t.source for t in p.transitions}
    dead = {s.id for s in p.steps if s.kind != "outcome" and s.id not in has_exit}
    assert {f.step for f in _codes(p, "PW104")} == dead
    loops: set[frozenset[str]] = set()
    for v in g:
        below = nx.descendants(g, v) | {v}
        closed = _on_cycle(g, v) and all(nx.has_path(g, w, v) for w in below)
        if closed and not below & _outcomes(p):
            loops.add(frozenset(below))
    order = {s.id: i for i, s in enumerate(p.steps)}
    found = _codes(p, "PW105")
    assert {f.step for f in found} == {min(loop, key=order.__getitem__) for loop in loops}
    for f in found:
        assert f.route[0] == f.route[-1] == f.step
        assert all(g.has_edge(a, b) for a, b in itertools.pairwise(f.route))


@example(doc=DECLINE_EXIT_LOOP)
@example(doc=DECLINE_SKIPS)
@given(small_pathways())
def test_interviews_counts_and_times(doc: dict[str, Any]) -> None:
    """Worst interviews, route count, shortest/longest time and hand-offs equal enumeration
    (and loops on routes make them infinite or unbounded)."""
    p = Pathway.model_validate(doc)
    stats = route_stats(p).to_dict()
    routes = _routes(p)
    infinite = _loop_on_route(p)
    assert stats["count"] == ("infinite" if infinite else len({tuple(r) for r in routes}))
    interview = {s.id for s in p.steps if "interview" in s.tags}
    unbounded = _loop_on_route(p, lambda v: v in interview)
    limit = p.policies.max_interviews
    pw301 = _codes(p, "PW301")
    if unbounded:
        assert stats["max_interviews"] == "unbounded"
        assert len(pw301) == 1
    g = _graph(p)
    steps = p.steps_by_id
    agency = {s.id: p.agency_of(s.id) for s in p.steps}

    def loop_edges(pred: Any) -> bool:
        return _loop_on_route(
            p,
            lambda v: any(pred(v, w) and nx.has_path(g, w, v) for w in g.successors(v)),
        )

    slow_loop = _loop_on_route(
        p, lambda v: bool(steps[v].duration and steps[v].duration.expected > 0)
    ) or loop_edges(
        lambda v, w: any(
            t.delay is not None and t.delay.expected > 0
            for t in p.transitions
            if t.source == v and t.to == w
        )
    )
    if infinite:
        assert (stats["longest"]["hours"] == "unbounded") == slow_loop
        handoff_loop = loop_edges(
            lambda v, w: bool(agency[v] and agency[w] and agency[v] != agency[w])
        )
        assert (stats["handoffs_max"] == "unbounded") == handoff_loop
    if not infinite:
        worst = max((sum(v in interview for v in r) for r in routes), default=0)
        assert stats["max_interviews"] == worst
        assert len(pw301) == (1 if worst > limit else 0)
        delay = {}
        for t in p.transitions:
            key = (t.source, t.to)
            d = t.delay.expected if t.delay else 0.0
            delay[key] = (min(delay.get(key, (d, d))[0], d), max(delay.get(key, (d, d))[1], d))

        def hours(r: list[str], pick: int) -> float:
            total = sum(steps[v].duration.expected if steps[v].duration else 0.0 for v in r)
            return total + sum(delay.get(e, (0.0, 0.0))[pick] for e in itertools.pairwise(r))

        if routes:
            assert abs(stats["shortest"]["hours"] - min(hours(r, 0) for r in routes)) < 1e-6
            assert abs(stats["longest"]["hours"] - max(hours(r, 1) for r in routes)) < 1e-6
            assert stats["longest"]["route"] in routes
            handoffs = max(
                sum(
                    1
                    for a, b in itertools.pairwise(r)
                    if agency[a] and agency[b] and agency[a] != agency[b]
                )
                for r in routes
            )
            assert stats["handoffs_max"] == handoffs
        else:
            assert stats["shortest"] is None and stats["longest"] is None
    for f in pw301:  # the witness is a real route with more interviews than allowed
        assert f.route[0] in _entries(p) and f.route[-1] in _outcomes(p)
        assert sum(v in interview for v in f.route) > limit
        g = _graph(p)
        assert all(g.has_edge(a, b) for a, b in itertools.pairwise(f.route))


@example(doc=DECLINE_SHARES)
@given(small_pathways())
def test_consent_and_sector_verdicts(doc: dict[str, Any]) -> None:
    """PW305 and PW204 verdicts equal enumeration of routes."""
    p = Pathway.model_validate(doc)
    g = _graph(p)
    consent = {s.id for s in p.steps if "consent" in s.tags}
    expected = set()
    for i, t in enumerate(p.transitions):
        a, b = p.agency_of(t.source), p.agency_of(t.to)
        if t.consent != "required" or a is None or b is None or a == b:
            continue
        if any(True for e in _entries(p) for _ in _walks_to(g, e, {t.source}, consent)):
            expected.add(i)
    found = _codes(p, "PW305")
    assert {f.transition for f in found} == expected
    for f in found:
        assert f.route[-1] == p.transitions[f.transition].to
        assert not set(f.route[:-1]) & consent
    sector = p.policies.every_route_reaches[0]
    in_sector = {s.id for s in p.steps if p.sector_of(s.id) == sector}
    misses = any(True for e in _entries(p) for _ in _walks_to(g, e, _outcomes(p), in_sector))
    pw204 = _codes(p, "PW204")
    assert len(pw204) == int(misses)
    for f in pw204:
        assert not set(f.route) & in_sector and f.route[-1] in _outcomes(p)


@example(doc=DECLINE_SKIPS)
@given(small_pathways())
def test_deadline_verdicts(doc: dict[str, Any]) -> None:
    """PW304 equals enumeration; PW303 equals the slowest simple path when no loop on the way
    takes time."""
    p = Pathway.model_validate(doc)
    if not p.deadlines:
        return
    d = p.deadlines[0]
    g = _graph(p)
    targets = set(p.deadline_targets(d))
    entries = _entries(p)
    starts = [d.source] if d.source else entries
    starts = [s for s in starts if any(nx.has_path(g, e, s) for e in entries)]
    skip = {s for s in starts if any(True for _ in _walks_to(g, s, _outcomes(p), targets))}
    assert {f.step for f in _codes(p, "PW304")} == skip
    # PW303 on transition edges only, stopping at the first target
    tg = _graph(p, fallbacks=False)
    steps = p.steps_by_id
    slow = set()
    for s in starts:
        if s in targets:
            continue
        inner = nx.DiGraph((a, b) for a, b, _ in tg.edges(keys=True) if a not in targets)
        inner.add_nodes_from(tg)
        reach_t = {v for v in inner if any(nx.has_path(inner, v, t) for t in targets)}
        if s not in reach_t:
            continue
        sub = inner.subgraph(v for v in reach_t if nx.has_path(inner, s, v))
        loop_time = any(
            (steps[v].duration and steps[v].duration.upper > 0)
            or any(
                t.delay and t.delay.upper > 0
                for t in p.transitions
                if t.source == v and t.to in sub and nx.has_path(sub, t.to, v)
            )
            for v in sub
            if v not in targets and _on_cycle(sub, v)
        )
        if loop_time:
            slow.add(s)
            continue
        best = 0.0
        for t in targets:
            for path in [[s]] if s == t else nx.all_simple_paths(sub, s, t):
                total = sum(
                    steps[v].duration.upper if steps[v].duration else 0.0 for v in path[:-1]
                )
                for a, b in itertools.pairwise(path):
                    total += max(
                        (x.delay.upper if x.delay else 0.0)
                        for x in p.transitions
                        if x.source == a and x.to == b
                    )
                best = max(best, total)
        if best > d.within + 1e-9:
            slow.add(s)
    assert {f.step for f in _codes(p, "PW303")} == slow


# ---------------------------------------------------------------------------------- guards

FIELDS = {
    "b": {"type": "boolean"},
    "e": {"type": "enum", "values": ["x", "y", "z"]},
    "n": {"type": "integer", "min": 0, "max": 5},
    "m": {"type": "integer"},  # unbounded: constants -1..3 in ATOMS, so -6..6 is enough
}
ALL_CASES = [
    {"b": b, "e": e, "n": n, "m": m}
    for b in (True, False)
    for e in ("x", "y", "z")
    for n in range(6)
    for m in range(-6, 7)
]
ATOMS = st.sampled_from(
    [
        "b",
        "not b",
        "e == 'x'",
        "e != 'y'",
        "e in ['x', 'z']",
        "e not in ['x']",
        "n < 3",
        "n >= 3",
        "n == 2",
        "n > 5",
        "n <= 0",
        "n != 4",
        "m < 2",
        "m >= -1",
        "m == 3",
        "m != 0",
        "m > 3",
    ]
)
GUARDS = st.recursive(
    ATOMS,
    lambda inner: st.tuples(inner, st.sampled_from(["and", "or"]), inner).map(
        lambda t: f"({t[0]} {t[1]} {t[2]})"
    ),
    max_leaves=4,
)


@st.composite
def guarded_pathways(draw: st.DrawFn) -> dict[str, Any]:
    """An entry with 1..4 guarded (sometimes unguarded) exits to two possible targets."""
    k = draw(st.integers(1, 4))
    transitions = []
    for _ in range(k):
        t: dict[str, Any] = {"from": "start", "to": draw(st.sampled_from(["done", "other"]))}
        if draw(st.integers(0, 5)):
            t["when"] = draw(GUARDS)
        transitions.append(t)
    return {
        "format": "pathways/1",
        "id": "guards",
        "case_fields": FIELDS,
        "agencies": [{"id": "a", "name": "A", "sector": "social"}],
        "roles": [{"id": "r", "agency": "a", "title": "R"}],
        "steps": [
            {"id": "start", "kind": "decision", "role": "r"},
            {"id": "done", "kind": "outcome"},
            {"id": "other", "kind": "outcome"},
        ],
        "transitions": transitions,
    }


def _complete(case: dict[str, Any]) -> list[dict[str, Any]]:
    return [c for c in ALL_CASES if all(c[k] == v for k, v in case.items())]


@settings(max_examples=examples(100))
@given(guarded_pathways())
def test_guard_rules_equal_brute_force(doc: dict[str, Any]) -> None:
    """PW401-PW403 agree with evaluating every guard on every case (an unbounded integer
    ranges over -6..6, which holds every class its constants make)."""
    p = Pathway.model_validate(doc)
    exprs = {i: parse_guard(t.when) for i, t in enumerate(p.transitions) if t.when}
    holds = {i: {j for j, c in enumerate(ALL_CASES) if evaluate(e, c)} for i, e in exprs.items()}
    assert {f.transition for f in _codes(p, "PW401")} == {i for i, h in holds.items() if not h}
    pw402 = _codes(p, "PW402")
    if len(exprs) == len(p.transitions):
        covered = set().union(*holds.values())
        assert len(pw402) == int(len(covered) < len(ALL_CASES))
        for f in pw402:  # every completion of the shown case matches no guard
            assert all(not evaluate(e, c) for c in _complete(f.case) for e in exprs.values())
    else:
        assert pw402 == []
    overlapping = {
        (i, j)
        for i, j in itertools.combinations(sorted(exprs), 2)
        if p.transitions[i].to != p.transitions[j].to and holds[i] & holds[j]
    }
    pw403 = _codes(p, "PW403")
    assert len(pw403) == len(overlapping)
    assert {f.transition for f in pw403} == {j for _, j in overlapping}
    for f in pw403:
        i = int(f.message.split("transitions ")[1].split(" ")[0])
        assert any(
            evaluate(exprs[i], c) and evaluate(exprs[f.transition], c) for c in _complete(f.case)
        )
