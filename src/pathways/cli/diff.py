"""``pathways diff OLD NEW``: what changed between two versions of a pathway, in plain words."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from pathways.cli._app import app

FORMATS = ("text", "json")


def parse_renames(values: list[str] | None) -> dict[str, str]:
    """``["a=b", "c=d"]`` -> ``{"a": "b", "c": "d"}``; BadParameter on anything else."""
    out: dict[str, str] = {}
    for value in values or []:
        old, sep, new = value.partition("=")
        if not sep or not old.strip() or not new.strip():
            raise typer.BadParameter(f"{value!r}; write OLD_ID=NEW_ID", param_hint="--rename")
        out[old.strip()] = new.strip()
    return out


@app.command("diff")
def diff(
    old: Annotated[
        str,
        typer.Argument(
            help="The old version: a file, or git:REV:PATH (e.g. git:HEAD~1:p1.yaml).",
            show_default=False,
        ),
    ],
    new: Annotated[
        str, typer.Argument(help="The new version: a file or git:REV:PATH.", show_default=False)
    ],
    rename: Annotated[
        list[str] | None,
        typer.Option(
            "--rename",
            help="Confirm that step OLD_ID is now NEW_ID (OLD_ID=NEW_ID; repeat for more).",
        ),
    ] = None,
    format: Annotated[str, typer.Option("--format", help="text or json.")] = "text",
    lang: Annotated[
        str | None, typer.Option("--lang", help="Locale of the labels in messages, e.g. km.")
    ] = None,
    today: Annotated[
        str | None,
        typer.Option(help="The date both versions are validated on, for PW502 (YYYY-MM-DD)."),
    ] = None,
) -> int:
    """Compare two versions of a pathway: steps, moves, guards, deadlines, findings, routes.

    Exit 0 when the meaning is the same, 1 when something that matters to cases changed.
    """
    from pathways.cli.validate import parse_today
    from pathways.errors import LoadError
    from pathways.versions import diff as semantic_diff
    from pathways.versions import format_diff, load_version

    try:
        if format not in FORMATS:
            raise typer.BadParameter(
                f"{format!r}; choose one of {', '.join(FORMATS)}", param_hint="--format"
            )
        renames = parse_renames(rename)
        day = parse_today(today)
    except typer.BadParameter as exc:
        typer.echo(f"error: invalid value for {exc.param_hint}: {exc.message}", err=True)
        return 2
    try:
        before, after = load_version(old), load_version(new)
    except LoadError as exc:
        for finding in exc.findings:
            loc = finding.location
            typer.echo(
                f"{loc.file}:{loc.line}:{loc.column}: {finding.code} "
                f"[{finding.severity.value}] {finding.message}",
                err=True,
            )
        return 2
    except (ValueError, OSError) as exc:
        typer.echo(f"error: {exc}", err=True)
        return 2
    try:
        result = semantic_diff(before, after, renames=renames, lang=lang, today=day)
    except ValueError as exc:
        typer.echo(f"error: {exc}", err=True)
        return 2
    if format == "json":
        typer.echo(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
    else:
        typer.echo(format_diff(result), nl=False)
    return 1 if result.semantic_changes else 0
