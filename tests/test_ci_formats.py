"""`pathways validate` outputs: SARIF 2.1.0 (checked against the schema), GitHub annotations,
JSON per SPEC section 5, text with witnesses, and exit codes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from pathways.ci_formats import to_github, to_sarif
from pathways.cli import main
from pathways.findings import Finding, Location, Severity
from pathways.rules import ALL_RULES

SCHEMA = json.loads(
    (Path(__file__).parent / "data" / "sarif-2.1.0-subset.schema.json").read_text("utf-8")
)
FIXTURES = Path(__file__).parent / "rules" / "fixtures"
BROKEN = FIXTURES / "PW301" / "invalid-second-interview.yaml"
CLEAN = FIXTURES / "PW301" / "valid-limit-two.yaml"


def _validate(log: Any) -> None:
    jsonschema.validate(log, SCHEMA, format_checker=jsonschema.FormatChecker())


def test_sarif_of_real_findings_is_valid(capsys: Any) -> None:
    """The SARIF of a real run validates, has one result per finding and carries witnesses."""
    assert main(["validate", str(BROKEN), "--format", "sarif", "--today", "2026-11-28"]) == 1
    log = json.loads(capsys.readouterr().out)
    _validate(log)
    run = log["runs"][0]
    assert run["tool"]["driver"]["name"] == "pathways"
    results = run["results"]
    ids = [r["id"] for r in run["tool"]["driver"]["rules"]]
    assert all(ids[r["ruleIndex"]] == r["ruleId"] for r in results)
    pw301 = next(r for r in results if r["ruleId"] == "PW301")
    assert pw301["level"] == "error"
    assert pw301["properties"]["route"][-1] == "done"
    region = pw301["locations"][0]["physicalLocation"]["region"]
    assert region == {"startLine": 12, "startColumn": 5}
    levels = {r["level"] for r in results}
    assert levels <= {"error", "warning", "note"} and "note" in levels  # PW503 is info


def test_sarif_levels_uris_and_cases() -> None:
    """Infos become notes; file names become URI references; cases go to properties."""
    findings = [
        Finding(
            "PW402",
            "decision-not-exhaustive",
            Severity.ERROR,
            "stuck",
            Location("dir with space/p.yaml", 3, 5),
            step="s",
            case={"age": 12},
        ),
        Finding(
            "PW503",
            "missing-duration",
            Severity.INFO,
            "no duration",
            Location("p.yaml", 4, 5),
            transition=2,
        ),
    ]
    log = json.loads(to_sarif(findings))
    _validate(log)
    first, second = log["runs"][0]["results"]
    assert first["properties"] == {"step": "s", "case": {"age": 12}}
    uri = first["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert uri == "dir%20with%20space/p.yaml"
    assert second["level"] == "note" and second["properties"] == {"transition": 2}
    assert json.loads(to_sarif([]))["runs"][0]["results"] == []


def test_schema_rejects_what_sarif_forbids() -> None:
    """The test schema is strict enough to catch wrong levels and misplaced keys."""
    log = json.loads(
        to_sarif([Finding("PW104", "dead-end-step", Severity.ERROR, "m", Location("p.yaml", 1, 1))])
    )
    log["runs"][0]["results"][0]["level"] = "info"
    with pytest.raises(jsonschema.ValidationError):
        _validate(log)
    log["runs"][0]["results"][0]["level"] = "error"
    log["runs"][0]["results"][0]["step"] = "s"
    with pytest.raises(jsonschema.ValidationError):
        _validate(log)


def test_github_annotations_escape() -> None:
    """Workflow commands: one per finding, properties and data escaped."""
    f = Finding(
        "PW305",
        "sharing-before-consent",
        Severity.WARNING,
        "50% shared,\nnow",
        Location("a,b:c.yaml", 7, 3),
        route=("x", "y"),
    )
    info = Finding("PW503", "missing-duration", Severity.INFO, "m", Location("p.yaml", 1, 2))
    assert to_github([f, info]) == (
        "::warning file=a%2Cb%3Ac.yaml,line=7,col=3,title=PW305::50%25 shared,%0Anow"
        " (route: x -> y)\n"
        "::notice file=p.yaml,line=1,col=2,title=PW503::m\n"
    )


def test_github_format_from_cli(capsys: Any) -> None:
    assert main(["validate", str(BROKEN), "--format", "github", "--select", "PW301"]) == 1
    out = capsys.readouterr().out
    assert out.startswith(f"::error file={BROKEN},line=12,col=5,title=PW301::")


def test_json_output_matches_spec(capsys: Any) -> None:
    """validate --format json prints findings and a summary, SPEC section 5."""
    assert main(["validate", str(BROKEN), "--format", "json", "--today", "2026-11-28"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert set(data) == {"findings", "summary"}
    f = next(x for x in data["findings"] if x["code"] == "PW301")
    assert f == {
        "file": str(BROKEN),
        "line": 12,
        "column": 5,
        "code": "PW301",
        "rule": "too-many-interviews",
        "severity": "error",
        "message": f["message"],
        "step": "court_hearing",
        "route": ["start", "police_interview", "court_hearing", "done"],
    }
    summary = data["summary"]
    assert summary["files"] == 1 and summary["errors"] >= 1
    assert summary["errors"] + summary["warnings"] + summary["infos"] == len(data["findings"])


def test_text_output_and_exit_codes(capsys: Any, tmp_path: Path) -> None:
    """Text lines `file:line:col: CODE [severity] message`, the route indented; exit 0/1/2."""
    assert main(["validate", str(BROKEN), "--select", "PW301"]) == 1
    captured = capsys.readouterr()
    assert captured.out.splitlines() == [
        f"{BROKEN}:12:5: PW301 [error] a route has 2 interviews, above the limit of 1; "
        "'court_hearing' is interview 2 on it",
        "    route: start -> police_interview -> court_hearing -> done",
    ]
    assert "1 file checked: 1 error, " in captured.err
    assert main(["validate", str(CLEAN), "--select", "PW3"]) == 0
    assert main(["validate", str(CLEAN), "--select", "PW503"]) == 0  # infos do not fail
    assert main(["validate", str(BROKEN), "--ignore", "PW3,PW5"]) == 0
    assert main(["validate", str(tmp_path / "missing.yaml")]) == 2
    assert main(["validate", str(CLEAN), "--format", "xml"]) == 2
    assert main(["validate", str(CLEAN), "--today", "yesterday"]) == 2
    capsys.readouterr()
    assert main(["validate", str(FIXTURES / "PW301")]) == 1  # a folder: every file below
    files = len(list((FIXTURES / "PW301").glob("*.yaml")))
    assert f"{files} files checked" in capsys.readouterr().err


def test_rules_command(capsys: Any) -> None:
    """`pathways rules` lists every code; `pathways rules CODE` prints its page; unknown: 2."""
    assert main(["rules"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert any(
        line.startswith("PW301  too-many-interviews") and " error " in line for line in lines
    )
    assert len(lines) == len(ALL_RULES)  # the loading codes PW001-PW006 too
    assert any(line.startswith("PW005  invalid-guard") for line in lines)
    assert main(["rules", "pw305"]) == 0
    page = capsys.readouterr().out
    assert page.startswith("# PW305 sharing-before-consent") and "## Why is this bad?" in page
    assert main(["rules", "PW999"]) == 2
    err = capsys.readouterr().err
    assert "PW999" in err and "pathways rules" in err and len(err.strip().splitlines()) == 1
