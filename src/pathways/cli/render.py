"""``pathways render``: draw a pathway to SVG, PNG, PDF, DOT or Mermaid."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from pathways.cli._app import app
from pathways.cli._common import (
    IgnoreCodes,
    PathwayFile,
    SelectCodes,
    Usage,
    echo_findings,
    load_or_report,
    parse_codes,
    parse_today,
    warn_lang,
    write_or_report,
)
from pathways.cli._io import VISIBILITY_OPTION, check_paths, read_json
from pathways.i18n import N_
from pathways.model import Visibility


def _read_simulation(path: Path) -> dict[str, Any]:
    from pathways.errors import SimulationError
    from pathways.simulate.contract import read_simulation_json

    data, problem = read_json(path, "--simulation")
    if problem:
        raise Usage(problem)
    try:
        return dict(read_simulation_json(data, source=str(path)))
    except SimulationError as exc:
        raise Usage(f"--simulation: {exc}") from None


HELP_RENDER = N_(
    """Draw a pathway: one band per agency; the format comes from OUTPUT's suffix.

Examples:

  pathways render pathway.yaml -o pathway.svg

  pathways render pathway.yaml -o print.pdf --page A4 --direction TB

  pathways render pathway.yaml -o checked.svg --findings

  pathways render pathway.yaml -o changes.svg --since v1.0"""
)


@app.command("render", help=HELP_RENDER)
def render(
    path: PathwayFile,
    output: Annotated[
        Path,
        typer.Option(
            "-o",
            "--output",
            help=N_("Where to write; the suffix picks the format: .svg .png .pdf .dot .mmd."),
            show_default=False,
        ),
    ],
    lang: Annotated[
        str | None, typer.Option(help=N_("Label locale, e.g. km (falls back to the first locale)."))
    ] = None,
    visibility: Annotated[
        Visibility,
        typer.Option(
            **VISIBILITY_OPTION,
            help=N_("public, partners or restricted: agencies and contacts above it are left out."),
        ),
    ] = Visibility.PARTNERS,
    force: Annotated[
        bool, typer.Option("--force", help=N_("Draw even when the file has errors."))
    ] = False,
    findings: Annotated[
        bool,
        typer.Option(
            "--findings", help=N_("Run the checks and outline the steps and edges they flag.")
        ),
    ] = False,
    simulation: Annotated[
        Path | None,
        typer.Option(
            help=N_(
                "A `pathways simulate --format json` result: colour steps by wait, edges by flow."
            ),
            show_default=False,
        ),
    ] = None,
    today: Annotated[
        str | None,
        typer.Option(help=N_("The date the checks measure contact age from (YYYY-MM-DD).")),
    ] = None,
    select: SelectCodes = None,
    ignore: IgnoreCodes = None,
    direction: Annotated[
        str | None,
        typer.Option(
            help=N_(
                "LR: one band per agency, the case flowing left to right; "
                "TB: one column per agency, flowing top to bottom. "
                "Default: TB on portrait PDF sheets, otherwise LR."
            ),
            show_default=False,
        ),
    ] = None,
    page: Annotated[
        str,
        typer.Option(
            help=N_(
                "PDF sheets: A3 or A4 (split over as many as the text needs to print at "
                "7 pt or more), or none for one page the size of the drawing."
            )
        ),
    ] = "A3",
    orientation: Annotated[
        str, typer.Option(help=N_("PDF sheets: landscape or portrait."))
    ] = "landscape",
    since: Annotated[
        str | None,
        typer.Option(
            help=N_(
                "An earlier version (a file, or a git revision of this file): draw what "
                "changed since (added steps and moves purple, removed ones dashed)."
            ),
            show_default=False,
        ),
    ] = None,
) -> int:
    if direction is not None and direction.upper() not in ("LR", "TB"):
        raise Usage(f"--direction {direction!r}: choose LR or TB")
    if page.upper() not in ("A3", "A4", "NONE"):
        raise Usage(f"--page {page!r}: choose A3, A4 or none")
    if orientation not in ("landscape", "portrait"):
        raise Usage(f"--orientation {orientation!r}: choose landscape or portrait")
    layout = (
        None if direction is None else direction.upper(),
        None if page.upper() == "NONE" else page.upper(),
        orientation,
    )
    return _render(
        path,
        output,
        lang,
        visibility,
        force,
        findings,
        simulation,
        today,
        layout,
        since,
        checks={"select": parse_codes(select), "ignore": parse_codes(ignore)},
    )


def _render(
    path: Path,
    output: Path,
    lang: str | None,
    visibility: Visibility,
    force: bool,
    findings: bool,
    simulation: Path | None,
    today: str | None,
    layout: tuple[str | None, str | None, str] = (None, "A3", "landscape"),
    since: str | None = None,
    checks: dict[str, list[str] | None] | None = None,
) -> int:
    from pathways.render import FORMATS
    from pathways.render import render as draw
    from pathways.rules import check
    from pathways.visibility import view

    check_paths(path, output, FORMATS, hints=False)
    day = parse_today(today)
    sim = _read_simulation(simulation) if simulation is not None else None
    pathway = load_or_report(path, visibility, lang)
    if pathway is None:
        from pathways.i18n import tr

        typer.echo(
            tr("{path}: not drawn: the file does not load", lang).format(path=path), err=True
        )
        return 1
    earlier = None
    if since is not None:
        from pathways.versions import earlier_version

        try:
            earlier = earlier_version(since, pathway)
        except ValueError as exc:
            raise Usage(str(exc), param_hint="--since") from None
    from pathways.i18n import counted, tr

    warn_lang(lang, pathway.locales)
    # Findings of the reader's view: their messages name only what the reader may see.
    found = list(check(view(pathway, visibility), today=day, **(checks or {})))
    errors = [f for f in found if f.severity.value == "error"]
    if errors and not force and not findings:  # the overlay is for files with errors
        echo_findings(errors, lang)
        refusal = tr(
            "{path}: not drawn: {errors}; fix them, or pass --findings to draw them on the "
            "diagram (--force to draw without them)",
            lang,
        )
        if len(errors) == 1:
            refusal = tr(
                "{path}: not drawn: {errors}; fix it, or pass --findings to draw it on the "
                "diagram (--force to draw without it)",
                lang,
            )
        typer.echo(refusal.format(path=path, errors=counted(len(errors), "error", lang)), err=True)
        return 1
    return write_or_report(
        output,
        lambda: draw(
            pathway,
            output,
            lang=lang,
            visibility=visibility,
            findings=found if findings else None,
            simulation=sim,
            direction=layout[0],
            page=layout[1],
            orientation=layout[2],
            since=earlier,
        ),
    )
