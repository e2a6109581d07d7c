"""Reference pages generated from the code: the format reference from the JSON Schema.

``write_all(docs_dir)`` is called by the mkdocs hook (``docs/hooks/generate.py``) before every
docs build; other generators (rules, CLI, diagrams) register in :data:`GENERATORS`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

__all__ = [
    "GENERATORS",
    "cli_reference",
    "format_reference",
    "layers_dot",
    "read_layers",
    "write_all",
]


def _type_of(prop: dict[str, Any], defs: dict[str, Any]) -> str:
    if "$ref" in prop:
        return f"[{prop['$ref'].rsplit('/', 1)[-1]}](#{prop['$ref'].rsplit('/', 1)[-1].lower()})"
    if "const" in prop:
        return f"`{prop['const']!r}`"
    if "enum" in prop:
        return " \\| ".join(f"`{v}`" for v in prop["enum"])
    if "anyOf" in prop:
        parts = [_type_of(p, defs) for p in prop["anyOf"] if p.get("type") != "null"]
        return " \\| ".join(dict.fromkeys(parts))
    kind = prop.get("type", "any")
    if kind == "array":
        return f"list of {_type_of(prop.get('items', {}), defs)}"
    if kind == "object" and "additionalProperties" in prop:
        inner = prop["additionalProperties"]
        return f"map of {_type_of(inner, defs) if isinstance(inner, dict) else 'any'}"
    return str(kind)


def _table(name: str, schema: dict[str, Any], defs: dict[str, Any]) -> list[str]:
    lines = [f"## {name}", ""]
    if schema.get("description"):
        lines += [" ".join(schema["description"].split()), ""]
    lines += ["| key | type | required | default | meaning |", "|---|---|---|---|---|"]
    required = set(schema.get("required", ()))
    for key, prop in schema.get("properties", {}).items():
        default = prop.get("default", "")
        default_text = f"`{default}`" if default not in ("", None, [], {}) else ""
        meaning = " ".join(str(prop.get("description", "")).split()).replace("|", "\\|")
        lines.append(
            f"| `{key}` | {_type_of(prop, defs)} | {'yes' if key in required else ''} "
            f"| {default_text} | {meaning} |"
        )
    return [*lines, ""]


def format_reference() -> str:
    """The format reference page, one table per model, generated from the JSON Schema."""
    from pathways.schema import json_schema

    schema = json_schema()
    defs = schema.get("$defs", {})
    lines = [
        "# Format reference",
        "",
        "<!-- generated from the JSON Schema by pathways.docgen; do not edit -->",
        "",
        "A pathway file is YAML (or JSON) with the keys below; unknown keys are errors (PW002).",
        "Durations are strings such as `45m`, `2h`, `3d`, `2w`, `1d12h` or ISO 8601 `PT72H`;",
        "a step's `duration` may also be `{min, mode, max}` (triangular), `{min, max}`",
        "(uniform) or `{mean}` (exponential). A label is a string or a map of locale to string.",
        "Print the schema itself with `pathways schema`.",
        "",
        *_table("Pathway", schema, defs),
    ]
    for name in sorted(defs):
        if name == "Duration":  # a string or a small map, not a model: its forms, no table
            lines += [
                "## Duration",
                "",
                " ".join(str(defs[name].get("description", "")).split()),
                "The values of `min`, `mode`, `max` and `mean` are duration strings as above.",
                "",
            ]
            continue
        lines += _table(name, defs[name], defs)
    return "\n".join(lines) + "\n"


def _write_format(docs: Path) -> None:
    (docs / "format.md").write_text(format_reference(), encoding="utf-8")


def cli_reference() -> str:
    """The command-line reference page: every command, argument and option with its help."""
    import typer

    from pathways.cli import app

    root = typer.main.get_command(app)
    commands: dict[str, Any] = dict(getattr(root, "commands", {}))
    lines = [
        "# Command line",
        "",
        "<!-- generated from the typer app by pathways.docgen; do not edit -->",
        "",
        f"{' '.join(str(root.help or '').split())} Every command is also "
        "`python -m pathways COMMAND`; `pathways COMMAND --help` prints the same. "
        "`pathways --version` prints the version. `--lang km` (or the environment variable "
        "`PATHWAYS_LANG=km`, which is also every command's default `--lang`) puts the help "
        "pages and usage errors in Khmer too, on every command.",
        "",
    ]
    for name in sorted(commands):
        command = commands[name]
        if getattr(command, "hidden", False):
            continue
        params = [p for p in command.params if not getattr(p, "hidden", False)]
        args = [p for p in params if p.param_type_name == "argument"]
        opts = [p for p in params if p.param_type_name == "option" and p.name != "help"]
        usage = " ".join(
            f"{str(p.name).upper()}{'...' if p.nargs == -1 else ''}"
            if p.required
            else f"[{str(p.name).upper()}{'...' if p.nargs == -1 else ''}]"
            for p in args
        )
        lines += [f"## pathways {name}", "", "```", f"pathways {name} [OPTIONS] {usage}".rstrip()]
        lines += ["```", "", " ".join(str(command.help or "").split()), ""]
        if args or opts:
            lines += ["| argument or option | default | meaning |", "|---|---|---|"]
        for p in args:
            text = " ".join(str(getattr(p, "help", "") or "").split()).replace("|", "\\|")
            need = "required" if p.required else ""
            lines.append(f"| `{str(p.name).upper()}` | {need} | {text} |")
        for p in opts:
            flags = ", ".join(f"`{o}`" for o in [*p.opts, *p.secondary_opts])
            if not getattr(p, "is_flag", False):
                flags += " VALUE"
            default = p.default
            hidden = default is None or default is False or default in ("", ())
            shown = "" if hidden else f"`{default}`"
            text = " ".join(str(getattr(p, "help", "") or "").split()).replace("|", "\\|")
            lines.append(f"| {flags} | {shown} | {text} |")
        lines.append("")
    return "\n".join(lines) + "\n"


def _write_cli(docs: Path) -> None:
    (docs / "cli.md").write_text(cli_reference(), encoding="utf-8")


def _write_rules(docs: Path) -> None:
    from pathways.rules._docs import write_rule_pages

    write_rule_pages(docs)


def _write_diagrams(docs: Path) -> None:
    from pathways.render.gallery import write_gallery

    write_gallery(docs)


_LAYER_ROW = re.compile(r"^\|\s*(\d+ [^|]+?)\s*\|([^|]+)\|\s*$")


def read_layers(markdown: str) -> list[tuple[str, list[str]]]:
    """The layer table of ``docs/development.md``: (layer name, module names), top layer first.

    Examples
    --------
    >>> read_layers("| 1 base | `findings`, `errors` |\\n| 2 model | `model` |\\n")
    [('2 model', ['model']), ('1 base', ['findings', 'errors'])]
    """
    rows = []
    for line in markdown.splitlines():
        match = _LAYER_ROW.match(line.strip())
        if match:
            rows.append((match.group(1), re.findall(r"`([^`]+)`", match.group(2))))
    return sorted(rows, key=lambda row: -int(row[0].split()[0]))


def layers_dot(layers: list[tuple[str, list[str]]]) -> str:
    """A small Graphviz drawing of the layers: one box per layer, an arrow to the layer below."""
    lines = [
        "digraph layers {",
        '  graph [rankdir=TB, nodesep=0.3, ranksep=0.35, fontname="Helvetica"];',
        '  node [shape=box, style="rounded,filled", fillcolor="#eef2ff", fontname="Helvetica",'
        " fontsize=11];",
        "  edge [arrowsize=0.7];",
    ]
    for i, (name, modules) in enumerate(layers):
        text = "\\n".join(", ".join(modules[j : j + 5]) for j in range(0, len(modules), 5))
        lines.append(f'  l{i} [label="{name}\\n{text}"];')
    lines += [f"  l{i} -> l{i + 1};" for i in range(len(layers) - 1)]
    return "\n".join([*lines, "}"]) + "\n"


def _write_layers(docs: Path) -> None:
    import graphviz

    layers = read_layers((docs / "development.md").read_text(encoding="utf-8"))
    svg = graphviz.Source(layers_dot(layers)).pipe(format="svg")
    (docs / "layers.svg").write_bytes(svg)


GENERATORS: list[Callable[[Path], None]] = [
    _write_format,
    _write_cli,
    _write_rules,
    _write_diagrams,
    _write_layers,
]


def write_all(docs: Path) -> None:
    """Run every generator into ``docs``."""
    for generate in GENERATORS:
        generate(docs)
