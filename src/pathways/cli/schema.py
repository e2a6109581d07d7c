"""``pathways schema``: print the JSON Schema of the file format."""

from __future__ import annotations

from pathways.cli._app import app
from pathways.i18n import N_

HELP_SCHEMA = N_(
    """Print the JSON Schema of the pathway file format (for editors and CI).

Examples:

  pathways schema > pathway.schema.json"""
)


@app.command("schema", help=HELP_SCHEMA)
def schema() -> int:
    import json

    import typer

    from pathways.schema import json_schema

    typer.echo(json.dumps(json_schema(), indent=2, ensure_ascii=False))
    return 0
