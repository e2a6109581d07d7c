"""Run mutmut 3 on the core semantics for at most ``--minutes``, then print the survivors.

``make mutate`` runs this after ``tests/mutants.py``. The modules and the tests are set in
``[tool.mutmut]`` of pyproject.toml. mutmut keeps its results in ``mutants/`` (git-ignored),
so a second run carries on where the budget stopped the first; ``mutmut browse`` shows a
survivor's diff, ``mutmut show NAME`` prints it. How to read the list: docs/development.md.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
MUTMUT = [sys.executable, "-m", "mutmut"]


def _drop_broken_state() -> None:
    """A run stopped while mutmut wrote its copies can leave a file half written, which the
    next run takes as up to date: start afresh when a copy is shorter than a tenth of its
    source (a mutated copy is always longer)."""
    copies = REPO / "mutants" / "src"
    for source in (REPO / "src").rglob("*.py"):
        copy = copies / source.relative_to(REPO / "src")
        if copy.exists() and copy.stat().st_size < source.stat().st_size // 10:
            print(f"mutmut: {copy.relative_to(REPO)} is incomplete; starting afresh")
            shutil.rmtree(REPO / "mutants")
            return


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=20.0, help="time budget (default 20)")
    parser.add_argument("--max-children", type=int, default=2, help="parallel workers")
    args = parser.parse_args(argv)
    env = dict(os.environ, HYPOTHESIS_PROFILE="ci")
    _drop_broken_state()
    run = subprocess.Popen(
        [*MUTMUT, "run", "--max-children", str(args.max_children)],
        cwd=REPO,
        env=env,
        start_new_session=True,
    )
    try:
        run.wait(timeout=args.minutes * 60)
    except subprocess.TimeoutExpired:
        print(f"\nmutmut: {args.minutes:g} min budget spent; stopping (run again to go on)")
        os.killpg(run.pid, signal.SIGTERM)
        run.wait()
    done = subprocess.run(
        [*MUTMUT, "results", "--all", "true"], cwd=REPO, env=env, capture_output=True, text=True
    )
    rows = [line.strip() for line in done.stdout.splitlines() if ":" in line]
    status = Counter(line.rsplit(":", 1)[1].strip() for line in rows)
    survivors = [line.rsplit(":", 1)[0] for line in rows if line.endswith("survived")]
    print("\nsurvivors (mutmut show NAME prints the change):")
    for name in survivors:
        print(f"  {name}")
    tested = status["killed"] + status["survived"]
    score = f"{100 * status['killed'] / tested:.0f}%" if tested else "n/a"
    print(f"\nmutmut: {dict(status)}; score (killed / tested) {score}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
