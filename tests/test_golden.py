"""Byte-identical outputs: the bundled pathways and the rule fixtures, compared with recorded files.

The files under ``tests/data/golden/`` were written by this test before a refactoring; a move
that changes no behaviour must leave every one of them unchanged. When an output changes on
purpose (a new finding, a new field, a new drawing), re-record them deliberately and review the
diff like any other change::

    PATHWAYS_REGOLD=1 .venv/bin/pytest -q tests/test_golden.py
    git diff --stat tests/data/golden/

The outputs come from the command line run in-process (``pathways.cli.main``), with the date
the checks measure contact age from fixed. SVG depends on the Graphviz build, so it is compared
only under the Graphviz version it was recorded with (``tests/data/golden/graphviz-version``).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from pathways.cli import main

GOLDEN = Path("tests/data/golden")
REGOLD = os.environ.get("PATHWAYS_REGOLD") == "1"
TODAY = "2026-11-28"
BUNDLED = sorted(Path("pathways").rglob("*.yaml"))
FIXTURE_FOLDERS = {"rules": "tests/rules/fixtures", "load": "tests/data/load"}


def _stdout(argv: list[str]) -> Callable[[pytest.CaptureFixture[str], Path], str]:
    def run(capsys: pytest.CaptureFixture[str], tmp: Path) -> str:
        main(argv)
        return capsys.readouterr().out

    return run


def _written(argv: list[str], suffix: str) -> Callable[[pytest.CaptureFixture[str], Path], str]:
    def run(capsys: pytest.CaptureFixture[str], tmp: Path) -> str:
        out = tmp / f"out{suffix}"
        main([*argv, "-o", str(out)])
        capsys.readouterr()
        return out.read_text(encoding="utf-8")

    return run


def _cases() -> dict[str, Callable[[pytest.CaptureFixture[str], Path], str]]:
    cases: dict[str, Callable[[pytest.CaptureFixture[str], Path], str]] = {}
    for path in BUNDLED:
        name, f = path.stem, str(path)
        for fmt in ("text", "json", "sarif"):
            cases[f"{name}.validate.{fmt}"] = _stdout(
                ["validate", f, "--format", fmt, "--today", TODAY]
            )
        for fmt in ("text", "json"):
            cases[f"{name}.routes.{fmt}"] = _stdout(["routes", f, "--format", fmt])
        cases[f"{name}.findings.dot"] = _written(
            ["render", f, "--findings", "--today", TODAY], ".dot"
        )
        cases[f"{name}.public.mmd"] = _written(["render", f, "--visibility", "public"], ".mmd")
        cases[f"{name}.svg"] = _written(["render", f], ".svg")
        cases[f"{name}.simulate.json"] = _stdout(
            ["simulate", f, "--cases", "300", "--seed", "0", "--no-progress", "--format", "json"]
        )
    for label, folder in FIXTURE_FOLDERS.items():
        for fmt in ("text", "json", "sarif"):
            cases[f"fixtures-{label}.validate.{fmt}"] = _stdout(
                ["validate", folder, "--format", fmt, "--today", TODAY]
            )
    return cases


CASES = _cases()


def _graphviz_version() -> str:
    if shutil.which("dot") is None:
        return "none"
    done = subprocess.run(["dot", "-V"], capture_output=True, text=True, check=False)
    return done.stderr.strip()


@pytest.mark.parametrize("name", sorted(CASES))
def test_output_is_unchanged(name: str, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """The output is byte for byte the recorded one (re-record with PATHWAYS_REGOLD=1)."""
    recorded = GOLDEN / name
    version_file = GOLDEN / "graphviz-version"
    if name.endswith(".svg"):
        if REGOLD:
            GOLDEN.mkdir(parents=True, exist_ok=True)
            version_file.write_text(_graphviz_version() + "\n", encoding="utf-8")
        elif version_file.read_text(encoding="utf-8").strip() != _graphviz_version():
            pytest.skip("SVG recorded under another Graphviz version")
    got = CASES[name](capsys, tmp_path)
    if REGOLD:
        GOLDEN.mkdir(parents=True, exist_ok=True)
        recorded.write_text(got, encoding="utf-8")
        return
    assert recorded.exists(), f"{recorded} missing: record with PATHWAYS_REGOLD=1"
    assert got == recorded.read_text(encoding="utf-8"), (
        f"{name} changed; if on purpose, re-record with PATHWAYS_REGOLD=1 and review the diff"
    )


def test_no_stale_recordings() -> None:
    """Every recorded file belongs to a case (renamed cases leave no orphans behind)."""
    if REGOLD:
        return
    recorded = {p.name for p in GOLDEN.iterdir()} - {"graphviz-version"}
    assert recorded == set(CASES)
