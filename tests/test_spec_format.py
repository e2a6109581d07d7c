"""SPEC section 2, the file format: every key of the SPEC's example file, the defaults the SPEC
states, duration and label forms, step kinds, sectors, and "unknown keys are errors".

tests/data/spec-example.yaml is the SPEC's example, completed to load with no finding. A key
renamed in the model, or a default changed, fails here.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
import yaml

import pathways
from pathways.errors import LoadError
from pathways.model import BUILTIN_SECTORS

EXAMPLE = Path(__file__).parent / "data" / "spec-example.yaml"
TODAY = dt.date(2026, 11, 28)


@pytest.fixture(scope="module")
def p() -> pathways.Pathway:
    return pathways.load(EXAMPLE)


def _doc(**changes: Any) -> dict[str, Any]:
    """A small valid document (an entry, an action, an outcome), with ``changes`` on top."""
    doc: dict[str, Any] = {
        "format": "pathways/1",
        "id": "small",
        "agencies": [{"id": "a", "name": "A", "sector": "social"}],
        "roles": [{"id": "r", "agency": "a", "title": "R"}],
        "steps": [
            {"id": "intake", "kind": "entry", "role": "r"},
            {"id": "work", "kind": "action", "role": "r"},
            {"id": "closed", "kind": "outcome"},
        ],
        "transitions": [{"from": "intake", "to": "work"}, {"from": "work", "to": "closed"}],
    }
    doc.update(changes)
    return doc


def _load(doc: dict[str, Any]) -> pathways.Pathway:
    return pathways.loads(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False))


def _load_codes(doc: dict[str, Any]) -> set[str]:
    try:
        _load(doc)
    except LoadError as exc:
        return {f.code for f in exc.findings}
    return set()


def test_the_spec_example_loads_with_no_finding(p: pathways.Pathway) -> None:
    """Every key of SPEC section 2's example is accepted, and the file checks clean."""
    assert pathways.check(p, today=TODAY) == []


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("format", "pathways/1"),
        ("id", "kh-csa-in-person"),
        ("version", "1.2.0"),
        ("jurisdiction", "KH"),
        ("locales", ("en", "km")),
        ("visibility.value", "partners"),
        ("sources[0].id", "who-cmr"),
        ("sources[0].url", "https://example.org/"),
        ("agencies[0].sector", "social"),
        ("agencies[0].contacts[0].channel", "phone"),
        ("agencies[0].contacts[0].hours", "24/7"),
        ("agencies[0].contacts[0].visibility.value", "partners"),
        ("agencies[0].contacts[0].verified_on", dt.date(2026, 3, 1)),
        ("roles[0].agency", "dosvy"),
        ("roles[0].capacity", 3),
        ("roles[0].clearance.value", "sensitive"),
        ("roles[0].calendar", "office"),
        ("case_fields['age'].type", "integer"),
        ("case_fields['age'].max", 17),
        ("case_fields['risk'].values", ("low", "medium", "high")),
        ("steps[0].kind", "entry"),
        ("steps[0].role", "hotline_counsellor"),
        ("steps[0].tags", ("intake",)),
        ("steps[0].duration.max", 2.0),
        ("steps[0].confidentiality.value", "sensitive"),
        ("steps[1].duration.max", 0.5),  # "30m": fixed
        ("steps[2].duration.mean", 2.0),  # {mean: 2h}: exponential
        ("transitions[0].source", "intake"),
        ("transitions[0].event", "screen"),
        ("transitions[0].by", ("hotline_counsellor",)),
        ("transitions[0].when", "age < 18 and not online"),
        ("transitions[0].probability", 0.8),
        ("transitions[0].consent", "override"),
        ("transitions[0].delay.max", 24.0),
        ("transitions[2].kind", "referral"),
        ("transitions[2].on_reject", "closed"),
        ("transitions[2].response_within", 24.0),
        ("transitions[2].decline_probability", 0.1),
        ("deadlines[0].source", "intake"),
        ("deadlines[0].within", 72.0),
        ("deadlines[1].to", "tag:consent"),
        ("deadlines[1].within", 120.0),  # P5D
        ("policies.max_interviews", 1),
        ("policies.required_sectors", ("social", "hotline")),
        ("policies.every_route_reaches", ("hotline",)),
        ("simulation.arrivals_per_day", 4),
        ("simulation.start", dt.date(2027, 1, 4)),
        ("rules.ignore", ("PW502",)),
        ("waivers[0].code", "PW503"),
        ("calendars['office'].timezone", "Asia/Phnom_Penh"),
        ("calendars['office'].holidays", (dt.date(2027, 1, 1), dt.date(2027, 1, 7))),
    ],
)
def test_example_keys_reach_the_model(p: pathways.Pathway, path: str, expected: object) -> None:
    """Each key of the example is read into the pathway (durations in hours)."""
    value = eval(f"p.{path}", {}, {"p": p})  # a fixed path from this file, not user input
    if isinstance(value, list):
        value = tuple(value)
    assert value == expected


def test_example_maps_and_labels(p: pathways.Pathway) -> None:
    """Labels are a string or a locale map; population draws as the SPEC writes them; the
    file's rule settings and the sectors it adds."""
    assert p.title == {"en": "Child sexual abuse: in-person report", "km": "របាយការណ៍"}
    assert p.steps[4].label == {"en": "Case closed", "km": "បិទ"}
    assert p.simulation is not None
    assert json.loads(json.dumps(p.simulation.population)) == {
        "age": {"uniform": [3, 17]},
        "online": {"bernoulli": 0.3},
        "risk": {"choice": {"low": 0.3, "medium": 0.45, "high": 0.25}},
    }
    assert p.simulation.entries == {"intake": 1}
    assert p.rules.severity == {"PW202": "error"}
    assert "faith" in p.sectors


def test_a_plain_string_label_counts_as_the_first_locale() -> None:
    """A label that is a plain string counts as the first of ``locales``: PW501 asks for the
    others only."""
    doc = _doc(locales=["en", "km"], title="Plain")
    found = [f for f in pathways.check(_load(doc), select=["PW501"]) if "title" in f.message]
    assert found and "km" in found[0].message and "'en'" not in found[0].message


@pytest.mark.parametrize(
    ("text", "hours"),
    [
        ("45m", 0.75),
        ("2h", 2.0),
        ("3d", 72.0),
        ("2w", 336.0),
        ("PT72H", 72.0),
        ("P5D", 120.0),
    ],
)
def test_duration_strings(text: str, hours: float) -> None:
    """Durations: ``45m``, ``2h``, ``3d``, ``2w`` or ISO 8601; internally hours."""
    doc = _doc(deadlines=[{"id": "d", "to": "closed", "within": text}])
    assert _load(doc).deadlines[0].within == hours


def test_duration_forms_and_bad_ordering() -> None:
    """A step's duration is fixed (``"30m"``), ``{min, mode, max}`` or ``{mean}``; min > mode
    > max ordering broken, or an unreadable string, is PW006."""
    steps = _doc()["steps"]
    steps[1]["duration"] = {"min": "3h", "mode": "2h", "max": "1h"}
    assert _load_codes(_doc(steps=steps)) == {"PW006"}
    steps[1]["duration"] = "soon"
    assert _load_codes(_doc(steps=steps)) == {"PW006"}


@pytest.mark.parametrize(
    ("where", "index"),
    [
        (None, None),
        ("agencies", 0),
        ("roles", 0),
        ("steps", 1),
        ("transitions", 0),
    ],
)
def test_unknown_keys_are_errors(where: str | None, index: int | None) -> None:
    """ "Unknown keys are errors" (PW002), at the top and inside each block."""
    doc = _doc()
    if where is None:
        doc["colour"] = "red"
    else:
        assert index is not None
        doc[where][index]["colour"] = "red"
    assert _load_codes(doc) == {"PW002"}


@pytest.mark.parametrize(
    ("block", "value"),
    [
        ("policies", {"max_interviews": 1, "colour": "red"}),
        ("rules", {"ignore": ["PW502"], "colour": "red"}),
        ("deadlines", [{"id": "d", "to": "closed", "within": "1d", "colour": "red"}]),
        ("waivers", [{"code": "PW503", "step": "work", "reason": "r", "colour": "red"}]),
        ("simulation", {"population": {}, "colour": "red"}),
        ("calendars", {"office": {"days": ["mon"], "colour": "red"}}),
    ],
)
def test_unknown_keys_are_errors_in_every_block(block: str, value: object) -> None:
    assert _load_codes(_doc(**{block: value})) == {"PW002"}


@pytest.mark.parametrize(
    ("doc", "code"),
    [
        ({"format": None}, "PW002"),  # required
        ({"id": None}, "PW002"),  # required
        ({"id": "Has_Capitals"}, "PW002"),  # [a-z0-9-]+
        ({"format": "pathways/2"}, "PW002"),
        ({"visibility": "secret"}, "PW002"),  # public | partners | restricted
    ],
)
def test_required_and_constrained_top_level_keys(doc: dict[str, Any], code: str) -> None:
    changed = {k: v for k, v in _doc(**doc).items() if v is not None}
    assert code in _load_codes(changed)


def test_json_with_the_same_structure_loads(p: pathways.Pathway, tmp_path: Path) -> None:
    """YAML, or JSON with the same structure."""
    path = tmp_path / "p.json"
    path.write_text(pathways.dump(p, fmt="json"), encoding="utf-8")
    assert pathways.load(path) == pathways.load(EXAMPLE).model_copy(update={"file": str(path)})


def test_defaults_the_spec_states() -> None:
    """event "to_<to>"; by: the role of `from`; kind internal; consent required; clearance and
    confidentiality internal; capacity omitted = unlimited; max_interviews 1; a deadline's
    `from` the entry step; calendar `always`; simulation.start 2027-01-04."""
    p = _load(
        _doc(
            deadlines=[{"id": "d", "to": "closed", "within": "1d"}],
            simulation={"population": {}},
        )
    )
    t = p.transitions[0]
    assert (t.event, tuple(t.by or ()), t.kind, t.consent) == (
        "to_work",
        ("r",),
        "internal",
        "required",
    )
    role, step = p.roles[0], p.steps[1]
    assert (role.clearance.value, step.confidentiality.value, role.capacity) == (
        "internal",
        "internal",
        None,
    )
    assert role.calendar in (None, "always")
    assert p.policies.max_interviews == 1
    assert p.deadlines[0].source is None and p.deadlines[0].required is False


def test_simulation_start_and_calendar_defaults() -> None:
    """SPEC 7.3: ``simulation.start`` defaults to 2027-01-04 and a role's calendar to
    ``always``: leaving them out simulates exactly as writing them."""
    text = EXAMPLE.read_text(encoding="utf-8")

    def run(old: str, new: str) -> dict[str, Any]:
        assert old in text
        return pathways.simulate(pathways.loads(text.replace(old, new)), cases=300).to_dict()

    written = run("start: 2027-01-04", "start: 2027-01-04")
    assert run("  start: 2027-01-04\n", "") == written
    assert run("start: 2027-01-04", "start: 2027-01-08") != written  # a Friday: it matters
    office = "    calendar: office\n"
    always = run(office, "    calendar: always\n")
    assert run(office, "") == always != written


def test_step_kinds_and_roles() -> None:
    """Kinds entry | action | decision | wait | outcome (and 7.1's fork | join); an outcome
    needs no role, every other step has one (PW201)."""
    for kind in ("action", "decision", "wait", "fork", "join"):
        steps = _doc()["steps"]
        steps[1]["kind"] = kind
        _load(_doc(steps=steps))
    steps = _doc()["steps"]
    steps[1]["kind"] = "meeting"
    assert _load_codes(_doc(steps=steps)) == {"PW002"}
    steps = _doc()["steps"]
    del steps[1]["role"]
    found = pathways.check(_load(_doc(steps=steps)), select=["PW201"])
    assert [f.step for f in found] == ["work"]


@pytest.mark.parametrize("sector", BUILTIN_SECTORS)
def test_built_in_sectors(sector: str) -> None:
    """The SPEC's twelve sectors need no declaration; another is PW003 unless `sectors:` adds
    it."""
    assert _load(_doc(agencies=[{"id": "a", "name": "A", "sector": sector}]))


def test_the_sector_list_and_extra_sectors() -> None:
    assert set(BUILTIN_SECTORS) == {
        "justice",
        "police",
        "social",
        "health",
        "education",
        "hotline",
        "ngo",
        "community",
        "tourism",
        "technology",
        "media",
        "immigration",
    }
    agencies = [{"id": "a", "name": "A", "sector": "faith"}]
    assert _load_codes(_doc(agencies=agencies)) == {"PW003"}
    assert _load(_doc(agencies=agencies, sectors=["faith"]))


def test_confidentiality_is_ordered() -> None:
    """public < internal < sensitive < restricted: a step above its role's clearance is PW306."""
    levels = ["public", "internal", "sensitive", "restricted"]
    for i, level in enumerate(levels):
        for j, clearance in enumerate(levels):
            steps = _doc()["steps"]
            steps[1]["confidentiality"] = level
            roles = [{"id": "r", "agency": "a", "title": "R", "clearance": clearance}]
            found = pathways.check(_load(_doc(steps=steps, roles=roles)), select=["PW306"])
            assert any(f.step == "work" for f in found) == (i > j), (level, clearance)


def test_waiver_is_listed_as_info_with_its_reason() -> None:
    """A waiver silences one code at one step and is listed as `info` with its reason."""
    waivers = [{"code": "PW503", "step": "work", "reason": "timed elsewhere"}]
    found = pathways.check(_load(_doc(waivers=waivers)), select=["PW503"])
    work = [f for f in found if f.step == "work"]
    assert [f.severity.value for f in work] == ["info"] and "timed elsewhere" in work[0].message
    others = [f for f in found if f.step != "work"]
    assert others and all(f.severity.value == "info" for f in others)  # PW503 is info anyway
    steps = _doc()["steps"]
    steps[1]["kind"] = "decision"  # PW107, a warning, waived at the step
    waivers = [{"code": "PW107", "step": "work", "reason": "one way for now"}]
    (f,) = pathways.check(_load(_doc(steps=steps, waivers=waivers)), select=["PW107"])
    assert f.severity.value == "info" and "one way for now" in f.message


def test_file_rules_block() -> None:
    """`rules: {ignore: [...], severity: {CODE: level}}` in the file."""
    roles = [
        {"id": "r", "agency": "a", "title": "R"},
        {"id": "spare", "agency": "a", "title": "S"},
    ]
    (f,) = pathways.check(_load(_doc(roles=roles)), select=["PW202"])
    assert f.severity.value == "warning"
    doc = _doc(roles=roles, rules={"severity": {"PW202": "error"}})
    (f,) = pathways.check(_load(doc), select=["PW202"])
    assert f.severity.value == "error"
    doc = _doc(roles=roles, rules={"ignore": ["PW202"]})
    assert "PW202" not in {f.code for f in pathways.check(_load(doc))}


def test_the_spec_7_3_calendar_example(p: pathways.Pathway) -> None:
    """SPEC 7.3: on the example's office calendar, a case that reaches the role on Friday
    evening is served on Monday; 2 working hours started Friday 16:30 end Monday 09:30; PW303
    counts the worst wall-clock time (started at Friday's close: Monday 10:00)."""
    from pathways.calendars import DEFAULT_START, timeline, wall_clock, worst_case

    office = p.calendars["office"]
    args = (office.timezone, office.days, office.hours, office.holidays, DEFAULT_START)
    line = timeline(*args, office.timezone)
    friday = 4 * 24.0  # time zero is Monday 2027-01-04 00:00
    assert wall_clock(line, line.begin(friday + 19)) == "Monday 08:00"
    assert wall_clock(line, line.finish(friday + 16.5, 2)) == "Monday 09:30"
    assert worst_case(*args, 2) == (65.0, "Friday 17:00 to Monday 10:00")


@pytest.mark.parametrize(
    "extra",
    [
        {"on_reject": "intake"},  # referral only
        {"response_within": "1d"},  # referral only
        {"decline_probability": 0.1},  # referral only
        {"consent": "override"},  # needs a reason
        {"consent": "not-needed"},  # needs a reason
        {"consent": "maybe"},  # required | override | not-needed
        {"kind": "transfer"},  # referral | handoff | internal
        {"probability": 1.5},
    ],
    ids=str,
)
def test_transition_keys_the_spec_constrains(extra: dict[str, Any]) -> None:
    """`on_reject`, `response_within` and `decline_probability` are for referrals only; a
    `consent: override` or `not-needed` needs a `reason`; kinds and consent values are the
    SPEC's: anything else does not load (PW002)."""
    transitions = _doc()["transitions"]
    transitions[0].update(extra)
    assert _load_codes(_doc(transitions=transitions)) == {"PW002"}
    if "consent" in extra and extra["consent"] != "maybe":
        transitions[0]["reason"] = "mandatory report"
        assert _load(_doc(transitions=transitions)).transitions[0].reason == "mandatory report"
