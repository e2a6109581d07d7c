"""The model: dump -> load round trips, and mutations of valid documents never half-load."""

from __future__ import annotations

import copy
import itertools
import json
from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

import pathways as pw
from pathways.durations import format_hours, parse_hours
from pathways.loader import dump

IDS = st.from_regex(r"[a-z][a-z0-9_]{0,6}", fullmatch=True)
HOURS = st.sampled_from([0.25, 0.5, 1.0, 2.0, 24.0, 72.0, 168.0, 1 / 3, 1.75])
LABEL = st.one_of(
    st.text(min_size=1, max_size=12),
    st.fixed_dictionaries({"en": st.text(min_size=1, max_size=8), "km": st.just("ការទទួល")}),
)


@st.composite
def documents(draw: st.DrawFn) -> dict[str, Any]:
    """A valid pathway document: a chain of steps with some extra edges, roles and fields."""
    step_ids = draw(st.lists(IDS, min_size=2, max_size=7, unique=True))
    agencies = draw(st.lists(IDS, min_size=1, max_size=3, unique=True))
    roles = [f"role_{i}" for i in range(draw(st.integers(1, 3)))]
    doc: dict[str, Any] = {
        "format": "pathways/1",
        "id": draw(st.from_regex(r"[a-z0-9-]{1,10}", fullmatch=True)),
        "version": draw(st.sampled_from(["1.0.0", "2", "0.1"])),
        "title": draw(LABEL),
        "locales": ["en", "km"],
        "agencies": [
            {"id": a, "name": draw(LABEL), "sector": draw(st.sampled_from(["social", "health"]))}
            for a in agencies
        ],
        "roles": [
            {
                "id": r,
                "agency": draw(st.sampled_from(agencies)),
                "title": draw(LABEL),
                **({"capacity": draw(st.integers(1, 5))} if draw(st.booleans()) else {}),
            }
            for r in roles
        ],
        "case_fields": {
            "age": {"type": "integer", "min": 0, "max": 17},
            "online": {"type": "boolean"},
            "risk": {"type": "enum", "values": ["low", "high"]},
        },
    }
    steps = []
    for i, sid in enumerate(step_ids):
        last = i == len(step_ids) - 1
        step: dict[str, Any] = {
            "id": sid,
            "kind": "outcome" if last else ("entry" if i == 0 else "action"),
        }
        if not last:
            step["role"] = draw(st.sampled_from(roles))
            hours = draw(st.lists(HOURS, min_size=1, max_size=3, unique=True).map(sorted))
            form = draw(st.sampled_from(["fixed", "tri", "uni", "exp"]))
            if form == "fixed":
                step["duration"] = format_hours(hours[0])
            elif form == "exp":
                step["duration"] = {"mean": format_hours(hours[0])}
            elif form == "uni":
                step["duration"] = {"min": format_hours(hours[0]), "max": format_hours(hours[-1])}
            else:
                step["duration"] = {
                    "min": format_hours(hours[0]),
                    "mode": format_hours(hours[len(hours) // 2]),
                    "max": format_hours(hours[-1]),
                }
            step["tags"] = draw(
                st.lists(
                    st.sampled_from(["interview", "consent", "medical"]), unique=True, max_size=2
                )
            )
        step["label"] = draw(LABEL)
        steps.append(step)
    doc["steps"] = steps
    transitions = []
    for a, b in itertools.pairwise(step_ids):
        t: dict[str, Any] = {"from": a, "to": b}
        if draw(st.booleans()):
            t.update(kind="referral", on_reject=step_ids[0], response_within="1d")
        if draw(st.booleans()):
            t["when"] = draw(
                st.sampled_from(["age < 12", "online or risk == 'high'", "not online"])
            )
        transitions.append(t)
    doc["transitions"] = transitions
    doc["deadlines"] = [{"id": "dl", "to": step_ids[-1], "within": "72h", "required": True}]
    doc["policies"] = {"max_interviews": draw(st.integers(0, 2))}
    doc["simulation"] = {"arrivals_per_day": 3.5, "population": {"age": {"uniform": [0, 17]}}}
    return doc


@given(documents())
def test_generated_documents_load(doc: dict[str, Any]) -> None:
    """Every generated document is a valid pathway."""
    pw.loads(yaml.safe_dump(doc, allow_unicode=True))


@given(documents(), st.sampled_from(["yaml", "json"]))
def test_dump_load_round_trip(doc: dict[str, Any], fmt: str) -> None:
    """A loaded pathway dumps to YAML or JSON and loads back equal."""
    p = pw.loads(yaml.safe_dump(doc, allow_unicode=True))
    again = pw.loads(dump(p, fmt=fmt))
    assert again == p
    assert dump(again) == dump(p)


def _mutations(doc: dict[str, Any]) -> list[tuple[str, dict[str, Any], str]]:
    """(description, mutated document, the code it must produce)."""
    out = []
    d = copy.deepcopy(doc)
    del d["steps"]
    out.append(("required key deleted", d, "PW002"))
    d = copy.deepcopy(doc)
    d["steps"][0]["role"] = "nobody_here"
    out.append(("dangling role", d, "PW003"))
    d = copy.deepcopy(doc)
    d["transitions"][0]["to"] = "no_such_step"
    out.append(("dangling step", d, "PW003"))
    d = copy.deepcopy(doc)
    d["steps"].append(copy.deepcopy(d["steps"][0]))
    out.append(("duplicated step id", d, "PW004"))
    d = copy.deepcopy(doc)
    d["roles"][0]["capacity"] = "lots"
    out.append(("wrong type", d, "PW002"))
    d = copy.deepcopy(doc)
    d["steps"][0]["duration"] = "soonish"
    out.append(("bad duration", d, "PW006"))
    d = copy.deepcopy(doc)
    d["transitions"][0]["when"] = "age <"
    out.append(("bad guard", d, "PW005"))
    d = copy.deepcopy(doc)
    d["steps"][0]["colour"] = "red"
    out.append(("unknown key", d, "PW002"))
    return out


@given(documents(), st.data())
def test_mutations_give_findings_and_nothing_else(doc: dict[str, Any], data: st.DataObject) -> None:
    """A broken document raises LoadError naming the fault; never another exception."""
    label, mutated, code = data.draw(st.sampled_from(_mutations(doc)), label="mutation")
    with pytest.raises(pw.LoadError) as info:
        pw.loads(yaml.safe_dump(mutated, allow_unicode=True))
    assert code in {f.code for f in info.value.findings}, label
    assert all(f.location.line >= 1 and f.location.column >= 1 for f in info.value.findings)


@given(documents(), st.binary(min_size=1, max_size=20), st.integers(0, 10_000))
def test_spliced_bytes_load_or_give_findings(doc: dict[str, Any], junk: bytes, at: int) -> None:
    """Random bytes spliced into a valid file: a Pathway or a LoadError, nothing else."""
    text = yaml.safe_dump(doc, allow_unicode=True).encode()
    at = at % (len(text) + 1)
    try:
        pw.loads(text[:at] + junk + text[at:])
    except pw.LoadError as exc:
        assert exc.findings
        assert all(f.code.startswith("PW0") for f in exc.findings)


@given(documents())
def test_deleting_any_key_loads_or_gives_findings(doc: dict[str, Any]) -> None:
    """Deleting any single key anywhere: a Pathway or a LoadError, nothing else."""
    paths: list[tuple[Any, Any]] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for k, v in node.items():
                paths.append((node, k))
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(doc)
    for i in range(0, len(paths), max(1, len(paths) // 12)):
        mutated = copy.deepcopy(doc)
        target = [mutated]
        del target
        node, key = _find(mutated, doc, paths[i])
        del node[key]
        try:
            pw.loads(json.dumps(mutated, ensure_ascii=False))
        except pw.LoadError as exc:
            assert exc.findings


def _find(mutated: Any, original: Any, pair: tuple[Any, Any]) -> tuple[Any, Any]:
    """The mapping in ``mutated`` that corresponds to ``pair[0]`` in ``original``."""
    target, key = pair
    if original is target:
        return mutated, key
    if isinstance(original, dict):
        for k in original:
            found = _find_opt(mutated[k], original[k], pair)
            if found is not None:
                return found
    if isinstance(original, list):
        for m, o in zip(mutated, original, strict=True):
            found = _find_opt(m, o, pair)
            if found is not None:
                return found
    raise LookupError


def _find_opt(mutated: Any, original: Any, pair: tuple[Any, Any]) -> tuple[Any, Any] | None:
    try:
        return _find(mutated, original, pair)
    except LookupError:
        return None


@given(HOURS)
def test_hours_format_round_trips(hours: float) -> None:
    """Formatting hours and parsing them back gives the same float."""
    assert parse_hours(format_hours(hours)) == hours


@pytest.mark.parametrize(
    ("text", "hours"),
    [
        ("45m", 0.75),
        ("2h", 2.0),
        ("3d", 72.0),
        ("2w", 336.0),
        ("PT72H", 72.0),
        ("P5D", 120.0),
        ("P1DT2H30M", 26.5),
        ("1d12h", 36.0),
        ("0.5h", 0.5),
        ("PT30M", 0.5),
        ("90s", 0.025),
    ],
)
def test_duration_forms(text: str, hours: float) -> None:
    """Every documented duration form parses to hours."""
    assert parse_hours(text) == pytest.approx(hours)


@pytest.mark.parametrize("text", ["", "3", "3x", "PT", "P", "h", "2h x", "-2h", "P1Y"])
def test_bad_durations(text: str) -> None:
    """Anything else is refused with a message naming the accepted forms."""
    with pytest.raises(ValueError, match=r"write e\.g\."):
        parse_hours(text)


def test_duration_shapes_and_bounds() -> None:
    """Fixed, triangular, uniform and exponential durations; the exponential counts at p99."""
    from pathways.model import Duration

    assert Duration.model_validate("2h").upper == 2.0
    tri = Duration.model_validate({"min": "1h", "mode": "2h", "max": "6h"})
    assert (tri.kind, tri.expected, tri.upper) == ("triangular", 3.0, 6.0)
    assert Duration.model_validate({"min": "1h", "max": "3h"}).expected == 2.0
    exp = Duration.model_validate({"mean": "10h"})
    assert exp.kind == "exponential"
    assert exp.upper == pytest.approx(46.0517, rel=1e-4)
