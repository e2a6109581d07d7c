"""``pathways validate``: check files or folders and report every finding."""

from __future__ import annotations

from typing import Annotated

import typer

from pathways.cli._app import app
from pathways.cli._common import (
    IgnoreCodes,
    PathwayFiles,
    SelectCodes,
    TodayDate,
    check_choice,
    parse_codes,
    parse_today,
    warn_lang_files,
)
from pathways.cli._io import VISIBILITY_OPTION, expand_paths
from pathways.i18n import N_
from pathways.model import Visibility

HELP_VALIDATE = N_(
    """Check pathway files; exit 1 when any error is found.

Examples:

  pathways validate pathway.yaml

  pathways validate pathways/ --format sarif > findings.sarif"""
)


@app.command("validate", help=HELP_VALIDATE)
def validate(
    paths: PathwayFiles,
    format: Annotated[
        str, typer.Option("--format", help=N_("text, json, sarif or github."))
    ] = "text",
    select: SelectCodes = None,
    ignore: IgnoreCodes = None,
    today: TodayDate = None,
    max_per_rule: Annotated[
        int,
        typer.Option(
            "--max-per-rule",
            help=N_(
                "Findings printed per rule and file in text and github output, the rest "
                "counted in one line (0: all)."
            ),
            min=0,
        ),
    ] = 50,
    visibility: Annotated[
        Visibility | None,
        typer.Option(
            **VISIBILITY_OPTION,
            help=N_(
                "Write findings for readers at this level: hidden agencies and roles are named "
                "by stand-ins (default: no redaction)."
            ),
        ),
    ] = None,
    lang: Annotated[
        str | None,
        typer.Option(
            help=N_(
                "Language of the text output, e.g. km: messages the catalogue translates are "
                "in it, the others in English (JSON, SARIF and GitHub output stay English)."
            )
        ),
    ] = None,
) -> int:
    from pathways.model import Pathway
    from pathways.validate import FORMATS, case_words, render_findings, validate_files

    check_choice(format, FORMATS)
    files = expand_paths(paths)
    day = parse_today(today)
    items = warn_lang_files(lang, files)
    pathways: dict[str, Pathway] = {}
    findings = validate_files(
        items,
        pathways=pathways,
        select=parse_codes(select),
        ignore=parse_codes(ignore),
        today=day,
        visibility=visibility,
    )
    out, summary = render_findings(
        findings,
        format,
        files=len(files),
        max_per_rule=max_per_rule,
        lang=lang,
        words=case_words(pathways, lang),
    )
    if format == "text":
        from pathways.cli._terminal import shown

        out = shown(out)  # a message may quote user text as written
    typer.echo(out, nl=False)
    if format == "text":
        typer.echo(summary, err=True)
    return 1 if any(f.severity.value == "error" for f in findings) else 0
