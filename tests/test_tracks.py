"""Parallel tracks: PW103/PW110/PW111/PW112/PW301 against a plain exhaustive token game.

The oracle below is a second implementation of SPEC 7.1, written from the text and sharing no
code with ``pathways.tracks``: it plays every interleaving of every track (no structure, no
reduction) and reads the findings off the state space.
"""

from __future__ import annotations

from collections import Counter, deque
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, reject, settings

import pathways
from pathways import tracks
from pathways.load import loads
from pathways.model import Pathway
from pathways.testing.strategies import track_documents

CODES = ["PW103", "PW110", "PW111", "PW112", "PW301"]
Doc = dict[str, Any]


class TooBig(Exception):
    """The oracle's state space passed its cap (tracks multiply without bound)."""


def oracle(doc: Doc, max_states: int = 30_000) -> dict[str, set[str]]:
    """Every finding of the five codes by exhaustive exploration: code -> steps."""
    kinds = {s["id"]: s.get("kind", "action") for s in doc["steps"]}
    interview = {s["id"] for s in doc["steps"] if "interview" in s.get("tags", ())}
    limit = doc.get("policies", {}).get("max_interviews", 1)
    ts = doc["transitions"]
    into = {
        j: [i for i, t in enumerate(ts) if t["to"] == j] for j, k in kinds.items() if k == "join"
    }

    def exits(u: str) -> list[list[tuple[int, str, bool]]]:
        """Per transition out of u: its alternatives (the target, or a declined referral's
        fallback)."""
        out = []
        for i, t in enumerate(ts):
            if t["from"] != u:
                continue
            alt = [(i, t["to"], False)]
            back = t.get("on_reject")
            if t.get("kind") == "referral" and back and kinds.get(back) != "join":
                alt.append((i, back, True))
            out.append(alt)
        return out

    def arrive(
        tokens: list[Any], arrivals: list[tuple[int, str, bool]]
    ) -> tuple[list[str], list[str]]:
        entered: list[str] = []
        ended: list[str] = []
        for i, v, _ in arrivals:
            if kinds[v] == "outcome":
                ended.append(v)
                entered.append(v)
            elif kinds[v] == "join":
                tokens.append(("wait", i))
                if all(("wait", k) in tokens for k in into[v]):
                    for k in into[v]:
                        tokens.remove(("wait", k))
                    tokens.append(("at", v))
                    entered.append(v)
            else:
                tokens.append(("at", v))
                entered.append(v)
        return entered, ended

    def successors(marking: tuple[Any, ...]) -> list[tuple[tuple[Any, ...], list[str], list[str]]]:
        out = []
        for pos in set(marking):
            if pos[0] != "at":
                continue
            u = pos[1]
            rest = list(marking)
            rest.remove(pos)
            alts = exits(u)
            if kinds[u] == "fork":
                if not alts:
                    continue
                combos: list[list[tuple[int, str, bool]]] = [[]]
                for alt in alts:
                    combos = [[*c, a] for c in combos for a in alt]
            else:
                combos = [[a] for alt in alts for a in alt]
            for combo in combos:
                tokens = list(rest)
                entered, ended = arrive(tokens, combo)
                out.append((tuple(sorted(tokens)), entered, ended))
        return out

    # States: (marking, interviews so far capped at limit + 1).
    starts = [s["id"] for s in doc["steps"] if s.get("kind") == "entry"]
    seen: dict[tuple[Any, int], None] = {}
    graph: dict[tuple[Any, ...], list[tuple[tuple[Any, ...], list[str]]]] = {}
    queue: deque[tuple[Any, int]] = deque()
    entered_any: set[str] = set()
    found: dict[str, set[str]] = {c: set() for c in CODES}
    for e in starts:
        entered_any.add(e)
        state = (((("at", e),)), min(limit + 1, int(e in interview)))
        if state not in seen:
            seen[state] = None
            queue.append(state)
    while queue:
        marking, count = queue.popleft()
        if len(seen) > max_states:
            raise TooBig
        for pos, c in Counter(marking).items():
            if c > 1:
                found["PW111"].add(pos[1] if pos[0] == "at" else ts[pos[1]]["to"])
        if not marking and count > limit:
            found["PW301"].add("*")
        moves = successors(marking)
        graph[marking] = [(m, entered) for m, entered, _ in moves]
        for nxt, entered, ended in moves:
            entered_any.update(entered)
            if ended and (nxt or len(ended) > 1):
                found["PW112"].update(ended)
            state = (nxt, min(limit + 1, count + sum(1 for u in entered if u in interview)))
            if state not in seen:
                seen[state] = None
                queue.append(state)
    found["PW103"] = {s["id"] for s in doc["steps"]} - entered_any
    found["markings"] = {str(len(graph))}
    # PW110: a reachable marking with a track waiting on a transition into J, from which no
    # sequence of moves enters J.
    back: dict[tuple[Any, ...], list[tuple[Any, ...]]] = {m: [] for m in graph}
    for m, out in graph.items():
        for n, _ in out:
            back.setdefault(n, []).append(m)
    for j, ins in into.items():
        can = {m for m, out in graph.items() if any(j in e for _, e in out)}
        stack = list(can)
        while stack:
            for m in back.get(stack.pop(), ()):
                if m not in can:
                    can.add(m)
                    stack.append(m)
        if any(m not in can and any(p[0] == "wait" and p[1] in ins for p in m) for m in graph):
            found["PW110"].add(j)
    return found


def produced(doc: Doc) -> dict[str, set[str]]:
    p = Pathway.model_validate(doc)
    out: dict[str, set[str]] = {c: set() for c in [*CODES, "PW114"]}
    for f in pathways.check(p, select=[*CODES, "PW114"]):
        out[f.code].add("*" if f.code == "PW301" else str(f.step))
    return out


BOUND = 2_000


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(doc=track_documents())
def test_token_game_matches_exhaustive_oracle(doc: Doc) -> None:
    """PW103, PW110, PW111, PW112 and PW301 equal the exhaustive token game's answers.

    Where the tracks multiply without bound (a fork on a loop whose tracks never meet), both
    sides give up: the production game says so (PW114) past its bound."""
    try:
        expected = oracle(doc)
    except TooBig:
        reject()
    markings = int(expected.pop("markings").pop())
    bound, tracks.STATE_BOUND = tracks.STATE_BOUND, BOUND
    try:
        got = produced(doc)
    finally:
        tracks.STATE_BOUND = bound
    if got.pop("PW114"):
        assert markings > BOUND
        return
    assert got == expected


def _doc(steps: list[tuple[str, str]], transitions: list[tuple[str, str]], **extra: Any) -> Doc:
    return {
        "format": "pathways/1",
        "id": "t",
        "agencies": [{"id": "a", "name": "A", "sector": "social"}],
        "roles": [{"id": "r", "agency": "a", "title": "R"}],
        "steps": [
            {"id": s, "kind": k, **({} if k == "outcome" else {"role": "r"})} for s, k in steps
        ],
        "transitions": [{"from": a, "to": b} for a, b in transitions],
        **extra,
    }


BYPASS = _doc(
    [("in", "entry"), ("f", "fork"), ("a", "action"), ("b", "decision"), ("j", "join"),
     ("done", "outcome"), ("dropped", "outcome")],
    [("in", "f"), ("f", "a"), ("f", "b"), ("a", "j"), ("b", "j"), ("b", "dropped"),
     ("j", "done")],
)  # fmt: skip


def test_bypass_is_a_deadlock_and_a_track_left_running() -> None:
    """A track that leaves for an outcome strands its sibling at the join."""
    p = Pathway.model_validate(BYPASS)
    found = {(f.code, f.step): f for f in pathways.check(p, select=["PW11"])}
    assert set(found) == {("PW110", "j"), ("PW112", "dropped")}
    assert found["PW110", "j"].route == ("in", "f", "a", "b", "dropped")
    assert found["PW112", "dropped"].route == ("in", "f", "a", "b", "dropped")


DECLINABLE = _doc(
    [("in", "entry"), ("f", "fork"), ("m", "action"), ("alt", "action"), ("s", "action"),
     ("t", "action"), ("j", "join"), ("done", "outcome")],
    [("in", "f"), ("f", "s"), ("f", "t"), ("alt", "m"), ("m", "j"), ("s", "j"), ("t", "j"),
     ("j", "done")],
)  # fmt: skip
DECLINABLE["transitions"].append(
    {"from": "f", "to": "m", "kind": "referral", "on_reject": "alt", "response_within": "1d"}
)


def test_a_declined_referral_out_of_a_fork_moves_only_its_own_track() -> None:
    """Regression: each way of taking the fork's exits (the referral accepted, or declined to
    its on_reject) starts from the same other tracks; the second used to get the simple tracks
    twice, giving false PW110, PW111 and PW112 (tests/data/tracks-runtime.yaml showed 11)."""
    p = Pathway.model_validate(DECLINABLE)
    assert [f.code for f in pathways.check(p, select=["PW11"])] == []
    runtime = pathways.load("tests/data/tracks-runtime.yaml")
    assert [f.code for f in pathways.check(runtime, select=["PW1"])] == []


@pytest.mark.parametrize(
    "doc",
    [BYPASS, DECLINABLE],
)
def test_examples_match_oracle(doc: Doc) -> None:
    expected = oracle(doc)
    del expected["markings"]
    got = produced(doc)
    assert not got.pop("PW114")
    assert got == expected


def test_routes_take_the_slowest_track_and_add_interviews() -> None:
    """`pathways routes` with tracks: a block lasts as long as its slowest track (critical
    path), hand-offs add over tracks, and runs are counted up to the order of tracks."""
    from pathways.routes import route_stats

    stats = route_stats(pathways.load("tests/data/tracks-small.yaml")).to_dict()
    # intake 1h + fork 10m + max(medical 1d, statement 2d) + conference 2h
    assert stats["longest"]["hours"] == pytest.approx(1 + 1 / 6 + 48 + 2)
    assert stats["shortest"]["hours"] == stats["longest"]["hours"]
    assert stats["count"] == 1
    assert stats["handoffs_max"] == 4
    assert stats["longest"]["route"] == [
        "intake", "start_tracks", "medical", "statement", "conference", "closed",
    ]  # fmt: skip
    nested = route_stats(pathways.load("tests/rules/fixtures/PW110/valid-well-nested.yaml"))
    assert nested.count == 2  # the police track's two branches, the medical track's one


def test_two_interview_tracks_make_two_interviews() -> None:
    """PW301 with tracks: two tracks that each interview the child are two interviews."""
    doc = _doc(
        [("in", "entry"), ("f", "fork"), ("police", "action"), ("ngo", "action"),
         ("j", "join"), ("done", "outcome")],
        [("in", "f"), ("f", "police"), ("f", "ngo"), ("police", "j"), ("ngo", "j"), ("j", "done")],
    )  # fmt: skip
    for step in doc["steps"]:
        if step["id"] in ("police", "ngo"):
            step["tags"] = ["interview"]
    found = [f for f in pathways.check(Pathway.model_validate(doc)) if f.code == "PW301"]
    assert len(found) == 1
    assert found[0].route == ("in", "f", "police", "ngo", "j", "done")
    assert "2 interviews" in found[0].message
    from pathways.routes import route_stats

    assert route_stats(Pathway.model_validate(doc)).max_interviews == 2


def _two_agencies(doc: Doc, agency_b: set[str]) -> Doc:
    doc["agencies"].append({"id": "b", "name": "B", "sector": "health"})
    doc["roles"].append({"id": "rb", "agency": "b", "title": "RB"})
    for step in doc["steps"]:
        if step["id"] in agency_b:
            step["role"] = "rb"
    return doc


def test_consent_on_a_parallel_track_counts_only_after_the_join() -> None:
    """PW305 with tracks: consent on one track covers sharing after the join, not sharing on
    the other track before it."""
    doc = _doc(
        [("in", "entry"), ("f", "fork"), ("consent", "action"), ("t2", "action"),
         ("j", "join"), ("clinic", "action"), ("x", "action"), ("done", "outcome")],
        [("in", "f"), ("f", "consent"), ("f", "t2"), ("consent", "j"), ("t2", "x"),
         ("x", "j"), ("j", "clinic"), ("clinic", "done")],
    )  # fmt: skip
    doc["steps"][2]["tags"] = ["consent"]
    doc = _two_agencies(doc, {"clinic", "x"})
    found = [f for f in pathways.check(Pathway.model_validate(doc)) if f.code == "PW305"]
    assert [(f.step, f.route) for f in found] == [
        ("t2", ("in", "f", "t2", "x")),
        ("x", ("in", "f", "t2", "x", "j")),
    ]  # and not clinic: the join orders the consent step before it


def test_a_sector_on_one_track_is_reached_by_every_run() -> None:
    """PW204 with tracks: a sector that one track always passes is in every complete run."""
    doc = _doc(
        [("in", "entry"), ("f", "fork"), ("med", "action"), ("t2", "action"),
         ("j", "join"), ("done", "outcome")],
        [("in", "f"), ("f", "med"), ("f", "t2"), ("med", "j"), ("t2", "j"), ("j", "done")],
    )  # fmt: skip
    doc = _two_agencies(doc, {"med"})
    doc["policies"] = {"every_route_reaches": ["health"]}
    assert not [f for f in pathways.check(Pathway.model_validate(doc)) if f.code == "PW204"]
    doc["transitions"].append({"from": "in", "to": "done", "event": "skip"})
    found = [f for f in pathways.check(Pathway.model_validate(doc)) if f.code == "PW204"]
    assert [f.route for f in found] == [("in", "done")]


def test_a_required_deadline_on_one_track_is_met_by_every_run() -> None:
    """PW304 with tracks: a target that one track always enters is not skippable."""
    doc = _doc(
        [("in", "entry"), ("f", "fork"), ("med", "action"), ("t2", "action"),
         ("j", "join"), ("done", "outcome")],
        [("in", "f"), ("f", "med"), ("f", "t2"), ("med", "j"), ("t2", "j"), ("j", "done")],
    )  # fmt: skip
    doc["deadlines"] = [{"id": "care", "to": "med", "within": "72h", "required": True}]
    assert not [f for f in pathways.check(Pathway.model_validate(doc)) if f.code == "PW304"]


def test_a_deadline_across_a_join_waits_for_the_slowest_track() -> None:
    """PW303 with tracks: the time to a step after a join is that of the slowest track."""
    text = Path("tests/data/tracks-small.yaml").read_text(encoding="utf-8")
    text += "deadlines:\n  - {id: conference-2d, from: intake, to: closed, within: 50h}\n"
    found = [f for f in pathways.check(loads(text)) if f.code == "PW303"]
    assert len(found) == 1
    assert "statement" in (found[0].route or ())  # the two-day police statement, not medical
    ok = text.replace("within: 50h", "within: 52h")
    assert not [f for f in pathways.check(loads(ok)) if f.code == "PW303"]
