"""``pathways schema``: print the JSON Schema of the file format."""

from __future__ import annotations

from pathways.cli._app import app


@app.command("schema")
def schema() -> int:
    """Print the JSON Schema of the pathway file format (for editors and CI).

    Examples:

      pathways schema > pathway.schema.json
    """
    import json

    import typer

    from pathways.schema import json_schema

    typer.echo(json.dumps(json_schema(), indent=2, ensure_ascii=False))
    return 0
