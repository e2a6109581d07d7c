"""JSON pathway files are read as JSON: whatever ``json.loads`` reads loads, with its values.

YAML (which read ``.json`` files before) refuses valid JSON: surrogate-pair escapes, which
Python's ``json.dumps`` writes for every emoji; raw U+0085, U+2028, U+2029, DEL, U+FFFE and
U+FFFF in strings; keys past 1024 characters.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

import pathways as pw
from pathways.load import load_findings, parse_document
from pathways.load.loader import _Dumper
from pathways.testing.strategies import pathway_documents
from tests.hyp import examples

MINIMAL = Path("tests/data/load/valid/minimal.yaml")


def _doc() -> dict:
    """The minimal pathway as plain data."""
    return dict(parse_document(MINIMAL.read_text(encoding="utf-8"))[0])


def _findings(text: str, file: str = "p.json") -> list[str]:
    pathway, findings = load_findings(text.encode("utf-8"), file)
    assert (pathway is None) == bool(findings)
    return [str(f) for f in findings]


@pytest.mark.parametrize(
    "title",
    [
        "\U0001f600",  # an emoji: json.dumps writes a surrogate pair escape
        "\U00020000 \U00010300",  # CJK extension B, Old Italic
        "a\x85b\u2028c\u2029d",  # YAML's other line breaks
        "a\x7fb\ufffec\uffff",  # DEL and the noncharacters YAML calls non-printable
    ],
)
@pytest.mark.parametrize("ascii_only", [True, False])
def test_json_that_yaml_refuses_loads(title: str, ascii_only: bool) -> None:
    """Titles YAML cannot read in JSON (escaped or raw) load with json.loads's value."""
    doc = {**_doc(), "title": title}
    text = json.dumps(doc, ensure_ascii=ascii_only)
    assert pw.loads(text, "p.json").title == title
    assert pw.loads(text).title == title  # text given to loads that is JSON is read as JSON


def test_a_key_longer_than_1024_characters_is_read() -> None:
    """A key past YAML's simple-key limit is read (here: an unknown key, reported at itself)."""
    key = "k" * 2000
    text = json.dumps({**_doc(), key: 1})
    data, _ = parse_document(text, "p.json")
    assert data == json.loads(text)
    [finding] = _findings(text)
    assert "PW002 unknown key" in finding
    assert finding.startswith(f"p.json:1:{text.index(key)}:")


def test_numbers_are_json_numbers() -> None:
    """1e5 is a number in JSON (YAML 1.1 would read text), as json.loads reads it."""
    text = '{"a": 1e5, "b": -0.5E-3, "c": [1, 2.0, true, null]}'
    assert parse_document(text, "p.json")[0] == json.loads(text)


def test_a_finding_after_an_emoji_escape_points_at_its_column() -> None:
    """The column of a finding after a 12-character escape on the same line is the column an
    editor shows for the value."""
    text = '{"format": "pathways/1", "id": "x",\n "title": "\\ud83d\\ude00 \U0001f600", "steps": 5}'
    column = text.index(": 5") + 2 - text.index("\n")
    assert _findings(text) == [f"p.json:2:{column}: PW002 steps: input should be a valid tuple"]


def test_a_guard_finding_after_an_escape_points_into_the_guard() -> None:
    """PW005's column inside a guard counts the escape's characters before it."""
    doc = json.loads(pw.dump(pw.load("pathways/kh/csa-in-person.yaml"), fmt="json"))
    tr = next(t for t in doc["transitions"] if t.get("when"))
    tr["when"] = "nosuchfield == 1"
    tr["label"] = "\U0001f600"
    text = json.dumps(doc)
    [finding] = [f for f in _findings(text) if "PW005" in f]
    column = int(finding.split(":")[2])
    assert text[column - 1 : column + 10] == "nosuchfield"


def test_malformed_json_says_so_with_line_and_column() -> None:
    """A .json file that is not JSON says "not valid JSON" at json's line and column."""
    text = '{\n  "format": "pathways/1",\n  "id": "x"\n  "title": "t"\n}'
    with pytest.raises(json.JSONDecodeError) as exc:
        json.loads(text)
    where = f"p.json:{exc.value.lineno}:{exc.value.colno}"
    assert _findings(text) == [f"{where}: PW001 not valid JSON: Expecting ',' delimiter"]
    for bad in ["", "{", '{"a": 1,}', "[1, 2", '{"a": tru}', '"\\x"', "{} {}", "\ufeff\ufeff{}"]:
        [finding] = _findings(bad)
        assert "PW001" in finding, bad


@pytest.mark.parametrize(
    ("text", "escape"),
    [
        ('{"format": "pathways/1", "title": "a\\ud800"}', "\\ud800"),
        ('{"format": "pathways/1", "title": "\\ude00\\ud83d"}', "\\ude00"),
        ('{"format": "pathways/1", "\\udfff": 1}', "\\udfff"),
        ('{"format": "pathways/1",\n "title": "ok \\ud83d\\ude00 \\ud83d \\\\ud800"}', " \\ud83d "),
    ],
)
def test_a_lone_surrogate_escape_is_a_finding_at_it(text: str, escape: str) -> None:
    """Half a surrogate pair is no text: PW001 at the escape, naming the fix, never a crash."""
    [finding] = _findings(text)
    where = text.index(escape) + escape.startswith(" ")
    line = text[:where].count("\n") + 1
    column = where - text.rfind("\n", 0, where)
    assert finding.startswith(f"p.json:{line}:{column}: PW001 the escape \\u")
    assert "both halves of its pair" in finding
    assert _findings(text, "<string>") == [finding.replace("p.json", "<string>")]


def test_json_limits_are_findings() -> None:
    """Duplicate keys, deep nesting and huge numbers are PW001 findings, never tracebacks."""
    assert _findings('{"id": "a",\n "id": "b"}') == [
        "p.json:2:2: PW001 duplicate key 'id'; each key may appear once in a mapping"
    ]
    [deep] = _findings("[" * 10_000 + "]" * 10_000)
    assert "nesting deeper than 100 levels" in deep
    [big] = _findings('{"a": ' + "9" * 5000 + "}")
    assert "5,000 digits" in big


def test_yaml_flow_text_given_to_loads_is_still_yaml() -> None:
    """Text that opens with '{' but is YAML (unquoted keys) is read as YAML."""
    doc = _doc()
    text = yaml.safe_dump(doc, default_flow_style=True, width=10_000)
    assert text.startswith("{")
    assert pw.loads(text) == pw.loads(MINIMAL.read_text(encoding="utf-8"))


_HARD = st.characters(
    codec="utf-8",
    categories=("L", "N", "P", "S", "Zs", "Zl", "Zp", "Cc", "Co", "Cn"),
    exclude_characters="\x00",
)


@settings(max_examples=examples(40), deadline=None)
@given(
    pathway_documents(max_steps=6, label_text=st.text(_HARD, min_size=1, max_size=8)),
    st.booleans(),
)
def test_any_json_dump_loads_as_its_yaml_dump(doc: dict, ascii_only: bool) -> None:
    """A document written by json.dumps (ASCII or not) loads as json.loads reads it, and to the
    same pathway as the document written as YAML."""
    text = json.dumps(doc, ensure_ascii=ascii_only)
    data, _ = parse_document(text, "p.json")
    assert data == json.loads(text)
    as_yaml = yaml.dump(doc, Dumper=_Dumper, allow_unicode=True, sort_keys=False)
    assert pw.loads(text, "p.json") == pw.loads(as_yaml, "p.yaml")
    assert pw.loads(text) == pw.loads(as_yaml)


def test_json_findings_are_in_the_language() -> None:
    """A Khmer reader sees the JSON findings in Khmer (json's own words left out)."""
    from pathways.messages import finding_message

    for text in ['{"a": 1,,}', '{"format": "x", "t": "\\ud800"}']:
        [finding] = load_findings(text.encode(), "p.json")[1]
        said = finding_message(finding.message, "km")
        assert said != finding.message and "Expecting" not in said
