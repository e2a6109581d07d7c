"""``pathways validate``: check files or folders and report every finding."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer

from pathways.cli._app import app
from pathways.cli._io import VISIBILITY_OPTION, input_problem
from pathways.model import Visibility

SUFFIXES = (".yaml", ".yml", ".json")


def expand_paths(paths: list[Path]) -> list[Path]:
    """Files as given, and every ``*.yaml``/``*.yml``/``*.json`` below each folder, sorted."""
    out: list[Path] = []
    for path in paths:
        problem = input_problem(path, folders=True)
        if problem is not None:
            raise typer.BadParameter(problem, param_hint="PATH")
        if path.is_dir():
            out.extend(sorted(p for p in path.rglob("*") if p.suffix in SUFFIXES and p.is_file()))
        else:
            out.append(path)
    return out


def parse_codes(value: str | None) -> list[str] | None:
    """``"PW1,PW301"`` -> ``["PW1", "PW301"]`` (None when not given)."""
    if value is None:
        return None
    return [v.strip().upper() for v in value.split(",") if v.strip()]


def parse_today(value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(
            f"{value!r} is not a date; write YYYY-MM-DD", param_hint="--today"
        ) from None


@app.command("validate")
def validate(
    paths: Annotated[
        list[Path], typer.Argument(help="Pathway files or folders.", show_default=False)
    ],
    format: Annotated[str, typer.Option("--format", help="text, json, sarif or github.")] = "text",
    select: Annotated[
        str | None, typer.Option(help="Codes or prefixes to run, e.g. PW1,PW301.")
    ] = None,
    ignore: Annotated[str | None, typer.Option(help="Codes or prefixes not to run.")] = None,
    today: Annotated[
        str | None, typer.Option(help="The date PW502 measures contact age from (YYYY-MM-DD).")
    ] = None,
    max_per_rule: Annotated[
        int,
        typer.Option(
            "--max-per-rule",
            help="Findings printed per rule and file in text and github output, the rest "
            "counted in one line (0: all).",
            min=0,
        ),
    ] = 50,
    visibility: Annotated[
        Visibility | None,
        typer.Option(
            **VISIBILITY_OPTION,
            help="Write findings for readers at this level: hidden agencies and roles are named "
            "by stand-ins (default: no redaction).",
        ),
    ] = None,
) -> int:
    """Check pathway files; exit 1 when any error is found."""
    from pathways.validate import FORMATS, render_findings, validate_files

    try:
        if format not in FORMATS:
            raise typer.BadParameter(
                f"{format!r}; choose one of {', '.join(FORMATS)}", param_hint="--format"
            )
        files = expand_paths(paths)
        day = parse_today(today)
    except typer.BadParameter as exc:
        # A one-line usage error (exit 2), the same whichever click the installed typer uses.
        typer.echo(f"error: invalid value for {exc.param_hint}: {exc.message}", err=True)
        return 2
    findings = validate_files(
        files,
        select=parse_codes(select),
        ignore=parse_codes(ignore),
        today=day,
        visibility=visibility,
    )
    out, summary = render_findings(findings, format, files=len(files), max_per_rule=max_per_rule)
    typer.echo(out, nl=False)
    if format == "text":
        typer.echo(summary, err=True)
    return 1 if any(f.severity.value == "error" for f in findings) else 0
