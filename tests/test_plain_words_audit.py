"""Issue 18, the leftovers of the last audit: each problem as a regression test."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from pathways.cli import main

ROOT = Path(__file__).resolve().parent.parent
P1 = ROOT / "pathways" / "kh" / "csa-in-person.yaml"
KHMER = re.compile("[\u1780-\u17ff]")


def test_every_rule_has_a_short_title_in_the_catalogue() -> None:
    """The findings overlay's short titles ("PW504 duration without unit") were English in a
    Khmer drawing, or the code alone: each built-in rule's title is now a catalogue entry."""
    from pathways.i18n import tr
    from pathways.rules import ALL_RULES
    from pathways.rules._titles import TITLES

    assert sorted(TITLES) == sorted(r.name for r in ALL_RULES)
    for name, title in TITLES.items():
        assert title == name.replace("-", " ")
        khmer = tr(title, "km")
        assert khmer != title and KHMER.search(khmer), title


def test_render_findings_km_writes_the_rule_titles_in_khmer(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`render --findings --lang km`: the overlay showed "PW504" alone (the title had no
    Khmer); it shows the code with the title in Khmer, and the English one in English."""
    from pathways.i18n import tr

    fixture = ROOT / "tests/rules/fixtures/PW504/invalid-bare-numbers.yaml"
    out = tmp_path / "f.dot"
    assert main(["render", str(fixture), "--findings", "--lang", "km", "-o", str(out)]) == 0
    drawn = out.read_text(encoding="utf-8")
    assert f"PW504 {tr('duration without unit', 'km')}" in drawn
    assert "duration without unit" not in drawn
    capsys.readouterr()
    assert main(["render", str(fixture), "--findings", "-o", str(out)]) == 0
    assert "PW504 duration without unit" in out.read_text(encoding="utf-8")


def test_simulate_errors_have_the_one_error_style(capsys: pytest.CaptureFixture[str]) -> None:
    """`pathways simulate` began its errors "pathways simulate: error:", a third style beside
    "error: ..." (usage, load) and the findings' lines: now "error: ..." like the others."""
    argv = ["simulate", str(P1), "--set", "roles.doctr.capacity=2", "--no-progress"]
    for lang, start in (("en", "error: --set"), ("km", "កំហុស៖ --set")):
        assert main([*argv, "--lang", lang]) == 1
        err = capsys.readouterr().err
        assert err.startswith(start) and "pathways simulate" not in err, err
