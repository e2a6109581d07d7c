"""``pathways watch FILE``: check (and draw) a pathway again each time it is saved."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer

from pathways.cli._app import app
from pathways.cli._common import PathwayFile
from pathways.cli._io import VISIBILITY_OPTION, input_problem, output_problem
from pathways.i18n import N_
from pathways.model import Visibility

__all__ = ["check_and_draw"]


def check_and_draw(
    path: Path, outputs: list[Path], lang: str | None, visibility: Visibility | None
) -> None:
    """One round: the findings (as `pathways validate` prints them) and each drawing."""
    from pathways.errors import LoadError, PathwayError
    from pathways.i18n import tr
    from pathways.load import load
    from pathways.model import Pathway
    from pathways.render import render
    from pathways.validate import case_words, render_findings, validate_files

    stamp = dt.datetime.now().strftime("%H:%M:%S")
    pathways: dict[str, Pathway] = {}
    findings = validate_files([path], visibility=visibility, pathways=pathways)
    labels = case_words(pathways, lang)
    out, summary = render_findings(
        findings, "text", files=1, max_per_rule=50, lang=lang, words=labels
    )
    typer.echo(out, nl=False)
    typer.echo(f"[{stamp}] {summary}")
    if not outputs:
        return
    try:
        pathway = load(path)
    except LoadError:
        typer.echo(f"[{stamp}] " + tr("not drawn: the file does not load", lang))
        return
    for output in outputs:
        try:
            render(
                pathway,
                output,
                lang=lang,
                visibility=visibility or Visibility.PARTNERS,
                findings=findings,
            )
        except (PathwayError, OSError) as exc:
            words = tr("{output}: not drawn: {reason}", lang)
            typer.echo(f"[{stamp}] " + words.format(output=output, reason=exc))
        else:
            typer.echo(f"[{stamp}] " + tr("drew {output}", lang).format(output=output))


HELP_WATCH = N_(
    """Check a pathway, and draw it, again every time the file is saved: keep it open beside
your editor. Stop with Ctrl-C.

Examples:

  pathways watch pathway.yaml

  pathways watch pathway.yaml -o pathway.svg -o pathway.pdf

  pathways watch pathway.yaml -o pathway.svg --lang km"""
)


@app.command("watch", help=HELP_WATCH)
def watch(
    path: PathwayFile,
    output: Annotated[
        list[Path] | None,
        typer.Option(
            "-o",
            "--output",
            help=N_(
                "Also draw it here on every save, with the findings marked (repeatable; the "
                "suffix picks the format: .svg .png .pdf .dot .mmd)."
            ),
            show_default=False,
        ),
    ] = None,
    lang: Annotated[
        str | None,
        typer.Option(
            help=N_("Language of the messages and the drawings' labels and words, e.g. km.")
        ),
    ] = None,
    visibility: Annotated[
        Visibility | None,
        typer.Option(
            **VISIBILITY_OPTION,
            help=N_(
                "Write for readers at this level (default: findings unredacted, drawings "
                "for partners)."
            ),
        ),
    ] = None,
    stop_after: Annotated[
        int,
        typer.Option(
            "--stop-after",
            help=N_("Stop after this many saves (0: run until Ctrl-C)."),
            min=0,
        ),
    ] = 0,
) -> int:
    from pathways.cli._common import Usage, usage_error, warn_lang
    from pathways.i18n import tr
    from pathways.render import FORMATS

    try:
        warn_lang(lang)
    except Usage as exc:
        return usage_error(exc, lang)
    outputs = list(output or [])
    problem = input_problem(path)
    for out in outputs:
        if problem is None and out.suffix.lower() not in FORMATS:
            problem = f"-o {str(out)!r}: unknown suffix; use one of {', '.join(FORMATS)}"
        problem = problem or output_problem(out)
    if problem is not None:
        from pathways.messages import usage_message

        message = usage_message(problem, lang)
        typer.echo(tr("error: {message}", lang).format(message=message), err=True)
        return 2
    import watchfiles

    target = path.resolve()

    def is_target(change: watchfiles.Change, name: str) -> bool:
        # Editors often save by writing a new file and renaming it over the old one.
        return Path(name).resolve() == target and change != watchfiles.Change.deleted

    check_and_draw(path, outputs, lang, visibility)
    saves = 0
    announced = False
    try:
        for changes in watchfiles.watch(
            target.parent,
            watch_filter=is_target,
            recursive=False,
            yield_on_timeout=True,
            rust_timeout=200,
            debounce=200,
            step=20,
        ):
            if not announced:  # the watcher is running: a save from now on is seen
                typer.echo(tr("watching {path} (Ctrl-C to stop)", lang).format(path=path))
                announced = True
            if not changes:
                continue
            if not target.is_file():
                continue
            check_and_draw(path, outputs, lang, visibility)
            saves += 1
            if stop_after and saves >= stop_after:
                break
    except KeyboardInterrupt:
        pass
    return 0
