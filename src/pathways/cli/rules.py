"""``pathways rules [CODE]``: list the rules, or print one rule's documentation page."""

from __future__ import annotations

from typing import Annotated

import typer

from pathways.cli._app import app
from pathways.cli._common import Usage, usage_error
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
    every = [*ALL_RULES, *plugin_rules()[0]]
    wanted = code.strip()
    found = get_rule(wanted) or next((r for r in every if r.name == wanted.lower()), None)
    if found is None:
        from pathways.i18n import closest

        digits = wanted.upper().removeprefix("PW")
        padded = f"PW{digits.zfill(3)}" if digits.isdigit() and len(digits) < 3 else ""
        guess = padded if get_rule(padded) else None  # PW2 or PW02: PW002
        guess = guess or closest(wanted.lower(), [r.name for r in every], cutoff=0.75)
        hint = f"; did you mean {guess}?" if guess else ""
        # In English whatever the language, as every page `rules` prints (docs/languages.md).
        return usage_error(
            Usage(
                f"unknown rule code {code!r}{hint} (run `pathways rules` to list every code)",
                param_hint="RULE_CODE",
            )
        )
    typer.echo(found.page(), nl=False)
    return 0
