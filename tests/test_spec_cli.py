"""SPEC section 5, the command line: every command, option, default, exit code and the JSON
the commands print, with the SPEC's spellings.

Tests outside the project call ``pathways COMMAND ...`` as the SPEC writes it; a renamed option
or JSON key fails here. The commands run in-process (``pathways.cli.main``) on small files,
except the console script and ``python -m pathways``, which are the installed entry points.
"""

from __future__ import annotations

import importlib.metadata
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import typer

import pathways
from pathways.cli import app, main

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "rules" / "fixtures"
CLEAN = FIXTURES / "PW301" / "valid-limit-two.yaml"  # no errors (infos only)
BROKEN = FIXTURES / "PW104" / "invalid-dead-end.yaml"  # one error: PW104
SMALL = ROOT / "tests" / "data" / "spec-example.yaml"  # SPEC section 2's file: no findings
TODAY = "2026-11-28"


def _commands() -> dict[str, Any]:
    commands: dict[str, Any] = getattr(typer.main.get_command(app), "commands", {})
    return commands


def _option(command: str, flag: str) -> Any:
    for param in _commands()[command].params:
        if param.param_type_name == "option" and flag in (*param.opts, *param.secondary_opts):
            return param
    raise AssertionError(f"pathways {command} has no {flag}")


# (command, option) pairs the SPEC names: section 5's table and its "Common options"
SPEC_OPTIONS = [
    *[("validate", o) for o in ("--format", "--select", "--ignore", "--today")],
    *[("render", o) for o in ("-o", "--force", "--lang", "--visibility")],
    # the common --select, --ignore and --today on the other commands that check a file
    *[(c, o) for c in ("render", "simulate") for o in ("--select", "--ignore", "--today")],
    *[
        ("simulate", o)
        for o in (
            "--format",
            "--cases",
            "--seed",
            "--workers",
            "--scheduler",
            "--arrivals-per-day",
            "--progress",
            "--no-progress",
        )
    ],
    ("routes", "--format"),
    # report: "takes simulate's options"
    *[
        ("report", o)
        for o in (
            "-o",
            "--lang",
            "--visibility",
            "--select",
            "--ignore",
            "--today",
            "--cases",
            "--seed",
            "--workers",
            "--scheduler",
            "--arrivals-per-day",
            "--progress",
            "--no-progress",
        )
    ],
]


@pytest.mark.parametrize(("command", "flag"), SPEC_OPTIONS, ids=[" ".join(o) for o in SPEC_OPTIONS])
def test_command_has_spec_option(command: str, flag: str) -> None:
    """Each option the SPEC names exists on its command, spelt as the SPEC spells it."""
    _option(command, flag)


def test_spec_commands_exist() -> None:
    spec = {"validate", "render", "simulate", "routes", "report", "schema", "rules"}
    assert spec <= set(_commands())


@pytest.mark.parametrize(
    ("command", "flag", "default"),
    [
        ("simulate", "--cases", 10000),
        ("simulate", "--seed", 0),
        ("report", "--cases", 10000),
        ("report", "--seed", 0),
        ("validate", "--format", "text"),
        ("simulate", "--format", "text"),
        ("routes", "--format", "text"),
    ],
)
def test_spec_defaults(command: str, flag: str, default: object) -> None:
    """``--cases N`` (default 10000), ``--seed S`` (default 0); text unless ``--format json``."""
    assert _option(command, flag).default == default


@pytest.mark.parametrize(
    ("command", "values"),
    [
        ("validate", ("text", "json", "sarif", "github")),
        ("simulate", ("text", "json")),
        ("routes", ("text", "json")),
    ],
)
def test_format_values(command: str, values: tuple[str, ...], capsys: Any) -> None:
    """``--format text|json`` (validate also ``sarif`` and ``github``); another is a usage
    error (exit 2)."""
    path = str(CLEAN if command != "simulate" else SMALL)
    extra = ["--cases", "20"] if command == "simulate" else []
    for value in values:
        assert main([command, path, "--format", value, *extra]) == 0, value
    assert main([command, path, "--format", "xml", *extra]) == 2
    capsys.readouterr()


@pytest.mark.parametrize("command", ["render", "report"])
def test_visibility_values(command: str, tmp_path: Path, capsys: Any) -> None:
    """``--visibility public|partners|restricted``; another value is a usage error. (A file's
    own ``visibility:`` says who may see its drawings: render refuses a public reader a
    partners file, docs/spec-additions.md; the file here is public.)"""
    out = str(tmp_path / ("out.dot" if command == "render" else "site"))
    public = tmp_path / "public.yaml"
    text = SMALL.read_text(encoding="utf-8")
    public.write_text(text.replace("visibility: partners  ", "visibility: public  "), "utf-8")
    extra = ["--no-simulation"] if command == "report" else []
    for value in ("public", "partners", "restricted"):
        assert main([command, str(public), "-o", out, "--visibility", value, *extra]) == 0
    assert main([command, str(public), "-o", out, "--visibility", "secret", *extra]) == 2
    capsys.readouterr()


def test_validate_exit_codes_and_folders(tmp_path: Path, capsys: Any) -> None:
    """validate: 0 no errors, 1 errors found, 2 usage; a folder is every *.yaml, *.yml and
    *.json below it (other files are left alone)."""
    assert main(["validate", str(CLEAN)]) == 0
    assert main(["validate", str(BROKEN)]) == 1
    assert main(["validate"]) == 2
    assert main(["validate", str(CLEAN), "--today", "28/11/2026"]) == 2
    folder = tmp_path / "pathways" / "nested"
    folder.mkdir(parents=True)
    (folder / "a.yml").write_text(CLEAN.read_text(encoding="utf-8"), encoding="utf-8")
    data = pathways.dump(pathways.load(CLEAN), fmt="json")
    (tmp_path / "pathways" / "b.json").write_text(data, encoding="utf-8")
    (tmp_path / "pathways" / "c.txt").write_text("not a pathway", encoding="utf-8")
    capsys.readouterr()
    assert main(["validate", str(tmp_path / "pathways"), "--format", "json"]) == 0
    summary = json.loads(capsys.readouterr().out)["summary"]
    assert summary["files"] == 2
    (folder / "d.yaml").write_text(BROKEN.read_text(encoding="utf-8"), encoding="utf-8")
    assert main(["validate", str(tmp_path / "pathways")]) == 1
    capsys.readouterr()


def test_validate_json_shape(capsys: Any) -> None:
    """One object: ``findings`` (each with the SPEC's keys) and ``summary`` with ``files``,
    ``errors``, ``warnings``, ``infos``."""
    assert main(["validate", str(BROKEN), "--format", "json", "--today", TODAY]) == 1
    data = json.loads(capsys.readouterr().out)
    assert set(data) == {"findings", "summary"}
    assert set(data["summary"]) == {"files", "errors", "warnings", "infos"}
    assert data["summary"]["files"] == 1 and data["summary"]["errors"] == 1
    (f,) = [f for f in data["findings"] if f["code"] == "PW104"]
    assert f["file"] == str(BROKEN) and f["step"] == "stuck"
    assert [f["rule"], f["severity"]] == ["dead-end-step", "error"]
    assert {"line", "column", "message"} <= set(f)


def test_select_ignore_today(capsys: Any) -> None:
    """``--select PW1,PW301`` runs those codes and families, ``--ignore`` leaves them out;
    ``--today YYYY-MM-DD`` moves PW502's clock."""
    stale = FIXTURES / "PW502"
    bad = next(stale.glob("invalid-*.yaml"))
    assert main(["validate", str(BROKEN), "--select", "PW1,PW301", "--format", "json"]) == 1
    codes = {f["code"] for f in json.loads(capsys.readouterr().out)["findings"]}
    assert codes == {"PW104"}
    assert main(["validate", str(BROKEN), "--ignore", "PW104"]) == 0
    capsys.readouterr()
    assert main(["validate", str(bad), "--select", "PW502", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["findings"]  # stale today
    assert main(["validate", str(bad), "--select", "PW502", "--today", "2020-01-01"]) == 0
    assert "PW502" not in capsys.readouterr().out  # not stale in 2020


@pytest.mark.parametrize("suffix", [".svg", ".png", ".pdf", ".dot", ".mmd"])
def test_render_formats_from_suffix(
    suffix: str, tmp_path: Path, capsys: Any, request: pytest.FixtureRequest
) -> None:
    """render: the format from OUT's suffix, ``.mmd`` being Mermaid."""
    if suffix in (".svg", ".png", ".pdf"):
        request.getfixturevalue("graphviz_dot")  # fails, saying how to install it, without dot
    out = tmp_path / f"out{suffix}"
    assert main(["render", str(SMALL), "-o", str(out), "--lang", "en"]) == 0
    head = out.read_bytes()[:64]
    expected = {
        ".svg": b"<",
        ".png": b"\x89PNG",
        ".pdf": b"%PDF",
        ".dot": b"digraph",
        ".mmd": b"flowchart",
    }[suffix]
    assert expected in head.lstrip() or head.lstrip().startswith(expected), head
    capsys.readouterr()


def test_render_refuses_a_file_with_errors_unless_force(tmp_path: Path, capsys: Any) -> None:
    """render: 1 on a file with errors unless ``--force``."""
    out = tmp_path / "out.dot"
    assert main(["render", str(BROKEN), "-o", str(out)]) == 1 and not out.exists()
    assert main(["render", str(BROKEN), "-o", str(out), "--force"]) == 0 and out.exists()
    capsys.readouterr()


def test_select_ignore_today_on_render_and_simulate(tmp_path: Path, capsys: Any) -> None:
    """The common ``--select``, ``--ignore`` and ``--today`` decide which findings count on the
    commands that refuse a file with errors: render and simulate draw or run a file whose only
    error is ignored, or not selected (they were refused as unknown options)."""
    text = SMALL.read_text(encoding="utf-8")
    sectors = "required_sectors: [social, hotline]"
    assert sectors in text
    bad = tmp_path / "p.yaml"
    bad.write_text(text.replace(sectors, "required_sectors: [social, hotline, justice]"), "utf-8")
    out = str(tmp_path / "p.dot")
    sim = ["simulate", str(bad), "--cases", "20", "--format", "json"]
    assert main(["render", str(bad), "-o", out]) == 1  # PW203
    assert main(["render", str(bad), "-o", out, "--ignore", "PW203", "--today", TODAY]) == 0
    assert main(["render", str(bad), "-o", out, "--select", "PW1,PW3"]) == 0
    assert main(sim) == 1
    capsys.readouterr()
    assert main([*sim, "--ignore", "PW2", "--today", TODAY]) == 0
    assert json.loads(capsys.readouterr().out)["cases"] == 20
    assert main([*sim, "--select", "PW1"]) == 0
    assert main([*sim, "--select", "PW203"]) == 1
    assert main([*sim, "--today", "tomorrow"]) == 2
    capsys.readouterr()


def test_simulate_exit_codes_and_json(capsys: Any) -> None:
    """simulate: 0; 1 on a file with errors; ``--format json`` prints SPEC's object."""
    assert main(["simulate", str(BROKEN), "--cases", "20"]) == 1
    capsys.readouterr()
    argv = ["simulate", str(SMALL), "--cases", "300", "--seed", "5", "--format", "json"]
    assert main([*argv, "--no-progress"]) == 0
    data = json.loads(capsys.readouterr().out)
    spec = [
        "pathway",
        "cases",
        "seed",
        "outcomes",
        "stuck",
        "time_to_outcome_hours",
        "interviews",
        "deadlines",
        "roles",
        "steps",
    ]
    assert list(data)[: len(spec)] == spec
    assert (data["pathway"], data["cases"], data["seed"]) == ("kh-csa-in-person", 300, 5)
    assert all({"count", "share"} <= set(o) for o in data["outcomes"].values())
    assert isinstance(data["stuck"], int)
    assert {"mean", "p50", "p90", "p99"} <= set(data["time_to_outcome_hours"])
    assert {"mean", "max", "share_over_limit"} <= set(data["interviews"])
    assert data["deadlines"]
    for d in data["deadlines"].values():
        assert {"applicable", "missed", "share_missed"} <= set(d)
    assert data["roles"]
    for r in data["roles"].values():
        assert {"utilization", "wait_hours_mean", "wait_hours_p90"} <= set(r)
    assert all("visits" in s for s in data["steps"].values())
    # the same seed gives the same JSON, whatever --workers
    assert main([*argv, "--workers", "2", "--progress"]) == 0
    assert json.loads(capsys.readouterr().out) == data
    # pathways.simulate(p, ...).to_dict() == the JSON (SPEC section 6)
    assert pathways.simulate(pathways.load(SMALL), cases=300, seed=5).to_dict() == data
    assert main([*argv, "--arrivals-per-day", "3"]) == 0
    capsys.readouterr()


def test_routes_json_shape(capsys: Any) -> None:
    """routes: exit 0; ``count``, ``shortest`` and ``longest`` (``route``, ``hours``),
    ``max_interviews``, ``handoffs_max``."""
    assert main(["routes", str(CLEAN), "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert set(data) == {"count", "shortest", "longest", "max_interviews", "handoffs_max"}
    assert set(data["shortest"]) == set(data["longest"]) == {"route", "hours"}
    assert data["count"] >= 1 and data["max_interviews"] == 2
    assert main(["routes", str(CLEAN)]) == 0
    assert main(["routes", str(BROKEN), "--format", "json"]) == 0  # errors: still 0
    capsys.readouterr()


def test_schema_and_rules(capsys: Any) -> None:
    """schema: the JSON Schema of the format, exit 0; rules [CODE]: 0."""
    assert main(["schema"]) == 0
    schema = json.loads(capsys.readouterr().out)
    assert "$schema" in schema and "steps" in schema["properties"]
    assert main(["rules"]) == 0 and main(["rules", "PW104"]) == 0
    capsys.readouterr()


def test_report_takes_simulates_options(
    tmp_path: Path, capsys: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """report writes a page per pathway plus index.html (exit 0) and passes simulate's options
    on: ``--cases --seed --workers --scheduler --arrivals-per-day --progress/--no-progress``
    (``--scheduler`` and ``--progress`` were refused as unknown options)."""
    import pathways.simulate as simulate_module

    seen: list[dict[str, Any]] = []
    real = simulate_module.simulate

    def spy(pathway: pathways.Pathway, **options: Any) -> Any:
        seen.append(dict(options))
        options.pop("scheduler", None)  # no Dask cluster here: the run is local
        return real(pathway, **options)

    monkeypatch.setattr(simulate_module, "simulate", spy)
    out = tmp_path / "site"
    argv = ["report", str(SMALL), str(CLEAN), "-o", str(out), "--cases", "40", "--seed", "3"]
    argv += ["--workers", "1", "--arrivals-per-day", "2", "--today", TODAY]
    assert main([*argv, "--scheduler", "tcp://127.0.0.1:8786", "--progress"]) == 0
    assert (out / "index.html").is_file() and len(list(out.glob("*.html"))) == 3
    assert seen and all(
        (o["cases"], o["seed"], o["workers"], o["arrivals_per_day"], o["progress"])
        == (40, 3, 1, 2.0, True)
        and o["scheduler"] == "tcp://127.0.0.1:8786"
        for o in seen
    )
    seen.clear()
    assert main(["report", str(BROKEN), "-o", str(tmp_path / "broken"), "--no-simulation"]) == 0
    assert main([*argv, "--no-progress"]) == 0
    assert seen and not any(o.get("progress") for o in seen) and "scheduler" not in seen[0]
    capsys.readouterr()


def test_console_script_and_module(tmp_path: Path) -> None:
    """``pathways`` is installed as a console script (also ``python -m pathways``)."""
    (script,) = [
        e for e in importlib.metadata.entry_points(group="console_scripts") if e.name == "pathways"
    ]
    assert callable(script.load())
    proc = subprocess.run(
        [sys.executable, "-m", "pathways", "validate", str(BROKEN), "--format", "json"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 1 and json.loads(proc.stdout)["summary"]["errors"] == 1
