"""``pathways trace FILE field=value ...``: the routes a case with these facts can take."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from pathways.cli._app import app
from pathways.cli._common import (
    PathwayFile,
    Usage,
    check_choice,
    load_or_report,
    usage_error,
    warn_lang,
    write_or_report,
)
from pathways.cli._io import VISIBILITY_OPTION, input_problem, output_problem
from pathways.cli._terminal import shown
from pathways.i18n import N_
from pathways.model import Visibility

FORMATS = ("text", "json")


HELP_TRACE = N_(
    """Show, step by step, where a child with these facts can go: who acts, in which agency,
which deadline applies, where consent is asked.

Examples:

  pathways trace pathway.yaml risk=high hours_since_incident=10

  pathways trace pathway.yaml risk=low -o trace.svg

  pathways trace pathway.yaml risk=high --format json

  pathways trace pathway.yaml --case case-42.json"""
)


@app.command("trace", help=HELP_TRACE)
def trace(
    path: PathwayFile,
    facts: Annotated[
        list[str] | None,
        typer.Argument(
            help=N_(
                "What is known about the child, as field=value (fields of case_fields); "
                "leave a field out when it is not known yet."
            ),
            show_default=False,
            metavar="FIELD=VALUE...",
        ),
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option(
            "-o",
            "--output",
            help=N_(
                "Also draw the pathway with this case's routes bold and the rest greyed; "
                "the suffix picks the format: .svg .png .pdf .dot .mmd."
            ),
            show_default=False,
        ),
    ] = None,
    entry: Annotated[
        list[str] | None,
        typer.Option(
            "--entry",
            help=N_("Start at this entry step (repeat for several; default: every entry)."),
            show_default=False,
        ),
    ] = None,
    case: Annotated[
        Path | None,
        typer.Option(
            "--case",
            help=N_(
                "A case snapshot (JSON, as Case.to_dict or the store exports it): its facts, "
                "the route it took so far, and where it can go from its current step(s)."
            ),
            show_default=False,
        ),
    ] = None,
    format: Annotated[
        str, typer.Option("--format", help=N_("text (steps in plain words) or json (ids)."))
    ] = "text",
    lang: Annotated[
        str | None,
        typer.Option(help=N_("Label language, e.g. km (falls back to the first locale).")),
    ] = None,
    visibility: Annotated[
        Visibility,
        typer.Option(
            **VISIBILITY_OPTION,
            help=N_("public, partners or restricted: agencies and contacts above it are left out."),
        ),
    ] = Visibility.PARTNERS,
) -> int:
    from pathways.render import FORMATS as DRAWN
    from pathways.render import render as draw
    from pathways.trace import TraceError, format_trace, parse_facts
    from pathways.trace import trace as run_trace
    from pathways.visibility import view

    def usage(message: str) -> int:
        from pathways.i18n import tr

        typer.echo(tr("error: {message}", lang).format(message=message), err=True)
        return 2

    check_choice(format, FORMATS)
    problem = input_problem(path)
    if problem is None and output is not None:
        if output.suffix.lower() not in DRAWN:
            return usage(
                f"-o {str(output)!r}: unknown suffix {output.suffix[:20] or '(none)'!r}; "
                f"use one of {', '.join(DRAWN)}"
            )
        problem = output_problem(output)
    if problem is not None:
        return usage(problem)
    pathway = load_or_report(path, visibility, lang)
    if pathway is None:
        return 1
    try:
        warn_lang(lang, pathway.locales)
    except Usage as exc:
        return usage_error(exc, lang)
    seen = view(pathway, visibility)
    known: dict[str, object] = {}
    so_far: list[str] = []
    starts = list(entry or ())
    if case is not None:
        from pathways.cli._io import read_json
        from pathways.trace import case_route

        snapshot, problem = read_json(case, "--case")
        if problem:
            return usage(problem)
        try:
            known, so_far, current = case_route(seen, snapshot)
        except TraceError as exc:
            return usage(f"--case: {exc}")
        starts = starts or current
    try:
        merged = {**known, **parse_facts(seen, facts or (), lang)}
        result = run_trace(seen, merged, entries=starts or None, lang=lang)
    except TraceError as exc:
        return usage(str(exc))
    if format == "json":
        typer.echo(json.dumps({**result.to_dict(), "so_far": so_far}, ensure_ascii=False, indent=2))
    else:
        if so_far:
            from pathways.i18n import tr

            route = " -> ".join(seen.label(s, lang) for s in so_far if s in seen.steps_by_id)
            typer.echo(shown(tr("So far: {route}", lang).format(route=route)))
        typer.echo(shown(format_trace(result, lang)), nl=False)
    if output is not None:
        return write_or_report(
            output,
            lambda: draw(pathway, output, lang=lang, visibility=visibility, trace=result),
            err=format == "json",
        )
    return 0
