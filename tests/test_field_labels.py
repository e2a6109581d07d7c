"""Case field labels (issue 18, left by the audit): `trace`, the report's trace panel and the
conditions drawn on edges named case fields by their ids (`age_under_18`). A field may now
have a `label` (plain or per locale, like a step's); readers see it, JSON keeps the id."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import pathways
from pathways.cli import main
from pathways.trace import format_trace, trace

ROOT = Path(__file__).resolve().parent.parent
BUNDLED = sorted((ROOT / "pathways" / "kh").glob("*.yaml"))

_FILE = """\
format: pathways/1
id: labelled
version: '1'
title: Labelled
locales: [en, km]
agencies:
  - {id: ag, name: {en: Agency, km: ស្ថាប័ន}, sector: social}
roles:
  - {id: r, agency: ag, title: {en: Worker, km: បុគ្គលិក}}
case_fields:
  age_under_18: {type: boolean, label: {en: "child under 18", km: "កុមារអាយុក្រោម 18"}}
  risk: {type: enum, values: [low, high], label: "risk level"}
  score: {type: integer, min: 0, max: 9}
steps:
  - {id: intake, kind: entry, role: r, label: {en: Intake, km: ការទទួល}, duration: 1h}
  - {id: child, kind: outcome, label: {en: Child, km: កុមារ}}
  - {id: adult, kind: outcome, label: {en: Adult, km: មនុស្សពេញវ័យ}}
transitions:
  - {from: intake, to: child, when: "age_under_18 and risk == 'high' and score < 5"}
  - {from: intake, to: adult, when: "not (age_under_18 and risk == 'high' and score < 5)"}
"""


@pytest.fixture
def labelled(tmp_path: Path) -> Path:
    path = tmp_path / "labelled.yaml"
    path.write_text(_FILE, encoding="utf-8")
    return path


def test_trace_text_names_fields_by_label(labelled: Path) -> None:
    p = pathways.load(labelled)
    en = format_trace(trace(p, ["age_under_18=true"]))
    assert "for a case where child under 18 = yes" in en
    assert "if child under 18 is yes and risk level is high and score is under 5" in en
    assert "depends on risk level, score" in en
    assert "age_under_18" not in en
    km = format_trace(trace(p, ["age_under_18=true"], lang="km"), "km")
    assert "កុមារអាយុក្រោម 18" in km and "age_under_18" not in km
    assert "risk level" in km  # a plain label is the first locale's, in every language


def test_trace_json_keeps_ids(labelled: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["trace", str(labelled), "age_under_18=true", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["facts"] == {"age_under_18": True}


def test_edges_and_mermaid_name_fields_by_label(labelled: Path, tmp_path: Path) -> None:
    for suffix in (".dot", ".mmd"):
        for lang, words in ((None, "child under 18"), ("km", "កុមារអាយុក្រោម")):
            out = pathways.render(pathways.load(labelled), tmp_path / f"d{suffix}", lang=lang)
            text = out.read_text(encoding="utf-8")
            assert words in text, (suffix, lang)
            assert "age_under_18 is" not in text and "age_under_18<" not in text


def test_traced_drawing_key_names_fields_by_label(labelled: Path, tmp_path: Path) -> None:
    out = tmp_path / "t.mmd"
    assert main(["trace", str(labelled), "age_under_18=true", "-o", str(out)]) == 0
    assert "child under 18 = yes" in out.read_text(encoding="utf-8")  # was "= True"
    assert main(["trace", str(labelled), "age_under_18=true", "-o", str(out), "--lang", "km"]) == 0
    assert "កុមារអាយុក្រោម 18 = បាទ/ចាស" in out.read_text(encoding="utf-8")


def test_trace_panel_shows_labels_and_keeps_ids(labelled: Path) -> None:
    from pathways.report.trace_panel import trace_section

    html = trace_section(pathways.load(labelled), "en")
    assert '<label>child under 18 <select name="age_under_18">' in html
    assert '<label>score <input type="number" name="score"' in html  # no label: the id


def test_missing_field_translation_is_pw501(labelled: Path) -> None:
    findings = pathways.check(pathways.load(labelled))
    (pw501,) = [f for f in findings if f.code == "PW501" and "case field" in f.message]
    assert pw501.message == "the label of case field 'risk' has no 'km' text"
    assert pw501.line == 12  # at the label, in the file
    from pathways.messages import finding_message

    assert "risk" in finding_message(pw501.message, "km")
    assert finding_message(pw501.message, "km") != pw501.message


def test_a_field_label_is_wording(labelled: Path) -> None:
    old = pathways.load(labelled)
    new = pathways.loads(_FILE.replace('label: "risk level"', 'label: "how risky"'))
    assert pathways.fingerprint(old) == pathways.fingerprint(new)
    changes = pathways.diff(old, new).changes
    assert [c.kind for c in changes] == ["wording"]


def test_schema_has_the_field_label() -> None:
    from pathways.schema import json_schema

    text = json.dumps(json_schema())
    assert "What the field is called for readers" in text


def test_bundled_fields_have_english_and_khmer_labels() -> None:
    for path in BUNDLED:
        p = pathways.load(path)
        for name, spec in p.case_fields.items():
            assert isinstance(spec.label, dict), (path.name, name)
            assert spec.label.get("en") and spec.label.get("km"), (path.name, name)


def test_bundled_khmer_diagrams_show_no_field_id() -> None:
    """The conditions drawn on the bundled pathways' edges, in Khmer, name no field by id."""
    import re

    from pathways.render.extract import extract

    for path in BUNDLED:
        p = pathways.load(path)
        lines = " ".join(line for edge in extract(p, lang="km").edges for line in edge.lines)
        for name in p.case_fields:
            assert not re.search(rf"(?<!\w){name}(?!\w)", lines), (path.name, name)


_GAP = """\
format: pathways/1
id: gap
version: '1'
title: {en: Gap, km: ចន្លោះ}
locales: [en, km]
agencies:
  - {id: a, name: {en: A, km: ក}, sector: social, contacts: [{channel: phone, value: "1"}]}
roles:
  - {id: r, agency: a, title: {en: R, km: រ}}
case_fields:
  hours_since_incident:
    type: integer
    min: 0
    max: 200
    label: {en: "hours since the incident", km: "ចំនួនម៉ោងចាប់តាំងពីហេតុការណ៍"}
  risk:
    type: enum
    values: [low, high]
    label: {en: "risk level", km: "កម្រិតហានិភ័យ"}
    value_labels: {low: {en: "low risk", km: "ទាប"}, high: {en: "high risk", km: "ខ្ពស់"}}
steps:
  - {id: start, kind: entry, role: r, label: {en: Start, km: ចាប់ផ្តើម}, duration: 1h}
  - {id: screen, kind: decision, role: r, label: {en: Screen, km: ពិនិត្យ}, duration: 1h}
  - {id: fast, kind: action, role: r, label: {en: Fast, km: លឿន}, duration: 1h}
  - {id: slow, kind: action, role: r, label: {en: Slow, km: យឺត}, duration: 1h}
  - {id: done, kind: outcome, label: {en: Done, km: រួច}}
transitions:
  - {from: start, to: screen}
  - {from: screen, to: fast, when: "hours_since_incident < 48 and risk == 'high'"}
  - {from: screen, to: slow, when: "hours_since_incident > 48 or risk == 'high'"}
  - {from: fast, to: done}
  - {from: slow, to: done}
"""


def test_validate_text_names_witness_case_by_labels(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Issue 18: validate's text said PW402/PW403's witness case by ids and raw values
    ("holds for hours_since_incident=0, risk='low'"); it now says the fields' and values'
    labels in the reader's language, in the message and the case line. JSON keeps ids."""
    path = tmp_path / "gap.yaml"
    path.write_text(_GAP, encoding="utf-8")
    assert main(["validate", str(path)]) == 1
    en = capsys.readouterr().out
    assert (
        "no guard out of 'screen' holds for hours since the incident = 0, risk level = low risk, "
        "so such a case is stuck\n    case: hours since the incident = 0, risk level = low risk\n"
    ) in en
    assert "both hold for hours since the incident = 0, risk level = high risk\n" in en
    witness = [line for line in en.splitlines() if "PW40" in line or "case:" in line]
    assert len(witness) == 4
    assert not any("hours_since_incident" in line or "'low'" in line for line in witness)

    assert main(["validate", str(path), "--lang", "km"]) == 1
    km = capsys.readouterr().out
    assert "ពិតសម្រាប់ ចំនួនម៉ោងចាប់តាំងពីហេតុការណ៍ = 0, កម្រិតហានិភ័យ = ទាប ទេ" in km
    assert "ចំនួនម៉ោងចាប់តាំងពីហេតុការណ៍ = 0, កម្រិតហានិភ័យ = ខ្ពស់\n" in km
    witness = [line for line in km.splitlines() if "PW40" in line or "ករណី៖" in line]
    assert len(witness) == 4
    assert not any("hours_since_incident" in line or "risk" in line for line in witness)

    assert main(["validate", str(path), "--format", "json"]) == 1
    found = {f["code"]: f for f in json.loads(capsys.readouterr().out)["findings"]}
    assert found["PW402"]["message"] == (
        "no guard out of 'screen' holds for hours_since_incident=0, risk='low', "
        "so such a case is stuck"
    )
    assert found["PW402"]["case"] == {"hours_since_incident": 0, "risk": "low"}
    assert found["PW403"]["message"].endswith("hold for hours_since_incident=0, risk='high'")


def test_diff_names_a_new_findings_case_by_labels(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """diff's new/gone findings said the witness case by ids in every language; now by the
    labels, the message in Khmer too (the finding in the change's JSON keeps the ids)."""
    old, new = tmp_path / "old.yaml", tmp_path / "new.yaml"
    old.write_text(
        _GAP.replace("version: '1'", "version: '0'")
        .replace("hours_since_incident > 48 or", "hours_since_incident >= 48 or")
        .replace("hours_since_incident < 48 and", "hours_since_incident < 48 or"),
        encoding="utf-8",
    )
    new.write_text(_GAP, encoding="utf-8")
    main(["diff", str(old), str(new)])
    en = capsys.readouterr().out
    assert (
        "new finding PW402 [error]: no guard out of 'screen' holds for "
        "hours since the incident = 0, risk level = low risk, so such a case is stuck"
    ) in en
    assert "a case with hours since the incident = 48, risk level = low risk took it" in en
    main(["diff", str(old), str(new), "--lang", "km"])
    km = capsys.readouterr().out
    assert "ពិតសម្រាប់ ចំនួនម៉ោងចាប់តាំងពីហេតុការណ៍ = 0, កម្រិតហានិភ័យ = ទាប ទេ" in km
    assert "PW402 [កំហុស]" in km and "[error]" not in km  # the severity in Khmer too


def test_a_case_of_no_field_is_said_in_khmer() -> None:
    """PW402/PW403 with guards that use no field say "any case": in Khmer too (was English
    inside the Khmer sentence)."""
    from pathways.messages import finding_message

    said = finding_message("no guard out of 'x' holds for any case, so such a case is stuck", "km")
    assert "ករណីណាមួយ" in said and "any case" not in said
