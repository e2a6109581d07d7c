"""SPEC sections 3 and 7.1: every finding code with its rule name and default severity, as the
SPEC's tables write them, and the finding fields JSON carries.

Tests outside the project match findings by these names (``"rule": "dead-end-step"``), so a
renamed rule or a changed default fails here, not only in a re-recordable golden file.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import pathways
from pathways.cli import main
from pathways.findings import Severity
from pathways.rules import ALL_RULES

# (code, rule, default severity): SPEC section 3's table, then section 7.1's
SPEC_CODES = [
    ("PW001", "yaml-syntax", "error"),
    ("PW002", "schema", "error"),
    ("PW003", "unknown-reference", "error"),
    ("PW004", "duplicate-id", "error"),
    ("PW005", "invalid-guard", "error"),
    ("PW006", "invalid-duration", "error"),
    ("PW101", "no-entry-step", "error"),
    ("PW102", "no-outcome-step", "error"),
    ("PW103", "unreachable-step", "error"),
    ("PW104", "dead-end-step", "error"),
    ("PW105", "trapped-step", "error"),
    ("PW106", "outcome-has-exit", "error"),
    ("PW107", "single-branch-decision", "warning"),
    ("PW108", "bad-probabilities", "error"),
    ("PW109", "ambiguous-event", "error"),
    ("PW201", "step-without-role", "error"),
    ("PW202", "unused-role", "warning"),
    ("PW203", "sector-not-covered", "error"),
    ("PW204", "route-misses-sector", "error"),
    ("PW205", "referral-without-fallback", "error"),
    ("PW206", "agency-without-contact", "warning"),
    ("PW301", "too-many-interviews", "error"),
    ("PW302", "unbounded-interviews", "error"),
    ("PW303", "deadline-at-risk", "error"),
    ("PW304", "deadline-skippable", "error"),
    ("PW305", "sharing-before-consent", "error"),
    ("PW306", "clearance-too-low", "error"),
    ("PW401", "guard-never-true", "warning"),
    ("PW402", "decision-not-exhaustive", "error"),
    ("PW403", "overlapping-guards", "warning"),
    ("PW501", "missing-translation", "warning"),
    ("PW502", "stale-contact", "warning"),
    ("PW503", "missing-duration", "info"),
    ("PW110", "deadlock", "error"),
    ("PW111", "tracks-collide", "error"),
    ("PW112", "track-left-running", "error"),
    ("PW113", "bad-fork-or-join", "error"),
]

FIXTURES = Path(__file__).parent / "rules" / "fixtures"
LOAD_FIXTURES = Path(__file__).parent / "data" / "load"


@pytest.mark.parametrize(("code", "name", "severity"), SPEC_CODES, ids=[c[0] for c in SPEC_CODES])
def test_rule_name_and_default_severity(code: str, name: str, severity: str) -> None:
    """The registry, ``pathways rules`` and ``pathways rules CODE`` name each code as the SPEC
    does, with its default severity."""
    (r,) = [r for r in ALL_RULES if r.code == code]
    assert (r.name, r.severity.value) == (name, severity)


def test_rules_command_lists_spec_names(capsys: pytest.CaptureFixture[str]) -> None:
    """``pathways rules`` prints each code with the SPEC's name and default severity; ``pathways
    rules CODE`` heads the page with both."""
    assert main(["rules"]) == 0
    lines = {line.split()[0]: line.split() for line in capsys.readouterr().out.splitlines()}
    for code, name, severity in SPEC_CODES:
        assert lines[code][1] == name and severity in lines[code], lines[code]
    for code, name, _ in SPEC_CODES:
        assert main(["rules", code]) == 0
        assert capsys.readouterr().out.startswith(f"# {code} {name}\n")


def _fixture_findings(folder: Path, capsys: pytest.CaptureFixture[str]) -> list[dict[str, object]]:
    main(["validate", str(folder), "--format", "json", "--today", "2026-11-28"])
    findings: list[dict[str, object]] = json.loads(capsys.readouterr().out)["findings"]
    return findings


@pytest.mark.parametrize(("code", "name", "severity"), SPEC_CODES, ids=[c[0] for c in SPEC_CODES])
def test_findings_carry_spec_code_rule_and_severity(
    code: str, name: str, severity: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Each code's invalid fixture gives, in validate's JSON, a finding with the SPEC's rule
    name and default severity, and the SPEC's location keys (1-based)."""
    folder = (LOAD_FIXTURES if code < "PW100" else FIXTURES) / code
    found = [f for f in _fixture_findings(folder, capsys) if f["code"] == code]
    assert found, code
    for f in found:
        assert f["rule"] == name
        if code not in ("PW303", "PW304"):  # error*: the deadline's own (tested below)
            assert f["severity"] == severity
        assert {"file", "line", "column", "code", "rule", "severity", "message"} <= set(f)
        assert isinstance(f["line"], int) and f["line"] >= 1
        assert isinstance(f["column"], int) and f["column"] >= 1


# SPEC section 3: "where it applies `step`, `transition` (index in `transitions`), `route`
# (list of step ids) and `case` (field values)"; PW401's `case` is omitted.
WITNESSES = [
    ("PW104", "step", str),
    ("PW106", "transition", int),
    ("PW105", "route", list),
    ("PW204", "route", list),
    ("PW301", "route", list),
    ("PW302", "route", list),
    ("PW303", "route", list),
    ("PW305", "route", list),
    ("PW402", "case", dict),
    ("PW403", "case", dict),
    ("PW110", "route", list),
    ("PW111", "route", list),
    ("PW112", "route", list),
]


@pytest.mark.parametrize(("code", "key", "kind"), WITNESSES, ids=[w[0] for w in WITNESSES])
def test_findings_carry_spec_witness_keys(
    code: str, key: str, kind: type, capsys: pytest.CaptureFixture[str]
) -> None:
    """The witness keys the SPEC names, of the SPEC's shapes (routes are lists of step ids)."""
    findings = [f for f in _fixture_findings(FIXTURES / code, capsys) if f["code"] == code]
    assert findings and all(isinstance(f.get(key), kind) for f in findings), findings
    for f in findings:
        if key == "route":
            ids = {s.id for s in pathways.load(str(f["file"])).steps}
            assert f["route"] and set(f["route"]) <= ids, f
        if key == "transition":
            assert 0 <= f["transition"] < len(pathways.load(str(f["file"])).transitions)


def test_guard_never_true_omits_case(capsys: pytest.CaptureFixture[str]) -> None:
    """PW401: "`case` is omitted"."""
    findings = [f for f in _fixture_findings(FIXTURES / "PW401", capsys) if f["code"] == "PW401"]
    assert findings and not any("case" in f for f in findings)


def test_deadline_severity_is_the_deadlines_own() -> None:
    """PW303 and PW304 take the deadline's own `severity` (the table's ``error*``)."""
    text = (FIXTURES / "PW303" / "invalid-too-slow.yaml").read_text(encoding="utf-8")
    p = pathways.loads(text.replace("within:", "severity: warning, within:"))
    found = [f for f in pathways.check(p, select=["PW303"])]
    assert found and {f.severity for f in found} == {Severity.WARNING}
    assert {f.severity for f in pathways.check(pathways.loads(text), select=["PW303"])} == {
        Severity.ERROR
    }
    text = (FIXTURES / "PW304" / "invalid-skippable.yaml").read_text(encoding="utf-8")
    assert "severity: warning" in text
    found = [f for f in pathways.check(pathways.loads(text), select=["PW304"])]
    assert found and {f.severity for f in found} == {Severity.WARNING}
    p = pathways.loads(text.replace(", severity: warning", ""))
    assert {f.severity for f in pathways.check(p, select=["PW304"])} == {Severity.ERROR}
