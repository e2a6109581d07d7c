"""The recorded one-line mutants of the core semantics, each against the tests that kill it.

Run ``python tests/mutants.py`` (``make mutate`` runs it first). For each mutant it copies
``src/`` to a temporary folder, applies the one change there (the working tree is never
touched), and runs the listed tests with that copy first on ``PYTHONPATH`` and the
derandomized ``ci`` Hypothesis profile. A mutant is *killed* when the tests fail. The tests
are first run on the unchanged code, where they must pass.

Each mutant names its file by the candidates it may live at (modules move between layouts)
and its change by an exact snippet, optionally after an anchor; when a snippet is no longer
found the mutant is reported as STALE (update the table: the code it guarded has changed).

``--only ID,...`` runs some mutants; ``--list`` prints the table.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from functools import partial
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
print = partial(print, flush=True)  # progress shows as it happens


@dataclass(frozen=True)
class Mutant:
    id: str
    files: tuple[str, ...]  # candidate paths under src/pathways/, first found wins
    before: str  # exact text, unique after the anchor
    after: str
    tests: tuple[str, ...]
    what: str
    anchor: str = ""  # the change applies to the first `before` after this text
    also: tuple[tuple[str, str], ...] = ()  # further (before, after) edits in the same file


MUTANTS: tuple[Mutant, ...] = (
    # --- the 8 that survived the old suite (issue 11)
    Mutant(
        "M01",
        ("rules/structure.py",),
        "for v in sg.succ[u]):",
        "for v in sg.tsucc[u]):",
        ("tests/rules/test_fixtures.py", "tests/rules/test_oracles.py"),
        "PW105 follows transitions only, not referral fallbacks",
    ),
    Mutant(
        "M02",
        ("rules/safeguards.py",),
        "else sg.succ\n    open_ = reachable(succ, ctx.entries, consent)",
        "else sg.tsucc\n    open_ = reachable(succ, ctx.entries, consent)",
        ("tests/rules/test_fixtures.py", "tests/rules/test_oracles.py"),
        "PW305 reachability ignores fallback edges",
    ),
    Mutant(
        "M03",
        ("engine.py",),
        "                    self._deadlines.start_and_meet(case, s, when)",
        "                    pass",
        ("tests/test_history_oracle.py", "tests/test_engine.py"),
        "a declined referral no longer meets or starts deadlines at its on_reject step",
        anchor="def _answer(",
    ),
    Mutant(
        "M04",
        ("history.py",),
        'return _digest(key, f"{previous}\\n{_canonical(payload)}")',
        'return _digest(key, f"\\n{_canonical(payload)}")',
        ("tests/test_history_oracle.py", "tests/test_engine.py"),
        "an entry's hash no longer chains the previous hash (a spliced entry verifies)",
        also=(
            (
                'digest = _digest(key, f"{history[-1].hash}\\n{text}")',
                'digest = _digest(key, f"\\n{text}")',
            ),
            ("if i == 0 else previous}", "if i == 0 else ''}"),
        ),
    ),
    Mutant(
        "M05",
        ("history.py",),
        "if i > 0 and (e.source not in here if here else e.source != at):",
        "if i > 0 and (e.source not in here if here else False):",
        ("tests/test_history_oracle.py", "tests/test_engine.py"),
        "verify() no longer checks that an entry leaves the step the previous one entered",
    ),
    Mutant(
        "M06",
        ("simulate/queues.py", "simulate/events.py"),
        "end = begin + dur",
        "end = now + dur",
        ("tests/simulate/test_fixed_queues.py", "tests/simulate/test_queues.py"),
        "the queued interview fast path starts service on arrival, not when a server is free",
        anchor="if r < -2:",
    ),
    Mutant(
        "M07",
        ("visibility.py",),
        "return self.agency_visible(agency) and contact.visibility.rank <= self.reader.rank",
        "return self.agency_visible(agency)",
        ("tests/render/test_redaction.py", "tests/render/test_formats.py"),
        "a restricted contact of a visible agency is shown (and findings quoting it drawn)",
    ),
    Mutant(
        "M08",
        ("load/yaml_walk.py", "loader.py"),
        "fh.read(MAX_BYTES + 1)",
        "fh.read()",
        ("tests/test_loader.py",),
        "the size bound reads the whole file first",
    ),
    # --- 11 more on the same semantics (rules, routes, guards, engine, history, store,
    #     simulation, redaction, loader)
    Mutant(
        "M09",
        ("rules/safeguards.py",),
        "else sg.succ\n            seen = reachable(succ, [s], is_target)",
        "else sg.tsucc\n            seen = reachable(succ, [s], is_target)",
        ("tests/rules/test_fixtures.py", "tests/rules/test_oracles.py"),
        "PW304 misses a required step skipped through a declined referral",
    ),
    Mutant(
        "M10",
        ("rules/safeguards.py",),
        "adj = [[] if is_target[u] else sg.tsucc[u] for u in range(n)]",
        "adj = [[] if is_target[u] else sg.succ[u] for u in range(n)]",
        ("tests/rules/test_fixtures.py", "tests/rules/test_oracles.py"),
        "PW303 counts referral fallbacks in the slowest route",
    ),
    Mutant(
        "M11",
        ("routes.py",),
        "count = count_routes(sg.succ, sources, sinks, scc=scc)",
        "count = count_routes(sg.tsucc, sources, sinks, scc=scc)",
        ("tests/rules/test_oracles.py", "tests/test_routes.py"),
        "the route count leaves out routes through a declined referral",
    ),
    Mutant(
        "M12",
        ("guards/analysis.py",),
        "if b - a >= 2:",
        "if b - a > 2:",
        ("tests/test_guards.py", "tests/rules/test_oracles.py"),
        "integer classes skip the single value between two constants two apart",
    ),
    Mutant(
        "M13",
        ("engine.py",),
        "when + dt.timedelta(hours=within)",
        "when + dt.timedelta(days=within)",
        ("tests/test_engine.py",),
        "a referral's response_within is read in days, not hours",
    ),
    Mutant(
        "M14",
        ("history.py",),
        "        at != step\n        if last is None",
        "        False\n        if last is None",
        ("tests/test_engine.py", "tests/test_history_oracle.py"),
        "verify() no longer checks that the last entry ends at the case's step",
    ),
    Mutant(
        "M15",
        ("store.py",),
        "WHERE id = ? AND row_version = ?",
        "WHERE id = ? AND row_version >= ?",
        ("tests/test_store.py",),
        "a save with a stale version overwrites a newer row (lost update)",
    ),
    Mutant(
        "M16",
        ("simulate/queues.py", "simulate/events.py"),
        "end = now + dur",
        "end = begin + dur",
        ("tests/simulate/test_fixed_queues.py", "tests/simulate/test_queues.py"),
        "a case that finds a server free ends at the server's last free time, not now + dur",
        anchor="# a plain step with a queue: fast path",
    ),
    Mutant(
        "M17",
        ("visibility.py",),
        "return agency.visibility.rank <= self.reader.rank",
        "return agency.visibility.rank < self.reader.rank",
        ("tests/render/test_redaction.py",),
        "agencies at the reader's own level are hidden (over-redaction)",
    ),
    Mutant(
        "M18",
        ("load/yaml_walk.py", "loader.py"),
        "fh.read(MAX_BYTES + 1)",
        "fh.read(MAX_BYTES)",
        ("tests/test_loader.py",),
        "a file one byte over the bound is read truncated instead of refused",
    ),
    Mutant(
        "M19",
        ("simulate/compile.py",),
        "reject[s, j] = index[t.on_reject]",
        "reject[s, j] = index[t.to]",
        ("tests/simulate/test_oracle_walk.py",),
        "a declined referral goes to its target (compile: shared by simulate and analyze)",
    ),
)


def _apply(root: Path, m: Mutant) -> str | None:
    """Apply ``m`` under ``root/pathways``; the file changed, or None when stale."""
    for rel in m.files:
        path = root / "pathways" / rel
        if not path.exists():
            continue
        text = path.read_text(encoding="utf-8")
        start = text.find(m.anchor) if m.anchor else 0
        if start < 0:
            continue
        at = text.find(m.before, start)
        if at < 0:
            continue
        text = text[:at] + m.after + text[at + len(m.before) :]
        for before, after in m.also:
            if text.count(before) != 1:
                return None
            text = text.replace(before, after)
        path.write_text(text, encoding="utf-8")
        return rel
    return None


def _pytest(tests: tuple[str, ...], pythonpath: Path | None) -> tuple[int, float, str]:
    env = dict(os.environ, HYPOTHESIS_PROFILE="ci")
    if pythonpath is not None:
        env["PYTHONPATH"] = os.pathsep.join([str(pythonpath), env.get("PYTHONPATH", "")])
    command = [sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", *tests]
    start = time.perf_counter()
    done = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True)
    lines = [x for x in done.stdout.splitlines() if x.startswith(("FAILED", "ERROR"))]
    return done.returncode, time.perf_counter() - start, (lines[0] if lines else "")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default="", help="comma-separated mutant ids")
    parser.add_argument("--list", action="store_true", help="print the table and stop")
    args = parser.parse_args(argv)
    chosen = [m for m in MUTANTS if not args.only or m.id in args.only.split(",")]
    if args.list:
        for m in chosen:
            print(f"{m.id}  {m.files[-1]:<22} {m.what}")
        return 0
    tests = tuple(dict.fromkeys(t for m in chosen for t in m.tests))
    code, seconds, first = _pytest(tests, None)
    if code != 0:
        print(f"the tests fail on the unchanged code ({seconds:.0f} s): {first}")
        return 2
    print(f"unchanged code: {len(tests)} test files pass ({seconds:.0f} s)")
    killed = stale = 0
    survivors = []
    with tempfile.TemporaryDirectory(prefix="pathways-mutant-") as tmp:
        for m in chosen:
            root = Path(tmp) / m.id
            shutil.copytree(REPO / "src", root, ignore=shutil.ignore_patterns("__pycache__"))
            rel = _apply(root, m)
            if rel is None:
                stale += 1
                print(f"{m.id} STALE     {m.what} (snippet not found: update tests/mutants.py)")
                continue
            code, seconds, first = _pytest(m.tests, root)
            if code == 0:
                survivors.append(m)
                print(f"{m.id} SURVIVED  {rel}: {m.what} ({seconds:.0f} s)")
            else:
                killed += 1
                print(f"{m.id} killed    {rel}: {m.what} ({seconds:.0f} s) by {first}")
    total = len(chosen) - stale
    print(f"\n{killed} of {total} mutants killed" + (f", {stale} stale" if stale else ""))
    return 1 if survivors or stale else 0


if __name__ == "__main__":
    sys.exit(main())
