"""``pathways routes PATH``: route statistics computed without enumerating routes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from pathways.cli import app

FORMATS = ("text", "json")


@app.command("routes")
def routes(
    path: Annotated[Path, typer.Argument(help="A pathway file.", show_default=False)],
    format: Annotated[str, typer.Option("--format", help="text or json.")] = "text",
) -> int:
    """Count routes and show the shortest, longest, most-interviewed and most-handed-off."""
    from pathways.errors import LoadError
    from pathways.load import load
    from pathways.routes import format_stats, route_stats

    if format not in FORMATS:
        typer.echo(
            f"error: invalid value for --format: {format!r}; choose one of {', '.join(FORMATS)}",
            err=True,
        )
        return 2
    if not path.is_file():
        typer.echo(f"error: invalid value for PATH: no such file: {str(path)!r}", err=True)
        return 2
    try:
        pathway = load(path)
    except LoadError as exc:
        for finding in exc.findings:
            loc = finding.location
            typer.echo(
                f"{loc.file}:{loc.line}:{loc.column}: {finding.code} "
                f"[{finding.severity.value}] {finding.message}",
                err=True,
            )
        return 1
    stats = route_stats(pathway)
    if format == "json":
        typer.echo(json.dumps(stats.to_dict(), ensure_ascii=False, indent=2))
    else:
        typer.echo(format_stats(stats), nl=False)
    return 0
