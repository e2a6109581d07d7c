"""Every script in examples/ runs and does what its docstring says."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
P1 = ROOT / "pathways" / "kh" / "csa-in-person.yaml"

DEAD_END = """\
format: pathways/1
id: dead-end
agencies:
  - {id: hotline, name: Hotline, sector: hotline, contacts: [{channel: phone, value: "1280"}]}
roles:
  - {id: counsellor, agency: hotline, title: Counsellor}
steps:
  - {id: intake, kind: entry, role: counsellor, duration: 30m}
  - {id: assess, role: counsellor, duration: 1h}
  - {id: closed, kind: outcome}
transitions:
  - {from: intake, to: assess}
"""


def run(*args: str | Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *map(str, args)],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        check=False,
    )


def _figure(output: str, label: str) -> list[float]:
    line = next(line for line in output.splitlines() if line.startswith(label))
    return [float(cell.rstrip("%")) for cell in line[len(label) :].split()]


def test_what_if_capacity_prints_a_comparison() -> None:
    """Doubling the interviewers halves their utilisation; doctors are unaffected by it."""
    proc = run(EXAMPLES / "what_if_capacity.py", "--cases", "400")
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert "as is" in out and "4 interviewers" in out and "4 doctors" in out
    as_is, more_interviewers, more_doctors = _figure(out, "ahtjp_officer: utilisation")
    assert more_interviewers < as_is * 0.75
    assert more_doctors == pytest.approx(as_is, rel=0.2)
    doctors = _figure(out, "doctor: utilisation")
    assert doctors[2] < doctors[0]


def test_what_if_capacity_takes_overrides() -> None:
    proc = run(
        EXAMPLES / "what_if_capacity.py", "--cases", "300", "--set",
        "roles.ahtjp_officer.capacity=1",
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert "roles.ahtjp_officer.capacity=1" in proc.stdout
    as_is, what_if = _figure(proc.stdout, "ahtjp_officer: utilisation")
    assert what_if > as_is


def test_ci_sarif_writes_a_sarif_log(tmp_path: Path) -> None:
    """A folder with one broken file gives a SARIF log locating PW104; --strict exits 1."""
    folder = tmp_path / "pathways"
    folder.mkdir()
    (folder / "good.yaml").write_text(P1.read_text(encoding="utf-8"), encoding="utf-8")
    (folder / "dead-end.yaml").write_text(DEAD_END, encoding="utf-8")
    out = tmp_path / "out.sarif"
    proc = run(EXAMPLES / "ci_sarif.py", folder, "-o", out, "--today", "2026-11-28", "--strict")
    assert proc.returncode == 1, proc.stderr
    assert "2 files checked" in proc.stdout
    log = json.loads(out.read_text(encoding="utf-8"))
    assert log["version"] == "2.1.0"
    results = log["runs"][0]["results"]
    dead = [r for r in results if r["ruleId"] == "PW104"]
    assert dead, results
    location = dead[0]["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"].endswith("dead-end.yaml")
    assert location["region"]["startLine"] == 9  # the `assess` step
    assert not [r for r in results if "good.yaml" in json.dumps(r) and r["level"] == "error"]


def test_ci_sarif_passes_on_clean_pathways(tmp_path: Path) -> None:
    proc = run(EXAMPLES / "ci_sarif.py", "-o", tmp_path / "out.sarif", "--today", "2026-11-28",
               "--strict")  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr


@pytest.fixture
def plugin_env(tmp_path: Path) -> dict[str, str]:
    """The example plugin made visible to importlib.metadata without pip: a *.dist-info
    folder with its entry_points.txt on PYTHONPATH, beside the package's own folder."""
    site = tmp_path / "site"
    info = site / "pathways_contact_hours-0.1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: pathways-contact-hours\nVersion: 0.1.0\n", encoding="utf-8"
    )
    pyproject = (EXAMPLES / "plugin_rule" / "pyproject.toml").read_text(encoding="utf-8")
    section = pyproject.split('[project.entry-points."pathways.rules"]', 1)[1].split("\n[", 1)[0]
    entries = [line for line in section.splitlines() if "=" in line and not line.startswith("#")]
    (info / "entry_points.txt").write_text(
        "[pathways.rules]\n" + "\n".join(e.replace('"', "") for e in entries) + "\n",
        encoding="utf-8",
    )
    path = os.pathsep.join([str(site), str(EXAMPLES / "plugin_rule")])
    return {"PYTHONPATH": path}


def test_plugin_rule_runs_with_the_built_in_rules(
    tmp_path: Path, plugin_env: dict[str, str]
) -> None:
    """With the plugin installed, validate reports PW901 at the contact without hours."""
    doc = tmp_path / "p.yaml"
    doc.write_text(DEAD_END, encoding="utf-8")
    proc = run("-m", "pathways", "validate", doc, "--today", "2026-11-28", env=plugin_env)
    assert proc.returncode == 1  # PW104 is still an error
    lines = proc.stdout.splitlines()
    assert any(":4:" in line and "PW901 [warning]" in line and "'1280'" in line for line in lines)
    # the line docs/plugins.md shows, word for word
    page = (ROOT / "docs" / "plugins.md").read_text(encoding="utf-8")
    shown = page.split("```text\n", 1)[1].split("\n", 1)[0]
    assert shown.startswith("p.yaml:") and f"{doc}{shown.removeprefix('p.yaml')}" in lines
    assert any("PW104" in line for line in lines)


def test_plugin_rule_has_a_documentation_page(plugin_env: dict[str, str]) -> None:
    proc = run("-m", "pathways", "rules", "PW901", env=plugin_env)
    assert proc.returncode == 0, proc.stderr
    assert "contact-without-hours" in proc.stdout and "## Why is this bad?" in proc.stdout


def test_without_the_plugin_there_is_no_pw901(tmp_path: Path) -> None:
    doc = tmp_path / "p.yaml"
    doc.write_text(DEAD_END, encoding="utf-8")
    proc = run("-m", "pathways", "validate", doc, "--today", "2026-11-28")
    assert "PW901" not in proc.stdout
