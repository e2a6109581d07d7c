"""Regression tests for the hostile inputs of issue 17 (files under tests/data/hostile/).

Each file once raised a traceback (ValueError, TypeError, OverflowError, IndexError) in some
command, or validated clean and then crashed ``simulate``/``report``/``dump``. Now each one is
either a finding at the offending value, or loads and goes through every output.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

import pathways as pw
from pathways.render import to_dot, to_mermaid
from pathways.report import pathway_report

HOSTILE = Path(__file__).parent / "data" / "hostile"

# file -> (code, line, column) of the first finding: a PW0xx at the value, never a traceback.
REFUSED = {
    "arrivals-1e-320": ("PW002", 8, 32),
    "arrivals-inf": ("PW002", 8, 32),
    "arrivals-nan": ("PW002", 8, 32),
    "bad-date": ("PW002", 5, 107),
    "delay-inf": ("PW006", 12, 39),
    "duration-inf": ("PW006", 9, 59),
    "huge-capacity": ("PW002", 7, 68),
    "huge-duration": ("PW006", 9, 59),
    "huge-iso-duration": ("PW006", 9, 59),
    "inf-max": ("PW002", 9, 37),
    "list-id": ("PW002", 5, 10),
    "list-step-id": ("PW002", 11, 10),
    "guard-constant": ("PW005", 15, 47),
    "uniform-huge": ("PW002", 10, 13),
    "uniform-inf": ("PW002", 10, 13),
}

# Files that load: every output must work on them.
LOADED = ("base", "date-step-id", "tiny-duration")


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_hostile_value_is_a_finding_at_the_value(name: str) -> None:
    with pytest.raises(pw.LoadError) as info:
        pw.load(HOSTILE / f"{name}.yaml")
    first = info.value.findings[0]
    assert (first.code, first.line, first.column) == REFUSED[name]
    # One short line: a 400-digit value is cut in the message.
    assert "\n" not in str(first) and len(first.message) < 400


@pytest.mark.parametrize("name", LOADED)
def test_loaded_hostile_file_goes_through_every_output(name: str) -> None:
    pathway = pw.load(HOSTILE / f"{name}.yaml")
    pw.check(pathway)
    result = pw.simulate(pathway, cases=50)
    assert "digraph" in to_dot(pathway, visibility="restricted").source
    to_mermaid(pathway, visibility="restricted")
    assert "<html" in pathway_report(pathway, cases=50, diagram=False)
    assert pw.loads(pw.dump(pathway)) == pathway
    assert pw.loads(pw.dump(pathway, fmt="json")) == pathway
    assert result.to_dict()


def test_date_like_step_id_stays_an_id() -> None:
    pathway = pw.load(HOSTILE / "date-step-id.yaml")
    assert pathway.entry_steps() == ["2026-13-45"]


@pytest.mark.parametrize("hours", [2.7777777777777777e-11, -0.0, 5e-324, 1e-7, 876_600.0])
def test_dump_writes_durations_load_reads(hours: float) -> None:
    from pathways.durations import format_hours, parse_hours

    text = format_hours(hours)
    assert "e" not in text and not text.startswith("-")
    assert parse_hours(text) == hours


# --- visibility: one policy, every output ------------------------------------------------------

SECRETS = ("zs", "Zeta Shelter", "zeta_caseworker", "zeta_safehouse")


def _leaks(text: str) -> list[str]:
    """Secrets quoted or standing as words in ``text`` ('zs' is too short to search bare)."""
    import re

    return [s for s in SECRETS if re.search(rf"(?<![\w-]){re.escape(s)}(?![\w-])", text)]


def test_public_report_names_no_restricted_agency(tmp_path: Path) -> None:
    """Tables, charts, finding messages and the load-error page of a public report show the
    restricted shelter only as a stand-in (issue 17: roles table, utilisation chart, 'zs')."""
    from pathways.report import write_report

    files = [HOSTILE / "restricted-agency.yaml", HOSTILE / "restricted-load-error.yaml"]
    write_report(files, tmp_path, visibility="public", cases=200, workers=1)
    pages = {p.name: p.read_text(encoding="utf-8") for p in tmp_path.glob("*.html")}
    for name, html in pages.items():
        assert not _leaks(html), name
    assert "restricted-agency-1" in pages["restricted-load-error.html"]  # declared: ...
    assert "(restricted role)" in pages["restricted-agency.html"]  # the charts' stand-in
    write_report(files, tmp_path / "r", visibility="restricted", cases=200)
    assert "Zeta Shelter caseworker" in (tmp_path / "r" / "restricted-agency.html").read_text()


@pytest.mark.parametrize("command", ["validate", "routes", "simulate"])
def test_cli_visibility_option(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    from pathways.cli import main

    extra = ["--cases", "100", "--format", "json"] if command == "simulate" else []
    for name in ("restricted-agency", "restricted-load-error"):
        path = str(HOSTILE / f"{name}.yaml")
        assert main([command, "--visibility", "public", path, *extra]) in (0, 1)
        out = capsys.readouterr()
        assert not _leaks(out.out + out.err), (command, name)
    main(["validate", str(HOSTILE / "restricted-load-error.yaml")])  # default: no redaction
    assert "zeta_safehouse" in capsys.readouterr().out


def test_visibility_option_is_one_line_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    from pathways.cli import main

    assert main(["validate", "--visibility", "secret", str(HOSTILE / "base.yaml")]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "choose one of public, partners, restricted" in err


# --- bounded work and one-line CLI failures ----------------------------------------------------


def test_endless_loop_is_refused_before_running() -> None:
    """A 20-line file that validates clean and traps every case (issue 17: 597 s, 1.25 GB)."""
    pathway = pw.load(HOSTILE / "endless-loop.yaml")
    assert not [f for f in pw.check(pathway) if f.severity.value == "error"]
    with pytest.raises(pw.SimulationError, match="never leave the loop 'intake', 'review'"):
        pw.simulate(pathway, cases=10_000)


def test_report_notes_an_endless_loop_instead_of_crashing() -> None:
    html = pathway_report(pw.load(HOSTILE / "endless-loop.yaml"), cases=200, diagram=False)
    assert "never leave the loop" in html


def test_cases_ceiling_and_time_budget() -> None:
    pathway = pw.load(HOSTILE / "base.yaml")
    with pytest.raises(pw.SimulationError, match="over the ceiling"):
        pw.simulate(pathway, cases=10**13)
    assert pw.simulate(pathway, cases=20, max_cases=20).cases == 20
    with pytest.raises(pw.SimulationError, match="budget"):
        pw.simulate(pathway, cases=400_000, time_limit=1e-9)


def _fifo(tmp_path: Path) -> Path:
    import os

    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    return fifo


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["simulate", "BASE", "--cases", "100000000000000000000000"], 1, "ceiling"),
        (["simulate", "BASE", "--scheduler", "not a url"], 1, "not an address"),
        (["simulate", "BASE", "--arrivals-per-day", "nan"], 1, "arrivals per day"),
        (["simulate", "BASE", "--set", "roles.counsellor.capacity=" + "[" * 5000], 1, "nested"),
        (["simulate", "BASE", "--set", "roles.counsellor.capacity=" + "9" * 24], 1, "1000000"),
        (["simulate", "BASE", "-o", "MISSING/x.json"], 2, "does not exist"),
        (["simulate", "BASE", "-o", "TMP"], 2, "is a folder"),
        (["validate", "FIFO"], 2, "not a regular file"),
        (["routes", "FIFO"], 2, "not a regular file"),
        (["render", "BASE", "-o", "TMP/x.dot", "--simulation", "/dev/zero"], 2, "regular file"),
        (["render", "BASE", "-o", "TMP/x.dot", "--simulation", "DEEP"], 2, "nests deeper"),
        (["render", "BASE", "-o", "MISSING/x.dot"], 2, "does not exist"),
        (["report", "BASE", "-o", "MISSING/a/b", "--no-simulation"], 2, "does not exist"),
        (["validate", "BASE", "--visibility", "x" * 5000], 2, "choose one of"),
    ],
)
def test_cli_failures_are_one_line(
    args: list[str], code: int, message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from pathways.cli import main

    deep = tmp_path / "deep.json"
    deep.write_text("[" * 100_000 + "]" * 100_000)
    names = {
        "BASE": str(HOSTILE / "base.yaml"),
        "TMP": str(tmp_path),
        "MISSING": str(tmp_path / "missing"),
        "DEEP": str(deep),
    }
    if "FIFO" in args:
        names["FIFO"] = str(_fifo(tmp_path))
    argv = [names.get(a, a) for a in args]
    argv = [
        a.replace("TMP/", f"{tmp_path}/").replace("MISSING/", f"{tmp_path}/missing/") for a in argv
    ]
    assert main(argv) == code
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and message in err, err
    assert len(err) < 400


def test_many_unknown_keys_are_counted_not_listed(tmp_path: Path) -> None:
    """450k unknown keys took 36 s, 1.1 GB and 123 MB of output: now the first 20 are listed
    and the rest counted in one finding (the test uses 20,000)."""
    path = tmp_path / "keys.yaml"
    extra = "".join(f"k{i}: {i}\n" for i in range(20_000))
    path.write_text((HOSTILE / "base.yaml").read_text() + extra)
    with pytest.raises(pw.LoadError) as info:
        pw.load(path)
    findings = info.value.findings
    assert len(findings) == 21
    assert "19,980 more unknown keys" in findings[-1].message


def test_findings_printed_per_rule_and_file_are_capped() -> None:
    from pathways.validate import render_findings

    many = [
        pw.Finding(
            "PW002", "schema", pw.Severity.ERROR, f"problem {i}", pw.Location("a.yaml", i, 1)
        )
        for i in range(1, 121)
    ]
    text, _ = render_findings(many, "text", files=1)
    assert text.count("PW002 [error]") == 50
    assert "a.yaml: 70 more PW002 findings not shown" in text
    github, _ = render_findings(many, "github", files=1, max_per_rule=10)
    assert github.count("::error") == 10 and "::notice::a.yaml: 110 more PW002" in github
    everything, _ = render_findings(many, "json", files=1)
    assert everything.count('"code": "PW002"') == 120


def test_report_of_a_run_where_no_case_reaches_an_outcome() -> None:
    html = pathway_report(pw.load(HOSTILE / "all-stuck.yaml"), cases=100, diagram=False)
    assert "Outcome shares" in html and "stuck" in html


def test_github_count_of_findings_not_shown_is_one_escaped_line() -> None:
    """The notice counting the findings left out quoted the file name as written: a name
    holding a newline started a workflow command of its own (here an ::error), and a % was
    read as an escape. It is escaped as every message is."""
    from pathways.validate import render_findings

    name = "a\n::error file=x::forged%0A.yaml"
    many = [
        pw.Finding("PW002", "schema", pw.Severity.ERROR, f"problem {i}", pw.Location(name, i, 1))
        for i in range(1, 13)
    ]
    github, _ = render_findings(many, "github", files=1, max_per_rule=10)
    lines = github.splitlines()
    assert len(lines) == 11 and all(
        line.startswith(("::error file=", "::notice::")) for line in lines
    )
    assert (
        lines[-1]
        == "::notice::a%0A::error file=x::forged%250A.yaml: 2 more PW002 findings not shown"
        " (--max-per-rule 0 shows all)"
    )


@given(st.floats(min_value=0.0, max_value=876_600.0, allow_nan=False))
def test_every_duration_in_range_round_trips_through_dump(hours: float) -> None:
    """dump writes only what load reads: any duration in the documented range, tiny and
    subnormal ones included, is written in a form parse_hours reads back exactly."""
    from pathways.durations import format_hours, parse_hours

    text = format_hours(hours)
    assert "e" not in text and not text.startswith("-")
    assert parse_hours(text) == hours


# --- terminal: control characters in user text are shown, not obeyed --------------------------

TERMINAL = HOSTILE / "terminal.yaml"
OBEYED = ("\x1b", "\x07", "\x08", "\r", "\x9b", "\u202e")  # what a terminal would act on


class _Terminal:
    """A stream that says it is a terminal (what a user's shell gives the command)."""

    def __init__(self) -> None:
        import io

        self.text = io.StringIO()

    def write(self, text: str) -> int:
        return self.text.write(text)

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return True

    encoding = "utf-8"


@pytest.mark.parametrize(
    "args",
    [
        ["validate"],
        ["routes"],
        ["trace", "risk=high", "age=3"],
        ["diff", "tests/data/hostile/base.yaml"],
        ["simulate", "--cases", "50", "--no-progress", "--compare", "two"],
    ],
    ids=lambda a: a[0],
)
def test_text_outputs_do_not_drive_the_terminal(
    args: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    """Labels holding ESC sequences (colour, OSC title and clipboard, erase), BEL, backspace,
    carriage return, a C1 CSI or a bidi override were printed as written by routes, trace,
    diff and simulate, so a terminal obeyed them; now each is U+FFFD, to a pipe or a file too."""
    from pathways.cli import main

    main([args[0], str(TERMINAL), *args[1:]])
    out = capsys.readouterr()
    text = out.out + out.err
    assert not [c for c in OBEYED if c in text], text
    if args[0] not in ("validate", "diff"):  # validate quotes no label, diff quotes with repr
        assert "\ufffd" in text


def test_a_terminal_gets_colours_but_no_other_control(monkeypatch: pytest.MonkeyPatch) -> None:
    """To a terminal, everything the command line writes is filtered (JSON too), but the SGR
    colour sequences rich writes for its tables; a pipe gets JSON strings exact."""
    import re
    import sys

    from pathways.cli import main

    for command in (["simulate", "--cases", "50", "--no-progress"], ["routes", "--format", "json"]):
        out, err = _Terminal(), _Terminal()
        monkeypatch.setattr(sys, "stdout", out)
        monkeypatch.setattr(sys, "stderr", err)
        monkeypatch.setenv("FORCE_COLOR", "1")
        assert main([command[0], str(TERMINAL), *command[1:]]) == 0
        text = out.text.getvalue() + err.text.getvalue()
        rest = re.sub(r"\x1b\[[0-9;]*m", "", text)
        assert not [c for c in OBEYED if c in rest], rest
        if command[0] == "simulate":
            assert rest != text  # rich's colours are kept
    monkeypatch.undo()


def test_no_stream_stays_no_stream(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without a standard output (None, as under pythonw) the command runs and writes
    nothing, as click does; it did not become a filter around None that fails to write."""
    import sys

    from pathways.cli import main

    monkeypatch.setattr(sys, "stdout", None)
    assert main(["routes", str(TERMINAL)]) == 0


def test_a_pipe_or_file_gets_the_text_as_written() -> None:
    """Only a terminal's stream is filtered: JSON piped on keeps its strings exact."""
    import io

    from pathways.cli._terminal import Shown

    pipe, terminal = io.StringIO(), _Terminal()
    for stream in (pipe, terminal):
        Shown(stream).write('{"label": "a\x85b\u202e"}')  # type: ignore[arg-type]
    assert pipe.getvalue() == '{"label": "a\x85b\u202e"}'
    assert terminal.text.getvalue() == '{"label": "a\ufffdb\ufffd"}'
    Shown(terminal).writelines(["\x1b]0;t\x07\n"])  # type: ignore[arg-type]  # not around it
    assert terminal.text.getvalue().endswith("\ufffd]0;t\ufffd\n")


def test_report_shows_controls_and_bidi_overrides_as_the_diagram_does(tmp_path: Path) -> None:
    """The diagram drew control characters and bidi overrides (which can disguise text) as
    U+FFFD, but the report's tables, charts and trace panel showed them as written."""
    from pathways.report import write_report

    write_report([TERMINAL], tmp_path, cases=50, workers=1)
    html = (tmp_path / "hostile-terminal.html").read_text(encoding="utf-8")
    assert not [c for c in ("\x1b", "\x07", "\x08", "\x9b", "\u202e") if c in html]
    assert "Closed \ufffdesrever" in html and "Intake \ufffd[31mred" in html


# --- every output, with markup of each in every text -------------------------------------------

EVERYWHERE = HOSTILE / "labels-everywhere.yaml"
PAYLOAD = '</script><script>alert(1)</script>"><svg onload=alert(2)>]]>--><!--&amp;`%%{init}%%'


def test_every_output_shows_markup_in_every_text_as_text(tmp_path: Path) -> None:
    """One file with HTML, SVG, XML, Mermaid, DOT and GitHub-command syntax, a control
    character and a bidi override in every text a user writes (titles, labels, names, role
    titles, descriptions, contacts, sources, field and value labels, enum values in guards,
    events, tags, reasons, deadlines, scenarios; English and Khmer): every output is well
    formed, adds no element, attribute or script, and shows the text; a public reader sees
    no name or role title of the restricted agency."""
    import json

    from lxml import etree
    from lxml import html as lhtml

    from pathways.bpmn.export import to_bpmn
    from pathways.bpmn.importer import loads_bpmn
    from pathways.report import write_report
    from pathways.validate import render_findings

    p = pw.load(EVERYWHERE)
    found = pw.check(p)
    for lang in (None, "km"):
        svg = etree.fromstring(pw.render(p, tmp_path / f"{lang}.svg", lang=lang).read_bytes())
        tags = {etree.QName(el).localname for el in svg.iter() if isinstance(el.tag, str)}
        assert tags <= {"svg", "g", "title", "text", "polygon", "path", "ellipse", "polyline"}
        assert not [a for el in svg.iter() for a in el.attrib if a.lower().startswith("on")]
        texts = " ".join("".join(t.itertext()) for t in svg.iter("{*}text"))
        assert PAYLOAD[:30] in texts and "SECRET" not in texts  # default reader: partners
        assert "\u202e" not in texts and "\x01" not in texts
    write_report([EVERYWHERE], tmp_path / "report", visibility="public", cases=50, workers=1)
    for page in (tmp_path / "report").glob("*.html"):
        text = page.read_text(encoding="utf-8")
        assert "SECRET" not in text, page.name
        tree = lhtml.document_fromstring(text)
        scripts = [s for s in tree.iter("script")]
        assert all(s.get("src") is None for s in scripts)
        assert not [s for s in scripts if "alert" in (s.text or "") and s.get("type") is None]
        assert not [a for el in tree.iter() for a in el.attrib if a.lower().startswith("on")]
    assert PAYLOAD in "".join(
        lhtml.document_fromstring(
            (tmp_path / "report" / "labels-everywhere.html").read_text(encoding="utf-8")
        ).itertext()
    )
    for level in ("public", "restricted"):
        xml = to_bpmn(p, visibility=level, layout="layered")
        etree.fromstring(xml.encode())
        back = loads_bpmn(xml.encode(), "x.bpmn")
        assert back.label("intake").startswith("I" + PAYLOAD)
        assert (level == "restricted") == ("SECRET" in xml)
    json.loads(render_findings(found, "json", files=1)[0])
    json.loads(render_findings(found, "sarif", files=1)[0])
    github = render_findings(found, "github", files=1)[0]
    assert all(line.startswith("::") for line in github.splitlines())
