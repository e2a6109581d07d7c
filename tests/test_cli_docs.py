"""docs/cli.md is generated from the typer app and names every command, argument and option."""

from __future__ import annotations

from pathlib import Path

import typer

from pathways.cli import app
from pathways.docgen import GENERATORS, cli_reference


def test_every_command_and_option_is_documented() -> None:
    page = cli_reference()
    root = typer.main.get_command(app)
    commands = getattr(root, "commands", {})
    assert commands
    for name, command in commands.items():
        assert f"## pathways {name}\n" in page
        section = page.split(f"## pathways {name}\n", 1)[1].split("\n## ", 1)[0]
        assert " ".join(str(command.help).split()) in section
        for param in command.params:
            if param.param_type_name == "option":
                for opt in param.opts:
                    assert f"`{opt}`" in section, (name, opt)
            else:
                assert f"`{str(param.name).upper()}`" in section, (name, param.name)


def test_report_options_appear_with_defaults() -> None:
    page = cli_reference()
    section = page.split("## pathways report\n", 1)[1].split("\n## ", 1)[0]
    assert "pathways report [OPTIONS] PATHS..." in section
    assert "| `--cases` VALUE | `10000` |" in section
    assert "| `--seed` VALUE | `0` |" in section
    assert "| `--no-simulation` |  |" in section


def test_generator_writes_cli_md(tmp_path: Path) -> None:
    for generate in GENERATORS:
        if generate.__name__ == "_write_cli":
            generate(tmp_path)
    assert (tmp_path / "cli.md").read_text(encoding="utf-8") == cli_reference()
