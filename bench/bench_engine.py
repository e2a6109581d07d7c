"""Case runtime benchmark: pathways.Engine against bare transitions and transitions add_model.

Side by side, in one run, on the same generated pathway (the shared bench's ``gen.layered``,
N=20 steps, seed 0) and the same round-robin event choice as ``runtime_peers.py``:

  ours        one Engine; cases opened with engine.open(); events fired with case.fire()
              (role check, guards via transitions conditions, hash-chained history entry)
  bare        one transitions Machine with one model: model.<trigger>() (the per-event floor)
  add_model   the peer: runtime_peers.TransitionsAddModel, one Machine + C models

Reported: time to open C cases (us per case), memory per open case (tracemalloc, marginal
bytes between two populations; history measured separately and excluded), events per second
with C live cases, and the ratios. Goals (issue 5): <= 2 KB per open case without history,
open <= 50 us per case, one event <= 3x a bare transitions trigger.

Run:  python bench/bench_engine.py [--quick] [--out bench/results/engine.md]
The peer is imported by path from ../shared/bench (or $PATHWAYS_PEER_BENCH), not copied.
"""

from __future__ import annotations

import argparse
import bisect
import gc
import os
import platform
import random
import statistics
import sys
import time
import tracemalloc
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PEERS = Path(os.environ.get("PATHWAYS_PEER_BENCH", ROOT.parent / "shared" / "bench"))
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(PEERS))

import gen  # noqa: E402  (the peer's generator)
import runtime_peers  # noqa: E402  (the peer: TransitionsAddModel, traced_bytes_per_case)
from simulate_peers import Case as PeerModel  # noqa: E402
from simulate_peers import Tables, _transitions_spec  # noqa: E402

import pathways as pw  # noqa: E402
from pathways.model import Pathway  # noqa: E402

T0 = __import__("datetime").datetime(2026, 1, 1, tzinfo=__import__("datetime").UTC)


def to_pathway(p: dict[str, Any]) -> Pathway:
    """The generator's dict as a pathways Pathway: same steps, transitions and events."""
    kinds = {"entry": "entry", "action": "action", "decision": "decision", "terminal": "outcome"}
    doc = {
        "format": "pathways/1",
        "id": "bench-layered",
        "agencies": [{"id": "a0", "name": "Agency", "sector": "social"}],
        "roles": [{"id": r["id"], "agency": "a0", "title": r["id"]} for r in p["roles"]],
        "steps": [
            {"id": s["id"], "kind": kinds[s["kind"]], "role": s["role"], "tags": s["tags"]}
            for s in p["steps"]
        ],
        "transitions": [
            {"from": t["source"], "to": t["target"], "event": f"go_{t['target']}"}
            for t in p["transitions"]
        ],
    }
    return Pathway.model_validate(doc)


class Ours:
    """C live cases on one Engine, fired round-robin like runtime_peers' populations."""

    def __init__(self, tab: Tables, pathway: Pathway, C: int, seed: int) -> None:
        self.tab, self.pathway = tab, pathway
        self.engine = pw.Engine(pathway)
        self.entry = tab.ids[tab.entry]
        self.actors = {s.id: pw.Actor(id="u", role=s.role or "none") for s in pathway.steps}
        self.n = 0
        self.cases = [self.open() for _ in range(C)]
        self.rnd = random.Random(seed)
        self.clock = T0

    def open(self) -> pw.Case:
        self.n += 1
        return self.engine.open(entry=self.entry, case_id=f"case-{self.n}", at=T0)

    def plan(self) -> list[tuple[pw.Case, str, pw.Actor]]:
        tab, rr, bis = self.tab, self.rnd.random, bisect.bisect_right
        idx, cum, trig = tab.index, tab.cum, tab.trigger
        return [
            (c, trig[idx[c.step]][bis(cum[idx[c.step]], rr())], self.actors[c.step])
            for c in self.cases
        ]

    def step_round(self) -> tuple[int, float]:
        """Fire one event on every case; return (events, seconds spent firing)."""
        todo = self.plan()
        self.clock = self.clock + __import__("datetime").timedelta(minutes=1)
        at = self.clock
        t0 = time.perf_counter()
        for case, event, actor in todo:
            case.fire(event, actor=actor, at=at)
        spent = time.perf_counter() - t0
        # finished cases are replaced by new ones (outside the timed part), as the peers
        # put finished models back on the entry step
        term = self.tab.is_term
        idx = self.tab.index
        self.cases = [self.open() if term[idx[c.step]] else c for c in self.cases]
        return len(todo), spent


class Bare:
    """One transitions Machine, one model: the per-event floor of transitions itself."""

    def __init__(self, tab: Tables, seed: int) -> None:
        from transitions import Machine

        states, trans = _transitions_spec(tab)
        self.tab = tab
        self.model = PeerModel()
        self.machine = Machine(
            model=self.model,
            states=states,
            transitions=trans,
            initial=tab.ids[tab.entry],
            auto_transitions=False,
        )
        self.rnd = random.Random(seed)

    def run(self, events: int) -> float:
        """Seconds for ``events`` triggers along random walks (choice made before timing)."""
        tab, rr, bis = self.tab, self.rnd.random, bisect.bisect_right
        idx, cum, trig, is_term = tab.index, tab.cum, tab.trigger, tab.is_term
        init = tab.ids[tab.entry]
        # plan the walk first, then time only the triggers (the same split as Ours.step_round)
        plan, state = [], init
        for _ in range(events):
            s = idx[state]
            name = trig[s][bis(cum[s], rr())]
            plan.append(name)
            state = name[3:]
            if is_term[idx[state]]:
                plan.append(None)
                state = init
        m, set_state = self.model, self.machine.set_state
        set_state(init, model=m)
        t0 = time.perf_counter()
        for name in plan:
            if name is None:
                set_state(init, model=m)
            else:
                getattr(m, name)()
        return time.perf_counter() - t0


def bytes_per_case(tab: Tables, pathway: Pathway, c1: int, c2: int) -> tuple[float, float]:
    """Marginal tracemalloc bytes per open case: (without history, history only)."""
    Ours(tab, pathway, 100, 1)  # warm-up: first-use caches are not counted
    totals, histories = [], []
    for C in (c1, c2):
        gc.collect()
        tracemalloc.start()
        before = tracemalloc.get_traced_memory()[0]
        pop = Ours(tab, pathway, C, 7)
        gc.collect()
        total = tracemalloc.get_traced_memory()[0] - before
        for case in pop.cases:
            case.history = []
        gc.collect()
        without = tracemalloc.get_traced_memory()[0] - before
        tracemalloc.stop()
        totals.append(without)
        histories.append(total - without)
        del pop
    per = (totals[1] - totals[0]) / (c2 - c1)
    hist = (histories[1] - histories[0]) / (c2 - c1)
    return per, hist


def guarded_event_us(repeats: int) -> float:
    """us per event on the bundled kh-csa-in-person pathway (guards, referral, deadlines,
    three tracks)."""
    p = pw.load(ROOT / "pathways" / "kh" / "csa-in-person.yaml")
    engine = pw.Engine(p)
    # (event, role, track): the case runs three tracks after start_tracks (SPEC 7.1)
    walk = [
        ("to_notify", "police_officer", None),
        ("to_consent", "police_officer", None),
        ("to_start_tracks", "social_worker", None),
        ("tracks", "social_worker", None),
        ("to_medical_urgent", "social_worker", "timing_check"),
        ("to_placement_shelter", "social_worker", "risk_assessment"),
        ("to_case_plan", "shelter_caseworker", "placement_shelter"),
        ("to_police_report", "ahtjp_officer", "interview"),
    ]
    actors = {role: pw.Actor(id="u", role=role) for _, role, _ in walk}
    cases = [
        engine.open(
            data={"hours_since_incident": 10, "risk": "high"},
            entry="report_police",
            case_id=f"g{i}",
            at=T0,
        )
        for i in range(repeats)
    ]
    t0 = time.perf_counter()
    for case in cases:
        for event, role, track in walk:
            case.fire(event, actor=actors[role], at=track, when=T0)
    return (time.perf_counter() - t0) / (repeats * len(walk)) * 1e6


def tracks_pathway(K: int, L: int) -> Pathway:
    """entry -> fork -> K tracks of L steps -> join -> outcome (SPEC 7.1), one role per track."""
    roles = [{"id": "lead", "agency": "a0", "title": "lead"}] + [
        {"id": f"r{k}", "agency": "a0", "title": f"r{k}"} for k in range(K)
    ]
    steps: list[dict[str, Any]] = [
        {"id": "start", "kind": "entry", "role": "lead"},
        {"id": "fork", "kind": "fork", "role": "lead"},
        *(
            {"id": f"t{k}_{j}", "kind": "action", "role": f"r{k}"}
            for k in range(K)
            for j in range(L)
        ),
        {"id": "join", "kind": "join", "role": "lead"},
        {"id": "done", "kind": "outcome"},
    ]
    transitions: list[dict[str, Any]] = [{"from": "start", "to": "fork", "event": "go_fork"}]
    for k in range(K):
        transitions.append({"from": "fork", "to": f"t{k}_0", "event": "tracks"})
        for j in range(L):
            nxt = f"t{k}_{j + 1}" if j + 1 < L else "join"
            transitions.append({"from": f"t{k}_{j}", "to": nxt, "event": "next"})
    transitions.append({"from": "join", "to": "done", "event": "close"})
    doc = {
        "format": "pathways/1",
        "id": "bench-tracks",
        "agencies": [{"id": "a0", "name": "Agency", "sector": "social"}],
        "roles": roles,
        "steps": steps,
        "transitions": transitions,
    }
    return Pathway.model_validate(doc)


def tracks_events(C: int, rounds: int, K: int = 3, L: int = 6) -> dict[str, float]:
    """Open and fire on a pathway with K tracks (every track move names its track with at=,
    the same event ``next`` leaves every track step), beside a bare transitions Machine of the
    same states and transitions walking one track; rounds interleaved on one heap."""
    from transitions import Machine

    p = tracks_pathway(K, L)
    engine = pw.Engine(p)
    lead = pw.Actor(id="u", role="lead")
    movers = [pw.Actor(id="u", role=f"r{k}") for k in range(K)]
    # one case's script: the moves in order, tracks interleaved round-robin
    script: list[tuple[str, str | None, pw.Actor]] = [
        ("go_fork", None, lead),
        ("tracks", None, lead),
    ]
    for j in range(L):
        for k in range(K):
            script.append(("next", f"t{k}_{j}", movers[k]))
    script.append(("close", None, lead))
    n = 0

    def open_one() -> pw.Case:
        nonlocal n
        n += 1
        return engine.open(entry="start", case_id=f"t-{n}", at=T0)

    gc.collect()
    t0 = time.perf_counter()
    cases = [open_one() for _ in range(C)]
    open_us = (time.perf_counter() - t0) / C * 1e6
    pos = [0] * C
    # bare: the same machine, one model walking start -> fork -> track 0 -> join -> done
    trans = [
        {"trigger": t.event, "source": t.source, "dest": t.to}
        for t in p.transitions
        if t.source != "fork" or t.to == "t0_0"
    ]
    model = PeerModel()
    machine = Machine(
        model=model,
        states=[s.id for s in p.steps],
        transitions=trans,
        initial="start",
        auto_transitions=False,
    )
    chain = ["go_fork", "tracks", *(["next"] * L), "close"]
    ours_t, bare_t = [], []
    for _ in range(rounds):
        todo = [script[i] for i in pos]
        t1 = time.perf_counter()
        for case, (event, at, actor) in zip(cases, todo, strict=True):
            case.fire(event, actor=actor, at=at, when=T0)
        ours_t.append((time.perf_counter() - t1) / C)
        for i in range(C):
            pos[i] += 1
            if pos[i] == len(script):
                cases[i], pos[i] = open_one(), 0
        machine.set_state("start", model=model)
        j = 0
        t1 = time.perf_counter()
        for _ in range(C):
            model.trigger(chain[j])
            j += 1
            if j == len(chain):
                machine.set_state("start", model=model)
                j = 0
        bare_t.append((time.perf_counter() - t1) / C)
    return {
        "tracks_open_us": open_us,
        "tracks_event_us": statistics.median(ours_t) * 1e6,
        "tracks_bare_us": statistics.median(bare_t) * 1e6,
        "tracks_ratio": statistics.median(o / b for o, b in zip(ours_t, bare_t, strict=True)),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="fewer cases (about 30 s)")
    ap.add_argument("--out", help="also write the markdown to this file")
    args = ap.parse_args(argv)
    C = 10_000 if args.quick else 100_000
    peer_C = 1_000 if args.quick else 5_000
    rounds = 3 if args.quick else 5
    tab = Tables(gen.layered(20, 0))
    pathway = to_pathway(tab.p)
    rows: list[list[str]] = []
    out: dict[str, float] = {}

    # --- one event on the bundled pathway (guards, referral, deadlines), on a fresh heap -----
    out["guarded_event_us"] = guarded_event_us(500 if args.quick else 2000)
    gc.collect()

    # --- a pathway with tracks (SPEC 7.1): open and fire(at=STEP) ---------------------------
    out.update(tracks_events(C, 3 * len(range(rounds)) + 4))
    print(
        f"tracks: open {out['tracks_open_us']:.1f} us, event {out['tracks_event_us']:.2f} us, "
        f"bare {out['tracks_bare_us']:.2f} us ({out['tracks_ratio']:.2f}x)",
        flush=True,
    )
    gc.collect()

    # --- open C cases on one engine -----------------------------------------------------
    gc.collect()
    t0 = time.perf_counter()
    ours = Ours(tab, pathway, C, 7)
    out["open_us"] = (time.perf_counter() - t0) / C * 1e6
    print(f"ours: opened {C:,} cases, {out['open_us']:.1f} us/case", flush=True)

    # --- events: ours round-robin over C live cases, bare transitions interleaved ----------
    # Each round fires one event on every live case, then the same number of bare triggers,
    # so both run on the same heap (C live cases and their histories) at the same moment.
    bare = Bare(tab, 7)
    per_round, bare_times = [], []
    for _ in range(rounds):
        n, spent = ours.step_round()
        per_round.append(spent / n)
        bare_times.append(bare.run(n) / n)
    out["ours_event_us"] = statistics.median(per_round) * 1e6
    out["bare_event_us"] = statistics.median(bare_times) * 1e6
    out["ratio_rounds"] = statistics.median(
        o / b for o, b in zip(per_round, bare_times, strict=True)
    )
    print(
        f"ours: {out['ours_event_us']:.2f} us/event with {C:,} live cases; bare "
        f"transitions {out['bare_event_us']:.2f} us/trigger",
        flush=True,
    )
    del ours, bare
    gc.collect()

    # --- the peer: transitions add_model --------------------------------------------------
    gc.collect()
    t0 = time.perf_counter()
    peer = runtime_peers.TransitionsAddModel(tab, peer_C, 7)
    out["peer_setup_us"] = (time.perf_counter() - t0) / peer_C * 1e6
    peer_rounds = []
    for _ in range(rounds):
        t1 = time.perf_counter()
        n = peer.step_round()
        peer_rounds.append((time.perf_counter() - t1) / n)
    out["peer_event_us"] = statistics.median(peer_rounds) * 1e6
    del peer
    gc.collect()
    print(
        f"peer add_model: {out['peer_setup_us']:.0f} us/model, "
        f"{out['peer_event_us']:.2f} us/event ({peer_C:,} models)",
        flush=True,
    )

    # --- memory per open case --------------------------------------------------------------
    c1, c2 = (1_000, 5_000) if args.quick else (10_000, 50_000)
    out["ours_bytes"], out["ours_history_bytes"] = bytes_per_case(tab, pathway, c1, c2)
    out["peer_bytes"] = runtime_peers.traced_bytes_per_case(
        runtime_peers.TransitionsAddModel, tab, 250, 1000
    )
    print(
        f"memory/case: ours {out['ours_bytes']:.0f} B (+{out['ours_history_bytes']:.0f} B "
        f"history), add_model {out['peer_bytes']:.0f} B",
        flush=True,
    )

    import transitions

    rows = [
        [
            "open one case",
            f"{out['open_us']:.1f} us",
            "-",
            f"{out['peer_setup_us']:.0f} us (add_model, {peer_C:,} models)",
            f"{out['peer_setup_us'] / out['open_us']:.0f}x faster",
            "<= 50 us",
            "yes" if out["open_us"] <= 50 else "NO",
        ],
        [
            f"one event ({C:,} live cases)",
            f"{out['ours_event_us']:.2f} us",
            f"{out['bare_event_us']:.2f} us",
            f"{out['peer_event_us']:.2f} us",
            f"{out['ratio_rounds']:.2f}x bare (median of per-round ratios)",
            "<= 3x bare",
            "yes" if out["ratio_rounds"] <= 3 else "NO",
        ],
        [
            "memory per open case (history excluded)",
            f"{out['ours_bytes']:.0f} B",
            "-",
            f"{out['peer_bytes']:.0f} B",
            f"{out['peer_bytes'] / out['ours_bytes']:.0f}x smaller",
            "<= 2 KB",
            "yes" if out["ours_bytes"] <= 2048 else "NO",
        ],
        [
            "history per case (open entry)",
            f"{out['ours_history_bytes']:.0f} B",
            "-",
            "-",
            "-",
            "-",
            "-",
        ],
        [
            "open one case, pathway with 3 tracks",
            f"{out['tracks_open_us']:.1f} us",
            "-",
            "-",
            "-",
            "<= 50 us",
            "yes" if out["tracks_open_us"] <= 50 else "NO",
        ],
        [
            f"one event with tracks (fire at=STEP, {C:,} live cases)",
            f"{out['tracks_event_us']:.2f} us",
            f"{out['tracks_bare_us']:.2f} us",
            "-",
            f"{out['tracks_ratio']:.2f}x bare (median of per-round ratios)",
            "<= 3x bare",
            "yes" if out["tracks_ratio"] <= 3 else "NO",
        ],
        [
            "one event, kh-csa-in-person (guards, referral)",
            f"{out['guarded_event_us']:.2f} us",
            "-",
            "-",
            "-",
            "-",
            "-",
        ],
    ]
    head = [
        "measure",
        "pathways Engine",
        "bare transitions",
        "transitions add_model (peer)",
        "ratio",
        "goal",
        "met",
    ]
    md = [
        f"# Case runtime: `bench/bench_engine.py{' --quick' if args.quick else ''}`",
        "",
        f"Pathway: shared bench `gen.layered(20, 0)` ({len(tab.ids)} steps, "
        f"{len(tab.p['transitions'])} transitions); {C:,} cases opened on one Engine; events "
        f"fired round-robin, {rounds} rounds (median); peer with {peer_C:,} models (its setup "
        "grows quadratically, so 1e5 models are not run: RESULTS.md measured 155 s).",
        f"Python {platform.python_version()}, transitions {transitions.__version__}, "
        f"{platform.machine()}, {os.cpu_count()} CPUs (shared, noisy: compare ratios).",
        "",
        "| " + " | ".join(head) + " |",
        "|" + "---|" * len(head),
        *("| " + " | ".join(r) + " |" for r in rows),
        "",
        "Memory is tracemalloc's marginal bytes per case between two populations "
        f"({c1:,} and {c2:,} cases), with each case's history list emptied for the "
        "'history excluded' figure. Event times exclude choosing the event (the same split for "
        "bare transitions, whose rounds are interleaved with ours on the same heap); the peer's "
        "figure includes its choice, as in runtime_peers.py. An event of ours includes the role "
        "check, the transitions trigger, the hash-chained history entry and deadline upkeep.",
    ]
    text = "\n".join(md) + "\n"
    print()
    print(text)
    if args.out:
        Path(args.out).write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
