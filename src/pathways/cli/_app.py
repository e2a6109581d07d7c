"""The typer app every command module adds its command to (``pathways.cli`` imports them all,
so the command modules import the app from here, not from the package that imports them)."""

from __future__ import annotations

import typer

from pathways.i18n import N_

__all__ = ["app"]

app = typer.Typer(
    name="pathways",
    help=N_("Check, draw, run and simulate child-protection referral pathways."),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


def _print_version(value: bool) -> None:
    if value:
        from pathways import __version__

        typer.echo(f"pathways {__version__}")
        raise typer.Exit(0)


@app.callback()
def _root(
    version: bool = typer.Option(
        False,
        "--version",
        help=N_("Print the version of pathways and stop."),
        callback=_print_version,
        is_eager=True,
    ),
) -> None:
    """Check, draw, run and simulate child-protection referral pathways."""
