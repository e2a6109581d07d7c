"""The loader: line-accurate PW0xx findings, bounded parsing, never a half-loaded pathway."""

from __future__ import annotations

import json
import tracemalloc
from pathlib import Path

import pytest

import pathways as pw
from pathways.load import MAX_BYTES, load_findings, parse_document
from tests.markers import assert_findings_match_markers, expected_markers

DATA = Path(__file__).parent / "data" / "load"
FIXTURES = sorted(p for p in DATA.glob("PW0*/*.yaml"))


@pytest.mark.parametrize("fixture", FIXTURES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_fixture_findings_match_markers(fixture: Path) -> None:
    """A load fixture yields exactly the findings its `# expect:` markers name, line by line."""
    assert expected_markers(fixture), "a fixture without markers tests nothing"
    with pytest.raises(pw.LoadError) as info:
        pw.load(fixture)
    assert_findings_match_markers(fixture, info.value.findings)
    assert all(f.location.file == str(fixture) for f in info.value.findings)


def test_every_load_code_has_a_fixture() -> None:
    """Each PW0xx code is exercised by at least one fixture."""
    codes = {code for f in FIXTURES for (_, code) in expected_markers(f)}
    assert codes == {"PW001", "PW002", "PW003", "PW004", "PW005", "PW006"}


def test_columns_point_at_the_offending_node() -> None:
    """Unknown keys point at the key, wrong values at the value, guard errors at the token."""
    with pytest.raises(pw.LoadError) as info:
        pw.load(DATA / "PW002" / "invalid-wrong-types.yaml")
    by_line = {f.location.line: f for f in info.value.findings}
    assert (by_line[5].location.column, by_line[7].location.column) == (45, 19)
    with pytest.raises(pw.LoadError) as info:
        pw.load(DATA / "PW005" / "invalid-guards.yaml")
    by_line = {f.location.line: f for f in info.value.findings}
    # `agee > 3` starts one character after the opening quote at column 28.
    assert by_line[13].location.column == 29
    # `__import__('os')...`: the first forbidden token is the call's parenthesis.
    assert by_line[12].location.column == 29 + len("__import__")


def test_a_label_for_no_value_points_at_its_key_with_a_did_you_mean(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A reviewer's finding: `value_labels` naming a value the field does not have was one
    PW002 at the field, listing the values and no fix. Now each such label is a PW002 at its
    own key, with the loader's 'did you mean' when a value is close (else the values), in
    English and in Khmer."""
    from pathways.cli import main

    fixture = DATA / "PW002" / "invalid-value-labels.yaml"
    with pytest.raises(pw.LoadError) as info:
        pw.load(fixture)
    assert [
        (f.code, f.location.line, f.location.column, f.message) for f in info.value.findings
    ] == [
        (
            "PW002",
            11,
            7,
            "case_fields.risk: `value_labels` names 'hihg', not one of the field's values; "
            "did you mean 'high'?",
        ),
        (
            "PW002",
            12,
            7,
            "case_fields.risk: `value_labels` names 'severe', not one of the field's values "
            "(low, medium, high)",
        ),
    ]
    assert main(["validate", str(fixture)]) == 1
    assert capsys.readouterr().out.splitlines()[:2] == [
        f"{fixture}:11:7: PW002 [error] case_fields.risk: `value_labels` names 'hihg', not one "
        "of the field's values; did you mean 'high'?",
        f"{fixture}:12:7: PW002 [error] case_fields.risk: `value_labels` names 'severe', not "
        "one of the field's values (low, medium, high)",
    ]
    assert main(["validate", str(fixture), "--lang", "km"]) == 1
    assert capsys.readouterr().out.splitlines()[:2] == [
        f"{fixture}:11:7: PW002 [កំហុស] case_fields.risk៖ `value_labels` មានស្លាកសម្រាប់ 'hihg' "
        "ដែលមិនមែនជាតម្លៃនៃវាលនេះទេ; តើអ្នកចង់សំដៅលើ 'high' ឬ?",
        f"{fixture}:12:7: PW002 [កំហុស] case_fields.risk៖ `value_labels` មានស្លាកសម្រាប់ 'severe' "
        "ដែលមិនមែនជាតម្លៃនៃវាលនេះទេ (low, medium, high)",
    ]
    # the model alone (no file) says the same, both labels in one pydantic error
    from pathways.model import CaseField

    with pytest.raises(ValueError, match=r"'hihg', .*did you mean 'high'\?; .*'severe', .*"):
        CaseField.model_validate(
            {
                "type": "enum",
                "values": ["low", "high"],
                "value_labels": {"hihg": "x", "severe": "y"},
            }
        )


_MISFITS = [
    (26, 21, "'hihg' is not one of the field's values; did you mean 'high'?"),
    (27, 13, "true is not one of the field's values (low, high)"),
    (
        28,
        12,
        "an enum field is drawn with `choice` or `fixed` (one of its values), not `uniform`",
    ),
    (29, 14, "'yes' is not true or false"),
    (
        30,
        12,
        "a boolean field is drawn with `bernoulli`, `choice` or `fixed` (true or false), not "
        "`uniform`",
    ),
    (31, 24, "20 is above the field's max 17"),
    (32, 13, "2.5 is not an integer"),
    (33, 23, "-1 is below the field's min 0"),
    (34, 13, "no integer in [0.2, 0.8]"),
    (35, 22, "'high' is not a number"),
    (
        36,
        13,
        "a number field is drawn with `uniform`, `choice` or `fixed` (numbers), not `bernoulli`",
    ),
    (37, 23, "10000000000000000 is beyond +-1e15, the range of case values"),
    (38, 12, "1 is not one of the field's values; write it in quotes: '1'"),  # YAML's 1: a number
]
_FIELDS = ["risk", "level", "tier", "online", "flag", "age", "years", "months", "count"]
_FIELDS += ["score", "share", "weight", "code"]


def test_a_population_draw_that_does_not_fit_its_field_is_a_pw002_at_its_key(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A helper's finding: a population value that is not one of an enum's values
    (`{choice: {hihg: 0.25, ...}}`), of the wrong type for its field, outside its min..max,
    or a distribution that does not fit the field's type passed `validate` and failed only
    when simulated (without a fix). Now each is a PW002 at the offending key (the value's, a
    range's bound, or the distribution's), with the loader's 'did you mean' for an enum value
    when one is close (else the values; for a number YAML read from `1` where the enum's
    value is the text '1', the quotes to write), in English and in Khmer."""
    from pathways.cli import main

    fixture = DATA / "PW002" / "invalid-population-values.yaml"
    with pytest.raises(pw.LoadError) as info:
        pw.load(fixture)
    expected = [
        ("PW002", line, column, f"simulation: population of {name!r}: {text}")
        for name, (line, column, text) in zip(_FIELDS, _MISFITS, strict=True)
    ]
    assert [
        (f.code, f.location.line, f.location.column, f.message) for f in info.value.findings
    ] == expected
    assert main(["validate", str(fixture)]) == 1
    assert capsys.readouterr().out.splitlines()[:13] == [
        f"{fixture}:{line}:{column}: PW002 [error] {message}"
        for _, line, column, message in expected
    ]
    assert main(["validate", str(fixture), "--lang", "km"]) == 1
    lines = capsys.readouterr().out.splitlines()
    head = f"{fixture}:{{}}: PW002 [កំហុស] simulation៖ population នៃ {{}}៖ "
    assert lines[0] == head.format("26:21", "'risk'") + (
        "'hihg' មិនមែនជាតម្លៃនៃវាលនេះទេ; តើអ្នកចង់សំដៅលើ 'high' ឬ?"
    )
    assert lines[1] == head.format("27:13", "'level'") + ("true មិនមែនជាតម្លៃនៃវាលនេះទេ (low, high)")
    assert lines[3] == head.format("29:14", "'online'") + "'yes' មិនមែនជា true ឬ false ទេ"
    assert lines[5] == head.format("31:24", "'age'") + "20 ធំជាង max 17 នៃវាលនេះ"
    assert lines[10] == head.format("36:13", "'share'") + (
        "វាលលេខ ត្រូវទាញដោយ `uniform`, `choice` ឬ `fixed` (លេខ) មិនមែនដោយ `bernoulli` ទេ"
    )
    assert lines[12] == head.format("38:12", "'code'") + (
        "1 មិនមែនជាតម្លៃនៃវាលនេះទេ; សូមសរសេរវាក្នុងសញ្ញាសម្រង់៖ '1'"
    )
    assert all(head.split("{}")[0] in line and "៖ population នៃ" in line for line in lines[:13])


def test_the_bundled_populations_fit_their_fields() -> None:
    """The new check refuses no bundled pathway (each draws what its fields hold)."""
    for path in sorted(Path("pathways").glob("*/*.yaml")):
        pw.load(path)


_TEXT_KEYS = """{
  "format": "pathways/1",
  "id": "text-keys",
  "agencies": [{"id": "ag", "name": "Agency", "sector": "social"}],
  "roles": [{"id": "r", "agency": "ag", "title": "R"}],
  "case_fields": {
    "age": {"type": "integer", "min": 0, "max": 17},
    "online": {"type": "boolean"},
    "score": {"type": "number", "min": 0, "max": 1}
  },
  "steps": [{"id": "a", "kind": "entry", "role": "r"}, {"id": "b", "kind": "outcome"}],
  "transitions": [{"from": "a", "to": "b"}],
  "simulation": {
    "population": {
      "age": {"choice": {"3": 0.5, "20": 0.5}},
      "online": {"choice": {"true": 0.5, "yes": 0.5}},
      "score": {"choice": {"0.5": 1, "1e1": 1, "-1": 1}}
    }
  }
}
"""


@pytest.mark.parametrize("suffix", [".json", ".yaml"])
def test_a_choice_key_written_as_text_and_read_as_a_number_is_found_at_the_key(
    tmp_path: Path, suffix: str
) -> None:
    """A `choice` over a number or boolean field written with text keys (`{"20": 0.5}`, as
    every JSON key is) is read as the field's type; a key that does not fit was a PW002 at
    the `choice` map (its path as read, `choice.20`, is not the document's `choice."20"`),
    now at the key itself, as a key read as written is (`"yes"`). The same text as YAML (its
    keys quoted) is found alike."""
    path = tmp_path / f"p{suffix}"
    path.write_text(_TEXT_KEYS, encoding="utf-8")
    lines = _TEXT_KEYS.splitlines()

    def at(field: str, key: str) -> tuple[int, int]:
        number = next(i for i, line in enumerate(lines) if f'"{field}": {{"choice"' in line)
        return number + 1, lines[number].index(f'"{key}"') + 1

    with pytest.raises(pw.LoadError) as info:
        pw.load(path)
    got = [(f.code, f.location.line, f.location.column, f.message) for f in info.value.findings]
    said = "simulation: population of"
    assert got == [
        ("PW002", *at("age", "20"), f"{said} 'age': 20 is above the field's max 17"),
        ("PW002", *at("online", "yes"), f"{said} 'online': 'yes' is not true or false"),
        ("PW002", *at("score", "1e1"), f"{said} 'score': 10.0 is above the field's max 1"),
        ("PW002", *at("score", "-1"), f"{said} 'score': -1 is below the field's min 0"),
    ]
    assert at("age", "20") == (15, 36)


@pytest.mark.parametrize(
    ("override", "english", "khmer"),
    [
        (
            "simulation.population.risk={choice: {hihg: 1, low: 1}}",
            "'hihg' is not one of the field's values; did you mean 'high'?",
            "'hihg' មិនមែនជាតម្លៃនៃវាលនេះទេ; តើអ្នកចង់សំដៅលើ 'high' ឬ?",
        ),
        (
            "simulation.population.risk={fixed: severe}",
            "'severe' is not one of the field's values (low, medium, high)",
            "'severe' មិនមែនជាតម្លៃនៃវាលនេះទេ (low, medium, high)",
        ),
        (
            "simulation.population.hours_since_incident={uniform: [0, 9000]}",
            "9000 is above the field's max 8760",
            "9000 ធំជាង max 8760 នៃវាលនេះ",
        ),
        (
            "simulation.population.hours_since_incident={fixed: soon}",
            "'soon' is not an integer",
            "'soon' មិនមែនជាចំនួនគត់ទេ",
        ),
    ],
)
def test_an_override_with_a_population_draw_that_does_not_fit_says_the_same(
    capsys: pytest.CaptureFixture[str], override: str, english: str, khmer: str
) -> None:
    """`simulate --set` with such a population is refused before the run with the loader's
    words for it, on one line (it was refused by the simulation, without a fix, or run)."""
    from pathways.cli import main

    argv = ["simulate", "pathways/kh/csa-in-person.yaml", "--set", override, "--no-progress"]
    path = override.partition("=")[0]
    name = path.rsplit(".", 1)[1]
    assert main(argv) == 1
    assert capsys.readouterr().err == (
        f"error: --set {path}: simulation: population of {name!r}: {english}\n"
    )
    assert main([*argv, "--lang", "km"]) == 1
    assert capsys.readouterr().err == (
        f"កំហុស៖ --set {path}៖ simulation៖ population នៃ {name!r}៖ {khmer}\n"
    )


def test_an_override_of_a_population_names_a_declared_field(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """`--set simulation.population.rsik=...` (a field the file does not declare) was taken
    and ignored: the run drew `risk` as before and said nothing. Now refused with the loader's
    'did you mean', like a role or step an override misnames; in a scenario a PW003."""
    from pathways.cli import main

    argv = ["simulate", "pathways/kh/csa-in-person.yaml", "--no-progress", "--set"]
    assert main([*argv, "simulation.population.rsik={fixed: high}"]) == 1
    assert capsys.readouterr().err == (
        "error: --set simulation.population.rsik: no case field 'rsik'; did you mean 'risk'?\n"
    )
    assert main([*argv, "simulation.population={zzzzzz: {fixed: 1}}", "--lang", "km"]) == 1
    assert capsys.readouterr().err == (
        "កំហុស៖ --set simulation.population៖ គ្មានវាលករណី 'zzzzzz' ទេ; វាលករណីដែលមាន៖ "
        "hours_since_incident, risk\n"
    )
    text = Path("pathways/kh/csa-in-person.yaml").read_text(encoding="utf-8")
    text += '  - name: misnamed\n    set: ["simulation.population.rsik={fixed: high}"]\n'
    with pytest.raises(pw.LoadError) as info:
        pw.loads(text, "bad.yaml")
    (found,) = info.value.findings
    assert found.code == "PW003" and "no case field 'rsik'; did you mean 'risk'?" in found.message


def test_a_scenario_with_a_population_draw_that_does_not_fit_is_a_pw002() -> None:
    """A scenario's `set:` goes through the same check, at the override."""
    text = Path("pathways/kh/csa-in-person.yaml").read_text(encoding="utf-8")
    text += '  - name: bad-population\n    set: ["simulation.population.risk={fixed: hihg}"]\n'
    with pytest.raises(pw.LoadError) as info:
        pw.loads(text, "bad.yaml")
    (found,) = info.value.findings
    assert found.code == "PW002"
    assert "population of 'risk': 'hihg' is not one of the field's values; did you mean " in (
        found.message
    )


_POPULATION = """\
format: pathways/1
id: population
agencies: [{id: ag, name: Agency, sector: social}]
roles: [{id: r, agency: ag, title: R}]
case_fields: {visits: {type: integer}}
steps:
  - {id: a, kind: entry, role: r}
  - {id: b, kind: outcome}
transitions:
  - {from: a, to: b}
simulation:
  population:
    visits: {KIND: 0.5}
"""


@pytest.mark.parametrize(
    ("kind", "fix", "km_fix"),
    [
        ("bernouli", "did you mean 'bernoulli'?", "តើអ្នកចង់សំដៅលើ 'bernoulli' ឬ?"),
        (
            "poisson",
            "use uniform, bernoulli, choice or fixed",
            "សូមប្រើ uniform, bernoulli, choice ឬ fixed",
        ),
    ],
)
def test_an_unknown_distribution_points_at_its_key_with_a_did_you_mean(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], kind: str, fix: str, km_fix: str
) -> None:
    """`simulation.population.<field>: {bernouli: 0.5}` was a PW002 at `simulation` listing
    the distributions: now at the misspelt key, with the loader's 'did you mean' when one is
    close (else the list, as before), in English and in Khmer (was English)."""
    from pathways.cli import main

    path = tmp_path / "population.yaml"
    path.write_text(_POPULATION.replace("KIND", kind), encoding="utf-8")
    with pytest.raises(pw.LoadError) as info:
        pw.load(path)
    (found,) = info.value.findings
    message = f"simulation: population of 'visits': unknown distribution {kind!r}; {fix}"
    assert (found.code, found.location.line, found.location.column) == ("PW002", 13, 14)
    assert found.message == message
    assert main(["validate", str(path)]) == 1
    assert capsys.readouterr().out.splitlines()[0] == f"{path}:13:14: PW002 [error] {message}"
    assert main(["validate", str(path), "--lang", "km"]) == 1
    assert capsys.readouterr().out.splitlines()[0] == (
        f"{path}:13:14: PW002 [កំហុស] simulation៖ population នៃ 'visits'៖ "
        f"មិនស្គាល់ការចែកចាយ {kind!r}; {km_fix}"
    )


def test_an_override_keeps_a_choice_of_numbers_and_booleans(tmp_path: Path) -> None:
    """An override re-validates the pathway from its JSON dump, whose keys are text: a choice
    over numbers or booleans came back as '1' and 'true', which the simulation refused ("text
    choices do not fit a boolean field") and the new check would say is no number. Such keys
    written as text (JSON has no others) are read as the field's type: an override keeps the
    population, and a JSON dump loads back equal."""
    from pathways.load.overrides import apply_overrides

    path = tmp_path / "numbers.yaml"
    path.write_text(
        _POPULATION.replace("visits: {KIND: 0.5}", "visits: {choice: {1: 0.5, 2: 0.5}}")
        .replace("{visits: {type: integer}}", "{visits: {type: integer}, flag: {type: boolean}}")
        .replace("  population:\n", "  population:\n    flag: {choice: {true: 1, false: 3}}\n"),
        encoding="utf-8",
    )
    p = apply_overrides(pw.load(path), ["simulation.arrivals_per_day=3"])
    assert pw.loads(pw.dump(p, fmt="json"), "numbers.json") == p
    assert p.simulation is not None
    assert p.simulation.population == {
        "flag": {"choice": {True: 1, False: 3}},
        "visits": {"choice": {1: 0.5, 2: 0.5}},
    }


_CALENDAR = """\
format: pathways/1
id: calendar
agencies: [{id: ag, name: Agency, sector: social}]
roles: [{id: r, agency: ag, title: R, calendar: office}]
calendars:
  office: {timezone: ZONE, days: [mon, DAY]}
steps:
  - {id: a, kind: entry, role: r}
  - {id: b, kind: outcome}
transitions:
  - {from: a, to: b}
"""


@pytest.mark.parametrize(
    ("zone", "day", "column", "en", "km"),
    [
        (
            "Asia/Phnom_Pehn",
            "tue",
            22,
            "calendars.office.timezone: unknown time zone 'Asia/Phnom_Pehn'; did you mean "
            "'Asia/Phnom_Penh'?",
            "calendars.office.timezone៖ មិនស្គាល់តំបន់ម៉ោង 'Asia/Phnom_Pehn'; "
            "តើអ្នកចង់សំដៅលើ 'Asia/Phnom_Penh' ឬ?",
        ),
        (
            "Mars/Olympus",
            "tue",
            22,
            "calendars.office.timezone: unknown time zone 'Mars/Olympus'; use an IANA name "
            "such as Asia/Phnom_Penh or UTC",
            "calendars.office.timezone៖ មិនស្គាល់តំបន់ម៉ោង 'Mars/Olympus'; សូមប្រើឈ្មោះ IANA "
            "ដូចជា Asia/Phnom_Penh ឬ UTC",
        ),
        (
            "UTC",
            "tues",
            39,
            "calendars.office.days[1]: input should be 'mon', 'tue', 'wed', 'thu', 'fri', 'sat' "
            "or 'sun'; did you mean 'tue'?",
            "calendars.office.days[1]៖ តម្លៃត្រូវតែជា 'mon', 'tue', 'wed', 'thu', 'fri', 'sat' "
            "ឬ 'sun'; តើអ្នកចង់សំដៅលើ 'tue' ឬ?",
        ),
        (
            "UTC",
            "holiday",
            39,
            "calendars.office.days[1]: input should be 'mon', 'tue', 'wed', 'thu', 'fri', 'sat' "
            "or 'sun'",
            "calendars.office.days[1]៖ តម្លៃត្រូវតែជា 'mon', 'tue', 'wed', 'thu', 'fri', 'sat' "
            "ឬ 'sun'",
        ),
    ],
)
def test_a_calendar_s_unknown_zone_or_day_gets_a_did_you_mean(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    zone: str,
    day: str,
    column: int,
    en: str,
    km: str,
) -> None:
    """A calendar's time zone or working day that is not one of the names there are: the
    loader's 'did you mean' when one is close (was none), else the names as before; in
    English and in Khmer (the time zone's message was English), at the wrong value."""
    from pathways.cli import main

    path = tmp_path / "calendar.yaml"
    path.write_text(_CALENDAR.replace("ZONE", zone).replace("DAY", day), encoding="utf-8")
    with pytest.raises(pw.LoadError) as info:
        pw.load(path)
    (found,) = info.value.findings
    assert (found.code, found.location.line, found.location.column, found.message) == (
        "PW002",
        6,
        column,
        en,
    )
    assert main(["validate", str(path)]) == 1
    assert capsys.readouterr().out.splitlines()[0] == f"{path}:6:{column}: PW002 [error] {en}"
    assert main(["validate", str(path), "--lang", "km"]) == 1
    assert capsys.readouterr().out.splitlines()[0] == f"{path}:6:{column}: PW002 [កំហុស] {km}"


def test_valid_minimal_file_loads() -> None:
    """A valid file loads into a Pathway that keeps its file and source map."""
    p = pw.load(DATA / "valid" / "minimal.yaml")
    assert p.id == "minimal"
    assert p.file == str(DATA / "valid" / "minimal.yaml")
    assert [s.id for s in p.steps] == ["intake", "yes", "no"]  # `yes`/`no` stay strings
    assert p.transitions[0].event == "to_yes"
    assert p.transitions[0].by == ("counsellor",)
    assert p.transitions[0].response_within == 24.0
    assert p.steps[1].duration is not None and p.steps[1].duration.upper == 24.0
    assert p.source_map.locate(("steps", 1)).line == 16


def test_guard_code_is_never_executed(tmp_path: Path) -> None:
    """A guard holding Python is a finding; nothing it names runs."""
    marker = Path("/tmp/pathways-pwned")
    marker.unlink(missing_ok=True)
    with pytest.raises(pw.LoadError):
        pw.load(DATA / "PW005" / "invalid-guards.yaml")
    with pytest.raises(pw.LoadError):
        pw.load(DATA / "PW001" / "invalid-python-tag.yaml")
    assert not marker.exists()


def test_invalid_utf8_is_pw001_at_the_byte(tmp_path: Path) -> None:
    """A stray byte that is not UTF-8 is reported at its line and column."""
    path = tmp_path / "bad.yaml"
    path.write_bytes(b"format: pathways/1\nid: caf\xe9\n")
    with pytest.raises(pw.LoadError) as info:
        pw.load(path)
    [finding] = info.value.findings
    assert (finding.code, finding.location.line, finding.location.column) == ("PW001", 2, 8)


def test_empty_file_and_missing_file(tmp_path: Path) -> None:
    """An empty file and a missing file are one-line PW001 findings, not tracebacks."""
    empty = tmp_path / "empty.yaml"
    empty.write_text("")
    with pytest.raises(pw.LoadError, match="empty"):
        pw.load(empty)
    with pytest.raises(pw.LoadError, match="cannot read file"):
        pw.load(tmp_path / "missing.yaml")


def _sparse_file(path: Path, size: int) -> Path:
    """A file of ``size`` bytes that costs no memory to make: a YAML start, then a hole."""
    with path.open("wb") as fh:
        fh.write(b"format: pathways/1\nid: huge\nsteps:\n")
        fh.truncate(size)
    return path


def test_huge_file_is_refused_with_bounded_memory(tmp_path: Path) -> None:
    """A 50 MB file is refused by size without being read whole: the loader's Python
    allocations (tracemalloc, around the call only) stay near the 10 MB bound."""
    path = _sparse_file(tmp_path / "huge.yaml", 50 * 1024 * 1024)
    tracemalloc.start()
    try:
        with pytest.raises(pw.LoadError, match="larger than"):
            pw.load(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 2 * MAX_BYTES, f"peak {peak / 1e6:.1f} MB while refusing a 50 MB file"


def test_one_byte_over_the_bound_is_refused(tmp_path: Path) -> None:
    """MAX_BYTES + 1 bytes is refused by size (not read truncated and parsed)."""
    path = _sparse_file(tmp_path / "over.yaml", MAX_BYTES + 1)
    with pytest.raises(pw.LoadError, match="larger than"):
        pw.load(path)
    fits = _sparse_file(tmp_path / "fits.yaml", MAX_BYTES)
    with pytest.raises(pw.LoadError) as info:
        pw.load(fits)
    assert "larger than" not in str(info.value)  # read whole, refused for its content


def test_alias_bomb_is_refused(tmp_path: Path) -> None:
    """A 'billion laughs' document is PW001 within seconds, not an out-of-memory crash."""
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for prev, name in zip("abcdefgh", "bcdefghi", strict=True):
        lines.append(f"{name}: &{name} [" + ",".join([f"*{prev}"] * 9) + "]")
    path = tmp_path / "bomb.yaml"
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(pw.LoadError) as info:
        pw.load(path)
    assert [f.code for f in info.value.findings] == ["PW001"]
    assert "aliases" in info.value.findings[0].message


def test_small_aliases_and_merge_keys_are_fine() -> None:
    """Anchors, aliases and merge keys within the bound load as plain data."""
    text = (
        "base: &b {kind: action, role: r}\n"
        "steps:\n  - {<<: *b, id: a}\n  - {<<: *b, id: c, kind: entry}\n"
    )
    data, smap = parse_document(text)
    assert data["steps"] == [
        {"kind": "action", "role": "r", "id": "a"},
        {"kind": "entry", "role": "r", "id": "c"},
    ]
    assert smap.locate(("steps", 1, "id"), key=True).line == 4


def test_json_files_load_with_positions(tmp_path: Path) -> None:
    """JSON with the same structure loads, and findings carry JSON line numbers."""
    doc = json.loads(
        json.dumps(
            pw.loads((DATA / "valid" / "minimal.yaml").read_text()).model_dump(
                mode="json", by_alias=True
            )
        )
    )
    doc["steps"][0]["kind"] = "beginning"
    path = tmp_path / "p.json"
    path.write_text(json.dumps(doc, indent=2, ensure_ascii=False))
    pathway, findings = load_findings(path.read_bytes(), str(path))
    assert pathway is None
    [finding] = findings
    assert finding.code == "PW002"
    line = path.read_text().splitlines()[finding.location.line - 1]
    assert '"beginning"' in line


def test_file_over_the_limit_passed_as_text_is_refused() -> None:
    """The size bound holds for text passed to loads() too."""
    with pytest.raises(pw.LoadError, match="larger than"):
        pw.loads(b"x" * (MAX_BYTES + 1))


def test_load_error_reads_as_one_line() -> None:
    """An uncaught LoadError prints the first finding and a count of the rest."""
    with pytest.raises(pw.LoadError) as info:
        pw.load(DATA / "PW004" / "invalid-duplicates.yaml")
    message = str(info.value)
    assert "\n" not in message
    assert message.endswith("(and 3 more)")
    assert "PW004" in message


def test_duplicate_scenario_name_is_pw004_at_the_second(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Issue 13 audit: a second scenario of the same name passed `validate`, and `simulate
    --compare all` ran the first and silently dropped the other. Now PW004 (as for duplicate
    ids) at the second name, naming the first's line; simulate refuses the file, naming it."""
    from pathways.cli import main

    fixture = DATA / "PW004" / "invalid-duplicate-scenarios.yaml"
    _, findings = load_findings(fixture.read_text(encoding="utf-8"), str(fixture))
    assert [(f.code, f.location.line, f.location.column) for f in findings] == [("PW004", 20, 11)]
    assert findings[0].message == (
        "duplicate scenario name 'one-doctor' (first declared on line 16); names must be unique"
    )
    assert main(["validate", str(fixture)]) == 1
    assert f"{fixture}:20:11: PW004" in capsys.readouterr().out
    args = ["simulate", str(fixture), "--cases", "50", "--no-progress", "--compare", "all"]
    assert main(args) == 1
    assert f"{fixture}:20:11: PW004" in capsys.readouterr().err


def test_scenario_set_naming_nothing_is_found_by_validate(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Issue 13 audit: `scenarios: ... set: [roles.nobody.capacity=2]` passed `validate` and
    failed only when simulated. Each override is now checked with simulate's own parser (its
    values read as plain YAML: a Python tag is refused, never run), at the override's line
    and column, with the loader's 'did you mean'."""
    from pathways.cli import main

    fixture = DATA / "PW003" / "invalid-scenario-set.yaml"
    with pytest.raises(pw.LoadError) as info:
        pw.load(fixture)
    found = {(f.location.line, f.location.column): f for f in info.value.findings}
    assert found[(23, 9)].message == (
        "scenario 'nobody': --set roles.docter.capacity: no role 'docter'; did you mean 'doctor'?"
    )
    assert found[(25, 11)].message.endswith("no transition has from=exan; did you mean 'exam'?")
    assert found[(27, 11)].message.endswith("no section 'rolls'; did you mean 'roles'?")
    assert (
        found[(29, 11)].code == "PW002" and "greater than or equal to 1" in found[(29, 11)].message
    )
    assert found[(33, 11)].message.endswith("the value is not valid YAML")
    assert main(["validate", str(fixture)]) == 1
    assert f"{fixture}:22:9: PW003 [error] scenario 'nobody'" in capsys.readouterr().out
    # the bundled pathways' scenarios all apply
    for path in sorted(Path("pathways").rglob("*.yaml")):
        p = pw.load(path)
        assert all(s.overrides for s in p.scenarios)


_SCALARS = """\
- [yes, no, on, off, Yes, NO, y, n, o, O]
- [true, false, True, FALSE, null, Null, ~, '', "", =, <<]
- [1, -1, +1, 0x1f, 0o17, 1_000, .5, -.5, 1e3, 1.5e+3, .inf, -.Inf, .nan, .NaN, NaN]
- [2026-01-01, 2026-01-01T10:00:00Z, 12:30:00, 1:20]
- ['3', "true", ! 3, !!str 3, !!int "3", é, Ω, x, Intake, to_a, -x, .x, 1x, t1]
- {a: 1, yes: no, 1: a, ~: x, "on": off}
"""


def test_the_fast_resolver_types_scalars_as_pyyaml_does() -> None:
    """The loader answers most scalars' tags itself (quoted, or starting with a character no
    implicit resolver looks at) and asks PyYAML's resolver for the rest: every node gets the
    tag PyYAML would give with our resolvers (yes/no/on/off strings)."""
    import yaml

    from pathways.load import yaml_walk

    class Plain(yaml_walk._BaseLoader):
        yaml_implicit_resolvers = yaml_walk._Loader.yaml_implicit_resolvers

    def tags(loader: type[yaml.SafeLoader]) -> list[tuple[str, str | None]]:
        node = yaml.compose(_SCALARS, Loader=loader)
        out: list[tuple[str, str | None]] = []
        stack = [node]
        while stack:
            node = stack.pop()
            if isinstance(node, yaml.ScalarNode):
                out.append((node.tag, node.value))
            else:
                out.append((node.tag, None))
                stack.extend(
                    n for pair in node.value for n in (pair if isinstance(pair, tuple) else (pair,))
                )
        return out

    fast = tags(yaml_walk._Loader)
    assert fast == tags(Plain)
    assert ("tag:yaml.org,2002:str", "yes") in fast and ("tag:yaml.org,2002:int", "0x1f") in fast
