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
    assert "PEP window" in out and "AHTJP judicial" in out  # labels, not ids
    assert "pep-window" not in out
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


SCENARIOS = """
scenarios:
  - name: one-doctor
    description: "1 doctor"
    set: [roles.doctor.capacity=1, simulation.arrivals_per_day=12]
  - name: more-officers
    set: [roles.ahtjp_officer.capacity=8]
"""


def with_scenarios(tmp_path: Path) -> str:
    target = tmp_path / "csa.yaml"
    text = Path(CSA).read_text(encoding="utf-8").split("\nscenarios:\n")[0]  # the file's own
    target.write_text(text.rstrip("\n") + "\n" + SCENARIOS, encoding="utf-8")
    return str(target)


def test_compare_set_changes_with_the_baseline(capsys: pytest.CaptureFixture[str]) -> None:
    """--compare set: the --set changes are the what-if, the file as written the baseline;
    differences are what-if minus baseline, with an interval and a within-noise marker."""
    args = ["simulate", CSA, "--cases", "600", "--compare", "set", "--no-progress"]
    change = ["--set", "roles.ahtjp_officer.capacity=1", "--set", "simulation.arrivals_per_day=4"]
    assert main([*args, "--format", "json", *change]) == 0
    data = json.loads(capsys.readouterr().out)
    assert set(data) == {"baseline", "what_ifs"}
    base, (what_if,) = data["baseline"], data["what_ifs"]
    assert base["changes"] == [] and what_if["changes"] == [c for c in change if c != "--set"]
    assert base["result"]["seed"] == what_if["result"]["seed"] == 0
    rows = {r["kpi"]: r for r in what_if["differences"]}
    mean = rows["time_to_outcome_hours.mean"]
    assert mean["difference"] == pytest.approx(mean["what_if"] - mean["baseline"])
    assert mean["difference"] > 0 and not mean["within_noise"]
    assert mean["ci95"][0] <= mean["difference"] <= mean["ci95"][1]
    assert rows["outcomes.closed.share"]["within_noise"]
    assert main([*args, *change]) == 0
    out = capsys.readouterr().out
    assert "What-if --set" in out and "difference (95% CI)" in out and "within noise" in out


def test_compare_another_file_says_what_it_changes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """--compare FILE: the what-if's changes are what differs from the baseline as run (the
    semantic diff's sentences, then the simulation settings), not "none" (issue 13: --compare
    printed the file name and did not say what was changed)."""
    import yaml

    import pathways as pw

    doc = pw.load(CSA).model_dump(mode="json", by_alias=True, exclude_none=True)
    same, other = tmp_path / "same.yaml", tmp_path / "other.yaml"
    same.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    for role in doc["roles"]:
        if role["id"] == "doctor":
            role["capacity"] = 1
    doc["simulation"]["arrivals_per_day"] = 3
    other.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    args = ["simulate", CSA, "--cases", "300", "--no-progress", "--format", "json"]
    assert main([*args, "--compare", str(same), "--compare", str(other)]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [w["changes"] for w in data["what_ifs"]] == [
        [],
        ["role 'doctor': capacity changed from 2 to 1", "simulation.arrivals_per_day: 2 -> 3"],
    ]
    # against the baseline as run: with the same change made by --set, only the rate differs
    assert main([*args, "--compare", str(other), "--set", "roles.doctor.capacity=1"]) == 0
    (what_if,) = json.loads(capsys.readouterr().out)["what_ifs"]
    assert what_if["changes"] == ["simulation.arrivals_per_day: 2 -> 3"]
    assert main([*args[:-2], "--compare", str(other)]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "(changes: role 'doctor': capacity changed from 2 to 1, simulation" in out


def test_scenarios_by_name_and_all(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """--scenario runs one; --compare NAME compares it with the file as written, and says in
    plain words what the working group asks (share missing the window, saturation)."""
    path = with_scenarios(tmp_path)
    base = ["simulate", path, "--cases", "500", "--no-progress", "--format", "json"]
    assert main([*base, "--scenario", "one-doctor"]) == 0
    one = json.loads(capsys.readouterr().out)
    assert one["deadlines"]["pep-window"]["share_missed"] > 0.5
    assert main([*base, "--compare", "one-doctor", "--compare", "more-officers"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [w["name"] for w in data["what_ifs"]] == ["one-doctor", "more-officers"]
    first = data["what_ifs"][0]
    assert first["description"] == "1 doctor"
    assert any(
        s.startswith("with 1 doctor, ") and "miss pep-window" in s for s in first["sentences"]
    )


def test_scenario_errors_are_one_line_and_leave_no_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A scenario that names nothing stops the file loading (PW003 at the override, with the
    loader's 'did you mean'; it was found only when that scenario ran); an unknown scenario
    is one line. Exit 1 and no -o file either way."""
    path = with_scenarios(tmp_path)
    out = tmp_path / "r.json"
    base = ["simulate", path, "--cases", "100", "--no-progress", "-o", str(out)]
    assert main([*base, "--compare", "one-docter"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "did you mean 'one-doctor'?" in err
    broken = Path(path)
    text = broken.read_text(encoding="utf-8")
    broken.write_text(text + "  - name: broken\n    set: [roles.docter.capacity=1]\n")
    line = len(text.splitlines()) + 2
    assert main([*base, "--scenario", "broken"]) == 1
    err = capsys.readouterr().err
    assert (
        f"{path}:{line}:11: PW003 [error] scenario 'broken': --set roles.docter.capacity: "
        "no role 'docter'; did you mean 'doctor'?"
    ) in err
    assert not out.exists()


def test_set_names_a_transition_by_its_steps(capsys: pytest.CaptureFixture[str]) -> None:
    """transitions.from=A,to=B.key=value, with the loader's did-you-mean on a typo."""
    args = ["simulate", CSA, "--cases", "300", "--no-progress", "--format", "json", "--set"]
    assert main([*args, "transitions.from=consent,to=consent_override.probability=0.5"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["steps"]["consent_override"]["visits_per_case"] > 0.3  # 0.1 in the file
    assert main([*args, "transitions.from=consnt,to=consent_override.probability=0.5"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no transition has from=consnt; did you mean 'consent'?" in err


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
