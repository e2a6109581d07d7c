"""The BPMN mapping element by element (docs/bpmn.md), on small inline models."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import pathways as pw
from pathways.bpmn.importer import import_bpmn, loads_bpmn
from pathways.cli import main
from tests.hyp import examples

HEAD = (
    '<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" '
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">\n'
)


def bpmn(body: str) -> bytes:
    return (HEAD + body + "\n</definitions>\n").encode()


def flows(*pairs: str) -> str:
    out = []
    for i, pair in enumerate(pairs):
        source, _, target = pair.partition(">")
        out.append(f'<sequenceFlow id="f{i}" sourceRef="{source}" targetRef="{target}"/>')
    return "\n".join(out)


def kinds(p: pw.Pathway) -> dict[str, str]:
    return {s.id: s.kind for s in p.steps}


def edges(p: pw.Pathway) -> set[tuple[str, str]]:
    return {(t.source, t.to) for t in p.transitions}


def notes(p: pw.Pathway) -> list[str]:
    return [str(f) for f in p.source_map.notes]


def test_tasks_events_and_exclusive_gateways() -> None:
    p = loads_bpmn(
        bpmn(
            '<process id="p"><startEvent id="s"/><userTask id="t" name="Talk"/>'
            '<exclusiveGateway id="x"/><serviceTask id="a"/><manualTask id="b"/>'
            '<exclusiveGateway id="m"/><endEvent id="e"/>'
            + flows("s>t", "t>x", "x>a", "x>b", "a>m", "b>m", "m>e")
            + "</process>"
        ),
        "t.bpmn",
    )
    assert kinds(p) == {
        "s": "entry",
        "t": "action",
        "x": "decision",
        "a": "action",
        "b": "action",
        "m": "action",
        "e": "outcome",
    }
    steps = p.steps_by_id
    assert steps["t"].tags == ("user",) and steps["t"].label == "Talk"
    assert steps["a"].tags == ("service",) and steps["m"].tags == ("merge",)
    assert steps["t"].role == "p.staff" and p.roles_by_id["p.staff"].agency == "p"
    assert pw.check(p, select=["PW1"], today=dt.date(2026, 12, 1)) == []


def test_a_parallel_gateway_that_joins_and_splits_becomes_a_join_then_a_fork() -> None:
    p = loads_bpmn(
        bpmn(
            '<process id="p"><startEvent id="s"/><parallelGateway id="f"/><task id="a"/>'
            '<task id="b"/><parallelGateway id="g"/><task id="c"/><task id="d"/>'
            '<parallelGateway id="j"/><endEvent id="e"/>'
            + flows("s>f", "f>a", "f>b", "a>g", "b>g", "g>c", "g>d", "c>j", "d>j", "j>e")
            + "</process>"
        )
    )
    assert kinds(p)["f"] == "fork" and kinds(p)["j"] == "join"
    assert kinds(p)["g"] == "join" and kinds(p)["g.fork"] == "fork"
    assert {("g", "g.fork"), ("g.fork", "c"), ("g.fork", "d"), ("a", "g")} <= edges(p)
    assert pw.check(p, select=["PW1"]) == []


def test_an_implicit_split_becomes_a_fork() -> None:
    p = loads_bpmn(
        bpmn(
            '<process id="p"><startEvent id="s"/><task id="t"/><task id="a"/><task id="b"/>'
            '<parallelGateway id="j"/><endEvent id="e"/>'
            + flows("s>t", "t>a", "t>b", "a>j", "b>j", "j>e")
            + "</process>"
        )
    )
    assert kinds(p)["t.split"] == "fork"
    assert {("t", "t.split"), ("t.split", "a"), ("t.split", "b")} <= edges(p)


def test_timers_and_event_based_gateways_are_waits_with_durations() -> None:
    timer = (
        '<intermediateCatchEvent id="w" name="Three days"><timerEventDefinition>'
        '<timeDuration xsi:type="tFormalExpression">P3D</timeDuration>'
        "</timerEventDefinition></intermediateCatchEvent>"
    )
    p = loads_bpmn(
        bpmn(
            '<process id="p"><startEvent id="s"/><eventBasedGateway id="g"/>'
            f"{timer}"
            '<intermediateCatchEvent id="msg"><messageEventDefinition/></intermediateCatchEvent>'
            '<endEvent id="e"/>' + flows("s>g", "g>w", "g>msg", "w>e", "msg>e") + "</process>"
        )
    )
    assert kinds(p)["g"] == "wait" and kinds(p)["w"] == "wait" and kinds(p)["msg"] == "wait"
    duration = p.steps_by_id["w"].duration
    assert duration is not None and duration.max == 72.0
    assert p.steps_by_id["w"].tags == ("timer",)


def test_a_timer_without_an_iso_duration_is_a_finding() -> None:
    p = loads_bpmn(
        bpmn(
            '<process id="p"><startEvent id="s"/>\n'
            '<intermediateCatchEvent id="w"><timerEventDefinition>'
            "<timeDate>2027-01-01T00:00:00</timeDate></timerEventDefinition>"
            '</intermediateCatchEvent><endEvent id="e"/>' + flows("s>w", "w>e") + "</process>"
        ),
        "w.bpmn",
    )
    assert p.steps_by_id["w"].duration is None
    assert notes(p) == [
        "w.bpmn:3:1: PW007 intermediateCatchEvent 'w': a timer with timeDate (not a "
        "timeDuration) gives no duration"
    ]


def test_conditions_become_guards_or_labels_with_a_finding() -> None:
    p = loads_bpmn(
        bpmn(
            '<process id="p"><startEvent id="s"/><exclusiveGateway id="x" default="fd"/>'
            '<task id="a"/><task id="b"/><task id="c"/><endEvent id="e"/>'
            '<sequenceFlow id="f0" sourceRef="s" targetRef="x"/>\n'
            '<sequenceFlow id="fa" sourceRef="x" targetRef="a"><conditionExpression>'
            "${age &lt; 12}</conditionExpression></sequenceFlow>\n"
            '<sequenceFlow id="fb" sourceRef="x" targetRef="b"><conditionExpression>'
            "#{execution.getVariable('x') == 1}</conditionExpression></sequenceFlow>\n"
            '<sequenceFlow id="fd" name="otherwise" sourceRef="x" targetRef="c"/>'
            + flows("a>e", "b>e", "c>e").replace('id="f', 'id="g')
            + "</process>"
        ),
        "c.bpmn",
    )
    by_target = {t.to: t for t in p.transitions if t.source == "x"}
    assert by_target["a"].when == "age < 12"
    assert p.case_fields["age"].type == "number"
    assert by_target["b"].when is None
    assert by_target["b"].label == "execution.getVariable('x') == 1"
    assert by_target["c"].label == "otherwise" and by_target["c"].when is None
    (note,) = notes(p)
    assert note.startswith("c.bpmn:4:") and "'fb'" in note and "kept as the label" in note


def test_a_default_flow_takes_the_negation_of_the_other_guards() -> None:
    p = loads_bpmn(
        bpmn(
            '<process id="p"><startEvent id="s"/><exclusiveGateway id="x" default="fd"/>'
            '<endEvent id="a"/><endEvent id="c"/><sequenceFlow id="f0" sourceRef="s" '
            'targetRef="x"/><sequenceFlow id="fa" sourceRef="x" targetRef="a">'
            "<conditionExpression>risk == 'high'</conditionExpression></sequenceFlow>"
            '<sequenceFlow id="fd" sourceRef="x" targetRef="c"/></process>'
        )
    )
    by_target = {t.to: t for t in p.transitions if t.source == "x"}
    assert by_target["c"].when == "not (risk == 'high')"
    assert p.case_fields["risk"].values == ("high", "other")
    assert pw.check(p, select=["PW4"]) == []


def test_pools_lanes_and_message_flows() -> None:
    p = pw.load("tests/data/bpmn/referral.bpmn")
    assert [a.id for a in p.agencies] == ["hotline", "dosvy"]
    assert {r.id: r.agency for r in p.roles} == {"counsellor": "hotline", "social_worker": "dosvy"}
    (referral,) = [t for t in p.transitions if t.kind == "referral"]
    assert (referral.source, referral.to, referral.event) == (
        "send_referral",
        "referral_received",
        "refer",
    )
    assert kinds(p)["referral_received"] == "action"  # reached by the message, not an entry
    assert p.entry_steps() == ["report_received"]
    assert p.steps_by_id["assess_risk"].description == (
        "Ask about the child's safety today; record the risk level."
    )


def test_findings_point_into_the_xml() -> None:
    findings = pw.check(pw.load("tests/data/bpmn/referral.bpmn"), today=dt.date(2026, 12, 1))
    by_code = {f.code: f for f in findings}
    assert str(by_code["PW205"]).startswith("tests/data/bpmn/referral.bpmn:8:5: PW205")
    text = Path("tests/data/bpmn/referral.bpmn").read_text().splitlines()[7]
    assert 'id="refer"' in text


def test_sub_processes_are_flattened() -> None:
    p = loads_bpmn(
        bpmn(
            '<process id="p"><startEvent id="s"/><subProcess id="sub" name="Assess">'
            '<startEvent id="ss"/><task id="in"/><endEvent id="se"/>'
            + flows("ss>in", "in>se").replace('id="f', 'id="h')
            + '</subProcess><endEvent id="e"/>'
            + flows("s>sub", "sub>e")
            + "</process>"
        )
    )
    assert "sub" not in kinds(p)
    assert kinds(p)["ss"] == "action" and kinds(p)["se"] == "action"
    assert {("s", "ss"), ("ss", "in"), ("in", "se"), ("se", "e")} <= edges(p)
    assert pw.check(p, select=["PW1"]) == []


@pytest.mark.parametrize(
    ("element", "words"),
    [
        ('<inclusiveGateway id="g"/>', "inclusive gateway"),
        ('<complexGateway id="g"/>', "complex gateway"),
        (
            '<intermediateThrowEvent id="g"><compensateEventDefinition/></intermediateThrowEvent>',
            "compensation throw event",
        ),
        (
            '<intermediateThrowEvent id="g"><escalationEventDefinition/></intermediateThrowEvent>',
            "escalation throw event",
        ),
        ('<task id="g"><multiInstanceLoopCharacteristics/></task>', "multi-instance"),
    ],
)
def test_what_cannot_be_mapped_is_a_finding_with_id_and_line(element: str, words: str) -> None:
    p = loads_bpmn(
        bpmn(
            '<process id="p"><startEvent id="s"/>\n'
            + element
            + '\n<endEvent id="e"/>'
            + flows("s>g", "g>e")
            + "</process>"
        ),
        "u.bpmn",
    )
    (note,) = notes(p)
    assert note.startswith("u.bpmn:3:1: PW007 ") and "'g'" in note and words in note
    (finding,) = [f for f in pw.check(p) if f.code == "PW007"]
    assert finding.step == "g" and finding.severity.value == "warning"


def test_boundary_events() -> None:
    p = loads_bpmn(
        bpmn(
            '<process id="p"><startEvent id="s"/><task id="t"/><endEvent id="e"/>'
            '<boundaryEvent id="late" attachedToRef="t"><timerEventDefinition>'
            "<timeDuration>PT48H</timeDuration></timerEventDefinition></boundaryEvent>"
            '<boundaryEvent id="err" attachedToRef="t"><errorEventDefinition/></boundaryEvent>'
            '<endEvent id="e2"/><endEvent id="e3"/>'
            + flows("s>t", "t>e", "late>e2", "err>e3")
            + "</process>"
        )
    )
    assert kinds(p)["late"] == "wait"
    assert {("t", "late"), ("t", "err"), ("late", "e2")} <= edges(p)
    (note,) = notes(p)
    assert "an error boundary event" in note


def test_broken_references_are_findings_not_tracebacks() -> None:
    document, smap, findings = import_bpmn(
        bpmn(
            '<collaboration id="c"><participant id="x" processRef="nope"/>'
            '<messageFlow id="m" sourceRef="ghost" targetRef="t"/></collaboration>'
            '<process id="p"><startEvent id="s"/><task id="t"/>'
            + flows("s>t", "t>missing")
            + "</process>"
        )
    )
    assert document is not None and findings == []
    text = "\n".join(str(n) for n in smap.notes)
    assert "its process 'nope' is not in the file" in text
    assert "unknown id 'missing'" in text and "'ghost'" in text


@pytest.mark.parametrize(
    ("data", "code", "words"),
    [
        (b"<definitions>", "PW001", "not well-formed XML"),
        (b"<a/>", "PW002", "not a BPMN 2.0 file"),
        (b'<?xml version="1.0"?>\n<!DOCTYPE d [<!ENTITY e "x">]><d/>', "PW001", "refused"),
    ],
)
def test_unreadable_files_are_load_findings(data: bytes, code: str, words: str) -> None:
    with pytest.raises(pw.LoadError) as info:
        loads_bpmn(data, "bad.bpmn")
    (finding,) = info.value.findings
    assert finding.code == code and words in finding.message and finding.file == "bad.bpmn"


def test_pathways_load_reads_a_50_mb_bpmn_file_as_a_finding(tmp_path: Path) -> None:
    big = tmp_path / "big.bpmn"
    with big.open("wb") as fh:
        fh.write(HEAD.encode())
        fh.truncate(50 * 1024 * 1024)
    with pytest.raises(pw.LoadError) as info:
        pw.load(big)
    assert [f.code for f in info.value.findings] == ["PW001"]
    assert "larger than 10 MB" in info.value.findings[0].message


def test_cli_import_writes_yaml_that_loads(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "referral.yaml"
    assert main(["import", "tests/data/bpmn/referral.bpmn", "-o", str(out), "--locale", "km"]) == 0
    assert "wrote" in capsys.readouterr().err
    from_yaml = pw.load(out)
    from_bpmn = pw.load("tests/data/bpmn/referral.bpmn")
    assert from_yaml.locales == ("km",)
    assert from_yaml.steps == from_bpmn.steps and from_yaml.transitions == from_bpmn.transitions


def test_cli_import_reports_unmapped_elements_and_bad_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = tmp_path / "g.bpmn"
    src.write_bytes(
        bpmn(
            '<process id="p"><startEvent id="s"/>\n<inclusiveGateway id="g"/>'
            '<endEvent id="e"/>' + flows("s>g", "g>e") + "</process>"
        )
    )
    assert main(["import", str(src)]) == 0
    captured = capsys.readouterr()
    assert f"{src}:3:1: PW007" in captured.err and "format: pathways/1" in captured.out
    bad = tmp_path / "bad.bpmn"
    bad.write_bytes(b"<definitions")
    assert main(["import", str(bad)]) == 1
    assert f"{bad}:1:1: PW001 [error] not well-formed XML" in capsys.readouterr().err
    assert main(["import", str(tmp_path / "none.bpmn")]) == 2


def test_cli_validate_and_render_read_bpmn(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["validate", "tests/data/bpmn/referral.bpmn", "--today", "2026-12-01"]) == 1
    out = capsys.readouterr().out
    assert "tests/data/bpmn/referral.bpmn:8:5: PW205" in out
    svg = tmp_path / "referral.svg"
    assert main(["render", "tests/data/bpmn/referral.bpmn", "-o", str(svg), "--findings"]) == 0
    assert "Assess risk" in svg.read_text("utf-8")


def test_cli_report_reads_bpmn(tmp_path: Path) -> None:
    out = tmp_path / "report"
    args = ["report", "tests/data/bpmn/referral.bpmn", "-o", str(out), "--no-simulation"]
    assert main(args) in (0, 1)
    page = (out / "referral.html").read_text("utf-8")
    assert "Assess risk" in page and "referral.bpmn" in page


REFERRAL = Path("tests/data/bpmn/referral.bpmn").read_bytes()


@settings(max_examples=examples(40), deadline=None)
@given(st.lists(st.tuples(st.integers(0, len(REFERRAL)), st.integers(1, 80)), max_size=4))
def test_damaged_files_give_findings_never_tracebacks(cuts: list[tuple[int, int]]) -> None:
    """Cutting pieces out of a BPMN file (elements, attributes, ids, closing tags) gives a
    pathway, or load findings with a line and column: never an exception."""
    data = REFERRAL
    for start, length in cuts:
        data = data[:start] + data[start + length :]
    try:
        pathway = loads_bpmn(data, "cut.bpmn")
    except pw.LoadError as exc:
        assert exc.findings and all(f.line >= 1 and f.column >= 1 for f in exc.findings)
        return
    pw.check(pathway, select=["PW0", "PW1"])


def test_the_locale_comes_from_the_option_else_the_file() -> None:
    body = '<process id="p"><startEvent id="s" name="ចាប់ផ្តើម"/></process>'
    in_khmer = bpmn(body).replace(b"<definitions ", b'<definitions xml:lang="km" ', 1)
    assert loads_bpmn(in_khmer).locales == ("km",)
    assert loads_bpmn(in_khmer, locale="en").locales == ("en",)
    assert loads_bpmn(bpmn(body)).locales == ("en",)


@pytest.mark.parametrize("name", ["csa-in-person", "compensation-claim"])
def test_an_exported_pathway_loads_back_as_itself(name: str, tmp_path: Path) -> None:
    """pathways.load of a file `pathways export` wrote reads it back (restore.read_export):
    the same steps and transitions; a file of another tool goes through the mapping."""
    from pathways.bpmn.export import write_bpmn

    original = pw.load(f"pathways/kh/{name}.yaml")
    path = tmp_path / f"{name}.bpmn"
    write_bpmn(original, path, visibility="restricted")
    again = pw.load(path)
    assert again.steps == original.steps and again.transitions == original.transitions
    assert again.source_map.file == str(path)


@pytest.mark.parametrize(
    ("body", "ident", "lines"),
    [
        ('<process id="p">\n<task id="t"/>\n<task id="t"/>\n</process>', "t", (3, 4)),
        (
            '<process id="p"><subProcess id="sp">\n<startEvent id="ss"/><task id="t"/>'
            '</subProcess>\n<task id="t"/></process>',
            "t",
            (3, 4),
        ),
        ('<process id="p">\n</process>\n<process id="p"/>', "p", (2, 4)),
    ],
    ids=["tasks", "in-a-sub-process", "processes"],
)
def test_a_duplicate_bpmn_id_is_pw004_naming_both_lines(
    body: str, ident: str, lines: tuple[int, int]
) -> None:
    """Audit of issue 14: two <task id="t"> and the first disappeared with no finding. Now
    PW004 at the second, naming the id and both lines, and the file does not load (as a
    duplicate id in YAML)."""
    with pytest.raises(pw.LoadError) as info:
        loads_bpmn(bpmn(body), "dup.bpmn")
    (found,) = info.value.findings
    assert found.code == "PW004" and found.location.line == lines[1]
    assert f"duplicate BPMN id {ident!r} on lines {lines[0]} and {lines[1]}" in found.message
