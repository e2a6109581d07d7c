"""`pathways simulate`: exit codes, JSON, text tables, --set, --compare and -o."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pathways.cli import main

CSA = "pathways/kh/csa-in-person.yaml"


def test_json_output_is_the_spec_object(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(
        ["simulate", CSA, "--cases", "800", "--seed", "3", "--format", "json", "--no-progress"]
    )
    out = capsys.readouterr().out
    assert code == 0
    data = json.loads(out)
    assert data["pathway"] == "kh-csa-in-person" and data["cases"] == 800 and data["seed"] == 3
    assert "closed" in data["outcomes"]


def test_text_output_has_tables(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["simulate", CSA, "--cases", "500", "--no-progress"]) == 0
    out = capsys.readouterr().out
    for title in ("Outcomes", "Time to outcome", "Deadlines", "Roles", "Step visits"):
        assert title in out
    assert "pep-window" in out and "AHTJP judicial" in out  # labels, not ids
    assert "ahtjp_officer" not in out
    assert "% (" in out  # shares with their 95% interval: 12.4% (11.8-13.0)
    assert "p50, p90, p99: half" in out  # the footnote


def test_set_and_output_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """--set changes the model; -o writes the same JSON that --format json prints."""
    target = tmp_path / "r.json"
    args = ["simulate", CSA, "--cases", "500", "--format", "json", "-o", str(target)]
    assert main([*args, "--set", "roles.doctor.capacity=9", "--arrivals-per-day", "1"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert json.loads(target.read_text()) == printed
    assert printed["roles"]["doctor"]["capacity"] == 9
    assert printed["run"]["arrivals_per_day"] == 1


def test_bad_set_is_a_one_line_error(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["simulate", CSA, "--cases", "10", "--set", "roles.nobody.capacity=1"])
    err = capsys.readouterr().err
    assert code == 1
    assert err.count("\n") == 1 and "no role 'nobody'" in err


def test_compare_prints_both_and_the_difference(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """--compare runs B with the same seed; json holds a, b and diff = b - a."""
    args = ["simulate", CSA, "--cases", "600", "--compare", CSA, "--no-progress"]
    assert main([*args, "--format", "json", "--set", "roles.ahtjp_officer.capacity=8"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert set(data) == {"a", "b", "diff"}
    a, b, d = data["a"], data["b"], data["diff"]
    assert a["seed"] == b["seed"] == 0
    assert d["time_to_outcome_hours"]["mean"] == pytest.approx(
        b["time_to_outcome_hours"]["mean"] - a["time_to_outcome_hours"]["mean"]
    )
    assert d["time_to_outcome_hours"]["mean"] > 0  # B keeps the overloaded officers
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "B - A" in out and "role ahtjp_officer utilization" in out


def test_file_with_load_errors_exits_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("format: pathways/1\nid: x\nsteps: [{id: a, kind: nonsense}]\n")
    assert main(["simulate", str(bad), "--cases", "10"]) == 1
    assert "bad.yaml" in capsys.readouterr().err


def test_simulation_error_exits_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Capacities without any arrival rate: exit 1 with the reason."""
    p = tmp_path / "q.yaml"
    p.write_text(
        "format: pathways/1\nid: q\n"
        "agencies: [{id: a, name: A, sector: social}]\n"
        "roles: [{id: r, agency: a, title: R, capacity: 1}]\n"
        "steps: [{id: s, kind: entry, role: r}, {id: o, kind: outcome}]\n"
        "transitions: [{from: s, to: o}]\n"
    )
    assert main(["simulate", str(p), "--cases", "10"]) == 1
    assert "arrivals" in capsys.readouterr().err
