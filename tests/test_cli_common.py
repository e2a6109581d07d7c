"""The command line speaks with one voice (issue 11): one usage error, one finding line.

Before, four commands wrote a usage error four ways (``Invalid value`` from click, ``invalid
value`` by hand, ``error: --page ...``) and a load finding three ways (with the severity, without
it, or only the first finding).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from pathways.cli import main

ROOT = Path(__file__).parent
BROKEN = ROOT / "data" / "load" / "PW003" / "invalid-references.yaml"
BASE = ROOT / "data" / "hostile" / "base.yaml"
CLI = ROOT.parent / "src" / "pathways" / "cli"
LINE = re.compile(r"^\S+:\d+:\d+: PW\d{3} \[(error|warning|info)\] \S.*$")


@pytest.mark.parametrize(
    "args",
    [
        ["validate", "BROKEN"],
        ["routes", "BROKEN"],
        ["render", "BROKEN", "-o", "TMP/x.dot"],
        ["simulate", "BROKEN", "--cases", "10"],
        ["diff", "BROKEN", "BASE"],
        ["audit", "TMP/none.db", "c1", "--pathway", "BROKEN"],
    ],
)
def test_a_file_that_does_not_load_prints_validate_lines(
    args: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Every command prints each load finding as `validate` prints it, and stops (exit 1 or 2)."""
    names = {"BROKEN": str(BROKEN), "BASE": str(BASE)}
    argv = [names.get(a, a.replace("TMP/", f"{tmp_path}/")) for a in args]
    assert main(argv) in (1, 2)
    captured = capsys.readouterr()
    lines = (captured.out if args[0] == "validate" else captured.err).splitlines()
    findings = [line for line in lines if LINE.match(line)]
    assert findings, lines
    assert all(str(BROKEN) in line for line in findings)
    others = [line for line in lines if not LINE.match(line)]
    assert all(line.startswith(str(BROKEN)) for line in others), others  # e.g. "not drawn"


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["validate", "BASE", "--format", "xml"], "--format: 'xml'; choose one of text,"),
        (["routes", "BASE", "--format", "xml"], "--format: 'xml'; choose one of text, json"),
        (["simulate", "BASE", "--format", "xml"], "--format: 'xml'; choose one of text, json"),
        (["diff", "BASE", "BASE", "--format", "xml"], "--format: 'xml'; choose one of text, json"),
        (["report", "BASE", "--today", "2026-13-01"], "--today: '2026-13-01' is not a date"),
        (["render", "BASE", "-o", "x.svg", "--today", "x"], "--today: 'x' is not a date"),
        (["diff", "BASE", "BASE", "--rename", "a"], "--rename: 'a'; write OLD_ID=NEW_ID"),
        (["migrate", "TMP/s.db", "--from", "a", "--to", "b", "--map", "a"], "--map: 'a'; write"),
        (["simulate", "TMP/none.yaml"], "PATH: no such file:"),
        (["validate", "BASE", "--lang", "kh"], "--lang: unknown language 'kh'; did you mean km?"),
        (["render", "BASE", "-o", "TMP/x.dot", "--lang", "kh"], "--lang: unknown language 'kh'"),
        (["export", "BASE", "-o", "TMP/x.bpmn", "--lang", "kh"], "--lang: unknown language"),
    ],
)
def test_usage_errors_have_one_form(
    args: list[str], expected: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A bad value is one line `error: invalid value for OPTION: ...`, exit 2."""
    argv = [str(BASE) if a == "BASE" else a.replace("TMP/", f"{tmp_path}/") for a in args]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err == f"error: invalid value for {err.split('for ', 1)[1]}", err
    assert expected in err and err.count("\n") == 1, err


def test_commands_raise_the_one_usage_error() -> None:
    """No command module prints its own usage error or catches click's: they raise `Usage`,
    and `pathways.cli.main` prints it (`cli/_io.py` keeps click's for the --visibility parser,
    which click itself reports)."""
    for module in sorted(CLI.glob("*.py")):
        tree = ast.parse(module.read_text(encoding="utf-8"))
        names = {n.attr for n in ast.walk(tree) if isinstance(n, ast.Attribute)}
        texts = [
            n.value
            for n in ast.walk(tree)
            if isinstance(n, ast.Constant) and isinstance(n.value, str)
        ]
        if module.name not in ("_io.py",):
            assert "BadParameter" not in names, module.name
        if module.name != "_common.py":
            assert not any("invalid value for" in t for t in texts), module.name


def test_validate_and_report_load_a_file_once_to_find_its_language(
    tmp_path: Path,
    french_starter: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`validate --lang fr` and `report --lang fr` (a language only the files declare) loaded
    each file twice: once to look for the language in its locales, once to check it. The
    pathway loaded for the language is now the one checked, so each file that loads is loaded
    once (one that does not is loaded again to say why); what the commands print and write is
    as it was: the findings of `--lang en`, the report the same page."""
    import datetime as dt
    import importlib

    from pathways.report import write_report

    module = importlib.import_module("pathways.load")
    real = module.load
    loads: list[str] = []

    def counting(path: str | Path) -> object:
        loads.append(Path(path).name)
        return real(path)

    monkeypatch.setattr(module, "load", counting)
    files = [str(french_starter), str(BROKEN), str(BASE)]
    assert main(["validate", *files, "--lang", "en"]) == 1
    english = capsys.readouterr()
    assert sorted(loads) == sorted([french_starter.name, BROKEN.name, BASE.name])
    loads.clear()
    assert main(["validate", *files, "--lang", "fr"]) == 1
    french = capsys.readouterr()
    assert french.out == english.out and french.err == english.err
    assert sorted(loads) == sorted([french_starter.name, BROKEN.name, BROKEN.name, BASE.name])
    loads.clear()
    out = tmp_path / "out"
    report = ["report", *files, "--no-simulation", "--today", "2026-01-01", "-o", str(out)]
    assert main([*report, "--lang", "fr"]) == 0
    assert sorted(loads) == sorted([french_starter.name, BROKEN.name, BROKEN.name, BASE.name])
    monkeypatch.undo()
    direct = tmp_path / "direct"  # the report as the API writes it from the files
    write_report(files, direct, lang="fr", simulation=False, today=dt.date(2026, 1, 1))
    pages = sorted(p.relative_to(out) for p in out.rglob("*") if p.is_file())
    assert pages == sorted(p.relative_to(direct) for p in direct.rglob("*") if p.is_file())
    for name in pages:
        assert (out / name).read_bytes() == (direct / name).read_bytes(), name
    assert any("Signalement reçu" in (out / p).read_text(encoding="utf-8") for p in pages)
    assert main(["validate", str(BROKEN), "--lang", "de"]) == 2
    assert "unknown language 'de'" in capsys.readouterr().err
