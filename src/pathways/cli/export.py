"""``pathways export``: write a pathway as BPMN 2.0 XML, laid out for BPMN modellers."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from pathways.cli._app import app
from pathways.cli._common import (
    PathwayFile,
    check_choice,
    load_or_report,
    warn_lang,
    write_or_report,
)
from pathways.cli._io import VISIBILITY_OPTION, check_paths
from pathways.i18n import N_, tr
from pathways.model import Visibility

SUFFIXES = (".bpmn", ".bpmn2", ".xml")


HELP_EXPORT = N_(
    """Write a pathway as BPMN 2.0 (one pool, a lane per agency with a lane per role,
laid out by Graphviz) for bpmn.io, Camunda Modeler, Signavio or Bizagi.

Examples:

  pathways export pathway.yaml -o pathway.bpmn

  pathways export pathway.yaml -o km.bpmn --lang km --visibility public"""
)


@app.command("export", help=HELP_EXPORT)
def export(
    path: PathwayFile,
    output: Annotated[
        Path,
        typer.Option(
            "-o",
            "--output",
            help=N_("Where to write the BPMN 2.0 XML (.bpmn, .bpmn2 or .xml)."),
            show_default=False,
        ),
    ],
    lang: Annotated[
        str | None,
        typer.Option(
            help=N_(
                "Locale of the names, e.g. km (falls back to the first locale); every "
                "locale is kept in pw:label extension elements."
            )
        ),
    ] = None,
    visibility: Annotated[
        Visibility,
        typer.Option(
            **VISIBILITY_OPTION,
            help=N_(
                "public, partners or restricted: agencies above it are written as "
                "anonymous stand-ins."
            ),
        ),
    ] = Visibility.PARTNERS,
    layout: Annotated[
        str,
        typer.Option(
            help=N_(
                "dot: Graphviz's layout (as pathways render draws it); layered: a "
                "linear-time layout in columns, for large pathways; auto: dot up to 400 BPMN "
                "nodes, layered above."
            )
        ),
    ] = "auto",
) -> int:
    from pathways.bpmn.export import LAYOUTS, write_bpmn

    check_choice(layout, LAYOUTS, "--layout")
    check_paths(path, output, SUFFIXES, hints=False)
    pathway = load_or_report(path, visibility, lang)
    if pathway is None:
        words = tr("{path}: not exported: the file does not load", lang)
        typer.echo(words.format(path=path), err=True)
        return 1
    warn_lang(lang, pathway.locales)
    return write_or_report(
        output,
        lambda: write_bpmn(pathway, output, lang=lang, visibility=visibility, layout=layout),
    )
