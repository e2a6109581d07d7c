"""``pathways simulate``: run cases through a pathway, print KPIs, compare what-if variants."""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from pathways.cli import app

if TYPE_CHECKING:
    from rich.console import Console

    from pathways.model import Pathway
    from pathways.simulate.contract import SimulationJSON


def _load(path: Path) -> Pathway | None:
    """The pathway, or None after printing its load or error findings to stderr."""
    from pathways.errors import LoadError
    from pathways.load import load

    try:
        pathway = load(path)
    except LoadError as exc:
        for finding in exc.findings:
            typer.echo(str(finding), err=True)
        return None
    try:
        from pathways.rules import check
    except ImportError:  # pragma: no cover - the validator ships with the package
        return pathway
    errors = [f for f in check(pathway) if f.severity.value == "error"]
    for finding in errors:
        typer.echo(str(finding), err=True)
    if errors:
        typer.echo(f"{path}: {len(errors)} error(s); fix them before simulating", err=True)
        return None
    return pathway


def diff(a: Any, b: Any) -> Any:
    """``b - a`` for every number both results have, keeping their shape (None elsewhere)."""
    if isinstance(a, dict) and isinstance(b, dict):
        out = {k: diff(a[k], b[k]) for k in a if k in b}
        return {k: v for k, v in out.items() if v is not None}
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        return [diff(x, y) for x, y in zip(a, b, strict=True)]
    numeric = (int, float)
    if (
        isinstance(a, numeric)
        and isinstance(b, numeric)
        and not isinstance(a, bool)
        and not isinstance(b, bool)
    ):
        return b - a
    return None


def _num(value: Any, digits: int = 3) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    return f"{value:,}"


def _hours(value: Any) -> str:
    if value is None:
        return "-"
    return f"{value:,.1f} h ({value / 24:,.1f} d)"


def _rows(d: Mapping[str, Any]) -> list[tuple[str, Any]]:
    """The headline KPIs of a result as (label, value) rows, for the compare table."""
    rows: list[tuple[str, Any]] = [("stuck cases", d["stuck"])]
    for k, v in d["outcomes"].items():
        rows.append((f"outcome {k} share", v["share"]))
    for k, v in d["time_to_outcome_hours"].items():
        rows.append((f"time to outcome {k} (h)", v))
    rows.append(("interviews mean", d["interviews"]["mean"]))
    rows.append(("interviews share over limit", d["interviews"]["share_over_limit"]))
    rows.append(("hand-offs mean", d["handoffs"]["mean"]))
    for k, v in d["deadlines"].items():
        rows.append((f"deadline {k} share missed", v["share_missed"]))
    for k, v in d["roles"].items():
        if v["capacity"]:
            rows.append((f"role {k} utilization", v["utilization"]))
            rows.append((f"role {k} wait mean (h)", v["wait_hours_mean"]))
            rows.append((f"role {k} wait p90 (h)", v["wait_hours_p90"]))
    return rows


def _print_saturation(console: Console, d: SimulationJSON) -> None:
    from rich.markup import escape

    from pathways.simulate.saturation import message

    for entry in d.get("saturation", []):
        style = "bold red" if entry["level"] == "unstable" else "bold yellow"
        word = "SATURATED" if entry["level"] == "unstable" else "NEAR SATURATION"
        console.print(f"[{style}]{word}[/{style}] {escape(message(entry))}")


def print_result(console: Console, d: SimulationJSON) -> None:
    """The result as rich tables."""
    from rich.table import Table

    run = d["run"]
    head = (
        f"[bold]{d['pathway']}[/bold]: {d['cases']:,} cases, seed {d['seed']}, "
        f"{'queues (capacities), ' if run['mode'] == 'queues' else 'no queues, '}"
        f"{_num(run['arrivals_per_day'], 2)} arrivals/day"
    )
    console.print(head)
    _print_saturation(console, d)
    table = Table(title="Outcomes", title_justify="left")
    for col in ("outcome", "cases", "share"):
        table.add_column(col, justify="left" if col == "outcome" else "right")
    for k, v in d["outcomes"].items():
        table.add_row(k, _num(v["count"]), f"{v['share']:.1%}")
    if d["stuck"]:
        stuck = ", ".join(f"{k} {v:,}" for k, v in d["stuck_steps"].items())
        table.add_row(f"stuck ({stuck})", _num(d["stuck"]), f"{d['stuck'] / d['cases']:.1%}")
    console.print(table)
    tto = d["time_to_outcome_hours"]
    table = Table(title="Time to outcome", title_justify="left")
    for col in ("mean", "p50", "p90", "p99"):
        table.add_column(col, justify="right")
    table.add_row(*(_hours(tto[k]) for k in ("mean", "p50", "p90", "p99")))
    console.print(table)
    iv, ho = d["interviews"], d["handoffs"]
    console.print(
        f"Interviews per case: mean {iv['mean']:.2f}, max {iv['max']}, "
        f"over the limit {iv['share_over_limit']:.1%}; "
        f"hand-offs between agencies: mean {ho['mean']:.2f}, max {ho['max']}"
    )
    if d["deadlines"]:
        table = Table(title="Deadlines", title_justify="left")
        for col in ("deadline", "applicable", "missed", "share missed"):
            table.add_column(col, justify="left" if col == "deadline" else "right")
        for did, dl in d["deadlines"].items():
            table.add_row(
                did, _num(dl["applicable"]), _num(dl["missed"]), f"{dl['share_missed']:.1%}"
            )
        console.print(table)
    table = Table(title="Roles", title_justify="left")
    for col in ("role", "capacity", "utilization", "wait mean (h)", "wait p90 (h)", "busy h/case"):
        table.add_column(col, justify="left" if col == "role" else "right")
    for rid, role in d["roles"].items():
        table.add_row(
            rid,
            str(role.get("capacity") or "unlimited"),
            f"{role['utilization']:.1%}" if role.get("capacity") else "-",
            _num(role["wait_hours_mean"], 1),
            _num(role["wait_hours_p90"], 1),
            _num(role.get("busy_hours_per_case"), 1),
        )
    console.print(table)
    table = Table(title="Step visits", title_justify="left")
    for col in ("step", "visits", "per case"):
        table.add_column(col, justify="left" if col == "step" else "right")
    for sid, visits in d["steps"].items():
        table.add_row(sid, _num(visits["visits"]), f"{visits.get('visits_per_case', 0.0):.3f}")
    console.print(table)


def print_compare(
    console: Console, a: SimulationJSON, b: SimulationJSON, names: tuple[str, str]
) -> None:
    """Both results side by side, with ``B - A``."""
    from rich.table import Table

    table = Table(
        title=f"A: {names[0]}   B: {names[1]}   (same seed {a['seed']})", title_justify="left"
    )
    for col in ("KPI", "A", "B", "B - A"):
        table.add_column(col, justify="left" if col == "KPI" else "right")
    rows_b = dict(_rows(b))
    for label, va in _rows(a):
        if label not in rows_b:
            continue
        vb = rows_b[label]
        delta = diff(va, vb)
        table.add_row(label, _num(va), _num(vb), "-" if delta is None else f"{delta:+,.3f}")
    console.print(table)


def _warn_before_run(
    pathway: Pathway, seed: int, arrivals_per_day: float | None, overrides: list[str] | None
) -> None:
    """Print, before a run starts, every role at or near saturation (stderr)."""
    from pathways.simulate import saturation_before_run
    from pathways.simulate.saturation import message

    found = saturation_before_run(
        pathway, seed=seed, arrivals_per_day=arrivals_per_day, overrides=overrides or None
    )
    for entry in found:
        word = "saturated" if entry["level"] == "unstable" else "near saturation"
        typer.echo(f"warning: {word}: {message(entry)}", err=True)


@app.command("simulate")
def simulate(
    path: Annotated[Path, typer.Argument(help="The pathway file.", show_default=False)],
    cases: Annotated[int, typer.Option("--cases", help="Number of cases.", min=1)] = 10000,
    seed: Annotated[int, typer.Option("--seed", help="Random seed.", min=0)] = 0,
    workers: Annotated[int, typer.Option("--workers", help="Processes to use.", min=1)] = 1,
    scheduler: Annotated[
        str | None, typer.Option("--scheduler", help="Dask scheduler address (tcp://host:port).")
    ] = None,
    arrivals_per_day: Annotated[
        float | None,
        typer.Option("--arrivals-per-day", help="Poisson arrivals per day (overrides the file)."),
    ] = None,
    progress: Annotated[
        bool | None,
        typer.Option(
            "--progress/--no-progress", help="Progress bar on stderr (default: when a terminal)."
        ),
    ] = None,
    format: Annotated[str, typer.Option("--format", help="text or json.")] = "text",
    overrides: Annotated[
        list[str] | None,
        typer.Option(
            "--set", help="What-if change PATH=VALUE, e.g. roles.social_worker.capacity=5."
        ),
    ] = None,
    compare: Annotated[
        Path | None,
        typer.Option(
            "--compare",
            help="Also run this pathway (as written: --set applies to PATH only) with the same "
            "seed; show both and B - A.",
        ),
    ] = None,
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help="Also write the JSON to this file.")
    ] = None,
) -> int:
    """Run cases through a pathway and report outcomes, times, deadlines, queues and visits."""
    from rich.console import Console

    from pathways.errors import SimulationError
    from pathways.simulate import simulate as run

    if format not in ("text", "json"):
        raise typer.BadParameter(f"{format!r}; choose text or json", param_hint="--format")
    for p in (path, compare):
        if p is not None and not p.is_file():
            raise typer.BadParameter(f"no such file: {str(p)!r}", param_hint="PATH")
    pathway = _load(path)
    if pathway is None:
        return 1
    other = None
    if compare is not None:
        other = _load(compare)
        if other is None:
            return 1
    try:
        _warn_before_run(pathway, seed, arrivals_per_day, overrides)
    except SimulationError as exc:
        typer.echo(f"pathways simulate: error: {exc}", err=True)
        return 1
    show = progress if progress is not None else sys.stderr.isatty()
    options: dict[str, Any] = {
        "cases": cases,
        "seed": seed,
        "workers": workers,
        "scheduler": scheduler,
        "arrivals_per_day": arrivals_per_day,
        "progress": show,
    }
    try:
        result = run(pathway, overrides=overrides or None, **options).to_dict()
        result_b = run(other, **options).to_dict() if other is not None else None
    except SimulationError as exc:
        typer.echo(f"pathways simulate: error: {exc}", err=True)
        return 1
    data: dict[str, Any] = (
        dict(result)
        if result_b is None
        else {"a": result, "b": result_b, "diff": diff(result, result_b)}
    )
    if output is not None:
        output.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    if format == "json":
        typer.echo(json.dumps(data, indent=2))
        return 0
    console = Console(file=sys.stdout, width=max(100, Console().width))
    if result_b is None:
        print_result(console, result)
    else:
        assert compare is not None
        print_compare(console, result, result_b, (str(path), str(compare)))
    return 0
