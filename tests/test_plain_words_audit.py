"""Issue 18, the leftovers of the last audit: each problem as a regression test."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import pathways
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


SCHOOL = ROOT / "pathways" / "kh" / "school-disclosure.yaml"


def test_what_if_changes_are_said_with_labels(capsys: pytest.CaptureFixture[str]) -> None:
    """`simulate --compare` printed a scenario's changes as written
    ("roles.social_worker.capacity=10"): now with the role's label and the setting in the
    reader's words; the JSON keeps the overrides as written."""
    import json

    from pathways.simulate.compare import change_words

    argv = ["simulate", str(SCHOOL), "--compare", "front-line-office-hours", "--cases", "50"]
    assert main([*argv, "--no-progress"]) == 0
    out = " ".join(capsys.readouterr().out.split())  # rich wraps at the console's width
    assert "DoSVY social worker: capacity 10" in out
    assert "roles.social_worker" not in out
    assert main([*argv, "--no-progress", "--lang", "km"]) == 0
    km = " ".join(capsys.readouterr().out.split())
    assert "សមត្ថភាព 10" in km and "capacity" not in km and "roles." not in km
    assert "ជួរមុខ គ.ក.ន.ក" in km  # the scenario's own Khmer description
    # the description in its sentences and the saturated role were in the JSON's first locale
    assert "front line" not in km and "DoSVY social worker" not in km
    assert main([*argv, "--no-progress", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert "roles.social_worker.capacity=10" in data["what_ifs"][0]["changes"]
    p = pathways.load(SCHOOL)
    first, second = p.transitions[0].source, p.transitions[0].to
    said = change_words(
        p,
        [
            f"transitions.from={first},to={second}.probability=0.4",
            "transitions.0.probability=0.4",
            f"steps.{second}.role=social_worker",
            "roles.social_worker.calendar=null",
            "simulation.arrivals_per_day=4",
            "not an override",
        ],
    )
    move = f"{p.label(first)} -> {p.label(second)}: probability 0.4"
    assert said == [
        move,
        move,
        f"{p.label(second)}: role DoSVY social worker",
        "DoSVY social worker: calendar removed",
        "arrivals per day 4",
        "not an override",
    ]


def test_report_scenario_table_says_changes_with_labels(tmp_path: Path) -> None:
    """The report's scenario table printed the overrides as written; now in words."""
    from pathways.report import write_report

    write_report([SCHOOL], tmp_path, cases=50)
    page = (tmp_path / "kh-school-disclosure.html").read_text(encoding="utf-8")
    assert "DoSVY social worker: capacity 10" in page
    assert "roles.social_worker.capacity=10" not in page


def test_validate_findings_write_durations_in_the_one_format(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """PW303 wrote "after 96h, above 72h" where the CLI, diagram and report write
    "72 h (3 days)"; now the one format, in Khmer too (the values written again in the
    reader's language), and the code and JSON fields are as before."""
    import json

    fixture = ROOT / "tests/rules/fixtures/PW303/invalid-join-waits-for-a-slower-track.yaml"
    assert main(["validate", str(fixture), "--select", "PW303"]) == 1
    out = capsys.readouterr().out
    assert "waits up to 72 h (3 days) after 'medical'" in out
    assert "after 72 h (3 days), above 24 h (1 day)" in out
    assert re.search(r"[0-9]h\b", out) is None, out
    assert main(["validate", str(fixture), "--select", "PW303", "--lang", "km"]) == 1
    km = capsys.readouterr().out
    assert "លើស 24 ម៉ោង (1 ថ្ងៃ)" in km and "days" not in km and " h " not in km
    assert main(["validate", str(fixture), "--select", "PW303", "--format", "json"]) == 1
    (first, *_) = json.loads(capsys.readouterr().out)["findings"]
    assert first["code"] == "PW303" and "above 24 h (1 day)" in first["message"]


def test_diff_says_a_changed_condition_as_the_diagram_draws_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`pathways diff` showed a changed guard as written ('hours_since_incident <= 72'); now
    as the sentence the diagram draws on the edge, fields by their labels, in the reader's
    language; the JSON keeps the guards as written."""
    import json

    from pathways.guards.sentence import guard_sentence

    changed = tmp_path / "p1.yaml"
    text = P1.read_text(encoding="utf-8")
    changed.write_text(
        text.replace("hours_since_incident <= 72", "hours_since_incident <= 48"), encoding="utf-8"
    )
    p = pathways.load(P1)
    for lang in ("en", "km"):
        assert main(["diff", str(P1), str(changed), "--lang", lang]) == 1
        (line,) = [x for x in capsys.readouterr().out.splitlines() if "“" in x]
        names = p.field_labels(lang)
        old = guard_sentence("hours_since_incident <= 72", lang, names)
        assert f"“{old}”" in line and "hours_since_incident" not in line, line
        if lang == "en":
            assert "from “if hours since the incident is at most 72” to “if" in line
    assert main(["diff", str(P1), str(changed), "--format", "json"]) == 1
    data = json.loads(capsys.readouterr().out)
    (guard,) = [c for c in data["changes"] if c["kind"] == "guard-changed"]
    assert (guard["old"], guard["new"]) == (
        "hours_since_incident <= 72",
        "hours_since_incident <= 48",
    )


def test_validate_and_report_accept_a_language_the_file_declares(
    tmp_path: Path, french_starter: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`validate` and `report` refused `--lang fr` for a file with `locales: [en, fr]` that
    render, trace, routes and simulate accept; now every command accepts it (the report is
    labelled in French), and a language neither the tool nor a file knows is still refused."""
    import yaml

    path = french_starter
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    capsys.readouterr()
    assert main(["validate", str(path), "--lang", "fr"]) == 0
    assert "error:" not in capsys.readouterr().err
    out = tmp_path / "out"
    assert main(["report", str(path), "-o", str(out), "--lang", "fr", "--no-simulation"]) == 0
    page = out / f"{doc['id']}.html"
    assert "Signalement reçu" in page.read_text(encoding="utf-8")
    for command in (["validate", str(path)], ["report", str(path), "-o", str(out)]):
        assert main([*command, "--lang", "kh"]) == 2
        assert "did you mean km?" in capsys.readouterr().err
        assert main([*command, "--lang", "de"]) == 2
        assert "unknown language 'de'" in capsys.readouterr().err


def test_validate_says_when_a_file_cannot_be_simulated(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The tutorial's file could not be simulated (no `simulation.population`) and nothing
    said so until the report: `validate` was silent on a file `simulate` refuses. Now an
    info note (PW505) names the field and the fix; with the population back, it is gone and
    the file simulates."""
    import yaml

    starter = tmp_path / "starter.yaml"
    assert main(["new", str(starter), "--no-input"]) == 0
    doc = yaml.safe_load(starter.read_text(encoding="utf-8"))
    (field,) = doc["simulation"]["population"]
    del doc["simulation"]["population"]
    bare = tmp_path / "bare.yaml"
    bare.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    capsys.readouterr()
    assert main(["simulate", str(bare), "--cases", "20", "--no-progress"]) == 1
    refused = capsys.readouterr().err
    assert main(["validate", str(bare)]) == 0  # a note, not an error
    out = capsys.readouterr().out
    assert f"PW505 [info] the pathway cannot be simulated: a guard uses case field {field!r}" in out
    assert f"population: {{{field}: {{choice: {{low: 1, high: 1}}}}}}" in out and field in refused
    assert main(["validate", str(starter)]) == 0
    assert "PW505" not in capsys.readouterr().out


_MAX = 10**15
"""The largest population value a file may hold (``pathways.model.MAX_NUMBER``)."""


@pytest.mark.parametrize(
    ("declared", "guards", "drawn"),
    [
        ("{type: integer, min: 0, max: 17}", ["f < 12", "f >= 12"], "{uniform: [0, 17]}"),
        ("{type: integer, min: 0}", ["f <= 72", "f > 72"], "{uniform: [0, 144]}"),
        ("{type: number}", ["f < 0.5", "f >= 0.5"], "{uniform: [0, 1]}"),
        ("{type: integer, max: -5}", ["f < -10", "f >= -10"], "{uniform: [-10, -5]}"),
        # twice a large constant is past the largest population value a file may hold
        ("{type: number}", ["f < 600000000000000", "f >= 1"], f"{{uniform: [0, {_MAX}]}}"),
        ("{type: integer, min: 1e15}", ["f < 2", "f >= 2"], f"{{uniform: [{_MAX}, {_MAX}]}}"),
        ("{type: boolean}", ["f", "not f"], "{bernoulli: 0.5}"),
        (
            "{type: enum, values: [low, 'yes', 'a: b', ខ្ពស់]}",
            ["f == 'low'", "f != 'low'"],
            '{choice: {low: 1, "yes": 1, "a: b": 1, "ខ្ពស់": 1}}',
        ),
    ],
)
def test_pw505s_example_can_be_pasted_as_it_is(
    declared: str,
    guards: list[str],
    drawn: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """PW505 said `add e.g. population: {age: {fixed: ...}}`, which YAML reads as the text
    "..." and the simulation refuses. Its example now draws the field as its type allows
    (an integer or number uniformly over its range, or up to twice the guards' largest
    number; a boolean as a fair coin; an enum over every value, quoted where YAML would read
    it as something else): pasted under `simulation:` as it is, the note goes and the file
    simulates. `pathways simulate`'s refusal of the file gives the same entry."""
    text = f"""format: pathways/1
id: fx
agencies:
  - {{id: a, name: A, sector: social, contacts: [{{channel: phone, value: "1"}}]}}
roles:
  - {{id: r, agency: a, title: R}}
case_fields:
  f: {declared}
steps:
  - {{id: start, kind: entry, role: r, duration: 30m}}
  - {{id: one, kind: outcome}}
  - {{id: two, kind: outcome}}
transitions:
  - {{from: start, to: one, when: "{guards[0]}"}}
  - {{from: start, to: two, when: "{guards[1]}"}}
simulation:
  arrivals_per_day: 2
"""
    path = tmp_path / "fx.yaml"
    path.write_text(text, encoding="utf-8")
    capsys.readouterr()
    assert main(["validate", str(path)]) == 0
    out = capsys.readouterr().out
    (example,) = re.findall(r"add e\.g\. `population: (.*)` under simulation", out)
    assert example == f"{{f: {drawn}}}"
    # simulate's refusal gives the same entry (it said `{f: {fixed: ...}}`)
    assert main(["simulate", str(path), "--cases", "50", "--no-progress"]) != 0
    refusal = capsys.readouterr()
    assert f"add e.g. `population: {example}`" in refusal.out + refusal.err
    path.write_text(f"{text}  population: {example}\n", encoding="utf-8")
    assert main(["validate", str(path)]) == 0
    assert "PW505" not in capsys.readouterr().out
    assert main(["simulate", str(path), "--cases", "50", "--no-progress"]) == 0


def test_enum_values_are_said_by_their_labels(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`risk == 'high'` was "if risk level is high" in a Khmer trace and on Khmer edges: the
    value stayed English. With `case_fields.<name>.value_labels` (a SPEC addition) the value
    is said in the reader's language; guards and JSON keep the value."""
    import json

    from pathways.guards.sentence import guard_sentence

    p = pathways.load(P1)
    assert p.value_labels("km")["risk"] == {"low": "ទាប", "medium": "មធ្យម", "high": "ខ្ពស់"}
    assert main(["trace", str(P1), "risk=high", "--lang", "km"]) == 0
    out = capsys.readouterr().out
    assert "កម្រិតហានិភ័យ = ខ្ពស់" in out and "កម្រិតហានិភ័យ គឺ ខ្ពស់" in out
    assert "high" not in out
    assert main(["trace", str(P1), "risk=high", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["facts"] == {"risk": "high"}
    drawn = tmp_path / "p1.mmd"
    assert main(["render", str(P1), "-o", str(drawn), "--lang", "km"]) == 0
    text = drawn.read_text(encoding="utf-8")
    assert guard_sentence("risk == 'high'", "km", p.field_labels("km"), p.value_labels("km")) in (
        text
    )
    assert "risk == 'high'" not in text and " high" not in text
    # only enum fields, only their values
    bad = P1.read_text(encoding="utf-8").replace('high: {en: "high"', 'severe: {en: "high"')
    broken = tmp_path / "broken.yaml"
    broken.write_text(bad, encoding="utf-8")
    assert main(["validate", str(broken)]) == 1
    assert "`value_labels` names 'severe', not one of the field's values" in (
        capsys.readouterr().out
    )


def test_calendars_are_said_by_their_labels(capsys: pytest.CaptureFixture[str]) -> None:
    """`simulate --compare` said a scenario's calendar as the file names it ("calendar
    office"), English in Khmer output: with `calendars.<name>.label` (a SPEC addition) it is
    the label in the reader's language; roles, overrides and JSON keep the name. PW501 checks
    the label, diff calls a change wording, the fingerprint ignores it."""
    from pathways.simulate.compare import change_words
    from pathways.versions import diff, fingerprint

    p = pathways.load(SCHOOL)
    assert p.calendar_label("office") == "office hours"
    assert p.calendar_label("office", "km") == "ម៉ោងធ្វើការ"
    assert p.calendar_label("elsewhere") == "elsewhere"
    changes = ["roles.social_worker.calendar=office", "calendars.office.timezone=UTC"]
    assert change_words(p, changes) == [
        "DoSVY social worker: calendar office hours",
        "office hours: timezone UTC",
    ]
    km = " ".join(change_words(p, changes, "km"))
    assert "ម៉ោងធ្វើការ" in km and "office" not in km
    argv = ["simulate", str(SCHOOL), "--compare", "front-line-office-hours", "--cases", "50"]
    assert main([*argv, "--no-progress", "--lang", "km"]) == 0
    out = " ".join(capsys.readouterr().out.split()).replace("front-line-office-hours", "")
    assert "ប្រតិទិន ម៉ោងធ្វើការ" in out and "office" not in out
    # PW501 on a label without the file's second locale; diff: wording, same fingerprint
    doc = p.model_dump(mode="json", by_alias=True, exclude_defaults=True)
    doc["format"] = p.format
    doc["calendars"]["office"]["label"] = {"en": "office hours"}
    plain = pathways.Pathway.model_validate(doc)
    assert "the label of calendar 'office' has no 'km' text" in [
        f.message for f in pathways.check(plain) if f.code == "PW501"
    ]
    doc["calendars"]["office"]["label"] = {"en": "weekday hours", "km": "ម៉ោងធ្វើការ"}
    reworded = pathways.Pathway.model_validate(doc)
    assert fingerprint(reworded) == fingerprint(p)
    kinds = {c.kind for c in diff(p, reworded).changes}
    assert kinds == {"wording"}, kinds


def test_a_case_value_reads_the_same_in_every_human_output(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A boolean fact was "true" in `validate`'s witness case, "True" in the report's findings
    table and "yes" in `trace` and a traced drawing; an unlabelled enum value was quoted in
    some of them. One formatter (`findings.value_text`) says a case value everywhere people
    read it: yes/no in the reader's language, an enum value by its label, else as written.
    JSON keeps the typed values, the rule's message the guard language."""
    import json

    from pathways.findings import value_text
    from pathways.report import write_report

    fixture = ROOT / "tests/rules/fixtures/PW403/valid-exclusive-or-same-target.yaml"
    path = tmp_path / "fx.yaml"
    path.write_text(
        fixture.read_text(encoding="utf-8").replace(
            "values: [low, medium, high]}",
            'values: [low, medium, high], value_labels: {low: "low risk"}}',
        ),
        encoding="utf-8",
    )
    said = "online = no, risk = low risk"  # the witness of PW402 out of 'medical'
    capsys.readouterr()
    assert main(["validate", str(path)]) == 1
    assert f"    case: {said}\n" in capsys.readouterr().out
    assert main(["validate", str(path), "--lang", "km"]) == 1
    assert f"online = {value_text(False, lang='km')}, risk = low risk" in capsys.readouterr().out
    assert main(["validate", str(path), "--format", "json"]) == 1
    (stuck,) = [f for f in json.loads(capsys.readouterr().out)["findings"] if f["code"] == "PW402"]
    assert stuck["case"] == {"online": False, "risk": "low"}
    assert "online=false, risk='low'" in stuck["message"]
    index = write_report(path, tmp_path / "out", simulation=False)
    page = next(p for p in index.parent.glob("*.html") if p.name != "index.html")
    text = re.sub(r"<[^>]+>", "", page.read_text(encoding="utf-8"))
    assert f"case: {said}" in text and "True" not in text
    drawing = tmp_path / "t.mmd"
    assert main(["trace", str(path), "online=false", "risk=low", "-o", str(drawing)]) == 0
    assert f"for a case where {said}\n" in capsys.readouterr().out
    drawn = drawing.read_text(encoding="utf-8")
    assert f"on the routes of a case where {said}" in drawn
