"""``pathways report``: write a self-contained HTML report for working groups."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from pathways.cli._app import app
from pathways.cli._common import (
    IgnoreCodes,
    PathwayFiles,
    SelectCodes,
    TodayDate,
    Usage,
    parse_codes,
    parse_today,
    warn_lang_files,
)
from pathways.cli._io import VISIBILITY_OPTION, expand_paths, output_problem
from pathways.i18n import N_
from pathways.model import Visibility

HELP_REPORT = N_(
    """Write one self-contained HTML page per pathway and an index.html; print its path.

Examples:

  pathways report pathways/ -o out/

  pathways report pathway.yaml -o out/ --visibility public --lang km"""
)


@app.command("report", help=HELP_REPORT)
def report(
    paths: PathwayFiles,
    out: Annotated[
        Path,
        typer.Option("-o", "--output", help=N_("Folder to write index.html and the pages into.")),
    ] = Path("out"),
    lang: Annotated[
        str | None, typer.Option(help=N_("Locale of the labels, e.g. km (default: the first)."))
    ] = None,
    visibility: Annotated[
        Visibility,
        typer.Option(
            **VISIBILITY_OPTION,
            help=N_(
                "public, partners or restricted: agencies, roles and contacts above it are "
                "left out of every table, chart, finding and diagram."
            ),
        ),
    ] = Visibility.PARTNERS,
    cases: Annotated[int, typer.Option(help=N_("Cases to simulate per pathway."))] = 10_000,
    seed: Annotated[int, typer.Option(help=N_("Random seed of the simulation."), min=0)] = 0,
    workers: Annotated[int, typer.Option(help=N_("Processes for the simulation."))] = 1,
    arrivals_per_day: Annotated[
        float | None,
        typer.Option("--arrivals-per-day", help=N_("Poisson arrivals per day.")),
    ] = None,
    scheduler: Annotated[
        str | None,
        typer.Option("--scheduler", help=N_("Dask scheduler address (tcp://host:port).")),
    ] = None,
    progress: Annotated[
        bool | None,
        typer.Option(
            "--progress/--no-progress",
            help=N_(
                "Progress bar on stderr for each pathway's simulation (default: when stderr is "
                "a terminal)."
            ),
        ),
    ] = None,
    today: TodayDate = None,
    no_simulation: Annotated[
        bool, typer.Option("--no-simulation", help=N_("Leave the simulation out (faster)."))
    ] = False,
    select: SelectCodes = None,
    ignore: IgnoreCodes = None,
    docs_base: Annotated[
        str,
        typer.Option(
            "--docs-base",
            help=N_(
                "Link rule codes into a docs site (a URL, or ../site/ as `make docs` builds "
                "it) instead of the rule pages written beside the report (default)."
            ),
        ),
    ] = "",
    since: Annotated[
        str | None,
        typer.Option(
            "--since",
            help=N_(
                "Add 'Changes since version X' to each page: a git revision (each file as it "
                "was there, e.g. HEAD~1 or v0.1) or, for one pathway, an earlier file."
            ),
        ),
    ] = None,
) -> int:
    from pathways.cli.simulate import progress_shown
    from pathways.report import write_report

    problem = output_problem(out, folder=True)
    if problem:
        raise Usage(problem, param_hint="--output")
    for name, value in (("--cases", cases), ("--workers", workers)):
        if value < 1:
            raise Usage(f"{value} is below 1", param_hint=name)
    if arrivals_per_day is not None and arrivals_per_day <= 0:
        raise Usage("arrivals must be above 0", param_hint="--arrivals-per-day")
    files = expand_paths(paths)
    items = warn_lang_files(lang, files)
    if not files:
        raise Usage("no *.yaml, *.yml or *.json files found", param_hint="PATH")
    day = parse_today(today)
    try:
        index = write_report(
            items,
            out,
            lang=lang,
            visibility=visibility,
            cases=cases,
            seed=seed,
            workers=workers,
            arrivals_per_day=arrivals_per_day,
            scheduler=scheduler,
            progress=progress_shown(progress, quiet=False, format="text"),
            today=day,
            simulation=not no_simulation,
            select=parse_codes(select),
            ignore=parse_codes(ignore),
            docs_base=docs_base,
            since=since,
        )
    except OSError as exc:
        typer.echo(
            f"error: cannot write the report to {str(out)!r}: {exc.strerror or exc}", err=True
        )
        return 1
    typer.echo(str(index))
    return 0
