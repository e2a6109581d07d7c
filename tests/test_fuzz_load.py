"""Odd YAML and JSON text: `pathways.loads` returns a Pathway or raises LoadError, nothing else.

Found by mutating the bundled pathways one value or key at a time (odd numbers, odd Unicode,
wrong types, non-string keys) and by writing YAML's rarer forms into a small pathway (explicit
tags, anchors and merges, directives, control characters, huge numbers); the cases below are
those that once raised something else, with a PW001 at the offending value now.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import pathways as pw

SMALL = (Path(__file__).parent / "data" / "engine-small.yaml").read_text(encoding="utf-8")


def _first(text: str) -> pw.Finding:
    with pytest.raises(pw.LoadError) as info:
        pw.loads(text, "odd.yaml")
    return info.value.findings[0]


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ("!!int x", "'x' is not a valid !!int value"),
        ("!!int ''", "'' is not a valid !!int value"),
        ("!!int 0b2", "'0b2' is not a valid !!int value"),
        ("!!float 1e", "'1e' is not a valid !!float value"),
        ("!!float ''", "'' is not a valid !!float value"),
        ("!!bool x", "'x' is not a valid !!bool value"),
        ("!!bool yes", "'yes' is not a valid !!bool value"),  # yes stays text in pathways
        ("!!null x", "'x' is not a valid !!null value"),
        ("!!int " + "x" * 100, "'" + "x" * 37 + "...' is not a valid !!int value"),
    ],
)
def test_a_tag_on_a_value_not_of_its_type_is_pw001_at_the_value(value: str, words: str) -> None:
    """PyYAML's constructors trust the tag: `!!int x` raised ValueError, `!!bool x` KeyError,
    `!!int ''` IndexError out of pathways.loads."""
    text = SMALL.replace("title: Counsellor}", f"title: Counsellor, capacity: {value}}}")
    found = _first(text)
    line = SMALL[: SMALL.index("title: Counsellor}")].count("\n") + 1
    assert (found.code, found.line) == ("PW001", line)
    assert found.message.startswith(words) and "write it without the tag" in found.message


@pytest.mark.parametrize("value", ["!!float 3", "!!int 3", "!!str 3", "!!int '3'", "!!null ''"])
def test_a_tag_on_a_value_of_its_type_is_read(value: str) -> None:
    """The control: a tag the value matches reads as before (an integer may be a !!float)."""
    text = SMALL.replace("title: Counsellor}", f"title: Counsellor, capacity: {value}}}")
    try:
        pw.loads(text)
    except pw.LoadError as exc:  # a PW002 of the model (a str or null capacity), not PW001
        assert {f.code for f in exc.findings} == {"PW002"}


@pytest.mark.parametrize("text", ["capacity: " + "9" * 5000, "? " + "9" * 5000 + "\n: 1"])
def test_an_integer_past_pythons_digit_limit_is_pw001(text: str) -> None:
    """5,000 digits raised ValueError ('Exceeds the limit (4300 digits) for integer string
    conversion') out of pathways.loads, JSON included."""
    found = _first(f"format: pathways/1\n{text}\n")
    assert (found.code, found.line, found.column) == ("PW001", 2, 3 if text[0] == "?" else 11)
    assert "a number with 5,000 digits" in found.message
    found = _first('{"format": "pathways/1", "id": ' + "9" * 5000 + "}")
    assert found.code == "PW001"


def test_a_lone_surrogate_in_text_is_pw001_at_the_character() -> None:
    """A str holding a lone surrogate (UTF-8 bytes cannot) raised UnicodeEncodeError from the
    C parser."""
    found = _first("format: pathways/1\nid: ab\ud800\n")
    assert (found.code, found.line, found.column) == ("PW001", 2, 7)
    assert "U+D800 is a lone surrogate" in found.message


@pytest.mark.parametrize("label", ["\x85", "a\x85b", "x\x85", "\u2028\u2029\x85", "a\x07"])
def test_dump_keeps_line_break_characters_in_labels(label: str) -> None:
    """PyYAML wrote NEL raw in a single-quoted string and read it back as a space: dump of a
    label 'a\\x85b' loaded back 'a b' (the fuzzer's dump property)."""
    escaped = label.encode("unicode_escape").decode().replace("\\x85", "\\N")
    pathway = pw.loads(SMALL.replace("label: Intake}", f'label: "{escaped}"}}'))
    assert pathway.steps[0].label == label
    assert pw.loads(pw.dump(pathway)) == pathway


@pytest.mark.parametrize(
    ("simulation", "column", "words"),
    [
        ("{start: 0001-01-01}", 21, "start is a date from 1900-01-01 to 2999-12-31"),
        ("{start: 9999-12-31}", 21, "start is a date from 1900-01-01 to 2999-12-31"),
        ("{arrival_profile: [.inf" + ", 1" * 23 + "]}", 32, "finite number"),
        ("{arrival_profile: [.nan" + ", 1" * 23 + "]}", 32, "finite number"),
        ("{arrival_profile: [1e308, 1e308" + ", 1" * 22 + "]}", 32, "1000000000"),
    ],
)
def test_simulation_start_and_arrival_profile_are_bounded(
    simulation: str, column: int, words: str
) -> None:
    """`start: 0001-01-01` and `9999-12-31` loaded and then raised OverflowError/ValueError in
    the calendar clock; an arrival profile of .inf or 1e308 weights IndexError/OverflowError
    (and .nan was taken silently): now PW002 at the value."""
    found = _first(SMALL + f"simulation: {simulation}\n")
    assert (found.code, found.line, found.column) == ("PW002", SMALL.count("\n") + 1, column)
    assert words in found.message


def test_the_bounds_of_simulation_start_simulate() -> None:
    path = Path(__file__).parents[1] / "pathways" / "kh" / "csa-in-person.yaml"
    pathway = pw.load(path)
    assert pathway.calendars  # the start matters: the calendar clock counts from it
    for start in ("1900-01-01", "2999-12-31"):
        changed = pw.simulate(pathway, cases=50, overrides=[f"simulation.start={start}"])
        assert changed.cases == 50


CALENDAR = """
calendars:
  office: {timezone: TZ, days: [mon, tue, wed, thu, fri], hours: ["08:00-17:00"]}
"""


@pytest.mark.parametrize("zone", ["Asia", "x" * 300, "Asia/Phnom_Penh/"])
def test_a_time_zone_that_is_a_folder_or_too_long_is_pw002(zone: str) -> None:
    """`timezone: Asia` raised IsADirectoryError, a 300-character name OSError (File name too
    long) out of the model's check (ZoneInfo reads a file named by the value)."""
    found = _first(SMALL + CALENDAR.replace("TZ", zone))
    assert (found.code, found.line) == ("PW002", SMALL.count("\n") + 3)
    assert "unknown time zone" in found.message


@pytest.mark.parametrize("key", ["1", "true", "1.5"])
def test_a_calendar_named_by_a_number_is_pw002_not_a_type_error(key: str) -> None:
    """A calendar (or case field) keyed by a number raised TypeError from the 'did you mean'
    search and from sorting names of mixed types (references.py)."""
    text = SMALL.replace("title: Counsellor}", "title: Counsellor, calendar: office}")
    text += CALENDAR.replace("office", key).replace("TZ", "UTC")
    with pytest.raises(pw.LoadError) as info:
        pw.loads(text)
    codes = {f.code for f in info.value.findings}
    assert codes == {"PW002", "PW003"}, info.value.findings


def test_a_pathway_without_transitions_simulates_with_capacities() -> None:
    """`transitions: []` in a pathway with role capacities raised IndexError in the queue
    planner (it indexed an empty array); every case is stuck at its entry step."""
    import yaml

    path = Path(__file__).parents[1] / "pathways" / "kh" / "compensation-claim.yaml"
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    doc["transitions"] = []
    pathway = pw.loads(yaml.safe_dump(doc, allow_unicode=True))
    assert any(r.capacity for r in pathway.roles)
    assert pw.simulate(pathway, cases=20).to_dict()["stuck"] == 20


@pytest.mark.parametrize("key", ["1", "true", "1.5"])
def test_a_case_field_named_by_a_number_is_pw002_not_a_type_error(key: str) -> None:
    """The population then names a field the file does not declare (PW003): its 'declared:'
    list sorted names of mixed types (TypeError)."""
    text = SMALL.replace("  online: {type: boolean}", f"  {key}: {{type: boolean}}")
    text += "simulation: {population: {online: {bernoulli: 0.5}}}\n"
    with pytest.raises(pw.LoadError) as info:
        pw.loads(text)
    assert {f.code for f in info.value.findings} == {"PW002", "PW003"}
