"""The ``pathways`` command line: one typer app, one module per command.

Heavy imports (networkx, numpy, graphviz) happen inside the commands, so ``pathways --help``
answers at once. :func:`main` returns the exit code instead of exiting, for tests.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

import typer

try:  # typer >= 0.20 ships its own copy of click; its exceptions are the ones raised
    from typer._click import exceptions as click_exceptions
except ImportError:  # pragma: no cover - older typer on the real click
    from click import exceptions as click_exceptions  # type: ignore[no-redef]


# The explicit registry of commands: each module adds its commands to `app` when imported.
from pathways.cli import audit as _audit
from pathways.cli import diff as _diff
from pathways.cli import export as _export
from pathways.cli import import_ as _import
from pathways.cli import migrate as _migrate
from pathways.cli import new as _new
from pathways.cli import render as _render
from pathways.cli import report as _report
from pathways.cli import routes as _routes
from pathways.cli import rules as _rules
from pathways.cli import schema as _schema
from pathways.cli import simulate as _simulate
from pathways.cli import trace as _trace
from pathways.cli import validate as _validate
from pathways.cli import watch as _watch
from pathways.cli._app import app
from pathways.cli._common import Usage, usage_error
from pathways.cli._lang import argv_lang, drop_lang, localize, words_lang

__all__ = ["app", "main", "run"]

_COMMAND_MODULES = (
    _audit,
    _diff,
    _export,
    _import,
    _migrate,
    _new,
    _render,
    _report,
    _routes,
    _rules,
    _schema,
    _simulate,
    _trace,
    _validate,
    _watch,
)


def _check_dropped_lang(value: str | None) -> None:
    """A ``--lang`` given to a command without labels to show (``rules``, ``schema``) is still
    checked: an unknown code is the usage error every command gives (issue 18 audit:
    ``pathways rules --lang kh`` said nothing)."""
    from pathways.i18n import check_lang

    try:
        check_lang(value)
    except ValueError as exc:
        raise Usage(str(exc), param_hint="--lang") from None


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line with ``argv`` (default: ``sys.argv[1:]``) and return the exit code.

    Usage errors exit 2 with a one-line message (click's usage block is left out): click's own
    and the :class:`~pathways.cli._common.Usage` a command raises. The language of ``--lang``
    (or ``PATHWAYS_LANG``) is read first, so usage errors and ``--help`` are in it too
    (:mod:`pathways.cli._lang`). A terminal is written only what it shows: control
    characters in user text are not obeyed (:mod:`pathways.cli._terminal`).
    """
    from pathways.cli._terminal import shown_stream

    out, err = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = shown_stream(out), shown_stream(err)
    try:
        return _main(argv)
    finally:
        sys.stdout, sys.stderr = out, err


def _main(argv: Sequence[str] | None) -> int:
    from pathways.i18n import tr
    from pathways.messages import usage_message

    args = list(argv) if argv is not None else sys.argv[1:]
    lang = words_lang(argv_lang(args))
    command = typer.main.get_command(app)
    localize(command, lang)
    given = argv_lang(args, {})  # written on the command line (not the environment's)
    args = drop_lang(command, args)
    try:
        if given is not None and not any(a == "--lang" or a.startswith("--lang=") for a in args):
            _check_dropped_lang(given)
        result = command.main(args=args, prog_name="pathways", standalone_mode=False)
    except Usage as exc:
        return usage_error(exc, lang)
    except click_exceptions.UsageError as exc:
        if type(exc).__name__ == "NoArgsIsHelpError" and exc.ctx is not None:
            # `pathways` alone: its help, as --help prints it (click raises it as an error)
            typer.echo(exc.ctx.get_help(), err=True)
            return 2
        # One line, without click's usage block: the message says what to change.
        plain = _plain_range(exc) or " ".join(exc.format_message().split())
        message = usage_message(plain, lang)
        typer.echo(tr("error: {message}", lang).format(message=message), err=True)
        return 2
    except typer.Exit as exc:
        return int(exc.exit_code)
    except typer.Abort:
        typer.echo(tr("aborted", lang), err=True)
        return 1
    except click_exceptions.ClickException as exc:
        exc.show()
        return int(exc.exit_code)
    return result if isinstance(result, int) else 0


def _plain_range(exc: click_exceptions.UsageError) -> str | None:
    """``--cases must be 1 or more`` for typer's (pydantic's) "Input should be greater than or
    equal to 1" on an option with a ``min``; None for any other usage error."""
    import re

    param = getattr(exc, "param", None)
    found = re.fullmatch(
        r"Input should be greater than or equal to (\S+)", str(getattr(exc, "message", ""))
    )
    if param is None or found is None:
        return None
    option = max(param.opts, key=len) if param.opts else str(param.name)
    return f"{option} must be {found[1]} or more"


def run() -> None:
    """Console-script entry point."""
    sys.exit(main())
