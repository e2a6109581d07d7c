"""What if the provincial AHTJP unit had more trained child interviewers?

A what-if capacity study: simulate the bundled in-person pathway as it is, then with more
interviewers (and, separately, more doctors), and print the key figures side by side.

    python examples/what_if_capacity.py [PATHWAY.yaml] [--cases N] [--set PATH=VALUE ...]

Without ``--set`` it compares three scenarios; with ``--set`` it compares the baseline with
your own change, e.g. ``--set roles.doctor.capacity=4 --set simulation.arrivals_per_day=3``.
The numbers in the bundled pathway are illustrative test data, not statistics.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import pathways as pw

DEFAULT = Path(__file__).resolve().parent.parent / "pathways" / "kh" / "csa-in-person.yaml"
SCENARIOS: dict[str, list[str]] = {
    "as is": [],
    "4 interviewers": ["roles.ahtjp_officer.capacity=4"],
    "4 doctors": ["roles.doctor.capacity=4"],
}


def duration(hours: float | None) -> str:
    """Hours as hours, days or weeks, whichever reads best."""
    if hours is None:
        return "-"
    if hours < 48:
        return f"{hours:.1f} h"
    return f"{hours / 24:.1f} d" if hours < 24 * 21 else f"{hours / 168:.1f} wk"


def share(value: float | None) -> str:
    return "-" if value is None else f"{value:.1%}"


def rows(result: dict[str, Any]) -> dict[str, str]:
    """The figures a working group asks about, as text."""
    t = result["time_to_outcome_hours"]
    out = {
        "time to outcome, median": duration(t.get("p50")),
        "time to outcome, p90": duration(t.get("p90")),
    }
    for deadline, d in result["deadlines"].items():
        out[f"missed {deadline}"] = share(d["share_missed"])
    for role, r in result["roles"].items():
        if r.get("capacity") is not None:
            out[f"{role}: utilisation"] = share(r["utilization"])
            out[f"{role}: mean wait"] = duration(r["wait_hours_mean"])
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pathway", nargs="?", type=Path, default=DEFAULT)
    parser.add_argument("--cases", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--set", dest="overrides", action="append", default=[])
    args = parser.parse_args(argv)

    pathway = pw.load(args.pathway)
    scenarios = {"as is": [], "what if": args.overrides} if args.overrides else SCENARIOS
    columns: dict[str, dict[str, str]] = {}
    for name, overrides in scenarios.items():
        result = pw.simulate(pathway, cases=args.cases, seed=args.seed, overrides=overrides)
        columns[name] = rows(result.to_dict())

    labels = list(dict.fromkeys(k for col in columns.values() for k in col))
    width = max(len(k) for k in labels) + 2
    print(f"{pathway.id}: {args.cases} cases per scenario, seed {args.seed}")
    for name, overrides in scenarios.items():
        print(f"  {name}: {', '.join(overrides) or 'the file as written'}")
    print()
    print("".ljust(width) + "".join(name.rjust(16) for name in columns))
    for label in labels:
        cells = "".join(col.get(label, "-").rjust(16) for col in columns.values())
        print(label.ljust(width) + cells)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
