"""Issue 18's new-user problems on the command line, each as a regression test."""

from __future__ import annotations

import pytest

import pathways
from pathways.cli import main


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    """`pathways --version` prints the version (there was none)."""
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"pathways {pathways.__version__}"
