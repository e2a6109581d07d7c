"""Issue 18's new-user problems on the command line, each as a regression test."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import pathways
from pathways.cli import main


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    """`pathways --version` prints the version (there was none)."""
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"pathways {pathways.__version__}"


def test_counts_read_as_words(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Issue 18: "1 errors"; "infos" in the CLI, "notes" in the report. Now "1 error" and
    "info notes" in both."""
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "format: pathways/1\nid: x\nversion: '1'\ntitle: X\nlocales: [en]\n"
        "roles: []\nsteps:\n  - {id: a, kind: entry, label: A}\n"
        "  - {id: b, kind: action, label: B}\ntransitions: []\n",
        encoding="utf-8",
    )
    main(["validate", str(bad)])
    err = capsys.readouterr().err
    summary = next(line for line in err.splitlines() if "checked:" in line)
    assert re.search(
        r"checked: (1 error|\d+ errors), (1 warning|\d+ warnings), (1 info note|\d+ info notes)$",
        summary,
    ), summary


_INFO_ONLY = """\
format: pathways/1
id: x
version: '1'
title: X
locales: [en]
agencies:
  - id: ag
    name: Agency
    sector: social
    contacts: [{channel: phone, value: '1', verified_on: 2026-01-01}]
roles:
  - {id: r, agency: ag, title: Worker}
steps:
  - {id: a, kind: entry, role: r, label: A}
  - {id: b, kind: outcome, label: B}
transitions:
  - {from: a, to: b}
"""


def test_info_is_one_word(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Issue 18 (audit, partial): a finding's line said "[info]" and the counts "notes". The
    line keeps the severity value SPEC section 3 defines (``info``, as JSON and
    ``rules.severity`` write it); the counts of validate and the report say "info notes"."""
    path = tmp_path / "x.yaml"
    path.write_text(_INFO_ONLY, encoding="utf-8")
    assert main(["validate", str(path), "--today", "2026-06-01"]) == 0
    out, err = capsys.readouterr()
    assert re.search(r"PW503 \[info\] ", out), out
    assert err.strip().endswith("0 errors, 0 warnings, 1 info note"), err
    assert main(["report", str(path), "-o", str(tmp_path / "r"), "--no-simulation"]) == 0
    page = (tmp_path / "r" / "x.html").read_text(encoding="utf-8")
    assert "0 errors, 0 warnings, 1 info note." in page
    assert ">info</span>" in page
    assert " notes" not in page.replace("info notes", "")


def test_trace_lang_error_has_the_one_style(capsys: pytest.CaptureFixture[str]) -> None:
    """Audit of issue 18: `trace --lang xx` said "error: --lang: ..." where every other
    command says "error: invalid value for --lang: ..."."""
    example = "tests/data/agency-referral.yaml"
    lines = []
    for command in ("trace", "validate"):
        assert main([command, example, "--lang", "xx"]) == 2
        lines.append(capsys.readouterr().err.strip())
    assert (
        lines[0]
        == lines[1]
        == "error: invalid value for --lang: unknown language 'xx'; use one of en, km"
    )


@pytest.mark.parametrize("lang", ["KM", "km_KH", "km-KH"])
def test_a_locale_of_khmer_reads_the_files_khmer_labels(
    lang: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Issue 18 audit: `--lang km_KH` (as LANG spells it) or `--lang KM` drew the tool's words
    in Khmer but the labels in English, with a warning that the file "has no km_KH labels
    (its locales: en, km)". A locale of the file's language now reads its labels, silently."""
    example = Path("pathways/kh/csa-in-person.yaml")
    khmer = "ប៉ុស្តិ៍នគរបាលឃុំ/សង្កាត់ ទទួល"
    out = tmp_path / "p.mmd"
    assert main(["render", str(example), "-o", str(out), "--lang", lang]) == 0
    assert capsys.readouterr().err == ""
    drawn = out.read_text(encoding="utf-8")
    assert khmer in drawn and "Report received" not in drawn
    assert pathways.load(example).label("report_police", lang).startswith(khmer)


def test_rules_mistakes_have_the_one_error_style(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Issue 18 audit: `pathways rules PW999` said "pathways rules: unknown rule code ..."
    where every other command says "error: invalid value for ...". Now the one style, with a
    "did you mean" for a code missing its zeros or a near name; a rule's name finds its page
    as its code does (the list shows both)."""
    monkeypatch.setenv("PATHWAYS_LANG", "km")  # rules' pages and errors stay English
    for wrong, hint in [
        ("PW999", ""),
        ("PW02", "; did you mean PW002?"),
        ("dead-end", "; did you mean dead-end-step?"),
    ]:
        assert main(["rules", wrong]) == 2
        assert capsys.readouterr().err == (
            f"error: invalid value for RULE_CODE: unknown rule code {wrong!r}{hint} "
            "(run `pathways rules` to list every code)\n"
        )
    assert main(["rules", "dead-end-step"]) == 0
    assert capsys.readouterr().out.startswith("# PW104 dead-end-step\n")


@pytest.mark.parametrize(
    "command",
    [["rules"], ["schema"], ["rules", "PW001"], ["diff", "pathways/kh/csa-in-person.yaml"]],
    ids=["rules", "schema", "rules-code", "diff"],
)
def test_every_command_refuses_an_unknown_lang(
    command: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    """Issue 18 audit: `diff --lang kh`, `rules --lang kh` and `schema --lang kh` went on in
    English without a word (every other command refuses it with "did you mean km?")."""
    if command[0] == "diff":
        command = [*command, command[1]]
    for lang in (["--lang", "kh"], ["--lang=kh"]):
        assert main([*command, *lang]) == 2
        assert capsys.readouterr().err == (
            "error: invalid value for --lang: unknown language 'kh'; did you mean km? "
            "(kh is Cambodia's country code; Khmer is km)\n"
        )
    assert main([*command, "--lang", "km"]) in (0, 1)


def test_a_language_of_the_files_labels_is_accepted_by_the_commands_that_show_labels(
    french_starter: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Issue 18 audit: with a file labelled in French (`locales: [en, fr]`), `render` and
    `trace --lang fr` drew its French labels while `routes` and `simulate` refused `--lang fr`
    as an unknown language. They now check --lang against the file's locales, as render does
    (the tool's own words stay English: there is no French catalogue)."""
    path = french_starter
    for command in (["routes"], ["simulate", "--cases", "50", "--no-progress"]):
        assert main([command[0], str(path), *command[1:], "--lang", "fr"]) == 0, command
        assert "Signalement reçu" in capsys.readouterr().out
    assert main(["routes", str(path), "--lang", "kh"]) == 2
    assert "did you mean km?" in capsys.readouterr().err
