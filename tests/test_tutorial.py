"""docs/tutorial.md stays true: its files give exactly the findings it shows."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from pathways.cli import main

ROOT = Path(__file__).resolve().parent.parent
TUTORIAL = (ROOT / "docs" / "tutorial.md").read_text(encoding="utf-8")


def block(marker: str) -> str:
    """The fenced code block right after ``<!-- tutorial: MARKER -->``."""
    match = re.search(rf"<!-- tutorial: {re.escape(marker)} -->\n```\w*\n(.*?)```", TUTORIAL, re.S)
    assert match, f"no block marked {marker!r} in docs/tutorial.md"
    return match.group(1)


def validate(tmp_path: Path, text: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    (tmp_path / "mine.yaml").write_text(text, encoding="utf-8")
    code = main(["validate", "mine.yaml", "--today", "2026-11-28"])
    return code, capsys.readouterr().out


def fixed(text: str) -> str:
    """Step 5: delete the `statement` step and send `interview` straight to `closed`."""
    lines = [line for line in text.splitlines(keepends=True) if "statement" not in line]
    out = "".join(lines)
    return (
        out.replace("  - {from: interview, to: closed}\n", "")
        + "  - {from: interview, to: closed}\n"
    )


@pytest.fixture(autouse=True)
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)


def test_first_pathway_gives_the_finding_shown(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = validate(tmp_path, block("mine.yaml"), capsys)
    assert code == 1
    assert out == block("output mine.yaml")


def test_fix_leaves_no_finding(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = validate(tmp_path, fixed(block("mine.yaml")), capsys)
    assert (code, out) == (0, "")


def test_summaries_go_to_the_error_stream_as_shown(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Step 3: the summary the page quotes goes to stderr; step 5: the fixed file's summary is
    the line the page shows."""
    validate(tmp_path, block("mine.yaml"), capsys)  # clears what it printed
    main(["validate", "mine.yaml", "--today", "2026-11-28"])
    summary = re.search(r"The summary \(`([^`]+)`\) goes to the error stream", TUTORIAL)
    assert summary and capsys.readouterr().err.strip() == summary.group(1)
    (tmp_path / "mine.yaml").write_text(fixed(block("mine.yaml")), encoding="utf-8")
    assert main(["validate", "mine.yaml", "--today", "2026-11-28"]) == 0
    shown = re.search(r"Validate again\. No finding is printed.*?```text\n(.*?)```", TUTORIAL, re.S)
    assert shown and capsys.readouterr() == ("", shown.group(1))


def test_guards_give_the_case_shown(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = fixed(block("mine.yaml"))
    text = text.replace(
        "roles:\n", "case_fields:\n  age: {type: integer, min: 0, max: 17}\nroles:\n"
    )
    text = text.replace(
        "  - {from: assessment, to: interview, probability: 0.6}\n"
        "  - {from: assessment, to: closed, probability: 0.4}\n",
        '  - {from: assessment, to: interview, when: "age < 12"}\n'
        '  - {from: assessment, to: closed, when: "age > 12"}\n',
    )
    code, out = validate(tmp_path, text, capsys)
    assert code == 1
    assert out == block("output guards")
    # issue 18: the note that the file cannot be simulated, and the population that fixes it
    code, out = validate(tmp_path, text.replace('"age > 12"', '"age >= 12"'), capsys)
    assert (code, out.count("PW505 [info]")) == (0, 1)
    text = text.replace('"age > 12"', '"age >= 12"') + block("population")
    code, out = validate(tmp_path, text, capsys)
    assert (code, out) == (0, "")
    assert main(["simulate", "mine.yaml", "--cases", "100", "--no-progress"]) == 0


def test_report_command_of_the_tutorial(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "mine.yaml").write_text(fixed(block("mine.yaml")), encoding="utf-8")
    code = main(["report", "mine.yaml", "-o", "out/", "--cases", "200", "--today", "2026-11-28"])
    assert code == 0
    index = Path(capsys.readouterr().out.strip())
    assert index == Path("out/index.html") and index.exists()
    assert (tmp_path / "out" / "my-first-pathway.html").exists()


def test_the_tutorials_file_simulates(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Issue 18: the tutorial's own file (once fixed in step 5) simulates, without extra keys."""
    (tmp_path / "mine.yaml").write_text(fixed(block("mine.yaml")), encoding="utf-8")
    code = main(["simulate", "mine.yaml", "--cases", "300", "--format", "json"])
    assert code == 0
    result = json.loads(capsys.readouterr().out)
    assert result["cases"] == 300
    assert result["outcomes"]["closed"]["count"] == 300 and result["stuck"] == 0


def fixed_tracks(text: str) -> str:
    """Section 10: both ends of the police track meet at `police_done` before the join."""
    text = text.replace(
        "  - {id: conference, kind: join",
        '  - {id: police_done, role: officer, label: "Police report to the case conference", '
        "duration: 1h}\n  - {id: conference, kind: join",
    )
    return text.replace(
        "  - {from: interview, to: closed, probability: 0.3}\n"
        "  - {from: prosecutor, to: conference, kind: handoff}\n",
        "  - {from: interview, to: police_done, probability: 0.3}\n"
        "  - {from: prosecutor, to: police_done}\n"
        "  - {from: police_done, to: conference, kind: handoff}\n",
    )


def _has_track_rules() -> bool:
    from pathways.rules import get_rule

    return get_rule("PW110") is not None


needs_track_rules = pytest.mark.skipif(
    not _has_track_rules(), reason="PW110-PW113 (issue 12, the analysis half) have not landed"
)


@needs_track_rules
def test_tracks_deadlock_gives_the_findings_shown(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "tracks.yaml").write_text(block("tracks.yaml"), encoding="utf-8")
    code = main(["validate", "tracks.yaml"])
    assert code == 1
    assert capsys.readouterr().out == block("output tracks.yaml")


def test_tracks_fix_leaves_no_finding_and_simulates_the_slowest_track(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The fixed file validates clean; a case to the prosecutor closes after 30.5 h (the
    police track and the conference), the mean is 23.6 h, as the section says."""
    import pathways as pw

    text = fixed_tracks(block("tracks.yaml"))
    (tmp_path / "tracks.yaml").write_text(text, encoding="utf-8")
    assert (main(["validate", "tracks.yaml"]), capsys.readouterr().out) == (0, "")
    tto = pw.simulate(pw.loads(text), cases=2000, seed=0).time_to_outcome_hours
    assert tto["p90"] == pytest.approx(30.5) and tto["mean"] == pytest.approx(23.6, abs=0.3)


def test_draw_commands_of_the_tutorial(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Step 8: each `pathways render` line draws the fixed file and prints what it wrote."""
    (tmp_path / "mine.yaml").write_text(fixed(block("mine.yaml")), encoding="utf-8")
    section = TUTORIAL.split("## 8. Draw it for the working group", 1)[1].split("\n## ", 1)[0]
    lines = re.search(r"```sh\n(.*?)```", section, re.S)
    assert lines
    commands = [line.split("#", 1)[0].split() for line in lines.group(1).splitlines()]
    assert len(commands) == 3
    for words in commands:
        assert words[:2] == ["pathways", "render"]
        assert main(words[1:]) == 0, words
        out = words[words.index("-o") + 1]
        assert capsys.readouterr().out.strip() == out and (tmp_path / out).stat().st_size > 0
