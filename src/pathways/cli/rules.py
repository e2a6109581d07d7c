"""``pathways rules [CODE]``: list the rules, or print one rule's documentation page."""

from __future__ import annotations

from typing import Annotated

import typer

from pathways.cli._app import app
from pathways.i18n import N_

HELP_RULES = N_(
    """List every rule (code, name, default severity, summary), or print one rule's page.

Examples:

  pathways rules

  pathways rules PW305"""
)


@app.command("rules", help=HELP_RULES)
def rules(
    code: Annotated[
        str | None, typer.Argument(help=N_("A rule code such as PW301."), show_default=False)
    ] = None,
) -> int:
    from pathways.rules import ALL_RULES, get_rule, plugin_rules

    if code is None:
        every = sorted((*ALL_RULES, *plugin_rules()[0]), key=lambda r: r.code)
        width = max(len(r.name) for r in every)
        for r in every:
            typer.echo(f"{r.code}  {r.name:<{width}}  {r.severity.value:<7}  {r.summary}")
        return 0
    found = get_rule(code.strip())
    if found is None:
        typer.echo(
            f"pathways rules: unknown rule code {code!r}; run `pathways rules` to list every code",
            err=True,
        )
        return 2
    typer.echo(found.page(), nl=False)
    return 0
