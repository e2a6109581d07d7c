"""``pathways diff OLD NEW``: what changed between two versions of a pathway, in plain words."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from pathways.cli._app import app
from pathways.cli._common import (
    TextOrJson,
    check_choice,
    load_versions_or_report,
    parse_renames,
    parse_today,
    warn_lang,
)
from pathways.i18n import N_

FORMATS = ("text", "json")


HELP_DIFF = N_(
    """Compare two versions of a pathway: steps, moves, guards, deadlines, findings, routes.

Exit 0 when the meaning is the same, 1 when something that matters to cases changed.

Examples:

  pathways diff old.yaml new.yaml

  pathways diff git:v1.0:pathway.yaml pathway.yaml --format json"""
)


@app.command("diff", help=HELP_DIFF)
def diff(
    old: Annotated[
        str,
        typer.Argument(
            help=N_("The old version: a file, or git:REV:PATH (e.g. git:HEAD~1:p1.yaml)."),
            show_default=False,
        ),
    ],
    new: Annotated[
        str, typer.Argument(help=N_("The new version: a file or git:REV:PATH."), show_default=False)
    ],
    rename: Annotated[
        list[str] | None,
        typer.Option(
            "--rename",
            help=N_("Confirm that step OLD_ID is now NEW_ID (OLD_ID=NEW_ID; repeat for more)."),
        ),
    ] = None,
    format: TextOrJson = "text",
    lang: Annotated[
        str | None, typer.Option("--lang", help=N_("Locale of the labels in messages, e.g. km."))
    ] = None,
    today: Annotated[
        str | None,
        typer.Option(help=N_("The date both versions are validated on, for PW502 (YYYY-MM-DD).")),
    ] = None,
) -> int:
    from pathways.versions import diff as semantic_diff
    from pathways.versions import format_diff

    check_choice(format, FORMATS)
    renames = parse_renames(rename)
    day = parse_today(today)
    versions = load_versions_or_report(old, new, lang)
    if versions is None:
        return 2
    before, after = versions
    warn_lang(lang, tuple(dict.fromkeys([*before.locales, *after.locales])))
    try:
        result = semantic_diff(before, after, renames=renames, lang=lang, today=day)
    except ValueError as exc:
        typer.echo(f"error: {exc}", err=True)
        return 2
    if format == "json":
        typer.echo(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
    else:
        from pathways.cli._terminal import shown

        typer.echo(shown(format_diff(result)), nl=False)
    return 1 if result.semantic_changes else 0
