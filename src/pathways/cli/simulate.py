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
        if k != "ci95":
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


def _pct(entry: Mapping[str, Any], key: str) -> str:
    from pathways.simulate.intervals import text

    ci = (entry.get("ci95") or {}).get(key)
    return text(entry.get(key), ci, scale=100.0, unit="%")


def _val(entry: Mapping[str, Any], key: str, digits: int = 1) -> str:
    from pathways.simulate.intervals import text

    return text(entry.get(key), (entry.get("ci95") or {}).get(key), digits=digits)


def _days(hours: object) -> str:
    if not isinstance(hours, int | float) or hours < 48:
        return ""
    return f"{hours / 24:,.1f} days"


FOOTNOTE = (
    "Times are in hours from the report (days beside the long ones). Brackets: 95% confidence "
    "interval (batch means over 20 batches of cases; docs/simulation.md). p50, p90, p99: half, "
    "9 in 10 and 99 in 100 of the cases took at most this long. Utilisation: the share of its "
    "people's time a role spent serving cases, over the time cases were arriving. A deadline is "
    "met when service at its target step begins, after any queueing."
)


def print_result(
    console: Console, d: SimulationJSON, labels: Mapping[str, Mapping[str, str]] | None = None
) -> None:
    """The result as rich tables, with labels instead of ids (``labels``: ``steps``, ``roles``,
    ``title``) and 95% intervals in brackets."""
    from rich.markup import escape
    from rich.table import Table

    names = labels or {}
    step_name = names.get("steps", {})
    role_name = names.get("roles", {})

    def step(sid: str) -> str:
        return escape(step_name.get(sid, sid))

    run = d.get("run") or {"mode": "independent", "arrivals_per_day": None}
    title = names.get("title", {}).get("text", d["pathway"])
    rate = run.get("arrivals_per_day")
    head = (
        f"[bold]{escape(title)}[/bold]: {d['cases']:,} cases, seed {d['seed']}, "
        f"{'with queues' if run['mode'] == 'queues' else 'no queues'}"
        + (f", {_num(rate, 2)} arrivals a day" if rate else "")
    )
    console.print(head)
    _print_saturation(console, d)
    table = Table(title="Outcomes", title_justify="left")
    for col in ("outcome", "cases", "share"):
        table.add_column(col, justify="left" if col == "outcome" else "right")
    for k, v in d["outcomes"].items():
        table.add_row(step(k), _num(v["count"]), _pct(v, "share"))
    if d["stuck"]:
        stuck = ", ".join(f"{step(k)} {v:,}" for k, v in d.get("stuck_steps", {}).items())
        table.add_row(f"stuck ({stuck})", _num(d["stuck"]), f"{d['stuck'] / d['cases']:.1%}")
    console.print(table)
    tto = d["time_to_outcome_hours"]
    table = Table(title="Time to outcome (hours)", title_justify="left")
    for col in ("mean", "p50", "p90", "p99"):
        table.add_column(col, justify="right")
    keys = ("mean", "p50", "p90", "p99")
    table.add_row(*(_val(tto, k) for k in keys))
    if any(_days(tto.get(k)) for k in keys):
        table.add_row(*(_days(tto.get(k)) for k in keys))
    console.print(table)
    iv = d["interviews"]
    ho = d.get("handoffs") or {"mean": 0.0, "max": 0}
    console.print(
        f"Interviews per case: mean {_val(iv, 'mean', 2)}, most {iv['max']}, "
        f"over the limit {_pct(iv, 'share_over_limit')}; "
        f"hand-offs between agencies per case: mean {_val(ho, 'mean', 2)}, most {ho['max']}"
    )
    if d["deadlines"]:
        table = Table(title="Deadlines", title_justify="left")
        for col in ("deadline", "cases it applies to", "missed", "share missed"):
            table.add_column(col, justify="left" if col == "deadline" else "right")
        for did, dl in d["deadlines"].items():
            table.add_row(
                escape(did), _num(dl["applicable"]), _num(dl["missed"]), _pct(dl, "share_missed")
            )
        console.print(table)
    table = Table(title="Roles (waits in hours)", title_justify="left")
    for col in ("role", "people", "utilisation", "wait mean", "wait p90", "busy hours per case"):
        table.add_column(col, justify="left" if col == "role" else "right")
    for rid, role in d["roles"].items():
        capacity = role.get("capacity")
        table.add_row(
            escape(role_name.get(rid, rid)),
            str(capacity or "unlimited"),
            f"{role['utilization']:.1%}" if capacity else "-",
            _val(role, "wait_hours_mean") if capacity else "-",
            _val(role, "wait_hours_p90") if capacity else "-",
            _num(role.get("busy_hours_per_case"), 1),
        )
    console.print(table)
    table = Table(title="Step visits", title_justify="left")
    for col in ("step", "visits", "per case"):
        table.add_column(col, justify="left" if col == "step" else "right")
    for sid, visits in d["steps"].items():
        table.add_row(
            step(sid), _num(visits["visits"]), f"{visits.get('visits_per_case', 0.0):.2f}"
        )
    console.print(table)
    console.print(f"[dim]{escape(FOOTNOTE)}[/dim]")


def labels_of(pathway: Pathway) -> dict[str, dict[str, str]]:
    """Step and role labels (first locale) and the title, for the text output."""
    from pathways.model import label_text

    loc = tuple(pathway.locales)
    return {
        "steps": {s.id: label_text(s.label, None, loc) or s.id for s in pathway.steps},
        "roles": {r.id: label_text(r.title, None, loc) or r.id for r in pathway.roles},
        "title": {"text": label_text(pathway.title, None, loc) or pathway.id},
    }


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
        print_result(console, result, labels_of(pathway))
    else:
        assert compare is not None
        print_compare(console, result, result_b, (str(path), str(compare)))
    return 0
