"""Issue 18, plain words: each problem a coordinator met, as a regression test."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

import pathways
from pathways.cli import main
from pathways.errors import LoadError

ROOT = Path(__file__).resolve().parent.parent
P1 = ROOT / "pathways" / "kh" / "csa-in-person.yaml"
COMMANDS = [
    "audit", "diff", "export", "import", "migrate", "new", "render", "report", "routes",
    "rules", "schema", "simulate", "trace", "validate", "watch",
]  # fmt: skip


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_examples_in_its_help(
    command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Help that assumed a programmer: every command now shows examples to copy."""
    assert main([command, "--help"]) == 0
    text = capsys.readouterr().out
    assert "Examples:" in text
    examples = text.split("Examples:", 1)[1].split("Arguments:", 1)[0].split("Options:", 1)[0]
    lines = [line.strip() for line in examples.splitlines() if line.strip()]
    assert lines and all(line.startswith(f"pathways {command}") for line in lines), lines


def test_the_commands_listed_here_are_all_the_commands() -> None:
    from typer.main import get_command

    from pathways.cli import app

    assert sorted(get_command(app).commands) == sorted(COMMANDS)  # type: ignore[attr-defined]


BODY = "format: pathways/1\nid: x\nsteps:\n"


@pytest.mark.parametrize(
    ("text", "words"),
    [
        (
            BODY + "  - id: a\n    label: Report: received\n",
            'a colon inside a value: put the value in quotes, e.g. label: "Report: received"',
        ),
        (
            BODY + "  - {id: a, kind: entry, label: Report: received}\n",
            'a colon inside a value: put the value in quotes, e.g. label: "Report: received"',
        ),
        (BODY + "\t- id: a\n", "a tab in the indentation: indent with spaces, never tabs"),
        # libyaml's words for a tab inside a block: "found a tab character that violates
        # indentation" (it gave the catch-all "not valid YAML here").
        (
            BODY + "  - id: a\n\tkind: entry\n",
            "a tab in the indentation: indent with spaces, never tabs",
        ),
        (BODY + '  - {id: a, label: "Report}\n', "a quote is opened and never closed"),
        (BODY + "  - id: a\n - id: b\n", "is not lined up with the keys around it"),
        (BODY + "  - id: @a\n", "a value starts with @, which YAML keeps for itself"),
    ],
    ids=["colon", "colon-in-braces", "tab", "tab-in-block", "quote", "indent", "reserved"],
)
def test_yaml_syntax_errors_are_sentences(text: str, words: str) -> None:
    """Parser words ("mapping values are not allowed in this context") became a sentence
    with the usual fix; the parser's words stay at the end, in brackets."""
    with pytest.raises(LoadError) as caught:
        pathways.loads(text)
    (finding,) = caught.value.findings
    assert finding.code == "PW001"
    assert words in finding.message, finding.message
    assert "(parser: " in finding.message


@pytest.mark.parametrize(
    ("value", "words"),
    [
        (
            r'"ស \ud83d\ude00"',
            r"the escape \ud83d\ude00 is a surrogate pair, which YAML does not read: write the "
            r"character itself, or YAML's 8-digit escape \U0001F600",
        ),
        (
            r'"ស \uDBFF\uDFFF"',
            r"the escape \uDBFF\uDFFF is a surrogate pair, which YAML does not read: write the "
            r"character itself, or YAML's 8-digit escape \U0010FFFF",
        ),
        (
            r'"ស \ude00 x"',
            r"the escape \ude00 is half of a surrogate pair, not a character: write the "
            r"character itself, or YAML's 8-digit escape (e.g. \U0001F600)",
        ),
    ],
    ids=["pair", "last-pair", "half"],
)
def test_a_json_surrogate_pair_escape_says_what_yaml_reads(value: str, words: str) -> None:
    """`title: "\\ud83d\\ude00"` (JSON's escape for an emoji) was "not valid YAML here: check
    the quotes and the indentation"; now PW001 at the escape names YAML's 8-digit escape."""
    with pytest.raises(LoadError) as caught:
        pathways.loads(f"format: pathways/1\nid: x\ntitle: {value}\n")
    (finding,) = caught.value.findings
    assert finding.code == "PW001"
    assert finding.message == f"not readable as YAML: {words} " + (
        "(parser: found invalid Unicode character escape code)"
    )
    assert (finding.location.line, finding.location.column) == (3, 11)


def test_a_bare_number_for_a_duration_is_a_finding() -> None:
    """`within: 72` was silently 72 hours; now PW504 asks "72 what?" and says what to write."""
    text = (ROOT / "tests/rules/fixtures/PW504/valid-units.yaml").read_text(encoding="utf-8")
    p = pathways.loads(text.replace("within: 72h", "within: 72"))
    (finding,) = [f for f in pathways.check(p) if f.code == "PW504"]
    assert finding.message == (
        "within: 72 what? A bare number is read as hours: write 72h, or 72d if you meant days"
    )
    assert (
        finding.location.line
        == text.splitlines().index(
            next(line for line in text.splitlines() if "within: 72h" in line)
        )
        + 1
    )
    assert pathways.check(pathways.loads(text)) == []
    assert main(["rules", "PW504"]) == 0  # the rule has its page


def test_routes_text_names_steps_and_says_no_limit(capsys: pytest.CaptureFixture[str]) -> None:
    """`routes` printed ids (timing_check), "routes: infinite" and "unbounded hours
    expected"; now labels, "no limit (...)", and hours as "654.4 h (3.9 weeks)"."""
    assert main(["routes", str(P1)]) == 0
    out = capsys.readouterr().out
    assert "routes from an entry to an outcome: no limit (a loop can repeat)" in out
    assert "longest: no limit (a loop on the route takes time)" in out
    assert re.search(r"shortest: [\d,.]+ h \([\d.]+ (days|weeks)\) expected", out), out
    assert "Did the incident happen within the last 72 hours?" in out
    assert "timing_check" not in out and "infinite" not in out and "unbounded" not in out
    assert main(["routes", str(P1), "--format", "json"]) == 0  # JSON keeps ids
    assert "timing_check" in capsys.readouterr().out


def test_report_uses_the_one_duration_format_and_embeds_rule_pages(tmp_path: Path) -> None:
    """ "within 3d" in the report against "72h" on the diagram and "34.8 wk" in charts: now
    "72 h (3 days)" everywhere; rule links go to pages written beside the report."""
    from pathways.report import write_report

    index = write_report(P1, tmp_path, today=dt.date(2026, 11, 28), cases=300, seed=1)
    html = (index.parent / "kh-csa-in-person.html").read_text(encoding="utf-8")
    assert "within 72 h (3 days)" in html
    assert not re.search(r"\d wk\b|within \dd\b", html)
    index = write_report(P1, tmp_path / "many", today=dt.date(2026, 11, 28), cases=1200, seed=1)
    html = (index.parent / "kh-csa-in-person.html").read_text(encoding="utf-8")
    # Counts as the CLI writes them (issue 18 audit: "10000 (seed 0)", bins of "1660").
    assert "1,200 (seed 1)" in html
    bins = [int(n.replace(",", "")) for n in re.findall(r"\): ([\d,]+)</title>", html)]
    assert sum(bins) == 1200
    from pathways.report.charts import histogram

    assert "3 h: 1,660</title>" in histogram([1, 2, 3], [7, 1660], title="t")
    fixture = ROOT / "tests/rules/fixtures/PW504/invalid-bare-numbers.yaml"
    index = write_report(fixture, tmp_path / "fx", today=dt.date(2026, 11, 28), simulation=False)
    html = (index.parent / "fx.html").read_text(encoding="utf-8")
    links = set(re.findall(r'href="(rules/PW\d{3}\.html)"', html))
    assert links
    for link in links:
        page = (index.parent / link).read_text(encoding="utf-8")
        assert "<h2>What it does</h2>" in page and "../site" not in page
    assert "../site/" not in html


def test_findings_overlay_has_short_titles(tmp_path: Path) -> None:
    """The overlay showed only "PW305"; now the code and the rule's short title."""
    from pathways.render import to_dot

    p = pathways.load(ROOT / "tests/rules/fixtures/PW504/invalid-bare-numbers.yaml")
    source = to_dot(p, findings=pathways.check(p)).source
    assert "PW504 duration without unit" in source
    khmer = to_dot(p, findings=pathways.check(p), lang="km").source
    assert "PW504" in khmer and "duration without unit" not in khmer  # no English in Khmer


def _without_label(deadline: str) -> str:
    """P1's text with the label of ``deadline`` taken out (the bundled deadlines have labels)."""
    text = P1.read_text(encoding="utf-8")
    cut = re.sub(rf"(\n  - id: {deadline}\n)    label: [^\n]*\n", r"\1", text)
    assert cut != text
    return cut


def test_report_names_outcomes_deadlines_and_steps_by_label(tmp_path: Path) -> None:
    """The report's simulation tables printed ids ("closed", "pep-window") where the CLI
    printed "Case closed", and its responsibility table "answer the referral from
    risk_assessment", "of step police_report": now labels, in tables, what-if sentences and
    the responsibility table (ids stay in the JSON and in <code>)."""
    from pathways.report import write_report

    text = _without_label("police-report-48h")
    source = tmp_path / "p1.yaml"
    source.write_text(text, encoding="utf-8")
    index = write_report(source, tmp_path / "out", today=dt.date(2026, 11, 28), cases=200)
    html = (index.parent / "kh-csa-in-person.html").read_text(encoding="utf-8")
    cells = set(re.findall(r"<td>([^<]*)</td>", html))
    assert "Case closed" in cells and "closed" not in cells
    assert "PEP window" in cells and "pep-window" not in cells
    assert "police-report-48h" in cells  # no label: the id is all there is
    assert re.search(r"of cases( \([^)]*\))? miss PEP window", html), "what-if sentence"
    assert "deadline PEP window missed" in html
    assert "answer the referral from Risk assessment and safety plan within 24 h" in html
    assert "of step Police report to the prosecutor" in html
    assert "from risk_assessment" not in html and "of step police_report" not in html


def test_simulate_names_deadlines_by_label(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`simulate` printed a deadline's id ("pep-window") in its table, what-if KPIs and
    sentences even where the file gives the deadline a label; now the label (ids stay in
    the JSON)."""
    text = _without_label("police-report-48h")
    source = tmp_path / "p1.yaml"
    source.write_text(text, encoding="utf-8")
    run = ["simulate", str(source), "--cases", "200", "--no-progress"]
    assert main(run) == 0
    out = capsys.readouterr().out
    assert "PEP window" in out and "pep-window" not in out
    assert "police-report-48h" in out  # no label: the id is all there is
    assert main([*run, "--compare", "all"]) == 0
    out = capsys.readouterr().out
    words = " ".join(out.replace("│", " ").split())  # rich wraps long cells and lines
    assert "deadline PEP window missed" in words and "miss PEP window" in words
    assert "pep-window" not in out


def test_khmer_report_names_visibility_levels_in_khmer(tmp_path: Path) -> None:
    """A Khmer report wrote the visibility levels in English ("partners" in the facts, the
    contacts note and the footer) and the page of a pathway the reader may not see was
    English whole; now the catalogue's words."""
    from pathways.i18n import tr
    from pathways.report import write_report

    today = dt.date(2026, 11, 28)
    small = ROOT / "tests/rules/fixtures/PW305/valid-consent-or-override.yaml"
    text = small.read_text(encoding="utf-8")
    source = tmp_path / "small.yaml"
    source.write_text(text, encoding="utf-8")
    index = write_report(source, tmp_path / "km", lang="km", today=today, simulation=False)
    html = (index.parent / "fx.html").read_text(encoding="utf-8")
    assert ">partners<" not in html
    assert f"<dd>{tr('partners', 'km')}</dd>" in html
    assert f"<strong>{tr('partners', 'km')}</strong>" in html
    source.write_text(text.replace("id: fx\n", "id: fx\nvisibility: restricted\n", 1))
    index = write_report(source, tmp_path / "s", lang="km", today=today, simulation=False)
    page = (index.parent / "fx.html").read_text(encoding="utf-8")
    assert "This pathway is marked" not in page
    assert f"<strong>{tr('restricted', 'km')}</strong>" in page
