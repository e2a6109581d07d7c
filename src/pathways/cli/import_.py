"""``pathways import``: read a BPMN 2.0 file and write it as a pathway YAML file."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from pathways.cli._app import app
from pathways.cli._common import Usage, echo_findings
from pathways.cli._io import input_problem, output_problem
from pathways.i18n import N_

HELP_IMPORT = N_(
    """Import a BPMN 2.0 file as a pathway: print what could not be mapped (PW007, with the
line and column in the XML) and write the YAML; exit 1 when the file does not load.

Examples:

  pathways import intake.bpmn -o intake.yaml

  pathways import intake.bpmn --locale km"""
)


@app.command("import", help=HELP_IMPORT)
def import_(
    path: Annotated[Path, typer.Argument(help=N_("A BPMN 2.0 file (.bpmn)."), show_default=False)],
    output: Annotated[
        Path | None,
        typer.Option("-o", "--output", help=N_("The pathway YAML to write (default: print it).")),
    ] = None,
    locale: Annotated[
        str | None,
        typer.Option(
            help=N_(
                "The locale of the file's names (they become labels in it); default: the "
                "file's xml:lang, else en."
            )
        ),
    ] = None,
    lang: Annotated[
        str | None,
        typer.Option(
            "--lang",
            help=N_("Language of the messages (what could not be mapped), e.g. km."),
            show_default=False,
        ),
    ] = None,
) -> int:
    from pathways.bpmn.importer import import_bpmn, to_yaml
    from pathways.cli._common import warn_lang
    from pathways.i18n import tr
    from pathways.load.loader import load_data
    from pathways.load.yaml_walk import DocumentError, read_bounded

    problem = input_problem(path, what="a BPMN file")
    if problem is None and output is not None:
        problem = output_problem(output)
    if (
        problem is None
        and locale is not None
        and not locale.replace("-", "").replace("_", "").isalnum()
    ):
        problem = f"--locale {locale!r}: give a locale code such as en or km"
    if problem is not None:
        raise Usage(problem)
    warn_lang(lang)
    try:
        data = read_bounded(path)
    except (DocumentError, OSError) as exc:
        raise Usage(f"{path}: {exc}") from None
    document, smap, findings = import_bpmn(data, str(path), locale=locale)
    if document is not None:
        _, findings = load_data(document, smap)
        findings = [*findings, *smap.notes]
    echo_findings(findings, lang)
    if document is None:
        return 1
    yaml_text = f"# imported from {path.name} by pathways import\n" + to_yaml(document)
    if output is None:
        typer.echo(yaml_text, nl=False)
    else:
        output.write_text(yaml_text, encoding="utf-8")
        typer.echo(tr("wrote {output}", lang).format(output=output), err=True)
    return 1 if any(f.severity.value == "error" for f in findings) else 0
