"""``pathways routes PATH``: route statistics computed without enumerating routes."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from pathways.cli._app import app
from pathways.cli._common import PathwayFile, TextOrJson, check_choice, load_or_report, warn_lang
from pathways.cli._io import VISIBILITY_OPTION, check_paths
from pathways.i18n import N_
from pathways.model import Visibility

FORMATS = ("text", "json")


HELP_ROUTES = N_(
    """Count routes and show the shortest, longest, most-interviewed and most-handed-off.

Examples:

  pathways routes pathway.yaml

  pathways routes pathway.yaml --format json

  pathways routes pathway.yaml --lang km"""
)


@app.command("routes", help=HELP_ROUTES)
def routes(
    path: PathwayFile,
    format: TextOrJson = "text",
    lang: Annotated[
        str | None,
        typer.Option(
            "--lang",
            help=N_(
                "Language of the text output: the tool's words and the step labels, e.g. km "
                "(JSON stays English)."
            ),
        ),
    ] = None,
    visibility: Annotated[
        Visibility | None,
        typer.Option(
            **VISIBILITY_OPTION,
            help=N_(
                "Write for readers at this level: hidden agencies and roles are named by "
                "stand-ins (default: no redaction)."
            ),
        ),
    ] = None,
) -> int:
    from pathways.routes import format_stats, route_stats
    from pathways.visibility import view

    check_choice(format, FORMATS)
    check_paths(path)
    # --lang is checked against the file's own locales once it is loaded (a file may label in
    # a language the tool's words are not in, e.g. fr): render and trace do the same.
    pathway = load_or_report(path, visibility, lang)
    if pathway is None:
        return 1
    warn_lang(lang, pathway.locales)
    seen = view(pathway, visibility)
    stats = route_stats(seen)
    if format == "json":
        typer.echo(json.dumps(stats.to_dict(), ensure_ascii=False, indent=2, allow_nan=False))
    else:
        from pathways.cli._terminal import shown

        typer.echo(shown(format_stats(stats, seen, lang)), nl=False)
    return 0
