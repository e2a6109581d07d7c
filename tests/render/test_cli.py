"""``pathways render``: formats, options, exit codes and one-line errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pathways.cli import main

from ._helpers import DATA, P1, sim_json

HOSTILE = str(DATA / "hostile.yaml")

TODAY = "2026-11-28"  # PW502 (stale contacts) measures from it: pinned, not the real date


def test_render_writes_the_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Exit 0 and the written path on stdout."""
    out = tmp_path / "p1.dot"
    assert main(["render", "--today", TODAY, str(P1), "-o", str(out)]) == 0
    assert capsys.readouterr().out.strip() == str(out)
    assert out.read_text(encoding="utf-8").startswith('digraph "kh-csa-in-person"')


def test_errors_stop_the_drawing_unless_forced(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A file with error findings exits 1 naming file, line and --force; --force draws it."""
    out = tmp_path / "h.mmd"
    assert main(["render", "--today", TODAY, HOSTILE, "-o", str(out)]) == 1
    err = capsys.readouterr().err
    assert "hostile.yaml:" in err and "--force" in err
    assert not out.exists()
    assert main(["render", "--today", TODAY, HOSTILE, "-o", str(out), "--force"]) == 0
    assert out.exists()


def test_findings_flag_overlays_codes(tmp_path: Path) -> None:
    """--findings runs the checks and writes their codes on the flagged steps and edges."""
    out = tmp_path / "h.dot"
    assert main(["render", "--today", TODAY, HOSTILE, "-o", str(out), "--force", "--findings"]) == 0
    source = out.read_text(encoding="utf-8")
    plain = tmp_path / "plain.dot"
    assert main(["render", "--today", TODAY, HOSTILE, "-o", str(plain), "--force"]) == 0
    found = {code for code in ("PW107", "PW205", "PW305", "PW402") if code in source}
    assert found, "no finding code drawn"
    assert not any(code in plain.read_text(encoding="utf-8") for code in found)
    assert "#C00000" in source  # an error outline


def test_findings_draws_a_file_with_errors(tmp_path: Path) -> None:
    """Issue 18: `render --findings` refused a file with errors, exactly when the overlay is
    needed; it now draws it, errors outlined, without --force."""
    out = tmp_path / "h.dot"
    assert main(["render", HOSTILE, "-o", str(out), "--findings"]) == 0
    assert "#C00000" in out.read_text(encoding="utf-8")


def test_layout_options(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """--direction TB draws top to bottom; wrong values of the layout options exit 2."""
    out = tmp_path / "p1.dot"
    assert main(["render", str(P1), "-o", str(out), "--direction", "TB"]) == 0
    assert "rankdir=TB" in out.read_text(encoding="utf-8")
    capsys.readouterr()
    for option, value in (("--direction", "up"), ("--page", "A5"), ("--orientation", "x")):
        assert main(["render", str(P1), "-o", str(out), option, value]) == 2
        assert f"{option} '{value}'" in capsys.readouterr().err


def test_simulation_option(tmp_path: Path) -> None:
    """--simulation reads simulate's JSON and draws waits and visits."""
    result = tmp_path / "sim.json"
    doctor = {"wait_hours_mean": 7.5, "wait_hours_p90": 9.0, "utilization": 0.5}
    sim = sim_json(roles={"doctor": doctor}, steps={"medical_urgent": {"visits": 3500}})
    result.write_text(json.dumps(sim), encoding="utf-8")
    out = tmp_path / "p1.dot"
    assert (
        main(["render", "--today", TODAY, str(P1), "-o", str(out), "--simulation", str(result)])
        == 0
    )
    assert "wait 7.5 h · 3,500 visits" in out.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["-o", "x.jpg"], "unknown suffix '.jpg'; use one of .svg, .png, .pdf, .dot, .mmd"),
        (["-o", "x.svg", "--visibility", "secret"], "choose one of public, partners, restricted"),
        (["-o", "x.svg", "--today", "2026-13-01"], "is not a date; write YYYY-MM-DD"),
        (["-o", "x.svg", "--simulation", str(DATA / "hostile.yaml")], "not JSON"),
        (["-o", "x.svg", "--simulation", str(DATA / "not-a-simulation.json")], "'cases' is miss"),
    ],
)
def test_usage_errors_are_one_line(
    args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Bad options exit 2 with one line saying what to do."""
    assert main(["render", "--today", TODAY, str(P1), *args]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err
    assert message in err


def test_missing_file(capsys: pytest.CaptureFixture[str]) -> None:
    """A missing input file exits 2 with one line naming it."""
    assert main(["render", "--today", TODAY, "nope.yaml", "-o", "x.svg"]) == 2
    assert capsys.readouterr().err.strip() == "error: no such file: 'nope.yaml'"


def test_lang_and_visibility(tmp_path: Path) -> None:
    """--lang km draws Khmer labels in a Khmer font; --visibility public drops partner contacts."""
    out = tmp_path / "km.dot"
    assert (
        main(
            [
                "render",
                "--today",
                TODAY,
                str(P1),
                "-o",
                str(out),
                "--lang",
                "km",
                "--visibility",
                "public",
            ]
        )
        == 0
    )
    source = out.read_text(encoding="utf-8")
    assert 'fontname="Khmer OS"' in source and "បិទករណី" in source
    assert "provincial office" not in source  # partners-level contacts
    assert "1288" in source  # a public contact


def test_missing_graphviz_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without dot on PATH, SVG exits 1 with one line naming the install command; .mmd works."""
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    assert main(["render", "--today", TODAY, str(P1), "-o", str(tmp_path / "p.svg")]) == 1
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "apt-get install graphviz" in err
    assert main(["render", "--today", TODAY, str(P1), "-o", str(tmp_path / "p.mmd")]) == 0
