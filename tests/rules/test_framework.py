"""The rule framework: registry, docs, selection, configuration, waivers, crashes, plugins."""

from __future__ import annotations

import datetime as dt
import json
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given

from pathways import Pathway, Severity, check, loads
from pathways.findings import Finding, Location
from pathways.rules import (
    ALL_RULES,
    SECTIONS,
    RuleContext,
    get_rule,
    is_selected,
    plugin_rules,
    rule,
)
from pathways.testing.strategies import pathways
from tests.rules.conftest import TODAY

BASE = """\
format: pathways/1
id: fw
agencies:
  - id: a
    name: A
    sector: social
    contacts: [{channel: phone, value: "1", verified_on: 2020-01-01}]
  - {id: h, name: H, sector: health, contacts: [{channel: phone, value: "2"}]}
roles:
  - {id: r, agency: a, title: R}
  - {id: d, agency: h, title: D}
steps:
  - {id: start, kind: entry, role: r}
  - {id: interview, kind: action, role: r, tags: [interview]}
  - {id: hearing, kind: action, role: r, tags: [interview]}
  - {id: medical, kind: action, role: d}
  - {id: done, kind: outcome}
transitions:
  - {from: start, to: interview}
  - {from: interview, to: hearing}
  - {from: hearing, to: medical}
  - {from: medical, to: done}
"""


def _load(extra: str = "") -> Pathway:
    return loads(BASE + textwrap.dedent(extra), "fw.yaml")


def _codes(findings: list[Finding]) -> list[str]:
    return sorted({f.code for f in findings})


def test_registry_sorted_unique_and_complete() -> None:
    """ALL_RULES is sorted by code, codes and names are unique, and SPEC's codes are all there."""
    codes = [r.code for r in ALL_RULES]
    assert codes == sorted(codes)
    assert len(set(codes)) == len(codes)
    assert len({r.name for r in ALL_RULES}) == len(codes)
    spec = {f"PW1{i:02d}" for i in range(1, 10)} | {f"PW2{i:02d}" for i in range(1, 7)}
    spec |= {f"PW3{i:02d}" for i in range(1, 7)} | {"PW401", "PW402", "PW403"}
    spec |= {"PW501", "PW502", "PW503", "PW000"} | {f"PW00{i}" for i in range(1, 7)}
    spec |= {"PW110", "PW111", "PW112", "PW113", "PW114"}  # SPEC 7.1; PW114 is an addition
    spec |= {"PW007"}  # an addition: what a BPMN import could not map (issue 14)
    spec |= {"PW504", "PW505"}  # issue 18 (docs/spec-additions.md)
    assert set(codes) == spec


def test_loading_codes_are_rules_with_the_loaders_names() -> None:
    """PW001-PW006 are load-stage rules named as the loader's findings are; check() skips them,
    and `pathways rules PW005` and SARIF find their pages (issue 11)."""
    from pathways.ci_formats import to_sarif
    from pathways.cli import main
    from pathways.load.codes import LOAD_RULES, finding

    loading = {r.code: r.name for r in ALL_RULES if r.stage == "load"}
    assert loading == LOAD_RULES
    assert all(r.severity is Severity.ERROR for r in ALL_RULES if r.stage == "load")
    assert not [f for f in check(_load(), select=["PW0"], today=TODAY)]
    assert main(["rules", "PW005"]) == 0
    f = finding("PW005", "guard 'x <': expected a value", Location("p.yaml", 3, 4))
    (sarif_rule,) = json.loads(to_sarif([f]))["runs"][0]["tool"]["driver"]["rules"]
    assert sarif_rule["id"] == "PW005" and "## What it does" in sarif_rule["help"]["markdown"]


@pytest.mark.parametrize("r", ALL_RULES, ids=lambda r: r.code)
def test_docstring_sections(r: Any) -> None:
    """Every rule page has What it does / Why is this bad? / Example / Use instead."""
    positions = [r.doc.find(section) for section in SECTIONS]
    assert all(p >= 0 for p in positions), r.code
    assert positions == sorted(positions), r.code
    assert r.summary and len(r.summary) < 200
    assert r.page().startswith(f"# {r.code} {r.name}\n")


def test_rule_decorator_validates_metadata() -> None:
    """Codes are PW + three digits and names are kebab-case."""
    with pytest.raises(ValueError, match="code"):
        rule(code="X1", name="ok", severity=Severity.INFO)
    with pytest.raises(ValueError, match="kebab"):
        rule(code="PW900", name="Not_Kebab", severity=Severity.INFO)
    with pytest.raises(ValueError, match="stage"):
        rule(code="PW900", name="ok", severity=Severity.INFO, stage="render")


def test_get_rule_is_case_insensitive() -> None:
    assert get_rule("pw301") is get_rule("PW301")
    assert get_rule("PW999") is None


@pytest.mark.parametrize(
    ("code", "select", "ignore", "expected"),
    [
        ("PW301", None, None, True),
        ("PW301", ["PW3"], None, True),
        ("PW301", ["PW1"], None, False),
        ("PW301", ["PW3"], ["PW30"], False),
        ("PW301", ["PW301"], ["PW3"], True),
        ("PW301", ["PW3"], ["PW3"], False),
        ("PW301", ["ALL"], ["PW302"], True),
        ("PW302", ["ALL"], ["PW302"], False),
    ],
)
def test_selection_most_specific_wins(
    code: str, select: list[str] | None, ignore: list[str] | None, expected: bool
) -> None:
    """Like ruff: the longest matching selector decides, and ignore wins a tie."""
    assert is_selected(code, select=select, ignore=ignore) is expected


def test_check_select_and_ignore_prefixes() -> None:
    """check() runs only the selected family, minus the ignored codes."""
    p = _load()
    assert "PW301" in _codes(check(p, today=TODAY))
    only3 = check(p, select=["PW3"], ignore=["PW305"], today=TODAY)
    assert only3 and all(f.code.startswith("PW3") and f.code != "PW305" for f in only3)
    assert check(p, select=["PW1"], today=TODAY) == []


def test_file_rules_block_and_cli_override() -> None:
    """The file's ignore and severity apply; options passed to check() win over the file."""
    p = _load("rules:\n  ignore: [PW502, PW301]\n  severity: {PW305: warning}\n")
    codes = _codes(check(p, today=TODAY))
    assert "PW502" not in codes and "PW301" not in codes and "PW305" in codes
    assert all(f.severity is Severity.WARNING for f in check(p, today=TODAY) if f.code == "PW305")
    assert "PW502" in _codes(check(p, select=["PW5"], today=TODAY))
    assert _codes(check(p, select=["PW301"], today=TODAY)) == ["PW301"]


def test_file_select() -> None:
    """A file-level select limits the rules unless the caller selects."""
    p = _load("rules:\n  select: [PW502]\n")
    assert _codes(check(p, today=TODAY)) == ["PW502"]
    assert _codes(check(p, select=["PW301"], today=TODAY)) == ["PW301"]


def test_waivers_turn_findings_into_infos() -> None:
    """A waiver matching code and step (or transition) leaves an info saying why."""
    p = _load(
        """\
        waivers:
          - {code: PW301, step: hearing, reason: "judge may re-hear the child"}
          - {code: PW305, transition: 2, reason: "mandatory medical report"}
          - {code: PW301, step: start, reason: "does not match"}
        """
    )
    found = check(p, select=["PW301", "PW305"], today=TODAY)
    pw301 = [f for f in found if f.code == "PW301"]
    assert len(pw301) == 1 and pw301[0].severity is Severity.INFO
    assert "waived" in pw301[0].message and "judge may re-hear the child" in pw301[0].message
    assert pw301[0].route == ("start", "interview", "hearing", "medical", "done")
    pw305 = [f for f in found if f.code == "PW305"]
    assert [(f.transition, f.severity) for f in pw305] == [(2, Severity.INFO)]


def test_output_sorted_and_deterministic() -> None:
    """Findings come sorted by file, line, column and code, identical from run to run."""
    p = _load()
    first = check(p, today=TODAY)
    assert first == sorted(first, key=Finding.sort_key)
    assert first == check(_load(), today=TODAY)


def test_pathway_built_in_code_reports_line_one() -> None:
    """Without a source map, findings point at line 1 of the pathway's pseudo-file."""
    p = Pathway.model_validate(
        {
            "format": "pathways/1",
            "id": "code-built",
            "steps": [{"id": "s", "kind": "entry"}, {"id": "o", "kind": "outcome"}],
        }
    )
    found = check(p, select=["PW104", "PW201"], today=TODAY)
    assert {(f.code, f.location.file, f.location.line) for f in found} == {
        ("PW104", "<code-built>", 1),
        ("PW201", "<code-built>", 1),
    }


def test_report_needs_a_rule() -> None:
    with pytest.raises(RuntimeError):
        RuleContext(_load()).report(("steps",), "x")


def test_stale_contact_default_today() -> None:
    """Without `today`, rules measure from the real date: RuleContext.today lies between two
    readings of the date (the one test of the default; every other test pins `today`)."""
    before = dt.date.today()
    today = RuleContext(_load()).today
    after = dt.date.today()
    assert before <= today <= after
    assert "PW502" in _codes(check(_load(), select=["PW502"], today=TODAY))


# ---------------------------------------------------------------------------------- plugins

PLUGIN = '''
from pathways.findings import Severity
from pathways.rules import rule


@rule(code="PW901", name="always-crashes", severity=Severity.WARNING)
def crashes(ctx):
    """## What it does
    Crashes."""
    raise KeyError("boom")
    yield


@rule(code="PW902", name="no-title", severity=Severity.INFO)
def no_title(ctx):
    """## What it does
    Notes a missing title."""
    if ctx.pathway.title is None:
        yield ctx.report(("id",), "the pathway has no title")


@rule(code="PW301", name="clash", severity=Severity.INFO)
def clash(ctx):
    yield from ()


not_a_rule = 42
'''


@pytest.fixture
def plugins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    """A real distribution on sys.path that publishes rules under `pathways.rules`."""
    (tmp_path / "pw_test_plugin.py").write_text(PLUGIN, encoding="utf-8")
    info = tmp_path / "pw_test_plugin-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: pw-test-plugin\nVersion: 0.1\n", encoding="utf-8"
    )
    (info / "entry_points.txt").write_text(
        "[pathways.rules]\n"
        "crashes = pw_test_plugin:crashes\n"
        "no_title = pw_test_plugin:no_title\n"
        "clash = pw_test_plugin:clash\n"
        "not_a_rule = pw_test_plugin:not_a_rule\n"
        "missing = pw_test_missing_module:rule\n",
        encoding="utf-8",
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    plugin_rules.cache_clear()
    yield
    sys.modules.pop("pw_test_plugin", None)
    plugin_rules.cache_clear()


@pytest.mark.usefixtures("plugins")
def test_plugins_run_and_crashes_become_pw000() -> None:
    """Plugin rules run; a crashing rule and broken plugins become PW000, never a crash."""
    found = check(_load(), today=TODAY)
    codes = [f.code for f in found]
    assert "PW902" in codes  # the working plugin rule ran
    assert "PW301" in codes and "PW502" in codes  # built-in rules still ran
    internal = [f for f in found if f.code == "PW000"]
    messages = " | ".join(f.message for f in internal)
    assert "rule PW901 (always-crashes) crashed: KeyError" in messages
    assert "'missing'" in messages and "could not be loaded" in messages
    assert "'not_a_rule'" in messages and "'clash'" in messages
    assert all(f.severity is Severity.ERROR and f.rule == "internal-error" for f in internal)
    assert get_rule("PW902") is not None


def test_crash_location_is_line_one() -> None:
    f = Finding("PW000", "internal-error", Severity.ERROR, "x", Location("p.yaml", 1, 1))
    assert str(f) == "p.yaml:1:1: PW000 x"


LOOP_INTERVIEW = """\
format: pathways/1
id: loop
policies: {max_interviews: LIMIT}
agencies: [{id: a, name: A, sector: social}]
roles: [{id: r, agency: a, title: R}]
steps:
  - {id: start, kind: entry, role: r}
  - {id: interview, role: r, tags: [interview]}
  - {id: review, role: r}
  - {id: done, kind: outcome}
transitions:
  - {from: start, to: interview}
  - {from: interview, to: review}
  - {from: review, to: interview}
  - {from: review, to: done}
"""


@pytest.mark.parametrize("limit", [0, 1, 3, 10**9])
def test_pw301_witness_goes_round_the_loop_just_enough(limit: int) -> None:
    """An interview on a loop: the witness passes the limit when that takes a few turns, and
    shows the loop once (never billions of turns) when the limit is huge."""
    p = loads(LOOP_INTERVIEW.replace("LIMIT", str(limit)), "loop.yaml")
    (f,) = check(p, select=["PW301"], today=TODAY)
    assert f.route is not None and f.route[0] == "start" and f.route[-1] == "done"
    interviews = f.route.count("interview")
    assert interviews == (max(limit + 1, 2) if limit <= 3 else 2)  # the loop is taken once
    assert "unbounded" in f.message and f.step == "interview"


@given(pathways())
def test_check_never_crashes_on_valid_generated_pathways(p: Pathway) -> None:
    """check() returns sorted findings and no PW000 on generated valid pathways, whose
    guards are exhaustive and disjoint (so no PW402/PW403 either)."""
    found = check(p, today=TODAY)
    assert found == sorted(found, key=Finding.sort_key)
    codes = {f.code for f in found}
    assert not codes & {"PW000", "PW101", "PW102", "PW402", "PW403"}


def test_rule_pages_generated(tmp_path: Path) -> None:
    """docs/rules/index.md lists every rule and links one page per code."""
    from pathways.rules._docs import rules_index, write_rule_pages

    index = rules_index()
    for r in ALL_RULES:
        assert f"[{r.code}]({r.code}.md)" in index
    write_rule_pages(tmp_path)
    pages = sorted(p.name for p in (tmp_path / "rules").glob("PW*.md"))
    assert pages == [f"{r.code}.md" for r in ALL_RULES]
    assert (
        (tmp_path / "rules" / "PW303.md").read_text("utf-8").startswith("# PW303 deadline-at-risk")
    )
