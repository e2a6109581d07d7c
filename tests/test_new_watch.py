"""`pathways new` (a starter file that validates clean and simulates) and `pathways watch`
(checks and draws again on every save), issue 18's coordinator workflow."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import pathways
from pathways.cli import main
from pathways.cli.new import starter
from tests.hyp import examples


def test_new_writes_a_commented_file_that_validates_and_simulates(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "pathway.yaml"
    assert main(["new", str(out), "--no-input"]) == 0
    said = capsys.readouterr().out
    assert f"wrote {out}: 0 errors, 0 warnings, 0 info notes" in said
    assert "pathways watch" in said
    text = out.read_text(encoding="utf-8")
    assert text.count("\n# ") >= 8  # every section explained
    p = pathways.load(out)
    assert pathways.check(p) == []
    assert p.simulation is not None and "risk" in p.simulation.population
    result = pathways.simulate(p, cases=200, seed=1).to_dict()
    assert result["cases"] == 200
    assert main(["validate", str(out)]) == 0


def test_new_takes_the_answers_as_options(tmp_path: Path) -> None:
    out = tmp_path / "school.yaml"
    code = main(
        [
            "new", str(out), "--title", 'School: "disclosure"', "--intake", "Primary school",
            "--intake-sector", "education", "--lead", "Village chief", "--lead-sector",
            "village", "--no-input",
        ]
    )  # fmt: skip
    assert code == 0
    p = pathways.load(out)
    assert (p.id, p.title) == ("school-disclosure", 'School: "disclosure"')
    assert [(a.id, a.sector) for a in p.agencies] == [
        ("primary-school", "education"),
        ("village-chief", "village"),
    ]
    assert p.sectors == ("village",)  # a sector of its own is declared
    assert pathways.check(p) == []


def test_new_asks_in_a_terminal(tmp_path: Path) -> None:
    """Run in a terminal (a real pseudo-terminal here), `new` asks what the options leave
    out; an empty answer takes the example shown."""
    import os

    out = tmp_path / "asked.yaml"
    master, slave = os.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "pathways", "new", str(out)],
        stdin=slave,
        stdout=slave,
        stderr=slave,
    )
    os.close(slave)
    os.write(master, b"Hotline pathway\nNational hotline\n\nProvincial DoSVY\nsocial\n")
    said = b""
    while True:
        try:
            chunk = os.read(master, 4096)
        except OSError:  # the terminal closes when the command ends
            break
        if not chunk:
            break
        said += chunk
    os.close(master)
    assert proc.wait(timeout=60) == 0, said
    assert b"Which agency receives reports?" in said
    p = pathways.load(out)
    assert p.id == "hotline-pathway"
    assert [(a.id, a.sector) for a in p.agencies] == [
        ("national-hotline", "hotline"),
        ("provincial-dosvy", "social"),
    ]
    assert pathways.check(p) == []


def test_new_refuses_to_overwrite_and_bad_answers(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "p.yaml"
    out.write_text("keep me", encoding="utf-8")
    assert main(["new", str(out), "--no-input"]) == 2
    assert "exists; pass --force" in capsys.readouterr().err
    assert out.read_text(encoding="utf-8") == "keep me"
    assert main(["new", str(out), "--no-input", "--force"]) == 0
    assert main(["new", str(tmp_path / "q.yaml"), "--no-input", "--id", "Bad Id"]) == 2
    assert main(["new", str(tmp_path / "r.yaml"), "--no-input", "--lead-sector", "So Cial"]) == 2
    err = capsys.readouterr().err
    assert "--id 'Bad Id'" in err and "--lead-sector 'So Cial'" in err


@settings(max_examples=examples(25), deadline=None)
@given(title=st.text(max_size=40), intake=st.text(max_size=30), lead=st.text(max_size=30))
def test_any_answers_give_a_clean_file(title: str, intake: str, lead: str) -> None:
    """Whatever a coordinator types (quotes, colons, Khmer, control characters), the starter
    loads, keeps the text exactly, and has no findings."""
    p = pathways.loads(starter(title=title, intake=intake, lead=lead))
    assert p.title == title
    assert p.agencies[0].name == intake
    assert pathways.check(p) == []


def test_watch_checks_again_when_the_file_is_saved(tmp_path: Path) -> None:
    """A real save (a typo in a step id) is seen: the findings and the drawing are redone.
    The command says "watching" once its watcher runs; no sleeps, a bounded wait."""
    src = tmp_path / "p.yaml"
    svg = tmp_path / "p.svg"
    assert main(["new", str(src), "--no-input"]) == 0
    cmd = [sys.executable, "-m", "pathways", "watch", str(src), "-o", str(svg), "--stop-after", "1"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        assert proc.stdout is not None
        before = []
        for line in proc.stdout:
            before.append(line)
            if line.startswith("watching"):
                break
        assert any("0 errors, 0 warnings, 0 info notes" in line for line in before), before
        assert any(f"drew {svg}" in line for line in before)
        first = svg.read_bytes()
        broken = src.read_text(encoding="utf-8").replace("to: safety_plan", "to: safety_pln")
        src.write_text(broken, encoding="utf-8")
        rest, _ = proc.communicate(timeout=60)
    finally:
        proc.kill()
        proc.wait()
    assert proc.returncode == 0, rest
    assert "PW003" in rest and "safety_pln" in rest
    assert "1 error" in rest
    assert "not drawn: the file does not load" in rest
    assert svg.read_bytes() == first  # a file that does not load is not drawn over the last one


def test_watch_refuses_a_missing_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["watch", str(tmp_path / "nope.yaml")]) == 2
    assert "no such file" in capsys.readouterr().err
