"""The command line's own words in the reader's language, decided before click reads a word.

Usage errors and ``--help`` are written by typer and click while they parse the command line,
before any command sees its ``--lang``. So :func:`pathways.cli.main` reads the language from
the arguments first (:func:`argv_lang`: ``--lang km`` or ``--lang=km``, else the environment
variable ``PATHWAYS_LANG``), then :func:`localize` puts the catalogue's words into the command
tree it is about to run:

- every command's and option's help text (marked ``N_`` where it is written), the argument
  and value names of the usage line, ``[OPTIONS]`` and ``COMMAND [ARGS]...``;
- the help page's own words through a help formatter (``Usage:``, the ``Options``,
  ``Arguments`` and ``Commands`` headings, ``[default: ...]``, ``[required]``, ``Show this
  message and exit.``). typer 0.20 and later carry a copy of click that writes these with
  f-strings, not through :mod:`gettext`, so a gettext translation installed for click's domain
  would never be asked: the formatter is the one place they all pass;
- usage errors (``No such option``, ``Missing argument``, ``Invalid value for ...``, and the
  commands' own :class:`~pathways.cli._common.Usage`) through
  :func:`pathways.messages.usage_message`, whole or not at all like finding messages.

``PATHWAYS_LANG`` is also the default of every command's ``--lang``.

Examples
--------
>>> argv_lang(["validate", "x.yaml", "--lang", "km"], {})
'km'
>>> argv_lang(["validate", "--lang=km", "--", "--lang", "en"], {})
'km'
>>> argv_lang(["validate", "x.yaml"], {"PATHWAYS_LANG": "km"})
'km'
>>> words_lang("km"), words_lang("kh"), words_lang("en"), words_lang(None)
('km', None, None, None)
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from pathways.i18n import LANGUAGES, N_, _code, tr

try:  # typer >= 0.20 ships its own copy of click; its formatter is the one help goes through
    from typer._click.formatting import HelpFormatter
except ImportError:  # pragma: no cover - older typer on the real click
    from click.formatting import HelpFormatter  # type: ignore[assignment,unused-ignore]

__all__ = ["ENV", "argv_lang", "drop_lang", "localize", "words_lang"]

ENV = "PATHWAYS_LANG"
"""The environment variable that sets the language when ``--lang`` is not given."""

# The help page's own words (typer and click write them; the formatter translates them).
_CHROME = (
    N_("Usage: "),
    N_("Options"),
    N_("Arguments"),
    N_("Commands"),
    N_("Show this message and exit."),
    N_("required"),
)
_DEFAULT = N_("default: {value}")
_AT_LEAST = N_("{n} or more")  # typer's range hint x>=1, in plain words
_ENVVAR = N_("env var: {name}")

# What a value stands for in a usage line (the argument's own name in the help's words).
_ARGUMENTS = {
    "path": N_("FILE"),
    "paths": N_("FILES_OR_FOLDERS"),
    "store": N_("STORE"),
    "case_id": N_("CASE_ID"),
    "old": N_("OLD"),
    "new": N_("NEW"),
    "code": N_("RULE_CODE"),
    "facts": N_("FIELD=VALUE"),
}
_KINDS = {"text": N_("TEXT"), "number": N_("NUMBER"), "file": N_("FILE")}
_OPTIONS_METAVAR = N_("[OPTIONS]")
_COMMAND_METAVAR = N_("COMMAND [ARGS]...")


def argv_lang(args: Sequence[str], environ: Mapping[str, str] | None = None) -> str | None:
    """The ``--lang`` of ``args`` (the last one, as click takes it; none after ``--``), else
    ``PATHWAYS_LANG`` of ``environ`` (default: the process's), else None."""
    value: str | None = None
    for i, arg in enumerate(args):
        if arg == "--":
            break
        if arg == "--lang" and i + 1 < len(args):
            value = args[i + 1]
        elif arg.startswith("--lang="):
            value = arg[len("--lang=") :]
    if value is None:
        value = (os.environ if environ is None else environ).get(ENV) or None
    return value


def words_lang(lang: str | None) -> str | None:
    """The language the command line's own words are written in for ``lang``: one of
    :data:`pathways.i18n.LANGUAGES` other than English, else None (English; an unknown code
    such as ``kh`` gets its "did you mean km?" in English, the reader's language unknown)."""
    code = _code(lang.strip()) if lang else "en"
    return code if code in LANGUAGES and code != "en" else None


def _commands(command: Any) -> Iterator[Any]:
    yield command
    for sub in getattr(command, "commands", {}).values():
        yield from _commands(sub)


def localize(command: Any, lang: str | None) -> None:
    """Prepare the click command tree ``command`` (fresh from ``typer.main.get_command``) for
    ``lang``: ``--lang`` defaults to ``PATHWAYS_LANG``; values are named in the reader's words
    (``FILES_OR_FOLDERS...``, ``--cases NUMBER``, not typer's ``{paths}...``, ``<int range>``,
    ``<list[Path]>``); in a language other than English, the help texts, value names and the
    help formatter speak it (see the module)."""
    for cmd in _commands(command):
        ctx = cmd.context_class(cmd, info_name=cmd.name)
        for param in cmd.params:
            if param.name == "lang" and param.param_type_name == "option":
                param.envvar = ENV
            if param.param_type_name == "argument" and param.name in _ARGUMENTS:
                param.metavar = tr(_ARGUMENTS[param.name], lang)
                param.get_usage_pieces = _usage_pieces(param)
                if hasattr(param, "display_type_rich"):  # typer >= 0.20: no <list[Path]>
                    param.display_type_rich = _no_type
            elif (
                param.param_type_name == "option"
                and param.metavar is None
                and not getattr(param, "is_flag", False)
                and not getattr(param, "count", False)
            ):
                param.metavar = tr(_KINDS[_kind(param, ctx)], lang)
        # the help formatter (in English too: it writes typer's range hints in plain words)
        cmd.context_class = type(
            "LocalContext",
            (cmd.context_class,),
            {"formatter_class": type("LocalHelpFormatter", (_Formatter,), {"lang": lang})},
        )
    if lang is None:
        return
    for cmd in _commands(command):
        for name in ("help", "short_help", "epilog"):
            text = getattr(cmd, name, None)
            if isinstance(text, str):
                setattr(cmd, name, tr(text, lang))
        if getattr(cmd, "options_metavar", None) == "[OPTIONS]":
            cmd.options_metavar = tr(_OPTIONS_METAVAR, lang)
        if getattr(cmd, "subcommand_metavar", None) == "COMMAND [ARGS]...":
            cmd.subcommand_metavar = tr(_COMMAND_METAVAR, lang)
        for param in cmd.params:
            if isinstance(getattr(param, "help", None), str):
                param.help = tr(param.help, lang)


def _usage_pieces(param: Any) -> Any:
    """An argument in the usage line as click writes it: ``NAME``, ``NAME...`` for several,
    ``[NAME]`` when it may be left out (typer 0.2x writes ``{name}...``)."""

    def pieces(ctx: Any) -> list[str]:
        name = str(param.metavar) + ("..." if param.nargs != 1 else "")
        return [name if param.required else f"[{name}]"]

    return pieces


def _no_type(ctx: Any) -> None:
    """An argument's type is not shown beside its name: the name says it."""
    return None


def drop_lang(command: Any, args: list[str]) -> list[str]:
    """``args`` as click should read them: without ``--lang`` when the command they run has
    no ``--lang`` of its own (``rules``, ``schema``, ``pathways --lang km --help``), since
    :func:`argv_lang` has read it for the help and the usage errors; with a ``--lang`` written
    before the command name moved after it (``pathways --lang km validate x.yaml``).

    >>> import typer
    >>> from pathways.cli import app
    >>> root = typer.main.get_command(app)
    >>> drop_lang(root, ["rules", "--lang", "km", "PW001"])
    ['rules', 'PW001']
    >>> drop_lang(root, ["routes", "x.yaml", "--lang=km"])
    ['routes', 'x.yaml', '--lang=km']
    >>> drop_lang(root, ["--lang", "km", "routes", "x.yaml"])
    ['routes', '--lang', 'km', 'x.yaml']
    """
    rest: list[str] = []  # the arguments without any --lang
    langs: list[str] = []  # the --lang tokens
    at: int | None = None  # where the command name is in rest
    skip = False
    for i, arg in enumerate(args):
        if skip:
            langs.append(arg)
            skip = False
        elif arg == "--":
            rest += args[i:]
            break
        elif arg == "--lang" and i + 1 < len(args):
            langs.append(arg)
            skip = True
        elif arg.startswith("--lang="):
            langs.append(arg)
        else:
            if at is None and not arg.startswith("-"):
                at = len(rest)
            rest.append(arg)
    sub = getattr(command, "commands", {}).get(rest[at]) if at is not None else None
    if at is None or sub is None or not any(p.name == "lang" for p in sub.params):
        return rest
    before = args.index(rest[at])  # the lang tokens written before the name move after it
    moved = [tok for tok in args[:before] if tok in langs or tok.startswith("--lang=")]
    if not moved:
        return args
    kept = [tok for tok in args[:before] if tok not in moved]
    return [*kept, rest[at], *moved, *args[before + 1 :]]


def _kind(param: Any, ctx: Any) -> str:
    """text, number or file: what an option's value is, in the help's words."""
    shown = ""
    if hasattr(param, "display_type"):  # typer >= 0.20
        shown = str(param.display_type(ctx) or "")
    else:  # pragma: no cover - the real click
        shown = str(getattr(getattr(param, "type", None), "name", ""))
    shown = shown.lower()
    if "path" in shown or "file" in shown:
        return "file"
    if "int" in shown or "float" in shown:
        return "number"
    return "text"


_EXTRA = re.compile(r"(?P<help>.*?)\s*\[(?P<extra>[^\[\]]*)\]\s*", re.DOTALL)


class _Formatter(HelpFormatter):
    """click's help formatter with the help page's own words in :attr:`lang`."""

    lang: str | None = None

    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        super().write_usage(prog, args, tr("Usage: ", self.lang) if prefix is None else prefix)

    def write_heading(self, heading: str) -> None:
        super().write_heading(tr(heading, self.lang))

    def write_dl(self, rows: Sequence[tuple[str, str]], *args: Any, **kwargs: Any) -> None:
        super().write_dl([(term, self._definition(text)) for term, text in rows], *args, **kwargs)

    def _definition(self, text: str) -> str:
        """An option's help with its ``[default: ...; required]`` in the language."""
        match = _EXTRA.fullmatch(text)
        if match is None:
            return tr(text, self.lang)
        extras = []
        for extra in match.group("extra").split("; "):
            if extra.startswith("default: "):
                extra = tr(_DEFAULT, self.lang).format(value=extra[len("default: ") :])
            elif extra.startswith("env var: "):
                extra = tr(_ENVVAR, self.lang).format(name=extra[len("env var: ") :])
            elif least := re.fullmatch(r"x>=([-0-9.e+]+)", extra):  # typer's x>=1
                extra = tr(_AT_LEAST, self.lang).format(n=least[1])
            elif re.fullmatch(r"[-0-9.e+<=>x ]*x[-0-9.e+<=> ]*", extra):  # x<1, 0<=x<=1: none
                continue  # has these; the usage error says the range if a value is out of it
            else:
                extra = tr(extra, self.lang)
            extras.append(extra)
        head = tr(match.group("help"), self.lang)
        return f"{head}  [{'; '.join(extras)}]" if head else f"[{'; '.join(extras)}]"
