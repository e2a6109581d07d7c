"""What the commands say and parse: one usage error, one way to load a file or say why not,
one text line per finding, and the option values several commands share.

A usage error is one line on stderr and exit code 2, whichever command and whichever click the
installed typer uses: a command raises :class:`Usage` and :func:`pathways.cli.main` prints it
with :func:`usage_error` (``error: invalid value for --today: ...``, or ``error: ...`` when no
one option is to blame). A finding printed on stderr has the text line of ``pathways validate``
(:func:`pathways.findings.format_finding`). The files a command reads and writes are checked in
:mod:`pathways.cli._io`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from pathways.findings import Finding, format_finding
from pathways.i18n import N_

if TYPE_CHECKING:
    from pathways.model import Pathway, Visibility

# The arguments and options several commands declare alike, declared once (typer reads the
# help from here; the catalogue translates it for --help in another language).
PathwayFile = Annotated[Path, typer.Argument(help=N_("The pathway file."), show_default=False)]
"""The PATH argument of a command that reads one pathway file."""

PathwayFiles = Annotated[
    list[Path], typer.Argument(help=N_("Pathway files or folders."), show_default=False)
]
"""The PATHS argument of a command that reads pathway files and folders."""

TextOrJson = Annotated[str, typer.Option("--format", help=N_("text or json."))]
"""``--format text|json``."""

SelectCodes = Annotated[
    str | None, typer.Option(help=N_("Codes or prefixes to run, e.g. PW1,PW301."))
]
"""``--select``: the rules to run (:func:`parse_codes`)."""

IgnoreCodes = Annotated[str | None, typer.Option(help=N_("Codes or prefixes not to run."))]
"""``--ignore``: the rules not to run (:func:`parse_codes`)."""

TodayDate = Annotated[
    str | None, typer.Option(help=N_("The date PW502 measures contact age from (YYYY-MM-DD)."))
]
"""``--today`` of the commands that validate (:func:`parse_today`)."""

__all__ = [
    "IgnoreCodes",
    "PathwayFile",
    "PathwayFiles",
    "SelectCodes",
    "TextOrJson",
    "TodayDate",
    "Usage",
    "check_choice",
    "echo_findings",
    "load_or_report",
    "load_versions_or_report",
    "parse_codes",
    "parse_renames",
    "parse_today",
    "usage_error",
    "warn_lang",
    "warn_lang_files",
    "write_or_report",
]


class Usage(Exception):
    """A bad argument or option value: exit 2 with one line saying what to change.

    ``param_hint`` names the argument or option (``--today``, ``PATH``); without it the message
    is printed as it is (it names the option itself, e.g. ``--page 'A5': choose A3, A4 or
    none``).
    """

    def __init__(self, message: str, *, param_hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.param_hint = param_hint


def usage_error(exc: Usage, lang: str | None = None) -> int:
    """Print the one-line usage error of ``exc`` on stderr (in ``lang`` where the catalogue
    has it whole: :func:`pathways.messages.usage_message`) and return the exit code 2."""
    from pathways.i18n import tr
    from pathways.messages import usage_message

    where = f"invalid value for {exc.param_hint}: " if exc.param_hint else ""
    message = usage_message(f"{where}{exc.message}", lang)
    typer.echo(tr("error: {message}", lang).format(message=message), err=True)
    return 2


def echo_findings(findings: Iterable[Finding], lang: str | None = None) -> None:
    """Print each finding on stderr, one line each (:func:`~pathways.findings.format_finding`,
    in ``lang`` where the catalogue translates the message whole)."""
    for finding in findings:
        typer.echo(format_finding(finding, lang), err=True)


def load_or_report(
    source: Path | str, visibility: Visibility | None = None, lang: str | None = None
) -> Pathway | None:
    """The pathway in ``source``, or None after printing on stderr why it does not load.

    ``source`` is a file, or (a string) one side of a diff: a file or ``git:REV:PATH``
    (:func:`pathways.versions.load_version`). Load findings are printed one line each, as a
    reader at ``visibility`` may see them (:func:`pathways.visibility.seen_load_findings`); a
    revision git cannot show is one line ``error: ...``; in ``lang`` where the catalogue
    translates the message whole. The caller picks the exit code.
    """
    from pathways.errors import LoadError
    from pathways.load import load
    from pathways.versions import load_version
    from pathways.visibility import seen_load_findings

    try:
        return load(source) if isinstance(source, Path) else load_version(source)
    except LoadError as exc:
        echo_findings(seen_load_findings(source, visibility, exc.findings), lang)
    except (ValueError, OSError) as exc:
        from pathways.i18n import tr

        typer.echo(tr("error: {message}", lang).format(message=exc), err=True)
    return None


def load_versions_or_report(
    old: str, new: str, lang: str | None = None
) -> tuple[Pathway, Pathway] | None:
    """Both versions of a pathway (each a file or ``git:REV:PATH``), or None after printing
    why the first that does not load does not (:func:`load_or_report`)."""
    before = load_or_report(old, lang=lang)
    after = load_or_report(new, lang=lang) if before is not None else None
    return None if before is None or after is None else (before, after)


def warn_lang(lang: str | None, locales: Sequence[str] = ()) -> None:
    """:class:`Usage` when ``lang`` is a language neither the tool nor the pathway knows (with
    ``did you mean``); a warning on stderr when the pathway, whose ``locales`` are given, has no
    labels in it (the first locale is used)."""
    from pathways.i18n import check_lang, tr

    try:
        warning = check_lang(lang, locales)
    except ValueError as exc:
        raise Usage(str(exc), param_hint="--lang") from None
    if warning:
        words = tr("warning: --lang {lang}: {warning}", lang)
        typer.echo(words.format(lang=lang, warning=warning), err=True)


def warn_lang_files(lang: str | None, files: Sequence[Path]) -> list[Path | Pathway]:
    """:func:`warn_lang` for commands that read several files (``validate``, ``report``): a
    language the tool does not know is accepted when one of the files declares it in its
    ``locales`` (its labels are in it; the tool's own words fall back to English, with
    :func:`warn_lang`'s warning for a file whose locales lack it), as ``render``, ``trace``,
    ``routes`` and ``simulate`` accept it for their one file. Files are only read to look for
    the language when the tool does not know it.

    Returns ``files`` with each pathway loaded here in its file's place, for the command to
    use instead of loading the file a second time; a file not read here, or that does not
    load, stays a path (the command loads it and says why it does not load).
    """
    from pathways.i18n import check_lang

    try:
        check_lang(lang)
    except ValueError:
        pass
    else:
        warn_lang(lang)
        return list(files)
    from pathways.errors import LoadError
    from pathways.load import load

    declared: dict[str, None] = {}
    items: list[Path | Pathway] = []
    for path in files:
        try:
            pathway = load(path)
        except (LoadError, OSError, ValueError):
            items.append(path)  # the command says why the file does not load
            continue
        declared.update(dict.fromkeys(pathway.locales))
        items.append(pathway)
    warn_lang(lang, tuple(declared))
    return items


def write_or_report(output: Path, write: Callable[[], Path], *, err: bool = False) -> int:
    """Run ``write`` and print the path it wrote (exit 0; on stderr with ``err``, when stdout
    carries JSON), or one line ``error: ...`` when it cannot draw or write (exit 1)."""
    from pathways.errors import RenderError

    try:
        written = write()
    except RenderError as exc:
        typer.echo(f"error: {exc}", err=True)
        return 1
    except OSError as exc:
        typer.echo(f"error: cannot write {str(output)!r}: {exc.strerror or exc}", err=True)
        return 1
    typer.echo(str(written), err=err)
    return 0


def check_choice(value: str, choices: Iterable[str], param_hint: str = "--format") -> str:
    """``value`` if it is one of ``choices``; :class:`Usage` naming them otherwise."""
    known = tuple(choices)
    if value not in known:
        raise Usage(f"{value[:40]!r}; choose one of {', '.join(known)}", param_hint=param_hint)
    return value


def parse_codes(value: str | None) -> list[str] | None:
    """``"PW1,PW301"`` -> ``["PW1", "PW301"]`` (None when not given).

    >>> parse_codes(" pw1, PW301,")
    ['PW1', 'PW301']
    """
    if value is None:
        return None
    return [v.strip().upper() for v in value.split(",") if v.strip()]


def parse_today(value: str | None) -> dt.date | None:
    """The ``--today`` date (None when not given); :class:`Usage` when it is not YYYY-MM-DD."""
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise Usage(
            f"{value[:40]!r} is not a date; write YYYY-MM-DD", param_hint="--today"
        ) from None


def parse_renames(values: list[str] | None, *, param_hint: str = "--rename") -> dict[str, str]:
    """``["a=b", "c=d"]`` -> ``{"a": "b", "c": "d"}``; :class:`Usage` on anything else.

    >>> parse_renames(["intake=triage", " old = new "])
    {'intake': 'triage', 'old': 'new'}
    """
    out: dict[str, str] = {}
    for value in values or []:
        old, sep, new = value.partition("=")
        if not sep or not old.strip() or not new.strip():
            raise Usage(f"{value!r}; write OLD_ID=NEW_ID", param_hint=param_hint)
        out[old.strip()] = new.strip()
    return out
